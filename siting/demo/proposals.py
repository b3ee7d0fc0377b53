"""Demo stage: CCTV sites, a Wi-Fi replacement plan and 7 smart poles, each with its explanation.

- **CCTV**: ``siting plan`` on the demo's ``cctv-new`` round
  (``context["rounds"]["cctv-new"]``): every funded district gets the sites its
  city share + matching buys (4 cameras a site at 5,000,000 KRW a camera),
  on SYNTHETIC streetlights and existing CCTV poles with room for more
  cameras. Existing CCTV is counted by camera count: a pole with ``n``
  cameras of 90° each, directions unknown, watches the expected share
  ``min(1, n·90°/360°)`` of its 50 m disc (:mod:`siting.existing_cover`),
  and an aged pole (≥ 8 years) half of that, so topping up a pole is worth
  something. When that round is absent, the districts with the highest CCTV
  ageing ratio get an EXAMPLE grant each, and the summary says so. Demand is
  the demo risk grid's D/E cells weighted by score (``context["grid"]``).
- **Wi-Fi replacement**: APs aged ≥ 7 years in ``context["wifi_inventory"]``
  (a seeded synthetic inventory; generated here when no earlier stage made
  one), ranked by the foot traffic they serve, under the 2024 budget of
  2,849,000천원 (공공와이파이 노후 AP 교체, 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)),
  with moves of up to 60 m to a streetlight.
- **Smart poles**: 7 poles in the first of those districts (the 2024
  "통합안전 스마트폴" size), CCTV + Wi-Fi services, candidates within 300 m of
  child-protection zones, and how many existing devices (clutter groups) each
  pole could consolidate.

Candidate streetlights, existing cameras, Wi-Fi places and child-protection
zones are **SYNTHETIC** (seeded from the demo seed) and labelled so in their
file names and in ``summary.json``; none of it is a real siting analysis.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.crs import WORKING_CRS
from layers.districts import CCTV_AS_OF_YEAR, load_districts
from layers.output import write_csv, write_gpkg, write_json
from siting.candidates import combine_candidates, prepare_candidates, study_area
from siting.demand import Demand, grid_demand, layer_demand, restrict_demand
from siting.demo._artifact import Artifact
from siting.jobs_plan import write_plan
from siting.jobs_replace import write_replacement
from siting.plan import Plan, district_budgets, plan_districts
from siting.profiles import WIFI_PLACE_CATEGORIES, DeviceProfile, get_profile
from siting.propose import propose, write_proposal
from siting.replace import plan_replacement
from siting.site_capacity import CameraSiteModel

__all__ = ["existing_cctv_note", "proposals_stage", "synthetic_points"]

log = logging.getLogger(__name__)

#: Districts the demo sites CCTV in when the cctv-new round is absent [demo choice].
N_TOP_DISTRICTS = 3
#: EXAMPLE grant of each of those districts without a round (KRW): 10 sites of 20,000,000 KRW
#: from 100,000,000 of city share and as much matching.
FALLBACK_CITY_SHARE_KRW = 100_000_000
#: Coverage credit of aged (≥ 8 years) existing cameras in the demo [demo choice].
DEMO_AGED_CREDIT = 0.5
#: 2024 smart-pole round: 7 poles a district (통합안전 스마트폴, 공모 3개 자치구 × 7본,
#: 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)).
N_POLES = 7
#: 2024 Wi-Fi replacement budget: 2,849,000천원 for 700 aged APs (공공와이파이,
#: 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)), in KRW.
WIFI_BUDGET_KRW = 2_849_000_000.0
_SEED_OFFSET = 505


def synthetic_points(
    area: gpd.GeoDataFrame, n: int, rng: np.random.Generator, *, weights: np.ndarray | None = None
) -> gpd.GeoDataFrame:
    """``n`` seeded random points inside the area's polygons (SYNTHETIC).

    Parameters
    ----------
    area : GeoDataFrame
        Polygons with ``sig_cd`` and ``name_ko`` (EPSG:5186).
    n : int
        Number of points.
    rng : numpy.random.Generator
        Seeded generator.
    weights : ndarray, optional
        Relative share of points per polygon (default: by area).

    Returns
    -------
    GeoDataFrame
        ``sig_cd``, ``name_ko``, point geometry.
    """
    share = np.asarray(weights if weights is not None else area.geometry.area, dtype=float)
    per = rng.multinomial(n, share / share.sum())
    frames = []
    for row, k in zip(area.itertuples(), per, strict=True):
        if k == 0:
            continue
        xmin, ymin, xmax, ymax = row.geometry.bounds
        shapely.prepare(row.geometry)
        got: list[np.ndarray] = []
        have = 0
        while have < k:
            x = rng.uniform(xmin, xmax, 2 * k + 16)
            y = rng.uniform(ymin, ymax, 2 * k + 16)
            inside = shapely.contains_xy(row.geometry, x, y)
            got.append(np.column_stack([x[inside], y[inside]]))
            have += int(inside.sum())
        xy = np.concatenate(got)[:k]
        frames.append(
            gpd.GeoDataFrame(
                {"sig_cd": [row.sig_cd] * k, "name_ko": [row.name_ko] * k},
                geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                crs=WORKING_CRS,
            )
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WORKING_CRS)


def _funded_districts(context: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Budgets of the funded districts of the cctv-new round, or EXAMPLE grants without it."""
    rounds = context.get("rounds") or {}
    table = rounds.get("cctv-new")
    if table is not None and len(table) and "city_share_krw" in table:
        budgets = district_budgets(table, layer="scoring/cctv-new/cctv-new_round.csv")
        return budgets, (
            "every funded district of the demo's cctv-new round, each within its city share "
            "+ matching (siting plan)"
        )
    layer = context.get("districts")
    layer = layer if layer is not None else load_districts()
    top = layer.sort_values(["cctv_ageing_ratio_pct", "sig_cd"], ascending=[False, True]).head(
        N_TOP_DISTRICTS
    )
    example = pd.DataFrame(
        {
            "sig_cd": top["sig_cd"].astype(str).to_numpy(),
            "name_ko": top["name_ko"].to_numpy(),
            "priority": np.arange(1, len(top) + 1),
            "status": "funded",
            "city_share_krw": FALLBACK_CITY_SHARE_KRW,
            "district_share_krw": FALLBACK_CITY_SHARE_KRW,
        }
    )
    how = (
        "the cctv-new round is absent from this demo run, so the districts with the highest "
        "CCTV ageing ratio (≥ 8 years, official 2024 table) each got an EXAMPLE grant of "
        f"{FALLBACK_CITY_SHARE_KRW:,} KRW + as much matching"
    )
    log.warning(how)
    return district_budgets(example, layer="EXAMPLE grants"), how


