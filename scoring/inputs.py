"""The round table: the district layer, a risk grid's D/E counts, a planner's CSV.

By default a round reads the district layer (fiscal self-reliance, CCTV ageing
ratio at the criteria's threshold and reference year, population, side of the
Han). A risk grid adds ``vulnerable_cells`` (cells graded D or E, or the
criteria's ``vulnerable_grades``, whose centroid lies in the district). A
planner's CSV (UTF-8, UTF-8 with BOM or CP949) with ``sig_cd`` or ``name_ko``
overrides any of these values and adds requests and matching funds. Every
offending row of the CSV is reported in one error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.districts import district_code, load_districts
from layers.encoding import read_text
from layers.errors import EmptyLayerError, InputError, ValidationError
from scoring.criteria import Criteria

__all__ = [
    "COUNT_COLUMNS",
    "CSV_COLUMNS",
    "RoundInputs",
    "build_round_table",
    "read_district_csv",
]

#: Columns a planner's CSV may carry besides ``sig_cd`` / ``name_ko`` (and ``name_en``).
CSV_COLUMNS = (
    "fiscal_self_reliance_pct",
    "vulnerable_cells",
    "ageing_ratio_pct",
    "intelligent_rate_pct",
    "requested_krw",
    "matching_secured_krw",
    "commitment_rating",
    "child_protection_zones",
    "child_zone_accidents",
    "willingness_rating",
)
#: Columns holding counts (whole numbers ≥ 0).
COUNT_COLUMNS = frozenset({"vulnerable_cells", "child_protection_zones", "child_zone_accidents"})
_ID_COLUMNS = ("sig_cd", "name_ko", "name_en")
#: A district whose graded cells cover less of its area than this (%) has no
#: usable D/E count from a grid: it is treated as without data.
MIN_GRID_COVERAGE_PCT = 50.0

_HOW_TO_SUPPLY = {
    "vulnerable_cells": "pass --grid GRID.tif (a graded risk grid; D/E cells are counted per "
    "district) or a --districts CSV with a vulnerable_cells column (count of D/E cells)",
    "intelligent_rate_pct": "the intelligent-CCTV rate is not in the bundled data: pass a "
    "--districts CSV with intelligent_rate_pct (100 × cameras with intelligent analytics / "
    "all crime-prevention cameras, %)",
    "commitment": "pass a --districts CSV with commitment_rating, or with requested_krw and "
    "matching_secured_krw (commitment = matching secured 1/0)",
}


@dataclass
class RoundInputs:
    """The assembled round table and where each value came from.

    Attributes
    ----------
    table : DataFrame
        One row per district (sorted by ``sig_cd``), no geometry.
    inputs : list of Path
        Files read (for the manifest).
    sources : dict
        Column → where its values came from.
    """

    table: pd.DataFrame
    inputs: list[Path] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


def _number(text: str) -> float | None:
    cleaned = text.replace(",", "").replace("_", "").strip().removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


#: Header words planners use, mapped to the table's columns (compared without spaces,
#: brackets and case; a unit in the header such as ``(천원)`` scales plain numbers).
HEADER_ALIASES: dict[str, str] = {
    "자치구": "name_ko", "자치구명": "name_ko", "구명": "name_ko", "구분": "name_ko",
    "기관명": "name_ko", "district": "name_ko", "districtname": "name_ko", "name": "name_ko",
    "자치구코드": "sig_cd", "시군구코드": "sig_cd", "행정표준코드": "sig_cd",
    "districtcode": "sig_cd", "code": "sig_cd",
    "재정자립도": "fiscal_self_reliance_pct", "fiscalselfreliance": "fiscal_self_reliance_pct",
    "취약격자": "vulnerable_cells", "취약격자수": "vulnerable_cells",
    "취약격자de수": "vulnerable_cells", "vulnerablecells": "vulnerable_cells",
    "노후율": "ageing_ratio_pct", "cctv노후율": "ageing_ratio_pct",
    "ageingratio": "ageing_ratio_pct",
    "지능형cctv적용률": "intelligent_rate_pct", "지능형적용률": "intelligent_rate_pct",
    "intelligentrate": "intelligent_rate_pct",
    "총사업비": "requested_krw", "사업비": "requested_krw", "신청사업비": "requested_krw",
    "requested": "requested_krw", "totalcost": "requested_krw", "projectcost": "requested_krw",
    "확보구비": "matching_secured_krw", "구비확보액": "matching_secured_krw",
    "확보된구비": "matching_secured_krw", "구비": "matching_secured_krw",
    "matchingsecured": "matching_secured_krw", "securedmatching": "matching_secured_krw",
    "추진의지": "commitment_rating", "commitment": "commitment_rating",
    "어린이보호구역수": "child_protection_zones", "어린이보호구역": "child_protection_zones",
    "어린이보호구역교통사고": "child_zone_accidents",
    "어린이보호구역교통사고수": "child_zone_accidents",
}  # fmt: skip
_UNIT_WORDS = {"천원": 1000, "백만원": 1_000_000, "억원": 100_000_000, "원": 1, "krw": 1, "%": 1}


def _header_key(text: str) -> tuple[str, int]:
    """A header's comparison key and the unit multiplier its bracket names."""
    raw = str(text).strip().lstrip("\ufeff")
    multiplier = 1
    bracket = re.search(r"[(\[]([^)\]]*)[)\]]\s*$", raw)
    if bracket:
        unit = re.sub(r"\s+", "", bracket.group(1)).lower()
        if unit in _UNIT_WORDS:
            multiplier = _UNIT_WORDS[unit]
            raw = raw[: bracket.start()]
    key = re.sub(r"[\s_()\[\],·.-]+", "", raw).lower()
    return key, multiplier


