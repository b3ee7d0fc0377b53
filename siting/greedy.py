"""Fast heuristic for maximal covering: lazy greedy plus 1-swap local improvement.

Both work on a :class:`~siting._problem.Reduced` instance and share one
incremental state: for every demand group the number of chosen sites covering
it, and for every site its current marginal gain (uncovered weight it would
add). Choosing or dropping a site updates only the sites that share a demand
group with it, so one step costs the covered pairs it touches, not
candidates × demand.

* **Lazy greedy**: a priority queue of possibly stale gains; the top entry is
  taken only when its stored gain is still current, otherwise it is pushed
  back with its current gain (gains never increase while sites are added).
  With a budget the key is gain / cost (cost-feasible sites only), and the
  better of that, the plain-gain greedy and the best single site is kept
  (the classic fix that gives the ratio greedy its guarantee).
* **1-swap (interchange)**: for each chosen site ``s`` the loss of dropping it
  (weight only it covers) is compared with the best site ``c`` to take in its
  place (its gain plus the weight it would take over from ``s``), found from
  the sparse structure; improving swaps are applied until none is left or the
  time runs out. Spacing, budget and exclusions hold at every step.
"""

from __future__ import annotations

import heapq
import time

import numpy as np

from layers.progress import track
from siting._problem import Reduced, gather

__all__ = ["State", "greedy", "local_search", "perturb_search"]


class State:
    """Chosen sites of a reduced instance with incremental gains.

    Parameters
    ----------
    P : Reduced
        The instance.
    """

    def __init__(self, P: Reduced) -> None:
        self.P = P
        self.sel: list[int] = []
        self.sel_mask = np.zeros(P.n, dtype=bool)
        self.cnt = np.zeros(P.m, dtype=np.int32)
        self.gain = np.asarray(P.A @ P.w, dtype=np.float64).ravel()
        self.nconf = np.zeros(P.n, dtype=np.int32)
        self.budget_left = P.budget
        self.tol = 1e-9 * max(float(P.w.sum()), 1e-300)
        self.val = 0.0  # covered weight, kept incrementally (value() recomputes it)

    def copy(self) -> State:
        """An independent copy."""
        other = State.__new__(State)
        other.P = self.P
        other.sel = list(self.sel)
        other.sel_mask = self.sel_mask.copy()
        other.cnt = self.cnt.copy()
        other.gain = self.gain.copy()
        other.nconf = self.nconf.copy()
        other.budget_left = self.budget_left
        other.tol = self.tol
        other.val = self.val
        return other

    def value(self) -> float:
        """Weight of the demand groups covered."""
        return float(self.P.w[self.cnt > 0].sum())

    def _cols(self, i: int) -> np.ndarray:
        A = self.P.A
        return A.indices[A.indptr[i] : A.indptr[i + 1]]

    def _neighbours(self, i: int) -> np.ndarray:
        C = self.P.conflicts
        if C is None:
            return np.empty(0, dtype=np.int64)
        return C.indices[C.indptr[i] : C.indptr[i + 1]]

    def _shift_gain(self, cols: np.ndarray, sign: float) -> None:
        if cols.size == 0:
            return
        rows, owner = gather(self.P.At.indptr, self.P.At.indices, cols)
        np.add.at(self.gain, rows, sign * self.P.w[cols][owner])

    def add(self, i: int, position: int | None = None) -> None:
        """Choose site ``i`` (appended, or placed at ``position`` in the order)."""
        cols = self._cols(i)
        newly = cols[self.cnt[cols] == 0]
        self.val += float(self.P.w[newly].sum())
        self.cnt[cols] += 1
        self._shift_gain(newly, -1.0)
        self.nconf[self._neighbours(i)] += 1
        self.sel_mask[i] = True
        if position is None:
            self.sel.append(i)
        else:
            self.sel[position] = i
        if self.budget_left is not None and self.P.cost is not None:
            self.budget_left -= float(self.P.cost[i])

    def remove(self, i: int) -> int:
        """Drop site ``i``; return the position it held in the order (marked -1 until refilled)."""
        cols = self._cols(i)
        self.cnt[cols] -= 1
        freed = cols[self.cnt[cols] == 0]
        self.val -= float(self.P.w[freed].sum())
        self._shift_gain(freed, +1.0)
        self.nconf[self._neighbours(i)] -= 1
        self.sel_mask[i] = False
        pos = self.sel.index(i)
        self.sel[pos] = -1
        if self.budget_left is not None and self.P.cost is not None:
            self.budget_left += float(self.P.cost[i])
        return pos

    def affordable(self, i: int, extra: float = 0.0) -> bool:
        """Whether site ``i`` fits in the budget left (plus ``extra``)."""
        if self.budget_left is None or self.P.cost is None:
            return True
        return bool(self.P.cost[i] <= self.budget_left + extra + 1e-9)

    def full(self) -> bool:
        """Whether the site count is reached."""
        return self.P.count is not None and len(self.sel) >= self.P.count


