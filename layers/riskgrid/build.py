"""Build a graded risk grid from indicator layers (the composite score, then grades)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from layers.districts import load_districts
from layers.errors import ConfigError, SitingError
from layers.progress import track
from layers.riskgrid.grades import Grading, grade_scores
from layers.riskgrid.grid import (
    RiskGrid,
    check_cell_size,
    district_membership,
    lattice_for,
    resolve_districts,
)
from layers.riskgrid.indicators import (
    DIRECTIONS,
    KINDS,
    MISSING_POLICIES,
    NORMALISATIONS,
    POINT_MEASURES,
    POLYGON_ATTRIBUTES,
    RESAMPLINGS,
    TRANSFORMS,
    Indicator,
    fill_missing,
    normalise,
    raw_surface,
)
from layers.riskgrid.learn import LEARN_MODELS, Learning, LearnResult, learn_score

__all__ = ["GridBuild", "build_risk_grid", "indicator_problems"]

log = logging.getLogger(__name__)


@dataclass
class GridBuild:
    """A built grid and the report of how it was built.

    Attributes
    ----------
    grid : RiskGrid
        The graded grid.
    report : dict
        Per indicator: source, unit, raw range, missing cells and how they were
        filled, weight; the grading edges and grade counts; the learned model.
    learned : LearnResult or None
        The learned model, when one was fitted.
    """

    grid: RiskGrid
    report: dict[str, Any] = field(default_factory=dict)
    learned: LearnResult | None = None


def indicator_problems(indicators: Sequence[Indicator], where: str = "indicators") -> list[str]:
    """Every inconsistency in indicator settings, one line each."""
    problems: list[str] = []
    if not indicators:
        problems.append(f"{where}: no indicator is declared")
    seen: set[str] = set()
    choices = {
        "kind": KINDS,
        "direction": DIRECTIONS,
        "transform": TRANSFORMS,
        "normalise": NORMALISATIONS,
        "missing": MISSING_POLICIES,
    }
    for i, ind in enumerate(indicators, start=1):
        label = f"{where} #{i} ({ind.name!r})"
        if ind.name in seen:
            problems.append(f"{label}: the name is used twice")
        seen.add(ind.name)
        for attr, allowed in choices.items():
            value = getattr(ind, attr)
            if value not in allowed:
                problems.append(f"{label}: {attr} {value!r} is not one of {', '.join(allowed)}")
        if not isinstance(ind.weight, int | float) or not np.isfinite(ind.weight) or ind.weight < 0:
            problems.append(
                f"{label}: weight {ind.weight!r} must be a number ≥ 0 "
                "(use direction = 'lowers' for a protective factor)"
            )
        if ind.kind == "points":
            if ind.measure not in POINT_MEASURES:
                problems.append(f"{label}: measure {ind.measure!r} is not one of count, density")
            if ind.measure == "density" and not (
                isinstance(ind.bandwidth_m, int | float) and 0 < ind.bandwidth_m <= 10_000
            ):
                problems.append(
                    f"{label}: measure 'density' needs bandwidth_m in metres (0 < b ≤ 10000), "
                    f"got {ind.bandwidth_m!r}"
                )
        if ind.kind == "polygons":
            if not ind.column:
                problems.append(f"{label}: polygons need column = the attribute to grid")
            if ind.attribute not in POLYGON_ATTRIBUTES:
                problems.append(f"{label}: attribute {ind.attribute!r} is not one of count, rate")
        if ind.kind == "raster" and ind.resampling not in RESAMPLINGS:
            problems.append(
                f"{label}: resampling {ind.resampling!r} is not one of {', '.join(RESAMPLINGS)}"
            )
    weights = [ind.weight for ind in indicators if isinstance(ind.weight, int | float)]
    if indicators and weights and all(w == 0 for w in weights):
        problems.append(
            f"{where}: every weight is 0, so the score would be 0 everywhere; "
            "give at least one indicator a weight > 0"
        )
    return problems


def _blocks(rows: np.ndarray, cols: np.ndarray, cell_size: float, block_m: float) -> np.ndarray:
    per = max(1, round(block_m / cell_size))
    return (rows // per) * 100_000 + cols // per


def build_risk_grid(
    indicators: Sequence[Indicator],
    *,
    cell_size: float = 100.0,
    districts: Sequence[str] = (),
    grading: Grading | None = None,
    learning: Learning | None = None,
    progress: bool = False,
) -> GridBuild:
    """Build a graded vulnerability grid (취약격자) from indicator layers.

    The composite score of a cell is ``Σ weight × normalised indicator``
    (higher = more vulnerable); with ``learning`` and a model that has skill,
    it is the model's expected incidents per cell instead.

    Parameters
    ----------
    indicators : sequence of Indicator
        Layers in EPSG:5186 (rasters as EPSG:5186 files).
    cell_size : float, default 100
        Cell edge (m), 10 to 1000.
    districts : sequence of str, optional
        Study districts (names or SIG_CD); default all of Seoul.
    grading : Grading, optional
        Grade method and vulnerable grades; default quantiles, D and E.
    learning : Learning, optional
        Fit weights on an incident layer.
    progress : bool, default False
        Show a progress bar over the indicators.

    Returns
    -------
    GridBuild

    Raises
    ------
    ConfigError
        Listing every problem: bad settings, cell size out of range, all weights
        zero, layers outside the study area, rasters in another CRS, …

    Examples
    --------
    >>> from layers import load_districts
    >>> ind = Indicator("population", "polygons", load_districts(),
    ...                 column="population_2024q4", attribute="count")
    >>> build = build_risk_grid([ind], cell_size=500)
    >>> build.grid.grade_counts()["E"] > 0
    True
    """
    grading = grading or Grading()
    check_cell_size(cell_size)
    problems = indicator_problems(indicators) + grading.problems()
    if learning is not None:
        if learning.model not in LEARN_MODELS:
            problems.append(
                f"[learn] model {learning.model!r} is not one of {', '.join(LEARN_MODELS)}"
            )
        if not (isinstance(learning.folds, int) and learning.folds >= 2):
            problems.append(f"[learn] folds must be an integer ≥ 2, got {learning.folds!r}")
    if problems:
        raise ConfigError(_listing(problems), fix="correct the settings listed")

    study_districts = resolve_districts(list(districts))
    lattice = lattice_for(study_districts.total_bounds, cell_size)
    member = district_membership(lattice.transform, lattice.shape)
    all_codes = load_districts().sig_cd.tolist()
    chosen = [all_codes.index(c) for c in study_districts.sig_cd]
    study = np.isin(member, chosen)
    n_cells = int(study.sum())
    if n_cells == 0:
        raise ConfigError("the study area holds no cell centroid", fix="choose a smaller cell size")
    log.info(
        "grid: %d × %d cells of %g m, %d in the study area", *lattice.shape, cell_size, n_cells
    )

    columns: list[np.ndarray] = []
    for ind in track(indicators, "indicators", enabled=progress):
        ind.info.clear()  # facts of this build only
        try:
            raw = raw_surface(ind, lattice, study)
            values = fill_missing(ind, raw[study])
            columns.append(normalise(ind, values))
        except SitingError as err:
            problems.append(str(err).replace("\n  ", "; "))
    if problems:
        raise ConfigError(_listing(problems), fix="correct the layers listed")

    features = np.column_stack(columns)
    weights = np.array([float(ind.weight) for ind in indicators])
    score = features @ weights
    learned: LearnResult | None = None
    if learning is not None:
        rows, cols = np.nonzero(study)
        counter = Indicator("incidents", "points", learning.incidents, source=learning.source)
        try:
            counts = raw_surface(counter, lattice, study)[study]
        except SitingError as err:
            raise ConfigError(
                "[learn] " + str(err).replace("\n  ", "; "), fix="check the incident layer"
            ) from None
        learned = learn_score(
            features,
            [ind.name for ind in indicators],
            counts,
            _blocks(rows, cols, cell_size, learning.block_m),
            learning,
        )
        if learned.has_skill:
            score = learned.prediction

    score32 = score.astype(np.float32)
    codes = grade_scores(score32, grading)
    score_2d = np.full(lattice.shape, np.nan, dtype=np.float32)
    grade_2d = np.zeros(lattice.shape, dtype=np.uint8)
    score_2d[study] = score32
    grade_2d[study] = codes
    grid = RiskGrid(score_2d, grade_2d, lattice.transform, cell_size=float(cell_size))
    report: dict[str, Any] = {
        "cell_size_m": float(cell_size),
        "districts": list(study_districts.sig_cd),
        "shape": list(lattice.shape),
        "study_cells": n_cells,
        "score": (
            "expected incidents per cell (learned model)"
            if learned is not None and learned.has_skill
            else "weighted sum of normalised indicators"
        ),
        "indicators": [
            {
                "name": ind.name,
                "kind": ind.kind,
                "source": ind.source,
                "column": ind.column,
                "direction": ind.direction,
                "transform": ind.transform,
                "normalise": ind.normalise,
                "weight": float(ind.weight),
                **ind.info,
            }
            for ind in indicators
        ],
        "grading": {
            "method": grading.method,
            "vulnerable": list(grading.vulnerable),
            **grading.info,
            "counts": grid.grade_counts(),
            "shares_pct": {
                g: round(100.0 * c / n_cells, 3) for g, c in grid.grade_counts().items()
            },
        },
    }
    if learned is not None:
        report["learned"] = learned.report()
    missing = {ind.name: ind.info.get("cells_missing", 0) for ind in indicators}
    report["missing_cells"] = missing
    return GridBuild(grid, report, learned)


def _listing(problems: list[str]) -> str:
    n = len(problems)
    return f"{n} problem{'s' if n != 1 else ''}:\n    - " + "\n    - ".join(problems)
