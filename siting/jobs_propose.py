"""The ``siting propose`` job: read the input files, call :func:`siting.propose.propose`, write.

:func:`run_propose` reads candidates, demand (risk grid and/or a demand
layer, optionally a ``--where`` layer saying where people are), existing
devices and building footprints, calls the computation and writes the outputs
atomically (nothing is written when anything fails). :func:`write_proposal`
writes a :class:`~siting.propose.Proposal` into a (staging) folder: the
proposals carry lon/lat, 자치구 and 동 (:func:`layers.locate.add_site_location`).
Existing-camera positions leave only in the ``candidates``/``covered``
layers' own coordinates, never as a separate list: distances to existing
devices are written as bands and their ids left out unless
``exact_positions`` is given (``--exact-positions``; recorded in
``summary.json`` and ``run.json``), and the pole clutter layer (groups of
existing devices) is written only then.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np

from layers.errors import InputError
from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json
from layers.progress import step as progress_step
from siting.candidates import (
    CandidateSet,
    combine_candidates,
    fill_with_lattice,
    read_candidates,
    study_area,
)
from siting.demand import Demand, grid_demand, read_demand, restrict_demand
from siting.plan import Plan
from siting.profiles import DeviceProfile, get_profile
from siting.propose import Proposal, _check_amount, propose
from siting.site_capacity import CameraSiteModel
from siting.solvers import DEFAULT_TIME_LIMIT

__all__ = [
    "build_candidates",
    "demand_reach",
    "read_demands",
    "read_existing",
    "run_propose",
    "write_proposal",
]

log = logging.getLogger(__name__)


def write_proposal(
    proposal: Proposal,
    stage: Path,
    *,
    command: str = "propose",
    inputs: Sequence[str | os.PathLike[str]] = (),
    prefix: str = "",
) -> list[str]:
    """Write a proposal into a (staging) folder; return the file names written.

    Files: ``<prefix>proposal.gpkg`` (layers ``proposals``, ``covered``,
    ``candidates``, and ``clutter`` for poles when the proposal was made with
    ``exact_positions``: it locates existing devices), ``<prefix>proposals.csv`` (the
    explanation table), ``<prefix>districts.csv`` (per-district summary),
    ``<prefix>summary.json`` and ``<prefix>run.json``.
    """
    sites = _located(proposal.sites)
    layers = {
        "proposals": sites,
        "covered": proposal.covered,
        "candidates": proposal.candidates,
    }
    if proposal.clutter is not None and proposal.settings.get("exact_positions"):
        layers["clutter"] = proposal.clutter  # groups of existing devices: internal only
    files = [
        f"{prefix}proposal.gpkg",
        f"{prefix}proposals.csv",
        f"{prefix}districts.csv",
        f"{prefix}summary.json",
        f"{prefix}run.json",
    ]
    write_gpkg(layers, stage / files[0])
    write_csv(sites, stage / files[1])
    write_csv(proposal.districts, stage / files[2])
    write_json(proposal.summary | sites.attrs.get("dong_summary", {}), stage / files[3])
    write_json(
        run_manifest(
            command,
            inputs=inputs,
            settings=proposal.settings,
            seed=proposal.settings.get("seed"),
            layers=dict(layers) | {"districts": proposal.districts},
        ),
        stage / files[4],
    )
    return files


def _located(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Sites with the location columns (lon, lat in WGS84 6 decimals, sig_cd, district, dong,
    and with a 행정동 file dong_cd and dong_kind) right after the ids."""
    from layers.dong_boundaries import configured_dongs
    from layers.locate import add_site_location, location_columns

    if len(sites) == 0:
        return sites
    dongs = configured_dongs()
    located = add_site_location(sites, dongs=dongs)
    # Keep the geometry last, the location right after the ids.
    first = [c for c in ("order", "candidate_id") if c in located]
    loc = [c for c in location_columns(dongs) if c in located]
    rest = [c for c in located.columns if c not in first + loc and c != located.geometry.name]
    return located[first + loc + rest + [located.geometry.name]]


def read_existing(path: str | os.PathLike[str], crs: str | None, device: str) -> gpd.GeoDataFrame:
    """Existing devices as an inventory; a pole reads a mixed layer with ``device_type``.

    Parameters
    ----------
    path : path
        Any layer :func:`layers.read_layer` takes (CCTV / Wi-Fi CSV, GeoPackage …).
    crs : str, optional
        CRS of CSV coordinates.
    device : {"cctv", "wifi", "pole"}
        Device type (a pole keeps every device type of the layer).
    """
    from layers.inventory import to_inventory
    from layers.readers import read_layer

    read = read_layer(path, crs=crs, layer_name="existing")
    if isinstance(read.frame, gpd.GeoDataFrame) and "device_type" in read.frame:
        frame = read.frame.copy()
        frame["device_type"] = frame["device_type"].astype(str).str.strip().str.lower()
        return frame
    return to_inventory(read, None if device == "pole" else device)


