"""Readers of the Korean open-data files, behind one entry point, :func:`read_layer`.

=================  ==========================================================
kind               dataset (module)
=================  ==========================================================
``cctv_by_year``   서울시 자치구 (연도별) CCTV 설치현황 xlsx, 2024 and older layouts
                   (:mod:`layers.readers.cctv_by_year`)
``cctv_safety``    안심이 CCTV 연계 현황 CSV (:mod:`layers.readers.points`)
``cctv_standard``  전국 CCTV 표준데이터 CSV
``wifi``           서울시 공공와이파이 서비스 위치 정보 CSV (OA-20883)
``wifi_openapi``   공공와이파이 OpenAPI dump TbPublicWifiInfo (JSON or CSV)
``streetlight``    서울시 가로등 위치 정보 CSV
``security_light`` 전국 보안등 표준데이터 CSV
``fiscal_kosis``   KOSIS 재정자립도 CSV (:mod:`layers.readers.kosis`)
``points``         any CSV with lon/lat or x/y columns (``crs=`` for metres)
``vector``         GeoPackage, GeoJSON, Shapefile, GeoParquet (:mod:`layers.readers.vector`)
=================  ==========================================================

Every reader returns a :class:`LayerRead`: the frame in EPSG:5186 and a
:class:`ReadReport` of what was recognised and which rows were dropped, why.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from layers.encoding import check_input_file, read_text
from layers.errors import ConfigError, CRSError, InputError
from layers.readers._common import csv_columns, load_csv
from layers.readers.cctv_by_year import read_cctv_by_year
from layers.readers.kosis import is_kosis_fiscal, read_kosis_fiscal
from layers.readers.points import (
    SPECS,
    detect_point_kind,
    needed_columns,
    read_points,
    read_wifi_openapi,
)
from layers.readers.report import KIND_LABELS, LayerRead, ReadReport
from layers.readers.vector import VECTOR_SUFFIXES, read_vector

__all__ = ["KIND_LABELS", "LayerRead", "ReadReport", "detect_kind", "read_layer"]

log = logging.getLogger(__name__)


def _check_crs(crs: str | None, layer: str) -> str | None:
    if crs is None:
        return None
    try:
        parsed = CRS.from_user_input(crs)
    except ProjCRSError:
        raise CRSError(
            f"--crs {crs!r} is not a CRS pyproj knows",
            layer=layer,
            fix="write it as EPSG:NNNN, e.g. --crs EPSG:5186",
        ) from None
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_wkt()


def _json_is_openapi(path: Path, layer: str) -> bool:
    text, _ = read_text(path, layer=layer)
    head = text[:20000]
    return "TbPublicWifiInfo" in head or "X_SWIFI" in head


def detect_kind(path: str | os.PathLike[str]) -> str:
    """Recognise a file's dataset kind from its extension and header.

    Parameters
    ----------
    path : path
        The file.

    Returns
    -------
    str
        A key of :data:`KIND_LABELS`.
    """
    p = check_input_file(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "cctv_by_year"
    if suffix == ".json":
        return "wifi_openapi" if _json_is_openapi(p, p.name) else "vector"
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    columns, _ = csv_columns(p, p.name)
    return _kind_from_frame(columns, p.name)


def _kind_from_frame(columns: list[str], layer: str) -> str:
    if is_kosis_fiscal(columns):
        return "fiscal_kosis"
    kind = detect_point_kind(columns)
    if kind is None:
        raise InputError(
            "the header matches no known dataset and has no coordinate columns; columns are: "
            + ", ".join(map(str, columns)),
            layer=layer,
            fix="pass --kind K (kinds: " + ", ".join(KIND_LABELS) + "), or name the "
            "coordinate columns lon/lat or x/y",
        )
    return kind


def read_layer(
    path: str | os.PathLike[str],
    *,
    kind: str = "auto",
    crs: str | None = None,
    layer_name: str | None = None,
    id_column: str | None = None,
    repair: bool = False,
    keep_columns: bool = True,
    geometry: bool = True,
) -> LayerRead:
    """Read any supported file into EPSG:5186, with a report of what happened.

    Parameters
    ----------
    path : path
        The file as downloaded (CSV in CP949/UTF-8, xlsx, JSON, GeoPackage,
        GeoJSON, Shapefile, GeoParquet).
    kind : str, default "auto"
        Dataset kind (a key of :data:`KIND_LABELS`), recognised from the
        extension and header when ``"auto"``.
    crs : str, optional
        CRS of the coordinates (``"EPSG:5181"``); recognised by value when
        omitted. A declaration the values contradict is refused.
    layer_name : str, optional
        Name used in messages (default: the file name).
    id_column : str, optional
        The layer's identifier column, named as the key: its values must be
        unique. Without it, an id-like column (``id``/``site_id``/``device_id``/
        ``관리번호``) that repeats is reported in the notes, not refused.
    repair : bool, default False
        Repair invalid polygons with ``shapely.make_valid`` (counted in the
        report) instead of refusing them.
    keep_columns : bool, default True
        Keep every column of a point CSV. False reads only the columns the
        reader uses (coordinates, id, year, count, as-of date, district and
        Seoul-filter columns): what ``siting inspect`` does, in far less memory.
    geometry : bool, default True
        Build point geometries for a point CSV. False returns its frame as a
        DataFrame without them (every other column and the report unchanged):
        what ``siting inspect`` does, since its report needs only the
        district of each point. Other formats always carry their geometries.

    Returns
    -------
    LayerRead
        ``frame`` (EPSG:5186, with ``sig_cd``/``name_ko``) and ``report``.

    Raises
    ------
    InputError, CRSError, EncodingError, EmptyLayerError, ValidationError
        With the file, the rows and the fix.

    Examples
    --------
    >>> read = read_layer("wifi.csv")  # doctest: +SKIP
    >>> read.report.kind, read.report.encoding, read.report.swapped_rows  # doctest: +SKIP
    ('wifi', 'cp949', 3)
    """
    p = check_input_file(path, layer=layer_name)
    layer = layer_name or p.name
    read = _read(
        p, layer, kind=kind, crs=crs, id_column=id_column, repair=repair, keep=keep_columns,
        geometry=geometry,
    )  # fmt: skip
    r = read.report
    log.info(
        "%s: %s, %s, %s; %d rows read, %d kept, %d dropped, %d swapped",
        layer, r.kind, r.encoding or "binary", r.crs or "no CRS",
        r.rows_read, r.rows_kept, r.rows_dropped, r.swapped_rows,
    )  # fmt: skip
    return read


def _read(
    p: Path,
    layer: str,
    *,
    kind: str,
    crs: str | None,
    id_column: str | None,
    repair: bool,
    keep: bool = True,
    geometry: bool = True,
) -> LayerRead:
    if kind != "auto" and kind not in KIND_LABELS:
        raise ConfigError(
            f"unknown kind {kind!r}",
            layer=layer,
            fix="use one of: auto, " + ", ".join(KIND_LABELS),
        )
    declared = _check_crs(crs, layer)
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise InputError(
            "is a legacy .xls workbook",
            layer=layer,
            fix="open it in Excel and save it as .xlsx",
        )
    if kind == "cctv_by_year" or (kind == "auto" and suffix in (".xlsx", ".xlsm")):
        return read_cctv_by_year(p, layer=layer)
    if kind == "vector" or (kind == "auto" and suffix in VECTOR_SUFFIXES and suffix != ".json"):
        return read_vector(p, layer=layer, crs=declared, id_column=id_column, repair=repair)
    if suffix == ".json":
        if kind == "wifi_openapi" or (kind == "auto" and _json_is_openapi(p, layer)):
            return read_wifi_openapi(p, layer=layer, crs=declared)
        return read_vector(p, layer=layer, crs=declared, id_column=id_column, repair=repair)
    if suffix in (".xlsx", ".xlsm") or suffix in VECTOR_SUFFIXES:
        raise InputError(
            f"a {suffix} file cannot be read as kind {kind!r}",
            layer=layer,
            fix="omit --kind to let the file be recognised",
        )
    header, _ = csv_columns(p, layer)
    found = kind if kind != "auto" else _kind_from_frame(header, layer)
    if found != "fiscal_kosis" and found not in SPECS:
        raise InputError(
            f"a CSV cannot be read as kind {found!r}",
            layer=layer,
            fix="omit --kind to let the file be recognised",
        )
    wanted = None
    if not keep and found in SPECS:
        wanted = needed_columns(SPECS[found], header)
        if id_column is not None:
            wanted.extend(c for c in header if c == id_column and c not in wanted)
    frame, encoding = load_csv(p, layer, columns=wanted)
    if found == "fiscal_kosis":
        return read_kosis_fiscal(frame, path=p, encoding=encoding, layer=layer)
    table = [frame]
    del frame  # read_points holds the only reference: rows it drops are freed at once
    read = read_points(
        table.pop(), SPECS[found], path=p, encoding=encoding, layer=layer, crs=declared,
        id_column=id_column, geometry=geometry,
    )  # fmt: skip
    if wanted is not None and len(wanted) < len(header):
        read.report.notes.append(
            f"read {len(wanted)} of the file's {len(header)} columns (the ones the reader "
            "uses); the others were not loaded"
        )
    return read
