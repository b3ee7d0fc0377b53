"""Proposals: where the next N devices (or the next KRW budget) should go, and why.

:func:`propose` is the library entry: candidates, demand and existing devices
in, a :class:`Proposal` out (sites with their explanation, covered demand,
every candidate with its stand-alone gain, a per-district summary and the
``summary.json`` dict). :func:`run_propose` is the job behind ``siting
propose``: it reads the files, calls :func:`propose` and writes the outputs
atomically (nothing is written when anything fails).

The objective is the maximal covering location problem (MCLP) on the demand
left uncovered by existing devices; the solver (:func:`siting.solvers.solve_mclp`)
reports an upper bound and the gap, so a planner knows how close to optimal the
answer is. A smart pole maximises the weighted sum of its services' uncovered
gains: one coverage matrix per service, stacked side by side, each service's
weights scaled (``ServiceSpec.weight / total service demand``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS

from layers.crs import WORKING_CRS, require_working_crs
from layers.districts import CCTV_AS_OF_YEAR
from layers.errors import CRSError, EmptyLayerError, InfeasibleError, InputError
from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json
from siting._checks import nonnegative_finite
from siting.candidates import (
    CandidateSet,
    attach_districts,
    lattice_candidates,
    prepare_candidates,
    read_candidates,
    study_area,
)
from siting.coverage import coverage_from_geometries, coverage_matrix, uncovered_weights
from siting.demand import Demand, grid_demand, read_demand, restrict_demand
from siting.explain import ServiceCover, covered_features, district_summary, explain_sites
from siting.profiles import DeviceProfile, find_clutter, get_profile
from siting.solvers import Solution, solve_mclp

__all__ = ["DEVICE_LABELS", "Proposal", "propose", "run_propose", "write_proposal"]

log = logging.getLogger(__name__)

#: Device names as a planner reads them in explanations.
DEVICE_LABELS = {"cctv": "CCTV", "wifi": "공공와이파이", "pole": "스마트폴"}


@dataclass
class Proposal:
    """A siting proposal with everything needed to audit it.

    Attributes
    ----------
    device : str
        ``"cctv"``, ``"wifi"`` or ``"pole"``.
    sites : GeoDataFrame
        Proposed sites in the order chosen, with their explanation
        (:func:`siting.explain.explain_sites`).
    covered : GeoDataFrame
        Demand features the proposal covers (:func:`siting.explain.covered_features`).
    candidates : GeoDataFrame
        Every candidate kept, with ``selected``, ``order`` and ``standalone_gain``
        (the weight it would cover alone).
    districts : DataFrame
        Per-district summary (:func:`siting.explain.district_summary`).
    summary : dict
        ``covered_weight``, ``total_weight``, ``upper_bound``, ``gap``,
        ``n_selected``, ``solver``, ``seconds`` and the settings used.
    solution : Solution
        The solver's answer.
    clutter : GeoDataFrame or None
        Smart poles: groups of existing separate devices one pole could replace.
    """

    device: str
    sites: gpd.GeoDataFrame
    covered: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    districts: pd.DataFrame
    summary: dict[str, Any]
    solution: Solution
    clutter: gpd.GeoDataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def _crs_label(crs: object) -> str:
    if crs is None:
        return "no CRS"
    epsg = CRS.from_user_input(crs).to_epsg()
    return f"EPSG:{epsg}" if epsg else str(crs)


def _check_same_crs(candidates: gpd.GeoDataFrame, demands: Mapping[str, Demand]) -> None:
    for name, demand in demands.items():
        a, b = candidates.crs, demand.frame.crs
        same = a is not None and b is not None and CRS.from_user_input(a).equals(b)
        if not same:
            raise CRSError(
                f"candidates are {_crs_label(a)} but the {name} demand is {_crs_label(b)}",
                layer="demand",
                fix="read both layers with layers.read_layer (which reprojects to EPSG:5186), "
                "or give the CSV coordinates' CRS with --crs",
            )
    require_working_crs(candidates, "candidates")


def _points_xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    geom = frame.geometry
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])


def _cover(candidates: gpd.GeoDataFrame, demand: Demand, radius: float) -> sp.csr_matrix:
    if demand.is_points:
        return coverage_matrix(_points_xy(candidates), demand.xy(), radius)
    return coverage_from_geometries(candidates.geometry, demand.frame.geometry, radius)


def _existing_of(existing: gpd.GeoDataFrame | None, device: str) -> gpd.GeoDataFrame | None:
    """Existing devices of one type (all rows when the layer has no type column)."""
    if existing is None or len(existing) == 0:
        return None
    require_working_crs(existing, "existing devices")
    if "device_type" not in existing:
        return existing
    types = existing["device_type"].astype(str).str.lower()
    mine = existing[types == device]
    if len(mine) == 0 and types.nunique() == 1:
        log.warning(
            "existing devices are all of type %r, not %r; using them all", types.iloc[0], device
        )
        return existing
    return mine


def _credit(
    devices: gpd.GeoDataFrame, profile: DeviceProfile, reference_year: int
) -> np.ndarray | None:
    """Partial credit of existing devices: ``aged_credit`` for aged ones, 1 otherwise."""
    if profile.aged_credit >= 1.0 or profile.ageing_min_age is None:
        return None
    if "install_year" not in devices:
        return None
    years = pd.to_numeric(devices["install_year"], errors="coerce").astype(float).to_numpy()
    aged = (reference_year - years) >= profile.ageing_min_age
    return np.where(aged, profile.aged_credit, 1.0)


def _service_cover(
    name: str,
    candidates: gpd.GeoDataFrame,
    demand: Demand,
    existing: gpd.GeoDataFrame | None,
    radius: float,
    profile: DeviceProfile,
    reference_year: int,
    weight: float = 1.0,
    normalise: bool = False,
) -> tuple[ServiceCover, dict[str, Any]]:
    began = time.perf_counter()
    cover = _cover(candidates, demand, radius)
    log.info(
        "%s coverage: %d candidates × %d demand features, %d covered pairs within %g m (%.2f s)",
        name,
        cover.shape[0],
        cover.shape[1],
        cover.nnz,
        radius,
        time.perf_counter() - began,
    )
    raw = demand.weights
    existing_cover = None
    credit = None
    if existing is not None and len(existing):
        existing_cover = _cover(existing, demand, radius)
        credit = _credit(existing, profile, reference_year)
    residual_raw = uncovered_weights(raw, existing_cover, partial_credit=credit)
    total_raw = float(raw.sum())
    scale = (weight / total_raw if total_raw > 0 else 0.0) if normalise else weight
    service = ServiceCover(name, demand, cover, residual_raw * scale, scale)
    report = {
        "service": name,
        "radius_m": radius,
        "weight": weight,
        "scale": scale,
        "demand": demand.report(),
        "n_existing": 0 if existing is None else len(existing),
        "demand_weight": total_raw,
        "covered_by_existing_weight": float(total_raw - residual_raw.sum()),
        "uncovered_weight": float(residual_raw.sum()),
    }
    return service, report


def _costs(candidates: gpd.GeoDataFrame, profile: DeviceProfile) -> tuple[np.ndarray, str]:
    if "cost_krw" in candidates:
        values = nonnegative_finite(
            pd.to_numeric(candidates["cost_krw"], errors="coerce"),
            what="candidate cost(s) in cost_krw",
            layer="candidates",
            fix="give every candidate a cost_krw ≥ 0, or drop the column to use the "
            f"profile's {profile.site_cost_krw:,.0f} KRW a site",
        )
        return values, "column cost_krw"
    return np.full(len(candidates), profile.site_cost_krw), "profile site cost"


def _positions(ids: pd.Series, wanted: Sequence[str], what: str) -> list[int]:
    index = {str(v): i for i, v in enumerate(ids)}
    unknown = [w for w in wanted if str(w) not in index]
    if unknown:
        raise InputError(
            f"{what} names unknown candidate id(s): {', '.join(map(str, unknown[:10]))}",
            layer="candidates",
            fix="use candidate_id values of the kept candidates (candidates.csv)",
        )
    return [index[str(w)] for w in wanted]


def _check_amount(count: int | None, budget: float | None) -> None:
    """Exactly one of a site count ≥ 1 and a positive budget (KRW)."""
    if (count is None) == (budget is None):
        raise InputError(
            "give either a number of sites or a budget, not both or neither",
            fix="pass --count N or --budget KRW",
        )
    if count is not None and count < 1:
        raise InputError(f"count must be at least 1, got {count}", fix="pass --count N ≥ 1")
    if budget is not None and (not np.isfinite(budget) or budget <= 0):
        raise InputError(f"budget must be positive KRW, got {budget}", fix="pass --budget KRW > 0")


def _check_request(n: int, count: int | None, budget: float | None) -> None:
    _check_amount(count, budget)
    if count is not None and count > n:
        raise InfeasibleError(
            f"{count} sites requested but only {n} candidate sites are available",
            layer="candidates",
            fix=f"ask for at most {n} sites, or give more candidates (--candidates, a finer "
            "lattice, more districts)",
        )


def propose(
    device: str,
    candidates: CandidateSet | gpd.GeoDataFrame,
    demand: Demand | Mapping[str, Demand],
    *,
    count: int | None = None,
    budget: float | None = None,
    existing: gpd.GeoDataFrame | None = None,
    profile: DeviceProfile | None = None,
    min_spacing: float | None = None,
    must_include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    solver: Literal["auto", "greedy", "exact"] = "auto",
    time_limit: float = 60.0,
    seed: int = 0,
    reference_year: int = CCTV_AS_OF_YEAR,
    progress: bool = False,
) -> Proposal:
    """Propose sites for ``count`` devices or a ``budget``, maximising uncovered demand covered.

    Parameters
    ----------
    device : {"cctv", "wifi", "pole"}
        Device type (picks the default :class:`~siting.profiles.DeviceProfile`).
    candidates : CandidateSet or GeoDataFrame
        Candidate sites (points, EPSG:5186, ``candidate_id``, ``sig_cd``, ``name_ko``;
        optional ``cost_krw``).
    demand : Demand or mapping of service name to Demand
        What to cover. For a pole, ``{"cctv": …, "wifi": …}`` (services without
        demand are left out); a single Demand is the first service's.
    count : int, optional
        Number of sites (exactly one of ``count`` and ``budget``).
    budget : float, optional
        Budget in KRW; each site costs ``cost_krw`` or the profile's site cost.
    existing : GeoDataFrame, optional
        Existing devices (points, EPSG:5186; ``device_type``, ``install_year``,
        ``device_id`` used when present). Demand they cover does not count again.
    profile : DeviceProfile, optional
        Settings; default :func:`~siting.profiles.get_profile` of ``device``.
    min_spacing : float, optional
        Minimum distance between chosen sites (m).
    must_include, exclude : sequence of str
        Candidate ids that must be chosen / may not be chosen.
    solver : {"auto", "greedy", "exact"}
        Solver (see :func:`siting.solvers.solve_mclp`).
    time_limit : float, default 60
        Solver time limit (s).
    seed : int, default 0
        Seed for any randomised step (results are deterministic given it).
    reference_year : int, default 2024
        Year device ages are measured at (partial credit of aged devices).
    progress : bool, default False
        Show progress bars.

    Returns
    -------
    Proposal

    Raises
    ------
    CRSError
        Candidates and demand in different CRSs, or not in EPSG:5186.
    InputError
        Radius ≤ 0, negative weights, count < 1, both or neither of count and budget.
    InfeasibleError
        More sites requested than candidates.
    EmptyLayerError
        No candidates.
    """
    start = time.perf_counter()
    prof = profile or get_profile(device)
    cset = (
        candidates
        if isinstance(candidates, CandidateSet)
        else CandidateSet(candidates, "candidates", len(candidates))
    )
    cands = cset.frame
    if device == "pole":
        demands = dict(demand) if isinstance(demand, Mapping) else {prof.services[0].name: demand}
    else:
        if isinstance(demand, Mapping):
            if len(demand) != 1:
                raise InputError(
                    f"a {device} proposal takes one demand layer, got {len(demand)}",
                    layer="demand",
                    fix="pass one Demand",
                )
            demand = next(iter(demand.values()))
        demands = {device: demand}
    _check_same_crs(cands, demands)
    if len(cands) == 0:
        raise EmptyLayerError(
            "has no candidate sites", layer="candidates", fix="give at least one candidate"
        )
    not_points = np.flatnonzero(~(cands.geom_type == "Point").to_numpy())
    if not_points.size:
        raise InputError(
            f"{not_points.size} candidate(s) are not points",
            layer="candidates",
            rows=(not_points + 1).tolist(),
            fix="pass candidates through siting.candidates.prepare_candidates, which places "
            "lines and polygons at their representative point",
        )
    if "candidate_id" not in cands:
        cands = cands.assign(candidate_id=[f"C{i:06d}" for i in range(1, len(cands) + 1)])
    if "sig_cd" not in cands or "name_ko" not in cands:
        cands = attach_districts(cands, study_area(None))
    _check_request(len(cands), count, budget)
    specs = (
        [(s.name, s.radius_m, s.weight) for s in prof.services if s.name in demands]
        if device == "pole"
        else [(device, prof.radius_m, 1.0)]
    )
    if device == "pole" and not specs:
        raise InputError(
            "a smart pole needs demand for at least one of its services "
            f"({', '.join(s.name for s in prof.services)})",
            layer="demand",
            fix="give a risk grid (--grid) for CCTV and/or a demand layer (--demand) for Wi-Fi",
        )
    services: list[ServiceCover] = []
    reports: list[dict[str, Any]] = []
    for name, radius, weight in specs:
        service, report = _service_cover(
            name,
            cands,
            demands[name],
            _existing_of(existing, name),
            radius,
            prof,
            reference_year,
            weight=weight,
            normalise=device == "pole" and prof.normalise_services,
        )
        services.append(service)
        reports.append(report)
    cover = sp.hstack([s.cover for s in services], format="csr")
    weights = np.concatenate([s.residual for s in services])
    costs, cost_source = _costs(cands, prof)
    ids = cands["candidate_id"].astype(str)
    xy = _points_xy(cands)
    solution = solve_mclp(
        cover,
        weights,
        count=count,
        budget=budget,
        costs=costs if budget is not None else None,
        min_spacing=min_spacing,
        candidates_xy=xy if min_spacing else None,
        must_include=_positions(ids, must_include, "must-include"),
        exclude=_positions(ids, exclude, "exclude"),
        solver=solver,
        time_limit=time_limit,
        seed=seed,
        progress=progress,
    )
    selected = [int(i) for i in solution.selected]
    label = DEVICE_LABELS.get(device, device)
    sites = explain_sites(
        cands, selected, services, existing=existing, costs=costs, device_label=label
    )
    sites.insert(sites.columns.get_loc("cost_krw"), "radius_m", max(r for _, r, _ in specs))
    if device == "pole":
        sites.insert(
            sites.columns.get_loc("cost_krw"), "services", ", ".join(n for n, _, _ in specs)
        )
    clutter = None
    if device == "pole" and existing is not None and len(existing):
        clutter = find_clutter(
            existing, eps_m=prof.clutter_eps_m, min_devices=prof.clutter_min_devices
        )
        sites = _attach_clutter(sites, clutter, prof.radius_m)
    covered = pd.concat([covered_features(cands, selected, s) for s in services], ignore_index=True)
    covered = gpd.GeoDataFrame(covered, geometry="geometry", crs=WORKING_CRS)
    table = district_summary(sites, selected, services)
    order = np.zeros(len(cands), dtype=np.int64)
    order[selected] = np.arange(1, len(selected) + 1)
    all_cands = cands.copy()
    all_cands["selected"] = order > 0
    all_cands["order"] = order
    all_cands["standalone_gain"] = np.asarray(cover @ weights).ravel()
    all_cands["cost_krw"] = costs
    settings = {
        "device": device,
        "count": count,
        "budget_krw": budget,
        "min_spacing_m": min_spacing,
        "must_include": list(must_include),
        "exclude": list(exclude),
        "solver": solver,
        "time_limit_s": time_limit,
        "seed": seed,
        "reference_year": reference_year,
        "cost_source": cost_source,
        "profile": prof.settings(),
    }
    summary = {
        "device": device,
        "covered_weight": float(solution.covered_weight),
        "total_weight": float(solution.total_weight),
        "upper_bound": float(solution.upper_bound),
        "gap": float(solution.gap),
        "n_selected": len(selected),
        "solver": solution.solver,
        "status": solution.status,
        "seconds": float(solution.seconds),
        "seconds_total": round(time.perf_counter() - start, 3),
        "covered_pct": (
            100.0 * solution.covered_weight / solution.total_weight
            if solution.total_weight > 0
            else 0.0
        ),
        "cost_krw": float(costs[selected].sum()) if selected else 0.0,
        "n_candidates": len(cands),
        "candidates": cset.report(),
        "services": reports,
        "n_clutter_groups": None if clutter is None else len(clutter),
        "settings": settings,
    }
    if count is not None and len(selected) < count:
        summary["note"] = (
            f"only {len(selected)} of the {count} sites requested add any uncovered demand; "
            "the others would cover nothing new and were not placed"
        )
        log.warning(summary["note"])
    log.info(
        "%s: %d sites cover %.4g of %.4g uncovered weight (bound %.4g, gap %.3g, %s)",
        device,
        len(selected),
        solution.covered_weight,
        solution.total_weight,
        solution.upper_bound,
        solution.gap,
        solution.solver,
    )
    return Proposal(device, sites, covered, all_cands, table, summary, solution, clutter, settings)


def _attach_clutter(
    sites: gpd.GeoDataFrame, clutter: gpd.GeoDataFrame, reach_m: float
) -> gpd.GeoDataFrame:
    """Nearest clutter group of each pole, and whether the pole is within reach of it."""
    out = sites.copy()
    if len(clutter) == 0 or len(out) == 0:
        out["nearest_clutter_id"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["nearest_clutter_m"] = np.nan
        out["consolidates_devices"] = 0
        return out
    from scipy.spatial import cKDTree

    cxy = np.column_stack([clutter.geometry.x.to_numpy(), clutter.geometry.y.to_numpy()])
    dist, idx = cKDTree(cxy).query(out[["x_m", "y_m"]].to_numpy(), k=1)
    out["nearest_clutter_id"] = clutter["cluster_id"].to_numpy()[idx]
    out["nearest_clutter_m"] = dist
    out["consolidates_devices"] = np.where(
        dist <= reach_m, clutter["n_devices"].to_numpy()[idx], 0
    ).astype(np.int64)
    return out


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
    ``candidates``, and ``clutter`` for poles), ``<prefix>proposals.csv`` (the
    explanation table), ``<prefix>districts.csv`` (per-district summary),
    ``<prefix>summary.json`` and ``<prefix>run.json``.
    """
    layers = {
        "proposals": proposal.sites,
        "covered": proposal.covered,
        "candidates": proposal.candidates,
    }
    if proposal.clutter is not None:
        layers["clutter"] = proposal.clutter
    files = [
        f"{prefix}proposal.gpkg",
        f"{prefix}proposals.csv",
        f"{prefix}districts.csv",
        f"{prefix}summary.json",
        f"{prefix}run.json",
    ]
    write_gpkg(layers, stage / files[0])
    write_csv(proposal.sites, stage / files[1])
    write_csv(proposal.districts, stage / files[2])
    write_json(proposal.summary, stage / files[3])
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