def _cctv_demand(context: dict[str, Any], codes: list[str], rng: np.random.Generator) -> Demand:
    grid = context.get("grid")
    if grid is not None:
        cells = grid.cells(grades=["D", "E"], geometry="centroid")
        cells = cells[cells["sig_cd"].isin(codes)]
        return grid_demand(cells)
    log.warning("no risk grid in this demo run: CCTV demand is SYNTHETIC points")
    points = synthetic_points(study_area(codes), 3000, rng)
    points["weight"] = rng.gamma(2.0, 1.0, len(points))
    points["grade"] = np.where(points["weight"] > 2.5, "E", "D")
    return layer_demand(points, name="SYNTHETIC CCTV demand (no risk grid)")


def _existing_cctv(area: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """SYNTHETIC camera sites: official cameras per district / 4 cameras a site."""
    layer = load_districts().set_index("sig_cd")
    sites = (layer.loc[area["sig_cd"], "cctv_total"].to_numpy() / 4).astype(int)
    points = synthetic_points(area, int(sites.sum()), rng, weights=sites.astype(float))
    n = len(points)
    points.insert(0, "device_id", [f"SYN-CCTV-{i:05d}" for i in range(1, n + 1)])
    points["device_type"] = "cctv"
    points["install_year"] = rng.integers(2008, 2025, n)
    points["n_devices"] = rng.integers(1, 7, n)
    points["synthetic"] = True
    return points


def _wifi_inventory(
    context: dict[str, Any], rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, str]:
    inventory = context.get("wifi_inventory")
    if inventory is not None and len(inventory):
        return inventory, "context wifi_inventory (seeded SYNTHETIC inventory of an earlier stage)"
    layer = context.get("districts")
    layer = layer if layer is not None else load_districts()
    points = synthetic_points(
        layer[["sig_cd", "name_ko", "geometry"]], 3000, rng, weights=layer["population_2024q4"]
    )
    n = len(points)
    points.insert(0, "device_id", [f"SYN-WIFI-{i:05d}" for i in range(1, n + 1)])
    points["device_type"] = "wifi"
    points["install_year"] = rng.integers(2012, 2025, n)
    points["n_devices"] = 1
    points["synthetic"] = True
    return points, "generated here (no wifi_inventory in context): seeded SYNTHETIC"


def _wifi_places(
    context: dict[str, Any], area: gpd.GeoDataFrame, rng: np.random.Generator, n: int
) -> gpd.GeoDataFrame:
    """SYNTHETIC public places by the 2024 public Wi-Fi place categories, weighted by synthetic
    foot traffic (category shares: the 2024 AP inventory by place in 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)).
    """
    names = list(WIFI_PLACE_CATEGORIES)
    share = np.array([WIFI_PLACE_CATEGORIES[c]["aps_2024"] for c in names], dtype=float)
    layer = load_districts().set_index("sig_cd")
    places = synthetic_points(
        area, n, rng, weights=layer.loc[area["sig_cd"], "population_2024q4"].to_numpy()
    )
    places.insert(0, "place_id", [f"SYN-PLACE-{i:05d}" for i in range(1, len(places) + 1)])
    places["category"] = rng.choice(names, size=len(places), p=share / share.sum())
    places["category_ko"] = [WIFI_PLACE_CATEGORIES[c]["name_ko"] for c in places["category"]]
    places["weight"] = np.round(rng.gamma(1.5, 200.0, len(places)), 1)  # visitors a day
    places["synthetic"] = True
    return places


def existing_cctv_note(profile: DeviceProfile) -> str:
    """How the demo counts existing CCTV, in a sentence for its artifact texts.

    Parameters
    ----------
    profile : DeviceProfile
        The CCTV profile the plan ran with (existing-cover model, camera field of
        view in degrees, aged credit 0–1, radius in m).

    Examples
    --------
    >>> existing_cctv_note(get_profile("cctv", aged_credit=0.5))[:40]
    'Existing CCTV is counted by camera count'
    """
    fov, radius = profile.camera_fov_deg, profile.radius_m
    if profile.existing_cover == "disc":
        watched = f"Existing CCTV poles each watch their whole {radius:g} m disc"
    else:
        full = int(np.ceil(360.0 / fov))
        watched = (
            f"Existing CCTV is counted by camera count: a pole with n cameras of {fov:g}° each, "
            f"directions unknown, watches the expected share min(1, n·{fov:g}°/360°) of its "
            f"{radius:g} m disc (1 camera {min(1.0, fov / 360.0):.0%}, {full} or more all of it)"
        )
    if profile.aged_credit >= 1.0:
        return watched + "."
    return (
        f"{watched}; an aged pole (≥ {profile.ageing_min_age} years) counts "
        f"{profile.aged_credit:.0%} of that."
    )


def proposals_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    """Propose CCTV sites, plan Wi-Fi replacement, site 7 smart poles; fill ``context["proposals"]``."""
    seed = int(context["seed"])
    rng = np.random.default_rng(seed + _SEED_OFFSET)
    folder = stage / "proposals"
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    budgets, how = _funded_districts(context)
    codes = budgets["sig_cd"].tolist()
    area = study_area(codes)
    names = "·".join(area.set_index("sig_cd").loc[codes, "name_ko"])

    lights = synthetic_points(area, int(area.geometry.area.sum() / 2500), rng)
    lights.insert(0, "candidate_id", [f"SYN-LIGHT-{i:06d}" for i in range(1, len(lights) + 1)])
    lights["synthetic"] = True
    existing = _existing_cctv(area, rng)
    places = _wifi_places(context, study_area(None), rng, 6000)
    inventory, inventory_source = _wifi_inventory(context, rng)
    wifi_existing = inventory[inventory["sig_cd"].isin(codes)].assign(device_type="wifi")
    write_gpkg(
        {
            "streetlights_synthetic": lights,
            "cctv_synthetic": existing,
            "wifi_places_synthetic": places,
        },
        inputs / "siting_inputs_synthetic.gpkg",
    )

    # CCTV: siting plan on the round — every funded district within its city share + matching
    cctv_demand = _cctv_demand(context, codes, rng)
    model = CameraSiteModel()
    cctv_profile = get_profile(
        "cctv",
        aged_credit=DEMO_AGED_CREDIT,
        devices_per_site=model.cameras_per_site,
        unit_cost_krw=model.camera_cost_krw,
    )
    candidates = combine_candidates(
        [
            prepare_candidates(
                lights,
                area,
                source="SYNTHETIC streetlights",
                candidate_source="streetlight",
                site_model=model,
            ),
            prepare_candidates(
                existing.assign(
                    candidate_id=existing["device_id"], existing_cameras=existing["n_devices"]
                ),
                area,
                source="SYNTHETIC existing CCTV poles",
                candidate_source="cctv_pole",
                site_model=model,
            ),
        ]
    )
    cctv_plan: Plan = plan_districts(
        budgets,
        candidates,
        cctv_demand,
        device="cctv",
        existing=existing,
        profile=cctv_profile,
        propose_options={"min_spacing": 100.0, "seed": seed, "reference_year": CCTV_AS_OF_YEAR},
    )
    cctv_plan.summary["district_choice"] = how
    cctv_plan.summary["synthetic_inputs"] = [
        "candidates (streetlights, existing CCTV poles)",
        "existing CCTV",
    ]
    (folder / "cctv").mkdir()
    cctv_files = write_plan(cctv_plan, folder / "cctv", command="demo proposals cctv (plan)")
    cctv_sites = cctv_plan.sites
    cctv_table = cctv_plan.table

    # Wi-Fi: ageing replacement under the 2024 budget, moves up to 60 m to a streetlight
    wifi_demand = layer_demand(places, name="SYNTHETIC public places (foot traffic a day)")
    plan = plan_replacement(
        inventory,
        wifi_demand,
        device="wifi",
        budget=WIFI_BUDGET_KRW,
        candidates=lights,
        move_within_m=60.0,
    )
    plan.summary["inventory_source"] = inventory_source
    (folder / "wifi_replacement").mkdir()
    wifi_files = write_replacement(plan, folder / "wifi_replacement")

    # Smart poles: 7 in the first district, near child-protection zones, CCTV + Wi-Fi services
    pole_code = codes[0]
    pole_area = area[area["sig_cd"] == pole_code]
    zones = synthetic_points(pole_area, 25, rng)
    zones.insert(0, "zone_id", [f"SYN-ZONE-{i:03d}" for i in range(1, len(zones) + 1)])
    zones["synthetic"] = True
    write_gpkg({"child_zones_synthetic": zones}, inputs / "child_zones_synthetic.gpkg")
    pole_profile = get_profile("pole")
    pole_candidates = prepare_candidates(
        lights[lights["sig_cd"] == pole_code],
        pole_area,
        child_zones=zones,
        zone_buffer_m=pole_profile.child_zone_buffer_m,
        source="SYNTHETIC streetlights near SYNTHETIC child-protection zones",
    )
    pole_existing = pd.concat(
        [
            existing[existing["sig_cd"] == pole_code],
            wifi_existing[wifi_existing["sig_cd"] == pole_code],
        ],
        ignore_index=True,
    )
    pole_demand = {
        "cctv": restrict_demand(cctv_demand, [pole_code]),
        "wifi": layer_demand(
            places[places["sig_cd"] == pole_code].reset_index(drop=True),
            name="SYNTHETIC public places (foot traffic a day)",
        ),
    }
    pole = propose(
        "pole",
        pole_candidates,
        pole_demand,
        count=N_POLES,
        existing=gpd.GeoDataFrame(pole_existing, geometry="geometry", crs=WORKING_CRS),
        profile=pole_profile,
        min_spacing=150.0,
        seed=seed,
    )
    (folder / "pole").mkdir()
    pole_files = write_proposal(pole, folder / "pole", command="demo proposals pole")
    write_json(
        {
            "cctv": cctv_plan.summary,
            "wifi_replacement": plan.summary,
            "pole": pole.summary,
        },
        folder / "summaries.json",
    )
    write_csv(pole.sites, folder / "pole_explanations.csv")
    replaced = plan.plan[plan.plan["selected"]].reset_index(drop=True)
    replaced.insert(0, "order", np.arange(1, len(replaced) + 1))
    context["proposals"] = {"cctv": cctv_sites, "wifi_replacement": replaced, "pole": pole.sites}
    pole_name = str(pole_area["name_ko"].iloc[0])
    total = cctv_table.iloc[-1]
    sources = cctv_sites["candidate_source"].value_counts().to_dict() if len(cctv_sites) else {}
    return [
        Artifact(
            f"proposals/cctv/{cctv_files[2]}",
            f"CCTV plan per funded district: {names} (SYNTHETIC candidates)",
            f"Chosen in {how}. Per district: city share, matching and budget (KRW), the "
            "standard sites it buys (budget ÷ 20,000,000 KRW), sites and cameras proposed, "
            f"spent and left. In all {int(total['sites'])} sites with {int(total['devices'])} "
            f"cameras for {total['spent_krw']:,.0f} of {int(total['budget_krw']):,} KRW; largest "
            f"gap to the proven bound {total['gap_pct']:.2f} %.",
            synthetic=True,
        ),
        Artifact(
            f"proposals/cctv/{cctv_files[1]}",
            "New CCTV sites of the plan, with explanations (SYNTHETIC candidates)",
            "Each row: district, order chosen within it, candidate source (streetlight or an "
            f"existing pole topped up: {sources}), cameras added and cost (KRW), the risk weight "
            "it adds, the D/E demand it newly covers, the distance to the nearest existing camera, "
            f"lon/lat, 동 and a Korean reason. {existing_cctv_note(cctv_profile)}",
            synthetic=True,
        ),
        Artifact(
            f"proposals/cctv/{cctv_files[0]}",
            "CCTV plan sites (GeoPackage)",
            "Layer sites, EPSG:5186; summary.json and run.json beside it.",
            synthetic=True,
        ),
        Artifact(
            f"proposals/wifi_replacement/{wifi_files[1]}",
            "Wi-Fi AP replacement plan (SYNTHETIC inventory)",
            f"APs aged ≥ 7 years ranked by the foot traffic of the SYNTHETIC places they serve; "
            f"{plan.summary['n_selected']} of {plan.summary['n_eligible']} chosen within "
            f"2,849,000천원, {plan.summary['n_moved']} moved up to 60 m to a better streetlight.",
            synthetic=True,
        ),
        Artifact(
            f"proposals/pole/{pole_files[1]}",
            f"{N_POLES} smart poles in {pole_name}, with explanations (SYNTHETIC inputs)",
            "CCTV + Wi-Fi services (weights 1:1 on each service's share of uncovered demand), "
            "candidates within 300 m of SYNTHETIC child-protection zones, and how many existing "
            "devices each pole could consolidate (nearest clutter group as a distance band).",
            synthetic=True,
        ),
        Artifact(
            f"proposals/pole/{pole_files[0]}",
            "Smart-pole proposal (GeoPackage)",
            "Layers proposals, covered and candidates. The clutter layer (groups of separate "
            "existing devices within 15 m found with DBSCAN) locates existing devices, so it is "
            "written only with exact positions (siting propose --exact-positions), not here.",
            synthetic=True,
        ),
        Artifact(
            "proposals/inputs/siting_inputs_synthetic.gpkg",
            "SYNTHETIC siting inputs",
            "Seeded streetlights (candidates), camera sites and Wi-Fi places used by the "
            "proposals; not real data.",
            synthetic=True,
        ),
        Artifact(
            "proposals/summaries.json",
            "Siting summaries",
            "covered_weight, total_weight, upper_bound, gap, n_selected, solver, seconds and "
            "every setting, for the three proposals.",
            synthetic=True,
        ),
    ]
