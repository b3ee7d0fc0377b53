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
from branca.element import MacroElement
from jinja2 import Template
from pyproj import CRS, Transformer
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.io import MemoryFile
from rasterio.warp import Resampling, reproject

from layers.errors import CRSError, InputError
from maps.base import base_map, district_layer, finish_map
from maps.legends import CategoricalLegend, ColourBar

__all__ = [
    "GRADE_COLOURS",
    "add_grid_layers",
    "GRADE_LETTERS",
    "GridHover",
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


_MAX_HOVER_CELLS = 4_000_000

_HOVER_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var g = {{ this.grid|tojson }};
    function bytes(b64) {
        var raw = atob(b64), out = new Uint8Array(raw.length);
        for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
        return out;
    }
    var grades = bytes(g.grades);
    var scores = g.scores ? new Float32Array(bytes(g.scores).buffer) : null;
    var letters = ['', 'A', 'B', 'C', 'D', 'E'];
    var p = g.tm, D = Math.PI / 180, e2 = p.f * (2 - p.f), ep2 = e2 / (1 - e2);
    function meridian(phi) {
        return p.a * ((1 - e2 / 4 - 3 * e2 * e2 / 64 - 5 * e2 * e2 * e2 / 256) * phi
            - (3 * e2 / 8 + 3 * e2 * e2 / 32 + 45 * e2 * e2 * e2 / 1024) * Math.sin(2 * phi)
            + (15 * e2 * e2 / 256 + 45 * e2 * e2 * e2 / 1024) * Math.sin(4 * phi)
            - (35 * e2 * e2 * e2 / 3072) * Math.sin(6 * phi));
    }
    // Transverse Mercator on the grid's ellipsoid (Snyder 1987, eqs. 8-9 to 8-10).
    window.sitingGridXY = function (lat, lon) {
        var phi = lat * D, n = p.a / Math.sqrt(1 - e2 * Math.pow(Math.sin(phi), 2));
        var t = Math.pow(Math.tan(phi), 2), c = ep2 * Math.pow(Math.cos(phi), 2);
        var A = (lon - p.lon0) * D * Math.cos(phi);
        var x = p.fe + p.k0 * n * (A + (1 - t + c) * Math.pow(A, 3) / 6
            + (5 - 18 * t + t * t + 72 * c - 58 * ep2) * Math.pow(A, 5) / 120);
        var y = p.fn + p.k0 * (meridian(phi) - meridian(p.lat0 * D) + n * Math.tan(phi) * (
            A * A / 2 + (5 - t + 9 * c + 4 * c * c) * Math.pow(A, 4) / 24
            + (61 - 58 * t + t * t + 600 * c - 330 * ep2) * Math.pow(A, 6) / 720));
        return [x, y];
    };
    var box = L.control({position: 'topright'});
    box.onAdd = function () {
        var div = L.DomUtil.create('div', 'siting-panel siting-grid-hover');
        div.style.display = 'none';
        return div;
    };
    box.addTo(map);
    var layers = [{{ this.layers|join(', ') }}];
    map.on('mousemove', function (e) {
        var div = box.getContainer();
        var on = layers.some(function (l) { return map.hasLayer(l); });
        var xy = window.sitingGridXY(e.latlng.lat, e.latlng.lng);
        var col = Math.floor((xy[0] - g.x0) / g.dx), row = Math.floor((g.y0 - xy[1]) / g.dy);
        if (!on || col < 0 || row < 0 || col >= g.width || row >= g.height) {
            div.style.display = 'none'; return;
        }
        var k = row * g.width + col, grade = grades[k];
        if (!grade) { div.style.display = 'none'; return; }
        var text = '격자 등급 <b>' + letters[grade] + '</b>';
        if (scores && isFinite(scores[k])) {
            text += ' · 위험 점수 <b>' + scores[k].toFixed(2) + '</b>';
        }
        div.innerHTML = text + '<br><span style="color:#666">' + g.cell + ' m 격자 (grid cell)</span>';
        div.style.display = '';
    });
    map.on('mouseout', function () { box.getContainer().style.display = 'none'; });
})();
{% endmacro %}
"""


class GridHover(MacroElement):
    """Say the grade and score of the grid cell under the mouse (no server, no proj4).

    The source grid (its own CRS, e.g. EPSG:5186 or 5179, both Transverse
    Mercator) is embedded as bytes; the mouse position is projected in the
    browser with the Transverse Mercator series on the grid's ellipsoid and the
    cell looked up by index, so the answer is the source cell's, not a
    resampled pixel's.
    """

    _template = Template(_HOVER_TEMPLATE)

    def __init__(self, grid: dict[str, object], layers: list[str]) -> None:
        super().__init__()
        self._name = "GridHover"
        self.grid = grid
        self.layers = layers


def _hover_data(path: str | os.PathLike[str]) -> dict[str, object] | None:
    """The grid's cells and projection for :class:`GridHover`, or None when not possible."""
    with rasterio.open(path) as src:
        if src.count < 2 or src.width * src.height > _MAX_HOVER_CELLS:
            return None
        transform = src.transform
        if transform.b != 0 or transform.d != 0 or transform.e >= 0:
            return None
        crs = CRS.from_user_input(src.crs)
        operation = crs.coordinate_operation
        ellipsoid = crs.ellipsoid
        if operation is None or ellipsoid is None or operation.method_name != "Transverse Mercator":
            log.info("grid CRS %s is not Transverse Mercator: no hover read-out", crs.name)
            return None
        params = {p.name: float(p.value) for p in operation.params}
        grades = np.nan_to_num(src.read(2).astype("float64"), nan=0).astype("uint8")
        scores = src.read(1, masked=True).astype("float32").filled(np.nan)
    scores = np.where(grades > 0, scores, np.nan).astype("<f4")
    return {
        "x0": transform.c,
        "y0": transform.f,
        "dx": transform.a,
        "dy": -transform.e,
        "width": int(grades.shape[1]),
        "height": int(grades.shape[0]),
        "cell": f"{transform.a:,.0f}",
        "grades": base64.b64encode(np.ascontiguousarray(grades).tobytes()).decode("ascii"),
        "scores": base64.b64encode(np.ascontiguousarray(scores).tobytes()).decode("ascii"),
        "tm": {
            "a": ellipsoid.semi_major_metre,
            "f": 1.0 / ellipsoid.inverse_flattening,
            "lat0": params["Latitude of natural origin"],
            "lon0": params["Longitude of natural origin"],
            "k0": params["Scale factor at natural origin"],
            "fe": params["False easting"],
            "fn": params["False northing"],
        },
    }


