"""Proposals: where the next N devices (or the next KRW budget) should go, and why.

:func:`propose` is the computation: candidates, demand and existing devices
in (frames and arrays, no files), a :class:`Proposal` out (sites with their
explanation, covered demand, every candidate with its stand-alone gain, a
per-district summary and the ``summary.json`` dict). Reading files and
writing outputs is the job's business (:mod:`siting.jobs_propose`:
``run_propose``, ``write_proposal``).

Grid demand is sampled below the cell (:mod:`siting.sampling`, default
spacing radius / 4 = 12.5 m for CCTV) so that coverage is a share of real
area, and explanations say "m² of D/E area newly watched" and "share of the
district's D/E risk". Existing devices remove demand at the same resolution
(an aged one only ``aged_credit`` of it), optionally no new site goes within
``spacing_to_existing`` m of one, and with building footprints a camera
watches only what it can see (:mod:`siting.sight`).

The objective is the maximal covering location problem (MCLP) on the demand
left uncovered by existing devices; the solver (:func:`siting.solvers.solve_mclp`)
reports an upper bound and the gap, so a planner knows how close to optimal the
answer is. A smart pole maximises the weighted sum of its services' uncovered
gains: one coverage matrix per service, stacked side by side, each service's
weights scaled (``ServiceSpec.weight / total service demand``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS

from layers.crs import WORKING_CRS, require_working_crs
from layers.errors import CRSError, EmptyLayerError, InfeasibleError, InputError
from layers.privacy import band_distances
from layers.progress import step, track, within
from siting._checks import nonnegative_finite
from siting.candidates import CandidateSet, attach_districts, study_area
from siting.coverage import coverage_from_geometries, coverage_matrix, uncovered_weights
from siting.demand import Demand
from siting.existing_cover import existing_shares, reason_note
from siting.explain import ServiceCover, covered_features, district_summary, explain_sites
from siting.profiles import DeviceProfile, find_clutter, get_profile
from siting.sampling import sample_demand
from siting.sight import Buildings, drop_inside, visible_cover
from siting.solvers import DEFAULT_TIME_LIMIT, Solution, solve_mclp

__all__ = ["DEVICE_LABELS", "Proposal", "propose", "reference_year_of"]

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


def _cover(
    candidates: gpd.GeoDataFrame,
    demand: Demand,
    radius: float,
    buildings: Buildings | None = None,
) -> tuple[sp.csr_matrix, int]:
    """Coverage of the demand units within the radius (and in sight); pairs blocked."""
    if demand.samples is not None or demand.is_points:
        cxy = _points_xy(candidates)
        uxy = demand.unit_xy()
        cover = coverage_matrix(cxy, uxy, radius)
        if buildings is not None:
            return visible_cover(cover, cxy, uxy, buildings)
        return cover, 0
    return coverage_from_geometries(candidates.geometry, demand.frame.geometry, radius), 0


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


def reference_year_of(existing: gpd.GeoDataFrame | None, given: int | None) -> tuple[int, str]:
    """Year device ages are measured at, and where it came from.

    The year given; else the inventory's as-of date (``attrs["as_of"]``, from
    데이터기준일자/작업일자, via :func:`layers.inventory.resolve_reference_year`);
    else the bundled CCTV table's as-of year (2024-12-31) [choice].
    """
    from layers.age import resolve_reference_year
    from layers.districts import CCTV_AS_OF_YEAR

    if given is not None:
        return int(given), "given"
    if existing is not None and isinstance(existing.attrs.get("as_of"), str):
        return resolve_reference_year(existing, None)
    return CCTV_AS_OF_YEAR, "no as-of date in the inventory: bundled CCTV table's as-of year"


def _credit(
    devices: gpd.GeoDataFrame, profile: DeviceProfile, reference_year: int, service: str
) -> tuple[np.ndarray | None, int]:
    """Partial credit of existing devices (``aged_credit`` for aged ones, 1 otherwise), n aged.

    A pole's services take the ageing threshold of their own device (CCTV 8
    years, Wi-Fi 7) and the pole profile's ``aged_credit``.
    """
    min_age = profile.ageing_min_age
    if min_age is None and service in ("cctv", "wifi"):
        min_age = get_profile(service).ageing_min_age
    if min_age is None or "install_year" not in devices:
        return None, 0
    from layers.age import aged_credit, is_aged

    n_aged = int(is_aged(devices["install_year"], reference_year, min_age).sum())
    if profile.aged_credit >= 1.0:
        return None, n_aged
    return aged_credit(
        devices["install_year"], reference_year, min_age, profile.aged_credit
    ), n_aged


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
    buildings: Buildings | None = None,
) -> tuple[ServiceCover, dict[str, Any]]:
    began = time.perf_counter()
    sight: dict[str, Any] | None = None
    if buildings is not None and name == "cctv":
        demand, sight = drop_inside(demand, buildings)
    else:
        buildings = None
    cover, blocked = _cover(candidates, demand, radius, buildings)
    log.info(
        "%s coverage: %d candidates × %d demand units, %d covered pairs within %g m (%.2f s)",
        name,
        cover.shape[0],
        cover.shape[1],
        cover.nnz,
        radius,
        time.perf_counter() - began,
    )
    raw = demand.unit_weights()
    existing_cover = None
    credit = None
    n_aged = 0
    blocked_existing = 0
    if existing is not None and len(existing):
        existing_cover, blocked_existing = _cover(existing, demand, radius, buildings)
        credit, n_aged = _credit(existing, profile, reference_year, name)
    shares, watch = existing_shares(
        existing,
        credit,
        service=name,
        model=profile.existing_cover,
        fov_deg=profile.camera_fov_deg,
    )
    residual_raw = uncovered_weights(raw, existing_cover, partial_credit=shares)
    total_raw = float(raw.sum())
    scale = (weight / total_raw if total_raw > 0 else 0.0) if normalise else weight
    service = ServiceCover(name, demand, cover, residual_raw * scale, scale)
    if name == "cctv" and existing_cover is not None:
        service.existing_note = reason_note(profile.existing_cover, profile.camera_fov_deg)
    report: dict[str, Any] = {
        "service": name,
        "radius_m": radius,
        "weight": weight,
        "scale": scale,
        "demand": demand.report(),
        "n_existing": 0 if existing is None else len(existing),
        "n_existing_aged": n_aged,
        "existing_credit": (
            "full (aged devices count as working; --aged-credit to change)"
            if credit is None
            else f"aged devices {profile.aged_credit:g}, others 1"
        ),
        "existing_cover": watch,
        "demand_weight": total_raw,
        "covered_by_existing_weight": float(total_raw - residual_raw.sum()),
        "uncovered_weight": float(residual_raw.sum()),
        "covered_by_existing_pct": (
            100.0 * float(total_raw - residual_raw.sum()) / total_raw if total_raw > 0 else 0.0
        ),
    }
    measure = demand.unit_measure()
    if measure is not None and demand.measure_unit is not None:
        share = service.residual_share()
        stem = {"m²": "area_m2", "m": "length_m", "places": "places"}[demand.measure_unit]
        report[f"demand_{stem}"] = float(measure.sum())
        report[f"covered_by_existing_{stem}"] = float((measure * (1.0 - share)).sum())
    if sight is not None:
        report["line_of_sight"] = sight | {
            "pairs_blocked": blocked,
            "existing_pairs_blocked": blocked_existing,
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


@within()
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
    time_limit: float = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    reference_year: int | None = None,
    demand_spacing: float | None = None,
    spacing_to_existing: float | None = None,
    buildings: gpd.GeoDataFrame | Buildings | None = None,
    exact_positions: bool = False,
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
    time_limit : float, default 600
        Safety stop for the solver (s). Search effort is bounded by work
        (steps, evaluations, branch-and-bound nodes), so equal inputs and seed
        give equal sites on any machine load; when this limit does stop the
        search early, ``summary["stopped_by_time_limit"]`` is true.
    seed : int, default 0
        Seed for any randomised step (results are deterministic given it).
    reference_year : int, optional
        Year device ages are measured at (partial credit of aged devices);
        default the inventory's as-of date (:func:`reference_year_of`).
    demand_spacing : float, optional
        Spacing (m) of demand samples below each grid cell; default the
        profile's (radius / 4: 12.5 m for CCTV); ``0`` keeps one point per
        cell centroid. Applies to grid demand (a Demand that knows its cell
        size and has no samples yet).
    spacing_to_existing : float, optional
        No new site closer than this (m) to an existing device of the same type.
    buildings : GeoDataFrame or Buildings, optional
        Building footprints (EPSG:5186): CCTV watches only demand in sight,
        and demand inside footprints is dropped.
    exact_positions : bool, default False
        Keep the exact distance (m) to and the id of the nearest existing
        device (and clutter group) in ``sites``; by default only distance
        bands (:func:`layers.privacy.band_distances`), so that the outputs can
        be shared without locating existing cameras.
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
        More sites requested than candidates (or than candidates left once
        those near existing devices are removed).
    EmptyLayerError
        No candidates.
    """
    start = time.perf_counter()
    prof = profile or get_profile(device)
    if demand_spacing is not None:
        prof = replace(prof, demand_spacing_m=float(demand_spacing))
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
    demands = {
        name: (
            sample_demand(d, d.cell_size_m, prof.demand_spacing)
            if d.samples is None and d.cell_size_m is not None and prof.demand_spacing > 0
            else d
        )
        for name, d in demands.items()
    }
    footprints = (
        Buildings.from_frame(buildings) if isinstance(buildings, gpd.GeoDataFrame) else buildings
    )
    year, year_source = reference_year_of(existing, reference_year)
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
    step(0.0, "covering the demand", until=0.4)
    for name, radius, weight in track(specs, "covering the demand"):
        service, report = _service_cover(
            name,
            cands,
            demands[name],
            _existing_of(existing, name),
            radius,
            prof,
            year,
            weight=weight,
            normalise=device == "pole" and prof.normalise_services,
            buildings=footprints,
        )
        services.append(service)
        reports.append(report)
    cover = sp.hstack([s.cover for s in services], format="csr")
    weights = np.concatenate([s.residual for s in services])
    costs, cost_source = _costs(cands, prof)
    ids = cands["candidate_id"].astype(str)
    xy = _points_xy(cands)
    must_pos = _positions(ids, must_include, "must-include")
    excl_pos = _positions(ids, exclude, "exclude")
    near_existing = _near_existing(xy, existing, device, spacing_to_existing, ids, must_pos)
    if near_existing.size:
        excl_pos = sorted(set(excl_pos) | set(near_existing.tolist()))
        if count is not None and count > len(cands) - len(excl_pos):
            raise InfeasibleError(
                f"{count} sites requested but only {len(cands) - len(excl_pos)} candidates are "
                f"{spacing_to_existing:g} m or more from an existing device "
                f"({near_existing.size} are closer)",
                layer="candidates",
                fix="ask for fewer sites, lower --spacing-to-existing or give more candidates",
            )
    step(0.4, "choosing the sites", until=0.95)
    solution = solve_mclp(
        cover,
        weights,
        count=count,
        budget=budget,
        costs=costs if budget is not None else None,
        min_spacing=min_spacing,
        candidates_xy=xy if min_spacing else None,
        must_include=must_pos,
        exclude=excl_pos,
        solver=solver,
        time_limit=time_limit,
        seed=seed,
        progress=progress,
    )
    selected = [int(i) for i in solution.selected]
    label = DEVICE_LABELS.get(device, device)
    sites = explain_sites(
        cands,
        selected,
        services,
        existing=existing,
        costs=costs,
        device_label=label,
        exact_positions=exact_positions,
    )
    sites.insert(sites.columns.get_loc("cost_krw"), "radius_m", max(r for _, r, _ in specs))
    for column in _SITE_COLUMNS:  # where each site comes from, and its cameras
        if column in cands and column not in sites:
            values = cands[column].to_numpy()[selected]
            sites.insert(sites.columns.get_loc("cost_krw"), column, values)
    if device == "pole":
        sites.insert(
            sites.columns.get_loc("cost_krw"), "services", ", ".join(n for n, _, _ in specs)
        )
    clutter = None
    if device == "pole" and existing is not None and len(existing):
        clutter = find_clutter(
            existing, eps_m=prof.clutter_eps_m, min_devices=prof.clutter_min_devices
        )
        sites = band_distances(
            _attach_clutter(sites, clutter, prof.radius_m), exact_positions=exact_positions
        )
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
        "reference_year": year,
        "reference_year_source": year_source,
        "demand_spacing_m": prof.demand_spacing,
        "spacing_to_existing_m": spacing_to_existing,
        "line_of_sight": footprints is not None,
        "cost_source": cost_source,
        "profile": prof.settings(),
        "exact_positions": exact_positions,
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
        "bound_method": solution.bound_method,
        "bound_clamped_to_covered": solution.bound_clamped,
        "stopped_by_time_limit": solution.stopped_by_time_limit,
        "work": dict(solution.work),
        "seconds": float(solution.seconds),
        "seconds_total": round(time.perf_counter() - start, 3),
        "covered_pct": (
            100.0 * solution.covered_weight / solution.total_weight
            if solution.total_weight > 0
            else 0.0
        ),
        "cost_krw": float(costs[selected].sum()) if selected else 0.0,
        "n_candidates": len(cands),
        "n_candidates_near_existing": int(near_existing.size),
        "candidates": cset.report(),
        "sites_by_source": _count_by_source(sites),
        "services": reports,
        "n_clutter_groups": None if clutter is None else len(clutter),
        "settings": settings,
    }
    for service, report in zip(services, reports, strict=True):
        prefix = f"{service.name}_" if len(services) > 1 else ""
        unit = service.demand.measure_unit
        raw_total = float(service.demand.weights.sum())
        new_raw = float(sites[f"{prefix}marginal_weight" if not prefix else f"{prefix}gain"].sum())
        if service.scale > 0:
            new_raw /= service.scale
        report["new_weight"] = new_raw
        report["new_risk_share_pct"] = 100.0 * new_raw / raw_total if raw_total > 0 else 0.0
        if unit is not None:
            stem = {"m²": "area_m2", "m": "length_m", "places": "places"}[unit]
            report[f"new_{stem}"] = float(sites[f"{prefix}new_{stem}"].sum())
            if len(sites):
                report["min_new_samples_per_site"] = int(sites[f"{prefix}new_samples"].min())
    if count is not None and len(selected) < count:
        summary["note"] = (
            f"only {len(selected)} of the {count} sites requested add any uncovered demand; "
            "the others would cover nothing new and were not placed"
        )
        log.warning(summary["note"])
    log.info(
        "%s: %d sites cover %s of %s uncovered weight (bound %s, gap %s, %s)",
        device,
        len(selected),
        f"{solution.covered_weight:,.2f}",
        f"{solution.total_weight:,.2f}",
        f"{solution.upper_bound:,.2f}",
        f"{100 * solution.gap:.2f} %" if np.isfinite(solution.gap) else "unknown",
        solution.solver,
    )
    return Proposal(device, sites, covered, all_cands, table, summary, solution, clutter, settings)


