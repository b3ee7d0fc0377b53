"""KOSIS 재정자립도 (fiscal self-reliance) CSV, e.g. table DT_1YL20921.

Layout: ``행정구역별(1), 행정구역별(2), <value columns>``. ``행정구역별(1)`` is
blank except on each province's ``소계`` row, and district names such as
``중구`` repeat under several provinces, so the province column is
forward-filled before Seoul's districts are picked. Value columns are named
by year and/or item (``2023``, ``재정자립도(세입과목개편후)``; a KOSIS export may
put the item in a second header row). Two official bases exist (세입과목
개편전 / 개편후) that differ by 4–16 points: they are never mixed; a file holding
both is read on 개편후 only, and the ignored columns are named in the report.
With several years, the latest is used and said so. The output carries
``year`` and ``basis``.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import WORKING_CRS
from layers.districts import district_code, load_districts
from layers.errors import EmptyLayerError, InputError
from layers.readers._common import REASON_OTHER_REGION, header_key
from layers.readers.report import LayerRead, ReadReport

__all__ = ["is_kosis_fiscal", "read_kosis_fiscal"]

#: The basis used when a file holds both (the current one, as in the bundled statistics).
PREFERRED_BASIS = "개편후"
REASON_NOT_DISTRICT = "not a district (소계 or city office)"
REASON_NO_VALUE = "no value (blank or '-')"


def is_kosis_fiscal(columns: list[str]) -> bool:
    """True for a KOSIS export with ``행정구역별(1)`` / ``행정구역별(2)`` columns."""
    keys = [header_key(c) for c in columns]
    return any(k.startswith("행정구역별") for k in keys)


def _basis(label: str) -> str | None:
    key = header_key(label)
    if "개편후" in key:
        return "개편후"
    if "개편전" in key:
        return "개편전"
    return None


def read_kosis_fiscal(frame: pd.DataFrame, *, path: Path, encoding: str, layer: str) -> LayerRead:
    """Read fiscal self-reliance per Seoul district from a KOSIS CSV export.

    Parameters
    ----------
    frame : DataFrame
        The CSV as read (strings).
    path : Path
        The file.
    encoding : str
        Encoding recognised.
    layer : str
        Name for messages.

    Returns
    -------
    LayerRead
        District polygons (EPSG:5186) with ``fiscal_self_reliance_pct`` (%),
        ``year`` (Int64, <NA> when the export is not year-labelled) and ``basis``.
    """
    columns = list(frame.columns)
    region = [c for c in columns if header_key(c).startswith("행정구역별")]
    if len(region) < 2:
        raise InputError(
            "expected two region columns 행정구역별(1) and 행정구역별(2)",
            layer=layer,
            fix="export the table from KOSIS with both region levels as rows",
        )
    level1, level2 = region[0], region[1]
    values = [c for c in columns if c not in region]
    labels = {c: re.sub(r"\.\d+$", "", str(c)) for c in values}
    # a second header row (item names under years) shows as a first row of text
    first = frame.iloc[0] if len(frame) else None
    if first is not None and any("자립" in str(first[c]) for c in values):
        labels = {c: f"{labels[c]} {first[c]}" for c in values}
        frame = frame.iloc[1:]
    report = ReadReport(str(path), "fiscal_kosis", encoding=encoding, rows_read=len(frame))
    numeric = {
        c: pd.to_numeric(frame[c].str.replace(",", "", regex=False), errors="coerce")
        for c in values
    }
    values = [c for c in values if numeric[c].notna().any()]
    if not values:
        raise EmptyLayerError("no numeric value column", layer=layer, fix="check the export")
    bases = {c: _basis(labels[c]) for c in values}
    distinct = sorted({b for b in bases.values() if b})
    basis = (PREFERRED_BASIS if PREFERRED_BASIS in distinct else distinct[0]) if distinct else None
    if basis is not None:
        ignored = [labels[c] for c in values if bases[c] != basis]
        values = [c for c in values if bases[c] == basis]
        if ignored:
            report.notes.append(
                f"the file holds more than one basis; only 세입과목{basis} columns are used, "
                f"never mixed (the bases differ by 4–16 points); ignored: {', '.join(ignored)}"
            )
    if basis is None:
        report.notes.append("the export does not say 세입과목 개편전/개편후; basis unknown")
    years = {c: (int(m.group(1)) if (m := re.search(r"((?:19|20)\d{2})", labels[c])) else None)
             for c in values}  # fmt: skip
    chosen = max(values, key=lambda c: years[c] or 0)
    year = years[chosen]
    if len(values) > 1:
        report.notes.append(f"{len(values)} value columns; using '{labels[chosen]}' (latest year)")
    if year is None:
        report.notes.append("the export is not year-labelled; year unknown")
    province = frame[level1].replace("", np.nan).ffill().fillna("")
    rows = np.arange(1, len(frame) + 1)
    is_seoul = province.map(lambda v: re.sub(r"\s+", "", str(v)).startswith("서울")).to_numpy(
        dtype=bool
    )
    codes = frame[level2].map(district_code).to_numpy(dtype=object)
    value = numeric[chosen].to_numpy(dtype=float)
    report.drop(REASON_OTHER_REGION, rows[~is_seoul].tolist())
    not_district = is_seoul & pd.isna(codes)
    report.drop(REASON_NOT_DISTRICT, rows[not_district].tolist())
    no_value = is_seoul & ~pd.isna(codes) & ~np.isfinite(value)
    report.drop(REASON_NO_VALUE, rows[no_value].tolist())
    keep = is_seoul & ~pd.isna(codes) & np.isfinite(value)
    table = pd.DataFrame(
        {"sig_cd": codes[keep].astype(str), "fiscal_self_reliance_pct": value[keep],
         "year": pd.array([year] * int(keep.sum()), dtype="Int64"), "basis": basis,
         "source_column": labels[chosen]}
    )  # fmt: skip
    if table.empty:
        raise EmptyLayerError(
            "no Seoul district row with a value (after forward-filling 행정구역별(1))",
            layer=layer,
            fix="export the table with Seoul's districts (서울특별시 > 종로구 …)",
        )
    dup = table[table.sig_cd.duplicated(keep=False)]
    if not dup.empty:
        raise InputError(
            f"districts repeat under 서울특별시: {', '.join(sorted(set(dup.sig_cd)))}",
            layer=layer,
            fix="export one year and one item only",
        )
    polygons = load_districts()[["sig_cd", "name_ko", "geometry"]]
    merged = polygons.merge(table, on="sig_cd", how="inner").sort_values(
        "sig_cd", ignore_index=True
    )
    if len(merged) < 25:
        missing = sorted(set(polygons.name_ko) - set(merged.name_ko))
        report.notes.append(f"districts missing from the file: {', '.join(missing)}")
    ordered = [c for c in merged.columns if c != "geometry"] + ["geometry"]
    frame_out = gpd.GeoDataFrame(merged[ordered], geometry="geometry", crs=WORKING_CRS)
    frame_out.attrs.update(year=year, basis=basis)
    report.by_district = {str(n): 1 for n in frame_out.name_ko}
    return LayerRead(frame_out, report)