def _canonical_columns(columns: list[str], allowed: set[str]) -> tuple[list[str], dict[str, int]]:
    """Map headers to the table's columns (exact names first, then aliases)."""
    names: list[str] = []
    multipliers: dict[str, int] = {}
    for column in columns:
        text = str(column).strip().lstrip("\ufeff")
        if text in allowed:
            names.append(text)
            continue
        key, multiplier = _header_key(text)
        target = HEADER_ALIASES.get(key) or next(
            (a for a in allowed if re.sub(r"[_]+", "", a).lower() == key), None
        )
        if target is None and key.endswith("krw"):
            target = next((a for a in allowed if a.replace("_", "") == key), None)
        if target is None:
            names.append(text)
            continue
        names.append(target)
        if multiplier != 1:
            multipliers[target] = multiplier
    return names, multipliers


def _read_raw(p: Path) -> pd.DataFrame:
    """Every cell as text, header row found by content (title rows above it are skipped)."""
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = pd.read_excel(p, sheet_name=None, header=None, dtype=str)
        except Exception as err:  # openpyxl raises many kinds for a damaged file
            raise InputError(
                f"cannot read the workbook ({type(err).__name__}: {err})",
                layer=p.name,
                fix="open it in Excel and save it again as .xlsx, or save the sheet as CSV",
            ) from None
        grid = next(
            (g for g in sheets.values() if _header_row(g) is not None), next(iter(sheets.values()))
        )
        grid = grid.fillna("")
    elif p.suffix.lower() == ".xls":
        raise InputError(
            "old Excel 97-2003 workbooks (.xls) are not read",
            layer=p.name,
            fix="save it as .xlsx (Excel Workbook) or as CSV",
        )
    else:
        text, _ = read_text(p, layer=p.name)
        try:
            grid = pd.read_csv(
                StringIO(text), dtype=str, keep_default_na=False, header=None,
                skipinitialspace=True,
            )  # fmt: skip
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise InputError(
                f"cannot parse the CSV: {err}", layer=p.name, fix="save it as comma-separated CSV"
            ) from None
    at = _header_row(grid) or 0
    header = [str(v).strip() for v in grid.iloc[at]] if len(grid) else []
    body = grid.iloc[at + 1 :].reset_index(drop=True)
    body.columns = header
    body = body.loc[:, [bool(h) for h in header]] if header else body
    blank = pd.Series(
        [all(not str(v).strip() for v in row) for row in body.itertuples(index=False)],
        index=body.index,
        dtype=bool,
    )
    return body[~blank].reset_index(drop=True)


