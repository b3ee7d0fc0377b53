"""The risk grid as one raster image overlay, not tens of thousands of polygons.

The GeoTIFF (band 1 score float32, band 2 grade uint8: 0 = no data,
1..5 = A..E; any CRS, usually EPSG:5186 or the 국가지점번호 grid's EPSG:5179)
is reprojected to Web Mercator (EPSG:3857, the plane Leaflet draws in) with
nearest-neighbour resampling at a finer pixel than the cell, coloured, and
embedded as a PNG data URI. Its corners are given to Leaflet in degrees
(EPSG:4326), which Leaflet projects back to 3857, so every cell lands where it
is. Nearest-neighbour keeps grades categorical and cell edges sharp.
"""

from __future__ import annotations

import base64
import logging
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.io import MemoryFile
from rasterio.warp import Resampling, reproject

from layers.errors import CRSError, InputError
from maps.base import CategoricalLegend, base_map, district_layer, finish_map

__all__ = [
    "GRADE_COLOURS",
    "add_grid_layers",
    "GRADE_LETTERS",
    "GridImage",
    "grid_images",
    "grid_map",
]

log = logging.getLogger(__name__)

#: Grade code → letter.
GRADE_LETTERS = {1: "A", 2: "B", 3: "C", 4: "D", 5: "E"}
#: Grade code → colour (A safest, green; E most vulnerable, red).
GRADE_COLOURS = {1: "#1a9850", 2: "#91cf60", 3: "#fee08b", 4: "#fc8d59", 5: "#d73027"}
_SCORE_COLOURS = ["#f7fbff", "#9ecae1", "#4292c6", "#08519c", "#08306b"]
_MAX_PIXELS = 6_000_000


@dataclass(frozen=True)
class GridImage:
    """A coloured raster ready for a Leaflet image overlay.

    Parameters
    ----------
    url : str
        ``data:image/png;base64,…``.
    bounds : list of list of float
        ``[[south, west], [north, east]]`` in degrees.
    grade_counts : dict of str to int
        Cells per grade letter in the source raster (``{}`` without a grade band).
    score_range : tuple of float or None
        Minimum and maximum score of valid cells.
    """

    url: str
    bounds: list[list[float]]
    grade_counts: dict[str, int]
    score_range: tuple[float, float] | None


