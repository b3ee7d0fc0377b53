"""Proposed sites a planner can find on the street, and why each was chosen.

Each proposal set (CCTV, Wi-Fi replacement, smart poles) is drawn as one
layer per district, so a reader can switch districts and devices on and off.
Sites are numbered once per plan (1…N across the plan's districts, by
district then selection order), drawn as a coverage circle in true metres with
the number on top, and open a popup in plain Korean: where the site is
(자치구, 법정동, lon/lat with a "좌표 복사" link that works offline), the
candidate's own id/name/address when the candidate layer had them, why it was
chosen (vulnerable cells and demand weight newly covered, selection order,
cost), and the raw fields folded behind a "세부 항목" (details) control.

Replacement plans (existing devices to replace, e.g. 700 Wi-Fi APs) are
drawn as clustered numbered pins, off when the map opens, so they do not bury
the new sites; any other set of more than ``cluster_above`` sites is clustered
too but shown. The map opens fitted to the sets shown at opening.

Shared maps do not reveal existing devices: distances to the nearest
existing device are given in bands (:func:`maps.privacy.distance_band`) and
existing-device ids are left out, unless ``exact_positions=True``. A set of
existing CCTV (a replacement plan, recognised by ``device_id`` with
``device_type == "cctv"``) places cameras exactly and is refused without
``exact_positions``.
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
from folium.plugins import MarkerCluster

from layers.errors import EmptyLayerError, InputError
from layers.locate import DONG_KIND, add_site_location
from layers.privacy import BAND_COLUMNS
from maps.base import base_map, finish_map, format_value, label_for
from maps.legends import CategoricalLegend
from maps.privacy import (
    EXACT_DISTANCE_COLUMNS,
    EXISTING_ID_COLUMNS,
    distance_band,
)

__all__ = ["DEFAULT_CLUSTER_ABOVE", "explain_site", "plan_numbers", "proposals_map"]

log = logging.getLogger(__name__)

#: Sets with more sites than this are clustered (replacement plans always are).
DEFAULT_CLUSTER_ABOVE = 500

_PALETTE = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214"]
_DEVICE_NAMES = {
    "cctv": "CCTV",
    "wifi": "공공와이파이",
    "wifi_replacement": "공공와이파이 교체",
    "cctv_replacement": "CCTV 교체",
    "pole": "스마트폴",
}
# Candidate attributes a planner recognises, in the order they are shown.
_CANDIDATE_ID = ("candidate_id", "device_id", "관리번호", "id")
_CANDIDATE_NAME = ("candidate_name", "name", "시설명", "보안등위치명", "와이파이명", "facility")
_CANDIDATE_ADDRESS = (
    "address",
    "road_address",
    "도로명주소",
    "소재지도로명주소",
    "소재지지번주소",
    "지번주소",
)
_LOCATION = ("lon", "lat", "sig_cd", "district", "dong", "name_ko", "x_m", "y_m")

_COPY_SCRIPT = """
<script>
function sitingCopy(link) {
  var text = link.getAttribute('data-coords');
  function done() {
    var old = link.textContent; link.textContent = '복사됨 (copied)';
    setTimeout(function () { link.textContent = old; }, 1500);
  }
  function fallback() {
    var area = document.createElement('textarea');
    area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); done(); } catch (e) { window.prompt('좌표', text); }
    document.body.removeChild(area);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else { fallback(); }
  return false;
}
</script>
"""


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


def _first(row: Mapping[str, Any], columns: Iterable[str]) -> tuple[str, Any] | None:
    for column in columns:
        if _present(row, column):
            return column, row[column]
    return None


def _krw(value: Any) -> str:
    number = float(value)
    return f"{number:,.0f}원 ({number / 1000:,.0f}천원)"


def plan_numbers(frame: pd.DataFrame) -> pd.Series:
    """One number per site, 1…N across the whole plan.

    Sites are numbered by ``order`` (or ``rank``) when it is unique across the
    plan; when it restarts in each district, by district (``sig_cd``) then
    order.

    Parameters
    ----------
    frame : DataFrame
        A proposal set with ``order`` or ``rank``.

    Returns
    -------
    Series of int
        Same index as ``frame``.
    """
    key = "order" if "order" in frame.columns else "rank"
    order = pd.to_numeric(frame[key], errors="coerce")
    by = [key] if order.is_unique or "sig_cd" not in frame.columns else ["sig_cd", key]
    ranked = frame.assign(**{key: order}).sort_values(by, kind="stable")
    numbers = pd.Series(np.arange(1, len(frame) + 1), index=ranked.index)
    return numbers.reindex(frame.index).astype("int64")


_SERVICE_NAMES = {"cctv_": "CCTV ", "wifi_": "와이파이 ", "": ""}
_MEASURES = (("area_m2", "면적", "m²"), ("length_m", "길이", "m"), ("places", "장소", "곳"))


def _newly_watched(row: Mapping[str, Any], radius_m: float, area: float) -> list[str]:
    """What the site newly watches, per service: area (m²) or cells by grade, and risk share."""
    out: list[str] = []
    prefixes = [p for p in ("cctv_", "wifi_") if any(str(c).startswith(p) for c in row)] or [""]
    for prefix in prefixes:
        name = _SERVICE_NAMES.get(prefix, prefix)
        measure = next(
            (
                (col, what, unit)
                for col, what, unit in _MEASURES
                if _present(row, f"{prefix}new_{col}")
            ),
            None,
        )
        if measure is not None:
            col, what, unit = measure
            total = float(row[f"{prefix}new_{col}"])
            split = [
                f"{g} {float(row[f'{prefix}new_{col}_{g}']):,.0f} {unit}"
                for g in ("E", "D")
                if _present(row, f"{prefix}new_{col}_{g}")
                and float(row[f"{prefix}new_{col}_{g}"]) > 0
            ]
            text = f"{name}새로 감시하는 {what} {total:,.0f} {unit}"
            if split:
                text += f" (취약격자 {' · '.join(split)})"
            if unit == "m²":
                text += f", 반경 {radius_m:,.0f} m 원 {area:,.0f} m² 중"
            if _present(row, f"{prefix}district_risk_pct"):
                text += f"; 구 전체 취약 위험의 {float(row[f'{prefix}district_risk_pct']):.2f}%"
            out.append(text)
            continue
        cells = [
            f"{g} {format_value(row[f'{prefix}new_{g}'])}곳"
            for g in ("E", "D")
            if _present(row, f"{prefix}new_{g}") and float(row[f"{prefix}new_{g}"]) > 0
        ]
        if cells:
            out.append(
                f"{name}새로 감시하는 취약격자 {' · '.join(cells)} (반경 {radius_m:,.0f} m, "
                f"원 면적 {area:,.0f} m²)"
            )
        elif _present(row, f"{prefix}new_features"):
            out.append(
                f"{name}새로 포함하는 수요 지점 {format_value(row[f'{prefix}new_features'])}곳 "
                f"(반경 {radius_m:,.0f} m)"
            )
    return out


def _reasons(row: Mapping[str, Any], radius_m: float, exact_positions: bool) -> list[str]:
    reasons: list[str] = []
    if _present(row, "action") and str(row["action"]) == "move":
        reasons.append(
            f"교체하며 {format_value(row.get('move_m'))} m 옮김 (moved when replaced)"
            if _present(row, "move_m")
            else "교체하며 옮김 (moved when replaced)"
        )
    elif _present(row, "action") and str(row["action"]) == "replace":
        reasons.append("같은 자리에서 교체 (replaced in place)")
    if _present(row, "reason") and ("device_id" in row or "age_years" in row):
        reasons.append(f"교체 사유: {row['reason']}")
    if _present(row, "age_years"):
        reasons.append(f"설치 후 {format_value(row['age_years'])}년 경과")
    area = np.pi * radius_m**2
    reasons.extend(_newly_watched(row, radius_m, area))
    if _present(row, "marginal_weight"):
        text = f"새로 감시하는 위험 가중치 {format_value(row['marginal_weight'])}"
        if _present(row, "cumulative_pct"):
            text += f" (여기까지 누적 {float(row['cumulative_pct']):.1f}%)"
        reasons.append(text)
    elif _present(row, "covered_weight"):
        text = f"이 시설이 감시하는 위험 가중치 {format_value(row['covered_weight'])}"
        if _present(row, "sole_weight"):
            text += f", 이 시설만 감시하는 몫 {format_value(row['sole_weight'])}"
        reasons.append(text)
    if _present(row, "order") and not _present(row, "rank"):
        reasons.append(f"최적화가 {format_value(row['order'])}번째로 선정")
    elif _present(row, "rank"):
        reasons.append(f"교체 우선순위 {format_value(row['rank'])}위 (덮는 수요가 큰 순)")
    if _present(row, "services"):
        services = row["services"]
        if isinstance(services, list | tuple | np.ndarray):
            services = ", ".join(map(str, services))
        reasons.append(f"기능: {services}")
    for column, what in (
        ("nearest_existing_m", "가장 가까운 기존 시설"),
        ("nearest_clutter_m", "가장 가까운 기존 설비"),
    ):
        band = BAND_COLUMNS[column]
        if _present(row, column):
            value = float(row[column])
            shown = f"{value:,.0f} m" if exact_positions else distance_band(value)
            reasons.append(f"{what}까지 {shown}")
        elif _present(row, band) and str(row[band]) != "—":
            reasons.append(f"{what}까지 {row[band]}")  # a shared file: bands only
    if _present(row, "cost_krw"):
        reasons.append(f"비용 {_krw(row['cost_krw'])}")
    return reasons


def explain_site(
    row: Mapping[str, Any],
    *,
    radius_m: float,
    kind: str,
    number: int | None = None,
    exact_positions: bool = False,
) -> str:
    """The popup HTML of one proposed site, in plain Korean, raw fields folded away.

    Parameters
    ----------
    row : mapping
        One proposal row (columns of the siting engine, plus ``lon``, ``lat``,
        ``district``, ``dong`` from :func:`layers.locate.add_site_location`).
    radius_m : float
        Coverage radius of the site (m).
    kind : str
        What is proposed (``"CCTV"``, ``"스마트폴"``).
    number : int, optional
        The site's number in the plan (default its ``order``).
    exact_positions : bool, default False
        Show exact distances and ids of existing devices (internal maps only).

    Returns
    -------
    str
        HTML (values escaped).
    """
    esc = html.escape
    shown = number if number is not None else row.get("order")
    out = [f'<div class="siting-popup"><h4>{esc(kind)} 제안 #{esc(format_value(shown))}</h4>']
    place = " ".join(str(row[c]) for c in ("district", "dong") if _present(row, c)) or str(
        row.get("name_ko", "")
    )
    # The dong kind the row was located with (no dong_kind column: the bundled 법정동).
    dong = str(row["dong_kind"]) if _present(row, "dong_kind") else DONG_KIND
    if _present(row, "dong_cd"):
        dong += f" {row['dong_cd']}"
    if _present(row, "lon") and _present(row, "lat"):
        lat, lon = float(row["lat"]), float(row["lon"])
        coords = f"{lat:.6f}, {lon:.6f}"
        out.append(
            f"<div>위치: 서울 {esc(place)} ({esc(dong)})</div>"
            f"<div>위도 lat {lat:.6f}, 경도 lon {lon:.6f} "
            f'<a href="#" class="siting-copy" data-coords="{esc(coords)}" '
            'onclick="return sitingCopy(this)">좌표 복사</a></div>'
        )
    candidate = [
        ("시설 번호" if found[0] == "device_id" else label, found[1])
        for label, columns in (
            ("후보 번호", _CANDIDATE_ID),
            ("이름", _CANDIDATE_NAME),
            ("주소", _CANDIDATE_ADDRESS),
        )
        if (found := _first(row, columns)) is not None
    ]
    if candidate:
        out.append(
            "<div>"
            + " · ".join(f"{esc(label)} {esc(str(value))}" for label, value in candidate)
            + "</div>"
        )
    reasons = _reasons(row, radius_m, exact_positions)
    if reasons:
        out.append(
            "<b>왜 이 자리인가</b><ul>" + "".join(f"<li>{esc(r)}</li>" for r in reasons) + "</ul>"
        )
    hidden = (
        set(EXISTING_ID_COLUMNS) | set(EXACT_DISTANCE_COLUMNS) if not exact_positions else set()
    )
    if not exact_positions and _present(row, "reason") and "nearest_existing_m" in row:
        hidden.add("reason")  # the engine's sentence quotes the exact distance
    hidden |= {"lon", "lat", "district", "dong", "dong_cd", "dong_kind", "name_ko", "sig_cd"}
    hidden |= set(BAND_COLUMNS.values())
    raw = [
        (c, v)
        for c, v in row.items()
        if c not in hidden
        and c != "geometry"
        and not str(c).startswith("_")
        and (np.isscalar(v) or v is None)
    ]
    if raw:
        table = "".join(
            f"<tr><td>{esc(label_for(str(c)))}</td><td>{esc(format_value(v))}</td></tr>"
            for c, v in raw
        )
        out.append(
            f"<details><summary>세부 항목 (details)</summary><table>{table}</table></details>"
        )
    out.append("</div>")
    return "".join(out)


def _check(frame: gpd.GeoDataFrame, layer: str) -> None:
    if frame.empty:
        raise EmptyLayerError("has no proposed sites", layer=layer, fix="run the siting first")
    if "order" not in frame.columns and "rank" not in frame.columns:
        raise InputError(
            "has no order or rank column",
            layer=layer,
            fix="pass the proposals written by `siting propose` or `siting replace`",
        )
    bad = (frame.geometry.geom_type != "Point") | frame.geometry.is_empty
    if bad.any():
        raise InputError(
            "has rows that are not points",
            layer=layer,
            rows=[int(i) + 1 for i in np.flatnonzero(bad.to_numpy())],
            fix="give one point per proposed site",
        )


def _existing_cctv(frame: pd.DataFrame) -> bool:
    if not _replacement(frame):
        return False
    types = frame.get("device_type")
    return types is not None and bool(types.astype(str).str.lower().eq("cctv").any())


#: Columns only a replacement plan (``siting replace``) has.
_REPLACEMENT_COLUMNS = ("action", "sole_weight", "age_years")


def _replacement(frame: pd.DataFrame) -> bool:
    """A plan of existing devices to replace (not new sites)."""
    return "device_id" in frame.columns and any(c in frame.columns for c in _REPLACEMENT_COLUMNS)


def _located(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if all(c in frame.columns for c in ("lon", "lat", "district", "dong")):
        return frame
    return add_site_location(frame)


def _pin(colour: str, number: int) -> folium.DivIcon:
    width = 18 if number < 100 else 26
    return folium.DivIcon(
        html=(
            f'<div class="siting-site-number" style="background:{colour};color:#fff;'
            "border-radius:9px;font:bold 10px sans-serif;text-align:center;line-height:18px;"
            f'width:{width}px;height:18px">{number}</div>'
        ),
        icon_size=(width, 18),
        icon_anchor=(width // 2, 9),
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
    cluster_above: int = DEFAULT_CLUSTER_ABOVE,
    exact_positions: bool = False,
    dongs: bool = True,
) -> folium.Map:
    """A map of proposed sites: one layer per device and district, popups that say why.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186.
    proposals : GeoDataFrame or mapping of str to GeoDataFrame
        Points in EPSG:5186 with ``order`` (or ``rank``) and optionally
        ``radius_m`` and the explanatory columns; a mapping draws each set as
        its own layers (the key names it: ``{"cctv": …, "pole": …}``). Sets
        without ``lon``/``lat``/``dong`` are located with
        :func:`layers.locate.add_site_location`.
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
    cluster_above : int, default 500
        Sets with more sites are clustered. Replacement plans (rows with
        ``device_id``: existing devices) are always clustered and off at
        opening.
    exact_positions : bool, default False
        Show exact distances to and ids of existing devices (internal maps).
    dongs : bool, default True
        Add the 법정동 outlines of the proposals' districts (off at opening).

    Returns
    -------
    folium.Map
    """
    sets = dict(proposals) if isinstance(proposals, Mapping) else {"cctv": proposals}
    located: dict[str, gpd.GeoDataFrame] = {}
    for kind, frame in sets.items():
        layer = f"proposals ({kind})"
        _check(frame, layer)
        if _existing_cctv(frame) and not exact_positions:
            raise InputError(
                "places existing CCTV cameras exactly (a replacement plan); a shared map must not",
                layer=layer,
                fix="map it with exact_positions=True (--exact-positions) for internal use only",
            )
        located[kind] = _located(frame)
    shown = [f for f in located.values() if not _replacement(f)] or list(located.values())
    fit = gpd.GeoSeries(pd.concat([f.geometry for f in shown]), crs=districts.crs)
    codes = sorted({str(c) for f in located.values() for c in f["sig_cd"] if c})
    m, panel = base_map(
        districts,
        title=title,
        notes=notes,
        synthetic=synthetic,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        dongs=codes if dongs and codes else False,
        fit=fit,
    )
    root = m.get_root()
    if isinstance(root, Figure):
        root.header.add_child(Element(_COPY_SCRIPT), name="siting_copy")
    legend: list[tuple[str, str]] = []
    drawn: list[folium.FeatureGroup | MarkerCluster] = []
    names = dict(zip(districts["sig_cd"], districts["name_ko"], strict=True))
    for index, (kind, frame) in enumerate(located.items()):
        colour = _PALETTE[index % len(_PALETTE)]
        label = _DEVICE_NAMES.get(kind, kind)
        hidden = _replacement(frame)
        clustered = hidden or len(frame) > cluster_above
        numbers = plan_numbers(frame)
        latlon = frame.to_crs("EPSG:4326")
        # Large clustered sets get one layer (25 district toggles of clusters would bury
        # the layer list); the others one layer per district.
        parts = (
            [("", np.ones(len(frame), dtype=bool))]
            if clustered
            else [
                (code, (frame["sig_cd"].astype(str) == code).to_numpy())
                for code in sorted({str(c) for c in frame["sig_cd"]})
            ]
        )
        for code, part in parts:
            where = names.get(code, "위치 미상 (outside Seoul)") if code else "전체 자치구"
            name = f"{label} · {where} {int(part.sum()):,}곳"
            group: folium.FeatureGroup | MarkerCluster
            if clustered:
                group = MarkerCluster(
                    name=name + " (묶음 clustered)",
                    show=not hidden,
                    options={"showCoverageOnHover": False, "disableClusteringAtZoom": 17},
                )
            else:
                group = folium.FeatureGroup(name=name, show=True)
            rows = frame.loc[part].drop(columns=frame.geometry.name).to_dict("records")
            for record, point, number in zip(
                rows, latlon.geometry[part], numbers[part], strict=True
            ):
                radius = (
                    float(record["radius_m"]) if _present(record, "radius_m") else float(radius_m)
                )
                popup = folium.Popup(
                    explain_site(
                        record,
                        radius_m=radius,
                        kind=label,
                        number=int(number),
                        exact_positions=exact_positions,
                    ),
                    max_width=380,
                    lazy=True,
                )
                tip = f"{label} #{int(number)}"
                if _present(record, "dong"):
                    tip += f" · {record['dong']}"
                if not clustered:
                    folium.Circle(
                        location=[point.y, point.x],
                        radius=radius,
                        color=colour,
                        weight=2,
                        fill=True,
                        fill_opacity=0.25,
                        popup=popup,
                        tooltip=tip,
                        className="siting-site",
                    ).add_to(group)
                    # The number sits above the circle and lets clicks through to it.
                    folium.Marker(
                        [point.y, point.x],
                        icon=_pin(colour, int(number)),
                        interactive=False,
                        keyboard=False,
                    ).add_to(group)
                else:
                    folium.Marker(
                        [point.y, point.x], icon=_pin(colour, int(number)), popup=popup, tooltip=tip
                    ).add_to(group)
            group.add_to(m)
            drawn.append(group)
        suffix = (
            " (묶음, 처음엔 꺼짐 clustered, off at opening)"
            if hidden
            else (" (묶음 clustered)" if clustered else "")
        )
        legend.append((f"{label}: {len(frame):,}곳{suffix}", colour))
    panel.add_html(
        "<div>원 = 커버리지 반경 (실제 m). 번호는 계획 전체의 일련번호. 지점을 누르면 선정 "
        "이유와 좌표. Circles are coverage radii in true metres; click a site.</div>"
    )
    panel.add_html(
        "<div>기존 시설까지 거리는 구간으로만 표시 (distances to existing devices in bands; "
        "no existing-device ids).</div>"
        if not exact_positions
        else '<div class="privacy-on">기존 시설 거리·번호 표시 (exact distances and ids of '
        "existing devices shown): do not share outside the office.</div>"
    )
    CategoricalLegend("제안 위치 (proposed sites)", legend, layer=drawn).add_to(m)
    return finish_map(m)
