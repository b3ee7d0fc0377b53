"""서울시 자치구 (연도별) CCTV 설치현황 (Seoul open data OA-2734), xlsx or CSV.

Each release shifts the year columns. Two layouts are known:

- 2024: ``순번 | 구분 | 총 계 | 2015년 이전 설치된 CCTV␠ | 2016년 | … | 2024년``; the
  first data row ``계`` is the city total; ``중 구`` is written with a space.
- older: ``기관명 | 소계 | 2013년도 이전 | 2014년 | 2015년 | 2016년``; there
  ``소계`` is *not* the sum of the year columns.

The header row is found by content (a name column ``구분``/``기관명``/``자치구``
and ``NNNN년`` or bare ``NNNN`` year columns), the open-ended bucket by the
word ``이전`` (``2013년도 이전``, ``2015년 이전 설치된 CCTV``); a total row
(``계``/``합계``) is optional. The same reader takes the table saved as CSV
(UTF-8, UTF-8 with BOM or CP949), and :func:`looks_like_cctv_by_year` tells a
CSV header of this table from other CSVs. The
output has one row per district keyed by ``sig_cd``: ``cctv_total`` (the
file's total column), ``cctv_<Y>_or_earlier`` for the bucket, ``cctv_<YYYY>``
per year, ``cctv_year_sum`` and ``cctv_total_minus_year_sum`` (both kept, the
difference reported), with the district polygons (EPSG:5186).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import WORKING_CRS
from layers.districts import district_code, load_districts
from layers.errors import EmptyLayerError, InputError
from layers.readers.report import LayerRead, ReadReport
from layers.validate import duplicate_problems

__all__ = ["looks_like_cctv_by_year", "read_cctv_by_year"]

_NAME_KEYS = ("구분", "기관명", "자치구", "자치구명", "구명")
_TOTAL_KEYS = ("총계", "소계", "합계", "계", "총합계")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:년|$|이전)")
REASON_TOTAL_ROW = "city total row (계), checked against the district sum"
REASON_NOT_DISTRICT = "not a Seoul district"


def _key(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def looks_like_cctv_by_year(columns: list[Any]) -> bool:
    """Whether a header row is the CCTV-by-install-year table's.

    A district-name column (구분/기관명/자치구) and at least two install-year
    columns (``NNNN년``, ``NNNN`` or an ``… 이전`` bucket), e.g.
    ``기관명, 소계, 2013년도 이전, 2014년, 2015년, 2016년``.
    """
    keys = [_key(c) for c in columns]
    years = [k for k in keys if _YEAR.search(k) and not _COORD.search(k)]
    return any(k in _NAME_KEYS for k in keys) and len(years) >= 2


_COORD = re.compile(r"위도|경도|lat|lon|x좌표|y좌표", re.IGNORECASE)


def _load_csv_rows(path: Path, layer: str) -> list[tuple[Any, ...]]:
    import csv
    from io import StringIO

    from layers.encoding import read_text

    text, _ = read_text(path, layer=layer)
    return [tuple(row) for row in csv.reader(StringIO(text))]


def _load_rows(path: Path, layer: str) -> list[tuple[Any, ...]]:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return _load_csv_rows(path, layer)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as err:
        raise InputError(
            f"is not a readable .xlsx workbook ({type(err).__name__}: {err})",
            layer=layer,
            fix="open it in Excel and save it again as .xlsx (Excel Workbook)",
        ) from None
    try:
        for sheet in book.worksheets:
            rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
            if _find_header(rows) is not None:
                return rows
        first = book.worksheets[0] if book.worksheets else None
        return [tuple(r) for r in first.iter_rows(values_only=True)] if first else []
    finally:
        book.close()


def _find_header(rows: list[tuple[Any, ...]]) -> int | None:
    for i, row in enumerate(rows[:30]):
        if looks_like_cctv_by_year(list(row)):
            return i
    return None


def _number(value: Any) -> float:
    if value is None:
        return np.nan
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace(",", "").strip()
    if text in ("", "-"):
        return 0.0 if text == "-" else np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def read_cctv_by_year(path: Path, *, layer: str) -> LayerRead:
    """Read a CCTV-by-install-year workbook (any known layout).

    Parameters
    ----------
    path : Path
        The xlsx as downloaded.
    layer : str
        Name for messages.

    Returns
    -------
    LayerRead
        One row per district (EPSG:5186 polygons): ``sig_cd``, ``name_ko``,
        ``cctv_total``, bucket and year columns (cameras), ``cctv_year_sum``,
        ``cctv_total_minus_year_sum``. ``frame.attrs`` holds ``bucket_last_year``,
        ``year_columns`` and ``as_of_year``.
    """
    rows = _load_rows(path, layer)
    header_at = _find_header(rows)
    if header_at is None:
        raise InputError(
            "no header row with a district column (구분/기관명/자치구) and install-year columns "
            "(NNNN년, NNNN or NNNN년 이전) in the first 30 rows",
            layer=layer,
            fix="give the OA-2734 table 서울시 자치구 (연도별) CCTV 설치현황 as downloaded "
            "(xlsx or CSV)",
        )
    header = [_key(v) for v in rows[header_at]]
    name_col = next(i for i, k in enumerate(header) if k in _NAME_KEYS)
    total_col = next((i for i, k in enumerate(header) if k in _TOTAL_KEYS), None)
    bucket_col: int | None = None
    bucket_year: int | None = None
    year_cols: dict[int, int] = {}
    for i, k in enumerate(header):
        match = _YEAR.search(k)
        if not match:
            continue
        if "이전" in k:
            bucket_col, bucket_year = i, int(match.group(1))
        else:
            year_cols[int(match.group(1))] = i
    data = rows[header_at + 1 :]
    data = [r for r in data if any(v not in (None, "") for v in r)]
    report = ReadReport(str(path), "cctv_by_year", rows_read=len(data))
    if not data:
        raise EmptyLayerError("the workbook has a header but no data rows", layer=layer)
    if bucket_col is not None and bucket_year is not None:
        # "2015년 이전" holds 2015 and before when 2016 is the next column; "2013년도 이전"
        # with 2014 next holds 2013 and before.
        first_year = min(year_cols) if year_cols else bucket_year + 1
        bucket_last = min(bucket_year, first_year - 1)
    else:
        bucket_last = None
    records: list[dict[str, Any]] = []
    total_row: dict[str, float] | None = None
    not_district: list[int] = []
    columns: list[tuple[str, int]] = []
    if bucket_col is not None:
        columns.append((f"cctv_{bucket_last}_or_earlier", bucket_col))
    columns.extend((f"cctv_{y}", year_cols[y]) for y in sorted(year_cols))
    for n, row in enumerate(data, start=1):
        cells = list(row) + [None] * (len(header) - len(row))
        name = _key(cells[name_col])
        values = {col: _number(cells[i]) for col, i in columns}
        total = _number(cells[total_col]) if total_col is not None else np.nan
        if name in ("계", "합계", "총계", "소계", "서울", "서울시", "서울특별시"):
            total_row = {"cctv_total": total, **values}
            report.drop(REASON_TOTAL_ROW, [n])
            continue
        sig_cd = district_code(name)
        if sig_cd is None:
            not_district.append(n)
            continue
        records.append({"_row": n, "sig_cd": sig_cd, "source_name": cells[name_col],
                        "cctv_total": total, **values})  # fmt: skip
    report.drop(REASON_NOT_DISTRICT, not_district)
    if not records:
        raise EmptyLayerError(
            "no row names a Seoul district", layer=layer, rows=not_district,
            fix="check the district column (구분/기관명)",
        )  # fmt: skip
    table = pd.DataFrame(records)
    dups = duplicate_problems(table["sig_cd"], "district", table["_row"].tolist())
    if dups:
        from layers.errors import ValidationError

        raise ValidationError(layer, dups, fix="keep one row per district")
    year_names = [c for c, _ in columns]
    table["cctv_year_sum"] = table[year_names].sum(axis=1, min_count=1)
    if total_col is None:
        table["cctv_total"] = table["cctv_year_sum"]
        report.notes.append("no total column (총 계/소계): cctv_total is the sum of the years")
    table["cctv_total_minus_year_sum"] = table["cctv_total"] - table["cctv_year_sum"]
    differ = table[table["cctv_total_minus_year_sum"].fillna(0) != 0]
    if not differ.empty:
        report.notes.append(
            f"the total column differs from the sum of the year columns in {len(differ)} "
            f"district(s) (total {differ['cctv_total'].sum():,.0f} vs years "
            f"{differ['cctv_year_sum'].sum():,.0f}); both are kept "
            "(cctv_total, cctv_year_sum, cctv_total_minus_year_sum)"
        )
    if total_row is not None:
        for col in ["cctv_total", *year_names]:
            given, summed = total_row.get(col, np.nan), table[col].sum()
            if np.isfinite(given) and given != summed:
                report.notes.append(
                    f"total row 계 gives {col} = {given:,.0f} but the districts sum to {summed:,.0f}"
                )
    if bucket_last is not None and bucket_col is not None:
        report.notes.append(
            f"open-ended bucket '{rows[header_at][bucket_col]}' read as installed in "
            f"{bucket_last} or earlier"
        )
    last_year = max(year_cols) if year_cols else bucket_last
    if last_year is not None:
        report.as_of = f"{last_year}-12-31"
        report.notes.append(f"as-of date inferred from the last year column ({last_year})")
    polygons = load_districts()[["sig_cd", "name_ko", "geometry"]]
    missing = sorted(
        set(polygons["name_ko"]) - set(polygons.loc[polygons.sig_cd.isin(table.sig_cd), "name_ko"])
    )
    if missing:
        report.notes.append(f"districts missing from the file: {', '.join(missing)}")
    merged = polygons.merge(table.drop(columns="_row"), on="sig_cd", how="inner")
    for col in ["cctv_total", *year_names, "cctv_year_sum", "cctv_total_minus_year_sum"]:
        if merged[col].notna().all() and (merged[col] == merged[col].round()).all():
            merged[col] = merged[col].astype("int64")
    ordered = [c for c in merged.columns if c != "geometry"] + ["geometry"]
    frame = gpd.GeoDataFrame(merged[ordered], geometry="geometry", crs=WORKING_CRS)
    frame = frame.sort_values("sig_cd", ignore_index=True)
    frame.attrs.update(bucket_last_year=bucket_last, year_columns=year_names, as_of_year=last_year)
    report.by_district = {str(r.name_ko): 1 for r in frame.itertuples()}
    return LayerRead(frame, report)
