"""What a reader recognised and did: the read report every reader returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["KIND_LABELS", "LayerRead", "ReadReport", "row_ranges", "format_row_ranges"]

#: Dataset kinds :func:`layers.read_layer` recognises, with what they are.
KIND_LABELS: dict[str, str] = {
    "cctv_by_year": "서울시 자치구 (연도별) CCTV 설치현황 (OA-2734, xlsx)",
    "cctv_safety": "안심이 CCTV 연계 현황 (OA-20923)",
    "cctv_standard": "전국 CCTV 표준데이터",
    "wifi": "서울시 공공와이파이 서비스 위치 정보 (OA-20883)",
    "wifi_openapi": "공공와이파이 OpenAPI dump (TbPublicWifiInfo)",
    "streetlight": "서울시 가로등 위치 정보 (OA-22205)",
    "security_light": "전국 보안등 표준데이터",
    "fiscal_kosis": "KOSIS 재정자립도",
    "points": "CSV with coordinate columns",
    "vector": "vector layer (GeoPackage, GeoJSON, Shapefile, GeoParquet)",
}

#: How many row numbers per reason ``to_dict`` lists (the counts are always complete).
JSON_ROWS_LIMIT = 1000
#: How many runs of consecutive rows the human summary shows per reason.
LINES_RANGES_LIMIT = 12


def _runs(rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """First and last row of each run of consecutive row numbers (arrays)."""
    values = np.asarray(rows, dtype=np.int64)
    if values.size and not bool((values[1:] > values[:-1]).all()):
        values = np.unique(values)  # the report's lists are sorted already; others may not be
    if values.size == 0:
        return values, values
    breaks = np.flatnonzero(np.diff(values) != 1)
    return values[np.r_[0, breaks + 1]], values[np.r_[breaks, values.size - 1]]


def row_ranges(rows: Sequence[int], limit: int | None = None) -> list[tuple[int, int]]:
    """Runs of consecutive row numbers, as (first, last) pairs (vectorised).

    ``limit`` keeps only the first runs.

    Examples
    --------
    >>> row_ranges([1, 2, 3, 7, 9, 10])
    [(1, 3), (7, 7), (9, 10)]
    """
    starts, ends = _runs(rows)
    return list(zip(starts[:limit].tolist(), ends[:limit].tolist(), strict=True))


def format_row_ranges(rows: Sequence[int], limit: int = LINES_RANGES_LIMIT) -> str:
    """Row numbers as compact ranges, the rest counted.

    Examples
    --------
    >>> format_row_ranges([1, 2, 3, 7, 9, 10])
    '1–3, 7, 9–10'
    >>> format_row_ranges(list(range(1, 100, 2)), limit=3)
    '1, 3, 5, … and 47 more rows'
    """
    starts, ends = _runs(rows)
    shown = [
        str(a) if a == b else f"{a}–{b}"
        for a, b in zip(starts[:limit].tolist(), ends[:limit].tolist(), strict=True)
    ]
    text = ", ".join(shown)
    if len(starts) > limit:
        rest = int((ends[limit:] - starts[limit:] + 1).sum())
        text += f", … and {rest:,} more rows"
    return text


@dataclass
class ReadReport:
    """What was recognised in a file and what happened to its rows.

    Attributes
    ----------
    path : str
        The file read.
    kind : str
        Dataset kind, a key of :data:`KIND_LABELS`.
    encoding : str or None
        Text encoding recognised (``cp949``, ``utf-8-sig``, ``utf-8``); None for binary formats.
    crs : str or None
        CRS the coordinates were recognised in (the output is always EPSG:5186);
        None for tables without coordinates.
    rows_read : int
        Data rows in the file (header excluded).
    dropped : dict of str to list of int
        Reason -> 1-based data row numbers excluded.
    swapped : list of int
        Rows whose lat/lon (or x/y) were swapped and fixed.
    repaired : list of int
        Rows whose geometry was repaired (``make_valid``, only on request).
    by_district : dict of str to int
        Rows kept per district (``name_ko``).
    as_of : str or None
        The data's as-of date if the file says (데이터기준일자, 작업일자, ...).
    notes : list of str
        Anything else worth knowing (differences between totals, filters, bases).
    """

    path: str
    kind: str
    encoding: str | None = None
    crs: str | None = None
    rows_read: int = 0
    dropped: dict[str, list[int]] = field(default_factory=dict)
    swapped: list[int] = field(default_factory=list)
    repaired: list[int] = field(default_factory=list)
    by_district: dict[str, int] = field(default_factory=dict)
    as_of: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        """Rows excluded, all reasons together."""
        return sum(len(v) for v in self.dropped.values())

    @property
    def rows_kept(self) -> int:
        """Rows in the output."""
        return self.rows_read - self.rows_dropped

    @property
    def swapped_rows(self) -> int:
        """Rows whose coordinates were swapped back."""
        return len(self.swapped)

    @property
    def repaired_rows(self) -> int:
        """Rows whose geometry was repaired."""
        return len(self.repaired)

    @property
    def as_of_year(self) -> int | None:
        """Year of :attr:`as_of`, if any."""
        if self.as_of and self.as_of[:4].isdigit():
            return int(self.as_of[:4])
        return None

    def drop(self, reason: str, rows: list[int]) -> None:
        """Record rows excluded for ``reason``."""
        if rows:
            self.dropped.setdefault(reason, []).extend(rows)
            self.dropped[reason].sort()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``siting inspect --json`` prints)."""
        from layers.output import display_path  # (pyogrio and the writers: not for reading)

        return {
            "path": display_path(self.path),
            "kind": self.kind,
            "kind_label": KIND_LABELS.get(self.kind, self.kind),
            "encoding": self.encoding,
            "crs": self.crs,
            "output_crs": "EPSG:5186",
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_dropped": self.rows_dropped,
            "dropped": {
                reason: {
                    "count": len(rows),
                    "rows": rows[:JSON_ROWS_LIMIT],
                    "ranges": [list(r) for r in row_ranges(rows, JSON_ROWS_LIMIT)],
                }
                for reason, rows in self.dropped.items()
            },
            "swapped_rows": self.swapped_rows,
            "swapped_row_numbers": self.swapped[:JSON_ROWS_LIMIT],
            "repaired_rows": self.repaired_rows,
            "repaired_row_numbers": self.repaired[:JSON_ROWS_LIMIT],
            "by_district": self.by_district,
            "as_of": self.as_of,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        """Human-readable summary, one fact a line (what ``siting inspect`` prints)."""
        out = [
            f"file:      {self.path}",
            f"kind:      {self.kind} ({KIND_LABELS.get(self.kind, self.kind)})",
            f"encoding:  {self.encoding or 'n/a (binary format)'}",
            f"CRS:       {self.crs or 'n/a (no coordinates)'}"
            + (" -> EPSG:5186" if self.crs and self.crs != "EPSG:5186" else ""),
            f"as of:     {self.as_of or 'not stated in the file'}",
            f"rows read: {self.rows_read:,}",
            f"kept:      {self.rows_kept:,}",
            f"dropped:   {self.rows_dropped:,}",
        ]
        for reason, rows in self.dropped.items():
            out.append(f"  - {reason}: {len(rows):,} (rows {format_row_ranges(rows)})")
        if self.crs is not None:
            out.append(f"swapped lat/lon fixed: {self.swapped_rows:,}")
        if self.swapped:
            out.append(f"  rows {format_row_ranges(self.swapped)}")
        if self.repaired:
            out.append(
                f"geometries repaired: {self.repaired_rows:,} "
                f"(rows {format_row_ranges(self.repaired)})"
            )
        out.extend(f"note: {n}" for n in self.notes)
        if self.dropped or self.swapped:
            out.append("(row numbers count data rows: row 1 is the first line after the header)")
        return out


@dataclass
class LayerRead:
    """A layer read from a file: the frame (EPSG:5186) and its report.

    Attributes
    ----------
    frame : GeoDataFrame or DataFrame
        Points/polygons in EPSG:5186 with ``sig_cd`` and ``name_ko``; district
        tables (CCTV by year, KOSIS) carry the district polygons.
    report : ReadReport
        What was recognised and dropped.
    """

    frame: gpd.GeoDataFrame | pd.DataFrame
    report: ReadReport
