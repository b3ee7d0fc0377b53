"""Map jobs behind ``siting map …``: read the inputs, build one map, save it offline.

Each job checks that the output is an ``.html`` file that is not one of its
inputs, writes the page and its manifest ``<stem>_run.json`` (inputs with
sha256, every setting, versions; :func:`layers.output.run_manifest`) together
and atomically (:func:`layers.output.staged_outputs`), and refuses to replace
an existing file unless ``overwrite`` is given.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd

from layers.age import DEFAULT_MIN_AGE
from layers.crs import to_working_crs
from layers.districts import CCTV_AS_OF_YEAR, load_districts
from layers.encoding import read_text
from layers.errors import InputError, SitingError
from layers.inventory import DEVICE_TYPES, to_inventory
from layers.output import run_manifest, staged_outputs, write_json
from layers.readers import read_layer
from maps.choropleth import choropleth_map
from maps.equipment import equipment_map
from maps.grid import grid_map
from maps.offline import render_offline
from maps.privacy import DEFAULT_MIN_DEVICES
from maps.proposals import DEFAULT_CLUSTER_ABOVE, proposals_map
from maps.rounds import round_map

__all__ = [
    "DEVICE_LABELS",
    "manifest_path",
    "read_table",
    "write_district_map",
    "write_equipment_map",
    "write_grid_map",
    "write_proposals_map",
    "write_round_map",
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


def manifest_path(out: str | os.PathLike[str]) -> Path:
    """The manifest written beside a map: ``scores.html`` → ``scores_run.json``.

    Examples
    --------
    >>> manifest_path("maps/scores.html").as_posix()
    'maps/scores_run.json'
    """
    path = Path(out)
    return path.with_name(f"{path.stem}_run.json")


def _tiles_setting(url: str | None) -> str:
    """The basemap as recorded in a manifest: its host only (a tile URL may hold an API key)."""
    return (urlsplit(url).netloc or "custom") if url else "none"


def _save(
    m: Any,
    path: Path,
    *,
    kind: str,
    inputs: Sequence[str | os.PathLike[str]],
    settings: dict[str, Any],
    overwrite: bool,
) -> Path:
    """Write the map and its manifest into ``path``'s folder together, atomically."""
    html = render_offline(m)
    tiles = settings.pop("tiles_url", None)
    settings = {"out": path.name, **settings, "tiles": _tiles_setting(tiles)}
    manifest = run_manifest(f"map {kind}", inputs=inputs, settings=settings)
    with staged_outputs(path.parent, overwrite=overwrite, protected=inputs) as stage:
        (stage / path.name).write_text(html, encoding="utf-8")
        write_json(manifest, stage / manifest_path(path).name)
    log.info("wrote %s (%.1f MB) and %s", path, path.stat().st_size / 1e6, manifest_path(path).name)
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
    settings = {"column": column, "tooltip_columns": list(tooltip_columns), "title": title}
    return _save(
        m,
        path,
        kind="districts",
        inputs=inputs,
        settings={**settings, "tiles_url": tiles_url},
        overwrite=overwrite,
    )


