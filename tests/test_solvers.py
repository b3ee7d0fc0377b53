"""Maximal covering solvers: correctness on small instances, constraints, bounds."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siting.coverage import coverage_matrix
from siting.solvers import solve_mclp


def _instance(seed: int, n_dem: int = 300, n_cand: int = 60, radius: float = 150.0):
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 1000, (n_dem, 2))
    cand = rng.uniform(0, 1000, (n_cand, 2))
    w = rng.random(n_dem)
    return coverage_matrix(cand, dem, radius), w, cand


def test_small_example_is_optimal() -> None:
    cover = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=np.uint8))
    sol = solve_mclp(cover, np.array([1.0, 2.0, 3.0, 4.0]), count=2)
    assert sol.selected.tolist() == [2, 0]
    assert sol.covered_weight == 10.0
    assert sol.status == "optimal"
    assert sol.marginal_weight.sum() == sol.covered_weight


def test_greedy_and_exact_agree_within_bound() -> None:
    cover, w, _ = _instance(0)
    greedy = solve_mclp(cover, w, count=5, solver="greedy")
    exact = solve_mclp(cover, w, count=5, solver="exact")
    assert exact.status == "optimal"
    assert greedy.covered_weight <= exact.covered_weight + 1e-9
    assert greedy.upper_bound >= exact.covered_weight - 1e-9
