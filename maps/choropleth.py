"""District choropleth of any score or allocation column.

Hovering a district shows its Korean name, English name, the mapped value and
any further columns asked for; the colour bar has round ticks and shows only
while its layer is on. Districts without a value are grey and say "—".
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.quirks import quirks_for
from maps.base import base_map, district_layer, finish_map, format_value, label_for
from maps.legends import ColourBar

__all__ = ["NO_DATA_COLOUR", "choropleth_map", "join_values"]

log = logging.getLogger(__name__)

#: Fill of districts with no value.
NO_DATA_COLOUR = "#c8c8c8"
_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]


def join_values(
    districts: gpd.GeoDataFrame, values: pd.DataFrame, columns: Sequence[str], *, layer: str
) -> gpd.GeoDataFrame:
    """Attach per-district columns of a table (keyed by ``sig_cd``) to the district layer.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer (EPSG:5186).
    values : DataFrame
        One row per district with ``sig_cd`` (5 digits) and ``columns``.
    columns : sequence of str
        Columns to attach (replacing same-named district columns).
    layer : str
        Name of ``values`` for errors.

    Returns
    -------
    GeoDataFrame
        Districts with the columns; districts absent from ``values`` get NaN.

    Raises
    ------
    InputError
        Missing ``sig_cd`` or columns, duplicate or unknown district codes.
    """
    missing = [c for c in ("sig_cd", *columns) if c not in values.columns]
    if missing:
        raise InputError(
            f"has no column(s) {', '.join(missing)}",
            layer=layer,
            fix="choose from: " + ", ".join(map(str, values.columns)),
        )
    table = values[["sig_cd", *[c for c in columns if c != "sig_cd"]]].copy()
    table["sig_cd"] = table["sig_cd"].astype(str).str.replace(r"\.0$", "", regex=True)
    duplicated = table["sig_cd"].duplicated(keep=False)
    if duplicated.any():
        raise InputError(
            "has several rows for the district(s) "
            + ", ".join(sorted(set(table.loc[duplicated, "sig_cd"]))),
            layer=layer,
            rows=[int(i) + 1 for i in np.flatnonzero(duplicated.to_numpy())],
            fix="give one row per district (filter the table to one round or programme)",
        )
    unknown = ~table["sig_cd"].isin(set(districts["sig_cd"]))
    if unknown.any():
        raise InputError(
            "has district codes that are not Seoul's: "
            + ", ".join(sorted(set(table.loc[unknown, "sig_cd"]))),
            layer=layer,
            rows=[int(i) + 1 for i in np.flatnonzero(unknown.to_numpy())],
            fix="use the 행정표준코드 SIG_CD (종로구 11110 … 강동구 11740)",
        )
    base = districts.drop(columns=[c for c in columns if c in districts.columns and c != "sig_cd"])
    return base.merge(table, on="sig_cd", how="left", validate="one_to_one")


def choropleth_map(
    districts: gpd.GeoDataFrame,
    column: str,
    *,
    values: pd.DataFrame | None = None,
    title: str | None = None,
    caption: str | None = None,
    tooltip_columns: Sequence[str] = (),
    notes: Iterable[str] = (),
    synthetic: bool = False,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    layer_name: str | None = None,
) -> folium.Map:
    """A map of the 25 districts coloured by ``column``.

    Parameters
    ----------
    districts : GeoDataFrame
        District layer in EPSG:5186 (``layers.load_districts()``).
    column : str
        Numeric column to map, in ``values`` if given, else in ``districts``.
    values : DataFrame, optional
        A per-district table keyed by ``sig_cd`` (a scored round, an allocation).
    title : str, optional
        Map title; default the column's label.
    caption : str, optional
        Legend caption; default the column's label.
    tooltip_columns : sequence of str
        Further columns shown on hover (from ``values`` or ``districts``).
    notes : iterable of str
        Lines for the map panel (source, settings).
    synthetic : bool, default False
        Mark the map as made from synthetic data.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap (see :func:`maps.base.base_map`).
    layer_name : str, optional
        Name of the district layer in the layer control.

    Returns
    -------
    folium.Map
        Save it with :func:`maps.save_html`.

    Examples
    --------
    >>> from layers import load_districts
    >>> m = choropleth_map(load_districts(), "cctv_ageing_ratio_pct")  # doctest: +SKIP
    """
    extra = [c for c in tooltip_columns if c != column]
    if values is not None:
        wanted = [column, *[c for c in extra if c in values.columns]]
        frame = join_values(districts, values, wanted, layer="values")
    else:
        frame = districts
    if column not in frame.columns:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        raise InputError(
            f"has no column {column!r} to map",
            layer="values" if values is not None else "districts",
            fix="choose a numeric column: " + ", ".join(numeric),
        )
    if not pd.api.types.is_numeric_dtype(frame[column]):
        raise InputError(
            f"column {column!r} is not numeric ({frame[column].dtype})",
            layer="values" if values is not None else "districts",
            fix="map a score, count, share or amount column",
        )
    data = frame[column].astype(float)
    finite = data[np.isfinite(data)]
    if finite.empty:
        raise InputError(
            f"column {column!r} has no values for any district",
            layer="values" if values is not None else "districts",
            fix="check that the table's sig_cd match Seoul's districts",
        )
    vmin, vmax = float(finite.min()), float(finite.max())
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    label = caption or label_for(column)
    colormap = cm.LinearColormap(_COLOURS, vmin=vmin, vmax=vmax, caption=label)
    missing = int((~np.isfinite(data)).sum())
    panel_notes = list(notes)
    shown = [column, *[c for c in extra if c in frame.columns]]
    quirks = quirks_for(shown, list(frame["sig_cd"]))
    per_district: dict[str, list[str]] = {}
    for q in quirks.itertuples():
        per_district.setdefault(str(q.sig_cd), []).append(f"{label_for(str(q.field))}: {q.note_ko}")
    for q in quirks[quirks["scope"] == "district"].itertuples():
        panel_notes.append(f"⚠ {q.name_ko} {label_for(str(q.field))}: {q.note_ko} ({q.source})")
    for q in quirks[quirks["scope"] == "all districts"].drop_duplicates("field").itertuples():
        panel_notes.append(f"⚠ 모든 자치구 {label_for(str(q.field))}: {q.note_ko} ({q.source})")
    if missing:
        panel_notes.append(f"{missing} district(s) without a value are grey.")
    m, _ = base_map(
        districts,
        title=title or label,
        notes=panel_notes,
        synthetic=synthetic,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        boundaries=False,
    )

    def fill(row: Mapping[str, Any]) -> str:
        value = row[column]
        if pd.isna(value) or not np.isfinite(float(value)):
            return NO_DATA_COLOUR
        return str(colormap(float(value)))[:7]

    tips = [
        "<br>".join(
            [
                f"<b>{html.escape(str(row['name_ko']))}</b> {html.escape(str(row['name_en']))}",
                *[
                    f"{html.escape(label_for(c))}: {html.escape(format_value(row[c]))}"
                    for c in shown
                ],
                *[
                    f'<span style="color:#8a4b00">⚠ {html.escape(n)}</span>'
                    for n in per_district.get(str(row["sig_cd"]), [])
                ],
            ]
        )
        for row in frame.to_dict("records")
    ]
    layer = district_layer(
        frame,
        name=layer_name or label,
        tooltip_columns=shown,
        fill=fill,
        tooltip_html=tips,
    )
    layer.add_to(m)
    ColourBar(_COLOURS, vmin, vmax, caption=label, layer=layer).add_to(m)
    return finish_map(m)