def greedy(state: State, *, ratio: bool = False, deadline: float | None = None) -> State:
    """Add sites by largest gain (or gain / cost) until the count, budget or gain runs out.

    Parameters
    ----------
    state : State
        Starting state (modified in place and returned).
    ratio : bool
        Rank by gain / cost (budget mode) instead of gain.
    deadline : float, optional
        ``time.perf_counter()`` value after which to stop adding.
    """
    P = state.P
    gain = state.gain
    cost = P.cost if (ratio and P.cost is not None) else None

    def key(i: int, g: float) -> tuple[int, float]:
        if cost is None:
            return (0, -g)
        c = float(cost[i])
        return (0, -g) if c <= 0 else (1, -g / c)

    heap: list[tuple[int, float, int, float]] = []
    for i in np.flatnonzero((gain > state.tol) & ~state.sel_mask).tolist():
        g = float(gain[i])
        tier, k = key(i, g)
        heap.append((tier, k, i, g))
    heapq.heapify(heap)
    steps = 0
    while heap and not state.full():
        tier, k, i, g = heapq.heappop(heap)
        if state.sel_mask[i] or state.nconf[i] > 0 or not state.affordable(i):
            continue  # conflicts and spent budget never come back while adding
        current = float(gain[i])
        if current != g:
            if current > state.tol:
                t2, k2 = key(i, current)
                heapq.heappush(heap, (t2, k2, i, current))
            continue
        if current <= state.tol:
            break
        state.add(i)
        steps += 1
        if deadline is not None and steps % 64 == 0 and time.perf_counter() > deadline:
            break
    return state


def best_single(state: State) -> int | None:
    """The affordable, allowed site with the largest gain (``None`` when none gains)."""
    ok = ~state.sel_mask & (state.nconf == 0) & (state.gain > state.tol)
    if state.budget_left is not None and state.P.cost is not None:
        ok &= state.P.cost <= state.budget_left + 1e-9
    if not ok.any():
        return None
    return int(np.argmax(np.where(ok, state.gain, -np.inf)))


def _global_best(state: State) -> tuple[int, float]:
    """The allowed, affordable, unchosen site with the largest gain."""
    ok = ~state.sel_mask & (state.nconf == 0)
    cost = state.P.cost
    if state.budget_left is not None and cost is not None:
        ok &= cost <= state.budget_left + 1e-9
    masked = np.where(ok, state.gain, -np.inf)
    c = int(np.argmax(masked))
    return c, float(masked[c])


def _try_swap(state: State, pos: int, best_outside: tuple[int, float]) -> bool:
    """Replace the site at ``pos`` by the best site for its place if that improves; True if done.

    ``best_outside`` is the best site by gain alone (:func:`_global_best`),
    which stands for every site sharing no demand with the one dropped.
    """
    P = state.P
    cost = P.cost
    s = state.sel[pos]
    cols = state._cols(s)
    unique = cols[state.cnt[cols] == 1]
    loss = float(P.w[unique].sum())
    rows, owner = gather(P.At.indptr, P.At.indices, unique)
    nbrs = state._neighbours(s)
    freed = nbrs[(state.nconf[nbrs] == 1) & ~state.sel_mask[nbrs]]
    cand = np.union1d(rows, freed)
    extra = np.zeros(cand.shape[0])
    if rows.size:
        np.add.at(extra, np.searchsorted(cand, rows), P.w[unique][owner])
    ok = ~state.sel_mask[cand]
    if P.conflicts is not None:
        nc = state.nconf[cand]
        ok &= (nc == 0) | ((nc == 1) & np.isin(cand, nbrs))
    if state.budget_left is not None and cost is not None:
        ok &= cost[cand] <= state.budget_left + float(cost[s]) + 1e-9
    best_c, best_v = -1, -np.inf
    if ok.any():
        vals = np.where(ok, state.gain[cand] + extra, -np.inf)
        k = int(np.argmax(vals))
        best_c, best_v = int(cand[k]), float(vals[k])
    c_star, g_star = best_outside
    if g_star > best_v:
        best_c, best_v = c_star, g_star
    if best_c >= 0 and best_v - loss > state.tol:
        position = state.remove(s)
        state.add(best_c, position)
        return True
    return False


