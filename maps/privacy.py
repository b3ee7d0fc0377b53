"""What a shared map may say about existing devices.

A map meant for sharing outside the office must not let a reader locate
existing cameras. Two rules, both off only with ``exact_positions=True``:

- **Distance bands** (:func:`layers.privacy.distance_band`, re-exported
  here): a proposal's distance to the nearest existing device is given as "50 m 이내", "50–100 m" or
  "100 m 이상", never in metres, and existing-device ids are left out
  (:data:`EXISTING_ID_COLUMNS`).
- **Small cells** (:func:`suppress_small_cells`): a count of fewer than ``k``
  devices in an aggregation cell (default :data:`DEFAULT_MIN_DEVICES` = 3)
  would show single devices; such cells are merged into their 2×2 parent
  cell and, where the parent still holds fewer than ``k``, suppressed. The
  map states how many cells and devices this affected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.errors import ConfigError
from layers.privacy import (
    DEFAULT_BANDS_M,
    EXACT_DISTANCE_COLUMNS,
    EXISTING_ID_COLUMNS,
    distance_band,
)

__all__ = [
    "DEFAULT_BANDS_M",
    "DEFAULT_MIN_DEVICES",
    "EXACT_DISTANCE_COLUMNS",
    "EXISTING_ID_COLUMNS",
    "CellSuppression",
    "distance_band",
    "suppress_small_cells",
]

log = logging.getLogger(__name__)

#: Fewest devices an aggregated cell may show (k).
DEFAULT_MIN_DEVICES = 3


@dataclass(frozen=True)
class CellSuppression:
    """What :func:`suppress_small_cells` did.

    Attributes
    ----------
    cells : DataFrame
        The cells kept (merged ones at the parent size), with ``cell_m``.
    merged_cells : int
        Small cells merged into a parent cell that reaches ``k``.
    suppressed_cells : int
        Cells left out because even the parent holds fewer than ``k`` devices.
    suppressed_devices : int
        Devices in the suppressed cells (counted in the district totals only).
    k : int
        The minimum count.
    """

    cells: pd.DataFrame
    merged_cells: int
    suppressed_cells: int
    suppressed_devices: int
    k: int

    def note(self, cell_m: float, device_label: str) -> str:
        """One sentence for the map panel."""
        if not (self.merged_cells or self.suppressed_cells):
            return f"모든 {cell_m:,.0f} m 격자에 {device_label} {self.k}대 이상 (every cell ≥ {self.k})."
        return (
            f"{self.k}대 미만 격자: {self.merged_cells:,}개는 {2 * cell_m:,.0f} m 격자로 합침, "
            f"{self.suppressed_cells:,}개({self.suppressed_devices:,}대)는 표시하지 않음 — "
            f"cells with fewer than {self.k} devices merged or suppressed (still counted in "
            "the district totals)."
        )


def suppress_small_cells(
    cells: pd.DataFrame,
    *,
    cell_m: float,
    k: int = DEFAULT_MIN_DEVICES,
    count_columns: Sequence[str] = ("devices",),
) -> CellSuppression:
    """Merge cells with fewer than ``k`` devices into 2×2 parents, suppress what stays small.

    Parameters
    ----------
    cells : DataFrame
        One row per cell with integer ``ix``, ``iy`` (cell index = floor of
        coordinate / ``cell_m``), ``devices`` and further count columns.
    cell_m : float
        Cell side (m).
    k : int, default 3
        Fewest devices a shown cell may hold; ``k <= 1`` keeps every cell.
    count_columns : sequence of str
        Columns summed when cells merge (``devices`` first).

    Returns
    -------
    CellSuppression
        Kept cells with ``ix``, ``iy``, ``cell_m`` and the summed counts.
    """
    if k < 1:
        raise ConfigError(
            f"k={k} is below 1", layer="map", fix="give the fewest devices a cell may show (3)"
        )
    table = cells.copy()
    table["cell_m"] = float(cell_m)
    if k <= 1 or table.empty:
        return CellSuppression(table, 0, 0, 0, k)
    small = table["devices"] < k
    parent_ix = np.floor_divide(table["ix"], 2)
    parent_iy = np.floor_divide(table["iy"], 2)
    # A parent with a shown child cannot be drawn without overlapping it: its small
    # children are suppressed. A parent whose present children are all small is drawn
    # instead of them when together they reach k.
    parent_key = parent_ix.astype("int64") * 10_000_000 + parent_iy.astype("int64")
    has_big_child = parent_key.isin(set(parent_key[~small]))
    big = table[~small]
    candidates = table[small & ~has_big_child].assign(ix=parent_ix, iy=parent_iy)
    grouped = candidates.groupby(["ix", "iy"], as_index=False)[list(count_columns)].sum()
    grouped = grouped[grouped["devices"] >= k].assign(cell_m=2.0 * float(cell_m))
    merged = candidates.merge(grouped[["ix", "iy"]], on=["ix", "iy"], how="inner")
    merged_into = len(merged)
    merged_count = int(small.sum())
    suppressed_devices = int(table.loc[small, "devices"].sum()) - int(merged["devices"].sum())
    suppressed_cells = merged_count - merged_into
    out = pd.concat([big, grouped], ignore_index=True)
    log.info(
        "%d of %d cells had fewer than %d devices: %d merged, %d suppressed",
        merged_count,
        len(table),
        k,
        merged_into,
        suppressed_cells,
    )
    return CellSuppression(out, merged_into, suppressed_cells, suppressed_devices, k)
