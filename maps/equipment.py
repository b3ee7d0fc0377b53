"""Existing equipment (CCTV, Wi-Fi APs, poles) by age class, private by default.

Shared maps must not leak where existing cameras are. By default
(``exact_positions=False``) devices are counted per square cell of
``cell_m`` metres (EPSG:5186, aligned on multiples of ``cell_m``) and per
district; the exact points are drawn only with ``exact_positions=True``, and
the choice is recorded visibly in the map panel and in a
``<meta name="siting-exact-positions">`` tag.

Age classes (years since install at ``reference_year``): younger than 4, 4 to
``aged_min_age - 1``, ``aged_min_age`` or more (aged; 8 for CCTV per 붙임8,
7 for Wi-Fi APs), and install year unknown.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure
from folium.plugins import FastMarkerCluster

from layers.age import device_age
from layers.crs import require_working_crs
from layers.errors import ConfigError, EmptyLayerError, InputError
from maps.base import (
    MapPanel,
    base_map,
    district_layer,
    finish_map,
    to_latlon,
)
from maps.legends import CategoricalLegend
from maps.privacy import DEFAULT_MIN_DEVICES, CellSuppression, suppress_small_cells

__all__ = [
    "AGE_CLASS_COLOURS",
    "MIN_CELL_M",
    "add_equipment_layers",
    "age_classes",
    "equipment_map",
]

log = logging.getLogger(__name__)

#: Smallest aggregation cell (m); finer cells come close to exact positions.
MIN_CELL_M = 100.0
#: Colour per age class, youngest first, then "unknown".
AGE_CLASS_COLOURS = ["#1b9e77", "#7570b3", "#d95f02", "#999999"]


def _class_labels(aged_min_age: int) -> list[str]:
    return [
        "4년 미만 (< 4 years)",
        f"4–{aged_min_age - 1}년 (4–{aged_min_age - 1} years)",
        f"{aged_min_age}년 이상 노후 (≥ {aged_min_age} years, aged)",
        "설치연도 미상 (install year unknown)",
    ]


def age_classes(
    install_year: pd.Series, *, reference_year: int, aged_min_age: int = 8
) -> pd.Series:
    """Age class code per device: 0 (< 4 y), 1 (4 to aged−1 y), 2 (aged), 3 (unknown).

    Parameters
    ----------
    install_year : Series
        Install years (NaN when unknown).
    reference_year : int
        Year ages are measured at (age = reference_year − install_year, years).
    aged_min_age : int, default 8
        Age from which a device is aged (years).

    Returns
    -------
    Series of int
    """
    if aged_min_age <= 4:
        raise ConfigError(
            f"aged_min_age={aged_min_age} leaves no 4-to-aged class",
            layer="equipment",
            fix="use an ageing threshold above 4 years (8 for CCTV, 7 for Wi-Fi)",
        )
    age = device_age(install_year, reference_year)  # the one age rule (layers.age)
    with np.errstate(invalid="ignore"):
        young, middle = age < 4, age < aged_min_age
    code = np.select(
        [np.isnan(age), young, middle],
        [3, 0, 1],
        default=2,
    )
    return pd.Series(code, index=install_year.index, dtype="int64")


def _check_inventory(inventory: gpd.GeoDataFrame, layer: str) -> None:
    require_working_crs(inventory, layer)
    if inventory.empty:
        raise EmptyLayerError("has no devices", layer=layer, fix="check the inventory file")
    if "install_year" not in inventory.columns:
        raise InputError(
            "has no install_year column",
            layer=layer,
            fix="read the inventory with layers.read_layer, which derives install_year",
        )
    bad = ~inventory.geometry.geom_type.isin(["Point"]) | inventory.geometry.is_empty
    if bad.any():
        raise InputError(
            "has rows that are not points",
            layer=layer,
            rows=[int(i) + 1 for i in np.flatnonzero(bad.to_numpy())],
            fix="give one point per device or site",
        )


def _cells(
    inventory: gpd.GeoDataFrame,
    codes: pd.Series,
    weight: pd.Series,
    cell_m: float,
    districts: gpd.GeoDataFrame,
    min_devices: int,
) -> tuple[gpd.GeoDataFrame, CellSuppression]:
    x, y = inventory.geometry.x.to_numpy(), inventory.geometry.y.to_numpy()
    frame = pd.DataFrame(
        {
            "ix": np.floor(x / cell_m).astype("int64"),
            "iy": np.floor(y / cell_m).astype("int64"),
            "code": codes.to_numpy(),
            "n": weight.to_numpy(),
        }
    )
    counts = frame.pivot_table(
        index=["ix", "iy"], columns="code", values="n", aggfunc="sum", fill_value=0
    )
    counts = counts.reindex(columns=range(4), fill_value=0)
    sites = frame.groupby(["ix", "iy"]).size()
    table = pd.DataFrame(
        {
            "devices": counts.sum(axis=1).astype("int64"),
            "sites": sites.astype("int64"),
            **{f"class_{c}": counts[c].astype("int64") for c in range(4)},
        }
    ).reset_index()
    result = suppress_small_cells(
        table,
        cell_m=cell_m,
        k=min_devices,
        count_columns=["devices", "sites", *[f"class_{c}" for c in range(4)]],
    )
    table = result.cells.reset_index(drop=True)
    size = table["cell_m"].to_numpy()
    x0 = table["ix"].to_numpy() * size
    y0 = table["iy"].to_numpy() * size
    geometry = shapely.box(x0, y0, x0 + size, y0 + size)
    cells = gpd.GeoDataFrame(table, geometry=geometry, crs=inventory.crs)
    centres = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(x0 + size / 2, y0 + size / 2), crs=inventory.crs
    )
    names = gpd.sjoin_nearest(centres, districts[["name_ko", "geometry"]], how="left")
    cells["name_ko"] = names[~names.index.duplicated()]["name_ko"].to_numpy()
    return cells, result


_CELL_COLOURS = ["#fff5eb", "#fdbe85", "#fd8d3c", "#d94701", "#8c2d04"]


def _round_up(value: float) -> int:
    """``value`` rounded up to 1, 2 or 5 × 10ᵏ (class breaks a reader can take in)."""
    if value <= 1:
        return 1
    power = 10 ** int(np.floor(np.log10(value)))
    for factor in (1, 2, 5, 10):
        if factor * power >= value:
            return int(factor * power)
    return int(10 * power)


def _aggregated_layer(
    cells: gpd.GeoDataFrame, labels: list[str], cell_m: float, device_label: str
) -> tuple[folium.GeoJson, list[str], list[int]]:
    known = cells[[f"class_{c}" for c in range(3)]].sum(axis=1)
    cells = cells.assign(
        aged_pct=np.where(known > 0, 100.0 * cells["class_2"] / known.where(known > 0, 1), np.nan)
    )
    low = int(cells["devices"].min())
    top = int(cells["devices"].max())
    inner = [_round_up(q) for q in np.quantile(cells["devices"], [0.5, 0.75, 0.9])]
    breaks = sorted({low, *[b for b in inner if low < b <= top], top + 1})
    colours = _CELL_COLOURS[-(len(breaks) - 1) :] if len(breaks) > 2 else ["#fd8d3c"]
    class_index = np.searchsorted(breaks, cells["devices"].to_numpy(), side="right") - 1
    latlon = to_latlon(cells, "equipment cells")
    features = []
    for row, geom, index in zip(
        latlon.itertuples(index=False), latlon.geometry, class_index, strict=True
    ):
        tip = [
            f"<b>{html.escape(str(row.name_ko))}</b>"
            + (f" · {row.cell_m:,.0f} m 합친 격자 (merged cell)" if row.cell_m > cell_m else ""),
            f"<b>{row.devices:,}</b> {html.escape(device_label)} at {row.sites:,} site(s)",
        ]
        tip += [
            f"{html.escape(labels[c])}: {getattr(row, f'class_{c}'):,}"
            for c in range(4)
            if getattr(row, f"class_{c}")
        ]
        if np.isfinite(row.aged_pct):
            tip.append(f"노후율 aged share: {row.aged_pct:.1f}%")
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "fill": colours[min(int(index), len(colours) - 1)],
                    "tip": "<br>".join(tip),
                },
            }
        )
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=f"{device_label} {cell_m:,.0f} m 격자 집계 (per-cell counts)",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#555555",
            "weight": 0.3,
            "fillOpacity": 0.7,
        },
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    )
    return layer, colours, breaks


_CALLBACK = """
function callback(row) {
    var colours = %s;
    var labels = %s;
    var m = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 4, weight: 1, color: '#333', fillColor: colours[row[2]], fillOpacity: 0.9});
    m.bindTooltip(row[3] + ' · ' + labels[row[2]]);
    return m;
}
"""


def add_equipment_layers(
    m: folium.Map,
    panel: MapPanel,
    districts: gpd.GeoDataFrame,
    inventory: gpd.GeoDataFrame,
    *,
    reference_year: int,
    device_label: str = "CCTV",
    aged_min_age: int = 8,
    exact_positions: bool = False,
    cell_m: float = 500.0,
    min_devices: int = DEFAULT_MIN_DEVICES,
    layer: str = "equipment",
) -> None:
    """Add equipment layers to a map: per-district counts, then cells or exact sites.

    Parameters are those of :func:`equipment_map`; ``m`` and ``panel`` come
    from :func:`maps.base.base_map`. The privacy setting is written into the
    panel and a ``<meta name="siting-exact-positions">`` tag.
    """
    _check_inventory(inventory, layer)
    if cell_m < MIN_CELL_M:
        raise ConfigError(
            f"cell_m={cell_m:g} m is below {MIN_CELL_M:g} m, close to exact positions",
            layer=layer,
            fix="use cells of at least 100 m, or exact_positions=True on purpose",
        )
    weight = (
        pd.to_numeric(inventory["n_devices"], errors="coerce").fillna(1).astype("int64")
        if "n_devices" in inventory.columns
        else pd.Series(1, index=inventory.index, dtype="int64")
    )
    codes = age_classes(
        inventory["install_year"], reference_year=reference_year, aged_min_age=aged_min_age
    )
    labels = _class_labels(aged_min_age)
    totals = [int(weight[codes == c].sum()) for c in range(4)]
    privacy = (
        "정확한 위치 표시 EXACT POSITIONS SHOWN (exact_positions on): do not share outside "
        "the office."
        if exact_positions
        else f"정확한 위치 숨김: exact positions hidden; devices counted per {cell_m:,.0f} m cell "
        "and per district (turn on only with --exact-positions)."
    )
    panel.add_html(
        f"<div>{int(weight.sum()):,} {html.escape(device_label)} at {len(inventory):,} sites; "
        f"ages at {reference_year}; aged = ≥ {aged_min_age} years.</div>"
    )
    css = "privacy-on" if exact_positions else "privacy-off"
    panel.add_html(f'<div class="{css}">{html.escape(privacy)}</div>')
    root = m.get_root()
    if isinstance(root, Figure):
        root.header.add_child(
            Element(
                '<meta name="siting-exact-positions" '
                f'content="{"on" if exact_positions else "off"}">'
            ),
            name="siting_privacy",
        )

    # Districts first: cells and markers above them answer the mouse.
    by_district = districts[["sig_cd", "name_ko", "name_en", "geometry"]].copy()
    joined = gpd.sjoin(
        gpd.GeoDataFrame({"code": codes, "n": weight}, geometry=inventory.geometry),
        districts[["sig_cd", "geometry"]],
        predicate="within",
        how="inner",
    )
    per = joined.pivot_table(index="sig_cd", columns="code", values="n", aggfunc="sum")
    per = per.reindex(columns=range(4)).fillna(0).astype("int64")
    for code in range(4):
        by_district[labels[code]] = (
            by_district["sig_cd"].map(per[code]).fillna(0).astype("int64").to_numpy()
        )
    district_layer(
        by_district,
        name=f"자치구별 {device_label} (per district)",
        tooltip_columns=labels,
    ).add_to(m)
    exact_layers: list[FastMarkerCluster] = []
    if exact_positions:
        latlon = to_latlon(inventory, layer)
        ids = (
            inventory["device_id"].astype(str)
            if "device_id" in inventory.columns
            else pd.Series([f"#{i + 1}" for i in range(len(inventory))], index=inventory.index)
        )
        for code in range(4):
            mask = (codes == code).to_numpy()
            if not mask.any():
                continue
            rows = [
                [round(lat, 6), round(lon, 6), code, f"{i} ({n})"]
                for lat, lon, i, n in zip(
                    latlon.geometry.y[mask],
                    latlon.geometry.x[mask],
                    ids[mask],
                    weight[mask],
                    strict=True,
                )
            ]
            cluster = FastMarkerCluster(
                rows,
                callback=_CALLBACK % (json.dumps(AGE_CLASS_COLOURS), json.dumps(labels)),
                name=f"{labels[code]}: {totals[code]:,}",
                options={
                    "disableClusteringAtZoom": 17,
                    "chunkedLoading": True,
                    "showCoverageOnHover": False,
                },
            )
            cluster.add_to(m)
            exact_layers.append(cluster)
    else:
        cells, suppression = _cells(inventory, codes, weight, cell_m, districts, min_devices)
        panel.add_html(
            f'<div class="privacy-off">{html.escape(suppression.note(cell_m, device_label))}</div>'
        )
        if cells.empty:
            log.warning("every cell has fewer than %d devices: no cell drawn", min_devices)
        else:
            cell_layer, colours, breaks = _aggregated_layer(cells, labels, cell_m, device_label)
            cell_layer.add_to(m)
            CategoricalLegend(
                f"{device_label} 대수, {cell_m:,.0f} m 격자 (devices per cell)",
                [
                    (f"{lo:,}–{hi - 1:,}" if hi - 1 > lo else f"{lo:,}", colour)
                    for lo, hi, colour in zip(breaks[:-1], breaks[1:], colours, strict=True)
                ],
                layer=cell_layer,
            ).add_to(m)

    if exact_positions:
        CategoricalLegend(
            "연식 (age class)",
            [(f"{labels[c]}: {totals[c]:,}", AGE_CLASS_COLOURS[c]) for c in range(4)],
            layer=exact_layers,
        ).add_to(m)
    else:
        panel.add_html(
            "".join(f"<div>{html.escape(labels[c])}: {totals[c]:,}</div>" for c in range(4))
        )


def equipment_map(
    districts: gpd.GeoDataFrame,
    inventory: gpd.GeoDataFrame,
    *,
    reference_year: int,
    device_label: str = "CCTV",
    aged_min_age: int = 8,
    exact_positions: bool = False,
    cell_m: float = 500.0,
    min_devices: int = DEFAULT_MIN_DEVICES,
    title: str | None = None,
    notes: Iterable[str] = (),
    synthetic: bool = False,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    layer: str = "equipment",
) -> folium.Map:
    """A map of existing equipment by age class; aggregated unless exact positions are asked for.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186.
    inventory : GeoDataFrame
        Points in EPSG:5186 with ``install_year`` and optionally ``n_devices``
        (devices per site, default 1), ``device_id``, ``sig_cd``.
    reference_year : int
        Year ages are measured at.
    device_label : str, default "CCTV"
        Name of the devices in labels (``"Wi-Fi AP"``).
    aged_min_age : int, default 8
        Ageing threshold in years (8 for CCTV, 7 for Wi-Fi APs).
    exact_positions : bool, default False
        Draw every site (clustered) instead of per-cell counts. Off by default:
        shared maps must not reveal camera positions; the choice is shown on
        the map.
    cell_m : float, default 500
        Side of the aggregation cells in metres (at least 100).
    min_devices : int, default 3
        Cells with fewer devices (k) are merged into their 2×2 parent cell or,
        when still below k, suppressed; the map says how many (they stay in
        the district totals).
    title : str, optional
        Map title.
    notes : iterable of str
        Panel lines.
    synthetic : bool, default False
        Mark the map as synthetic.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.
    layer : str
        Name of the inventory for errors.

    Returns
    -------
    folium.Map
    """
    m, panel = base_map(
        districts,
        title=title or f"{device_label} 노후도 (existing {device_label} by age)",
        notes=notes,
        synthetic=synthetic,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        boundaries=False,
    )
    add_equipment_layers(
        m,
        panel,
        districts,
        inventory,
        reference_year=reference_year,
        device_label=device_label,
        aged_min_age=aged_min_age,
        exact_positions=exact_positions,
        cell_m=cell_m,
        min_devices=min_devices,
        layer=layer,
    )
    return finish_map(m)
