"""What a shared output may say about existing devices.

Outputs meant for sharing outside the office (proposal tables, GeoPackages,
maps) must not let a reader locate existing cameras. By default a
proposal's distance to the nearest existing device is given only as a band —
"50 m 이내", "50–100 m" or "100 m 이상" (:func:`distance_band`) — and
existing-device ids are left out (:data:`EXISTING_ID_COLUMNS`);
:func:`band_distances` applies both rules to a table. Exact distances and ids
are kept only when asked for (``exact_positions=True``, ``--exact-positions``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from layers.errors import ConfigError

__all__ = [
    "BAND_COLUMNS",
    "DEFAULT_BANDS_M",
    "EXACT_DISTANCE_COLUMNS",
    "EXISTING_ID_COLUMNS",
    "band_distances",
    "distance_band",
]

#: Upper edges (m) of the distance bands.
DEFAULT_BANDS_M = (50.0, 100.0)
#: Columns naming an existing device (left out of shared outputs).
EXISTING_ID_COLUMNS = ("nearest_existing_id", "nearest_clutter_id", "existing_id")
#: Columns with an exact distance to an existing device (shown as bands in shared outputs).
EXACT_DISTANCE_COLUMNS = ("nearest_existing_m", "nearest_clutter_m")
#: The band column written for each exact distance column.
BAND_COLUMNS = {
    "nearest_existing_m": "nearest_existing_band",
    "nearest_clutter_m": "nearest_clutter_band",
}


def distance_band(distance_m: float, bands_m: Sequence[float] = DEFAULT_BANDS_M) -> str:
    """The distance band of a distance to an existing device.

    Parameters
    ----------
    distance_m : float
        Distance (m); NaN gives ``"—"``.
    bands_m : sequence of float, default (50, 100)
        Increasing upper edges (m).

    Returns
    -------
    str
        ``"50 m 이내"``, ``"50–100 m"`` or ``"100 m 이상"`` for the default bands.

    Examples
    --------
    >>> [distance_band(d) for d in (12.0, 50.0, 73.4, 100.0, 640.0)]
    ['50 m 이내', '50 m 이내', '50–100 m', '100 m 이상', '100 m 이상']
    """
    edges = [float(b) for b in bands_m]
    if not edges or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ConfigError(
            f"distance bands {list(bands_m)} are not increasing",
            layer="map",
            fix="give increasing band edges in metres, e.g. 50, 100",
        )
    value = float(distance_m)
    if math.isnan(value):
        return "—"
    if value <= edges[0]:
        return f"{edges[0]:,.0f} m 이내"
    for low, high in zip(edges, edges[1:], strict=False):
        if value < high:
            return f"{low:,.0f}–{high:,.0f} m"
    return f"{edges[-1]:,.0f} m 이상"


def band_distances(frame: pd.DataFrame, *, exact_positions: bool = False) -> pd.DataFrame:
    """A table fit to share: distances to existing devices as bands, their ids dropped.

    Parameters
    ----------
    frame : DataFrame
        A table that may hold :data:`EXACT_DISTANCE_COLUMNS` (m) and
        :data:`EXISTING_ID_COLUMNS`.
    exact_positions : bool, default False
        Keep the exact distances and ids as well (internal use only).

    Returns
    -------
    DataFrame
        A copy with a band column (:data:`BAND_COLUMNS`, text) right after
        each exact distance column present; unless ``exact_positions``, the
        exact distances and the ids are removed. Columns already banded are
        left as they are, so the function may run twice.
    """
    out = frame.copy()
    for exact, band in BAND_COLUMNS.items():
        if exact in out.columns and band not in out.columns:
            bands = [distance_band(v) for v in out[exact].astype("float64")]
            out.insert(list(out.columns).index(exact) + 1, band, bands)
    if not exact_positions:
        drop = [c for c in (*EXACT_DISTANCE_COLUMNS, *EXISTING_ID_COLUMNS) if c in out.columns]
        out = out.drop(columns=drop)
    return out
