"""Excel workbooks that read like the city's own tables.

Every table sheet gets a Korean header row with the English column name kept
below it (row 2, grey), thousands separators on amounts in 원 and 천원 (the
unit is in the header: ``배분액(원)``), readable column widths, the header
rows frozen and an auto-filter. The first sheet, ``안내 About``, says what the
file is, which criteria and settings made it and which sheets it holds; when
any input is synthetic it starts with a red SYNTHETIC / 예시 banner (the same
words :func:`synthetic_banner_markdown` and :func:`synthetic_banner_html` put
at the top of a synthetic report).

Reading a sheet back in pandas: ``pd.read_excel(path, sheet_name=name,
header=1)`` gives the English column names.

Text cells are stored as strings, never formulas: text that would start a
formula (``=``, ``+``, ``-``, ``@``, tab, CR) is kept as typed and marked with
Excel's quote prefix, so it shows as text and stays text when edited.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from layers.formula_safety import is_formula_like

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "ABOUT_SHEET",
    "HEADERS_KO",
    "SYNTHETIC_BANNER",
    "build_workbook",
    "korean_header",
    "mentions_synthetic",
    "number_format",
    "synthetic_banner_html",
    "synthetic_banner_markdown",
]

#: Name of the first sheet of every workbook (a sheet name cannot hold ``/``).
ABOUT_SHEET = "안내 About"

#: The notice on every file made from synthetic inputs.
SYNTHETIC_BANNER = (
    "SYNTHETIC / 예시 — 이 파일은 시드로 생성한 합성(예시) 입력으로 만들었습니다. "
    "실제 관측이나 신청 자료가 아니며 정책 결정에 쓰면 안 됩니다. "
    "(Built from seeded synthetic inputs, not real observations or requests.)"
)

#: Korean headers of the column names the product writes (units in brackets).
HEADERS_KO: dict[str, str] = {
    "sig_cd": "자치구코드",
    "name_ko": "자치구",
    "name_en": "자치구(영문)",
    "district": "자치구",
    "han_side": "한강 남북",
    "north_of_han": "한강 이북",
    "area_km2": "면적(km²)",
    "population_2024q4": "인구(2024.4분기)",
    "households_2024q4": "세대수(2024.4분기)",
    "aged_65plus_2024q4": "65세 이상(2024.4분기)",
    "one_person_households_2021": "1인가구(2021)",
    "one_person_household_share_pct": "1인가구 비율(%)",
    "fiscal_self_reliance_pct": "재정자립도(%)",
    "fiscal_self_reliance_rank": "재정자립도 순위",
    "fiscal_self_reliance_points": "재정자립도 점수",
    "fiscal_points": "재정 점수",
    "need_points": "수요 점수",
    "total_points": "총점",
    "priority": "우선순위",
    "rank": "순위",
    "order": "선정 순서",
    "eligible": "지원 대상",
    "applicant": "신청",
    "reason": "사유",
    "requested_krw": "신청 사업비(원)",
    "matching_secured_krw": "확보 구비(원)",
    "required_matching_krw": "필요 구비(원)",
    "city_share_krw": "시비 배분액(원)",
    "city_share_requested_krw": "시비 요청액(원)",
    "district_share_krw": "구비 분담액(원)",
    "granted_1000krw": "배분액(천원)",
    "requested_1000krw": "신청액(천원)",
    "city_share_1000krw": "시비 배분액(천원)",
    "cost_krw": "비용(원)",
    "cumulative_cost_krw": "누적 비용(원)",
    "vulnerable_cells": "취약격자(D·E) 수",
    "vulnerable_grades": "취약 등급",
    "cells_total": "격자 수",
    "cctv_total": "CCTV 총계",
    "cctv_aged": "노후 CCTV",
    "cctv_aged_8y": "노후 CCTV(8년 이상)",
    "cctv_ageing_ratio_pct": "CCTV 노후율(%)",
    "cctv_per_km2": "CCTV 밀도(대/km²)",
    "cctv_2015_or_earlier": "CCTV 2015년 이전",
    "ageing_ratio_pct": "노후율(%)",
    "aged_pct": "노후율(%)",
    "intelligent_rate_pct": "지능형 적용률(%)",
    "intelligent_rate_band": "지능형 적용률 구간",
    "devices": "장비 수",
    "devices_known_year": "설치연도 확인 장비",
    "devices_unknown_year": "설치연도 미상 장비",
    "devices_aged": "노후 장비",
    "devices_installed_after_reference": "기준연도 이후 설치",
    "min_age_years": "노후 기준(년)",
    "reference_year": "기준연도",
    "install_year": "설치연도",
    "age_years": "경과연수(년)",
    "aged": "노후",
    "low_resolution": "저화질",
    "device_id": "장비 ID",
    "device_type": "장비 종류",
    "n_devices": "장비 수",
    "n_sites": "지점 수",
    "records": "행 수",
    "candidate_id": "후보지 ID",
    "new_candidate_id": "이전 후보지 ID",
    "x_m": "X(m, EPSG:5186)",
    "y_m": "Y(m, EPSG:5186)",
    "new_x_m": "이전 X(m)",
    "new_y_m": "이전 Y(m)",
    "lon": "경도(WGS84)",
    "lat": "위도(WGS84)",
    "radius_m": "반경(m)",
    "move_m": "이동 거리(m)",
    "moved": "이전",
    "action": "조치",
    "selected": "선정",
    "marginal_weight": "추가 수요(가중)",
    "cumulative_weight": "누적 수요(가중)",
    "cumulative_pct": "누적 포괄률(%)",
    "covered_weight": "포괄 수요(가중)",
    "covered_before_weight": "기존 포괄 수요(가중)",
    "covered_before_pct": "기존 포괄률(%)",
    "covered_after_pct": "제안 후 포괄률(%)",
    "demand_weight": "수요(가중)",
    "demand_features": "수요 지점 수",
    "new_features": "새로 포괄한 지점 수",
    "new_weight": "새로 포괄한 수요(가중)",
    "in_reach": "반경 내 지점 수",
    "sole_weight": "단독 포괄 수요",
    "gain_if_moved": "이전 시 추가 수요",
    "nearest_existing_id": "가장 가까운 기존 장비",
    "nearest_existing_m": "기존 장비까지(m)",
    "nearest_clutter_id": "가장 가까운 시설물",
    "nearest_clutter_m": "시설물까지(m)",
    "consolidates_devices": "통합 장비 수",
    "services": "탑재 기능",
    "child_protection_zones": "어린이보호구역 수",
    "child_zone_accidents": "어린이보호구역 사고",
    "commitment": "추진 의지",
    "commitment_rating": "추진 의지 평가",
    "willingness_rating": "추진 의지 평가",
    "han_balance_points": "강남북 균형 점수",
    "info_vulnerable_points": "정보취약계층 점수",
    "criterion": "기준",
    "what": "내용",
    "column": "열",
    "group": "구분",
    "direction": "방향",
    "points": "점수",
    "setting": "설정",
    "value": "값",
    "meaning": "의미",
    "total": "합계 항목",
    "source": "출처",
}

_TOKENS_KO: dict[str, str] = {
    "cctv": "CCTV",
    "wifi": "와이파이",
    "pole": "스마트폴",
    "new": "신규",
    "cells": "격자",
    "gain": "추가 포괄",
    "willingness": "추진 의지",
    "commitment": "추진 의지",
    "info": "정보",
    "vulnerable": "취약",
    "child": "어린이",
    "zone": "구역",
    "zones": "구역",
    "protection": "보호",
    "accidents": "사고",
    "in": "",
    "reach": "반경 내",
}

_UNITS = (
    ("_1000krw", "(천원)"),
    ("_krw", "(원)"),
    ("_pct", "(%)"),
    ("_km2", "(km²)"),
    ("_m", "(m)"),
    ("_points", " 점수"),
    ("_rank", " 순위"),
)

#: Control characters an XLSX file cannot hold (tab, LF and CR are allowed).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_KRW = "#,##0"
_PCT = "0.0"
_INT = "#,##0"
_FLOAT = "#,##0.00"
_YEAR = "0"
_DEGREES = "0.000000"


def korean_header(name: str) -> str:
    """The Korean header of a column name (the name itself when none is known).

    Examples
    --------
    >>> korean_header("city_share_krw"), korean_header("vulnerable_cells_rank")
    ('시비 배분액(원)', '취약격자(D·E) 수 순위')
    >>> korean_header("cctv_new_D")
    'CCTV 신규 D'
    """
    if name in HEADERS_KO:
        return HEADERS_KO[name]
    for suffix, unit in _UNITS:
        if name.endswith(suffix) and name[: -len(suffix)] in HEADERS_KO:
            base = re.sub(r"\([^)]*\)$", "", HEADERS_KO[name[: -len(suffix)]])
            return base + unit
    for prefix in ("cctv_", "wifi_", "pole_"):
        if name.startswith(prefix) and name[len(prefix) :] in HEADERS_KO:
            return f"{_TOKENS_KO[prefix[:-1]]} {HEADERS_KO[name[len(prefix) :]]}"
    parts = name.split("_")
    if len(parts) > 1 and all(p in _TOKENS_KO or len(p) == 1 or p.isdigit() for p in parts):
        return " ".join(_TOKENS_KO.get(p, p) for p in parts if _TOKENS_KO.get(p, p))
    return name


def number_format(name: str, values: pd.Series) -> str | None:
    """Excel number format for a column: amounts ``#,##0``, % ``0.0``, years ``0``.

    Returns None for text and boolean columns.
    """
    if pd.api.types.is_bool_dtype(values):
        return None
    if not pd.api.types.is_numeric_dtype(values):
        # an object column of numbers (a table cast to object to write blanks)
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind not in ("integer", "floating", "mixed-integer-float", "decimal"):
            return None
        values = pd.to_numeric(values, errors="coerce")
    lowered = name.lower()
    if lowered.endswith(("krw", "_won")):
        return _KRW
    if "year" in lowered:
        return _YEAR
    if lowered in ("lon", "lat") or lowered.endswith(("_lon", "_lat")):
        return _DEGREES
    if lowered.endswith("_pct") or lowered.endswith("pct"):
        return _PCT
    if pd.api.types.is_integer_dtype(values):
        return _INT
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if len(finite) and bool(np.all(np.equal(np.mod(finite, 1), 0))) and finite.abs().max() < 1e15:
        return _INT
    return _FLOAT


def synthetic_banner_markdown() -> str:
    """The SYNTHETIC / 예시 notice as a Markdown block for the top of a report."""
    return f"> **⚠ {SYNTHETIC_BANNER}**\n"


def synthetic_banner_html() -> str:
    """The SYNTHETIC / 예시 notice as a red HTML block for the top of a page."""
    return (
        '<div class="synthetic-banner" role="alert" style="background:#b00020;color:#fff;'
        'font-weight:bold;padding:0.6em 1em;margin:0 0 1em 0">'
        f"⚠ {html.escape(SYNTHETIC_BANNER)}</div>"
    )


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars unwrapped, NaN/NA as an empty cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        return _ILLEGAL.sub("\ufffd", value)
    if isinstance(value, (int, float, bool, dt.date, dt.datetime)):
        return value
    return _ILLEGAL.sub("\ufffd", str(value))


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always a string cell, formula-like text quote-prefixed."""
    cell = ws.cell(row=row, column=column)
    value = _cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=..." a formula
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell


