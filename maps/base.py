"""The map factory every map starts from, and the pieces they share.

:func:`base_map` makes a folium map with **no tiles** unless a tile URL is
given (for networks with their own tile server), the 25 district boundaries
as the basemap, Fullscreen, MeasureControl and a metric scale bar; a panel
states the title, the data sources, whether the data are synthetic and any
other notes (the privacy setting of equipment maps is recorded there).
:func:`finish_map` adds the LayerControl last, once every layer is in.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.map import FitBounds
from folium.plugins import Fullscreen, MeasureControl
from jinja2 import Template

from layers.crs import require_working_crs
from layers.errors import InputError
from layers.numbers import format_number
from maps.boundaries import display_geometry, district_labels, dong_layer
from maps.legends import CategoricalLegend

__all__ = [
    "DISTRICT_CLASS",
    "LABELS",
    "CategoricalLegend",
    "MapPanel",
    "MetricScale",
    "base_map",
    "district_layer",
    "finish_map",
    "format_value",
    "label_for",
    "to_latlon",
]

log = logging.getLogger(__name__)

#: CSS class of every district polygon (tests and styles find districts by it).
DISTRICT_CLASS = "siting-district"

#: Planner-facing labels, Korean with English, for columns met in the project.
LABELS: dict[str, str] = {
    "name_ko": "자치구",
    "name_en": "district",
    "sig_cd": "SIG_CD",
    "total_points": "총점 (total points)",
    "priority": "우선순위 (priority)",
    "eligible": "매칭 확보 (eligible)",
    "city_share_krw": "시비 지원 (city share)",
    "city_share_1000krw": "시비 지원 천원 (city share, KRW 1,000)",
    "fiscal_self_reliance_pct": "재정자립도 % (fiscal self-reliance)",
    "cctv_total": "CCTV 대수 (cameras)",
    "cctv_aged": "노후 CCTV (aged cameras)",
    "cctv_ageing_ratio_pct": "CCTV 노후율 % (ageing ratio)",
    "cctv_per_km2": "CCTV / km²",
    "one_person_household_share_pct": "1인가구 비율 % (one-person households)",
    "population_2024q4": "인구 (population)",
    "area_km2": "면적 km² (area)",
    "marginal_weight": "추가 가중치 (marginal weight)",
    "nearest_existing_m": "기존 시설까지 m (nearest existing)",
    "nearest_existing_band": "기존 시설까지 거리 구간 (nearest existing, band)",
    "cells_D": "D등급 격자 (D cells)",
    "cells_E": "E등급 격자 (E cells)",
    "new_D": "새로 커버한 D등급 격자 (D cells newly covered)",
    "new_E": "새로 커버한 E등급 격자 (E cells newly covered)",
    "radius_m": "반경 m (radius)",
    "services": "서비스 (services)",
    "order": "선정 순서 (order)",
}

_PANEL_CSS = """
<style>
.folium-map.leaflet-container { background: #f3f3ef;
  font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "Apple SD Gothic Neo",
    sans-serif; }