def _header_row(grid: pd.DataFrame) -> int | None:
    ids = {"sig_cd", "name_ko"}
    for i in range(min(len(grid), 20)):
        keys = {str(v).strip() for v in grid.iloc[i]}
        keys |= {HEADER_ALIASES.get(_header_key(str(v))[0], "") for v in grid.iloc[i]}
        if keys & ids:
            return i
    return None


def read_district_csv(
    path: str | os.PathLike[str], *, extra_columns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Read and validate a planner's district (requests) table, CSV or XLSX.

    Parameters
    ----------
    path : path
        CSV (UTF-8, UTF-8 with BOM or CP949) or ``.xlsx`` workbook, one row
        per district. Headers in English (``sig_cd`` or ``name_ko`` and any of
        :data:`CSV_COLUMNS` or ``extra_columns``) or as planners write them
        (:data:`HEADER_ALIASES`: 자치구, 재정자립도, 총사업비, 확보 구비, …); a
        unit in brackets (``총사업비(천원)``, ``(백만원)``) scales the column's
        plain numbers to KRW. Title rows above the header are skipped.
        Percentages in %, amounts as :func:`layers.money.parse_krw` reads them
        (``6억``, ``600,000천원``, ``600000000``). A blank cell keeps the
        district layer's value.
    extra_columns : tuple of str
        Further columns allowed (e.g. the source columns of custom criteria).

    Returns
    -------
    DataFrame
        ``sig_cd`` (normalised SIG_CD) plus the numeric columns given (float, NaN = blank),
        with the 1-based data row in ``csv_row``.

    Raises
    ------
    ValidationError
        Listing every problem at once: unknown columns, unknown or duplicate
        districts, non-numbers, negatives, percentages above 100, fractional
        counts or KRW amounts, a request without matching funds.
    """
    p = Path(path)
    raw = _read_raw(p)
    allowed = set(_ID_COLUMNS) | set(CSV_COLUMNS) | set(extra_columns)
    names, multipliers = _canonical_columns([str(c) for c in raw.columns], allowed)
    original = {n: str(c) for n, c in zip(names, raw.columns, strict=True)}
    raw.columns = names
    if raw.empty:
        raise EmptyLayerError(
            "the table has a header but no data rows", layer=p.name, fix="add one row per district"
        )
    problems: list[str] = []
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(
            "several headers mean the same column: "
            + "; ".join(
                f"{n} ← {', '.join(repr(str(c)) for c, m in zip(original.values(), names, strict=False) if m == n)}"
                for n in repeated
            )
        )
        raise ValidationError(p.name, problems, fix="keep one column for each")
    unknown = [c for c in raw.columns if c not in allowed]
    if unknown:
        problems.append(
            f"unknown column(s) {', '.join(repr(c) for c in unknown)}; allowed: "
            f"sig_cd or name_ko (자치구), {', '.join(sorted(allowed - set(_ID_COLUMNS)))} "
            "or their Korean headers (재정자립도, 총사업비, 확보 구비, …)"
        )
    if "sig_cd" not in raw.columns and "name_ko" not in raw.columns:
        problems.append(
            "no district column: add sig_cd (e.g. 11110) or name_ko / 자치구 (e.g. 종로구)"
        )
        raise ValidationError(p.name, problems, fix="correct the table header")
    value_columns = [c for c in raw.columns if c in allowed and c not in _ID_COLUMNS]

    codes: list[str | None] = []
    for row_no, values in enumerate(raw.to_dict("records"), start=1):
        code_text = str(values.get("sig_cd", "") or "").strip()
        name_text = str(values.get("name_ko", "") or "").strip()
        by_code = district_code(code_text) if code_text else None
        by_name = district_code(name_text) if name_text else None
        label = code_text or name_text
        if not code_text and not name_text:
            problems.append(f"row {row_no}: no district (sig_cd and name_ko are blank)")
            codes.append(None)
        elif (code_text and by_code is None) or (name_text and by_name is None):
            problems.append(
                f"row {row_no}: unknown district {label!r} (not one of Seoul's 25 자치구)"
            )
            codes.append(None)
        elif by_code and by_name and by_code != by_name:
            problems.append(
                f"row {row_no}: sig_cd {code_text!r} and name_ko {name_text!r} are different districts"
            )
            codes.append(None)
        else:
            codes.append(by_code or by_name)
    seen: dict[str, list[int]] = {}
    for row_no, code in enumerate(codes, start=1):
        if code is not None:
            seen.setdefault(code, []).append(row_no)
    for code, rows in seen.items():
        if len(rows) > 1:
            problems.append(
                f"rows {', '.join(map(str, rows))}: duplicate district {_name_of(code)} ({code}) "
                "(one row per district)"
            )

    parsed = pd.DataFrame({"sig_cd": codes, "csv_row": range(1, len(raw) + 1)})
    for column in value_columns:
        numbers: list[float] = []
        for row_no, text in enumerate(raw[column].astype(str), start=1):
            if not text.strip():
                numbers.append(np.nan)
                continue
            if column.endswith("_krw"):
                value = _money(text, column, multipliers.get(column, 1), row_no, problems)
            else:
                value = _number(text)
            if value is None:
                if not column.endswith("_krw"):
                    problems.append(f"row {row_no}: {column} = {text!r} is not a number")
                numbers.append(np.nan)
                continue
            if value < 0:
                problems.append(f"row {row_no}: {column} = {text} is negative")
            elif column.endswith("_pct") and value > 100:
                problems.append(f"row {row_no}: {column} = {text} is above 100 %")
            if column in COUNT_COLUMNS and value != int(value):
                problems.append(f"row {row_no}: {column} = {text} is not a whole count")
            if column.endswith("_krw") and value != int(value):
                problems.append(f"row {row_no}: {column} = {text} is not a whole number of KRW")
            numbers.append(value)
        parsed[column] = numbers
    if "requested_krw" in parsed.columns:
        secured = parsed.get("matching_secured_krw", pd.Series(np.nan, index=parsed.index))
        lacking = parsed["requested_krw"].gt(0) & secured.isna()
        for row_no in parsed.loc[lacking, "csv_row"]:
            problems.append(
                f"row {row_no}: requested_krw is given but matching_secured_krw is missing "
                "(write 0 when nothing is secured)"
            )
    if problems:
        raise ValidationError(
            p.name,
            sorted(problems, key=_row_key),
            fix="correct the rows listed (rows count data rows, the header excluded) and run "
            "again; nothing was written",
        )
    return parsed


def _money(
    text: str, column: str, multiplier: int, row_no: int, problems: list[str]
) -> float | None:
    """A KRW cell through the one money parser; a header unit (천원, …) scales plain numbers."""
    from layers.money import parse_krw

    plain = _number(text)
    try:
        if multiplier != 1 and plain is not None:
            scaled = Fraction(text.replace(",", "").replace("_", "").strip()) * multiplier
            return float(parse_krw(str(scaled) if scaled.denominator == 1 else "0.5", what=column))
        return float(parse_krw(text, what=column))
    except (InputError, ValueError) as err:
        message = err.message if isinstance(err, InputError) else str(err)
        reason = message.split(": ", 1)[-1]
        problems.append(f"row {row_no}: {column} = {text!r} is not an amount of KRW: {reason}")
        return None


def _row_key(problem: str) -> tuple[int, int]:
    """Sort problems: whole-file problems first, then by their first row."""
    match = re.match(r"rows? (\d+)", problem)
    return (1, int(match.group(1))) if match else (0, 0)


def _name_of(code: str) -> str:
    names = _district_names()
    return names.get(code, code)


@cache
def _district_names() -> dict[str, str]:
    from importlib.resources import files

    text = (files("layers") / "data" / "seoul_districts.csv").read_text(encoding="utf-8")
    table = pd.read_csv(StringIO(text), dtype={"sig_cd": str})
    return dict(zip(table["sig_cd"], table["name_ko"], strict=True))


def _grid_counts(grid: Path, grades: list[str]) -> pd.DataFrame:
    try:
        from layers.riskgrid import grade_counts_by_district
    except ImportError:
        raise InputError(
            "risk-grid support (layers.riskgrid.grade_counts_by_district) is not available "
            "in this installation",
            layer=grid.name,
            fix="pass vulnerable_cells in a --districts CSV instead of --grid",
        ) from None
    counts = pd.DataFrame(grade_counts_by_district(grid, vulnerable_grades=tuple(grades)))
    # a district the grid covers only in part has no usable count, not few vulnerable cells
    counts["vulnerable_cells"] = (
        counts["vulnerable_cells"]
        .astype(float)
        .where(counts["coverage_pct"] >= MIN_GRID_COVERAGE_PCT)
    )
    return counts[["sig_cd", "vulnerable_cells", "cells_total", "coverage_pct"]].rename(
        columns={"cells_total": "grid_cells_graded", "coverage_pct": "grid_coverage_pct"}
    )


def build_round_table(
    criteria: Criteria,
    *,
    districts_csv: str | os.PathLike[str] | None = None,
    grid: str | os.PathLike[str] | None = None,
    layer: gpd.GeoDataFrame | None = None,
) -> RoundInputs:
    """Assemble the round table for ``criteria`` from the layer, a grid and a CSV.

    Parameters
    ----------
    criteria : Criteria
        Uses ``ageing_min_age``, ``reference_year``, ``vulnerable_grades`` and
        ``matching_ratio`` from its settings and checks its source columns.
    districts_csv : path, optional
        Planner's CSV (see :func:`read_district_csv`); its values override.
    grid : path, optional
        Graded risk grid (GeoTIFF); gives ``vulnerable_cells``.
    layer : GeoDataFrame, optional
        A district layer already loaded with the same ageing settings.

    Returns
    -------
    RoundInputs

    Raises
    ------
    InputError
        A criterion's source column has no value anywhere (says how to supply it).
    ValidationError
        Bad CSV rows (every one listed).
    """
    s = criteria.settings
    if (
        layer is None
        or layer.attrs.get("ageing_min_age") != s.ageing_min_age
        or layer.attrs.get("reference_year") != s.reference_year
    ):
        layer = load_districts(ageing_min_age=s.ageing_min_age, reference_year=s.reference_year)
    table = pd.DataFrame(layer.drop(columns=layer.geometry.name)).copy()
    table = table.rename(columns={"cctv_ageing_ratio_pct": "ageing_ratio_pct"})
    table["north_of_han"] = table["han_side"].eq("north").astype(np.int64)
    sources = {
        "fiscal_self_reliance_pct": (
            "district layer (KOSIS DT_1YL20921, 세입과목 개편후; the export is not "
            "year-labelled, most likely 2023 or earlier)"
        ),
        "ageing_ratio_pct": f"district layer (OA-2734, aged ≥ {s.ageing_min_age} years at "
        f"{s.reference_year})",
        "aged_65plus_2024q4": "district layer (Seoul basic statistics, 2024 Q4)",
        "north_of_han": "district layer (han_side)",
    }
    inputs: list[Path] = []
    overrides: dict[str, list[str]] = {}
    overridden: set[tuple[str, str]] = set()
    if grid is not None:
        grid_path = Path(grid)
        counts = _grid_counts(grid_path, s.vulnerable_grades)
        table = table.merge(counts, on="sig_cd", how="left")
        uncovered = table.loc[table["vulnerable_cells"].isna(), "name_ko"].tolist()
        sources["vulnerable_cells"] = (
            f"risk grid {grid_path.name} (grades {', '.join(s.vulnerable_grades)}, cell centroid "
            f"in district; a district less than {MIN_GRID_COVERAGE_PCT:g} % covered by graded "
            "cells has no data)"
            + (
                f"; without data: {len(uncovered)} district(s): {', '.join(uncovered)}"
                if uncovered
                else ""
            )
        )
        inputs.append(grid_path)
    if districts_csv is not None:
        csv_path = Path(districts_csv)
        extra = tuple(
            c.column for c in criteria.criteria if c.column not in ("commitment", "north_of_han")
        )
        given = read_district_csv(csv_path, extra_columns=extra)
        inputs.append(csv_path)
        given = given.set_index("sig_cd")
        table = table.set_index("sig_cd")
        for column in given.columns.drop("csv_row"):
            override = given[column].reindex(table.index)
            if column in table.columns:
                before = pd.to_numeric(table[column], errors="coerce")
                changed = override.notna() & ~(before == override)
                for sig in table.index[changed]:
                    overrides.setdefault(str(sig), []).append(
                        f"{column} {_short(before[sig])} → {_short(override[sig])} "
                        f"({csv_path.name})"
                    )
                    overridden.add((str(sig), column))
                table[column] = override.where(override.notna(), table[column])
            else:
                table[column] = override
            sources[column] = f"{csv_path.name}" + (
                " (overrides the layer where given)" if column in sources else ""
            )
        table = table.reset_index()
    table = _derive_commitment(table, criteria, sources)
    _require_columns(table, criteria)
    table["overrides"] = ["; ".join(overrides.get(str(sig), [])) for sig in table["sig_cd"]]
    table["data_notes"] = _data_notes(table, criteria, overridden)
    return RoundInputs(
        table.sort_values("sig_cd", ignore_index=True), inputs=inputs, sources=sources
    )


def _short(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "blank"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number == int(number) and abs(number) >= 1000 else f"{number:g}"


def _data_notes(
    table: pd.DataFrame, criteria: Criteria, overridden: set[tuple[str, str]]
) -> list[str]:
    """The data-quirk register's notes for the criteria's fields, per district.

    A field whose value the planner's table replaced for a district carries
    no note there (the override is shown instead).
    """
    from layers.quirks import quirks_for

    columns = list(dict.fromkeys(c.column for c in criteria.criteria))
    register = quirks_for(columns, table["sig_cd"].astype(str))
    notes: dict[str, list[str]] = {}
    for row in register.itertuples():
        if (str(row.sig_cd), str(row.field)) in overridden:
            continue
        notes.setdefault(str(row.sig_cd), []).append(f"{row.field}: {row.note_ko}")
    return ["; ".join(notes.get(str(sig), [])) for sig in table["sig_cd"]]


def _derive_commitment(
    table: pd.DataFrame, criteria: Criteria, sources: dict[str, str]
) -> pd.DataFrame:
    """``commitment``: the planner's rating, else 1/0 for matching secured."""
    ratio = Fraction(str(criteria.settings.matching_ratio))
    rating = table.get("commitment_rating", pd.Series(np.nan, index=table.index))
    flag = pd.Series(np.nan, index=table.index)
    if "requested_krw" in table.columns and "matching_secured_krw" in table.columns:
        for i, (req, sec) in enumerate(
            zip(table["requested_krw"], table["matching_secured_krw"], strict=True)
        ):
            if pd.notna(req) and req > 0 and pd.notna(sec):
                secured = Fraction(str(sec)) >= (1 - ratio) * Fraction(str(req))
                flag.iloc[i] = 1.0 if secured else 0.0
    table["commitment"] = pd.to_numeric(rating, errors="coerce").where(rating.notna(), flag)
    if table["commitment"].notna().any():
        sources["commitment"] = "commitment_rating, else matching secured (1) / not (0)"
    return table


def _require_columns(table: pd.DataFrame, criteria: Criteria) -> None:
    for c in criteria.criteria:
        if c.column not in table.columns or table[c.column].isna().all():
            how = _HOW_TO_SUPPLY.get(c.column, f"pass a --districts CSV with a {c.column} column")
            raise InputError(
                f"criterion {c.name!r} needs {c.column}, which no input supplies",
                layer="round table",
                fix=how,
            )
