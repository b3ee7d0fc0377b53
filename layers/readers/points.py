"""Point datasets from CSV/JSON: 안심이 CCTV, 전국 CCTV 표준데이터, 공공와이파이 (CSV and
OpenAPI dump), 가로등, 보안등 표준데이터, and any CSV with coordinate columns.

Each dataset is described by a :class:`PointSpec` (which columns hold what);
one pipeline reads them all: decode, (national files) keep Seoul's rows,
recognise and clean coordinates on arrays (:func:`layers.coords.clean_xy`), tag
districts, and add the standard columns ``device_id``, ``install_year``
(Int64, nullable) and ``n_devices`` (devices at the site) next to the
original ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.coords import clean_xy, district_table, tagged_frame, to_float_plain
from layers.districts import district_code
from layers.encoding import read_text
from layers.errors import EmptyLayerError, InputError, ValidationError, format_rows
from layers.readers._common import (
    REASON_OTHER_REGION,
    as_of_date,
    duplicate_note,
    find_column,
    has_repeats,
    header_key,
    load_csv,
    parse_count,
    parse_year,
    seoul_rows,
)
from layers.readers.report import LayerRead, ReadReport
from layers.validate import duplicate_problems

__all__ = [
    "SPECS",
    "PointSpec",
    "add_standard_columns",
    "detect_point_kind",
    "needed_columns",
    "read_points",
    "read_wifi_openapi",
]

_X_KEYS = ("경도", "wgs84경도", "lon", "lng", "long", "longitude", "x", "x좌표", "xcoord",
           "point_x", "easting", "lnt", "좌표x", "x_coord")  # fmt: skip
_Y_KEYS = ("위도", "wgs84위도", "lat", "latitude", "y", "y좌표", "ycoord", "point_y",
           "northing", "좌표y", "y_coord")  # fmt: skip


@dataclass(frozen=True)
class PointSpec:
    """Which columns of a point dataset hold what (as :func:`header_key` keys).

    Attributes
    ----------
    kind : str
        Dataset kind.
    device_type : str or None
        Device type of its rows (None for generic points).
    x_keys, y_keys : tuple of str
        Longitude/easting and latitude/northing column keys, first found wins.
    prefer_crs : str or None
        The CRS the dataset is documented in (wins ties in recognition).
    year_keys, count_keys, id_keys, as_of_keys : tuple of str
        Install year, devices at the site, identifier, as-of date columns.
    national : bool
        A national dataset: keep only Seoul's rows.
    """

    kind: str
    device_type: str | None
    x_keys: tuple[str, ...]
    y_keys: tuple[str, ...]
    prefer_crs: str | None = "EPSG:4326"
    year_keys: tuple[str, ...] = ()
    count_keys: tuple[str, ...] = ()
    id_keys: tuple[str, ...] = ()
    as_of_keys: tuple[str, ...] = ()
    national: bool = False


SPECS: dict[str, PointSpec] = {
    "cctv_safety": PointSpec(
        "cctv_safety", "cctv", ("경도",), ("위도",),
        count_keys=("cctv수량",), as_of_keys=("수정일시",),
    ),
    "cctv_standard": PointSpec(
        "cctv_standard", "cctv", ("wgs84경도", "경도"), ("wgs84위도", "위도"),
        year_keys=("설치연월", "설치년월", "설치연도", "설치년도"), count_keys=("카메라대수",),
        id_keys=("관리번호",), as_of_keys=("데이터기준일자",), national=True,
    ),
    "wifi": PointSpec(
        # OA-20883: Y좌표 is the latitude, X좌표 the longitude.
        "wifi", "wifi", ("x좌표", "경도"), ("y좌표", "위도"),
        year_keys=("설치년도", "설치연도"), id_keys=("관리번호",), as_of_keys=("작업일자",),
    ),
    "wifi_openapi": PointSpec(
        # Documented LAT = latitude, LNT = longitude; real dumps swap them (fixed by value).
        "wifi_openapi", "wifi", ("lnt",), ("lat",),
        year_keys=("x_swifi_cnstc_year",), id_keys=("x_swifi_mgr_no",), as_of_keys=("work_dttm",),
    ),
    "streetlight": PointSpec(
        "streetlight", "streetlight", ("경도", "x좌표", "x"), ("위도", "y좌표", "y"),
        id_keys=("관리번호",), prefer_crs=None,
    ),
    "security_light": PointSpec(
        "security_light", "security_light", ("경도",), ("위도",),
        year_keys=("설치연도", "설치년도"), count_keys=("설치개수",),
        as_of_keys=("데이터기준일자",), national=True,
    ),
    "points": PointSpec(
        "points", None, _X_KEYS, _Y_KEYS, prefer_crs=None,
        year_keys=("install_year", "설치년도", "설치연도", "설치연월", "설치년월", "year"),
        count_keys=("n_devices", "수량", "대수", "설치개수", "카메라대수", "count"),
        id_keys=("device_id", "id", "site_id", "관리번호"),
        as_of_keys=("데이터기준일자", "작업일자", "as_of"),
    ),
}  # fmt: skip


def detect_point_kind(columns: list[str]) -> str | None:
    """Recognise a point dataset from its header; None when nothing fits."""
    keys = {header_key(c) for c in columns}
    if {"관리기관명", "카메라대수"} <= keys:
        return "cctv_standard"
    if "안심주소" in keys or "cctv수량" in keys:
        return "cctv_safety"
    if "x_swifi_wrdofc" in keys or {"lat", "lnt"} <= keys:
        return "wifi_openapi"
    if "와이파이명" in keys or {"x좌표", "y좌표", "설치년도"} <= keys:
        return "wifi"
    if "보안등위치명" in keys:
        return "security_light"
    if (
        "관리번호" in keys
        and ({"위도", "경도"} <= keys or {"x좌표", "y좌표"} <= keys)
        and len(keys) <= 5
    ):
        return "streetlight"
    if any(k in keys for k in _X_KEYS) and any(k in keys for k in _Y_KEYS):
        return "points"
    return None


#: Columns read besides a spec's own: stated district and the Seoul filter of national files.
_CONTEXT_KEYS = ("자치구", "x_swifi_wrdofc", "자치구명", "개방자치단체코드", "제공기관코드",
                 "관리기관코드", "관리기관명", "제공기관명", "소재지도로명주소", "소재지지번주소")  # fmt: skip


def needed_columns(spec: PointSpec, columns: list[str]) -> list[str]:
    """The columns of a header the reader uses for ``spec`` (what ``inspect`` reads).

    Examples
    --------
    >>> needed_columns(SPECS["streetlight"], ["관리번호", "위도", "경도", "비고"])
    ['관리번호', '위도', '경도']
    """
    keys = {
        *spec.x_keys, *spec.y_keys, *spec.year_keys, *spec.count_keys, *spec.id_keys,
        *spec.as_of_keys, *_CONTEXT_KEYS,
    }  # fmt: skip
    return [c for c in columns if header_key(c) in keys]


def _coordinate_columns(frame: pd.DataFrame, spec: PointSpec, layer: str) -> tuple[str, str]:
    x_col = find_column(frame, *spec.x_keys)
    y_col = find_column(frame, *spec.y_keys)
    if x_col is None or y_col is None:
        raise InputError(
            f"no coordinate columns found (looked for {', '.join(spec.x_keys[:4])} and "
            f"{', '.join(spec.y_keys[:4])}); columns are: {', '.join(map(str, frame.columns))}",
            layer=layer,
            fix="name the columns lon/lat or x/y (or 경도/위도) and give --crs if they are "
            "not degrees",
        )
    return x_col, y_col


def read_points(
    frame: pd.DataFrame,
    spec: PointSpec,
    *,
    path: Path,
    encoding: str | None,
    layer: str,
    crs: str | None = None,
    id_column: str | None = None,
    geometry: bool = True,
) -> LayerRead:
    """Clean a table of points read from ``path`` following ``spec``.

    Each coordinate column is parsed once into a float array; the Seoul
    filter, the per-row rules, reprojection and district tagging work on
    arrays (:func:`layers.coords.clean_xy`), and the kept rows are taken from
    ``frame`` once, at the end.

    Parameters
    ----------
    frame : DataFrame
        The rows as read (strings).
    spec : PointSpec
        Which columns hold what.
    path : Path
        The file (for the report).
    encoding : str or None
        Encoding recognised.
    layer : str
        Name for messages.
    crs : str, optional
        Declared CRS of the coordinate columns.
    id_column : str, optional
        The identifier column, named by the user: its values must be unique.
    geometry : bool, default True
        Build the point geometries. False returns a DataFrame with every other
        column and the same report (what ``siting inspect`` needs).

    Returns
    -------
    LayerRead
        Points in EPSG:5186 with ``sig_cd``, ``name_ko``, ``device_id``,
        ``install_year``, ``n_devices`` and every original column.
    """
    report = ReadReport(str(path), spec.kind, encoding=encoding, rows_read=len(frame))
    x_col, y_col = _coordinate_columns(frame, spec, layer)
    x, x_plain = to_float_plain(frame[x_col])
    y, y_plain = to_float_plain(frame[y_col])
    rows = np.arange(1, len(frame) + 1)
    if spec.national:
        mask = seoul_rows(frame, x_col, y_col, parsed=((x, x_plain), (y, y_plain)))
        report.drop(REASON_OTHER_REGION, rows[~mask].tolist())
        if not mask.any():
            raise EmptyLayerError(
                f"none of its {report.rows_read} rows is in Seoul (by 개방자치단체코드, "
                "관리기관명, address or coordinates)",
                layer=layer,
                fix="download the Seoul part of the national dataset, or check the file",
            )
        x, y, rows = x[mask], y[mask], rows[mask]
    del x_plain, y_plain
    cleaned = clean_xy(
        x, y, layer=layer, crs=crs, prefer=spec.prefer_crs, row_numbers=rows,
        chunk_rows=CHUNK_ROWS,
    )  # fmt: skip
    del x, y
    report.crs = cleaned.crs
    for reason, dropped in cleaned.dropped.items():
        report.drop(reason, dropped)
    report.swapped = cleaned.swapped
    out = tagged_frame(frame, cleaned, rows=rows, positions=rows - 1, geometry=geometry)
    del frame
    if out.empty:
        raise EmptyLayerError(
            f"no usable row: all {report.rows_read} rows were dropped ("
            + "; ".join(f"{k}: {len(v)}" for k, v in report.dropped.items())
            + ")",
            layer=layer,
            rows=sorted(r for v in report.dropped.values() for r in v),
            fix="check the coordinate columns and their CRS (--crs EPSG:NNNN)",
        )
    add_standard_columns(out, spec, report, layer, id_column=id_column)
    _district_mismatch_note(out, report)
    report.by_district = _by_district(cleaned.district)
    return LayerRead(out, report)


#: Points sent to the exact district test at a time (its geometries and spatial
#: joins are the only per-point objects made; the rest works on arrays).
CHUNK_ROWS = 250_000


def _by_district(district: np.ndarray) -> dict[str, int]:
    """Rows per district name in SIG_CD order, from district positions."""
    codes, names = district_table()
    counts = np.bincount(district, minlength=len(codes))
    order = sorted(np.flatnonzero(counts).tolist(), key=lambda i: str(codes[i]))
    return {str(names[i]): int(counts[i]) for i in order}


def _district_mismatch_note(out: pd.DataFrame, report: ReadReport) -> None:
    """Note rows whose stated district (자치구) differs from where their point falls."""
    column = find_column(out, "자치구", "x_swifi_wrdofc", "자치구명")
    if column is None or out.empty:
        return
    names = out[column].astype(str)
    codes = {v: district_code(v) if v.strip() else None for v in names.unique()}
    stated = names.map(codes)
    differ = stated.notna() & (stated != out["sig_cd"].astype(str))
    if differ.any():
        rows = out.loc[differ, "source_row"].astype(int).tolist()
        report.notes.append(
            f"{len(rows)} kept rows lie in another district than their '{column}' says "
            f"(rows {format_rows(rows, 10)}); the district of the coordinates is used"
        )


def _id_column(out: pd.DataFrame, spec: PointSpec, id_column: str | None, layer: str) -> str | None:
    if id_column is None:
        return find_column(out, *spec.id_keys) if spec.id_keys else None
    found = find_column(out, header_key(id_column))
    if found is None:
        raise InputError(
            f"no column {id_column!r}; columns are: "
            + ", ".join(c for c in map(str, out.columns) if c != "geometry"),
            layer=layer,
            fix="give --id-column the exact header of the identifier column",
        )
    return found


def add_standard_columns(
    out: pd.DataFrame,
    spec: PointSpec,
    report: ReadReport,
    layer: str,
    *,
    id_column: str | None = None,
) -> None:
    """Add ``install_year``, ``n_devices``, ``device_id`` (and the as-of date) in place.

    ``device_id`` is the dataset's identifier column. In a planner's own CSV
    (kind ``points``) an id-like column (``id``, ``site_id``…) that repeats is
    not a key (it often holds district codes): it is reported and ids are
    made from the file name and row. Only a column named as the key
    (``id_column``) must be unique.
    """
    year_col = find_column(out, *spec.year_keys) if spec.year_keys else None
    out["install_year"] = (
        parse_year(out[year_col]) if year_col else pd.Series(pd.NA, index=out.index, dtype="Int64")
    )
    if year_col:
        unknown = int(out["install_year"].isna().sum())
        if unknown:
            report.notes.append(f"{unknown} kept rows have no usable install year in '{year_col}'")
    count_col = find_column(out, *spec.count_keys) if spec.count_keys else None
    if count_col:
        counts = parse_count(out[count_col])
        missing = int(counts.isna().sum())
        if missing:
            report.notes.append(
                f"{missing} kept rows have no device count in '{count_col}'; counted as 1"
            )
        out["n_devices"] = counts.fillna(1).astype("int64")
    else:
        out["n_devices"] = np.int64(1)
    id_col = _id_column(out, spec, id_column, layer)
    if id_col and id_column is not None:
        # the planner named it as the key: identifiers must be unique
        problems = duplicate_problems(out[id_col], id_col, out["source_row"].tolist())
        if problems:
            raise ValidationError(layer, problems, fix=f"make '{id_col}' unique")
    if id_col and spec.kind == "points" and id_column is None and has_repeats(out[id_col]):
        # an id-like column that repeats (district codes, categories) is not a key
        duplicate_note(out, id_col, report, kept=False)
        id_col = None
    if id_col:
        out["device_id"] = out[id_col].astype(str)
        duplicate_note(out, id_col, report)
    else:
        stem = Path(report.path).stem
        out["device_id"] = (stem + "-") + out["source_row"].astype("int64").astype(str)
    as_of_col = find_column(out, *spec.as_of_keys) if spec.as_of_keys else None
    if as_of_col:
        report.as_of = as_of_date(out[as_of_col])
    out.attrs["device_type"] = spec.device_type
    out.attrs["as_of"] = report.as_of


def read_points_csv(
    path: Path, kind: str | None, *, layer: str, crs: str | None = None
) -> LayerRead:
    """Read a point CSV of a known ``kind`` (or recognise it from the header)."""
    frame, encoding = load_csv(path, layer)
    found = kind or detect_point_kind(list(frame.columns))
    if found is None or found not in SPECS:
        raise InputError(
            "the header matches no known dataset and has no coordinate columns; columns are: "
            + ", ".join(map(str, frame.columns)),
            layer=layer,
            fix="pass --kind (see siting inspect --help), or name the coordinate columns "
            "lon/lat or x/y",
        )
    return read_points(frame, SPECS[found], path=path, encoding=encoding, layer=layer, crs=crs)


def _openapi_rows(data: Any, layer: str) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        if "TbPublicWifiInfo" in data:
            return _openapi_rows(data["TbPublicWifiInfo"], layer)
        if "row" in data:
            return list(data["row"])
        if "RESULT" in data:
            result = data["RESULT"]
            raise InputError(
                f"the OpenAPI answer holds no rows but a result: {result}",
                layer=layer,
                fix="check the API key and the requested range, then download again",
            )
    if isinstance(data, list):
        rows: list[dict[str, Any]] = []
        for item in data:
            if isinstance(item, dict) and ("TbPublicWifiInfo" in item or "row" in item):
                rows.extend(_openapi_rows(item, layer))
            elif isinstance(item, dict):
                rows.append(item)
        return rows
    raise InputError(
        "the JSON is not a TbPublicWifiInfo answer (no 'row' list found)",
        layer=layer,
        fix="give the JSON saved from the OpenAPI, a list of such pages, or a list of rows",
    )


def _json_lines(text: str) -> list[Any] | None:
    """Pages saved one JSON document per line, or None when that fails too."""
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError:
        return None


def _openapi_frame(rows: list[dict[str, Any]], layer: str) -> pd.DataFrame:
    if not rows:
        raise EmptyLayerError("the OpenAPI dump has no rows", layer=layer)
    frame = pd.DataFrame(rows).astype("string").fillna("").astype(str)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame


def read_wifi_openapi(path: Path, *, layer: str, crs: str | None = None) -> LayerRead:
    """Read the 공공와이파이 OpenAPI dump (TbPublicWifiInfo) saved as JSON."""
    text, encoding = read_text(path, layer=layer)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        data = _json_lines(text)
        if data is not None:
            return read_points(
                _openapi_frame(_openapi_rows(data, layer), layer),
                SPECS["wifi_openapi"], path=path, encoding=encoding, layer=layer, crs=crs,
            )  # fmt: skip
        raise InputError(
            f"is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})",
            layer=layer,
            fix="download the dump again; a truncated download is the usual cause",
        ) from None
    frame = _openapi_frame(_openapi_rows(data, layer), layer)
    return read_points(
        frame, SPECS["wifi_openapi"], path=path, encoding=encoding, layer=layer, crs=crs
    )
