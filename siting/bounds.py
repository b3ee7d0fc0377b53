"""Proven upper bounds on the maximal covering optimum of a reduced instance.

Two bounds, both valid for any count / budget, with minimum spacing relaxed
(dropping a constraint can only raise the optimum, so the bound stays valid):

* :func:`lp_bound`: the LP relaxation solved exactly by HiGHS
  (``scipy.optimize.linprog(method="highs-ipm")``; the interior point method with crossover is far faster than simplex on these degenerate LPs) on the reduced instance.
* :func:`lagrangian_bound`: relax ``y_j ≤ Σ_i a_ij x_i`` with multipliers
  ``0 ≤ u_j ≤ w_j``; then ``L(u) = Σ_j (w_j − u_j) + max_x Σ_i x_i (A u)_i``
  where the inner maximum over ``Σ x ≤ p`` is the sum of the ``p`` largest
  ``(A u)_i`` (and, with a budget, the fractional knapsack). Every ``u`` gives
  a valid bound; subgradient steps (Polyak, with the heuristic value as target)
  drive it towards the LP bound at the cost of one sparse product per step,
  which is what makes it usable on a million demand cells.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting._problem import Reduced

__all__ = ["LagrangianResult", "lagrangian_bound", "lp_bound"]

log = logging.getLogger(__name__)


def _inner_max(r: np.ndarray, P: Reduced) -> tuple[float, np.ndarray]:
    """max Σ r_i x_i over 0 ≤ x ≤ 1 with the count and/or budget (LP), and its x."""
    n = r.shape[0]
    best = np.inf
    best_x = np.zeros(n)
    pos = r > 0
    if P.count is not None:
        p = min(int(P.count), n)
        x = np.zeros(n)
        if p > 0:
            top = np.argpartition(-r, p - 1)[:p] if p < n else np.arange(n)
            top = top[r[top] > 0]
            x[top] = 1.0
        val = float(r @ x)
        if val < best:
            best, best_x = val, x
    if P.budget is not None and P.cost is not None:
        cost = P.cost
        x = np.zeros(n)
        free = pos & (cost <= 0)
        x[free] = 1.0
        paid = np.flatnonzero(pos & (cost > 0))
        order = paid[np.argsort(-r[paid] / cost[paid], kind="stable")]
        cum = np.cumsum(cost[order])
        k = int(np.searchsorted(cum, P.budget, side="right"))
        x[order[:k]] = 1.0
        if k < order.shape[0]:
            spent = float(cum[k - 1]) if k > 0 else 0.0
            x[order[k]] = max(0.0, (P.budget - spent) / float(cost[order[k]]))
        val = float(r @ x)
        if val < best:
            best, best_x = val, x
    if not np.isfinite(best):  # no constraint: take everything useful
        best_x = pos.astype(np.float64)
        best = float(r @ best_x)
    return best, best_x


@dataclass(frozen=True)
class LagrangianResult:
    """Outcome of :func:`lagrangian_bound`.

    Attributes
    ----------
    bound : float
        Best (lowest) valid upper bound found.
    best_set : ndarray of int
        Among the sites the inner problem chose at each step (the ``p``
        largest ``(A u)_i``), the set covering the most weight: a good
        starting solution (it may break spacing; the caller repairs it).
    best_value : float
        Weight that set covers.
    iterations : int
        Subgradient steps taken.
    """

    bound: float
    best_set: np.ndarray
    best_value: float
    iterations: int


def lagrangian_bound(
    P: Reduced,
    target: float,
    *,
    max_iter: int = 300,
    deadline: float | None = None,
    rel_tol: float = 1e-4,
    covered: np.ndarray | None = None,
) -> LagrangianResult:
    """Best Lagrangian bound found by subgradient optimisation, and the best primal set met.

    Parameters
    ----------
    P : Reduced
        The instance.
    target : float
        A feasible value (the heuristic's), used in the Polyak step and to stop
        early when the bound is within ``rel_tol`` of it; raised whenever a
        better set is met on the way.
    max_iter : int
        Upper limit on subgradient steps (the result depends only on this,
        unless ``deadline`` passes first).
    deadline : float, optional
        ``time.perf_counter()`` value at which to stop (a safety stop).
    rel_tol : float
        Stop when ``(bound - target) / bound`` falls below this.
    covered : ndarray of bool, optional
        Demand groups the heuristic covers. The start is then ``u_j = w_j`` on
        uncovered groups and 0 on covered ones, where ``L(u)`` is the classic
        submodular bound: the heuristic's value plus the ``p`` largest residual gains.

    Returns
    -------
    LagrangianResult
    """
    empty = np.empty(0, dtype=np.int64)
    if P.m == 0:
        return LagrangianResult(0.0, empty, 0.0, 0)
    A = P.A.astype(np.float64)
    At = P.At.astype(np.float64)
    w = P.w
    total = float(w.sum())
    u = np.where(covered, 0.0, w) if covered is not None else 0.5 * w
    best = total
    best_set, best_value = empty, -1.0
    theta = 1.0
    stall = 0
    steps = 0
    for _ in range(max_iter):
        steps += 1
        r = np.asarray(A @ u).ravel()
        inner, x = _inner_max(r, P)
        val = float(total - u.sum()) + inner
        if val < best - 1e-12 * max(best, 1.0):
            best = val
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                theta *= 0.5
                stall = 0
        xi = np.floor(x + 1e-9)  # integral part: a feasible set
        hits = np.asarray(At @ xi).ravel()
        value = float(w[hits > 0.5].sum())
        if value > best_value:
            best_value, best_set = value, np.flatnonzero(xi > 0.5)
            target = max(target, value)
        if best - target <= rel_tol * best or theta < 1e-3:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        # Subgradient of L in u: −1 + Σ_i x_i a_ij; step against it.
        g = (hits if np.array_equal(xi, x) else np.asarray(At @ x).ravel()) - 1.0
        # Projected gradient: ignore components pushing outside [0, w].
        g[(u <= 0) & (g > 0)] = 0.0
        g[(u >= w) & (g < 0)] = 0.0
        norm2 = float(g @ g)
        if norm2 <= 0:
            break
        step = theta * (val - target) / norm2
        u = np.clip(u - step * g, 0.0, w)
    log.debug("lagrangian: %d steps, bound %.6g, best set %.6g", steps, best, best_value)
    return LagrangianResult(best, best_set, max(best_value, 0.0), steps)


def lp_bound(P: Reduced, *, seconds: float = 60.0) -> float | None:
    """The LP relaxation optimum (spacing relaxed) by HiGHS, or ``None`` if not solved in time.

    Parameters
    ----------
    P : Reduced
        The instance.
    seconds : float
        Time limit (s).
    """
    from scipy.optimize import linprog

    n, m = P.n, P.m
    if m == 0:
        return 0.0
    # Variables: x (n sites), y (m demand groups); maximise w·y.
    c = np.concatenate([np.zeros(n), -P.w])
    cover_rows = sp.hstack([-P.At.astype(np.float64), sp.identity(m, format="csr")], format="csr")
    rows = [cover_rows]
    rhs = [np.zeros(m)]
    if P.count is not None:
        rows.append(sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])[None, :]))
        rhs.append(np.array([float(P.count)]))
    if P.budget is not None and P.cost is not None:
        rows.append(sp.csr_matrix(np.concatenate([P.cost, np.zeros(m)])[None, :]))
        rhs.append(np.array([float(P.budget)]))
    A_ub = sp.vstack(rows, format="csr")
    b_ub = np.concatenate(rhs)
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=b_ub,
        bounds=(0.0, 1.0),
        method="highs-ipm",
        options={"time_limit": float(seconds), "presolve": True},
    )
    if res.status != 0:
        log.info("LP bound not solved (%s)", res.message)
        return None
    return float(-res.fun)
