"""The ``siting plan`` job: read a scored round and the siting inputs, plan every district, write.

:func:`read_round` reads the output of ``siting score`` (its folder or its
``<program>_round.csv``); :func:`run_plan` reads the demand (risk grid and/or
a demand layer), the candidates (street layers, with the lattice as fallback)
and the existing devices, calls :func:`siting.plan.plan_districts` and writes
everything atomically; :func:`write_plan` writes a
:class:`~siting.plan.Plan` into a (staging) folder (the demo uses it too).
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from layers.errors import InputError
from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json
from layers.progress import step as progress_step
from siting.candidates import study_area
from siting.demand import Demand
from siting.jobs_propose import build_candidates, read_demands, read_existing
from siting.plan import MATCHING_RULES, Plan, district_budgets, plan_districts
from siting.profiles import get_profile
from siting.site_capacity import CameraSiteModel

__all__ = ["PROGRAM_DEVICES", "read_round", "run_plan", "write_plan"]

log = logging.getLogger(__name__)

#: Round programmes whose grants buy new sites, and the device they site.
PROGRAM_DEVICES = {"cctv-new": "cctv", "wifi": "wifi", "pole": "pole"}
_NOT_SITES = {
    "cctv-replace": "replaces aged cameras: plan it with siting replace --budget KRW",
    "cctv-intelligent": "upgrades existing cameras to intelligent analytics, no new sites",
}


def read_round(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str, Path]:
    """A scored round: its table, its programme and the CSV it came from.

    Parameters
    ----------
    path : path
        The output folder of ``siting score`` (holding one ``<program>_round.csv``)
        or that CSV (UTF-8 with BOM, UTF-8 or CP949).

    Returns
    -------
    (DataFrame, str, Path)
        The round (``sig_cd`` as text), the programme (``cctv-new`` …) and the CSV.

    Raises
    ------
    InputError
        No such file or folder, no round CSV in the folder, several of them.
    """
    from layers.encoding import read_text

    p = Path(path)
    if p.is_dir():
        found = sorted(p.glob("*_round.csv"))
        if not found:
            raise InputError(
                "holds no <program>_round.csv: it is not an output folder of siting score",
                layer=str(p),
                fix="give the folder siting score --out wrote (e.g. out/cctv-new), or its "
                "cctv-new_round.csv",
            )
        if len(found) > 1:
            raise InputError(
                f"holds several rounds ({', '.join(f.name for f in found)})",
                layer=str(p),
                fix="give one of the CSV files instead of the folder",
            )
        p = found[0]
    elif not p.exists():
        raise InputError(
            "does not exist", layer=str(p), fix="give the output folder of siting score"
        )
    text, _ = read_text(p, layer=p.name)
    table = pd.read_csv(io.StringIO(text), dtype={"sig_cd": str})
    program = p.name.removesuffix(".csv").removesuffix("_round")
    manifest = p.parent / "run.json"
    if manifest.is_file():
        try:
            settings = json.loads(manifest.read_text(encoding="utf-8")).get("settings", {})
        except (json.JSONDecodeError, UnicodeDecodeError):
            settings = {}
        program = str(settings.get("program") or program)
    return table, program, p


def write_plan(
    plan: Plan,
    stage: Path,
    *,
    command: str = "plan",
    inputs: Sequence[str | os.PathLike[str]] = (),
    prefix: str = "",
) -> list[str]:
    """Write a plan into a (staging) folder; return the file names written.

    Files: ``<prefix>plan_sites.gpkg`` (layer ``sites``, EPSG:5186),
    ``<prefix>plan_sites.csv`` (with lon/lat, 자치구 and 동), ``<prefix>plan_districts.csv``
    (the per-district count and budget table, KRW), ``<prefix>summary.json`` and
    ``<prefix>run.json``.
    """
    from layers.locate import add_site_location

    sites = add_site_location(plan.sites) if len(plan.sites) else plan.sites
    files = [
        f"{prefix}plan_sites.gpkg",
        f"{prefix}plan_sites.csv",
        f"{prefix}plan_districts.csv",
        f"{prefix}summary.json",
        f"{prefix}run.json",
    ]
    write_gpkg({"sites": sites}, stage / files[0])
    write_csv(sites, stage / files[1])
    write_csv(plan.table, stage / files[2])
    write_json(plan.summary | sites.attrs.get("dong_summary", {}), stage / files[3])
    write_json(
        run_manifest(
            command,
            inputs=inputs,
            settings=plan.summary["settings"],
            seed=plan.summary["settings"]["propose_options"].get("seed"),
            layers={"sites": sites, "districts": plan.table},
        ),
        stage / files[4],
    )
    return files


def _only_districts(budgets: pd.DataFrame, districts: Sequence[str], layer: str) -> pd.DataFrame:
    """The funded districts among ``districts`` (names or SIG_CD); refuse any other."""
    from layers.districts import district_code

    codes = [district_code(str(d)) or str(d) for d in districts]
    funded = set(budgets["sig_cd"].astype(str))
    unfunded = [d for d, c in zip(districts, codes, strict=True) if c not in funded]
    if unfunded:
        raise InputError(
            f"{', '.join(map(str, unfunded))}: not funded in this round (no city share)",
            layer=layer,
            fix="plan a district the round funds, or leave the district out to plan all of them",
        )
    return budgets[budgets["sig_cd"].astype(str).isin(codes)].reset_index(drop=True)


def run_plan(
    out_dir: str | os.PathLike[str],
    round_path: str | os.PathLike[str],
    *,
    grid_path: str | os.PathLike[str] | None = None,
    demand_path: str | os.PathLike[str] | None = None,
    weight_column: str | None = "weight",
    candidates_paths: Sequence[str | os.PathLike[str]] = (),
    existing_path: str | os.PathLike[str] | None = None,
    lattice_fill: bool = False,
    matching: Literal["counterpart", "secured"] = "counterpart",
    districts: Sequence[str] | None = None,
    must_include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    cameras_per_site: int | None = None,
    site_capacity: int | None = None,
    camera_cost_krw: float | None = None,
    min_cameras_added: int | None = None,
    min_spacing: float | None = None,
    existing_cover: Literal["cameras", "disc"] | None = None,
    camera_fov: float | None = None,
    solver: Literal["auto", "greedy", "exact"] = "auto",
    seed: int = 0,
    crs: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> tuple[Plan, list[str]]:
    """Read a scored round and the siting inputs, plan every funded district, write the outputs.

    Parameters
    ----------
    out_dir : path
        Output folder.
    round_path : path
        Output folder of ``siting score`` or its ``<program>_round.csv``.
    grid_path : path, optional
        Risk grid GeoTIFF (CCTV demand: D/E cells weighted by score).
    demand_path : path, optional
        Demand layer (Wi-Fi places; CCTV demand when there is no grid).
    weight_column : str, optional
        Weight column of the demand layer.
    candidates_paths : sequence of path
        Street candidate layers (가로등, 보안등, CCTV poles …); none = a lattice
        within reach of demand.
    existing_path : path, optional
        Existing devices (their coverage is removed).
    lattice_fill : bool, default False
        Add lattice points where no street candidate reaches demand.
    matching : {"counterpart", "secured"}
        How the district's matching is counted (:data:`siting.plan.MATCHING_RULES`).
    districts : sequence of str, optional
        Plan only these funded districts (names or SIG_CD); default every funded one.
    must_include, exclude : sequence of str
        Candidate ids forced in or left out (each in the district it lies in).
    cameras_per_site, site_capacity, camera_cost_krw, min_cameras_added : optional
        Camera-site model overrides (CCTV; default 4 cameras a site, 6 a pole,
        5,000,000 KRW a camera, a pole takes a full set).
    min_spacing : float, optional
        Minimum distance between new sites (m).
    existing_cover, camera_fov : optional
        How much of its disc an existing CCTV site watches (``cameras``,
        default: ``min(1, cameras × camera_fov / 360)``, camera_fov 90°; or
        ``disc``: all of it; :mod:`siting.existing_cover`).
    solver, seed
        Passed to :func:`siting.propose.propose`.
    crs : str, optional
        CRS of CSV coordinates.
    overwrite, progress : bool
        Replace existing outputs; show progress.

    Returns
    -------
    (Plan, list of str)
    """
    table, program, round_csv = read_round(round_path)
    if program in _NOT_SITES:
        raise InputError(
            f"is a {program} round, which {_NOT_SITES[program]}",
            layer=round_csv.name,
            fix="give a cctv-new, wifi or pole round to siting plan",
        )
    device = PROGRAM_DEVICES.get(program, "cctv")
    budgets = district_budgets(table, matching=matching, layer=round_csv.name)
    if districts:
        budgets = _only_districts(budgets, districts, round_csv.name)
    codes = budgets["sig_cd"].tolist()
    cover_options = {"existing_cover": existing_cover, "camera_fov_deg": camera_fov}
    prof = get_profile(device, **cover_options)
    model = None
    if device == "cctv":
        base = CameraSiteModel.from_profile(prof, site_capacity=site_capacity)
        model = CameraSiteModel(
            cameras_per_site or base.cameras_per_site,
            site_capacity or max(base.site_capacity, cameras_per_site or 0),
            camera_cost_krw or base.camera_cost_krw,
            min_cameras_added,
        )
        prof = get_profile(
            device,
            devices_per_site=model.cameras_per_site,
            unit_cost_krw=model.camera_cost_krw,
            **cover_options,
        )
    area = study_area(codes)
    progress_step(0.02, "reading the demand")
    demands = read_demands(
        device,
        prof,
        codes,
        grid_path=grid_path,
        demand_path=demand_path,
        weight_column=weight_column,
        crs=crs,
    )
    demand: Demand | dict[str, Demand] = demands if device == "pole" else demands[device]
    progress_step(0.15, "placing the candidate sites")
    cset = build_candidates(
        area,
        prof,
        demands,
        candidates_paths=candidates_paths,
        lattice_fill=lattice_fill,
        crs=crs,
        site_model=model,
    )
    progress_step(0.30, "reading the existing devices")
    existing = read_existing(existing_path, crs, device) if existing_path is not None else None
    options: dict[str, Any] = {"seed": seed, "solver": solver}
    options |= {"must_include": list(must_include), "exclude": list(exclude)}
    if min_spacing is not None:
        options["min_spacing"] = min_spacing
    progress_step(0.35, "choosing the sites district by district", until=0.90)
    plan = plan_districts(
        budgets,
        cset,
        demand,
        device=device,
        existing=existing,
        profile=prof,
        propose_options=options,
        progress=progress,
    )
    plan.summary["round"] = {"file": str(round_csv), "program": program}
    plan.summary["settings"]["matching"] = MATCHING_RULES[matching]
    plan.summary["settings"]["site_model"] = None if model is None else model.settings()
    inputs = [
        p
        for p in (round_csv, grid_path, demand_path, existing_path, *candidates_paths)
        if p is not None
    ]
    progress_step(0.90, "writing the outputs")
    with staged_outputs(out_dir, overwrite=overwrite, protected=inputs) as stage:
        files = write_plan(plan, stage, inputs=inputs)
    return plan, files
