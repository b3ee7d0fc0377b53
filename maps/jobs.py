"""Map jobs behind ``siting map …``: read the inputs, build one map, save it offline.

Each job checks that the output is an ``.html`` file that is not one of its
inputs, writes atomically (:func:`maps.offline.save_html`) and refuses to
replace an existing file unless ``overwrite`` is given.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.districts import CCTV_AS_OF_YEAR, load_districts
from layers.encoding import read_text
from layers.errors import InputError
from layers.readers import read_layer
from maps.choropleth import choropleth_map
from maps.equipment import equipment_map
from maps.grid import grid_map
from maps.offline import save_html
from maps.proposals import proposals_map

__all__ = [
    "read_table",
    "write_district_map",
    "write_equipment_map",
    "write_grid_map",
    "write_proposals_map",
]

log = logging.getLogger(__name__)


def _check_out(out: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]]) -> Path:
    path = Path(out)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(
            f"output {str(path)!r} is not an .html file",
            fix="give --out a file name ending in .html",
        )
    resolved = path.resolve()
    for source in inputs:
        if Path(source).resolve() == resolved:
            raise InputError(
                f"output {str(path)!r} is also an input",
                fix="choose another --out file",
            )
    return path


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a per-district table (CSV in UTF-8/CP949, or xlsx) keeping ``sig_cd`` as text.

    Parameters
    ----------
    path : path
        The table, e.g. a scored round written by ``siting score``.

    Returns
    -------
    DataFrame
    """
    source = Path(path)
    if source.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(source, dtype={"sig_cd": str})
    text, _ = read_text(source, layer=source.name)
    return pd.read_csv(StringIO(text), dtype={"sig_cd": str})


def write_district_map(
    out: str | os.PathLike[str],
    *,
    column: str,
    values: str | os.PathLike[str] | None = None,
    tooltip_columns: Sequence[str] = (),
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a district choropleth of ``column`` (from ``values`` or the district layer).

    Parameters
    ----------
    out : path
        Output ``.html``.
    column : str
        Numeric column to map.
    values : path, optional
        Per-district table with ``sig_cd`` (CSV or xlsx).
    tooltip_columns : sequence of str
        Further columns shown on hover.
    title : str, optional
        Map title.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap (otherwise none).
    overwrite : bool, default False
        Replace an existing output.

    Returns
    -------
    Path
        The file written.
    """
    inputs = [values] if values is not None else []
    path = _check_out(out, inputs)
    table = read_table(values) if values is not None else None
    notes = [f"values: {Path(values).name}"] if values is not None else []
    m = choropleth_map(
        load_districts(),
        column,
        values=table,
        title=title,
        tooltip_columns=tooltip_columns,
        notes=notes,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )
    return save_html(m, path, overwrite=overwrite, protected=inputs)


def write_grid_map(
    grid: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a map of a risk-grid GeoTIFF (grades A–E and score) over the districts.

    Parameters
    ----------
    grid : path
        The GeoTIFF (band 1 score, band 2 grade).
    out : path
        Output ``.html``.
    title : str, optional
        Map title.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.
    overwrite : bool, default False
        Replace an existing output.

    Returns
    -------
    Path
    """
    path = _check_out(out, [grid])
    m = grid_map(
        grid,
        load_districts(),
        title=title or "위험 격자 (risk grid)",
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )
    return save_html(m, path, overwrite=overwrite, protected=[grid])


def write_equipment_map(
    inventory: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    device_label: str = "CCTV",
    aged_min_age: int = 8,
    reference_year: int = CCTV_AS_OF_YEAR,
    exact_positions: bool = False,
    cell_m: float = 500.0,
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a map of an equipment inventory by age class (aggregated unless asked).

    Parameters
    ----------
    inventory : path
        Any inventory file :func:`layers.read_layer` reads.
    out : path
        Output ``.html``.
    device_label : str
        Device name in labels.
    aged_min_age : int, default 8
        Ageing threshold (years).
    reference_year : int
        Year ages are measured at.
    exact_positions : bool, default False
        Show every site instead of per-cell counts (recorded in the map).
    cell_m : float, default 500
        Aggregation cell side (m).
    title : str, optional
        Map title.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.
    overwrite : bool, default False
        Replace an existing output.

    Returns
    -------
    Path
    """
    path = _check_out(out, [inventory])
    frame = read_layer(inventory).frame
    m = equipment_map(
        load_districts(),
        frame,
        reference_year=reference_year,
        device_label=device_label,
        aged_min_age=aged_min_age,
        exact_positions=exact_positions,
        cell_m=cell_m,
        title=title,
        notes=[f"inventory: {Path(inventory).name}"],
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        layer=Path(inventory).name,
    )
    return save_html(m, path, overwrite=overwrite, protected=[inventory])


def write_proposals_map(
    proposals: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    radius_m: float = 50.0,
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a map of one or more proposal files (GeoPackage, GeoJSON, CSV with x/y).

    Parameters
    ----------
    proposals : sequence of path
        Proposal files; each becomes a layer named after its file.
    out : path
        Output ``.html``.
    radius_m : float, default 50
        Radius (m) for rows without ``radius_m``.
    title : str, optional
        Map title.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.
    overwrite : bool, default False
        Replace an existing output.

    Returns
    -------
    Path
    """
    path = _check_out(out, proposals)
    sets: dict[str, gpd.GeoDataFrame] = {Path(p).stem: read_layer(p).frame for p in proposals}
    m = proposals_map(
        load_districts(),
        sets,
        radius_m=radius_m,
        title=title or "제안 위치 (proposed sites)",
        notes=[f"proposals: {', '.join(Path(p).name for p in proposals)}"],
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )
    return save_html(m, path, overwrite=overwrite, protected=proposals)
