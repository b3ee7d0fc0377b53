"""``siting propose`` (new sites) and ``siting replace`` (ageing replacement plans)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import (
    OutDir,
    Overwrite,
    format_number,
    print_table,
    print_written,
    stdout,
)


class DeviceChoice(StrEnum):
    """Device types ``siting propose`` sites."""

    cctv = "cctv"
    wifi = "wifi"
    pole = "pole"


class FairShare(StrEnum):
    """How ``--fair-share`` splits ``--count`` among districts."""

    risk = "risk"
    equal = "equal"


class ReplaceDevice(StrEnum):
    """Device types ``siting replace`` plans for."""

    cctv = "cctv"
    wifi = "wifi"


class ExistingCover(StrEnum):
    """How much of its disc an existing CCTV site watches."""

    cameras = "cameras"
    disc = "disc"


ExistingCoverOption = Annotated[
    ExistingCover,
    typer.Option(
        "--existing-cover",
        help="Existing CCTV site watches min(1, cameras × --camera-fov / 360°) of its disc "
        "(cameras, default) or its whole disc whatever its camera count (disc).",
    ),
]
CameraFov = Annotated[
    float | None,
    typer.Option("--camera-fov", help="Horizontal field of view of one camera (°); default 90."),
]


class SolverChoice(StrEnum):
    """Solvers of the maximal covering problem."""

    auto = "auto"
    greedy = "greedy"
    exact = "exact"


District = Annotated[
    list[str] | None,
    typer.Option("--district", "-d", help="District name or SIG_CD (repeat); default all Seoul."),
]
Count = Annotated[int | None, typer.Option("--count", "-n", help="Number of sites.")]
Budget = Annotated[
    str | None,
    typer.Option(
        "--budget",
        help="Budget in KRW: 6000000000, 6,000,000,000, 6e9, 60억, 6억 5천만 or 600000천원.",
    ),
]
Crs = Annotated[
    str | None, typer.Option("--crs", help="CRS of CSV x/y coordinates, e.g. EPSG:5186.")
]
Grid = Annotated[Path | None, typer.Option("--grid", help="Risk grid GeoTIFF (CCTV demand).")]
DemandFile = Annotated[
    Path | None,
    typer.Option("--demand", help="Demand layer, or CSV x,y,weight in --crs (Wi-Fi demand)."),
]
Radius = Annotated[
    float | None, typer.Option("--radius", help="Coverage radius in m (CCTV 50, Wi-Fi 60).")
]


@app.command()
def propose(
    out: OutDir,
    device: Annotated[DeviceChoice, typer.Option("--device", help="Device to site.")],
    district: District = None,
    count: Count = None,
    budget: Budget = None,
    candidates: Annotated[
        Path | None,
        typer.Option(
            "--candidates",
            help="Candidate sites (streetlights, poles…); default lattice points that can "
            "cover demand.",
        ),
    ] = None,
    existing: Annotated[
        Path | None,
        typer.Option("--existing", help="Existing devices (their coverage is removed)."),
    ] = None,
    grid: Grid = None,
    demand: DemandFile = None,
    weight_column: Annotated[
        str, typer.Option("--weight-column", help="Weight column of --demand.")
    ] = "weight",
    excluded: Annotated[
        Path | None, typer.Option("--excluded", help="Polygons where no site may go.")
    ] = None,
    child_zones: Annotated[
        Path | None,
        typer.Option("--child-zones", help="Child-protection zones (poles: sites near them only)."),
    ] = None,
    radius: Radius = None,
    min_spacing: Annotated[
        float | None, typer.Option("--min-spacing", help="Minimum distance between sites (m).")
    ] = None,
    must_include: Annotated[
        list[str] | None,
        typer.Option("--must-include", help="Candidate id that must be chosen (repeat)."),
    ] = None,
    exclude_candidate: Annotated[
        list[str] | None,
        typer.Option("--exclude-candidate", help="Candidate id that may not be chosen (repeat)."),
    ] = None,
    lattice_spacing: Annotated[
        float | None, typer.Option("--lattice-spacing", help="Lattice spacing (m); default radius.")
    ] = None,
    lattice_fill: Annotated[
        bool,
        typer.Option(
            "--lattice-fill",
            help="With --candidates: add lattice points where no candidate reaches demand.",
        ),
    ] = False,
    aged_credit: Annotated[
        float | None,
        typer.Option(
            "--aged-credit",
            help="Coverage credit of aged existing devices (0–1; CCTV aged ≥ 8 y, Wi-Fi ≥ 7 y).",
        ),
    ] = None,
    existing_cover: ExistingCoverOption = ExistingCover.cameras,
    camera_fov: CameraFov = None,
    reference_year: Annotated[
        int | None,
        typer.Option("--reference-year", help="Year ages are measured at (default: data as-of)."),
    ] = None,
    demand_spacing: Annotated[
        float | None,
        typer.Option(
            "--demand-spacing",
            help="Spacing of demand samples inside grid cells (m); default radius/4 = 12.5 m "
            "for CCTV; 0 = one point per cell centroid.",
        ),
    ] = None,
    where: Annotated[
        Path | None,
        typer.Option(
            "--where",
            help="Where people are inside cells: street lines, sidewalk polygons or entrance "
            "points; grid demand is sampled only there.",
        ),
    ] = None,
    buildings: Annotated[
        Path | None,
        typer.Option(
            "--buildings", help="Building footprints: cameras do not see through buildings."
        ),
    ] = None,
    spacing_to_existing: Annotated[
        float | None,
        typer.Option(
            "--spacing-to-existing", help="No new site within this many m of an existing device."
        ),
    ] = None,
    per_district: Annotated[
        int | None,
        typer.Option(
            "--per-district",
            help="Citywide by quota: this many sites in every district (instead of --count).",
        ),
    ] = None,
    fair_share: Annotated[
        FairShare | None,
        typer.Option(
            "--fair-share",
            help="Citywide by quota: split --count among districts by D/E risk or equally.",
        ),
    ] = None,
    solver: Annotated[SolverChoice, typer.Option("--solver", help="Solver.")] = SolverChoice.auto,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Safety stop (s); the search is bounded by work, so results do not depend "
            "on machine load unless this stops it (then reported in summary.json).",
        ),
    ] = 600.0,
    crs: Crs = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of randomised steps.")] = 0,
    exact_positions: Annotated[
        bool,
        typer.Option(
            "--exact-positions",
            help="Internal use: write exact distances to and ids of the nearest existing "
            "devices (and the pole clutter layer); default distance bands "
            "(50 m 이내 / 50–100 m / 100 m 이상).",
        ),
    ] = False,
    overwrite: Overwrite = False,
) -> None:
    """Propose sites for new CCTV, Wi-Fi APs or smart poles that cover the most uncovered demand.

    Example:  siting propose --device cctv --district 성북구 --count 20 --grid grid.tif --existing cctv.csv --where roads.shp --spacing-to-existing 30 --min-spacing 100 --out out/cctv-seongbuk
    """
    from layers.money import parse_krw_or_none
    from siting.jobs_propose import run_propose

    budget_krw = parse_krw_or_none(budget, what="--budget")
    proposal, files = run_propose(
        out,
        device=device.value,
        districts=district,
        count=count,
        budget=budget_krw,
        candidates_path=candidates,
        existing_path=existing,
        grid_path=grid,
        demand_path=demand,
        excluded_path=excluded,
        child_zones_path=child_zones,
        weight_column=weight_column,
        radius=radius,
        min_spacing=min_spacing,
        must_include=must_include or (),
        exclude=exclude_candidate or (),
        lattice_spacing=lattice_spacing,
        lattice_fill=lattice_fill,
        aged_credit=aged_credit,
        existing_cover=existing_cover.value,
        camera_fov=camera_fov,
        demand_spacing=demand_spacing,
        where_path=where,
        buildings_path=buildings,
        spacing_to_existing=spacing_to_existing,
        reference_year=reference_year,
        per_district=per_district,
        fair_share=None if fair_share is None else fair_share.value,
        solver=solver.value,
        time_limit=time_limit,
        crs=crs,
        seed=seed,
        exact_positions=exact_positions,
        overwrite=overwrite,
        progress=True,
    )
    from siting.propose import Proposal

    if not isinstance(proposal, Proposal):  # a run by quota: one row per district
        shown = proposal.table
        print_table(
            shown,
            [c for c in ("sig_cd", "name_ko", "quota", "sites", "spent_krw") if c in shown],
            title=f"{device.value} sites per district (by quota)",
            digits=1,
        )
        stdout.print(
            f"{format_number(len(proposal.sites))} sites in "
            f"{format_number(len(shown) - 1)} districts"
        )
        print_written(out, files)
        return
    columns = ["order", "candidate_id", "name_ko", "marginal_weight", "cumulative_pct"]
    extra = (
        "new_area_m2",
        "new_length_m",
        "new_places",
        "district_risk_pct",
        "new_features",
        "nearest_existing_band",
        "nearest_existing_m",
    )
    columns += [c for c in extra if c in proposal.sites]
    print_table(proposal.sites, columns, title=f"Proposed {device.value} sites", digits=2)
    s = proposal.summary
    n = format_number
    if s["status"] == "optimal":
        gap = "proven optimal"
    elif s["gap"] != s["gap"]:  # NaN: the solver gave no bound
        gap = "gap unknown"
    elif s["gap"] >= 1e-4:
        gap = f"gap ≤ {n(100 * s['gap'], 2)} %"
    else:
        gap = "gap < 0.01 %"
    stdout.print(
        f"{n(s['n_selected'])} sites cover {n(s['covered_weight'])} of {n(s['total_weight'])} "
        f"uncovered weight ({n(s['covered_pct'])} %); {s['bound_method']} upper bound "
        f"{n(s['upper_bound'])}, {gap}, solver {s['solver']} ({s['status']}"
        f"{', stopped by the time limit' if s['stopped_by_time_limit'] else ''}), "
        f"{n(s['seconds'], 2)} s; cost {n(s['cost_krw'], 0)} KRW"
    )
    for service in s["services"]:
        watch = service.get("existing_cover") or {}
        if watch.get("n_sites"):
            assumed = watch.get("n_sites_count_assumed") or 0
            stdout.print(
                f"existing {service['service']} ({n(watch['n_sites'])} sites): "
                f"{watch['interpretation']}"
                + (f"; {n(assumed)} sites without a camera count counted as 1" if assumed else "")
            )
        if "new_area_m2" in service:
            stdout.print(
                f"{service['service']}: {n(service['new_area_m2'], 0)} m² of D/E area newly "
                f"watched, {n(service['new_risk_share_pct'], 2)} % of the study area's D/E risk"
            )
    print_written(out, files)


@app.command()
def replace(
    devices: Annotated[Path, typer.Argument(help="Device inventory (CCTV or Wi-Fi points).")],
    out: OutDir,
    device: Annotated[ReplaceDevice, typer.Option("--device", help="Device type.")] = (
        ReplaceDevice.cctv
    ),
    district: District = None,
    grid: Grid = None,
    demand: DemandFile = None,
    weight_column: Annotated[
        str, typer.Option("--weight-column", help="Weight column of --demand.")
    ] = "weight",
    min_age: Annotated[
        int | None,
        typer.Option("--min-age", help="Aged at this many years (CCTV 8, or 10; Wi-Fi 7)."),
    ] = None,
    reference_year: Annotated[
        int | None,
        typer.Option("--reference-year", help="Year ages are measured at (default: data as-of)."),
    ] = None,
    count: Count = None,
    budget: Budget = None,
    candidates: Annotated[
        Path | None, typer.Option("--candidates", help="Sites a poorly placed device may move to.")
    ] = None,
    move_within: Annotated[
        float | None, typer.Option("--move-within", help="Largest move to a candidate (m).")
    ] = None,
    radius: Radius = None,
    existing_cover: ExistingCoverOption = ExistingCover.cameras,
    camera_fov: CameraFov = None,
    crs: Crs = None,
    overwrite: Overwrite = False,
) -> None:
    """Rank aged or low-resolution devices by the risk they cover and plan their replacement.

    Example:  siting replace wifi.csv --device wifi --demand places.csv --budget 2849000000 --out out/wifi-replacement
    """
    from layers.money import parse_krw_or_none
    from siting.jobs_replace import run_replace

    budget_krw = parse_krw_or_none(budget, what="--budget")
    plan, files = run_replace(
        out,
        devices,
        device=device.value,
        districts=district,
        grid_path=grid,
        demand_path=demand,
        weight_column=weight_column,
        candidates_path=candidates,
        min_age=min_age,
        reference_year=reference_year,
        count=count,
        budget=budget_krw,
        move_within_m=move_within,
        radius=radius,
        existing_cover=existing_cover.value,
        camera_fov=camera_fov,
        crs=crs,
        overwrite=overwrite,
        progress=True,
    )
    shown = plan.plan[plan.plan["selected"]].head(20)
    print_table(
        shown,
        ["rank", "device_id", "name_ko", "age_years", "reason", "covered_weight", "action"],
        title=f"{device.value} replacement (first 20)",
        digits=2,
    )
    s = plan.summary
    n = format_number
    stdout.print(
        f"{n(s['n_selected'])} of {n(s['n_eligible'])} eligible devices selected "
        f"({n(s['n_aged'])} aged, {n(s['n_low_resolution'])} low-resolution, "
        f"{n(s['n_moved'])} moved); cost {n(s['cost_krw'], 0)} KRW"
    )
    watch = s.get("existing_cover") or {}
    if device.value == "cctv" and watch.get("n_sites"):
        stdout.print(f"CCTV sites: {watch['interpretation']}")
    print_written(out, files)
