"""Learned indicator weights: a model of incidents per cell, cross-validated against no skill.

Given an incident layer (past crimes as points), the number of incidents per
study cell is modelled on the normalised indicators with scikit-learn:
``PoissonRegressor`` by default (its coefficients are the weights, per unit of
each normalised indicator, on the log scale) or ``HistGradientBoostingRegressor``
with a Poisson loss (permutation importances). Skill is the cross-validated
share of Poisson deviance explained relative to a no-skill baseline that
predicts the training mean everywhere (D² = 1 − deviance / baseline deviance),
with folds made of whole spatial blocks so that neighbouring cells never sit on
both sides of a split. A model with D² ≤ 0 has no skill and is said so plainly.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import GroupKFold

__all__ = ["LEARN_MODELS", "LearnResult", "Learning", "learn_score"]

log = logging.getLogger(__name__)

LEARN_MODELS = ("poisson", "gradient_boosting")
_EPS = 1e-9


@dataclass
class Learning:
    """Settings for learned weights.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points in EPSG:5186.
    model : {"poisson", "gradient_boosting"}, default "poisson"
        The regression model.
    folds : int, default 5
        Cross-validation folds (spatial blocks).
    block_m : float, default 1000
        Edge of the square spatial blocks that make up the folds (m).
    seed : int, default 0
        Seed of the gradient-boosting model and permutation importances.
    source : str
        Where the incidents came from, for reports.
    """

    incidents: gpd.GeoDataFrame
    model: Literal["poisson", "gradient_boosting"] = "poisson"
    folds: int = 5
    block_m: float = 1000.0
    seed: int = 0
    source: str = ""


@dataclass
class LearnResult:
    """What the learned model found.

    Attributes
    ----------
    prediction : numpy.ndarray
        Expected incidents per study cell (the score when used).
    skill : float
        Cross-validated D² (share of Poisson deviance explained vs. the
        no-skill baseline); ≤ 0 means no skill.
    weights : dict of str to float
        Poisson coefficient or permutation importance per indicator.
    statement : str
        One plain sentence on what the model is worth.
    """

    prediction: np.ndarray
    skill: float
    model_deviance: float
    baseline_deviance: float
    weights: dict[str, float]
    weight_kind: str
    has_skill: bool
    statement: str
    info: dict[str, Any] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "skill_d2": self.skill,
            "model_mean_poisson_deviance": self.model_deviance,
            "baseline_mean_poisson_deviance": self.baseline_deviance,
            "weights": self.weights,
            "weight_kind": self.weight_kind,
            "has_skill": self.has_skill,
            "statement": self.statement,
            **self.info,
        }


def _model(kind: str, seed: int) -> RegressorMixin:
    if kind == "poisson":
        return PoissonRegressor(alpha=1e-4, max_iter=1000)
    return HistGradientBoostingRegressor(
        loss="poisson", max_iter=200, learning_rate=0.1, random_state=seed
    )


def _fit(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def learn_score(
    features: np.ndarray,
    names: list[str],
    counts: np.ndarray,
    blocks: np.ndarray,
    learning: Learning,
) -> LearnResult:
    """Fit incidents per cell on the indicators and cross-validate against no skill.

    Parameters
    ----------
    features : numpy.ndarray
        ``(cells, indicators)`` normalised indicator values of the study cells.
    names : list of str
        Indicator names, one per column.
    counts : numpy.ndarray
        Incidents per study cell.
    blocks : numpy.ndarray
        Spatial block id per study cell (folds never split a block).
    learning : Learning
        Model and folds.

    Returns
    -------
    LearnResult
    """
    y = np.asarray(counts, dtype=np.float64)
    n_groups = int(np.unique(blocks).size)
    folds = max(2, min(learning.folds, n_groups))
    model_dev = 0.0
    base_dev = 0.0
    for train, test in GroupKFold(n_splits=folds).split(features, y, groups=blocks):
        fitted = _fit(_model(learning.model, learning.seed), features[train], y[train])
        pred = np.maximum(fitted.predict(features[test]), _EPS)
        base = np.full(len(test), max(float(y[train].mean()), _EPS))
        model_dev += mean_poisson_deviance(y[test], pred) * len(test)
        base_dev += mean_poisson_deviance(y[test], base) * len(test)
    n = len(y)
    skill = 1.0 - model_dev / base_dev if base_dev > 0 else 0.0
    final = _fit(_model(learning.model, learning.seed), features, y)
    prediction = np.maximum(final.predict(features), 0.0)
    if learning.model == "poisson":
        weights = {name: float(c) for name, c in zip(names, final.coef_, strict=True)}
        weight_kind = (
            "Poisson coefficient: change in log incidents per unit of the normalised, oriented "
            "indicator (oriented so that higher means more vulnerable)"
        )
    else:
        rng = np.random.default_rng(learning.seed)
        take = rng.choice(n, size=min(n, 20_000), replace=False)
        imp = permutation_importance(
            final,
            features[take],
            y[take],
            scoring="neg_mean_poisson_deviance",
            n_repeats=3,
            random_state=learning.seed,
        )
        weights = {name: float(v) for name, v in zip(names, imp.importances_mean, strict=True)}
        weight_kind = "permutation importance (increase in mean Poisson deviance)"
    has_skill = skill > 0.0
    model_name = "Poisson regression" if learning.model == "poisson" else "gradient boosting"
    if has_skill:
        statement = (
            f"The {model_name} explains {100 * skill:.1f}% of the Poisson deviance of incidents "
            f"per cell beyond a no-skill city-wide average ({folds}-fold spatial-block "
            "cross-validation); its prediction is the score."
        )
        if skill < 0.1:
            statement += " That skill is weak: read the grades with caution."
    else:
        statement = (
            f"NO SKILL: the {model_name} predicts incidents per cell no better than the "
            f"city-wide average (cross-validated D² = {skill:.3f} ≤ 0). Its prediction is no "
            "basis for grading; the weighted indicator sum is used instead."
        )
        log.warning(statement)
    return LearnResult(
        prediction=prediction,
        skill=float(skill),
        model_deviance=float(model_dev / n),
        baseline_deviance=float(base_dev / n),
        weights=weights,
        weight_kind=weight_kind,
        has_skill=has_skill,
        statement=statement,
        info={
            "model": learning.model,
            "folds": folds,
            "block_m": learning.block_m,
            "incidents_in_study_cells": int(y.sum()),
        },
    )
