"""Proposed sites with coverage circles in true metres and popups saying why.

Each site is a ``folium.Circle`` (Leaflet ``L.circle``: the radius is in
metres on the ground, not pixels) around the proposed point, numbered by
selection order. The popup explains the choice from whatever explanatory
columns the siting engine wrote: the order it was picked in, the demand
weight it added (``marginal_weight``), vulnerable D/E cells covered
(``new_D``, ``new_E``: D and E cells newly covered), distance to the nearest existing device
(``nearest_existing_m``), services of a smart pole (``services``), and any
further scalar column in a table below. Several proposal sets (CCTV, Wi-Fi,
smart poles) can share one map, each as its own layer.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import EmptyLayerError, InputError
from maps.base import (
    CategoricalLegend,
    base_map,
    finish_map,
    format_value,
    label_for,
    to_latlon,
)

__all__ = ["explain_site", "proposals_map"]

log = logging.getLogger(__name__)

_PALETTE = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214"]
_EXPLAINED = {
    "order",
    "marginal_weight",
    "new_D",
    "new_E",
    "nearest_existing_m",
    "services",
    "radius_m",
    "sig_cd",
    "name_ko",
    "reason",
}


def _present(row: Mapping[str, Any], column: str) -> bool:
    value = row.get(column)
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def explain_site(row: Mapping[str, Any], *, radius_m: float, kind: str) -> str:
    """The popup HTML of one proposed site: why it was chosen, then its other columns.

    Parameters
    ----------
    row : mapping
        One proposal row (columns as the siting engine wrote them).
    radius_m : float
        Coverage radius of the site (m).
    kind : str
        What is proposed (``"CCTV"``, ``"smart pole"``).

    Returns
    -------
    str
        Escaped HTML.
    """
    esc = html.escape
    head = f"<b>{esc(kind)} #{format_value(row.get('order'))}</b>"
    if _present(row, "name_ko"):
        head += f" · {esc(str(row['name_ko']))}"
    reasons: list[str] = []
    if _present(row, "reason"):
        reasons.append(str(row["reason"]))
    if _present(row, "order"):
        reasons.append(
            f"선정 순서 {format_value(row['order'])}번째: picked #{format_value(row['order'])} "
            "by the optimiser, each pick adding the most still-uncovered weight"
        )
    if _present(row, "marginal_weight"):
        reasons.append(
            f"추가 가중치 {format_value(row['marginal_weight'])}: demand weight this site "
            f"covers within {radius_m:,.0f} m that earlier picks did not"
        )
    cells = [
        f"{format_value(row[c])} {c[-1]}-grade" for c in ("new_D", "new_E") if _present(row, c)
    ]
    if cells:
        reasons.append("취약격자 vulnerable cells covered: " + ", ".join(cells))
    if _present(row, "nearest_existing_m"):
        reasons.append(
            f"기존 시설까지 {format_value(row['nearest_existing_m'])} m: distance to the "
            "nearest existing device"
        )
    if _present(row, "services"):
        services = row["services"]
        if isinstance(services, list | tuple | np.ndarray):
            services = ", ".join(map(str, services))
        reasons.append(f"서비스 services: {services}")
    body = "".join(f"<li>{esc(r)}</li>" for r in reasons)
    others = [
        (c, row[c])
        for c in row
        if c not in _EXPLAINED and c != "geometry" and not str(c).startswith("_")
    ]
    table = "".join(
        f"<tr><td>{esc(label_for(str(c)))}</td><td>{esc(format_value(v))}</td></tr>"
        for c, v in others
        if np.isscalar(v) or v is None
    )
    out = f"{head}<ul style='padding-left:16px;margin:4px 0'>{body}</ul>"
    if table:
        out += f"<table style='font-size:11px'>{table}</table>"
    return out


def _check(frame: gpd.GeoDataFrame, layer: str) -> None:
    if frame.empty:
        raise EmptyLayerError("has no proposed sites", layer=layer, fix="run the siting first")
    missing = [c for c in ("order",) if c not in frame.columns]
    if missing:
        raise InputError(
            f"has no column(s) {', '.join(missing)}",
            layer=layer,
            fix="pass the proposals written by `siting propose`",
        )
    bad = (frame.geometry.geom_type != "Point") | frame.geometry.is_empty
    if bad.any():
        raise InputError(
            "has rows that are not points",
            layer=layer,
            rows=[int(i) + 1 for i in np.flatnonzero(bad.to_numpy())],
            fix="give one point per proposed site",
        )


def proposals_map(
    districts: gpd.GeoDataFrame,
    proposals: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    *,
    radius_m: float = 50.0,
    title: str = "제안 위치 (proposed sites)",
    notes: Iterable[str] = (),
    synthetic: bool = False,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """A map of proposed sites: coverage circles in metres, numbered, with reasons.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186.
    proposals : GeoDataFrame or mapping of str to GeoDataFrame
        Points in EPSG:5186 with ``order`` and optionally ``radius_m`` and the
        explanatory columns; a mapping draws each set as its own layer (the
        key names it: ``{"CCTV": …, "smart pole": …}``). A set with a
        ``services`` column is drawn as smart-pole sites.
    radius_m : float, default 50
        Coverage radius (m) for rows without ``radius_m``.
    title : str
        Map title.
    notes : iterable of str
        Panel lines.
    synthetic : bool, default False
        Mark the map as synthetic.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.

    Returns
    -------
    folium.Map
    """
    sets = dict(proposals) if isinstance(proposals, Mapping) else {"CCTV": proposals}
    m, panel = base_map(
        districts,
        title=title,
        notes=notes,
        synthetic=synthetic,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )
    legend: list[tuple[str, str]] = []
    for index, (kind, frame) in enumerate(sets.items()):
        layer = f"proposals ({kind})"
        _check(frame, layer)
        colour = _PALETTE[index % len(_PALETTE)]
        smart = "services" in frame.columns
        latlon = to_latlon(frame, layer).sort_values("order", kind="stable")
        group = folium.FeatureGroup(
            name=f"{kind} 제안 {len(frame):,}곳 (proposed sites"
            + (", with services)" if smart else ")")
        )
        for record, point in zip(
            latlon.drop(columns="geometry").to_dict("records"), latlon.geometry, strict=True
        ):
            radius = float(record["radius_m"]) if _present(record, "radius_m") else float(radius_m)
            popup = folium.Popup(
                explain_site(record, radius_m=radius, kind=kind), max_width=360, lazy=True
            )
            tip = f"{kind} #{format_value(record['order'])}"
            if _present(record, "name_ko"):
                tip += f" · {record['name_ko']}"
            folium.Circle(
                location=[point.y, point.x],
                radius=radius,
                color=colour,
                weight=2,
                fill=True,
                fill_opacity=0.25,
                popup=popup,
                tooltip=tip,
            ).add_to(group)
            marker_html = (
                f'<div style="background:{colour};color:#fff;border-radius:9px;'
                "font:bold 10px sans-serif;text-align:center;line-height:18px;"
                f'width:18px;height:18px">{html.escape(format_value(record["order"]))}</div>'
            )
            # The number is drawn above the circle but lets clicks through to it.
            folium.Marker(
                [point.y, point.x],
                icon=folium.DivIcon(html=marker_html, icon_size=(18, 18), icon_anchor=(9, 9)),
                interactive=False,
                keyboard=False,
            ).add_to(group)
        group.add_to(m)
        legend.append((f"{kind}{' (smart pole)' if smart else ''}: {len(frame):,}", colour))
    panel.add_html(
        "<div>원 = 커버리지 반경, true metres on the ground; click a site for why it was "
        "chosen.</div>"
    )
    CategoricalLegend("제안 위치 (proposed sites)", legend).add_to(m)
    return finish_map(m)
