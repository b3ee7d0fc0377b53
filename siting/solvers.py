"""Choose sites that cover the most uncovered demand, with a proven bound on how far from optimal.

:func:`solve_mclp` is the maximal covering location problem (MCLP) under a site
count and/or a budget (per-site costs, KRW), with a minimum spacing between
chosen sites, must-include and excluded sites. It validates the request,
reduces it (:mod:`siting._problem`), then

* ``"greedy"``: lazy greedy + 1-swap local improvement (:mod:`siting.greedy`);
  a Lagrangian subgradient run (:mod:`siting.bounds`) that yields both a bound
  and a second starting set (also improved by 1-swaps); a short seeded
  perturbation search (destroy a cluster of sites, repair, re-swap) on the
  better one; then the proven upper bound: the smaller of the Lagrangian bound
  and, on reduced instances of at most :data:`LP_BOUND_MAX_NNZ` covered pairs,
  the LP relaxation by HiGHS;
* ``"exact"``: HiGHS MILP (:mod:`siting.exact`) bounded by branch-and-bound
  nodes, the greedy solution kept as the fallback incumbent;
* ``"auto"`` (default): ``"greedy"``, then ``"exact"`` when the reported gap is
  above :data:`AUTO_GAP` and the reduced instance is at most
  :data:`AUTO_EXACT_MAX_NNZ` covered pairs.

Every answer carries ``upper_bound`` and ``gap``; a planner reads ``gap = 0.003``
as "at most 0.3 % below the best possible".

**Determinism.** Every step's effort is bounded by work, never by the clock:
subgradient steps (:data:`LAGRANGIAN_STEPS`), swap passes, perturbation
iterations (:data:`PERTURB_STEPS`), HiGHS branch-and-bound nodes
(:data:`EXACT_NODES`); HiGHS (scipy's build, serial) is deterministic for a
given model; BLAS runs on one thread during a solve (``threadpoolctl``), which
also keeps OpenBLAS from spinning on a busy machine. So equal inputs and seed
give equal sites on an idle or a busy machine. ``time_limit`` is only a safety stop: when it does cut a step short,
the answer says so (``stopped_by_time_limit``) and may then differ between runs.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> cover = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=np.uint8))
>>> sol = solve_mclp(cover, np.array([1.0, 2.0, 3.0, 4.0]), count=2)
>>> sol.selected.tolist(), sol.covered_weight, sol.status
([2, 0], 10.0, 'optimal')
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from layers.errors import EmptyLayerError, InfeasibleError, InputError
from layers.progress import step, within
from siting._checks import WEIGHT_FIX, nonnegative_finite
from siting._problem import Reduced, reduce_problem
from siting.bounds import lagrangian_bound, lp_bound
from siting.exact import solve_exact
from siting.greedy import State, best_single, greedy, local_search, perturb_search

__all__ = [
    "AUTO_EXACT_MAX_NNZ",
    "AUTO_GAP",
    "DEFAULT_TIME_LIMIT",
    "EXACT_NODES",
    "LP_BOUND_MAX_NNZ",
    "Solution",
    "solve_mclp",
]

log = logging.getLogger(__name__)

#: ``"auto"`` runs the exact solver when the heuristic's gap is above this (fraction).
AUTO_GAP = 1e-3
#: ``"auto"`` runs the exact solver only on reduced instances with at most this many covered pairs.
AUTO_EXACT_MAX_NNZ = 10_000
#: Branch-and-bound node limit of the exact step (work bound; ``time_limit`` is the safety stop).
EXACT_NODES = 20_000
#: Default safety time limit (s) of a whole solve.
DEFAULT_TIME_LIMIT = 600.0
#: A gap at most this (fraction, solver tolerance) is reported as 0 and ``"optimal"``.
OPTIMAL_GAP = 1e-7
#: Subgradient steps of the Lagrangian bound / heuristic, and its time cap (s).
LAGRANGIAN_STEPS = (1000, 200)
#: Reduced instances up to this many covered pairs get the longer searches.
SMALL_NNZ = 200_000
#: Upper limit on perturbation-search iterations, small / large (also at most 20 per chosen site).
PERTURB_STEPS = (2000, 1000)
#: The LP bound is computed (else the Lagrangian) up to this many covered pairs …
LP_BOUND_MAX_NNZ = 400_000
#: … always up to this many, and above it only when the Lagrangian gap is above
#: :data:`LP_WANTED_GAP` (fraction): the interior point method costs seconds at 100,000 pairs.
LP_ALWAYS_NNZ = 50_000
LP_WANTED_GAP = 1e-3
#: The subgradient search stops once its bound is this close to the best value
#: (fraction), on small / large instances.
LAGRANGIAN_REL_TOL = (1e-4, 1e-3)


@dataclass(frozen=True)
class Solution:
    """Chosen sites and how good they are.

    Attributes
    ----------
    selected : ndarray of int
        Candidate indices (rows of the coverage matrix), in the order chosen:
        must-include sites first, then by decreasing marginal weight.
    marginal_weight : ndarray of float
        Weight each site adds given the sites before it (same order); sums to
        ``covered_weight``.
    covered_weight : float
        Demand weight covered by the chosen sites (only uncovered demand counts).
    total_weight : float
        Sum of all demand weights given.
    upper_bound : float
        Proven upper bound on the best achievable ``covered_weight`` (LP
        relaxation, Lagrangian or MILP bound).
    gap : float
        ``(upper_bound - covered_weight) / upper_bound``; 0 when proven optimal.
    solver : str
        ``"greedy+swap"``, ``"exact-highs"``, …
    seconds : float
        Wall time of the solve (s).
    status : str
        ``"optimal"``, ``"node_limit"``, ``"time_limit"`` or ``"heuristic"``.
    bound_method : str
        Where ``upper_bound`` comes from: ``"lp"``, ``"lagrangian"``,
        ``"milp"``, ``"total"`` or ``"empty"``.
    bound_clamped : bool
        Whether the computed bound fell below the covered weight (by
        rounding) and was raised to it; the raw bound is then in ``work``.
    stopped_by_time_limit : bool
        Whether ``time_limit`` cut any step short (the answer may then differ
        between runs; otherwise it depends only on inputs and seed).
    work : dict
        Effort spent: subgradient steps, perturbation iterations, swap
        passes, HiGHS nodes, raw bound.
    """

    selected: np.ndarray
    marginal_weight: np.ndarray
    covered_weight: float
    total_weight: float
    upper_bound: float
    gap: float
    solver: str
    seconds: float
    status: str
    bound_method: str = "total"
    bound_clamped: bool = False
    stopped_by_time_limit: bool = False
    work: dict[str, float] = field(default_factory=dict)

    @property
    def n_selected(self) -> int:
        """Number of sites chosen."""
        return int(self.selected.shape[0])


def _index_list(values: Sequence[int], n: int, name: str) -> np.ndarray:
    arr = np.asarray(list(values), dtype=np.int64).ravel()
    bad = arr[(arr < 0) | (arr >= n)]
    if bad.size:
        raise InputError(
            f"{name} names candidate indices outside 0..{n - 1}: {bad[:10].tolist()}",
            layer="candidates",
            fix=f"give {name} as row numbers (0-based) of the candidate layer",
        )
    uniq, counts = np.unique(arr, return_counts=True)
    if (counts > 1).any():
        raise InputError(
            f"{name} repeats candidate indices {uniq[counts > 1][:10].tolist()}",
            layer="candidates",
            fix=f"list each site once in {name}",
        )
    return arr


def _validate(
    cover: sp.spmatrix | sp.sparray | np.ndarray,
    weights: np.ndarray,
    count: int | None,
    budget: float | None,
    costs: np.ndarray | None,
    min_spacing: float | None,
    candidates_xy: np.ndarray | None,
    must_include: Sequence[int],
    exclude: Sequence[int],
    solver: str,
    time_limit: float,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray, np.ndarray]:
    if solver not in ("auto", "greedy", "exact"):
        raise InputError(
            f"unknown solver {solver!r}", layer="solver", fix="use auto, greedy or exact"
        )
    if not (np.isfinite(time_limit) and time_limit > 0):
        raise InputError(
            f"time limit is {time_limit!r} s",
            layer="time_limit",
            fix="give a positive number of seconds",
        )
    A = sp.csr_matrix(cover)
    if A.ndim != 2:
        raise InputError(
            "coverage must be a 2-D matrix", layer="coverage", fix="use coverage_matrix"
        )
    n_cand, n_dem = A.shape
    if n_cand == 0:
        raise EmptyLayerError(
            "there are no candidate sites",
            layer="candidates",
            fix="give a candidate layer with at least one site inside the study area "
            "(or generate a lattice)",
        )
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n_dem,):
        raise InputError(
            f"{w.shape[0] if w.ndim == 1 else w.shape} weights for {n_dem} demand columns",
            layer="weights",
            fix="give one weight per demand unit (column of the coverage matrix)",
        )
    nonnegative_finite(w, what="weight(s)", layer="demand", fix=WEIGHT_FIX)
    if count is None and budget is None:
        raise InputError(
            "neither a site count nor a budget was given",
            layer="request",
            fix="give count=N (--count) or budget=KRW with costs (--budget)",
        )
    must = _index_list(must_include, n_cand, "must_include")
    excl = _index_list(exclude, n_cand, "exclude")
    both = np.intersect1d(must, excl)
    if both.size:
        raise InputError(
            f"sites {both[:10].tolist()} are both must-include and excluded",
            layer="candidates",
            fix="remove them from one of the two lists",
        )
    n_allowed = n_cand - excl.size
    if count is not None:
        if int(count) != count or count < 1:
            raise InputError(
                f"site count is {count!r}", layer="count", fix="ask for at least 1 site"
            )
        if count > n_allowed:
            raise InfeasibleError(
                f"{count} sites requested but only {n_allowed} candidate sites are available"
                + (f" ({excl.size} excluded)" if excl.size else ""),
                layer="candidates",
                fix=f"ask for at most {n_allowed} sites or add candidate sites",
            )
        if must.size > count:
            raise InfeasibleError(
                f"{must.size} must-include sites exceed the site count {count}",
                layer="candidates",
                fix=f"raise the count to at least {must.size} or shorten the must-include list",
            )
    c: np.ndarray | None = None
    if budget is not None:
        if costs is None:
            raise InputError(
                "a budget was given without per-site costs",
                layer="costs",
                fix="give one cost (KRW) per candidate site",
            )
        if not np.isfinite(budget) or budget < 0:
            raise InputError(f"budget is {budget!r}", layer="budget", fix="give a budget ≥ 0 KRW")
    if costs is not None:
        c = np.asarray(costs, dtype=np.float64)
        if c.shape != (n_cand,):
            raise InputError(
                f"{c.shape} costs for {n_cand} candidate sites",
                layer="costs",
                fix="give one cost (KRW) per candidate site",
            )
        nonnegative_finite(
            c, what="cost(s)", layer="candidates", fix="costs must be finite and ≥ 0 KRW"
        )
    if budget is not None and c is not None:
        allowed = np.ones(n_cand, dtype=bool)
        allowed[excl] = False
        if must.size and c[must].sum() > budget * (1 + 1e-12) + 1e-9:
            raise InfeasibleError(
                f"the must-include sites cost {c[must].sum():,.0f} KRW, above the budget "
                f"{budget:,.0f} KRW",
                layer="budget",
                fix="raise the budget or shorten the must-include list",
            )
        if not must.size and c[allowed].min() > budget:
            raise InfeasibleError(
                f"the budget {budget:,.0f} KRW is below every site's cost "
                f"(cheapest {c[allowed].min():,.0f} KRW)",
                layer="budget",
                fix="raise the budget or add cheaper candidate sites",
            )
    xy: np.ndarray | None = None
    if min_spacing is not None:
        if not np.isfinite(min_spacing) or min_spacing < 0:
            raise InputError(
                f"minimum spacing is {min_spacing!r} m",
                layer="min_spacing",
                fix="give a spacing ≥ 0 m",
            )
        if candidates_xy is None:
            raise InputError(
                "a minimum spacing needs the candidates' coordinates",
                layer="candidates",
                fix="pass candidates_xy (x, y in EPSG:5186 metres)",
            )
    if candidates_xy is not None:
        xy = np.asarray(candidates_xy, dtype=np.float64)
        if xy.shape != (n_cand, 2):
            raise InputError(
                f"candidate coordinates have shape {xy.shape}; expected ({n_cand}, 2)",
                layer="candidates",
                fix="give x, y (EPSG:5186) for every row of the coverage matrix",
            )
        if not np.isfinite(xy).all():
            bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
            raise InputError(
                f"{bad.size} candidate(s) have NaN coordinates",
                layer="candidates",
                rows=(bad + 1).tolist(),
                fix="drop or repair those rows",
            )
        if min_spacing and must.size > 1:
            from scipy.spatial import cKDTree

            pairs = cKDTree(xy[must]).query_pairs(
                float(np.nextafter(min_spacing, 0.0)), output_type="ndarray"
            )
            if pairs.size:
                a, b = must[pairs[0, 0]], must[pairs[0, 1]]
                raise InfeasibleError(
                    f"must-include sites {a} and {b} are closer than the minimum spacing "
                    f"{min_spacing:g} m ({len(pairs)} such pair(s))",
                    layer="candidates",
                    fix="lower the minimum spacing or drop one site of each pair",
                )
    A.sum_duplicates()
    if A.dtype != np.uint8 or (A.data > 1).any():
        A = A.copy()
        A.data = (A.data != 0).astype(np.uint8)
        A.eliminate_zeros()
        A = A.astype(np.uint8)
    A.sort_indices()
    return A, w, c, xy, must, excl


def _order_and_marginals(
    A: sp.csr_matrix, w: np.ndarray, must: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Must-include sites first (as given), then the rest in greedy order over the chosen set.

    Lazy greedy over the chosen sites only; ties go to the lower candidate index.
    """
    covered = np.zeros(A.shape[1], dtype=bool)
    order: list[int] = []
    marg: list[float] = []

    def take(i: int) -> float:
        cols = A.indices[A.indptr[i] : A.indptr[i + 1]]
        new = cols[~covered[cols]]
        covered[new] = True
        return float(w[new].sum())

    def gain(i: int) -> float:
        cols = A.indices[A.indptr[i] : A.indptr[i + 1]]
        return float(w[cols[~covered[cols]]].sum())

    for i in must.tolist():
        order.append(i)
        marg.append(take(i))
    must_set = set(must.tolist())
    heap = [(-gain(i), i) for i in sorted(int(i) for i in chosen.tolist()) if i not in must_set]
    heapq.heapify(heap)
    while heap:
        neg, i = heapq.heappop(heap)
        g = gain(i)
        if heap and g < -neg and (-g, i) > heap[0]:
            heapq.heappush(heap, (-g, i))
            continue
        order.append(i)
        marg.append(take(i))
    return (
        np.asarray(order, dtype=np.int64),
        np.asarray(marg, dtype=np.float64),
        float(w[covered].sum()),
    )


