"""Maximal covering solvers: optimality on tiny instances, constraints, bounds, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import EmptyLayerError, InfeasibleError, InputError
from siting.coverage import coverage_matrix
from siting.solvers import Solution, solve_mclp


def _instance(
    seed: int, n_dem: int = 40, n_cand: int = 8, radius: float = 250.0
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 1000, (n_dem, 2))
    cand = rng.uniform(0, 1000, (n_cand, 2))
    w = np.round(rng.random(n_dem) * 10, 3) * (rng.random(n_dem) < 0.8)
    costs = np.round(rng.uniform(1, 5, n_cand), 2)
    return coverage_matrix(cand, dem, radius), w, cand, costs


def _value(cover: sp.csr_matrix, w: np.ndarray, chosen: np.ndarray) -> float:
    covered = (
        np.asarray(cover[chosen].sum(axis=0)).ravel() > 0
        if len(chosen)
        else np.zeros(cover.shape[1], dtype=bool)
    )
    return float(w[covered].sum())


def _brute_force(
    cover: sp.csr_matrix,
    w: np.ndarray,
    *,
    count: int | None = None,
    budget: float | None = None,
    costs: np.ndarray | None = None,
    min_spacing: float | None = None,
    xy: np.ndarray | None = None,
    must: tuple[int, ...] = (),
    exclude: tuple[int, ...] = (),
) -> float:
    n = cover.shape[0]
    best = -1.0
    for k in range(n + 1):
        if count is not None and k > count:
            break
        for subset in itertools.combinations(range(n), k):
            s = set(subset)
            if not set(must) <= s or s & set(exclude):
                continue
            if budget is not None and costs is not None and costs[list(subset)].sum() > budget:
                continue
            if min_spacing and xy is not None:
                pts = xy[list(subset)]
                if any(
                    np.hypot(*(pts[a] - pts[b])) < min_spacing
                    for a, b in itertools.combinations(range(k), 2)
                ):
                    continue
            best = max(best, _value(cover, w, np.asarray(subset, dtype=np.int64)))
    return best


def _check_feasible(
    sol: Solution,
    *,
    count: int | None = None,
    budget: float | None = None,
    costs: np.ndarray | None = None,
    min_spacing: float | None = None,
    xy: np.ndarray | None = None,
    must: tuple[int, ...] = (),
    exclude: tuple[int, ...] = (),
) -> None:
    chosen = sol.selected.tolist()
    assert len(set(chosen)) == len(chosen)
    assert set(must) <= set(chosen)
    assert chosen[: len(must)] == list(must)
    assert not set(exclude) & set(chosen)
    if count is not None:
        assert len(chosen) <= count
    if budget is not None and costs is not None:
        assert costs[chosen].sum() <= budget + 1e-9
    if min_spacing and xy is not None:
        for a, b in itertools.combinations(chosen, 2):
            assert np.hypot(*(xy[a] - xy[b])) >= min_spacing
    assert sol.marginal_weight.sum() == pytest.approx(sol.covered_weight, rel=1e-9, abs=1e-9)
    assert sol.upper_bound >= sol.covered_weight - 1e-9
    assert 0.0 <= sol.gap <= 1.0


def test_small_example_is_optimal() -> None:
    cover = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=np.uint8))
    sol = solve_mclp(cover, np.array([1.0, 2.0, 3.0, 4.0]), count=2)
    assert sol.selected.tolist() == [2, 0]
    assert sol.marginal_weight.tolist() == [7.0, 3.0]
    assert sol.covered_weight == 10.0
    assert sol.total_weight == 10.0
    assert sol.status == "optimal"
    assert sol.gap == 0.0


constraint_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 100_000),
        "count": st.one_of(st.none(), st.integers(1, 4)),
        "budget": st.one_of(st.none(), st.floats(5.0, 15.0)),
        "spacing": st.one_of(st.none(), st.floats(50.0, 400.0)),
        "must": st.integers(0, 1),
        "exclude": st.integers(0, 2),
    }
)


@settings(max_examples=60, deadline=None)
@given(case=constraint_cases, solver=st.sampled_from(["greedy", "exact", "auto"]))
def test_constraints_always_respected_and_exact_equals_brute_force(case: dict, solver: str) -> None:
    cover, w, xy, costs = _instance(case["seed"])
    count = case["count"]
    budget = case["budget"]
    if count is None and budget is None:
        count = 3
    must = tuple(range(case["must"]))
    exclude = tuple(range(7, 7 - case["exclude"], -1))
    kwargs = {
        "count": count,
        "budget": budget,
        "costs": costs if budget is not None else None,
        "min_spacing": case["spacing"],
        "candidates_xy": xy if case["spacing"] is not None else None,
        "must_include": must,
        "exclude": exclude,
    }
    try:
        sol = solve_mclp(cover, w, solver=solver, **kwargs)  # type: ignore[arg-type]
    except InfeasibleError:
        assert (
            _brute_force(
                cover,
                w,
                count=count,
                budget=budget,
                costs=costs,
                min_spacing=case["spacing"],
                xy=xy,
                must=must,
                exclude=exclude,
            )
            < 0
        )
        return
    _check_feasible(
        sol,
        count=count,
        budget=budget,
        costs=costs,
        min_spacing=case["spacing"],
        xy=xy,
        must=must,
        exclude=exclude,
    )
    best = _brute_force(
        cover,
        w,
        count=count,
        budget=budget,
        costs=costs,
        min_spacing=case["spacing"],
        xy=xy,
        must=must,
        exclude=exclude,
    )
    assert sol.covered_weight <= best + 1e-9
    assert sol.upper_bound >= best - 1e-9
    if solver == "exact":
        assert sol.covered_weight == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert sol.status == "optimal"


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), count=st.integers(1, 4))
def test_greedy_within_one_minus_one_over_e_of_exact(seed: int, count: int) -> None:
    cover, w, _, _ = _instance(seed, n_dem=60, n_cand=12)
    greedy = solve_mclp(cover, w, count=count, solver="greedy")
    exact = solve_mclp(cover, w, count=count, solver="exact")
    assert exact.status == "optimal"
    assert greedy.covered_weight >= (1 - 1 / math.e) * exact.covered_weight - 1e-9
    assert greedy.upper_bound >= exact.covered_weight - 1e-9 >= greedy.covered_weight - 2e-9
    assert exact.upper_bound >= exact.covered_weight - 1e-9


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), count=st.integers(1, 4))
def test_adding_a_candidate_never_lowers_the_exact_optimum(seed: int, count: int) -> None:
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 1000, (50, 2))
    cand = rng.uniform(0, 1000, (9, 2))
    w = rng.random(50)
    before = solve_mclp(coverage_matrix(cand[:8], dem, 200.0), w, count=count, solver="exact")
    after = solve_mclp(coverage_matrix(cand, dem, 200.0), w, count=count, solver="exact")
    assert after.covered_weight >= before.covered_weight - 1e-9


@pytest.mark.parametrize("solver", ["greedy", "exact", "auto"])
def test_identical_results_across_runs(solver: str) -> None:
    rng = np.random.default_rng(7)
    dem = rng.uniform(0, 3000, (3000, 2))
    cand = rng.uniform(0, 3000, (400, 2))
    w = rng.integers(0, 3, 3000).astype(float)  # many ties
    cover = coverage_matrix(cand, dem, 150.0)
    runs = [
        solve_mclp(
            cover,
            w,
            count=25,
            solver=solver,
            min_spacing=100.0,
            candidates_xy=cand,
            must_include=[3],
        )
        for _ in range(3)
    ]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.selected, runs[0].selected)
        np.testing.assert_array_equal(other.marginal_weight, runs[0].marginal_weight)
        assert other.covered_weight == runs[0].covered_weight
        assert other.upper_bound == runs[0].upper_bound


def test_existing_coverage_only_uncovered_demand_counts() -> None:
    cover = sp.csr_matrix(np.array([[1, 1, 0], [0, 0, 1]], dtype=np.uint8))
    sol = solve_mclp(cover, np.array([0.0, 0.0, 1.0]), count=1)
    assert sol.selected.tolist() == [1]


def test_count_larger_than_useful_sites_stops_at_zero_gain() -> None:
    cover = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 0]], dtype=np.uint8))
    sol = solve_mclp(cover, np.array([1.0, 1.0]), count=3)
    assert sol.selected.tolist() == [0]
    assert sol.covered_weight == 1.0


def test_budget_uses_best_single_site_fix() -> None:
    # Ratio greedy alone takes the cheap small site and cannot afford the big one.
    cover = sp.csr_matrix(np.array([[1, 0], [0, 1]], dtype=np.uint8))
    sol = solve_mclp(
        cover, np.array([1.0, 10.0]), budget=10.0, costs=np.array([0.5, 10.0]), solver="greedy"
    )
    assert sol.selected.tolist() == [1]


# ----- bad input ---------------------------------------------------------------------------


def _cover() -> sp.csr_matrix:
    return sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.uint8))


def test_zero_candidates() -> None:
    with pytest.raises(EmptyLayerError, match="no candidate sites"):
        solve_mclp(sp.csr_matrix((0, 3), dtype=np.uint8), np.ones(3), count=1)


def test_count_above_candidates() -> None:
    with pytest.raises(InfeasibleError, match=r"3 sites requested but only 2.*\n.*fix"):
        solve_mclp(_cover(), np.ones(3), count=3)
    with pytest.raises(InfeasibleError, match=r"only 1 candidate sites are available \(1 excluded"):
        solve_mclp(_cover(), np.ones(3), count=2, exclude=[0])


def test_negative_weights_name_rows() -> None:
    with pytest.raises(InputError, match=r"negative.*\n.*rows: 2"):
        solve_mclp(_cover(), np.array([1.0, -1.0, 0.0]), count=1)


def test_shape_mismatch() -> None:
    with pytest.raises(InputError, match="2 weights for 3 demand"):
        solve_mclp(_cover(), np.ones(2), count=1)
    with pytest.raises(InputError, match="candidate coordinates have shape"):
        solve_mclp(_cover(), np.ones(3), count=1, min_spacing=5.0, candidates_xy=np.zeros((3, 2)))


def test_budget_errors() -> None:
    with pytest.raises(InfeasibleError, match="below every site's cost"):
        solve_mclp(_cover(), np.ones(3), budget=1.0, costs=np.array([2.0, 3.0]))
    with pytest.raises(InputError, match="without per-site costs"):
        solve_mclp(_cover(), np.ones(3), budget=1.0)
    with pytest.raises(InfeasibleError, match="must-include sites cost"):
        solve_mclp(
            _cover(), np.ones(3), budget=4.0, costs=np.array([2.0, 3.0]), must_include=[0, 1]
        )


def test_must_include_conflicts() -> None:
    with pytest.raises(InputError, match="both must-include and excluded"):
        solve_mclp(_cover(), np.ones(3), count=1, must_include=[0], exclude=[0])
    with pytest.raises(InfeasibleError, match="closer than the minimum spacing"):
        solve_mclp(
            _cover(),
            np.ones(3),
            count=2,
            must_include=[0, 1],
            min_spacing=10.0,
            candidates_xy=np.array([[0.0, 0.0], [5.0, 0.0]]),
        )
    with pytest.raises(InfeasibleError, match="exceed the site count"):
        solve_mclp(_cover(), np.ones(3), count=1, must_include=[0, 1])


def test_request_errors() -> None:
    with pytest.raises(InputError, match="neither a site count nor a budget"):
        solve_mclp(_cover(), np.ones(3))
    with pytest.raises(InputError, match="unknown solver"):
        solve_mclp(_cover(), np.ones(3), count=1, solver="fast")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="minimum spacing needs the candidates' coordinates"):
        solve_mclp(_cover(), np.ones(3), count=1, min_spacing=10.0)
