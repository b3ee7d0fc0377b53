"""Grades A–E from a score, with scikit-learn's ``KBinsDiscretizer``.

- ``quantile`` (default): five classes of (about) 20 % of the cells each. Tied
  scores always share a grade, so a class can differ from 20 % by at most the
  size of the tie group at its edge. When a tie group spans a whole class the
  discretizer merges bins; then each tie group takes the grade of the quintile
  its middle cell falls in (some grades stay empty, as the report says).
- ``kmeans``: natural breaks by 1-D k-means.
- ``fixed``: four increasing score thresholds ``t1 < t2 < t3 < t4``;
  ``score < t1`` is A, ``t1 ≤ score < t2`` B, …, ``score ≥ t4`` E.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from layers.errors import ConfigError
from layers.riskgrid.grid import GRADES

__all__ = ["GRADING_METHODS", "Grading", "grade_scores"]

GRADING_METHODS = ("quantile", "kmeans", "fixed")
_N = len(GRADES)


@dataclass(frozen=True)
class Grading:
    """How scores become grades.

    Parameters
    ----------
    method : {"quantile", "kmeans", "fixed"}, default "quantile"
        Class breaks.
    thresholds : sequence of float
        For ``fixed``: four increasing score thresholds.
    vulnerable : sequence of str, default ("D", "E")
        Grades counted as vulnerable (취약격자).
    """

    method: Literal["quantile", "kmeans", "fixed"] = "quantile"
    thresholds: tuple[float, ...] = ()
    vulnerable: tuple[str, ...] = ("D", "E")
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def problems(self) -> list[str]:
        """Every inconsistency, one line each (empty when valid)."""
        out = []
        if self.method not in GRADING_METHODS:
            out.append(
                f"[grades] method {self.method!r} is not one of {', '.join(GRADING_METHODS)}"
            )
        if self.method == "fixed":
            t = list(self.thresholds)
            if len(t) != _N - 1 or any(b <= a for a, b in zip(t, t[1:], strict=False)):
                out.append(f"[grades] method 'fixed' needs 4 increasing thresholds, got {t!r}")
        bad = [g for g in self.vulnerable if str(g).strip().upper() not in GRADES]
        if bad or not self.vulnerable:
            out.append(
                f"[grades] vulnerable must be grade letters A..E, got {list(self.vulnerable)!r}"
            )
        return out


def _discretizer(method: str) -> KBinsDiscretizer:
    kwargs: dict[str, Any] = {"n_bins": _N, "encode": "ordinal", "strategy": method}
    kwargs["subsample"] = None  # every cell: results never depend on a random subsample
    if "quantile_method" in inspect.signature(KBinsDiscretizer).parameters:
        kwargs["quantile_method"] = "averaged_inverted_cdf"
    return KBinsDiscretizer(**kwargs)


def grade_scores(scores: np.ndarray, grading: Grading | None = None) -> np.ndarray:
    """Grade codes 1..5 (A..E) for a 1-D array of finite scores.

    Parameters
    ----------
    scores : numpy.ndarray
        Scores of the study cells (higher = more vulnerable).
    grading : Grading, optional
        Method; default quantiles.

    Returns
    -------
    numpy.ndarray
        ``uint8`` codes, 1 = A (safest) … 5 = E (most vulnerable). The edges used
        are stored in ``grading.info["edges"]``.

    Examples
    --------
    >>> grade_scores(np.arange(10.0)).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    """
    grading = grading or Grading()
    problems = grading.problems()
    if problems:
        raise ConfigError("; ".join(problems), layer="grades")
    x = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
    if x.size == 0:
        return np.zeros(0, dtype=np.uint8)
    if grading.method == "fixed":
        edges = np.asarray(grading.thresholds, dtype=np.float64)
        codes = np.searchsorted(edges, x[:, 0], side="right") + 1
        grading.info["edges"] = edges.tolist()
        return codes.astype(np.uint8)
    if np.unique(x).size < 2:
        grading.info["edges"] = []
        grading.info["note"] = "all scores equal: every cell is grade C"
        return np.full(x.shape[0], 3, dtype=np.uint8)
    disc = _discretizer(grading.method)
    with warnings.catch_warnings():
        # ties merge bins; handled below, and said in the report
        warnings.filterwarnings("ignore", message="Bins whose width are too small")
        bins = disc.fit_transform(x)[:, 0].astype(np.int64)
    n_bins = int(disc.n_bins_[0])
    edges = np.asarray(disc.bin_edges_[0], dtype=np.float64)
    grading.info["edges"] = edges.tolist()
    if n_bins == _N:
        lookup = np.arange(1, _N + 1)
    else:
        grading.info["note"] = (
            f"tied scores merged the {_N} classes into {n_bins}; some grades are empty"
        )
        if grading.method == "quantile":
            return _tie_groups_by_middle_rank(x[:, 0])
        lookup = np.round(np.linspace(1, _N, n_bins)).astype(np.int64)
    return lookup[bins].astype(np.uint8)


def _tie_groups_by_middle_rank(x: np.ndarray) -> np.ndarray:
    """Quintile grades when a tie group spans a whole class (the discretizer merged bins).

    Each group of tied scores takes the quintile its middle cell falls in, so
    every grade still holds 20 % of the cells within one tie group.
    """
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.cumsum(counts) - counts
    middle = (start + counts / 2.0) / x.size
    group_grade = np.minimum(np.floor(middle * _N).astype(np.int64) + 1, _N)
    return group_grade[inverse.ravel()].astype(np.uint8)


def vulnerable_codes(vulnerable: Sequence[str]) -> list[int]:
    """Grade codes (1..5) of vulnerable grade letters."""
    return [GRADES.index(str(g).strip().upper()) + 1 for g in vulnerable]