def _near_existing(
    xy: np.ndarray,
    existing: gpd.GeoDataFrame | None,
    device: str,
    spacing: float | None,
    ids: pd.Series,
    must: Sequence[int],
) -> np.ndarray:
    """Candidates closer than ``spacing`` (m) to an existing device of the same type."""
    if spacing is None or spacing <= 0:
        if spacing is not None and (not np.isfinite(spacing) or spacing < 0):
            raise InputError(
                f"spacing to existing devices is {spacing!r} m",
                layer="spacing to existing",
                fix="give a distance ≥ 0 m",
            )
        return np.empty(0, dtype=np.int64)
    types = ["cctv", "wifi"] if device == "pole" else [device]
    frames = [f for f in (_existing_of(existing, t) for t in types) if f is not None]
    if not frames:
        return np.empty(0, dtype=np.int64)
    from scipy.spatial import cKDTree

    exy = np.concatenate([_points_xy(f) for f in frames])
    dist, _ = cKDTree(exy).query(xy, k=1)
    near = np.flatnonzero(dist < spacing)
    clash = sorted(set(near.tolist()) & set(must))
    if clash:
        raise InfeasibleError(
            f"must-include site(s) {', '.join(str(ids.iloc[i]) for i in clash[:10])} stand "
            f"closer than {spacing:g} m to an existing device",
            layer="candidates",
            fix="lower --spacing-to-existing or drop them from --must-include",
        )
    return near


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


#: The job functions live in :mod:`siting.jobs_propose` (reading and writing files);
#: importing them from here still works.
#: Candidate columns a proposed site carries (:mod:`siting.candidates`, camera-site model).
_SITE_COLUMNS = ("candidate_source", "existing_cameras", "cameras_added")


def _count_by_source(sites: pd.DataFrame) -> dict[str, int]:
    """Proposed sites per ``candidate_source`` (all ``candidates`` when the column is absent)."""
    if "candidate_source" not in sites:
        return {"candidates": len(sites)} if len(sites) else {}
    counts = sites["candidate_source"].astype(str).value_counts().sort_index()
    return {str(k): int(v) for k, v in counts.items()}


_MOVED = {"run_propose": "siting.jobs_propose", "write_proposal": "siting.jobs_propose"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'siting.propose' has no attribute {name!r}")