def read_demands(
    device: str,
    profile: DeviceProfile,
    codes: Sequence[str],
    *,
    grid_path: str | os.PathLike[str] | None = None,
    demand_path: str | os.PathLike[str] | None = None,
    where_path: str | os.PathLike[str] | None = None,
    weight_column: str | None = "weight",
    crs: str | None = None,
) -> dict[str, Demand]:
    """The demand of a run, by service (``"cctv"``, ``"wifi"``), inside the districts ``codes``.

    Parameters
    ----------
    device : {"cctv", "wifi", "pole"}
        Device type: a risk grid is CCTV (and pole) demand; a demand layer is
        CCTV demand for CCTV, Wi-Fi demand otherwise.
    profile : DeviceProfile
        Demand grades and sample spacing (m).
    codes : sequence of str
        Study-area SIG_CD codes.
    grid_path : path, optional
        Risk grid GeoTIFF (cells of the profile's grades, weighted by score,
        with the cell size so that they can be sampled below the cell).
    demand_path : path, optional
        Demand layer (any layer the readers take, or CSV ``x,y,weight`` in ``crs``).
    where_path : path, optional
        Where people are inside the cells: grid demand sampled only along / inside it.
    weight_column : str, optional
        Weight column of the demand layer.
    crs : str, optional
        CRS of CSV coordinates.

    Raises
    ------
    InputError
        ``--where`` without a grid, CCTV demand given twice, no demand at all.
    """
    codes = list(codes)
    demands: dict[str, Demand] = {}
    if grid_path is not None and device in ("cctv", "pole"):
        from layers.riskgrid import read_grid

        grid = read_grid(grid_path)
        cells = grid.cells(grades=list(profile.demand_grades), geometry="centroid")
        cell_demand = restrict_demand(
            grid_demand(cells, grades=profile.demand_grades, cell_size=grid.cell_size), codes
        )
        if where_path is not None:
            from siting.sampling import sample_demand

            cell_demand = sample_demand(
                cell_demand,
                grid.cell_size,
                profile.demand_spacing or grid.cell_size / 8,
                where=_read_where(where_path, crs),
            )
        demands["cctv"] = cell_demand
    elif where_path is not None:
        raise InputError(
            "--where restricts risk-grid demand, but no --grid was given",
            layer="where",
            fix="give --grid FILE with --where, or drop --where",
        )
    if demand_path is not None:
        target = "cctv" if device == "cctv" else "wifi"
        if target in demands:
            raise InputError(
                "CCTV demand given twice (--grid and --demand)",
                fix="give either a risk grid or a demand layer for CCTV",
            )
        demands[target] = restrict_demand(
            read_demand(demand_path, crs=crs, weight_column=weight_column), codes
        )
    if not demands:
        need = {"cctv": "--grid FILE (or --demand FILE)", "wifi": "--demand FILE"}
        raise InputError(
            f"no demand for {device}",
            layer="demand",
            fix=f"give {need.get(device, '--grid FILE and/or --demand FILE')}",
        )
    return demands


def demand_reach(demands: Mapping[str, Demand], radius_m: float) -> tuple[np.ndarray, float]:
    """Demand coordinates and how far a site may stand from them and still cover some.

    A grid cell's samples reach its corners, so a site may cover a cell whose
    centroid is up to half a diagonal farther than the radius.

    Returns
    -------
    (ndarray of shape (n, 2), float)
        Demand coordinates (m, EPSG:5186; polygons by representative point)
        and the reach (m).
    """
    parts = list(demands.values())
    xy = np.concatenate([d.xy() for d in parts]) if parts else np.empty((0, 2))
    cells = [float(d.cell_size_m) for d in parts if d.cell_size_m]
    return xy, radius_m + (0.5 * max(cells) * 2**0.5 if cells else 0.0)


