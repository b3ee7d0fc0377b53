"""Ranks and points as the 붙임8 criteria count them.

Rank 1 goes to the *least* needy district and points grow by ``step`` per
rank, so the neediest district earns the most points. Tied values share a
rank: the smallest (Excel ``RANK.EQ``, default), their average
(``RANK.AVG``) or the largest.

Examples
--------
>>> import pandas as pd
>>> rank_values(pd.Series([60.0, 45.0, 30.0, 45.0]), direction="lower").tolist()
[1.0, 2.0, 4.0, 2.0]
>>> rank_points(pd.Series([1.0, 2.0, 4.0]), step=0.5).tolist()
[0.5, 1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from scoring.criteria import Band

__all__ = ["band_index", "band_points", "rank_points", "rank_values", "value_points"]

TieMethod = Literal["min", "average", "max"]


def rank_values(
    values: pd.Series, *, direction: Literal["higher", "lower"], method: TieMethod = "min"
) -> pd.Series:
    """Rank values so that rank 1 is the least needy.

    Parameters
    ----------
    values : Series of float
        One value per district; missing values get no rank (NaN).
    direction : {"higher", "lower"}
        Which values are the needier (earn more points). ``"lower"`` (fiscal
        self-reliance) ranks descending: the highest value is rank 1.
        ``"higher"`` (D/E cells, ageing ratio) ranks ascending: the lowest is rank 1.
    method : {"min", "average", "max"}
        Tie rule: ``min`` as Excel RANK.EQ, ``average`` as RANK.AVG, or ``max``.

    Returns
    -------
    Series of float
        Ranks, aligned with ``values`` (values compared unrounded).
    """
    ascending = direction == "higher"
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    return numeric.rank(method=method, ascending=ascending, na_option="keep")


def rank_points(ranks: pd.Series, *, step: float = 0.5, weight: float = 1.0) -> pd.Series:
    """Points for ranks: ``weight × step × rank`` (붙임8: 0.5 points per rank)."""
    return ranks.astype(float) * step * weight


def band_index(values: pd.Series, bands: Sequence[Band]) -> pd.Series:
    """Index of the band each value falls in (first match), or -1 when none does."""
    out = np.full(len(values), -1, dtype=np.int64)
    for i, value in enumerate(pd.to_numeric(values, errors="coerce").astype(float)):
        if np.isnan(value):
            continue
        for j, band in enumerate(bands):
            if band.contains(value):
                out[i] = j
                break
    return pd.Series(out, index=values.index)


def band_points(values: pd.Series, bands: Sequence[Band], *, weight: float = 1.0) -> pd.Series:
    """Points by bands on the unrounded value (NaN outside every band or missing).

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring.criteria import default_criteria
    >>> bands = default_criteria("cctv-intelligent").criterion("intelligent_rate").bands
    >>> band_points(pd.Series([0.0, 9.999, 10.0, 29.99, 30.0, 100.0]), bands).tolist()
    [50.0, 50.0, 40.0, 40.0, 30.0, 30.0]
    """
    index = band_index(values, bands)
    table = np.array([b.points for b in bands], dtype=float)
    result = np.where(index.to_numpy() >= 0, table[index.to_numpy().clip(min=0)], np.nan)
    return pd.Series(result * weight, index=values.index)


def value_points(
    values: pd.Series,
    *,
    direction: Literal["higher", "lower"],
    scale: Literal["minmax", "none"] = "minmax",
    weight: float = 1.0,
) -> pd.Series:
    """Value-based points: ``weight × v'``.

    With ``scale="minmax"``, ``v' = (v - min) / (max - min)`` for
    ``direction="higher"`` and ``(max - v) / (max - min)`` for ``"lower"``
    (all equal values: ``v' = 1``); with ``scale="none"``, ``v' = v``
    (``"lower"`` then means ``-v``).
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    if scale == "none":
        scaled = v if direction == "higher" else -v
    else:
        lo, hi = v.min(), v.max()
        if not np.isfinite(hi - lo) or hi == lo:
            scaled = v.where(v.isna(), 1.0)
        elif direction == "higher":
            scaled = (v - lo) / (hi - lo)
        else:
            scaled = (hi - v) / (hi - lo)
    return scaled * weight
