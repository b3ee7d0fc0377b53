"""Indicator layers turned into one value per grid cell, then transformed and normalised.

Three kinds of layer feed a grid:

- **points** (incidents, businesses, …): the number of points per cell
  (``measure = "count"``, optionally summing a weight column), or a Gaussian
  kernel density in points per km² (``measure = "density"``, standard deviation
  ``bandwidth_m`` in m) computed by convolution of the per-cell counts;
- **polygons** with a numeric attribute (district or dong statistics):
  area-weighted onto cells by rasterising at 4 × 4 sub-cells per cell. A
  ``"count"`` attribute (people, households) is spread over its polygon's area
  (value per km²); a ``"rate"`` attribute (a share, a density) is averaged;
- **rasters** in EPSG:5186: resampled onto the grid with rasterio.

Each raw surface then gets its missing cells filled as configured (and
counted), an optional ``log1p``, a normalisation over the study cells
(``minmax`` → 0..1, ``rank`` → 0..1, ``zscore``) and its direction (a layer
that *lowers* risk is flipped).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import rasterio.warp
import shapely
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from scipy import ndimage, stats

from layers.crs import WORKING_CRS, WORKING_EPSG, require_working_crs
from layers.errors import ConfigError, CRSError, EmptyLayerError, InputError
from layers.riskgrid.grid import Lattice

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "MISSING_POLICIES",
    "NORMALISATIONS",
    "TRANSFORMS",
    "Indicator",
    "normalise",
    "raw_surface",
]

log = logging.getLogger(__name__)

KINDS = ("points", "polygons", "raster")
POINT_MEASURES = ("count", "density")
POLYGON_ATTRIBUTES = ("count", "rate")
RESAMPLINGS = ("average", "bilinear", "nearest", "cubic", "max", "min")
DIRECTIONS = ("raises", "lowers")
TRANSFORMS = ("none", "log1p")
NORMALISATIONS = ("minmax", "rank", "zscore")
MISSING_POLICIES = ("median", "zero", "min", "max", "error")

#: Sub-cells per cell edge used to area-weight polygons (4 → 1/16 of a cell).
SUPERSAMPLE = 4
#: Widest kernel (standard deviation, in cells) convolved at full resolution.
_MAX_SIGMA_CELLS = 8.0
#: Sub-cells rasterised at once when area-weighting polygons (bounds memory).
_STRIP_SUBCELLS = 8_000_000


@dataclass
class Indicator:
    """One indicator layer of a risk grid.

    Parameters
    ----------
    name : str
        Short name used in reports (``"crime"``).
    kind : {"points", "polygons", "raster"}
        Layer kind.
    data : GeoDataFrame or path
        The layer in EPSG:5186 (points, polygons) or a raster file path.
    column : str, optional
        Polygons: the numeric attribute (required). Points: optional weight
        column summed instead of counting.
    measure : {"count", "density"}, default "count"
        Points: count per cell, or Gaussian kernel density (points per km²).
    bandwidth_m : float, optional
        Points with ``measure="density"``: kernel standard deviation (m).
    attribute : {"count", "rate"}, default "rate"
        Polygons: ``count`` is spread over its polygon's area (per km²);
        ``rate`` is an area-weighted mean.
    band : int, default 1
        Raster band.
    resampling : str, default "average"
        Raster resampling (rasterio ``Resampling`` name).
    direction : {"raises", "lowers"}, default "raises"
        Whether higher values mean more or less risk.
    transform : {"none", "log1p"}, default "none"
        Applied before normalising.
    normalise : {"minmax", "rank", "zscore"}, default "minmax"
        Over the study cells.
    weight : float, default 1.0
        Weight in the composite score (≥ 0).
    missing : {"median", "zero", "min", "max", "error"}, default "median"
        How study cells without a value are filled (always reported).
    source : str
        Where the layer came from, for reports.
    """

    name: str
    kind: Literal["points", "polygons", "raster"]
    data: gpd.GeoDataFrame | Path
    column: str | None = None
    measure: Literal["count", "density"] = "count"
    bandwidth_m: float | None = None
    attribute: Literal["count", "rate"] = "rate"
    band: int = 1
    resampling: str = "average"
    direction: Literal["raises", "lowers"] = "raises"
    transform: Literal["none", "log1p"] = "none"
    normalise: Literal["minmax", "rank", "zscore"] = "minmax"
    weight: float = 1.0
    missing: Literal["median", "zero", "min", "max", "error"] = "median"
    source: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _outside(ind: Indicator, what: str) -> ConfigError:
    return ConfigError(
        f"{what} lies entirely outside the study area",
        layer=ind.name,
        fix="check the file's CRS (a wrong declaration shifts it by ~100 km) and the "
        "[grid] districts",
    )


def _points_surface(ind: Indicator, lattice: Lattice, study: np.ndarray) -> np.ndarray:
    frame = ind.data
    assert isinstance(frame, gpd.GeoDataFrame)
    geoms = frame.geometry.values
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    not_point = ~bad & (kinds != shapely.GeometryType.POINT)
    if not_point.any():
        rows = (np.flatnonzero(not_point) + 1).tolist()
        raise InputError(
            "is declared kind = 'points' but holds other geometries",
            layer=ind.name,
            rows=rows,
            fix="use kind = 'polygons' for areas, or convert to points first",
        )
    keep = ~bad
    x = shapely.get_x(geoms[keep])
    y = shapely.get_y(geoms[keep])
    finite = np.isfinite(x) & np.isfinite(y)
    if ind.column is not None:
        weights = pd.to_numeric(frame[ind.column], errors="coerce").to_numpy(np.float64)[keep]
        finite &= np.isfinite(weights)
    else:
        weights = None
    ind.info["rows"] = len(frame)
    ind.info["rows_without_geometry_or_value"] = int(len(frame) - finite.sum())
    x, y = x[finite], y[finite]
    if weights is not None:
        weights = weights[finite]

    core = _bin(lattice, x, y, weights)
    in_study = int(np.count_nonzero(core[study])) if weights is not None else int(core[study].sum())
    ind.info["points_in_study_area"] = in_study
    if in_study == 0:
        raise _outside(ind, f"every one of its {len(frame):,} points")
    if ind.measure != "density":
        ind.info["unit"] = f"sum of {ind.column} per cell" if ind.column else "points per cell"
        return core
    assert ind.bandwidth_m is not None
    sigma = float(ind.bandwidth_m) / lattice.cell_size
    # smooth on k × k blocks when the kernel is wide, so it stays ≤ ~65 cells across
    k = max(1, math.ceil(sigma / _MAX_SIGMA_CELLS))
    sk = sigma / k
    pad = math.ceil(4 * sk)  # points up to 4 σ outside the grid still count
    size = lattice.cell_size * k
    coarse = Lattice(
        size,
        lattice.xmin - pad * size,
        lattice.ymax + pad * size,
        math.ceil(lattice.width / k) + 2 * pad,
        math.ceil(lattice.height / k) + 2 * pad,
    )
    density = _bin(coarse, x, y, weights) / (size / 1000.0) ** 2
    smooth = ndimage.gaussian_filter(density, sigma=sk, mode="constant", truncate=4.0)
    ind.info["unit"] = "points per km² (Gaussian kernel)"
    if k == 1:
        return np.ascontiguousarray(smooth[pad : pad + lattice.height, pad : pad + lattice.width])
    ind.info["kernel_smoothed_on_m"] = size
    at_rows = pad + (np.arange(lattice.height) + 0.5) / k - 0.5  # fine centres, coarse index
    at_cols = pad + (np.arange(lattice.width) + 0.5) / k - 0.5
    grid_rows, grid_cols = np.meshgrid(at_rows, at_cols, indexing="ij")
    return np.asarray(
        ndimage.map_coordinates(smooth, [grid_rows, grid_cols], order=1, mode="nearest")
    )


def _bin(lattice: Lattice, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Points (or their weights) summed per cell; points off the lattice are ignored."""
    flat = lattice.cell_index(x, y)
    inside = flat >= 0
    flat = flat[inside]
    w = None
    if weights is not None:
        w = weights[inside]
        order = np.lexsort((w, flat))  # fixed summation order: row order never matters
        flat, w = flat[order], w[order]
    counts = np.bincount(flat, weights=w, minlength=lattice.width * lattice.height)
    return counts.reshape(lattice.height, lattice.width).astype(np.float64)