def build_candidates(
    area: gpd.GeoDataFrame,
    profile: DeviceProfile,
    demands: Mapping[str, Demand],
    *,
    candidates_paths: Sequence[str | os.PathLike[str]] = (),
    lattice_fill: bool = False,
    crs: str | None = None,
    excluded: gpd.GeoDataFrame | None = None,
    child_zones: gpd.GeoDataFrame | None = None,
    site_model: CameraSiteModel | None = None,
) -> CandidateSet:
    """The candidates of a run: street layers first, the lattice where they fall short.

    With no candidate layer the candidates are the lattice points that can
    cover demand (:func:`siting.candidates.fill_with_lattice`); with
    ``lattice_fill`` lattice points are added where no street candidate
    reaches demand. ``candidate_source`` says which is which, and
    :meth:`~siting.candidates.CandidateSet.report` counts them (``kept_by_source``).

    Parameters
    ----------
    area : GeoDataFrame
        Study-area district polygons.
    profile : DeviceProfile
        Radius, lattice spacing (m) and child-zone buffer (m).
    demands : mapping of str to Demand
        Demand of the run (:func:`read_demands`).
    candidates_paths : sequence of path
        Street candidate layers (가로등, 보안등, CCTV poles …).
    lattice_fill : bool, default False
        Add lattice points where no street candidate reaches demand.
    crs : str, optional
        CRS of CSV coordinates.
    excluded, child_zones : GeoDataFrame, optional
        Excluded areas; child-protection zones (candidates within the profile's buffer).
    site_model : CameraSiteModel, optional
        Camera sites (CCTV).
    """
    zone_options: dict[str, Any] = {
        "excluded": excluded,
        "child_zones": child_zones,
        "zone_buffer_m": profile.child_zone_buffer_m,
        "site_model": site_model,
    }
    cset: CandidateSet | None = None
    if candidates_paths:
        cset = combine_candidates(
            [read_candidates(p, area, crs=crs, **zone_options) for p in candidates_paths]
        )
    if cset is None or lattice_fill:
        xy, reach = demand_reach(demands, profile.radius_m)
        cset = fill_with_lattice(
            cset, area, xy, spacing_m=profile.lattice_spacing, reach_m=reach, **zone_options
        )
    return cset


