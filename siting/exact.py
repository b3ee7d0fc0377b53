"""Exact maximal covering by HiGHS (``scipy.optimize.milp``) on the reduced instance.

Model (``x_i`` binary: site chosen; ``y_j`` in [0, 1]: demand group covered)::

    max  Σ_j w_j y_j
    s.t. y_j − Σ_i a_ij x_i ≤ 0          for every demand group j
         Σ_i x_i ≤ p                       (count, when given)
         Σ_i c_i x_i ≤ B                   (budget, when given)
         x_i + x_k ≤ 1                     for every pair closer than the spacing
         x_i ∈ {0, 1}

``y`` needs no integrality: at any optimum of integral ``x`` it is integral.
scipy's HiGHS interface accepts no MIP start; the warm start is the caller's
greedy solution, which is kept whenever the solver returns nothing better
within the time limit (and its value is reported alongside HiGHS's bound).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting._problem import Reduced

__all__ = ["ExactResult", "solve_exact"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExactResult:
    """What HiGHS returned on a reduced instance.

    Attributes
    ----------
    selected : ndarray or None
        Chosen reduced-site indices (``None`` when no solution was found).
    value : float
        Their covered weight (reduced instance).
    bound : float
        HiGHS's proven upper bound (``inf`` when it proved none).
    optimal : bool
        Whether optimality was proven.
    """

    selected: np.ndarray | None
    value: float
    bound: float
    optimal: bool


def solve_exact(
    P: Reduced, *, time_limit: float, rel_gap: float = 1e-9, node_limit: int | None = None
) -> ExactResult:
    """Solve the reduced instance exactly with a time limit (s).

    Parameters
    ----------
    P : Reduced
        The instance.
    time_limit : float
        Seconds HiGHS may use.
    rel_gap : float
        Relative optimality gap at which HiGHS stops (default tight enough to
        match other exact solvers' optima).
    node_limit : int, optional
        Branch-and-bound nodes HiGHS may explore: the work bound that keeps
        the answer independent of machine load (``time_limit`` is then only a
        safety stop).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, m = P.n, P.m
    if n == 0 or m == 0:
        return ExactResult(np.empty(0, dtype=np.int64), 0.0, 0.0, True)
    c = np.concatenate([np.zeros(n), -P.w])
    blocks = [sp.hstack([-P.At.astype(np.float64), sp.identity(m, format="csr")], format="csr")]
    upper = [np.zeros(m)]
    if P.count is not None:
        blocks.append(sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])[None, :]))
        upper.append(np.array([float(P.count)]))
    if P.budget is not None and P.cost is not None:
        blocks.append(sp.csr_matrix(np.concatenate([P.cost, np.zeros(m)])[None, :]))
        upper.append(np.array([float(P.budget)]))
    if P.conflicts is not None and P.conflicts.nnz:
        coo = sp.triu(P.conflicts, k=1).tocoo()
        k = coo.nnz
        pair_rows = np.repeat(np.arange(k), 2)
        pair_cols = np.stack([coo.row, coo.col], axis=1).ravel()
        blocks.append(sp.csr_matrix((np.ones(2 * k), (pair_rows, pair_cols)), shape=(k, n + m)))
        upper.append(np.ones(k))
    A = sp.vstack(blocks, format="csr")
    ub = np.concatenate(upper)
    integrality = np.concatenate([np.ones(n), np.zeros(m)])
    res = milp(
        c,
        constraints=LinearConstraint(A, -np.inf, ub),
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={
            "time_limit": float(time_limit),
            "mip_rel_gap": rel_gap,
            "disp": False,
            **({"node_limit": int(node_limit)} if node_limit is not None else {}),
        },
    )
    bound = (
        -float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.inf
    )
    if res.x is None:
        log.info("exact solver found no solution: %s", res.message)
        return ExactResult(None, 0.0, bound, False)
    x = res.x[:n]
    selected = np.flatnonzero(x > 0.5)
    covered = np.zeros(m, dtype=bool)
    covered[P.A[selected].indices] = True
    value = float(P.w[covered].sum())
    optimal = res.status == 0
    if optimal:
        bound = min(bound, value + max(rel_gap, 1e-9) * max(value, 1.0) + 1e-9)
    return ExactResult(selected, value, bound, optimal)
