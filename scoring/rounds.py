"""A whole subsidy round: inputs → scores → eligibility and allocation → audit table.

Examples
--------
>>> import pandas as pd
>>> from scoring.criteria import default_criteria
>>> t = pd.DataFrame({"sig_cd": ["A", "B"], "name_ko": ["A구", "B구"],
...                   "fiscal_self_reliance_pct": [60.0, 45.0], "ageing_ratio_pct": [12.0, 20.0],
...                   "requested_krw": [2_000_000, 4_000_000],
...                   "matching_secured_krw": [1_000_000, 1_000_000]})
>>> r = score_round(t, default_criteria("cctv-replace").with_settings(budget_krw=5_000_000))
>>> r.table[["sig_cd", "priority", "eligible", "city_share_krw", "reason"]].values.tolist()
[['B', 1, False, 0, 'ineligible: matching funds not secured'], ['A', 2, True, 1000000, 'city share of the requested cost in full']]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.errors import ConfigError
from scoring.allocation import STATUS_FUNDED, STATUS_PARTLY, allocate
from scoring.criteria import Criteria, default_criteria, load_criteria
from scoring.inputs import build_round_table
from scoring.programs import score_table

__all__ = ["RoundResult", "inputs_are_synthetic", "run_round", "score_round"]


@dataclass
class RoundResult:
    """A scored and allocated round.

    Attributes
    ----------
    criteria : Criteria
        Criteria and every setting used.
    table : DataFrame
        The audit table, one row per district, sorted by priority (unranked last).
    totals : dict
        Budget, granted total, counts of applicants, eligible and funded districts.
    inputs : list of Path
        Input files read.
    sources : dict
        Column → where its values came from.
    version : int
        Version of the round (1, or one more than the previous run compared).
    differences : DataFrame, optional
        Changes since the previous version (:func:`scoring.versions.round_differences`).
    previous : str, optional
        Where the previous version was read from.
    synthetic : bool
        Some input is synthetic (:func:`inputs_are_synthetic`): the reports and
        the workbook carry the SYNTHETIC / 예시 banner.
    """

    criteria: Criteria
    table: pd.DataFrame
    totals: dict[str, Any]
    inputs: list[Path] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    version: int = 1
    differences: pd.DataFrame | None = None
    previous: str | None = None
    synthetic: bool = False

    def compare_with(self, previous: pd.DataFrame, *, version: int, where: str) -> None:
        """Record this round as the version after ``previous`` and list what changed.

        Parameters
        ----------
        previous : DataFrame
            The previous version's round table.
        version : int
            The previous version's number.
        where : str
            Where it was read from (for the report).
        """
        from scoring.versions import round_differences

        fields = [c for c in self.table.columns if c not in ("sig_cd", "name_ko")]
        self.differences = round_differences(previous, self.table, fields)
        self.version = version + 1
        self.previous = where

    @property
    def program(self) -> str:
        """The programme (``cctv-new``, …)."""
        return self.criteria.program


def inputs_are_synthetic(paths: list[Path]) -> bool:
    """True when any input file is synthetic.

    Synthetic files carry ``synthetic`` in their names (the demo's example
    requests ``example_requests_synthetic.csv``, its grid
    ``seoul_risk_grid_synthetic_100m.tif``); a risk-grid GeoTIFF also records
    ``synthetic=true`` in its tags, which survives renaming the file.

    Parameters
    ----------
    paths : list of Path
        The round's input files.

    Examples
    --------
    >>> inputs_are_synthetic([Path("requests.csv")])
    False
    >>> inputs_are_synthetic([Path("example_requests_synthetic.csv")])
    True
    """
    for path in paths:
        if "synthetic" in path.name.lower():
            return True
        if path.suffix.lower() in (".tif", ".tiff") and path.is_file():
            import rasterio

            with rasterio.open(path) as src:
                if str(src.tags().get("synthetic", "")).lower() == "true":
                    return True
    return False


def _columns(table: pd.DataFrame, criteria: Criteria) -> list[str]:
    first = ["sig_cd", "name_ko"]
    raw = []
    for c in criteria.criteria:
        if c.column not in raw:
            raw.append(c.column)
    if "ageing_ratio_pct" in raw:
        raw += ["cctv_total", "cctv_aged"]
    raw += [
        "grid_cells_graded",
        "grid_coverage_pct",
        "missing_filled_zero",
        "overrides",
        "data_notes",
    ]
    per_criterion = []
    for c in criteria.criteria:
        per_criterion += [f"{c.name}_rank", f"{c.name}_band", f"{c.name}_points"]
    rest = [
        "fiscal_points",
        "need_points",
        "total_points",
        "priority",
        "applicant",
        "requested_krw",
        "matching_secured_krw",
        "required_matching_krw",
        "eligible",
        "city_share_requested_krw",
        "city_share_krw",
        "district_share_krw",
        "status",
        "reason",
    ]
    wanted = first + raw + per_criterion + rest
    seen: list[str] = []
    for name in wanted:
        if name in table.columns and name not in seen:
            seen.append(name)
    return seen


def score_round(table: pd.DataFrame, criteria: Criteria) -> RoundResult:
    """Score and allocate one round on a ready table.

    Parameters
    ----------
    table : DataFrame
        One row per district: ``sig_cd``, optional ``name_ko``, the criteria's
        source columns, optional ``requested_krw`` (total project cost, KRW)
        and ``matching_secured_krw`` (KRW).
    criteria : Criteria
        Criteria and settings (budget, policy, matching ratio, …).

    Returns
    -------
    RoundResult
        Row order of ``table`` does not matter: the result is sorted by priority.
    """
    scored = score_table(table, criteria)
    allocated = allocate(scored, criteria.settings)
    for column in ("requested_krw", "matching_secured_krw"):
        if column not in allocated.columns:
            allocated[column] = pd.NA
    allocated["_order"] = allocated["priority"].astype("Float64").fillna(float("inf"))
    allocated = allocated.sort_values(["_order", "sig_cd"], kind="mergesort", ignore_index=True)
    allocated = allocated[_columns(allocated, criteria)]
    s = criteria.settings
    granted = int(allocated["city_share_krw"].sum())
    totals: dict[str, Any] = {
        "districts": len(allocated),
        "ranked": int(allocated["priority"].notna().sum()),
        "applicants": int(allocated["applicant"].sum()),
        "eligible": int(allocated["eligible"].sum()),
        "funded_in_full": int(allocated["status"].eq(STATUS_FUNDED).sum()),
        "funded_in_part": int(allocated["status"].eq(STATUS_PARTLY).sum()),
        "budget_krw": s.budget_krw,
        "granted_city_krw": granted,
        "granted_district_krw": int(allocated["district_share_krw"].sum()),
        "unspent_krw": None if s.budget_krw is None else s.budget_krw - granted,
    }
    return RoundResult(criteria=criteria, table=allocated, totals=totals)


def run_round(
    program: str,
    *,
    criteria: Criteria | str | os.PathLike[str] | None = None,
    districts_csv: str | os.PathLike[str] | None = None,
    grid: str | os.PathLike[str] | None = None,
    layer: gpd.GeoDataFrame | None = None,
    **settings: Any,
) -> RoundResult:
    """Assemble inputs and score one programme's round.

    Parameters
    ----------
    program : str
        ``cctv-new``, ``cctv-replace``, ``cctv-intelligent``, ``wifi`` or ``pole``.
    criteria : Criteria or path, optional
        Criteria (default: the shipped file of ``program``).
    districts_csv : path, optional
        Planner's CSV overriding the layer (see :func:`scoring.inputs.read_district_csv`).
    grid : path, optional
        Graded risk grid for ``vulnerable_cells``.
    layer : GeoDataFrame, optional
        District layer already loaded.
    **settings
        Overrides of :class:`scoring.criteria.RoundSettings` (``budget_krw``,
        ``policy``, ``top_k``, ``skip_partials``, …); ``None`` keeps the file's value.

    Returns
    -------
    RoundResult
    """
    if criteria is None:
        chosen = default_criteria(program)
    elif isinstance(criteria, Criteria):
        chosen = criteria
    else:
        chosen = load_criteria(criteria)
    if chosen.program != program:
        raise ConfigError(
            f"the criteria are for programme {chosen.program!r}, not {program!r}",
            fix=f"pass criteria whose program = {program!r}, or --program {chosen.program}",
        )
    chosen = chosen.with_settings(**settings)
    assembled = build_round_table(chosen, districts_csv=districts_csv, grid=grid, layer=layer)
    result = score_round(assembled.table, chosen)
    result.inputs = assembled.inputs + (
        [Path(criteria)] if isinstance(criteria, str | os.PathLike) else []
    )
    result.sources = assembled.sources
    result.synthetic = inputs_are_synthetic(result.inputs)
    return result
