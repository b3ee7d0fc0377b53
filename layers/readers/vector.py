"""Generic vector layers: GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet.

Read with pyogrio (GeoParquet with geopandas). Two Korean specialities:

- **Shapefiles in CP949 without a .cpg**: GDAL would read the attributes as
  Latin-1 and garble the Hangul. The .dbf bytes are sniffed
  (:func:`layers.encoding.sniff_encoding`) and the right encoding is passed to
  GDAL.
- **Bessel-TM .prj files** (old Korean 1985 / Tokyo-datum layers, EPSG:5174 or
  EPSG:2097-like, often written without a datum shift, ``TOWGS84``): read as
  such, PROJ has no shift to apply and every feature lands about 300–400 m
  (≈360 m in Seoul) off. When a .prj's projection parameters match one of
  the Korean 1985 belts on the Bessel ellipsoid, the CRS is replaced by its
  EPSG definition, whose transformation to EPSG:5186 includes the Korean
  1985 → KGD2002 datum shift, and the report says so.

Points go through :func:`layers.coords.clean_points` (bad and swapped rows,
outside Seoul); polygons and lines through :func:`layers.validate.validate_layer`
(invalid geometries with ``is_valid_reason``, duplicate IDs), then each
feature's representative point gives its district.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from layers.coords import REASON_OUTSIDE, assign_districts, clean_points, crs_label, detect_crs
from layers.crs import WORKING_CRS
from layers.encoding import sniff_encoding
from layers.errors import CRSError, EmptyLayerError, EncodingError, InputError
from layers.readers._common import by_district, duplicate_note, find_column
from layers.readers.report import LayerRead, ReadReport
from layers.validate import validate_layer

__all__ = ["VECTOR_SUFFIXES", "bessel_crs", "dbf_encoding", "read_vector"]

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".parquet", ".geoparquet", ".fgb", ".gdb"}
REASON_EMPTY_GEOMETRY = "empty or missing geometry"
_ID_KEYS = ("id", "site_id", "device_id", "cell_id", "관리번호")

#: Korean 1985 (Bessel 1841) transverse-Mercator belts, by EPSG code.
_BESSEL_BELTS = (5174, 5173, 5175, 5176, 5177, 2097, 2096, 2098)


def _dbf_field_names(descriptors: bytes) -> list[bytes]:
    """The field names of a .dbf's field descriptors (32 bytes each, ended by 0x0D).

    Only the 11-byte name of each descriptor is text; its type, width and
    reserved bytes are binary (a C(200) field's width is byte 0xC8) and would
    make any encoding sniff fail.
    """
    names: list[bytes] = []
    for start in range(0, len(descriptors) - 31, 32):
        if descriptors[start] == 0x0D:
            break
        names.append(descriptors[start : start + 11].split(b"\x00", 1)[0])
    return names


def dbf_encoding(shp: Path) -> str | None:
    """Encoding of a shapefile's attributes when it has no ``.cpg``; None to leave GDAL's choice."""
    if shp.with_suffix(".cpg").exists() or shp.with_suffix(".CPG").exists():
        return None
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    if len(data) < 32:
        return None
    (header_len,) = struct.unpack("<H", data[8:10])
    payload = b" ".join(_dbf_field_names(data[32:header_len])) + b"\n"
    payload += data[header_len:].replace(b"\x00", b" ")
    try:
        encoding = sniff_encoding(payload.rstrip(b"\x1a"), layer=shp.name)
    except EncodingError:
        return None
    except InputError:
        return None
    return "cp949" if encoding == "cp949" else ("utf-8" if not payload.isascii() else None)


def _tm_params(crs: CRS) -> dict[str, float]:
    op = crs.coordinate_operation
    if op is None:
        return {}
    return {p.name.lower(): float(p.value) for p in op.params}


def bessel_crs(crs: CRS) -> tuple[CRS, str | None]:
    """Replace a Bessel-TM CRS lacking a datum shift by its EPSG Korean 1985 definition.

    Parameters
    ----------
    crs : pyproj.CRS
        As read from a .prj.

    Returns
    -------
    (CRS, str or None)
        The CRS to use and a note when it was replaced.

    Raises
    ------
    CRSError
        A projected CRS on the Bessel ellipsoid that matches no Korean belt:
        it would be off by hundreds of metres.
    """
    epsg = crs.to_epsg()
    if epsg in _BESSEL_BELTS or not crs.is_projected:
        return crs, None
    ellipsoid = crs.ellipsoid
    if ellipsoid is None or "bessel" not in ellipsoid.name.lower():
        return crs, None
    params = _tm_params(crs)
    for code in _BESSEL_BELTS:
        ref = _tm_params(CRS.from_epsg(code))
        if ref and all(
            k in params and abs(params[k] - v) < 1e-6 * max(1.0, abs(v)) for k, v in ref.items()
        ):
            note = (
                f"the .prj describes a Bessel transverse Mercator ('{crs.name}') without a "
                f"datum shift; read as EPSG:{code} (Korean 1985), whose transformation to "
                "EPSG:5186 applies the Korean 1985 -> KGD2002 shift (without it features "
                "land ~360 m off)"
            )
            return CRS.from_epsg(code), note
    raise CRSError(
        f"the CRS '{crs.name}' is a transverse Mercator on the Bessel ellipsoid that matches "
        "no Korean 1985 belt; read without a datum shift it would be off by ~360 m",
        fix="pass --crs with the layer's EPSG code (EPSG:5174 for most old Seoul layers)",
    )


def _read_file(path: Path, layer: str) -> tuple[gpd.GeoDataFrame, str | None, list[str]]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    notes: list[str] = []
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(path), None, notes
        except (ValueError, OSError, TypeError) as err:
            raise InputError(
                f"cannot be read as GeoParquet ({err})",
                layer=layer,
                fix="write it with geopandas.to_parquet (it needs the 'geo' metadata), or "
                "export a CSV with lon/lat columns",
            ) from None
    encoding: str | None = None
    if suffix == ".shp":
        missing = [s for s in (".dbf", ".shx") if not path.with_suffix(s).exists()
                   and not path.with_suffix(s.upper()).exists()]  # fmt: skip
        if missing:
            raise InputError(
                f"the shapefile is incomplete: {', '.join(missing)} missing next to it",
                layer=layer,
                fix="copy all parts of the shapefile (.shp, .shx, .dbf, .prj, .cpg) together",
            )
        encoding = dbf_encoding(path)
        if encoding == "cp949":
            notes.append("shapefile attributes recognised as CP949 (no .cpg file)")
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) > 1:
            notes.append(
                f"{len(layers)} layers in the file; read the first, '{layers[0][0]}' "
                f"(others: {', '.join(str(n) for n, _ in layers[1:6])})"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(path, encoding=encoding)
    except (DataSourceError, DataLayerError, FieldError, GeometryError, OSError) as err:
        raise InputError(
            f"cannot be read as a vector layer ({str(err).strip()})",
            layer=layer,
            fix="check that it opens in QGIS; re-export it as GeoPackage",
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            "has no geometry column",
            layer=layer,
            fix="give a layer with geometries, or a CSV with lon/lat columns",
        )
    return frame, encoding, notes


def read_vector(
    path: Path,
    *,
    layer: str,
    crs: str | None = None,
    id_column: str | None = None,
    repair: bool = False,
) -> LayerRead:
    """Read a vector file into EPSG:5186, validated, with district tags.

    Parameters
    ----------
    path : Path
        The file.
    layer : str
        Name for messages.
    crs : str, optional
        CRS to use when the file declares none (or to override it).
    id_column : str, optional
        Identifier column named as the key: its values must be unique. Without
        it, an id-like column (``id``, ``site_id``, ``device_id``, ``cell_id``,
        ``관리번호``) that repeats is listed in the report's notes.
    repair : bool, default False
        Repair invalid geometries with ``make_valid`` (counted) instead of refusing.

    Returns
    -------
    LayerRead
        The layer in EPSG:5186 with ``sig_cd`` and ``name_ko``.
    """
    frame, encoding, notes = _read_file(path, layer)
    report = ReadReport(str(path), "vector", encoding=encoding, rows_read=len(frame), notes=notes)
    if frame.empty:
        raise EmptyLayerError("the layer has no features", layer=layer, fix="check the file")
    source: CRS | None = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    if crs is not None:
        if source is not None and not source.equals(CRS.from_user_input(crs)):
            report.notes.append(f"the file declares {crs_label(source)}; --crs {crs} used instead")
        source = CRS.from_user_input(crs)
    if source is not None:
        try:
            source, note = bessel_crs(source)
        except CRSError as err:
            err.layer = layer
            raise CRSError(err.message, layer=layer, fix=err.fix) from None
        if note:
            report.notes.append(note)
    geometry_name = frame.geometry.name
    frame = frame.rename_geometry("geometry") if geometry_name != "geometry" else frame
    rows = np.arange(1, len(frame) + 1)
    frame = frame.reset_index(drop=True)
    frame["_row"] = rows
    id_col = id_column or find_column(frame, *_ID_KEYS)
    if id_column is not None and id_column not in frame.columns:
        raise InputError(
            f"no column {id_column!r}; columns are: {', '.join(map(str, frame.columns[:-1]))}",
            layer=layer,
        )
    geoms = frame.geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    types = set(geoms[present].geom_type)
    declared: str | CRS | None = source
    if types <= {"Point"}:
        from layers.validate import duplicate_problems

        dup = (
            duplicate_problems(frame[id_col], id_col, rows.tolist()) if id_col and id_column else []
        )
        if dup:
            from layers.errors import ValidationError

            raise ValidationError(layer, dup, fix=f"make '{id_col}' unique")
        xy = frame.drop(columns="geometry").copy()
        xy["_x"] = np.where(present, geoms.x.where(present), np.nan) if present.any() else np.nan
        xy["_y"] = np.where(present, geoms.y.where(present), np.nan) if present.any() else np.nan
        cleaned = clean_points(xy, "_x", "_y", layer=layer, crs=declared, row_numbers=rows)
        out = cleaned.frame.drop(columns=["_x", "_y"], errors="ignore")
        report.crs = cleaned.crs
        for reason, dropped in cleaned.dropped.items():
            report.drop(reason, dropped)
        report.swapped = cleaned.swapped
    else:
        report.drop(REASON_EMPTY_GEOMETRY, rows[~present].tolist())
        frame = frame[present]
        reps = frame.geometry.representative_point()
        if declared is None:
            declared = detect_crs(reps.x.to_numpy(), reps.y.to_numpy(), layer=layer)
        else:
            detect_crs(reps.x.to_numpy(), reps.y.to_numpy(), declared=declared, layer=layer)
        report.crs = crs_label(declared)
        frame = frame.set_crs(declared, allow_override=True)
        frame, repaired = validate_layer(
            frame, layer=layer, rows=frame["_row"].tolist(), id_column=id_column, repair=repair
        )
        report.repaired = repaired
        frame = frame.to_crs(WORKING_CRS)
        bounds = frame.geometry.bounds.to_numpy()
        infinite = ~np.isfinite(bounds).all(axis=1)
        report.drop("reprojection failed (infinite result)", frame["_row"][infinite].tolist())
        frame = frame[~infinite]
        points = gpd.GeoDataFrame(
            {"_row": frame["_row"].to_numpy()},
            geometry=frame.geometry.representative_point().to_numpy(),
            crs=WORKING_CRS,
        )
        tagged, outside = assign_districts(points)
        report.drop(REASON_OUTSIDE, outside)
        frame = frame.drop(columns=[c for c in ("sig_cd", "name_ko") if c in frame.columns])
        frame = frame.merge(tagged[["_row", "sig_cd", "name_ko"]], on="_row", how="inner")
        frame = frame.rename(columns={"_row": "source_row"})
        out = gpd.GeoDataFrame(frame, geometry="geometry", crs=WORKING_CRS)
    if out.empty:
        raise EmptyLayerError(
            "no usable feature: " + "; ".join(f"{k}: {len(v)}" for k, v in report.dropped.items()),
            layer=layer,
            rows=sorted(r for v in report.dropped.values() for r in v),
            fix="check the layer's CRS (--crs EPSG:NNNN) and extent",
        )
    if id_col and id_column is None:
        # an id-like column found by name that repeats is reported, not refused
        duplicate_note(out, id_col, report, kept=True)
    report.by_district = by_district(out)
    out = gpd.GeoDataFrame(pd.DataFrame(out), geometry="geometry", crs=WORKING_CRS)
    return LayerRead(out, report)