def local_search(state: State, *, deadline: float | None = None, max_passes: int = 100) -> State:
    """Apply improving 1-swaps (and additions, when room is left) until none improves.

    Parameters
    ----------
    state : State
        Starting state (modified in place and returned).
    deadline : float, optional
        ``time.perf_counter()`` value after which to stop.
    max_passes : int
        Upper limit on passes over the chosen sites.
    """
    if state.P.n == 0 or not state.sel:
        return state
    for _ in range(max_passes):
        improved = False
        best_outside = _global_best(state)
        for pos in range(len(state.sel)):
            if deadline is not None and time.perf_counter() > deadline:
                return state
            if _try_swap(state, pos, best_outside):
                improved = True
                best_outside = _global_best(state)
        # Room left (budget freed by swaps): add greedily.
        if not state.full():
            before = len(state.sel)
            greedy(state, deadline=deadline)
            improved |= len(state.sel) > before
        if not improved:
            break
    return state


def _cluster(state: State, s: int) -> np.ndarray:
    """Chosen sites within two demand hops of site ``s`` (sharing demand with a site that shares with s)."""
    P = state.P
    r1, _ = gather(P.At.indptr, P.At.indices, state._cols(s))
    r1 = np.unique(r1)
    c2, _ = gather(P.A.indptr, P.A.indices, r1)
    r2, _ = gather(P.At.indptr, P.At.indices, np.unique(c2))
    r2 = np.unique(r2)
    return r2[state.sel_mask[r2]]


def perturb_search(
    state: State,
    *,
    iterations: int,
    seed: int = 0,
    deadline: float | None = None,
    max_destroy: int = 4,
) -> State:
    """Iterated local search: destroy a cluster of chosen sites, repair greedily, re-swap.

    Each iteration drops 2..``max_destroy`` chosen sites close to a random
    chosen site (close in the coverage graph, no coordinates needed), refills
    greedily from the sites whose gain changed (no full scans, so a step
    costs only the neighbourhood), applies 1-swaps to the new sites, and keeps the result if it covers at
    least as much (plateau moves allowed), else undoes it. Deterministic for
    a given ``seed`` and ``iterations``; ``deadline`` is only a safety stop.
    """
    P = state.P
    if P.n == 0 or len(state.sel) < 1 or iterations <= 0:
        return state
    rng = np.random.default_rng(seed)
    state.val = state.value()
    value = state.val
    for _ in track(range(iterations), "improving the sites"):
        if deadline is not None and time.perf_counter() > deadline:
            break
        live = [i for i in state.sel if i >= 0]
        s0 = live[int(rng.integers(len(live)))]
        near = _cluster(state, s0)
        near = near[near != s0]
        k = int(rng.integers(1, max_destroy))
        if near.size > k:
            near = rng.choice(near, size=k, replace=False)
        drop = [s0, *sorted(int(i) for i in near.tolist())]
        old_sel = list(state.sel)
        freed_cols = np.unique(np.concatenate([state._cols(i) for i in drop]))
        for i in drop:
            state.remove(i)
        state.sel = [i for i in state.sel if i >= 0]
        pool, _ = gather(P.At.indptr, P.At.indices, freed_cols)
        pool = np.unique(pool)
        added: list[int] = []
        for _k in range(len(drop) + (0 if P.count is not None else 2)):
            if state.full():
                break
            ok = ~state.sel_mask[pool] & (state.nconf[pool] == 0)
            if state.budget_left is not None and P.cost is not None:
                ok &= P.cost[pool] <= state.budget_left + 1e-9
            g_pool = np.where(ok, state.gain[pool], -np.inf)
            if pool.size == 0:
                break
            j = int(np.argmax(g_pool))
            c, g = int(pool[j]), float(g_pool[j])
            if g <= state.tol:
                break
            state.add(c)
            added.append(c)
        for c in added:
            if c in state.sel:
                _try_swap(state, state.sel.index(c), (-1, -np.inf))
        new_value = state.val
        if new_value >= value - state.tol:
            value = max(value, new_value)
            continue
        # Undo: back to the old selection, in its old order.
        old_set = set(old_sel)
        for i in [i for i in state.sel if i not in old_set]:
            state.remove(i)
        state.sel = [i for i in state.sel if i >= 0]
        keep = set(state.sel)
        for i in old_sel:
            if i not in keep:
                state.add(i)
        state.sel = list(old_sel)
    return state
