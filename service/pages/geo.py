"""GeoJSON and colours for the pages' Leaflet maps (WGS84 only here, at the edge).

The district boundaries are served once (``/web/geo/districts.geojson``,
simplified as a coverage so neighbours keep one shared border); each page sends
its own values per district (``sig_cd → colour, label``) beside the map, so
one cached geometry serves every choropleth.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache
from typing import Any

__all__ = ["PALETTE", "choropleth_values", "districts_geojson"]

#: Sequential palette (light = low, dark = high), the offline maps' choropleth colours.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


@cache
def districts_geojson(simplify_m: float = 20.0) -> str:
    """The 25 districts as a GeoJSON FeatureCollection in EPSG:4326 (text, cached).

    Parameters
    ----------
    simplify_m : float
        Simplification tolerance (m, EPSG:5186) applied to the whole coverage.

    Returns
    -------
    str
        GeoJSON with properties ``sig_cd``, ``name_ko``, ``name_en``;
        coordinates rounded to 6 decimals (≈0.1 m).
    """
    from layers.districts import load_districts
    from maps.base import to_latlon
    from maps.boundaries import display_geometry

    layer = load_districts()[["sig_cd", "name_ko", "name_en", "geometry"]].copy()
    layer["geometry"] = display_geometry(layer.geometry, simplify_m=simplify_m)
    latlon = to_latlon(layer, "districts")
    doc = json.loads(latlon.to_json(drop_id=True, to_wgs84=False))

    def rounded(coords: Any) -> Any:
        if isinstance(coords, list | tuple) and coords and isinstance(coords[0], float | int):
            return [round(float(c), 6) for c in coords]
        return [rounded(c) for c in coords]

    for feature in doc["features"]:
        feature["geometry"]["coordinates"] = rounded(feature["geometry"]["coordinates"])
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _hex(colour: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in colour[:3])


def choropleth_values(
    values: Mapping[str, float | None], labels: Mapping[str, str], *, unit_label: str
) -> dict[str, Any]:
    """Colours and hover labels per district for a page's map, and its legend.

    Parameters
    ----------
    values : mapping
        SIG_CD → value (``None`` or NaN = no value, drawn grey).
    labels : mapping
        SIG_CD → text shown on hover (already formatted, e.g. ``노원구: 12.3%``).
    unit_label : str
        Caption of the legend (``노후율 (%)``).

    Returns
    -------
    dict
        ``{"districts": {sig_cd: {"colour", "label"}}, "legend": {"caption", "stops"}}``
        for ``static/map.js``; ``stops`` are (colour, text) pairs low → high.
    """
    import branca.colormap as cm

    from maps.legends import format_tick, nice_ticks

    known = [float(v) for v in values.values() if v is not None and not math.isnan(float(v))]
    vmin, vmax = (min(known), max(known)) if known else (0.0, 1.0)
    if vmax <= vmin:
        vmax = vmin + 1.0
    scale = cm.LinearColormap(list(PALETTE), vmin=vmin, vmax=vmax)
    out: dict[str, Any] = {}
    for code, value in values.items():
        if value is None or math.isnan(float(value)):
            colour = "#cccccc"
        else:
            colour = _hex(scale.rgba_floats_tuple(float(value)))
        out[str(code)] = {"colour": colour, "label": labels.get(code, str(code))}
    inner = [t for t in nice_ticks(vmin, vmax) if vmin < t < vmax]
    ticks = [vmin, *inner, vmax]
    stops = [(_hex(scale.rgba_floats_tuple(t)), format_tick(t)) for t in ticks]
    return {"districts": out, "legend": {"caption": unit_label, "stops": stops}}
