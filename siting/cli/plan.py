"""``siting plan``: sites in every funded district of a scored round, within its grant + matching."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import OutDir, Overwrite, print_table, print_written, stdout
from siting.cli.propose import CameraFov, ExistingCover, ExistingCoverOption


class MatchingChoice(StrEnum):
    """How a district's matching money is counted."""

    counterpart = "counterpart"
    secured = "secured"


class PlanSolver(StrEnum):
    """Solvers of the maximal covering problem."""

    auto = "auto"
    greedy = "greedy"
    exact = "exact"


@app.command()
def plan(
    round_path: Annotated[
        Path,
        typer.Argument(
            help="Scored round: the output folder of siting score, or its <program>_round.csv."
        ),
    ],
    out: OutDir,
    grid: Annotated[
        Path | None, typer.Option("--grid", help="Risk grid GeoTIFF (CCTV demand: D/E cells).")
    ] = None,
    demand: Annotated[
        Path | None,
        typer.Option("--demand", help="Demand layer (Wi-Fi places; CCTV without a grid)."),
    ] = None,
    weight_column: Annotated[
        str, typer.Option("--weight-column", help="Weight column of --demand.")
    ] = "weight",
    candidates: Annotated[
        list[Path] | None,
        typer.Option(
            "--candidates",
            help="Street candidates: 가로등, 보안등 or CCTV-pole layer (repeat); default a "
            "lattice within reach of demand.",
        ),
    ] = None,
    lattice_fill: Annotated[
        bool,
        typer.Option(
            "--lattice-fill", help="Add lattice points where no street candidate reaches demand."
        ),
    ] = False,
    existing: Annotated[
        Path | None,
        typer.Option("--existing", help="Existing devices (their coverage is removed)."),
    ] = None,
    district: Annotated[
        list[str] | None,
        typer.Option(
            "--district",
            "-d",
            help="Plan only this funded district, name or SIG_CD (repeat); default every "
            "district the round funds.",
        ),
    ] = None,
    must_include: Annotated[
        list[str] | None,
        typer.Option(
            "--must-include",
            help="Candidate id that must be chosen, in the district it lies in (repeat).",
        ),
    ] = None,
    exclude_candidate: Annotated[
        list[str] | None,
        typer.Option("--exclude-candidate", help="Candidate id that may not be chosen (repeat)."),
    ] = None,
    matching: Annotated[
        MatchingChoice,
        typer.Option(
            "--matching",
            help="District money: counterpart of the grant (default) or all it secured.",
        ),
    ] = MatchingChoice.counterpart,
    cameras_per_site: Annotated[
        int | None, typer.Option("--cameras-per-site", help="Cameras a new site gets (4).")
    ] = None,
    site_capacity: Annotated[
        int | None, typer.Option("--site-capacity", help="Most cameras a pole holds (6).")
    ] = None,
    camera_cost: Annotated[
        float | None,
        typer.Option("--camera-cost", help="KRW a camera, installed (5,000,000)."),
    ] = None,
    min_cameras_added: Annotated[
        int | None,
        typer.Option(
            "--min-cameras-added",
            help="Fewest cameras worth adding to an existing pole (default a full site's).",
        ),
    ] = None,
    min_spacing: Annotated[
        float | None, typer.Option("--min-spacing", help="Minimum distance between sites (m).")
    ] = None,
    existing_cover: ExistingCoverOption = ExistingCover.cameras,
    camera_fov: CameraFov = None,
    solver: Annotated[PlanSolver, typer.Option("--solver", help="Solver.")] = PlanSolver.auto,
    crs: Annotated[
        str | None, typer.Option("--crs", help="CRS of CSV x/y coordinates, e.g. EPSG:5186.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of randomised steps.")] = 0,
    overwrite: Overwrite = False,
) -> None:
    """Propose sites in every funded district, each within its city share + matching.

    Example:  siting plan siting-demo/scoring/cctv-new --grid siting-demo/grid/seoul_risk_grid_synthetic_100m.tif --candidates streetlights.csv --min-spacing 100 --out out/plan-cctv

    One funded district, one street light forced in and one left out:

    Example:  siting plan siting-demo/scoring/cctv-new --district 노원구 --grid siting-demo/grid/seoul_risk_grid_synthetic_100m.tif --candidates streetlights.csv --must-include SL-0012 --exclude-candidate SL-0040 --out out/plan-nowon
    """
    import pandas as pd

    from siting.jobs_plan import run_plan

    result, files = run_plan(
        out,
        round_path,
        grid_path=grid,
        demand_path=demand,
        weight_column=weight_column,
        candidates_paths=candidates or [],
        existing_path=existing,
        lattice_fill=lattice_fill,
        matching=matching.value,
        districts=district or None,
        must_include=must_include or (),
        exclude=exclude_candidate or (),
        cameras_per_site=cameras_per_site,
        site_capacity=site_capacity,
        camera_cost_krw=camera_cost,
        min_cameras_added=min_cameras_added,
        min_spacing=min_spacing,
        existing_cover=existing_cover.value,
        camera_fov=camera_fov,
        solver=solver.value,
        seed=seed,
        crs=crs,
        overwrite=overwrite,
        progress=True,
    )
    shown = result.table.copy()
    shown["budget_천원"] = shown["budget_krw"] // 1000
    for column in ("city_share_krw", "matching_krw", "budget_krw", "budget_천원"):
        shown[column] = [f"{v:,.0f}" for v in shown[column]]
    for column in ("spent_krw", "left_krw"):
        shown[column] = [f"{v:,.0f}" for v in shown[column]]
    shown["priority"] = [("" if pd.isna(v) else str(v)) for v in shown["priority"]]
    unit = {"cctv": "cameras", "wifi": "APs", "pole": "poles"}.get(result.device, "devices")
    covered = "D/E risk covered %" if result.device == "cctv" else "demand covered %"
    headers = {
        "priority": "우선순위",
        "name_ko": "district",
        "city_share_krw": "city share KRW",
        "matching_krw": "matching KRW",
        "budget_krw": "budget KRW",
        "budget_천원": "budget 천원",
        "sites_affordable": "sites bought",
        "sites": "sites",
        "devices": unit,
        "spent_krw": "spent KRW",
        "left_krw": "left KRW",
        "covered_pct_of_district": covered,
    }
    print_table(
        shown.rename(columns=headers),
        list(headers.values()),
        title=f"{result.device} sites per funded district (천원 = KRW 1,000; sites bought = "
        "budget ÷ standard site cost)",
        digits=1,
    )
    s = result.summary
    cands = s["candidates"]
    stdout.print(
        f"{s['n_sites']} sites ({s['n_devices']} {unit}) in {s['n_districts']} districts for "
        f"{s['spent_krw']:,.0f} of {s['budget_krw']:,} KRW; a standard site costs "
        f"{s['site_cost_krw']:,.0f} KRW. Candidates: {cands['source']} "
        f"(kept by source: {cands['kept_by_source']}). {s['settings']['matching']}."
    )
    print_written(out, files)
