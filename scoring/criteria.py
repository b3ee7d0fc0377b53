"""Subsidy-round criteria as data: a TOML file per programme, validated on load.

A criteria file holds the programme's settings (every interpretation the
written rules leave open, with its default) and a list of criteria, each
naming its source column, which values earn more points (``direction``), a
weight and how points are made (by rank, from the value, or by bands). The
three CCTV programmes of 붙임8 and the Wi-Fi and smart-pole rounds share this
one format; the defaults ship as package data in ``scoring/criteria/``.

Examples
--------
>>> criteria = default_criteria("cctv-new")
>>> [c.name for c in criteria.criteria]
['fiscal_self_reliance', 'vulnerable_cells']
>>> criteria.settings.tie_method, criteria.settings.point_step
('min', 0.5)
"""

from __future__ import annotations

import os
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.errors import ConfigError

__all__ = [
    "CCTV_PROGRAMS",
    "PROGRAMS",
    "RESERVED_COLUMNS",
    "Band",
    "Criteria",
    "Criterion",
    "RoundSettings",
    "default_criteria",
    "load_criteria",
]

#: The three CCTV programmes of 붙임8.
CCTV_PROGRAMS = ("cctv-new", "cctv-replace", "cctv-intelligent")
#: Every programme with a default criteria file.
PROGRAMS = (*CCTV_PROGRAMS, "wifi", "pole")