def _from_set(P: Reduced, sites: np.ndarray, priority: np.ndarray) -> State:
    """A state holding ``sites`` (highest ``priority`` first, skipping spacing/budget breaks)."""
    state = State(P)
    for i in sites[np.argsort(-priority[sites], kind="stable")].tolist():
        if state.full():
            break
        if state.nconf[i] == 0 and state.affordable(i):
            state.add(int(i))
    return state


@within()
def _heuristic(
    P: Reduced, deadline: float, seed: int, level: int, work: dict[str, float]
) -> tuple[State, float | None]:
    """Greedy and Lagrangian starts, each improved by 1-swaps, then a short perturbation search.

    Returns the best state and the Lagrangian bound (``None`` when not computed);
    effort spent goes into ``work``.
    """
    t0 = time.perf_counter()
    small = P.A.nnz <= SMALL_NNZ
    step(0.0, "greedy start")
    plain = greedy(State(P), deadline=deadline)
    starts = [plain]
    if P.cost is not None and P.budget is not None:
        ratio = greedy(State(P), ratio=True, deadline=deadline)
        single = State(P)
        i = best_single(single)
        if i is not None:
            single.add(i)
        starts += [ratio, single]
    best = max(starts, key=lambda s: s.value())
    best = local_search(best, deadline=deadline)
    log.log(level, "greedy+swap: weight %.6g (%.2f s)", best.value(), time.perf_counter() - t0)
    lag_bound = None
    step(0.3, "Lagrangian bound")
    if P.m and P.n:
        lag = lagrangian_bound(
            P,
            best.value(),
            max_iter=LAGRANGIAN_STEPS[0 if small else 1],
            rel_tol=LAGRANGIAN_REL_TOL[0 if small else 1],
            deadline=deadline,
            covered=best.cnt > 0,
        )
        lag_bound = lag.bound
        work["lagrangian_steps"] = lag.iterations
        log.log(
            level,
            "lagrangian: %d steps, bound %.6g, best set %.6g (%.2f s)",
            lag.iterations,
            lag.bound,
            lag.best_value,
            time.perf_counter() - t0,
        )
        if lag.best_set.size:
            other = _from_set(P, lag.best_set, np.asarray(P.A @ P.w).ravel())
            other = local_search(greedy(other, deadline=deadline), deadline=deadline)
            if other.value() > best.value() + best.tol:
                best = other
    iterations = min(PERTURB_STEPS[0 if small else 1], 20 * max(len(best.sel), 1))
    work["perturbation_iterations"] = iterations
    step(0.5, "improving the sites", until=1.0)
    perturb_search(best, iterations=iterations, seed=seed, deadline=deadline)
    local_search(best, deadline=deadline)
    log.log(level, "perturbation: weight %.6g (%.2f s)", best.value(), time.perf_counter() - t0)
    return best, lag_bound


