"""The reduced maximal-covering problem that every solver works on.

:func:`reduce_problem` turns a validated request into a smaller equivalent one:
must-include sites are taken first (their coverage counted once, their cost
and count removed from what is left), excluded sites and sites that conflict
with a must-include site (spacing) or cost more than the budget left are
dropped, demand with no weight left or that no remaining site covers is
dropped, and demand columns with identical coverage sets are merged (weights
summed). Sites that cover no remaining demand are dropped too. The optimum of
the reduced problem plus the must-include weight equals the optimum of the
original one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

__all__ = ["Reduced", "gather", "reduce_problem"]


@dataclass
class Reduced:
    """A reduced instance (rows: remaining sites, columns: merged demand groups).

    Attributes
    ----------
    A : csr_matrix
        ``uint8`` coverage, remaining sites × demand groups, sorted indices.
    At : csr_matrix
        Its transpose (demand groups × sites), for column-wise access.
    w : ndarray
        Weight of each demand group (sum of its cells' uncovered weights).
    cand : ndarray
        Original candidate index of each remaining site.
    cost : ndarray or None
        Cost of each remaining site (KRW), when a budget applies.
    count : int or None
        Sites still to choose (count minus must-include), when a count applies.
    budget : float or None
        Budget left after must-include sites (KRW), when a budget applies.
    conflicts : csr_matrix or None
        Symmetric site × site adjacency of pairs closer than the minimum spacing.
    base_weight : float
        Weight covered by the must-include sites.
    must : ndarray
        Must-include candidate indices, in the order given.
    group_of_demand : ndarray
        For each original demand column, its group (``-1`` when dropped).
    """

    A: sp.csr_matrix
    At: sp.csr_matrix
    w: np.ndarray
    cand: np.ndarray
    cost: np.ndarray | None
    count: int | None
    budget: float | None
    conflicts: sp.csr_matrix | None
    base_weight: float
    must: np.ndarray
    group_of_demand: np.ndarray

    @property
    def n(self) -> int:
        """Number of remaining sites."""
        return int(self.A.shape[0])

    @property
    def m(self) -> int:
        """Number of demand groups."""
        return int(self.A.shape[1])


def gather(
    indptr: np.ndarray, indices: np.ndarray, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the index lists of several rows of a CSR structure.

    Returns
    -------
    (values, owner) : tuple of ndarray
        ``values`` are the concatenated indices; ``owner[k]`` is the position
        in ``items`` of the row ``values[k]`` came from.
    """
    items = np.asarray(items, dtype=np.int64)
    starts = indptr[items].astype(np.int64)
    lens = indptr[items + 1].astype(np.int64) - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    owner = np.repeat(np.arange(items.shape[0], dtype=np.int64), lens)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    return indices[starts[owner] + offsets].astype(np.int64), owner


def conflict_graph(xy: np.ndarray, min_spacing: float) -> sp.csr_matrix:
    """Symmetric adjacency of site pairs closer than ``min_spacing`` (m), strictly."""
    n = xy.shape[0]
    if n < 2 or min_spacing <= 0:
        return sp.csr_matrix((n, n), dtype=np.uint8)
    reach = float(np.nextafter(min_spacing, 0.0))
    pairs = cKDTree(xy).query_pairs(reach, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    adj = sp.csr_matrix((np.ones(rows.shape[0], dtype=np.uint8), (rows, cols)), shape=(n, n))
    adj.sort_indices()
    return adj


def _keep_columns(M: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """Columns of a CSR matrix where ``keep`` (bool per column), renumbered in order; 0/1 uint8."""
    new_index = np.cumsum(keep) - 1
    row_of = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    mask = keep[M.indices]
    counts = np.bincount(row_of[mask], minlength=M.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = new_index[M.indices[mask]].astype(np.int32)
    out = sp.csr_matrix(
        (np.ones(indices.shape[0], dtype=np.uint8), indices, indptr),
        shape=(M.shape[0], int(keep.sum())),
    )
    out.has_sorted_indices = M.has_sorted_indices
    return out


def _merge_identical_columns(sub: sp.csr_matrix, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group columns with the same coverage set.

    Columns are keyed by (number of covering sites, two sums of fixed random
    values over the covering sites); equal keys for different sets would need
    two exact floating-point coincidences. Deterministic (fixed seed).

    Returns
    -------
    (group, representative) : group id of each column, first column of each group.
    """
    rng = np.random.default_rng(20240611)
    r1 = rng.random(sub.shape[0])
    r2 = rng.random(sub.shape[0])
    row_of = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
    # bincount adds each column's entries in row order: equal sets give equal sums.
    nnz = np.bincount(sub.indices, minlength=sub.shape[1])
    h1 = np.bincount(sub.indices, weights=r1[row_of], minlength=sub.shape[1])
    h2 = np.bincount(sub.indices, weights=r2[row_of], minlength=sub.shape[1])
    # Sort by one key; a group is a run equal in all three (a run split by an
    # h1 collision only leaves two identical groups unmerged, still correct).
    order = np.argsort(h1, kind="stable")
    change = np.ones(order.shape[0], dtype=bool)
    change[1:] = (np.diff(nnz[order]) != 0) | (np.diff(h1[order]) != 0) | (np.diff(h2[order]) != 0)
    sorted_group = np.cumsum(change) - 1
    group = np.empty_like(sorted_group)
    group[order] = sorted_group
    n_groups = int(sorted_group[-1]) + 1 if order.shape[0] else 0
    first = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, group, np.arange(group.shape[0], dtype=np.int64))
    # Renumber groups by first occurrence so the result follows demand order.
    by_first = np.argsort(first, kind="stable")
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(by_first.shape[0])
    return rank[group], first[by_first]


def reduce_problem(
    cover: sp.csr_matrix,
    weights: np.ndarray,
    *,
    count: int | None,
    budget: float | None,
    costs: np.ndarray | None,
    min_spacing: float | None,
    candidates_xy: np.ndarray | None,
    must: np.ndarray,
    exclude: np.ndarray,
) -> Reduced:
    """Reduce a validated request (see module docstring)."""
    n_cand, n_dem = cover.shape
    w = np.asarray(weights, dtype=np.float64).copy()
    allowed = np.ones(n_cand, dtype=bool)
    allowed[exclude] = False
    allowed[must] = False
    base = 0.0
    if must.size:
        covered = np.zeros(n_dem, dtype=bool)
        covered[cover[must].indices] = True
        base = float(w[covered].sum())
        w[covered] = 0.0
    count_left = None if count is None else int(count) - int(must.size)
    budget_left = None
    if budget is not None and costs is not None:
        budget_left = float(budget) - float(costs[must].sum())
        allowed &= costs <= budget_left * (1 + 1e-12) + 1e-9
    spacing = min_spacing is not None and min_spacing > 0 and candidates_xy is not None
    if spacing and must.size:
        assert candidates_xy is not None and min_spacing is not None
        tree = cKDTree(candidates_xy)
        near = tree.query_ball_point(
            candidates_xy[must], float(np.nextafter(min_spacing, 0.0)), return_sorted=False
        )
        for hits in near:
            allowed[np.asarray(hits, dtype=np.int64)] = False
    # Drop columns with no weight left; then sites that cover none of them;
    # then columns that no remaining site covers.
    rows = np.flatnonzero(allowed)
    if count_left is not None and count_left <= 0:
        rows = rows[:0]
    col_ids = np.flatnonzero(w > 0)
    sub = _keep_columns(cover[rows], w > 0)
    keep_rows = np.diff(sub.indptr) > 0
    rows = rows[keep_rows]
    sub = sub[keep_rows]
    keep_cols = np.bincount(sub.indices, minlength=sub.shape[1]) > 0
    col_ids = col_ids[keep_cols]
    sub = _keep_columns(sub, keep_cols)
    group_of_demand = np.full(n_dem, -1, dtype=np.int64)
    if sub.shape[1]:
        group, reps = _merge_identical_columns(sub, w[col_ids])
        w_red: np.ndarray = np.bincount(group, weights=w[col_ids], minlength=reps.shape[0])
        is_rep = np.zeros(sub.shape[1], dtype=bool)
        is_rep[reps] = True
        A = _keep_columns(sub, is_rep)
        group_of_demand[col_ids] = group
    else:
        w_red = np.zeros(0, dtype=np.float64)
        A = sp.csr_matrix((rows.shape[0], 0), dtype=np.uint8)
    A.sort_indices()
    At = A.T.tocsr()
    At.sort_indices()
    conflicts = None
    if spacing:
        assert candidates_xy is not None and min_spacing is not None
        conflicts = conflict_graph(candidates_xy[rows], float(min_spacing))
    return Reduced(
        A=A,
        At=At,
        w=w_red,
        cand=rows,
        cost=None if costs is None or budget is None else costs[rows].astype(np.float64),
        count=count_left,
        budget=budget_left,
        conflicts=conflicts,
        base_weight=base,
        must=must,
        group_of_demand=group_of_demand,
    )