def add_grid_layers(
    m: folium.Map, path: str | os.PathLike[str], *, show_score: bool = True, hover: bool = True
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
    hover : bool, default True
        Show the grade and score of the cell under the mouse (grids in a
        Transverse Mercator CRS such as EPSG:5186 or 5179, up to 4 million cells).

    Returns
    -------
    (GridImage or None, GridImage or None)
        The grade and score images added.
    """
    grade_image, score_image = grid_images(path)
    shown: list[str] = []
    if grade_image is not None:
        grade_layer = folium.raster_layers.ImageOverlay(
            grade_image.url,
            grade_image.bounds,
            name="격자 등급 A–E (grid grade)",
            pixelated=True,
            interactive=False,
            className="siting-grid",
        )
        grade_layer.add_to(m)
        shown.append(grade_layer.get_name())
        counts = grade_image.grade_counts
        CategoricalLegend(
            "격자 등급 (grade)",
            [
                (f"{GRADE_LETTERS[c]}: {counts.get(GRADE_LETTERS[c], 0):,} cells", GRADE_COLOURS[c])
                for c in sorted(GRADE_LETTERS)
            ],
            layer=grade_layer,
        ).add_to(m)
    if (
        score_image is not None
        and score_image.score_range is not None
        and (show_score or grade_image is None)
    ):
        lo, hi = score_image.score_range
        score_layer = folium.raster_layers.ImageOverlay(
            score_image.url,
            score_image.bounds,
            name="위험 점수 (risk score)",
            pixelated=True,
            interactive=False,
            show=grade_image is None,
            className="siting-grid-score",
        )
        score_layer.add_to(m)
        shown.append(score_layer.get_name())
        ColourBar(
            _SCORE_COLOURS, lo, hi, caption="위험 점수 (risk score)", layer=score_layer
        ).add_to(m)
    if hover and shown:
        data = _hover_data(path)
        if data is not None:
            GridHover(data, shown).add_to(m)
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