def run_propose(
    out_dir: str | os.PathLike[str],
    *,
    device: str,
    districts: Sequence[str] | None = None,
    count: int | None = None,
    budget: float | None = None,
    candidates_path: str | os.PathLike[str] | None = None,
    existing_path: str | os.PathLike[str] | None = None,
    grid_path: str | os.PathLike[str] | None = None,
    demand_path: str | os.PathLike[str] | None = None,
    excluded_path: str | os.PathLike[str] | None = None,
    child_zones_path: str | os.PathLike[str] | None = None,
    weight_column: str | None = "weight",
    radius: float | None = None,
    min_spacing: float | None = None,
    must_include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    lattice_spacing: float | None = None,
    lattice_fill: bool = False,
    aged_credit: float | None = None,
    existing_cover: Literal["cameras", "disc"] | None = None,
    camera_fov: float | None = None,
    demand_spacing: float | None = None,
    where_path: str | os.PathLike[str] | None = None,
    buildings_path: str | os.PathLike[str] | None = None,
    spacing_to_existing: float | None = None,
    reference_year: int | None = None,
    per_district: int | None = None,
    fair_share: Literal["risk", "equal"] | None = None,
    solver: Literal["auto", "greedy", "exact"] = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    crs: str | None = None,
    seed: int = 0,
    exact_positions: bool = False,
    overwrite: bool = False,
    progress: bool = False,
) -> tuple[Proposal | Plan, list[str]]:
    """Read the inputs, propose sites and write the outputs (the ``siting propose`` job).

    Parameters
    ----------
    out_dir : path
        Output folder.
    device : {"cctv", "wifi", "pole"}
        Device type.
    districts : sequence of str, optional
        Study area (names or SIG_CD); default all of Seoul.
    count, budget
        Number of sites, or budget in KRW (exactly one).
    candidates_path : path, optional
        Candidate layer (가로등, 보안등, CCTV poles …; CCTV sites take the camera-site
        model: cameras a site, room left on a pole); default the lattice points
        (spacing ``lattice_spacing``, default the radius) that can cover demand.
        ``summary.json`` counts the candidates per ``candidate_source``.
    existing_path : path, optional
        Existing devices.
    grid_path : path, optional
        Risk grid GeoTIFF: CCTV demand (cells of the profile's grades, weighted by score).
    demand_path : path, optional
        Demand layer (Wi-Fi; or CCTV when no grid): any layer the readers take,
        or CSV ``x,y,weight`` in ``crs``.
    excluded_path, child_zones_path : path, optional
        Excluded areas; child-protection zones (poles: candidates within the buffer).
    weight_column : str, optional
        Weight column of the demand layer.
    radius, min_spacing, lattice_spacing, aged_credit : float, optional
        Profile overrides (m, m, m, 0–1).
    existing_cover : {"cameras", "disc"}, optional
        How much of its disc an existing CCTV site watches: ``cameras``
        (default) ``min(1, cameras × camera_fov / 360)``, ``disc`` all of it
        (:mod:`siting.existing_cover`).
    camera_fov : float, optional
        Horizontal field of view of one camera (degrees); default 90.
    lattice_fill : bool, default False
        With ``candidates_path``: add lattice points where no candidate reaches demand.
    demand_spacing : float, optional
        Spacing of demand samples below each grid cell (m); default radius / 4
        (12.5 m for CCTV); 0 = one point per cell centroid.
    where_path : path, optional
        Where people are inside the cells (street centrelines, sidewalks,
        entrances; any line/polygon/point layer the readers take): grid
        demand is sampled only along / inside it.
    buildings_path : path, optional
        Building footprints: line of sight for CCTV. A layer whose CRS is
        declared (``.prj``, GeoPackage) is reprojected to EPSG:5186; one
        without a CRS, or whose coordinates contradict it, is refused.
    spacing_to_existing : float, optional
        No new site within this distance (m) of an existing device.
    reference_year : int, optional
        Year device ages are measured at; default the inventory's as-of date.
    per_district : int, optional
        Citywide run by quota: this many sites in every chosen district
        (instead of ``count``), each district solved on its own demand
        (:func:`siting.plan.plan_districts`).
    fair_share : {"risk", "equal"}, optional
        Citywide run by quota: split ``count`` among the districts in
        proportion to their D/E risk (demand weight) or equally
        (:func:`siting.plan.district_quotas`, largest remainder).
    must_include, exclude : sequence of str
        Candidate ids that must be chosen / may not be chosen.
    solver, time_limit, seed
        Passed to the solver.
    crs : str, optional
        CRS of CSV coordinates.
    exact_positions : bool, default False
        Write exact distances to and ids of the nearest existing devices (and
        the pole clutter layer) for internal use; by default distance bands
        only (50 m 이내 / 50–100 m / 100 m 이상).
    overwrite : bool
        Replace existing outputs.
    progress : bool
        Show progress.

    Returns
    -------
    (Proposal or Plan, list of str)
        The proposal (a :class:`~siting.plan.Plan` for a run by quota) and the
        names of the files written into ``out_dir``.
    """
    if per_district is not None:
        if count is not None or budget is not None or fair_share is not None:
            raise InputError(
                "--per-district gives the count of every district; it does not combine with "
                "--count, --budget or --fair-share",
                fix="pass --per-district N alone, or --count N with --fair-share",
            )
    else:
        _check_amount(count, budget)  # before any file is read
        if fair_share is not None and count is None:
            raise InputError(
                "--fair-share splits a number of sites", fix="pass --count N with --fair-share"
            )
    prof = get_profile(
        device,
        radius_m=radius,
        lattice_spacing_m=lattice_spacing,
        aged_credit=aged_credit,
        existing_cover=existing_cover,
        camera_fov_deg=camera_fov,
        demand_spacing_m=demand_spacing,
    )
    area = study_area(districts)
    progress_step(0.02, "reading the demand")
    demands = read_demands(
        device,
        prof,
        area["sig_cd"].tolist(),
        grid_path=grid_path,
        demand_path=demand_path,
        where_path=where_path,
        weight_column=weight_column,
        crs=crs,
    )
    progress_step(0.15, "placing the candidate sites")
    cset = build_candidates(
        area,
        prof,
        demands,
        candidates_paths=() if candidates_path is None else (candidates_path,),
        lattice_fill=lattice_fill,
        crs=crs,
        excluded=_read_polygons(excluded_path, crs, "excluded areas"),
        child_zones=_read_polygons(child_zones_path, crs, "child-protection zones"),
        site_model=CameraSiteModel.from_profile(prof) if device == "cctv" else None,
    )
    progress_step(0.30, "reading the existing devices")
    existing = read_existing(existing_path, crs, device) if existing_path is not None else None
    buildings = _read_buildings(buildings_path, crs) if buildings_path is not None else None
    inputs = [
        p
        for p in (
            candidates_path,
            existing_path,
            grid_path,
            demand_path,
            excluded_path,
            child_zones_path,
            where_path,
            buildings_path,
        )
        if p is not None
    ]
    if per_district is not None or fair_share is not None:
        return _run_by_quota(
            out_dir,
            area=area,
            cset=cset,
            demands=demands,
            device=device,
            profile=prof,
            existing=existing,
            per_district=per_district,
            total=count,
            basis=fair_share or "equal",
            options={
                "min_spacing": min_spacing,
                "solver": solver,
                "time_limit": time_limit,
                "seed": seed,
                "reference_year": reference_year,
                "spacing_to_existing": spacing_to_existing,
                "buildings": buildings,
                "exact_positions": exact_positions,
            },
            inputs=inputs,
            overwrite=overwrite,
            progress=progress,
        )
    progress_step(0.35, "building coverage and choosing the sites", until=0.90)
    proposal = propose(
        device,
        cset,
        demands,
        count=count,
        budget=budget,
        existing=existing,
        profile=prof,
        min_spacing=min_spacing,
        must_include=must_include,
        exclude=exclude,
        solver=solver,
        time_limit=time_limit,
        seed=seed,
        reference_year=reference_year,
        spacing_to_existing=spacing_to_existing,
        buildings=buildings,
        exact_positions=exact_positions,
        progress=progress,
    )
    proposal.summary["districts"] = [
        {"sig_cd": r.sig_cd, "name_ko": r.name_ko} for r in area.itertuples()
    ]
    progress_step(0.90, "writing the outputs")
    with staged_outputs(out_dir, overwrite=overwrite, protected=inputs) as stage:
        files = write_proposal(proposal, stage, inputs=inputs)
    return proposal, files