.siting-panel { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; max-width: 340px; line-height: 1.35; }
.siting-panel h4 { margin: 0 0 4px 0; font-size: 14px; }
.siting-panel .synthetic { color: #b00020; font-weight: bold; }
.siting-panel .privacy-on { color: #b00020; font-weight: bold; }
.siting-legend { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 1.5; }
.siting-legend i { display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid #666; box-sizing: border-box; }
.siting-bar { width: 240px; height: 10px; border: 1px solid #666; margin-top: 4px; }
.siting-ticks { position: relative; width: 240px; height: 15px; font-size: 11px; }
.siting-tick { position: absolute; top: 1px; transform: translateX(-50%); white-space: nowrap; }
.siting-tick::before { content: ""; position: absolute; left: 50%; top: -4px; height: 4px;
  border-left: 1px solid #333; }
.siting-panel .basemap-off { color: #555; font-style: italic; }
.siting-panel .quirk { color: #8a4b00; }
.siting-popup h4 { margin: 0 0 4px 0; font-size: 14px; }
.siting-popup ul { padding-left: 16px; margin: 4px 0; }
.siting-popup details { margin-top: 4px; font-size: 11px; }
.siting-popup table td { padding: 0 6px 0 0; vertical-align: top; }
.siting-copy { cursor: pointer; color: #0645ad; text-decoration: underline; }
</style>
"""


class MapPanel(MacroElement):
    """A fixed box on the map with a title and notes (sources, synthetic flag, privacy).

    Parameters
    ----------
    title : str
        Heading.
    notes : sequence of str
        Lines of plain text (escaped).
    synthetic : bool
        Add a red "synthetic data" line.
    position : str
        Leaflet control position.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', 'siting-panel');
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        notes: Sequence[str] = (),
        *,
        synthetic: bool = False,
        position: str = "bottomleft",
    ) -> None:
        super().__init__()
        self._name = "MapPanel"
        self.position = position
        lines = [f"<h4>{html.escape(title)}</h4>"]
        if synthetic:
            lines.append(
                '<div class="synthetic">합성 데이터 SYNTHETIC: seeded test data, not real '
                "observations</div>"
            )
        lines.extend(f"<div>{html.escape(note)}</div>" for note in notes)
        self.html = "".join(lines)

    def add_html(self, fragment: str) -> None:
        """Append a trusted HTML fragment (built by this package, already escaped)."""
        self.html += fragment


def label_for(column: str) -> str:
    """The planner-facing label of a column (Korean with English), or the column name."""
    return LABELS.get(column, column)


def format_value(value: Any) -> str:
    """Format one value for a tooltip or popup (:func:`layers.numbers.format_number`).

    Whole numbers and values of 1,000 or more print without decimals, others with
    2 (a smaller non-zero value keeps two significant digits); booleans as 예/아니오.
    """
    if isinstance(value, bool | np.bool_):
        return "예 yes" if value else "아니오 no"
    if value is pd.NA:
        return "—"
    if isinstance(value, float | np.floating) and np.isfinite(value):
        number = float(value)
        digits = 0 if number.is_integer() or abs(number) >= 1000 else 2
        return format_number(number, digits, missing="—")
    return format_number(value, 2, missing="—")


def to_latlon(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Reproject a working-CRS layer to EPSG:4326 for Leaflet.

    Parameters
    ----------
    frame : GeoDataFrame
        A layer in EPSG:5186.
    layer : str
        Its name, for errors.

    Returns
    -------
    GeoDataFrame
        The layer in EPSG:4326.
    """
    require_working_crs(frame, layer)
    return frame.to_crs("EPSG:4326")


def _check_districts(districts: gpd.GeoDataFrame) -> None:
    require_working_crs(districts, "districts")
    missing = [c for c in ("sig_cd", "name_ko", "name_en") if c not in districts.columns]
    if missing:
        raise InputError(
            f"is missing the column(s) {', '.join(missing)}",
            layer="districts",
            fix="pass the layer from layers.load_districts()",
        )
    if districts.empty:
        raise InputError("has no districts", layer="districts", fix="pass layers.load_districts()")


def district_layer(
    districts: gpd.GeoDataFrame,
    *,
    name: str = "자치구 경계 (district boundaries)",
    tooltip_columns: Sequence[str] = (),
    fill: Callable[[Mapping[str, Any]], str] | None = None,
    outline: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    simplify_m: float = 5.0,
    tooltip_html: Sequence[str] | None = None,
) -> folium.GeoJson:
    """District polygons with a Korean/English tooltip on hover.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186 (``sig_cd``, ``name_ko``, ``name_en``).
    name : str
        Layer name in the layer control.
    tooltip_columns : sequence of str
        Further columns shown on hover (formatted with :func:`format_value`).
    fill : callable, optional
        ``properties -> colour``; without it the polygons are outlines only.
    outline : callable, optional
        ``properties -> Leaflet path style`` (``weight``, ``color``,
        ``dashArray``) per district, e.g. to show a funding status.
    simplify_m : float, default 5
        Simplification tolerance in metres (EPSG:5186), applied to the whole
        coverage so that neighbouring districts keep one shared border
        (:func:`maps.boundaries.display_geometry`).
    tooltip_html : sequence of str, optional
        One trusted HTML tooltip per district (built by this package, in
        the order of ``districts``); replaces the column tooltip.

    Returns
    -------
    folium.GeoJson
        The layer (add it to a map).
    """
    _check_districts(districts)
    fields = [
        "name_ko",
        "name_en",
        *[c for c in tooltip_columns if c not in ("name_ko", "name_en")],
    ]
    missing = [c for c in fields if c not in districts.columns]
    if missing:
        raise InputError(
            f"has no column(s) {', '.join(missing)} to show",
            layer="districts",
            fix="choose columns that exist: " + ", ".join(map(str, districts.columns)),
        )
    frame = districts[["sig_cd", *fields, "geometry"]].copy()
    frame["geometry"] = display_geometry(frame.geometry, simplify_m=simplify_m)
    for column in fields:
        frame[column] = [format_value(v) for v in districts[column]]
    records = districts.to_dict("records")
    if fill is not None:
        frame["_fill"] = [fill(row) for row in records]
    styles = [dict(outline(row)) for row in records] if outline is not None else None
    if styles is not None:
        frame["_style"] = styles
    if tooltip_html is not None:
        frame["_tip"] = list(tooltip_html)
    latlon = to_latlon(frame, "districts")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = feature["properties"].get("_fill")
        out = {
            "color": "#333333",
            "weight": 1.2,
            "fillColor": colour or "#ffffff",
            "fillOpacity": 0.75 if colour else 0.0,
            "className": DISTRICT_CLASS,
        }
        out.update(feature["properties"].get("_style") or {})
        return out

    tooltip = (
        folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True)
        if tooltip_html is not None
        else folium.GeoJsonTooltip(
            fields=fields, aliases=[label_for(c) for c in fields], sticky=True
        )
    )
    return folium.GeoJson(
        latlon.to_json(drop_id=True, to_wgs84=False),
        name=name,
        style_function=style,
        highlight_function=lambda _: {"weight": 3, "color": "#000000"},
        tooltip=tooltip,
        smooth_factor=0.5,
    )


def base_map(
    districts: gpd.GeoDataFrame,
    *,
    title: str,
    notes: Iterable[str] = (),
    synthetic: bool = False,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    boundaries: bool = True,
    labels: bool = True,
    dongs: bool | Sequence[str] = False,
    fit: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> tuple[folium.Map, MapPanel]:
    """A map of Seoul with no tiles (unless asked), controls and the district basemap.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186; its extent frames the map.
    title : str
        Shown in the panel and as the page title.
    notes : iterable of str
        Lines for the panel (sources, settings).
    synthetic : bool, default False
        Mark the map as made from synthetic data.
    tiles_url : str, optional
        A tile URL template (``https://tiles.example/{z}/{x}/{y}.png``) for a
        network with its own tile server; the map then depends on that server.
    tiles_attribution : str, optional
        Attribution of the tiles (required by Leaflet when tiles are given).
    boundaries : bool, default True
        Add the district outlines as the basemap (a choropleth passes False
        and adds its own filled districts).
    labels : bool, default True
        Write each district's Korean name on the map (a layer of its own).
    dongs : bool or sequence of str, default False
        Add the 법정동 outlines as a context layer, off at opening (``True``:
        all of Seoul; a sequence of SIG_CD: only those districts).
    fit : GeoDataFrame or GeoSeries, optional
        Open the map fitted to these features (EPSG:5186) instead of the
        whole district layer, e.g. the proposed sites.

    Returns
    -------
    (folium.Map, MapPanel)
        The map and its panel (to add notes to).
    """
    _check_districts(districts)
    west, south, east, north = districts.to_crs("EPSG:4326").total_bounds
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=False,
    )
    # Without a tile layer Leaflet knows no zoom range (marker clusters need one).
    m.options["minZoom"] = 9
    m.options["maxZoom"] = 19
    root = m.get_root()
    if not isinstance(root, Figure):  # folium always roots a Map in a Figure
        raise TypeError("folium.Map is not inside a branca Figure")
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="title")
    root.header.add_child(Element(_PANEL_CSS), name="siting_css")
    tile_layer = None
    if tiles_url:
        tile_layer = folium.TileLayer(
            tiles=tiles_url,
            attr=tiles_attribution or "tiles: " + _host(tiles_url),
            name="배경지도 (basemap tiles)",
            overlay=False,
            control=True,
        )
        tile_layer.add_to(m)
    if fit is not None and len(fit):
        require_working_crs(fit, "fit")
        fwest, fsouth, feast, fnorth = _padded_bounds(fit)
        bounds = [[fsouth, fwest], [fnorth, feast]]
    else:
        bounds = [[south, west], [north, east]]
    # Fit without animation: a pan still running when marker clusters are added ends in
    # a moveend that Leaflet.markercluster 1.1.0 cannot handle.
    fit_bounds = FitBounds(bounds, max_zoom=17)
    fit_bounds.options["animate"] = False
    m.add_child(fit_bounds)
    if dongs is not False:
        dong_layer(None if dongs is True else list(dongs)).add_to(m)
    if boundaries:
        district_layer(districts).add_to(m)
    if labels:
        district_labels(districts).add_to(m)
    Fullscreen(position="topleft").add_to(m)
    MeasureControl(
        position="topleft",
        primary_length_unit="meters",
        secondary_length_unit="kilometers",
        primary_area_unit="sqmeters",
        secondary_area_unit="hectares",
    ).add_to(m)
    MetricScale().add_to(m)
    panel = MapPanel(title, list(notes), synthetic=synthetic)
    panel.add_html(_basemap_note(tiles_url))
    panel.add_to(m)
    if tile_layer is not None:
        TileErrorNote(tile_layer).add_to(m)
    return m, panel


def _host(url: str) -> str:
    parts = url.split("/")
    return parts[2] if len(parts) > 2 else url


def _padded_bounds(fit: gpd.GeoDataFrame | gpd.GeoSeries, pad_m: float = 150.0) -> np.ndarray:
    """Bounds in degrees (west, south, east, north) of features padded by ``pad_m`` metres."""
    xmin, ymin, xmax, ymax = fit.total_bounds
    box = gpd.GeoSeries(
        [shapely.box(xmin - pad_m, ymin - pad_m, xmax + pad_m, ymax + pad_m)], crs=fit.crs
    )
    return np.asarray(box.to_crs("EPSG:4326").total_bounds)


def _basemap_note(tiles_url: str | None) -> str:
    if not tiles_url:
        return (
            '<div class="basemap-off">배경지도 없음: 자치구 경계만 표시 (no basemap loaded; '
            "add your tile server with --tiles)</div>"
        )
    return (
        f'<div class="basemap-on">배경지도: {html.escape(_host(tiles_url))} '
        "(tiles load from that server)</div>"
    )


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (no miles/feet)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: "bottomleft", maxWidth: 150})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class TileErrorNote(MacroElement):
    """Say on the map when the tile server does not answer (offline, wrong key)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var failed = 0, shown = false;
            {{ this.tiles }}.on('tileerror', function () {
                failed += 1;
                if (shown || failed < 3) { return; }
                shown = true;
                var note = L.control({position: 'bottomleft'});
                note.onAdd = function () {
                    var div = L.DomUtil.create('div', 'siting-panel basemap-error');
                    div.innerHTML = '배경지도를 불러오지 못함: tile server not reachable, ' +
                        'district boundaries only';
                    return div;
                };
                note.addTo({{ this._parent.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer) -> None:
        super().__init__()
        self._name = "TileErrorNote"
        self.tiles = tiles.get_name()


#: Above this many layers the layer control opens collapsed (an icon to hover).
MAX_EXPANDED_LAYERS = 10


def finish_map(m: folium.Map) -> folium.Map:
    """Add the layer control as the last control.

    Expanded so every layer is listed, unless more than
    :data:`MAX_EXPANDED_LAYERS` would cover the map on a laptop screen.
    """
    layers = [
        child
        for child in m._children.values()
        if isinstance(child, folium.map.Layer) and child.control
    ]
    collapsed = len(layers) > MAX_EXPANDED_LAYERS
    folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
    return m