def _polygon_surface(ind: Indicator, lattice: Lattice, study: np.ndarray) -> np.ndarray:
    frame = ind.data
    assert isinstance(frame, gpd.GeoDataFrame) and ind.column is not None
    values = pd.to_numeric(frame[ind.column], errors="coerce").to_numpy(np.float64)
    geoms = frame.geometry.values
    polygonal = np.isin(
        shapely.get_type_id(geoms),
        [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON],
    )
    bad_type = ~polygonal & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if bad_type.any():
        raise InputError(
            "is declared kind = 'polygons' but holds other geometries",
            layer=ind.name,
            rows=(np.flatnonzero(bad_type) + 1).tolist(),
            fix="use kind = 'points' for point layers",
        )
    nan_rows = np.flatnonzero(polygonal & ~np.isfinite(values))
    ind.info["rows"] = len(frame)
    ind.info["rows_without_value"] = (nan_rows + 1).tolist()
    use = polygonal & np.isfinite(values)
    geoms, values = geoms[use], values[use]
    if ind.attribute == "count":
        area_km2 = shapely.area(geoms) / 1e6
        values = np.divide(values, area_km2, out=np.zeros_like(values), where=area_km2 > 0)
        ind.info["unit"] = f"{ind.column} per km² (area-weighted)"
    else:
        ind.info["unit"] = f"{ind.column} (area-weighted mean)"
    # burn order fixed by content, so that row order never changes a cell
    centroids = shapely.centroid(geoms)
    order = np.lexsort((shapely.get_y(centroids), shapely.get_x(centroids), values))
    geoms, values = geoms[order], values[order]
    tree = shapely.STRtree(geoms)
    value_ext = np.append(values, 0.0)  # index -1 (no polygon) reads 0
    out = np.full(lattice.shape, np.nan)
    f = SUPERSAMPLE
    strip = max(1, _STRIP_SUBCELLS // (lattice.width * f * f))
    size = lattice.cell_size
    for r0 in range(0, lattice.height, strip):
        r1 = min(lattice.height, r0 + strip)
        if not study[r0:r1].any():
            continue
        top = lattice.ymax - r0 * size
        box = shapely.box(
            lattice.xmin, top - (r1 - r0) * size, lattice.xmin + lattice.width * size, top
        )
        hits = tree.query(box, predicate="intersects")
        if len(hits) == 0:
            continue
        ids = rasterio.features.rasterize(
            zip(geoms[hits], hits.astype(np.int32), strict=True),
            out_shape=((r1 - r0) * f, lattice.width * f),
            transform=Affine(size / f, 0.0, lattice.xmin, 0.0, -size / f, top),
            fill=-1,
            dtype="int32",
        )
        shape4 = (r1 - r0, f, lattice.width, f)
        sums = value_ext[ids].reshape(shape4).sum(axis=(1, 3))
        covered = (ids >= 0).reshape(shape4).sum(axis=(1, 3))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[r0:r1] = np.where(covered > 0, sums / covered, np.nan)
    if not np.isfinite(out[study]).any():
        raise _outside(ind, f"every one of its {len(frame):,} polygons")
    return out


def _raster_surface(ind: Indicator, lattice: Lattice, study: np.ndarray) -> np.ndarray:
    path = Path(ind.data)
    with rasterio.open(path) as src:
        if src.crs is None or not CRS.from_user_input(src.crs).equals(CRS.from_epsg(WORKING_EPSG)):
            label = "no CRS" if src.crs is None else src.crs.to_string()
            raise CRSError(
                f"raster {path.name} is in {label}; expected {WORKING_CRS}",
                layer=ind.name,
                fix=f"reproject it first, e.g. gdalwarp -t_srs {WORKING_CRS} -r average "
                f"{path.name} {path.stem}_5186.tif",
            )
        if not 1 <= ind.band <= src.count:
            raise ConfigError(
                f"band {ind.band} does not exist ({src.count} band(s))",
                layer=ind.name,
                fix="set band to a number from 1 to the raster's band count",
            )
        ind.info["rows"] = int(src.width * src.height)
        ind.info["unit"] = f"band {ind.band} ({ind.resampling} resampling)"
        out = np.full(lattice.shape, np.nan, dtype=np.float32)
        rasterio.warp.reproject(
            source=rasterio.band(src, ind.band),
            destination=out,
            src_nodata=src.nodatavals[ind.band - 1],
            dst_transform=lattice.transform,
            dst_crs=WORKING_CRS,
            dst_nodata=np.nan,
            resampling=Resampling[ind.resampling],
        )
    result = out.astype(np.float64)
    if not np.isfinite(result[study]).any():
        raise _outside(ind, f"raster {path.name}")
    return result


def raw_surface(ind: Indicator, lattice: Lattice, study: np.ndarray) -> np.ndarray:
    """The indicator's raw value per cell (float64, NaN where it has none).

    Parameters
    ----------
    ind : Indicator
        The indicator; facts about the layer are recorded in ``ind.info``.
    lattice : Lattice
        The grid.
    study : numpy.ndarray
        Boolean mask of study cells.

    Raises
    ------
    ConfigError
        The layer lies entirely outside the study area, or a band is missing.
    CRSError
        A raster is not in EPSG:5186.
    """
    if ind.kind in ("points", "polygons"):
        if not isinstance(ind.data, gpd.GeoDataFrame):
            raise ConfigError(f"a {ind.kind} layer needs a GeoDataFrame", layer=ind.name)
        require_working_crs(ind.data, ind.name)
        if len(ind.data) == 0:
            raise EmptyLayerError("has no rows", layer=ind.name, fix="check the file")
    if ind.kind == "points":
        return _points_surface(ind, lattice, study)
    if ind.kind == "polygons":
        return _polygon_surface(ind, lattice, study)
    return _raster_surface(ind, lattice, study)


def fill_missing(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """Fill NaN among the study cells' values as ``ind.missing`` says; record the count."""
    missing = ~np.isfinite(values)
    n_missing = int(missing.sum())
    ind.info["cells_missing"] = n_missing
    ind.info["missing_policy"] = ind.missing
    if n_missing == 0:
        return values
    present = values[~missing]
    if ind.missing == "error":
        raise InputError(
            f"{n_missing:,} study cells have no value",
            layer=ind.name,
            fix="extend the layer over the study area, or set missing = 'median', "
            "'zero', 'min' or 'max'",
        )
    fill = {
        "median": lambda: float(np.median(present)),
        "zero": lambda: 0.0,
        "min": lambda: float(present.min()),
        "max": lambda: float(present.max()),
    }[ind.missing]()
    ind.info["missing_filled_with"] = fill
    log.info(
        "indicator %s: %d study cells without a value filled with %g", ind.name, n_missing, fill
    )
    out = values.copy()
    out[missing] = fill
    return out


def normalise(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """Transform, normalise and orient the study cells' values (1-D float64).

    Returns values where higher always means more vulnerable: ``minmax`` and
    ``rank`` give 0..1, ``zscore`` mean 0 and standard deviation 1. A constant
    layer becomes 0 everywhere (reported as ``constant``).
    """
    v = values
    if ind.transform == "log1p":
        if (v < 0).any():
            raise InputError(
                f"log1p needs values ≥ 0, but the smallest is {v.min():g}",
                layer=ind.name,
                fix="set transform = 'none' for this indicator",
            )
        v = np.log1p(v)
    ind.info["raw_min"] = float(values.min())
    ind.info["raw_max"] = float(values.max())
    ind.info["raw_mean"] = float(values.mean())
    lo, hi = float(v.min()), float(v.max())
    ind.info["constant"] = bool(hi == lo)
    if hi == lo:
        return np.zeros_like(v)
    if ind.normalise == "minmax":
        out = (v - lo) / (hi - lo)
    elif ind.normalise == "rank":
        out = (stats.rankdata(v, method="average") - 1.0) / (len(v) - 1.0)
    else:
        out = (v - v.mean()) / v.std()
    if ind.direction == "lowers":
        out = -out if ind.normalise == "zscore" else 1.0 - out
    return out