def _read_existing(path: str | os.PathLike[str], crs: str | None, device: str) -> gpd.GeoDataFrame:
    """Existing devices as an inventory; a pole reads a mixed layer with ``device_type``."""
    from layers.inventory import to_inventory
    from layers.readers import read_layer

    read = read_layer(path, crs=crs, layer_name="existing")
    if isinstance(read.frame, gpd.GeoDataFrame) and "device_type" in read.frame:
        frame = read.frame.copy()
        frame["device_type"] = frame["device_type"].astype(str).str.strip().str.lower()
        return frame
    return to_inventory(read, None if device == "pole" else device)


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
    aged_credit: float | None = None,
    solver: Literal["auto", "greedy", "exact"] = "auto",
    time_limit: float = 60.0,
    crs: str | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = False,
) -> tuple[Proposal, list[str]]:
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
        Candidate layer; default a lattice inside the study area (spacing
        ``lattice_spacing``, default the radius).
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
    must_include, exclude : sequence of str
        Candidate ids that must be chosen / may not be chosen.
    solver, time_limit, seed
        Passed to the solver.
    crs : str, optional
        CRS of CSV coordinates.
    overwrite : bool
        Replace existing outputs.
    progress : bool
        Show progress.

    Returns
    -------
    (Proposal, list of str)
        The proposal and the names of the files written into ``out_dir``.
    """
    _check_amount(count, budget)  # before any file is read
    prof = get_profile(
        device, radius_m=radius, lattice_spacing_m=lattice_spacing, aged_credit=aged_credit
    )
    area = study_area(districts)
    codes = area["sig_cd"].tolist()
    demands: dict[str, Demand] = {}
    if grid_path is not None and device in ("cctv", "pole"):
        from layers.riskgrid import read_grid

        cells = read_grid(grid_path).cells(grades=list(prof.demand_grades), geometry="centroid")
        demands["cctv"] = restrict_demand(grid_demand(cells, grades=prof.demand_grades), codes)
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
    excluded = _read_polygons(excluded_path, crs, "excluded areas")
    zones = _read_polygons(child_zones_path, crs, "child-protection zones")
    if candidates_path is not None:
        cset = read_candidates(
            candidates_path,
            area,
            crs=crs,
            excluded=excluded,
            child_zones=zones,
            zone_buffer_m=prof.child_zone_buffer_m,
        )
    else:
        lattice = lattice_candidates(area, prof.lattice_spacing)
        cset = prepare_candidates(
            lattice,
            area,
            excluded=excluded,
            child_zones=zones,
            zone_buffer_m=prof.child_zone_buffer_m,
            source=f"lattice {prof.lattice_spacing:g} m",
        )
    existing = _read_existing(existing_path, crs, device) if existing_path is not None else None
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
        progress=progress,
    )
    proposal.summary["districts"] = [
        {"sig_cd": r.sig_cd, "name_ko": r.name_ko} for r in area.itertuples()
    ]
    inputs = [
        p
        for p in (
            candidates_path,
            existing_path,
            grid_path,
            demand_path,
            excluded_path,
            child_zones_path,
        )
        if p is not None
    ]
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
