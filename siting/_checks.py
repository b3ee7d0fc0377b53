"""Checks shared by the siting modules (defined once, used by coverage, solvers, proposals)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from layers.errors import InputError

__all__ = ["WEIGHT_FIX", "nonnegative_finite"]

#: The fix offered for bad demand weights.
WEIGHT_FIX = "weights must be finite and ≥ 0 (0 for demand that does not count)"


def nonnegative_finite(
    values: Sequence[float] | np.ndarray, *, what: str, layer: str, fix: str
) -> np.ndarray:
    """Return ``values`` as float64, or raise naming every negative, NaN or infinite entry.

    Parameters
    ----------
    values : array-like
        Weights (demand units) or costs (KRW), one per row.
    what : str
        Plural noun for the message (``"weight(s)"``, ``"cost(s)"``).
    layer : str
        The layer the values belong to.
    fix : str
        What the planner should do.

    Raises
    ------
    InputError
        ``"2 weight(s) are negative or not a number"`` with the 1-based rows.
    """
    array = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(array) | (array < 0))
    if bad.size:
        raise InputError(
            f"{bad.size} {what} are negative or not a number",
            layer=layer,
            rows=(bad + 1).tolist(),
            fix=fix,
        )
    return array