def _width(texts: Sequence[str]) -> float:
    """Column width in Excel characters: Hangul counts double, bounded 8..50."""
    longest = 0
    for text in texts:
        size = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        longest = max(longest, size)
    return float(min(max(longest + 2, 8), 50))


def _table_sheet(ws: Worksheet, table: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    grey = Font(italic=True, color="666666", size=9)
    fill = PatternFill("solid", fgColor="DDEBF7")
    names = [str(c) for c in table.columns]
    for j, name in enumerate(names, start=1):
        head = _put(ws, 1, j, korean_header(name))
        head.font, head.fill = bold, fill
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        _put(ws, 2, j, name).font = grey
    formats = [number_format(n, table.iloc[:, j]) for j, n in enumerate(names)]
    columns = [table.iloc[:, j].tolist() for j in range(len(names))]
    for i in range(len(table)):
        for j in range(len(names)):
            cell = _put(ws, i + 3, j + 1, columns[j][i])
            if formats[j] and cell.value is not None:
                cell.number_format = formats[j]
    sample = min(len(table), 200)
    for j, name in enumerate(names, start=1):
        shown = [korean_header(name), name]
        for value in columns[j - 1][:sample]:
            value = _cell_value(value)
            if isinstance(value, float) and formats[j - 1]:
                shown.append(f"{value:,.2f}")
            elif isinstance(value, int) and not isinstance(value, bool):
                shown.append(f"{value:,}")
            elif value is not None:
                shown.append(str(value))
        ws.column_dimensions[get_column_letter(j)].width = _width(shown)
    ws.freeze_panes = "A3"
    if names:
        last = get_column_letter(len(names))
        ws.auto_filter.ref = f"A2:{last}{max(len(table) + 2, 2)}"


def _about_sheet(
    ws: Worksheet,
    *,
    title: str,
    about: Mapping[str, Any],
    sheets: Mapping[str, pd.DataFrame],
    synthetic: bool,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    row = 1
    if synthetic:
        cell = _put(ws, row, 1, SYNTHETIC_BANNER)
        cell.font = Font(bold=True, color="FFFFFF", size=12)
        cell.fill = PatternFill("solid", fgColor="B00020")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = 48
        row += 2
    _put(ws, row, 1, title).font = Font(bold=True, size=14)
    row += 2
    label = Font(bold=True)
    for key, value in about.items():
        _put(ws, row, 1, key).font = label
        text = value if isinstance(value, str) else _listing(value)
        _put(ws, row, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    row += 1
    _put(ws, row, 1, "시트 (sheets)").font = label
    row += 1
    for name, table in sheets.items():
        _put(ws, row, 1, name)
        _put(ws, row, 2, f"{len(table):,}행 × {table.shape[1]}열 (rows × columns)")
        row += 1
    row += 1
    _put(ws, row, 1, "읽는 법 (how to read)").font = label
    _put(
        ws,
        row,
        2,
        "각 표의 1행은 한글 열 이름, 2행은 프로그램의 영문 열 이름입니다. 금액은 원 또는 "
        "천원 단위(열 이름에 표시), 천 단위 구분 기호를 씁니다. pandas: "
        "pd.read_excel(file, sheet_name=..., header=1). "
        "(Row 1: Korean header; row 2: the English column name; amounts in 원 or 천원 as the "
        "header says.)",
    ).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100


def _listing(value: Any) -> str:
    if isinstance(value, Mapping):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)
    return str(value)


def mentions_synthetic(
    sheets: Mapping[str, pd.DataFrame], about: Mapping[str, Any] | None = None
) -> bool:
    """True when the inputs a workbook records are synthetic.

    Synthetic files carry ``synthetic`` in their names (a project rule), so a
    workbook whose About facts, or whose ``inputs``/``sources`` sheet, name such
    a file was made from synthetic inputs.
    """
    texts = [_listing(v) if not isinstance(v, str) else v for v in (about or {}).values()]
    for name, table in sheets.items():
        if any(k in name.lower() for k in ("input", "source", "입력", "출처")):
            frame = pd.DataFrame(table)
            texts.extend(frame.astype(str).to_numpy().ravel().tolist())
    return any("synthetic" in t.lower() for t in texts)


def build_workbook(
    sheets: Mapping[str, pd.DataFrame],
    *,
    title: str,
    about: Mapping[str, Any] | None = None,
    synthetic: bool = False,
) -> Workbook:
    """An openpyxl workbook: the ``안내 About`` sheet, then one formatted sheet per table.

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        Sheet name (at most 31 characters) to table, in order.
    title : str
        What the file is, in a sentence (Korean first).
    about : mapping, optional
        Facts for the About sheet (criteria, settings, inputs, …): label to text,
        list or mapping.
    synthetic : bool, default False
        Any input is synthetic: a red SYNTHETIC / 예시 banner opens the About sheet.

    Returns
    -------
    openpyxl.Workbook
    """
    from openpyxl import Workbook

    book = Workbook()
    about_ws = book.active
    assert about_ws is not None
    about_ws.title = ABOUT_SHEET
    _about_sheet(about_ws, title=title, about=about or {}, sheets=sheets, synthetic=synthetic)
    for name, table in sheets.items():
        _table_sheet(book.create_sheet(name), pd.DataFrame(table))
    return book