def write_round_map(
    values: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    program: str | None = None,
    criteria_path: str | os.PathLike[str] | None = None,
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the map of a scored round: points as colour, funding status as outline or hatch.

    Parameters
    ----------
    values : path
        The round table written by ``siting score`` (``<program>_round.csv`` or ``.xlsx``).
    out : path
        Output ``.html``.
    program : str, optional
        The programme (``cctv-new``, ``wifi`` …) whose shipped criteria say whether
        they are written or assumed; default from a file name ``<program>_round.*``.
    criteria_path : path, optional
        A criteria TOML used instead of the shipped one.
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
    from scoring.criteria import Criteria, default_criteria, load_criteria

    inputs = [values] + ([criteria_path] if criteria_path is not None else [])
    path = _check_out(out, inputs)
    table = read_table(values)
    criteria: Criteria | None = None
    if criteria_path is not None:
        criteria = load_criteria(criteria_path)
    else:
        name = program or Path(values).stem.removesuffix("_round")
        try:
            criteria = default_criteria(name)
        except SitingError:
            if program is not None:
                raise
            log.warning("no shipped criteria for %r: the map cannot say which criteria", name)
    m = round_map(
        load_districts(),
        table,
        criteria=criteria,
        title=title,
        notes=[f"round: {Path(values).name}"],
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )
    settings = {
        "program": criteria.program if criteria is not None else program,
        "criteria": criteria.title if criteria is not None else None,
        "criteria_basis": criteria.basis if criteria is not None else None,
        "title": title,
        "tiles_url": tiles_url,
    }
    return _save(m, path, kind="round", inputs=inputs, settings=settings, overwrite=overwrite)


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
    return _save(
        m,
        path,
        kind="grid",
        inputs=[grid],
        settings={"title": title, "tiles_url": tiles_url},
        overwrite=overwrite,
    )


#: Device names in map labels, by inventory device type.
DEVICE_LABELS = {
    "cctv": "CCTV",
    "wifi": "공공와이파이 AP",
    "streetlight": "가로등",
    "security_light": "보안등",
    "pole": "스마트폴",
}


def write_equipment_map(
    inventory: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    device: str | None = None,
    device_label: str | None = None,
    aged_min_age: int | None = None,
    reference_year: int = CCTV_AS_OF_YEAR,
    exact_positions: bool = False,
    cell_m: float = 500.0,
    min_devices: int = DEFAULT_MIN_DEVICES,
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a map of an equipment inventory by age class (aggregated unless asked).

    The device type comes from the file's kind (a Wi-Fi download maps Wi-Fi
    APs with their 7-year threshold); ``device`` is needed only for generic
    point files.

    Parameters
    ----------
    inventory : path
        Any inventory file :func:`layers.read_layer` reads.
    out : path
        Output ``.html``.
    device : str, optional
        Device type (``cctv``, ``wifi``, ``streetlight``, ``security_light``,
        ``pole``) for files whose kind does not say; refused when it
        contradicts the kind.
    device_label : str, optional
        Device name in labels; default from the device type (``"공공와이파이 AP"``).
    aged_min_age : int, optional
        Ageing threshold (years); default for the device type
        (:data:`layers.age.DEFAULT_MIN_AGE`: CCTV 8, Wi-Fi 7).
    reference_year : int
        Year ages are measured at.
    exact_positions : bool, default False
        Show every site instead of per-cell counts (recorded in the map).
    cell_m : float, default 500
        Aggregation cell side (m).
    min_devices : int, default 3
        Cells with fewer devices are merged or suppressed (k).
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
    read = read_layer(inventory)
    if device is None and "device_type" in read.frame.columns:
        # A generic file (GeoPackage, CSV) that names its one device type in a column.
        types = set(read.frame["device_type"].dropna().astype(str).str.lower())
        if len(types) == 1 and (only := types.pop()) in DEVICE_TYPES:
            device = only
    frame = to_inventory(read, device)
    device_type = str(frame.attrs.get("device_type") or frame["device_type"].iloc[0])
    label = device_label or DEVICE_LABELS.get(device_type, device_type)
    min_age = aged_min_age if aged_min_age is not None else DEFAULT_MIN_AGE[device_type]
    m = equipment_map(
        load_districts(),
        frame,
        reference_year=reference_year,
        device_label=label,
        aged_min_age=min_age,
        exact_positions=exact_positions,
        cell_m=cell_m,
        min_devices=min_devices,
        title=title,
        notes=[f"inventory: {Path(inventory).name} ({device_type})"],
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        layer=Path(inventory).name,
    )
    settings = {
        "device": device_type,
        "device_label": label,
        "aged_min_age": min_age,
        "reference_year": reference_year,
        "exact_positions": exact_positions,
        "cell_m": cell_m,
        "min_devices": min_devices,
        "title": title,
        "tiles_url": tiles_url,
    }
    return _save(
        m, path, kind="equipment", inputs=[inventory], settings=settings, overwrite=overwrite
    )


def _proposal_layer(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """The sites of a proposal file: the ``proposals``/``replacement`` layer of a GeoPackage."""
    source = Path(path)
    if source.suffix.lower() == ".gpkg":
        import pyogrio

        names = [str(row[0]) for row in pyogrio.list_layers(source)]
        for wanted in ("proposals", "replacement", "plan"):
            if wanted in names:
                frame = gpd.read_file(source, layer=wanted)
                return to_working_crs(frame, f"{source.name}:{wanted}")
    return read_layer(source).frame


_GENERIC_STEMS = ("proposal", "proposals", "replacement", "plan", "sites", "plan_sites")


def _set_name(path: Path, frame: gpd.GeoDataFrame, taken: dict[str, gpd.GeoDataFrame]) -> str:
    """A set's name: what it holds (smart poles, a replacement plan) or its file name."""
    if "services" in frame.columns:
        name = "pole"
    elif "action" in frame.columns and "device_type" in frame.columns:
        types = sorted(set(frame["device_type"].dropna().astype(str)))
        name = f"{types[0]}_replacement" if len(types) == 1 else "replacement"
    elif path.stem.lower() in _GENERIC_STEMS:
        folder = path.parent.name
        name = folder if folder in ("cctv", "wifi", "pole") else f"{folder}/{path.stem}"
    else:
        name = path.stem
    base, n = name, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    return name


def write_proposals_map(
    proposals: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    radius_m: float = 50.0,
    title: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    exact_positions: bool = False,
    cluster_above: int = DEFAULT_CLUSTER_ABOVE,
    overwrite: bool = False,
) -> Path:
    """Write a map of one or more proposal files (GeoPackage, GeoJSON, CSV with x/y).

    Parameters
    ----------
    proposals : sequence of path
        Proposal files; each becomes a set named after its file, drawn as one
        layer per district.
    out : path
        Output ``.html``.
    radius_m : float, default 50
        Radius (m) for rows without ``radius_m``.
    title : str, optional
        Map title.
    tiles_url, tiles_attribution : str, optional
        Tile server for a basemap.
    exact_positions : bool, default False
        Show exact distances to and ids of existing devices (internal maps only).
    cluster_above : int, default 500
        Sets with more sites are clustered; replacement plans always are, and are
        off at opening.
    overwrite : bool, default False
        Replace an existing output.

    Returns
    -------
    Path
    """
    path = _check_out(out, proposals)
    sets: dict[str, gpd.GeoDataFrame] = {}
    for source in proposals:
        frame = _proposal_layer(source)
        sets[_set_name(Path(source), frame, sets)] = frame
    m = proposals_map(
        load_districts(),
        sets,
        radius_m=radius_m,
        title=title or "제안 위치 (proposed sites)",
        notes=[f"proposals: {', '.join(Path(p).name for p in proposals)}"],
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        exact_positions=exact_positions,
        cluster_above=cluster_above,
    )
    settings = {
        "sets": list(sets),
        "radius_m": radius_m,
        "exact_positions": exact_positions,
        "cluster_above": cluster_above,
        "title": title,
        "tiles_url": tiles_url,
    }
    return _save(
        m, path, kind="proposals", inputs=proposals, settings=settings, overwrite=overwrite
    )