#: Output columns a criterion name must not shadow (``<name>_rank`` / ``<name>_points``).
RESERVED_COLUMNS = frozenset(
    {
        "sig_cd",
        "name_ko",
        "fiscal",
        "need",
        "total",
        "priority",
        "eligible",
        "reason",
        "applicant",
        "ranked",
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Model):
    """One band of band-based points: ``lower <= value < upper`` earns ``points``.

    With ``upper_inclusive = true`` the band is ``lower <= value <= upper``
    (붙임8's last band, 30 %–100 %).
    """

    lower: float
    upper: float
    points: float
    upper_inclusive: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if not self.lower < self.upper:
            raise ValueError(f"band lower {self.lower} must be below upper {self.upper}")
        return self

    def contains(self, value: float) -> bool:
        """Whether ``value`` falls in this band (unrounded comparison)."""
        if self.upper_inclusive:
            return self.lower <= value <= self.upper
        return self.lower <= value < self.upper

    def label(self) -> str:
        """``"0 ≤ x < 10"`` style text for reports."""
        op = "≤" if self.upper_inclusive else "<"
        return f"{self.lower:g} ≤ x {op} {self.upper:g}"


class Criterion(_Model):
    """One scoring criterion.

    Parameters
    ----------
    name : str
        Identifier; output columns are ``<name>_rank`` and ``<name>_points``.
    label : str
        What it measures, for reports (Korean and/or English).
    column : str
        Source column of the round table (e.g. ``fiscal_self_reliance_pct``).
    group : {"fiscal", "need"}
        Summed into ``fiscal_points`` or ``need_points``.
    direction : {"higher", "lower"}
        Which values earn more points (are the needier): ``"lower"`` for fiscal
        self-reliance (rank 1 = highest value), ``"higher"`` for D/E cells
        (rank 1 = fewest). Also the order of the priority tie-break (needier first).
    points : {"rank", "value", "bands"}
        ``rank``: ``weight × point_step × rank``; ``value``: ``weight × v'``
        with ``v'`` the value min-max scaled to 0–1 (``scale="minmax"``) or
        the value itself (``scale="none"``); ``bands``: ``weight × band points``.
    weight : float, default 1
        Multiplies the criterion's points.
    scale : {"minmax", "none"}, default "minmax"
        Scaling of value-based points.
    bands : list of Band
        Required for ``points = "bands"``; must cover every admissible value.
    assumption : bool, default False
        True when the criterion is this project's assumption, not written policy.
    note : str
        Source or rationale (cited in the report).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    column: str
    group: Literal["fiscal", "need"] = "need"
    direction: Literal["higher", "lower"]
    points: Literal["rank", "value", "bands"] = "rank"
    weight: float = Field(default=1.0, gt=0)
    scale: Literal["minmax", "none"] = "minmax"
    bands: list[Band] = Field(default_factory=list)
    assumption: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        if self.name in RESERVED_COLUMNS:
            raise ValueError(f"criterion name {self.name!r} is reserved")
        if self.points == "bands" and not self.bands:
            raise ValueError(f"criterion {self.name!r} uses points = 'bands' but lists no bands")
        if self.points != "bands" and self.bands:
            raise ValueError(f"criterion {self.name!r} lists bands but points = {self.points!r}")
        return self

    def max_points(self, n_ranked: int, point_step: float) -> float:
        """Largest points this criterion can give among ``n_ranked`` districts."""
        if self.points == "rank":
            return self.weight * point_step * n_ranked
        if self.points == "bands":
            return self.weight * max(b.points for b in self.bands)
        return self.weight  # value-based: scaled to at most 1 (minmax) per unit weight


class RoundSettings(_Model):
    """Every interpretation of a round the written rules leave open, with its default.

    Attributes
    ----------
    rank_population : {"all", "applicants"}
        Rank all districts in the round's table (default), or only applicants
        (districts with ``requested_krw > 0``).
    tie_method : {"min", "average", "max"}
        Tied values share the smallest rank (Excel RANK.EQ, default), their
        average (RANK.AVG) or the largest.
    point_step : float
        Points per rank (0.5).
    combination : {"sum", "rescale"}
        Literal sum of the criteria's points (default) or each criterion
        rescaled so that its maximum possible points equal ``rescale_to``.
    rescale_to : float
        Maximum of each rescaled criterion (50).
    ageing_min_age, reference_year : int
        A camera is aged when ``reference_year - install year >= ageing_min_age`` (8, 2024).
    vulnerable_grades : list of str
        Risk-grid grades counted as vulnerable cells (D, E).
    tie_break : list of str
        Criterion names breaking equal totals, the needier first, in order;
        remaining ties go to the lower SIG_CD.
    matching_ratio : float
        City share of the project cost (0.5 = 5:5 matching).
    policy : {"fill", "proportional", "topk"}
        Allocation policy (rank-order fill by default).
    skip_partials : bool
        Under fill/topk, skip a district the remaining budget cannot fully fund
        and go on to the next instead of granting a partial amount.
    top_k : int
        Number of eligible districts considered under ``topk`` (2024 funded 10).
    budget_krw : int, optional
        City budget of the round (KRW); none = every eligible district gets its full city share.
    missing : {"refuse", "zero"}
        A ranked district without a value for a criterion (a grid that does
        not cover it, a table without its row) is refused, naming the
        districts; ``"zero"`` scores it as 0 and the report lists each one.
    """

    rank_population: Literal["all", "applicants"] = "all"
    tie_method: Literal["min", "average", "max"] = "min"
    point_step: float = Field(default=0.5, gt=0)
    combination: Literal["sum", "rescale"] = "sum"
    rescale_to: float = Field(default=50.0, gt=0)
    ageing_min_age: int = Field(default=8, ge=1)
    reference_year: int = 2024
    vulnerable_grades: list[str] = Field(default_factory=lambda: ["D", "E"])
    tie_break: list[str] = Field(default_factory=list)
    matching_ratio: float = Field(default=0.5, gt=0, le=1)
    policy: Literal["fill", "proportional", "topk"] = "fill"
    skip_partials: bool = False
    top_k: int = Field(default=10, ge=1)
    budget_krw: int | None = Field(default=None, ge=0)
    missing: Literal["refuse", "zero"] = "refuse"


class Criteria(_Model):
    """A programme's criteria file: settings plus the list of criteria.

    ``basis`` says whether the criteria are the city's written ones
    (``"written"``: 붙임8 of the 2024 budget review for the three CCTV
    programmes) or this project's assumptions (``"assumed"``: Wi-Fi and
    smart-pole rounds, and any file that does not say); ``source`` cites the
    public document by title, year and annex.
    """

    program: str
    title: str
    source: str = ""
    basis: Literal["written", "assumed"] = "assumed"
    assumptions: list[str] = Field(default_factory=list)
    settings: RoundSettings = Field(default_factory=RoundSettings)
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> Criteria:
        names = [c.name for c in self.criteria]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion names: {', '.join(duplicates)}")
        unknown = [n for n in self.settings.tie_break if n not in names]
        if unknown:
            raise ValueError(f"settings.tie_break names unknown criteria {unknown}; known: {names}")
        return self

    def basis_text(self) -> str:
        """One sentence for reports: written criteria or assumptions, with the source."""
        if self.basis == "written":
            return (
                f"The city's written criteria: {self.source}."
                if self.source
                else ("The city's written criteria.")
            )
        text = "ASSUMED criteria, not the city's written rules (none are published for this round)"
        return text + (f"; context: {self.source}." if self.source else ".")

    def criterion(self, name: str) -> Criterion:
        """The criterion called ``name``."""
        for c in self.criteria:
            if c.name == name:
                return c
        raise KeyError(name)

    def with_settings(self, **changes: Any) -> Criteria:
        """A copy with some settings replaced (``None`` values are ignored), validated."""
        updates = {k: v for k, v in changes.items() if v is not None}
        if not updates:
            return self
        merged = self.settings.model_dump() | updates
        return _validate({**self.model_dump(), "settings": merged}, "settings")

    def choices(self) -> dict[str, Any]:
        """Every setting used, for outputs and the manifest."""
        return self.settings.model_dump()


def _validate(data: dict[str, Any], where: str) -> Criteria:
    try:
        return Criteria.model_validate(data)
    except pydantic.ValidationError as err:
        problems = []
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"]) or "(file)"
            problems.append(f"{loc}: {e['msg']}")
        raise ConfigError(
            f"criteria are invalid ({len(problems)} problem{'s' if len(problems) != 1 else ''}):"
            "\n    - " + "\n    - ".join(problems),
            layer=where,
            fix="correct the criteria TOML; the shipped defaults in scoring/criteria/ "
            "show every field",
        ) from None


def load_criteria(path: str | os.PathLike[str]) -> Criteria:
    """Read and validate a criteria TOML file.

    Parameters
    ----------
    path : path
        A ``.toml`` file in the format of ``scoring/criteria/*.toml``.

    Returns
    -------
    Criteria

    Raises
    ------
    ConfigError
        Unreadable TOML or invalid content (every problem listed).
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"criteria file {str(p)!r} does not exist", layer=p.name, fix="check the path"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"criteria file is not valid UTF-8 TOML: {err}",
            layer=p.name,
            fix="save it as UTF-8 and check the TOML syntax",
        ) from None
    return _validate(data, p.name)


def default_criteria(program: str) -> Criteria:
    """The shipped criteria of a programme (``cctv-new``, ``cctv-replace``, …).

    Raises
    ------
    ConfigError
        For an unknown programme.
    """
    if program not in PROGRAMS:
        raise ConfigError(
            f"unknown programme {program!r}",
            fix=f"choose one of {', '.join(PROGRAMS)}",
        )
    text = (files("scoring") / "criteria" / f"{program}.toml").read_text(encoding="utf-8")
    return _validate(tomllib.loads(text), f"{program}.toml")
