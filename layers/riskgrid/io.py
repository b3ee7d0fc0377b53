"""Risk grids on disk: our GeoTIFF, vector cells, and import of graded grids made elsewhere.

The GeoTIFF holds band 1 ``score`` and band 2 ``grade`` (1..5 = A..E) in
EPSG:5186, tiled and deflate-compressed, nodata NaN outside the study area.
GeoTIFF (libtiff) cannot mix sample types within one file, so band 2 stores the
grade codes as whole float32 numbers; :func:`read_grid` hands them back as
``uint8`` (0 outside). Tags record the config, the inputs' sha256 and whether
inputs were synthetic; band descriptions name the bands.

Imports take a graded grid from another tool: a GeoTIFF with a grade band
(codes 1..5, in any CRS, e.g. the 100 m 국가지점번호 grid in EPSG:5179) or a
polygon layer with a grade column ('A'..'E' or 1..5). Either is mapped onto
an aligned EPSG:5186 lattice by exact area overlay of every source cell
(:mod:`layers.riskgrid.overlay`: area-weighted scores, a grade rule) and
clipped to Seoul, so no source cell is lost or counted twice.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import shapely
from pyproj import CRS, Transformer

from layers.crs import WORKING_CRS, WORKING_EPSG, to_working_crs
from layers.districts import load_districts
from layers.errors import ConfigError, CRSError, EmptyLayerError, InputError
from layers.riskgrid.grid import GRADES, Lattice, RiskGrid, district_membership, lattice_for
from layers.riskgrid.overlay import GRADE_RULES, GradeRule, Overlay, overlay_cells

__all__ = ["import_grid", "read_grid", "read_vector", "write_grid"]

log = logging.getLogger(__name__)

_GRADE_LOOKUP: dict[str, int] = {}
for _i, _g in enumerate(GRADES, start=1):
    _GRADE_LOOKUP[_g] = _i
    _GRADE_LOOKUP[str(_i)] = _i
    _GRADE_LOOKUP[f"{_i}.0"] = _i


#: Description of band 1 and band 2 in the GeoTIFF.
BAND_DESCRIPTIONS = ("score", "grade (1=A safest … 5=E most vulnerable)")


def write_grid(grid: RiskGrid, path: str | os.PathLike[str], *, tags: Mapping[str, Any]) -> Path:
    """Write a risk grid as a two-band GeoTIFF in EPSG:5186.

    Parameters
    ----------
    grid : RiskGrid
        The grid.
    path : path
        Output ``.tif``.
    tags : mapping
        Dataset tags (values that are not strings are stored as JSON), e.g.
        ``config`` (TOML text), ``inputs_sha256``, ``synthetic``.

    Returns
    -------
    Path

    Examples
    --------
    >>> write_grid(grid, "grid.tif", tags={"config": toml_text})  # doctest: +SKIP
    """
    out = Path(path)
    valid = grid.valid
    bands = np.full((2, *grid.shape), np.nan, dtype=np.float32)
    bands[0][valid] = grid.score[valid]
    bands[1][valid] = grid.grade[valid]
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": grid.shape[1],
        "height": grid.shape[0],
        "count": 2,
        "dtype": "float32",
        "nodata": np.nan,
        "crs": WORKING_CRS,
        "transform": grid.transform,
        "compress": "deflate",
    }
    if grid.shape[0] >= 256 and grid.shape[1] >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    text = {
        k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in tags.items()
    }
    text.setdefault("grades", "1=A (safest) 2=B 3=C 4=D 5=E (most vulnerable); NaN = outside")
    text["cell_size_m"] = f"{grid.cell_size:g}"
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(bands)
        dst.update_tags(**text)
        for i, description in enumerate(BAND_DESCRIPTIONS, start=1):
            dst.set_band_description(i, description)
    return out


def _is_working(crs: Any) -> bool:
    return crs is not None and CRS.from_user_input(crs).equals(CRS.from_epsg(WORKING_EPSG))


def read_grid(path: str | os.PathLike[str]) -> RiskGrid:
    """Read a risk grid written by :func:`write_grid`.

    Parameters
    ----------
    path : path
        A two-band GeoTIFF (score, grade) in EPSG:5186.

    Returns
    -------
    RiskGrid
        With the file's tags in ``tags``.

    Raises
    ------
    InputError
        The file is not such a grid (use :func:`import_grid` for other grids).
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"no such file: {source}", fix="check the path")
    try:
        dataset = rasterio.open(source)
    except rasterio.errors.RasterioIOError as err:
        raise InputError(
            f"{source.name} is not a readable raster ({err})",
            layer=str(source),
            fix="check the file",
        ) from None
    with dataset as src:
        if src.count != 2 or not _is_working(src.crs):
            raise InputError(
                f"{source.name} is not a siting risk grid (expected 2 bands, score and grade, "
                f"in {WORKING_CRS}; found {src.count} band(s) in {src.crs})",
                layer=str(source),
                fix="bring a graded grid from elsewhere in with "
                "`siting grid import FILE --grade-column NAME --out DIR`",
            )
        score = src.read(1).astype(np.float32)
        grade_f = src.read(2)
        tags = dict(src.tags())
        transform = src.transform
    valid = np.isfinite(grade_f) & (grade_f >= 1) & (grade_f <= len(GRADES))
    grade = np.where(valid, grade_f, 0).astype(np.uint8)
    score = np.where(valid, score, np.nan).astype(np.float32)
    return RiskGrid(score, grade, transform, tags=tags)


