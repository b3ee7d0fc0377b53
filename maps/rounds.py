"""A subsidy round on the map: total points as colour, the funding result as outline or hatch.

Districts are coloured by ``total_points`` (a colour bar with round ticks);
the result of the allocation is drawn on top so it reads without hovering:

- 전액 지원 (funded): thick solid outline;
- 일부 지원 (partly funded): thick dashed outline;
- 미지원 (not funded): thin outline;
- 지원 제외 (ineligible: matching funds not secured): diagonal hatch.

Hovering a district gives the result in words: rank, points, 재정자립도 %,
the need indicator of the round (취약격자 D·E 수, CCTV 노후율 …), requested
and granted amounts in 천원 with separators, the reason, and any data-quirk
note of the bundled statistics that the round used (:mod:`layers.quirks`).
The panel says whether the criteria are the city's written ones (붙임8 for the
three CCTV programmes) or assumed (Wi-Fi, smart poles).
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
from branca.element import Element, Figure

from layers.errors import InputError
from layers.quirks import quirks_for
from maps.base import base_map, district_layer, finish_map
from maps.boundaries import display_geometry
from maps.choropleth import NO_DATA_COLOUR, join_values
from maps.legends import CategoricalLegend, ColourBar
from scoring.criteria import Criteria

__all__ = ["STATUS_STYLES", "funding_status", "round_map", "round_tooltip"]

log = logging.getLogger(__name__)

_COLOURS = ["#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"]
_HATCH_ID = "siting-hatch"

#: Funding status → (Korean label, Leaflet outline style, legend swatch CSS).
STATUS_STYLES: dict[str, tuple[str, dict[str, Any], str]] = {
    "funded": (
        "전액 지원 (funded)",
        {"weight": 4, "color": "#08306b"},
        "border:3px solid #08306b",
    ),
    "partly funded": (
        "일부 지원 (partly funded)",
        {"weight": 4, "color": "#08306b", "dashArray": "8 5"},
        "border:3px dashed #08306b",
    ),
    "not funded": (
        "미지원 (not funded)",
        {"weight": 1, "color": "#555555"},
        "border:1px solid #555",
    ),
    "ineligible": (
        "지원 제외: 매칭 미확보 (ineligible)",
        {"weight": 1, "color": "#555555"},
        "border:1px solid #555;background:repeating-linear-gradient(45deg,#555 0 1.5px,"
        "transparent 1.5px 5px)",
    ),
}

# Need indicators met in round tables: column → (label, unit, decimals).
_INDICATORS: dict[str, tuple[str, str, int]] = {
    "vulnerable_cells": ("취약격자 D·E 수", "개", 0),
    "ageing_ratio_pct": ("CCTV 노후율 (8년 이상)", "%", 1),
    "cctv_ageing_ratio_pct": ("CCTV 노후율 (8년 이상)", "%", 1),
    "intelligent_rate_pct": ("지능형 CCTV 적용률", "%", 1),
    "commitment": ("추진의지 평가", "점", 0),
    "aged_65plus_2024q4": ("65세 이상 인구 (2024 4분기)", "명", 0),
    "north_of_han": ("강북 여부 (1 = 강북)", "", 0),
}
_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    f'<pattern id="{_HATCH_ID}" width="7" height="7" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="7" '
    'stroke="#444" stroke-width="2"/></pattern></defs></svg>'
)


def funding_status(table: pd.DataFrame) -> pd.Series:
    """Status per row: funded, partly funded, not funded or ineligible.

    ``ineligible`` when ``eligible`` is false or the reason says so; otherwise
    the allocation's ``status`` column; a table without one is judged by
    ``city_share_krw`` against ``city_share_requested_krw``.
    """
    n = len(table)
    status = pd.Series(["not funded"] * n, index=table.index, dtype=object)
    if "status" in table.columns:
        given = table["status"].astype("string").fillna("not funded").str.strip()
        status[:] = given.where(given.isin(list(STATUS_STYLES)), "not funded").to_numpy()
    elif "city_share_krw" in table.columns:
        granted = pd.to_numeric(table["city_share_krw"], errors="coerce").fillna(0)
        asked = pd.to_numeric(
            table.get("city_share_requested_krw", granted), errors="coerce"
        ).fillna(0)
        status[(granted > 0) & (granted >= asked)] = "funded"
        status[(granted > 0) & (granted < asked)] = "partly funded"
    ineligible = pd.Series(False, index=table.index)
    if "eligible" in table.columns:
        flag = table["eligible"].map(
            lambda v: str(v).strip().lower() in ("false", "0", "no", "아니오")
        )
        ineligible |= flag.astype(bool)
    if "reason" in table.columns:
        ineligible |= table["reason"].astype("string").fillna("").str.startswith("ineligible")
    if "applicant" in table.columns:
        applied = table["applicant"].map(lambda v: str(v).strip().lower() in ("true", "1"))
        ineligible &= applied.astype(bool)  # no request is "not funded", not "ineligible"
    status[ineligible] = "ineligible"
    return status


def _number(value: Any, decimals: int = 0) -> str:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(number):
        return "—"
    return f"{float(number):,.{decimals}f}"


def _thousand_won(value: Any) -> str:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(number):
        return "—"
    krw = float(number)
    return f"{krw / 1000:,.0f}천원 ({krw:,.0f}원)"


def round_tooltip(row: Mapping[str, Any], status: str, quirks: Iterable[str] = ()) -> str:
    """The hover text of one district in words (trusted HTML, values escaped).

    Parameters
    ----------
    row : mapping
        One row of the scored round (columns of ``siting score``).
    status : str
        Its funding status (a key of :data:`STATUS_STYLES`).
    quirks : iterable of str
        Data-quirk notes for this district (Korean).

    Returns
    -------
    str
    """
    esc = html.escape
    lines = [f"<b>{esc(str(row.get('name_ko', row.get('sig_cd', ''))))}</b>"]
    if not pd.isna(row.get("priority")):
        lines.append(
            f"순위 {_number(row.get('priority'))}위 · 총점 {_number(row.get('total_points'), 1)}점"
        )
    parts = [
        f"{label} {_number(row.get(col), 1)}점"
        for col, label in (("fiscal_points", "재정"), ("need_points", "수요"))
        if col in row and not pd.isna(row.get(col))
    ]
    if parts:
        lines.append("배점: " + " + ".join(parts))
    if "fiscal_self_reliance_pct" in row:
        lines.append(f"재정자립도 {_number(row['fiscal_self_reliance_pct'], 1)}%")
    for column, (label, unit, decimals) in _INDICATORS.items():
        if column not in row or (column == "cctv_ageing_ratio_pct" and "ageing_ratio_pct" in row):
            continue
        lines.append(f"{label} {_number(row[column], decimals)}{unit}")
    if "requested_krw" in row and not pd.isna(row.get("requested_krw")):
        lines.append(f"신청 사업비 {_thousand_won(row['requested_krw'])}")
    if "city_share_krw" in row:
        lines.append(f"배분액(시비) {_thousand_won(row['city_share_krw'])}")
    label = STATUS_STYLES[status][0]
    reason = row.get("reason")
    reason_text = f": {esc(str(reason))}" if isinstance(reason, str) and reason else ""
    lines.append(f"결과 <b>{esc(label)}</b>{reason_text}")
    lines.extend(f'<span style="color:#8a4b00">⚠ {esc(q)}</span>' for q in quirks)
    return "<br>".join(lines)


def _field_label(field: str) -> str:
    if field == "fiscal_self_reliance_pct":
        return "재정자립도"
    return _INDICATORS[field][0] if field in _INDICATORS else field


def _criteria_note(criteria: Criteria | None) -> str:
    if criteria is None:
        return "기준: 명시되지 않음 (criteria not given; see the round's report)"
    if criteria.basis == "written":
        return f"서울시 지원기준 (the city's written criteria): {criteria.source}"
    return (
        "가정한 기준 (ASSUMED criteria, not the city's written rules; none are published for "
        "this programme)" + (f"; context: {criteria.source}" if criteria.source else "")
    )


def round_map(
    districts: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    criteria: Criteria | None = None,
    title: str | None = None,
    notes: Iterable[str] = (),
    synthetic: bool = False,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
) -> folium.Map:
    """Map a scored and allocated round: points as colour, funding status as outline/hatch.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186.
    table : DataFrame
        The round as ``siting score`` writes it: ``sig_cd``, ``total_points``
        and, when present, ``priority``, ``fiscal_points``, ``need_points``,
        the criteria's source columns, ``requested_krw``, ``city_share_krw``
        (KRW), ``eligible``, ``applicant``, ``status``, ``reason``.
    criteria : Criteria, optional
        The round's criteria: the panel says whether they are written or
        assumed, and the quirk notes of their source columns are shown.
    title : str, optional
        Map title.
    notes : iterable of str
        Panel lines.
    synthetic : bool, default False
        Mark the map as made from synthetic data.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.

    Returns
    -------
    folium.Map
    """
    if "total_points" not in table.columns:
        raise InputError(
            "has no total_points column",
            layer="round",
            fix="give the round table written by `siting score`",
        )
    columns = [c for c in table.columns if c not in ("sig_cd", "name_ko", "name_en")]
    frame = join_values(districts, table, columns, layer="round")
    status = funding_status(frame)
    points = pd.to_numeric(frame["total_points"], errors="coerce").astype(float)
    finite = points[np.isfinite(points)]
    if finite.empty:
        raise InputError(
            "has no total_points for any district",
            layer="round",
            fix="check that the table's sig_cd match Seoul's districts",
        )
    vmin, vmax = float(finite.min()), float(finite.max())
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    import branca.colormap as cm

    colormap = cm.LinearColormap(_COLOURS, vmin=vmin, vmax=vmax)
    fields = [c.column for c in criteria.criteria] if criteria is not None else []
    fields += [c for c in ("fiscal_self_reliance_pct", *_INDICATORS) if c in table.columns]
    quirk_rows = quirks_for(dict.fromkeys(fields), list(frame["sig_cd"]))
    per_district: dict[str, list[str]] = {}
    for q in quirk_rows.itertuples():
        per_district.setdefault(str(q.sig_cd), []).append(str(q.note_ko))
    shown = ["sig_cd", "name_ko", *[c for c in table.columns if c not in ("sig_cd", "name_ko")]]
    tips = [
        round_tooltip(row, s, dict.fromkeys(per_district.get(str(row["sig_cd"]), [])))
        for row, s in zip(frame[shown].to_dict("records"), status, strict=True)
    ]
    panel_notes = [_criteria_note(criteria), *notes]
    single = quirk_rows[quirk_rows["scope"] == "district"] if len(quirk_rows) else quirk_rows
    for q in single.drop_duplicates(["sig_cd", "field"]).itertuples():
        panel_notes.append(f"⚠ {q.name_ko}: {q.note_ko} ({q.source})")
    whole = quirk_rows[quirk_rows["scope"] == "all districts"] if len(quirk_rows) else quirk_rows
    for q in whole.drop_duplicates(["field"]).itertuples():
        panel_notes.append(f"⚠ 모든 자치구 {_field_label(str(q.field))}: {q.note_ko} ({q.source})")
    m, _ = base_map(
        districts,
        title=title or "보조금 배점과 지원 결과 (round points and funding)",
        notes=panel_notes,
        synthetic=synthetic,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        boundaries=False,
    )
    root = m.get_root()
    if isinstance(root, Figure):
        root.html.add_child(Element(_HATCH_SVG), name="siting_hatch")
    frame = frame.assign(_status=status.to_numpy())

    def fill(row: Mapping[str, Any]) -> str:
        value = row["total_points"]
        if pd.isna(value) or not np.isfinite(float(value)):
            return NO_DATA_COLOUR
        return str(colormap(float(value)))[:7]

    layer = district_layer(
        frame,
        name="총점과 지원 결과 (points and funding)",
        fill=fill,
        outline=lambda row: STATUS_STYLES[row["_status"]][1],
        tooltip_html=tips,
    )
    layer.add_to(m)
    ineligible = frame[frame["_status"] == "ineligible"]
    if len(ineligible):
        shapes = gpd.GeoDataFrame(
            geometry=display_geometry(frame.geometry)[ineligible.index], crs=frame.crs
        ).to_crs("EPSG:4326")
        folium.GeoJson(
            shapes.to_json(drop_id=True, to_wgs84=False),
            name="지원 제외 빗금 (ineligible, hatched)",
            style_function=lambda _: {
                "color": "#444444",
                "weight": 1,
                "fillColor": f"url(#{_HATCH_ID})",
                "fillOpacity": 1.0,
                "className": "siting-hatch",
            },
            interactive=False,
            control=False,
        ).add_to(m)
    ColourBar(
        _COLOURS, vmin, vmax, caption="총점 (total points)", layer=layer, position="bottomright"
    ).add_to(m)
    counts = status.value_counts()
    CategoricalLegend(
        "지원 결과 (funding status)",
        [
            (f"{label}: {int(counts.get(key, 0))}", "", css)
            for key, (label, _, css) in STATUS_STYLES.items()
        ],
        layer=layer,
    ).add_to(m)
    return finish_map(m)
