"""LP and Lagrangian bounds checked on their own against brute-force optima (no clamp)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from siting._problem import reduce_problem
from siting.bounds import lagrangian_bound, lp_bound
from siting.solvers import solve_mclp


def _instance(
    seed: int, n: int, m: int, density: float, budget: bool
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    A = (rng.random((n, m)) < density).astype(np.uint8)
    # Awkward weights: tiny, huge, repeated and zero.
    w = rng.choice([0.0, 1e-6, 0.1, 1.0, 1.0, 7.3, 1e4], size=m)
    costs = rng.choice([1.0, 2.5, 3.0, 10.0], size=n) if budget else np.ones(n)
    return sp.csr_matrix(A), w, costs


def _brute_force(
    A: sp.csr_matrix, w: np.ndarray, count: int | None, costs: np.ndarray, budget: float | None
) -> float:
    dense = A.toarray().astype(bool)
    best = 0.0
    n = dense.shape[0]
    for k in range(0, n + 1):
        if count is not None and k > count:
            break
        for subset in itertools.combinations(range(n), k):
            idx = list(subset)
            if budget is not None and costs[idx].sum() > budget + 1e-9:
                continue
            covered = dense[idx].any(axis=0) if idx else np.zeros(dense.shape[1], dtype=bool)
            best = max(best, float(w[covered].sum()))
    return best


def _reduced(
    A: sp.csr_matrix, w: np.ndarray, count: int | None, costs: np.ndarray, budget: float | None
):  # type: ignore[no-untyped-def]
    empty = np.empty(0, dtype=np.int64)
    return reduce_problem(
        A,
        w,
        count=count,
        budget=budget,
        costs=costs if budget is not None else None,
        min_spacing=None,
        candidates_xy=None,
        must=empty,
        exclude=empty,
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 8),
    m=st.integers(1, 12),
    density=st.sampled_from([0.15, 0.3, 0.6]),
    count=st.integers(1, 4),
)
def test_bounds_are_at_least_the_brute_force_optimum_with_a_count(
    seed: int, n: int, m: int, density: float, count: int
) -> None:
    A, w, costs = _instance(seed, n, m, density, budget=False)
    optimum = _brute_force(A, w, count, costs, None)
    P = _reduced(A, w, count, costs, None)
    tol = 1e-9 * max(optimum, 1.0)
    lp = lp_bound(P)
    assert lp is not None
    assert P.base_weight + lp >= optimum - tol
    # Any start (even a poor target) gives a valid bound: no clamp involved.
    for target in (0.0, 0.5 * optimum):
        lag = lagrangian_bound(P, target, max_iter=50)
        assert P.base_weight + lag.bound >= optimum - tol
        assert lag.best_value <= optimum + tol  # a feasible set never beats the optimum
    # The Lagrangian bound is never below the LP bound (LP duality), up to tolerance.
    assert lag.bound >= lp - 1e-6 * max(lp, 1.0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 7),
    m=st.integers(1, 10),
    budget=st.sampled_from([2.5, 3.0, 5.5, 12.0]),
)
def test_bounds_are_at_least_the_brute_force_optimum_with_a_budget(
    seed: int, n: int, m: int, budget: float
) -> None:
    A, w, costs = _instance(seed, n, m, 0.35, budget=True)
    optimum = _brute_force(A, w, None, costs, budget)
    P = _reduced(A, w, None, costs, budget)
    tol = 1e-9 * max(optimum, 1.0)
    lp = lp_bound(P)
    assert lp is not None and P.base_weight + lp >= optimum - tol
    lag = lagrangian_bound(P, 0.0, max_iter=50)
    assert P.base_weight + lag.bound >= optimum - tol


def test_lagrangian_bound_can_be_loose_but_not_wrong() -> None:
    """Three sites pairwise sharing demand, choose 1: the bound stays ≥ the optimum after 1 step."""
    A = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=np.uint8))
    w = np.array([1.0, 1.0, 1.0])
    P = _reduced(A, w, 1, np.ones(3), None)
    lag = lagrangian_bound(P, 0.0, max_iter=1)
    assert lag.iterations == 1
    assert lag.bound >= 2.0
    assert lp_bound(P) == pytest.approx(2.0)


def test_solution_reports_its_bound_method_and_whether_it_was_clamped() -> None:
    A, w, _ = _instance(3, 8, 12, 0.3, budget=False)
    sol = solve_mclp(A, w, count=3)
    optimum = _brute_force(A, w, 3, np.ones(8), None)
    assert sol.covered_weight == pytest.approx(optimum)
    assert sol.bound_method in {"lp", "lagrangian", "milp", "total", "empty"}
    assert isinstance(sol.bound_clamped, bool)
    assert sol.work["raw_bound"] >= optimum - 1e-9 * optimum
    # The clamp only ever raises the bound to the covered weight, and says so.
    assert sol.bound_clamped == (sol.work["raw_bound"] < sol.covered_weight)
    assert sol.upper_bound >= sol.covered_weight
