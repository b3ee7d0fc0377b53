"""Job behind ``siting replace``: read the inventory and demand, plan, write the outputs.

:func:`siting.replace.plan_replacement` computes the plan from frames already
in memory; this module does the file work around it: :func:`run_replace`
reads the inventory (any reader the foundation has), the demand (a risk grid or
a weighted layer) and optional move candidates, resolves the reference year
from the inventory's as-of date, calls the algorithm and writes everything
atomically; :func:`write_replacement` writes a plan into a staging folder
(the demo uses it too).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from layers.crs import WORKING_CRS
from layers.errors import InputError
from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json
from layers.progress import step as progress_step
from siting.candidates import read_candidates, study_area
from siting.demand import grid_demand, read_demand, restrict_demand
from siting.profiles import get_profile
from siting.replace import ReplacementPlan, plan_replacement

__all__ = ["run_replace", "write_replacement"]


def write_replacement(
    plan: ReplacementPlan,
    stage: Path,
    *,
    inputs: Sequence[str | os.PathLike[str]] = (),
    prefix: str = "",
) -> list[str]:
    """Write a replacement plan (GeoPackage, CSVs, summary.json, run.json); return file names.

    Every device row carries lon/lat (WGS84, 6 decimals), 자치구 and 동
    (:func:`layers.locate.add_site_location`); the ``moved_to`` layer those of
    the new position.
    """
    from layers.locate import add_site_location

    files = [
        f"{prefix}replacement.gpkg",
        f"{prefix}replacement.csv",
        f"{prefix}replacement_districts.csv",
        f"{prefix}summary.json",
        f"{prefix}run.json",
    ]
    located = add_site_location(plan.plan)
    layers = {"replacement": located}
    moved = plan.plan[plan.plan["action"] == "move"]
    if len(moved):
        layers["moved_to"] = add_site_location(
            gpd.GeoDataFrame(
                pd.DataFrame(moved.drop(columns="geometry")),
                geometry=gpd.points_from_xy(moved["new_x_m"], moved["new_y_m"]),
                crs=WORKING_CRS,
            )
        )
    write_gpkg(layers, stage / files[0])
    write_csv(located, stage / files[1])
    write_csv(plan.districts, stage / files[2])
    write_json(plan.summary | located.attrs.get("dong_summary", {}), stage / files[3])
    write_json(
        run_manifest(
            "replace",
            inputs=inputs,
            settings=plan.summary["settings"],
            layers=dict(layers) | {"districts": plan.districts},
        ),
        stage / files[4],
    )
    return files


def run_replace(
    out_dir: str | os.PathLike[str],
    devices_path: str | os.PathLike[str],
    *,
    device: str = "cctv",
    districts: Sequence[str] | None = None,
    grid_path: str | os.PathLike[str] | None = None,
    demand_path: str | os.PathLike[str] | None = None,
    weight_column: str | None = "weight",
    candidates_path: str | os.PathLike[str] | None = None,
    min_age: int | None = None,
    reference_year: int | None = None,
    count: int | None = None,
    budget: float | None = None,
    move_within_m: float | None = None,
    radius: float | None = None,
    existing_cover: Literal["cameras", "disc"] | None = None,
    camera_fov: float | None = None,
    crs: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> tuple[ReplacementPlan, list[str]]:
    """Read the inventory and demand, plan the replacement, write the outputs (``siting replace``).

    Parameters
    ----------
    out_dir : path
        Output folder.
    devices_path : path
        Device inventory (CCTV 표준데이터, 공공와이파이 CSV, GeoPackage …).
    device : {"cctv", "wifi"}
        Device type.
    districts : sequence of str, optional
        Keep only devices and demand in these districts.
    grid_path, demand_path : path, optional
        Demand: a risk grid (CCTV) or a weighted layer (one of them).
    weight_column : str, optional
        Weight column of the demand layer.
    candidates_path : path, optional
        Sites a device may move to (with ``move_within_m``).
    min_age, count, budget, move_within_m
        See :func:`plan_replacement`.
    reference_year : int, optional
        Year ages are measured at; default the inventory's as-of year
        (데이터기준일자 / 작업일자), else the current year (the summary says which).
    radius : float, optional
        Coverage radius override (m).
    existing_cover, camera_fov : optional
        How much of its disc a CCTV site watches (``cameras``, default:
        ``min(1, cameras × camera_fov / 360)``, camera_fov 90°; or ``disc``:
        all of it; :mod:`siting.existing_cover`).
    crs : str, optional
        CRS of CSV coordinates.
    overwrite, progress : bool
        Replace existing outputs; show progress.
    """
    from layers.age import resolve_reference_year
    from layers.inventory import to_inventory
    from layers.readers import read_layer

    if device not in ("cctv", "wifi"):
        raise InputError(
            f"replacement plans are for cctv or wifi, not {device!r}",
            fix="pass --device cctv or --device wifi",
        )
    prof = get_profile(
        device, radius_m=radius, existing_cover=existing_cover, camera_fov_deg=camera_fov
    )
    area = study_area(districts)
    codes = area["sig_cd"].tolist()
    if (grid_path is None) == (demand_path is None):
        raise InputError(
            "give the demand as either a risk grid (--grid) or a demand layer (--demand)",
            layer="demand",
            fix="pass exactly one of --grid FILE and --demand FILE",
        )
    progress_step(0.02, "reading the demand")
    if grid_path is not None:
        from layers.riskgrid import read_grid

        cells = read_grid(grid_path).cells(grades=list(prof.demand_grades), geometry="centroid")
        demand = grid_demand(cells, grades=prof.demand_grades)
    else:
        assert demand_path is not None
        demand = read_demand(demand_path, crs=crs, weight_column=weight_column)
    demand = restrict_demand(demand, codes)
    progress_step(0.20, "reading the inventory")
    frame = to_inventory(read_layer(devices_path, crs=crs, layer_name="devices"), device)
    year, year_source = resolve_reference_year(frame, reference_year)
    if "sig_cd" in frame:
        frame = frame[frame["sig_cd"].isin(codes)]
    candidates = None
    if candidates_path is not None:
        candidates = read_candidates(candidates_path, area, crs=crs).frame
    progress_step(0.35, "planning the replacements", until=0.90)
    plan = plan_replacement(
        frame,
        demand,
        device=device,
        min_age=min_age,
        reference_year=year,
        count=count,
        budget=budget,
        candidates=candidates,
        move_within_m=move_within_m,
        profile=prof,
        progress=progress,
    )
    plan.summary["settings"]["reference_year_source"] = year_source
    inputs = [p for p in (devices_path, grid_path, demand_path, candidates_path) if p is not None]
    progress_step(0.90, "writing the outputs")
    with staged_outputs(out_dir, overwrite=overwrite, protected=inputs) as stage:
        files = write_replacement(plan, stage, inputs=inputs)
    return plan, files