def _bound(P: Reduced, lag_bound: float | None, value: float, seconds: float) -> tuple[float, str]:
    """Upper bound on the reduced optimum (spacing relaxed) and how it was obtained.

    ``seconds`` is a safety stop only: HiGHS's interior point method is
    deterministic, and an LP not solved in time leaves the Lagrangian bound.
    """
    if P.m == 0:
        return 0.0, "empty"
    bound, how = (lag_bound, "lagrangian") if lag_bound is not None else (float(P.w.sum()), "total")
    lag_gap = (bound - value) / bound if bound > 0 else 0.0
    if P.A.nnz <= LP_ALWAYS_NNZ or (P.A.nnz <= LP_BOUND_MAX_NNZ and lag_gap > LP_WANTED_GAP):
        lp = lp_bound(P, seconds=max(seconds, 1e-3))
        if lp is not None and lp * (1 + 1e-9) + 1e-12 < bound:
            bound, how = lp * (1 + 1e-9) + 1e-12, "lp"
    return bound, how


@threadpool_limits.wrap(limits=1, user_api="blas")
def solve_mclp(
    cover: sp.spmatrix | sp.sparray | np.ndarray,
    weights: np.ndarray,
    *,
    count: int | None = None,
    budget: float | None = None,
    costs: np.ndarray | None = None,
    min_spacing: float | None = None,
    candidates_xy: np.ndarray | None = None,
    must_include: Sequence[int] = (),
    exclude: Sequence[int] = (),
    solver: Literal["auto", "greedy", "exact"] = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    progress: bool = False,
) -> Solution:
    """Maximal covering: choose sites that cover the most (uncovered) demand weight.

    Parameters
    ----------
    cover : sparse matrix, shape (n_candidates, n_demand)
        Coverage from :func:`siting.coverage.coverage_matrix` (non-zero = covered).
    weights : ndarray, shape (n_demand,)
        Demand weights, ≥ 0; pass :func:`siting.coverage.uncovered_weights` so that
        demand existing devices cover counts 0.
    count : int, optional
        Number of sites to choose (at most; sites that would add no weight are
        not proposed, so fewer come back when demand runs out).
    budget : float, optional
        Total cost allowed (KRW); needs ``costs``. Both limits may be given.
    costs : ndarray, shape (n_candidates,), optional
        Cost of each site (KRW).
    min_spacing : float, optional
        Minimum distance between two chosen sites (m); needs ``candidates_xy``.
    candidates_xy : ndarray, shape (n_candidates, 2), optional
        Candidate coordinates (EPSG:5186, m).
    must_include, exclude : sequence of int
        Candidate indices always chosen / never chosen.
    solver : {"auto", "greedy", "exact"}
        See the module docstring.
    time_limit : float, default 600
        Safety stop (s) for the whole solve: effort is bounded by work (see
        the module docstring); only if this limit is reached first does the
        search stop early, and ``stopped_by_time_limit`` is then true.
    seed : int
        Seed of the perturbation search; equal inputs and seed give equal outputs
        (stopping rules count steps, the time limit is only a safety stop).
    progress : bool
        Log progress at INFO level (the CLI shows it).

    Returns
    -------
    Solution

    Raises
    ------
    InputError
        Shape mismatches, negative or NaN weights or costs, bad indices,
        must-include sites also excluded, no count and no budget.
    EmptyLayerError
        No candidate sites.
    InfeasibleError
        More sites than (non-excluded) candidates, a budget below every cost,
        must-include sites above the count or budget or closer than the spacing.
    """
    start = time.perf_counter()
    deadline = start + float(time_limit)
    A, w, costs_arr, xy, must, excl = _validate(
        cover,
        weights,
        count,
        budget,
        costs,
        min_spacing,
        candidates_xy,
        must_include,
        exclude,
        solver,
        time_limit,
    )
    level = logging.INFO if progress else logging.DEBUG
    P = reduce_problem(
        A,
        w,
        count=count,
        budget=budget,
        costs=costs_arr,
        min_spacing=min_spacing,
        candidates_xy=xy,
        must=must,
        exclude=excl,
    )
    log.log(
        level,
        "reduced %d × %d (%d pairs) to %d sites × %d demand groups (%d pairs)",
        A.shape[0],
        A.shape[1],
        A.nnz,
        P.n,
        P.m,
        P.A.nnz,
    )
    work: dict[str, float] = {}
    state, lag_bound = _heuristic(P, deadline, seed, level, work)
    stopped = time.perf_counter() > deadline
    chosen_red = np.asarray(state.sel, dtype=np.int64)
    value = state.value()
    name, status = "greedy+swap", "heuristic"
    bound, how = _bound(P, lag_bound, value, seconds=deadline - time.perf_counter())
    stopped |= time.perf_counter() > deadline
    log.log(level, "%s bound %.6g (%.2f s)", how, bound, time.perf_counter() - start)
    gap = (bound - value) / bound if bound > 0 else 0.0
    if solver == "exact" or (solver == "auto" and gap > AUTO_GAP and P.A.nnz <= AUTO_EXACT_MAX_NNZ):
        remaining = max(deadline - time.perf_counter(), 1e-3)
        res = solve_exact(P, time_limit=remaining, node_limit=EXACT_NODES)
        out_of_time = time.perf_counter() > deadline
        stopped |= out_of_time and not res.optimal
        name = "exact-highs" if solver == "exact" else "greedy+swap+exact-highs"
        if res.bound < bound:
            bound, how = res.bound, "milp"
        if res.selected is not None and res.value > value + state.tol:
            chosen_red, value = res.selected, res.value
        status = "optimal" if res.optimal else ("time_limit" if out_of_time else "node_limit")
        log.log(
            level,
            "exact: weight %.6g, bound %.6g (%.2f s)",
            value,
            bound,
            time.perf_counter() - start,
        )
    chosen = P.cand[chosen_red]
    if must.size:
        chosen = np.concatenate([must, chosen])
    selected, marginal, covered = _order_and_marginals(A, w, must, chosen)
    raw_upper = P.base_weight + bound
    work["raw_bound"] = float(raw_upper)
    clamped = raw_upper < covered
    if clamped:
        log.info(
            "%s bound %.9g is below the covered weight %.9g (rounding); reported as the covered weight",
            how,
            raw_upper,
            covered,
        )
    upper = max(raw_upper, covered)
    gap = (upper - covered) / upper if upper > 0 else 0.0
    if gap <= OPTIMAL_GAP:
        gap, upper, status = 0.0, covered, "optimal"
    return Solution(
        selected=selected,
        marginal_weight=marginal,
        covered_weight=covered,
        total_weight=float(w.sum()),
        upper_bound=float(upper),
        gap=float(gap),
        solver=name,
        seconds=time.perf_counter() - start,
        status=status,
        bound_method=how,
        bound_clamped=bool(clamped),
        stopped_by_time_limit=bool(stopped),
        work=work,
    )