def _read_polygons(
    path: str | os.PathLike[str] | None, crs: str | None, layer: str
) -> gpd.GeoDataFrame | None:
    if path is None:
        return None
    from layers.readers import read_layer

    frame = read_layer(path, crs=crs, layer_name=layer).frame
    if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
        raise InputError("has no features", layer=layer, fix="give a point or polygon layer")
    return frame


def _read_where(path: str | os.PathLike[str], crs: str | None) -> gpd.GeoDataFrame:
    """The ``--where`` layer (lines, polygons or points) in EPSG:5186."""
    from layers.readers import read_layer

    frame = read_layer(path, crs=crs, layer_name="where").frame
    if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
        raise InputError(
            "has no features",
            layer="where",
            fix="give street lines, sidewalk polygons or entrance points",
        )
    return frame


def _read_buildings(path: str | os.PathLike[str], crs: str | None) -> gpd.GeoDataFrame:
    """Building footprints in EPSG:5186 (a declared CRS is reprojected; none is refused)."""
    from layers.readers import read_layer

    frame = read_layer(path, crs=crs, layer_name="buildings").frame
    if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
        raise InputError("has no footprints", layer="buildings", fix="give building polygons")
    return frame


def _run_by_quota(
    out_dir: str | os.PathLike[str],
    *,
    area: gpd.GeoDataFrame,
    cset: CandidateSet,
    demands: dict[str, Demand],
    device: str,
    profile: DeviceProfile,
    existing: gpd.GeoDataFrame | None,
    per_district: int | None,
    total: int | None,
    basis: Literal["risk", "equal"],
    options: dict[str, Any],
    inputs: Sequence[str | os.PathLike[str]],
    overwrite: bool,
    progress: bool,
) -> tuple[Plan, list[str]]:
    """A citywide run by quota: sites per district, each district solved on its own."""
    from siting.jobs_plan import write_plan
    from siting.plan import district_quotas, plan_districts, quota_weights

    codes = area["sig_cd"].astype(str).tolist()
    names = dict(zip(codes, area["name_ko"].astype(str), strict=True))
    first = demands.get("cctv") or next(iter(demands.values()))
    weights = quota_weights(basis, codes, demand=first)
    available = cset.frame["sig_cd"].astype(str).value_counts()
    quotas = district_quotas(
        weights, total=total, per_district=per_district, available=available, names=names
    )
    quotas = quotas[quotas["quota"] > 0].reset_index(drop=True)
    quotas.insert(1, "name_ko", [names[c] for c in quotas["sig_cd"]])
    progress_step(0.35, "choosing the sites district by district", until=0.90)
    plan = plan_districts(
        quotas,
        cset,
        demands,
        device=device,
        existing=existing,
        profile=profile,
        propose_options=options,
        progress=progress,
    )
    plan.summary["quota"] = {
        "per_district": per_district,
        "total": total,
        "fair_share": None if per_district is not None else basis,
    }
    progress_step(0.90, "writing the outputs")
    with staged_outputs(out_dir, overwrite=overwrite, protected=list(inputs)) as stage:
        files = write_plan(plan, stage, command="propose", inputs=inputs)
    return plan, files