def _png_data_uri(rgba: np.ndarray) -> str:
    height, width = rgba.shape[1:]
    with warnings.catch_warnings(), MemoryFile() as memory:
        # A PNG has no georeferencing; the overlay's bounds place it.
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with memory.open(
            driver="PNG", width=width, height=height, count=4, dtype="uint8"
        ) as dataset:
            dataset.write(rgba)
        data = memory.read()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def grid_images(
    path: str | os.PathLike[str], *, oversample: int = 3, opacity: float = 0.75
) -> tuple[GridImage | None, GridImage | None]:
    """Colour a risk-grid GeoTIFF's grade and score bands for Leaflet.

    Parameters
    ----------
    path : path
        The GeoTIFF (band 1 score, band 2 grade 0..5).
    oversample : int, default 3
        Output pixels per cell side (finer pixels keep cell edges where they
        are after reprojection); reduced automatically for very large grids.
    opacity : float, default 0.75
        Alpha of coloured cells (no-data cells are transparent).

    Returns
    -------
    (GridImage or None, GridImage or None)
        The grade image (None for a one-band file) and the score image.

    Raises
    ------
    InputError
        Unreadable file, or no valid cell.
    CRSError
        The file declares no CRS.
    """
    layer = os.fspath(path)
    try:
        src = rasterio.open(path)
    except RasterioIOError as err:
        raise InputError(
            f"cannot be read as a raster ({err})",
            layer=layer,
            fix="give the risk grid GeoTIFF written by `siting grid`",
        ) from None
    with src:
        if src.crs is None:
            raise CRSError(
                "declares no CRS", layer=layer, fix="write the grid with its CRS (EPSG:5186)"
            )
        factor = max(1, int(oversample))
        while src.width * src.height * factor * factor > _MAX_PIXELS and factor > 1:
            factor -= 1
        # The target grid in EPSG:3857 (computed here rather than with
        # rasterio's calculate_default_transform, which warns under affine 3).
        west, south, east, north = Transformer.from_crs(
            src.crs, "EPSG:3857", always_xy=True
        ).transform_bounds(
            src.bounds.left, src.bounds.bottom, src.bounds.right, src.bounds.top, densify_pts=21
        )
        res = min((east - west) / src.width, (north - south) / src.height) / factor
        width = int(np.ceil((east - west) / res))
        height = int(np.ceil((north - south) / res))
        transform = Affine(res, 0.0, west, 0.0, -res, north)
        score_src = src.read(1, masked=True).astype("float32")
        grade_src = src.read(2) if src.count >= 2 else None
        crs = src.crs
        src_transform = src.transform

    alpha = int(round(255 * opacity))
    grade_image: GridImage | None = None
    valid_score = np.ma.getmaskarray(score_src) == False  # noqa: E712
    if grade_src is not None:
        valid_score &= grade_src > 0
    score_filled = np.where(valid_score, score_src.filled(np.nan), np.nan).astype("float32")
    west, north = transform.c, transform.f
    east, south = west + transform.a * width, north + transform.e * height
    to_deg = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    lon0, lat0 = to_deg.transform(west, south)
    lon1, lat1 = to_deg.transform(east, north)
    bounds = [[float(lat0), float(lon0)], [float(lat1), float(lon1)]]

    if grade_src is not None:
        grades = np.zeros((height, width), dtype="uint8")
        reproject(
            grade_src,
            grades,
            src_transform=src_transform,
            src_crs=crs,
            src_nodata=0,
            dst_transform=transform,
            dst_crs="EPSG:3857",
            dst_nodata=0,
            resampling=Resampling.nearest,
        )
        counts = {
            GRADE_LETTERS[code]: int((grade_src == code).sum()) for code in sorted(GRADE_LETTERS)
        }
        if sum(counts.values()) == 0:
            raise InputError(
                "has no graded cell (band 2 is all 0 = no data)",
                layer=layer,
                fix="check the grid covers the study area",
            )
        lut = np.zeros((256, 4), dtype="uint8")
        for code, colour in GRADE_COLOURS.items():
            lut[code] = (*_hex_rgb(colour), alpha)
        rgba = lut[grades].transpose(2, 0, 1)
        grade_image = GridImage(_png_data_uri(np.ascontiguousarray(rgba)), bounds, counts, None)

    if not np.isfinite(score_filled).any():
        if grade_image is None:
            raise InputError(
                "has no valid score cell", layer=layer, fix="check the grid's no-data value"
            )
        return grade_image, None
    scores = np.full((height, width), np.nan, dtype="float32")
    reproject(
        score_filled,
        scores,
        src_transform=src_transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs="EPSG:3857",
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    lo, hi = float(np.nanmin(score_filled)), float(np.nanmax(score_filled))
    span = hi - lo if hi > lo else 1.0
    colormap = cm.LinearColormap(_SCORE_COLOURS, vmin=0, vmax=255)
    lut = np.array([(*_hex_rgb(colormap(i)[:7]), alpha) for i in range(256)], dtype="uint8")
    finite = np.isfinite(scores)
    index = np.zeros(scores.shape, dtype="uint8")
    index[finite] = np.clip((scores[finite] - lo) / span * 255, 0, 255).astype("uint8")
    rgba = lut[index]
    rgba[~finite, 3] = 0
    score_image = GridImage(
        _png_data_uri(np.ascontiguousarray(rgba.transpose(2, 0, 1))),
        bounds,
        grade_image.grade_counts if grade_image else {},
        (lo, hi),
    )
    return grade_image, score_image


def add_grid_layers(
    m: folium.Map, path: str | os.PathLike[str], *, show_score: bool = True
) -> tuple[GridImage | None, GridImage | None]:
    """Add a risk-grid GeoTIFF to a map: the grade overlay with its legend, and the score.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`maps.base.base_map`.
    path : path
        The grid GeoTIFF (band 1 score, band 2 grade).
    show_score : bool, default True
        Add the score as a second overlay (hidden at opening when grades exist).

    Returns
    -------
    (GridImage or None, GridImage or None)
        The grade and score images added.
    """
    grade_image, score_image = grid_images(path)
    if grade_image is not None:
        folium.raster_layers.ImageOverlay(
            grade_image.url,
            grade_image.bounds,
            name="격자 등급 A–E (grid grade)",
            pixelated=True,
            interactive=False,
            className="siting-grid",
        ).add_to(m)
        counts = grade_image.grade_counts
        CategoricalLegend(
            "격자 등급 (grade)",
            [
                (f"{GRADE_LETTERS[c]}: {counts.get(GRADE_LETTERS[c], 0):,} cells", GRADE_COLOURS[c])
                for c in sorted(GRADE_LETTERS)
            ],
        ).add_to(m)
    if (
        score_image is not None
        and score_image.score_range is not None
        and (show_score or grade_image is None)
    ):
        lo, hi = score_image.score_range
        folium.raster_layers.ImageOverlay(
            score_image.url,
            score_image.bounds,
            name="위험 점수 (risk score)",
            pixelated=True,
            interactive=False,
            show=grade_image is None,
            className="siting-grid-score",
        ).add_to(m)
        cm.LinearColormap(
            _SCORE_COLOURS, vmin=lo, vmax=hi, caption="위험 점수 (risk score)"
        ).add_to(m)
    return grade_image, score_image


def grid_map(
    path: str | os.PathLike[str],
    districts: gpd.GeoDataFrame,
    *,
    title: str = "위험 격자 (risk grid)",
    notes: Iterable[str] = (),
    synthetic: bool = False,
    show_score: bool = True,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """A map of a risk-grid GeoTIFF: grades A–E (and optionally the score) over the districts.

    Parameters
    ----------
    path : path
        The grid GeoTIFF (band 1 score, band 2 grade).
    districts : GeoDataFrame
        District layer in EPSG:5186 (drawn on top; hover shows names).
    title : str
        Map title.
    notes : iterable of str
        Panel lines (source, settings).
    synthetic : bool, default False
        Mark the map as synthetic.
    show_score : bool, default True
        Add the continuous score as a second overlay (off at opening).
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.

    Returns
    -------
    folium.Map
    """
    m, panel = base_map(
        districts,
        title=title,
        notes=notes,
        synthetic=synthetic,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        boundaries=False,
    )
    add_grid_layers(m, path, show_score=show_score)
    # Districts last, so they are on top and their tooltips answer the mouse.
    district_layer(districts).add_to(m)
    panel.add_html(f"<div>grid: {os.path.basename(os.fspath(path))}</div>")
    return finish_map(m)