def read_vector(
    path: str | os.PathLike[str],
    *,
    layer_name: str | None = None,
    crs: str | None = None,
    label: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer into EPSG:5186.

    Uses :func:`layers.read_layer` (format, encoding and coordinate recognition,
    validation) when the installed package has it; a named sub-layer of a
    multi-layer file (``layer_name``) is read with ``geopandas.read_file`` and
    :func:`layers.crs.to_working_crs`.

    Parameters
    ----------
    path : path
        The file.
    layer_name : str, optional
        Layer inside a GeoPackage (default: its only or first layer).
    crs : str, optional
        CRS of files that do not declare one (``"EPSG:5179"``).
    label : str, optional
        Name used in messages (default: the file name).
    """
    import layers

    source = Path(path)
    name = label or source.name
    if not source.exists():
        raise InputError(f"no such file: {source}", layer=name, fix="check the path")
    reader = getattr(layers, "read_layer", None)
    if reader is not None and layer_name is None:
        frame = reader(source, crs=crs, layer_name=name).frame
    else:
        frame = gpd.read_file(source, layer=layer_name, engine="pyogrio")
        if crs is not None and frame.crs is None:
            frame = frame.set_crs(crs)
        frame = to_working_crs(frame, name)
    return gpd.GeoDataFrame(frame)


#: Column names taken as the grade column when none is given.
_GRADE_COLUMN_NAMES = ("grade", "등급", "취약등급", "grade_letter")


def _grade_codes(values: pd.Series, column: str, label: str) -> np.ndarray:
    text = values.astype(str).str.strip().str.upper()
    codes = text.map(_GRADE_LOOKUP)
    bad = codes.isna() & values.notna()
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
        shown = sorted(set(values[bad].astype(str)))[:5]
        raise InputError(
            f"column {column!r} holds values that are not grades A..E or 1..5: {shown}",
            layer=label,
            rows=rows,
            fix="recode the column to A, B, C, D, E (A safest) or 1..5",
        )
    return codes.fillna(0).to_numpy(np.uint8)


def _infer_cell_size(frame: gpd.GeoDataFrame) -> float:
    side = float(np.median(np.sqrt(frame.geometry.area.to_numpy())))
    return float(min(1000.0, max(10.0, round(side / 10.0) * 10.0)))


def _seoul_lattice(cell_size: float) -> Lattice:
    """The lattice a built grid of all Seoul has: imports land on the same cells and shape."""
    return lattice_for(load_districts().total_bounds, cell_size)


def _clip_to_seoul(score: np.ndarray, grade: np.ndarray, transform: Any) -> RiskGrid:
    member = district_membership(transform, grade.shape)
    outside = member < 0
    grade = np.where(outside, 0, grade).astype(np.uint8)
    score = np.where(grade > 0, score, np.nan).astype(np.float32)
    return RiskGrid(score, grade, transform)


def _import_polygons(
    path: Path,
    grade_column: str | None,
    score_column: str | None,
    cell_size: float | None,
    layer_name: str | None,
    rule: GradeRule,
) -> RiskGrid:
    frame = read_vector(path, layer_name=layer_name)
    if len(frame) == 0:
        raise EmptyLayerError("has no rows", layer=path.name, fix="check the file")
    if not grade_column:
        found = [c for c in frame.columns if str(c).strip().lower() in _GRADE_COLUMN_NAMES]
        if len(found) != 1:
            raise ConfigError(
                "a vector grid needs the name of its grade column; the layer has: "
                + ", ".join(str(c) for c in frame.columns if c != frame.geometry.name),
                layer=path.name,
                fix="pass --grade-column NAME",
            )
        grade_column = str(found[0])
    missing = [c for c in (grade_column, score_column) if c and c not in frame.columns]
    if missing:
        raise ConfigError(
            f"column(s) {', '.join(map(repr, missing))} not found; the layer has: "
            + ", ".join(str(c) for c in frame.columns if c != frame.geometry.name),
            layer=path.name,
            fix="pass --grade-column with one of the listed columns",
        )
    codes = _grade_codes(frame[grade_column], grade_column, path.name)
    size = cell_size or _infer_cell_size(frame)
    lattice = _seoul_lattice(size)
    if score_column:
        values = pd.to_numeric(frame[score_column], errors="coerce").to_numpy(np.float64)
    else:
        values = codes.astype(np.float64)
    polygons = np.asarray(frame.geometry.values, dtype=object)
    result = overlay_cells(polygons, codes, values, lattice, rule=rule)
    return _finish(result, lattice)


def _finish(result: Overlay, lattice: Lattice) -> RiskGrid:
    grid = _clip_to_seoul(result.score, result.grade, lattice.transform)
    grid.tags.update(
        {
            "source_area_km2": f"{result.source_area_m2 / 1e6:.6f}",
            "mapped_area_km2": f"{result.mapped_area_m2 / 1e6:.6f}",
        }
    )
    return grid


def _import_raster(
    path: Path, band: int | None, cell_size: float | None, rule: GradeRule
) -> RiskGrid:
    with rasterio.open(path) as src:
        if src.crs is None:
            raise CRSError(
                f"raster {path.name} has no CRS",
                layer=path.name,
                fix="declare it, e.g. gdal_edit.py -a_srs EPSG:5179 FILE",
            )
        grade_band = band or (2 if src.count == 2 else 1)
        if not 1 <= grade_band <= src.count:
            raise ConfigError(
                f"band {grade_band} does not exist ({src.count} band(s))",
                layer=path.name,
                fix="pass --band with the band that holds grades 1..5",
            )
        values = src.read(grade_band, masked=True).filled(0)
        score_src = src.read(1, masked=True).filled(np.nan) if src.count == 2 else None
        src_transform, src_crs = src.transform, src.crs
        res = abs(src.res[0])
    finite = np.isfinite(values)
    whole = finite & (np.round(values) == values) & (values >= 0) & (values <= len(GRADES))
    if not whole.all():
        shown = sorted({float(v) for v in values[~whole][:1000]})[:5]
        raise InputError(
            f"band {grade_band} holds values that are not grade codes 0..5: {shown}",
            layer=path.name,
            fix="pass --band with the band that holds grades (1=A … 5=E, 0 or nodata outside)",
        )
    codes = values.astype(np.uint8)
    size = cell_size or float(min(1000.0, max(10.0, round(res / 10.0) * 10.0)))
    lattice = _seoul_lattice(size)
    rows, cols = np.nonzero(codes)
    # corners of each graded source cell, in the source CRS, then in EPSG:5186
    corner_rc = np.array([(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)], dtype=np.float64)
    r = rows[:, None] + corner_rc[None, :, 0]
    c = cols[:, None] + corner_rc[None, :, 1]
    t = src_transform
    sx = t.a * c + t.b * r + t.c
    sy = t.d * c + t.e * r + t.f
    if not _is_working(src_crs):
        to_working = Transformer.from_crs(src_crs, WORKING_CRS, always_xy=True)
        tx, ty = to_working.transform(sx.ravel(), sy.ravel())
        sx, sy = np.asarray(tx).reshape(sx.shape), np.asarray(ty).reshape(sy.shape)
    polygons = shapely.polygons(np.stack([sx, sy], axis=-1))
    grades = codes[rows, cols]
    scores = (
        score_src[rows, cols].astype(np.float64)
        if score_src is not None
        else grades.astype(np.float64)
    )
    result = overlay_cells(polygons, grades, scores, lattice, rule=rule)
    return _finish(result, lattice)


def import_grid(
    path: str | os.PathLike[str],
    *,
    grade_column: str | None = None,
    score_column: str | None = None,
    band: int | None = None,
    cell_size: float | None = None,
    layer_name: str | None = None,
    grade_rule: str = "balanced",
) -> RiskGrid:
    """Import a graded grid made elsewhere onto an aligned EPSG:5186 lattice.

    Parameters
    ----------
    path : path
        A GeoTIFF whose band holds grade codes 1..5 (0 or nodata outside), in
        any CRS; or a vector file of cells with a grade column.
    grade_column : str, optional
        Vector input: the column with grades 'A'..'E' (A safest) or 1..5;
        default a column named ``grade`` or ``등급``.
    score_column : str, optional
        Vector input: a numeric score column (default: the grade code).
    band : int, optional
        Raster input: the grade band (default 2 for a two-band grid, else 1).
    cell_size : float, optional
        Cell size of the new grid (m); default the source's, rounded to 10 m.
    layer_name : str, optional
        Layer of a multi-layer vector file.
    grade_rule : {"balanced", "majority", "worst"}, default "balanced"
        How a target cell overlapped by several source grades is graded
        (:mod:`layers.riskgrid.overlay`): ``balanced`` keeps each district's
        cells per grade equal to the area overlay; ``majority`` takes the
        largest overlapped grade; ``worst`` the most vulnerable one.

    Returns
    -------
    RiskGrid
        Every source cell's area is mapped onto the target cells it overlaps
        (exact polygon intersection), scores area-weighted; cells whose
        centroid is outside Seoul's districts are dropped. ``tags`` record the
        grade rule and the source and mapped areas (km²), which agree: no
        source cell is lost or counted twice, e.g. on the 100 m 국가지점번호
        grid (EPSG:5179), rotated about 0.3° against EPSG:5186.

    Examples
    --------
    >>> grid = import_grid("cells_5179.gpkg", grade_column="grade")  # doctest: +SKIP
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"no such file: {source}", fix="check the path")
    if grade_rule not in GRADE_RULES:
        raise ConfigError(
            f"unknown grade rule {grade_rule!r}",
            layer=source.name,
            fix=f"use one of: {', '.join(GRADE_RULES)}",
        )
    rule: GradeRule = grade_rule  # type: ignore[assignment]
    if source.suffix.lower() in (".tif", ".tiff", ".img", ".vrt", ".asc"):
        grid = _import_raster(source, band, cell_size, rule)
    else:
        grid = _import_polygons(source, grade_column, score_column, cell_size, layer_name, rule)
    if not grid.valid.any():
        raise InputError(
            "no graded cell lies inside Seoul",
            layer=source.name,
            fix="check the file's CRS and its grade values",
        )
    grid.tags.update({"imported_from": source.name, "grade_rule": grade_rule})
    return grid
