"""Boundaries as drawn on the maps: cleaned as a coverage, simplified topologically.

The bundled district and dong polygons were generalised one polygon at a
time, so neighbours overlap (about 1.2 km² between districts) and leave gaps,
and their shared borders are two different lines. Drawn as they are, a border
shows as two lines tens of metres apart. :func:`display_geometry` first makes
the polygons a clean coverage (:func:`shapely.coverage_clean`: overlaps go to
the neighbour with the longest common border, gaps narrower than
``gap_width_m`` are closed, shared edges become identical), then simplifies
the whole coverage at once (:func:`shapely.coverage_simplify`), so each shared
edge is simplified once and stays shared. This is for drawing only: analyses
keep the polygons of :func:`layers.districts.load_districts`.

:func:`district_labels` places each district's Korean name inside it
(pole of inaccessibility, :func:`shapely.ops.polylabel`), and
:func:`dong_layer` adds the dong outlines (the configured ones,
:func:`layers.dong_boundaries.configured_dongs`: the bundled 법정동 or an
installation's 행정동) as an optional context layer, off when the map opens.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import polylabel

from layers.crs import require_working_crs
from layers.dong_boundaries import configured_dongs

__all__ = [
    "DISTRICT_LABEL_CLASS",
    "DONG_CLASS",
    "display_geometry",
    "district_labels",
    "dong_layer",
]

log = logging.getLogger(__name__)

#: CSS class of the district name labels (tests find them by it).
DISTRICT_LABEL_CLASS = "siting-district-label"
#: CSS class of the dong outlines.
DONG_CLASS = "siting-dong"

_LABEL_CSS = (
    "font:600 12px 'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',sans-serif;"
    "color:#222;white-space:nowrap;text-align:center;"
    "text-shadow:-1px -1px 0 #fff,1px -1px 0 #fff,-1px 1px 0 #fff,1px 1px 0 #fff,0 0 3px #fff"
)


def _polygonal(geometry: np.ndarray) -> np.ndarray:
    """Make valid and keep only the polygonal parts (make_valid may add lines)."""
    out = np.asarray(shapely.make_valid(geometry), dtype=object)
    for i, geom in enumerate(out):
        if geom.geom_type == "GeometryCollection":
            parts = [
                p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")
            ]
            out[i] = shapely.union_all(parts)
    return out


def display_geometry(
    geometry: gpd.GeoSeries, *, simplify_m: float = 5.0, gap_width_m: float = 200.0
) -> gpd.GeoSeries:
    """Polygons cleaned into a coverage and simplified together (shared edges stay shared).

    Parameters
    ----------
    geometry : GeoSeries
        Polygons in EPSG:5186 that tile an area (districts, dongs).
    simplify_m : float, default 5
        Simplification tolerance (m), applied once per shared edge.
    gap_width_m : float, default 200
        Gaps between neighbours narrower than this (m) are closed.

    Returns
    -------
    GeoSeries
        Same index and CRS; every shared border is one line.
    """
    require_working_crs(geometry, "boundaries")
    if geometry.empty:
        return geometry.copy()
    polygons = _polygonal(geometry.to_numpy())
    cleaned = shapely.coverage_clean(polygons, gap_width=gap_width_m)
    simplified = shapely.coverage_simplify(cleaned, simplify_m) if simplify_m > 0 else cleaned
    return gpd.GeoSeries(simplified, index=geometry.index, crs=geometry.crs)


def district_labels(
    districts: gpd.GeoDataFrame, *, name: str = "자치구 이름 (district names)"
) -> folium.FeatureGroup:
    """The Korean name of each district, drawn inside it (not interactive).

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186 with ``name_ko``.
    name : str
        Layer name in the layer control.

    Returns
    -------
    folium.FeatureGroup
    """
    require_working_crs(districts, "districts")
    group = folium.FeatureGroup(name=name, show=True)
    points = []
    for geom in districts.geometry:
        largest = max(shapely.get_parts(geom), key=lambda p: p.area)
        points.append(polylabel(largest, tolerance=20.0))
    latlon = gpd.GeoSeries(points, crs=districts.crs).to_crs("EPSG:4326")
    for label, point in zip(districts["name_ko"], latlon, strict=True):
        text = html.escape(str(label))
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f'<div class="{DISTRICT_LABEL_CLASS}" style="{_LABEL_CSS}">{text}</div>',
                icon_size=(80, 16),
                icon_anchor=(40, 8),
                class_name="siting-label-icon",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(group)
    return group


def dong_layer(
    sig_cds: Sequence[str] | None = None,
    *,
    simplify_m: float = 5.0,
    show: bool = False,
) -> folium.GeoJson:
    """The dong outlines in use (법정동, or 행정동 when configured) as a context layer.

    The layer is off when the map opens; its name and tooltips say which kind
    of dong it draws.

    Parameters
    ----------
    sig_cds : sequence of str, optional
        Only the dongs of these districts (keeps the file small).
    simplify_m : float, default 5
        Topological simplification tolerance (m).
    show : bool, default False
        Whether the layer is on at opening.

    Returns
    -------
    folium.GeoJson
        Thin dashed outlines; hovering shows the dong and its district.
    """
    used = configured_dongs()
    dongs = used.polygons
    if sig_cds is not None:
        dongs = dongs[dongs["sig_cd"].isin(list(sig_cds))]
    # Clean the full coverage once so borders with neighbouring districts match.
    frame = dongs[["dong_cd", "sig_cd", "name_ko", "geometry"]].copy()
    frame["geometry"] = display_geometry(frame.geometry, simplify_m=simplify_m)
    frame = frame[~frame.geometry.is_empty]
    latlon = frame.to_crs("EPSG:4326")
    latlon["label"] = [f"{used.kind} {html.escape(str(n))}" for n in latlon["name_ko"]]
    return folium.GeoJson(
        latlon[["label", "geometry"]].to_json(drop_id=True, to_wgs84=False),
        name=f"{used.kind} 경계 (dong boundaries)",
        show=show,
        style_function=lambda _: {
            "color": "#6a51a3",
            "weight": 0.8,
            "dashArray": "3 3",
            "fill": True,
            "fillOpacity": 0.0,
            "className": DONG_CLASS,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
        smooth_factor=0.5,
    )
