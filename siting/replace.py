"""Ageing replacement: which old or low-resolution devices to replace first, and where.

A device is *eligible* when it is past the age threshold (CCTV 8 years by
default, or 10 as replaced in 2023; Wi-Fi 7, ``domain.md`` §3) or is flagged
low-resolution (column ``low_resolution``, or a 전국 CCTV 표준데이터
``카메라화소수`` below the threshold, in 만 화소). The two reasons are kept
separate in the output.

Eligible devices are ranked by the demand weight (risk, foot traffic) they
cover, largest first; ties by age (older first), then by ``device_id``. Devices
are taken in that order until the count or the budget is used up (a device
whose cost does not fit the remaining budget is skipped, the next one tried)
[choice].

Optionally a poorly placed device is *moved*: among candidate sites within
``move_within_m`` of it, the one covering the most demand that no *other*
device covers replaces it when it gains at least ``min_gain_pct`` percent over
the current site [choice: 20 %]. Devices are processed in rank order and the
coverage is updated after each move, so two moves never chase the same cells.

Examples
--------
>>> plan = plan_replacement(inventory, demand, device="wifi", count=700)  # doctest: +SKIP
>>> plan.plan.head()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from layers.crs import WORKING_CRS, require_working_crs
from layers.districts import CCTV_AS_OF_YEAR
from layers.errors import EmptyLayerError, InputError
from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json
from layers.progress import track
from siting.candidates import read_candidates, study_area
from siting.coverage import coverage_from_geometries, coverage_matrix
from siting.demand import Demand, grid_demand, read_demand, restrict_demand
from siting.explain import GRADES
from siting.profiles import DeviceProfile, get_profile

__all__ = [
    "LOW_RES_BELOW_10K_PX",
    "ReplacementPlan",
    "plan_replacement",
    "run_replace",
    "write_replacement",
]

log = logging.getLogger(__name__)

#: A CCTV camera below this many 만 화소 (10,000 pixels) is low-resolution: 200 = 2 MP,
#: Full HD [choice].
LOW_RES_BELOW_10K_PX = 200.0


@dataclass
class ReplacementPlan:
    """A ranked replacement plan.

    Attributes
    ----------
    plan : GeoDataFrame
        One row per eligible device, ranked: ``rank``, ``device_id``,
        ``device_type``, ``install_year``, ``age_years``, ``aged``,
        ``low_resolution``, ``reason``, ``n_devices``, ``covered_weight``,
        ``sole_weight`` (weight no other device covers), ``cells_A`` …
        ``cells_E`` (graded demand only), ``selected``, ``action`` (``replace``, ``move`` or
        ``not funded``), ``new_candidate_id``, ``move_m``, ``new_x_m``,
        ``new_y_m``, ``gain_if_moved`` (weight no other device covers, at the
        new site), ``cost_krw``, ``cumulative_cost_krw``, ``sig_cd``,
        ``name_ko``, current location.
    districts : DataFrame
        Per district: devices, eligible, aged, low-resolution, selected,
        moved, cost (KRW) and covered weight of the selected devices.
    summary : dict
        Counts, totals and settings (for ``summary.json``).
    """

    device: str
    plan: gpd.GeoDataFrame
    districts: pd.DataFrame
    summary: dict[str, Any]


def _xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()])


def _cover(points: gpd.GeoDataFrame, demand: Demand, radius: float) -> Any:
    if demand.is_points:
        return coverage_matrix(_xy(points), demand.xy(), radius)
    return coverage_from_geometries(points.geometry, demand.frame.geometry, radius)


def _low_resolution(devices: gpd.GeoDataFrame, below: float) -> tuple[np.ndarray, str]:
    if "low_resolution" in devices:
        flag = devices["low_resolution"]
        text = flag.astype(str).str.strip().str.lower()
        return text.isin(["true", "1", "y", "yes", "예", "o"]).to_numpy(), "column low_resolution"
    if "카메라화소수" in devices:
        px = pd.to_numeric(devices["카메라화소수"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return (px < below), f"카메라화소수 < {below:g} 만 화소"
    return np.zeros(len(devices), dtype=bool), "no resolution column"


def _check(devices: gpd.GeoDataFrame, count: int | None, budget: float | None) -> None:
    require_working_crs(devices, "devices")
    if len(devices) == 0:
        raise EmptyLayerError("has no devices", layer="devices", fix="give a device inventory")
    if count is not None and budget is not None:
        raise InputError("give a count or a budget, not both", fix="pass --count or --budget")
    if count is not None and count < 1:
        raise InputError(f"count must be at least 1, got {count}", fix="pass --count N ≥ 1")
    if budget is not None and (not np.isfinite(budget) or budget <= 0):
        raise InputError(f"budget must be positive KRW, got {budget}", fix="pass --budget KRW > 0")
    if "install_year" not in devices:
        raise InputError(
            "has no install_year column",
            layer="devices",
            fix="read the inventory with the foundation's readers (설치연월 / 설치년도 become "
            "install_year)",
        )


def plan_replacement(
    devices: gpd.GeoDataFrame,
    demand: Demand,
    *,
    device: str = "cctv",
    min_age: int | None = None,
    reference_year: int = CCTV_AS_OF_YEAR,
    low_res_below: float = LOW_RES_BELOW_10K_PX,
    count: int | None = None,
    budget: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    move_within_m: float | None = None,
    min_gain_pct: float = 20.0,
    profile: DeviceProfile | None = None,
    progress: bool = False,
) -> ReplacementPlan:
    """Rank aged or low-resolution devices by the demand they cover; choose under a count or budget.

    Parameters
    ----------
    devices : GeoDataFrame
        Device inventory (points, EPSG:5186): ``install_year`` required;
        ``device_id``, ``device_type``, ``n_devices``, ``low_resolution`` or
        ``카메라화소수``, ``sig_cd``, ``name_ko`` used when present.
    demand : Demand
        What the devices serve (risk-grid cells for CCTV, places for Wi-Fi).
    device : {"cctv", "wifi"}
        Device type (radius, unit cost, default age threshold).
    min_age : int, optional
        Age threshold in years (aged = reference_year − install_year ≥ min_age);
        default the profile's (CCTV 8, Wi-Fi 7). Use 10 for the 2023 practice.
    reference_year : int, default 2024
        Year ages are measured at.
    low_res_below : float, default 200
        ``카메라화소수`` (만 화소) below which a camera is low-resolution.
    count : int, optional
        Devices to replace. Neither count nor budget: every eligible device.
    budget : float, optional
        Budget in KRW (cost = profile unit cost × ``n_devices``).
    candidates : GeoDataFrame, optional
        Candidate sites a device may move to (``candidate_id``, points).
    move_within_m : float, optional
        Largest move (m); moves are considered only with candidates and this.
    min_gain_pct : float, default 20
        A move must gain at least this share over the current site (%).
    profile : DeviceProfile, optional
        Settings; default :func:`~siting.profiles.get_profile` of ``device``.
    progress : bool, default False
        Show a progress bar over the moves.

    Returns
    -------
    ReplacementPlan

    Raises
    ------
    InputError
        Both count and budget, count < 1, no install_year, radius ≤ 0.
    EmptyLayerError
        No devices, or no eligible device.
    """
    prof = profile or get_profile(device)
    _check(devices, count, budget)
    age_min = int(min_age if min_age is not None else (prof.ageing_min_age or 8))
    frame = devices.reset_index(drop=True).copy()
    if "device_id" not in frame:
        frame["device_id"] = [f"E{i:06d}" for i in range(1, len(frame) + 1)]
    frame["device_id"] = frame["device_id"].astype(str)
    years = pd.to_numeric(frame["install_year"], errors="coerce").astype(float).to_numpy()
    age = reference_year - years
    with np.errstate(invalid="ignore"):
        aged = age >= age_min
    low_res, low_res_rule = _low_resolution(frame, low_res_below)
    eligible = aged | low_res
    n_unknown = int(np.isnan(years).sum())
    if not eligible.any():
        raise EmptyLayerError(
            f"no device is aged ≥ {age_min} years at {reference_year} or low-resolution "
            f"({len(frame)} devices, {n_unknown} without install year)",
            layer="devices",
            fix="lower the threshold (--min-age) or check install years",
        )
    n_dev = (
        pd.to_numeric(frame["n_devices"], errors="coerce").fillna(1).clip(lower=1).to_numpy()
        if "n_devices" in frame
        else np.ones(len(frame))
    ).astype(np.int64)
    w = demand.weights
    cover = _cover(frame, demand, prof.radius_m).tocsr()
    counts = np.asarray((cover != 0).sum(axis=0)).ravel().astype(np.int64)
    covered_weight = np.asarray(cover @ w).ravel()
    sole = np.asarray(cover @ np.where(counts == 1, w, 0.0)).ravel()
    grades = demand.frame["grade"].astype("string").fillna("").to_numpy(dtype=object)
    graded = bool((grades != "").any())  # by-grade counts only for graded demand (grid cells)
    cells = {g: np.asarray(cover @ (grades == g).astype(float)).ravel() for g in GRADES}

    idx = np.flatnonzero(eligible)
    order = np.lexsort(
        (frame["device_id"].to_numpy()[idx], -np.nan_to_num(age[idx]), -covered_weight[idx])
    )
    ranked = idx[order]
    cost = prof.unit_cost_krw * n_dev.astype(float)
    selected = np.zeros(len(frame), dtype=bool)
    spent = 0.0
    for i in ranked:
        if count is not None and selected.sum() >= count:
            break
        if budget is not None and spent + cost[i] > budget:
            continue
        selected[i] = True
        spent += cost[i]

    new_id = np.full(len(frame), None, dtype=object)
    new_xy = np.full((len(frame), 2), np.nan)
    move_m = np.full(len(frame), np.nan)
    gain_moved = np.full(len(frame), np.nan)
    moves_enabled = candidates is not None and move_within_m is not None and len(candidates) > 0
    if moves_enabled:
        assert candidates is not None and move_within_m is not None
        require_working_crs(candidates, "candidates")
        if move_within_m <= 0:
            raise InputError(
                f"move distance must be positive, got {move_within_m} m",
                fix="pass --move-within M > 0",
            )
        cand_ids = (
            candidates["candidate_id"].astype(str).to_numpy()
            if "candidate_id" in candidates
            else np.array([f"C{i:06d}" for i in range(1, len(candidates) + 1)])
        )
        cxy = _xy(candidates)
        ccover = _cover(candidates, demand, prof.radius_m).tocsr()
        tree = cKDTree(cxy)
        used = np.zeros(len(candidates), dtype=bool)
        dxy = _xy(frame)
        for i in track([int(j) for j in ranked if selected[j]], "moves", enabled=progress):
            own = cover.indices[cover.indptr[i] : cover.indptr[i + 1]]
            counts[own] -= 1
            free = np.where(counts == 0, w, 0.0)
            here = float(free[own].sum())
            near = np.asarray(tree.query_ball_point(dxy[i], move_within_m), dtype=np.int64)
            near = near[~used[near]] if near.size else near
            best, best_gain = -1, here
            if near.size:
                gains = np.asarray(ccover[near] @ free).ravel()
                k = int(np.argmax(gains))
                if gains[k] > here * (1.0 + min_gain_pct / 100.0) and gains[k] > here:
                    best, best_gain = int(near[k]), float(gains[k])
            if best >= 0:
                used[best] = True
                new_id[i] = cand_ids[best]
                new_xy[i] = cxy[best]
                move_m[i] = float(np.hypot(*(cxy[best] - dxy[i])))
                gain_moved[i] = best_gain
                counts[ccover.indices[ccover.indptr[best] : ccover.indptr[best + 1]]] += 1
            else:
                counts[own] += 1

    moved = np.array([v is not None for v in new_id])
    action = np.where(selected, np.where(moved, "move", "replace"), "not funded")
    rank = np.zeros(len(frame), dtype=np.int64)
    rank[ranked] = np.arange(1, len(ranked) + 1)
    reason = np.where(
        aged & low_res,
        f"노후({age_min}년 이상)+저화소",
        np.where(aged, f"노후({age_min}년 이상)", "저화소"),
    )
    out = pd.DataFrame(
        {
            "rank": rank,
            "device_id": frame["device_id"].to_numpy(),
            "device_type": frame["device_type"].to_numpy() if "device_type" in frame else device,
            "install_year": years,
            "age_years": age,
            "aged": aged,
            "low_resolution": low_res,
            "reason": reason,
            "n_devices": n_dev,
            "covered_weight": covered_weight,
            "sole_weight": sole,
            **{f"cells_{g}": cells[g].astype(np.int64) for g in GRADES if graded},
            "selected": selected,
            "action": action,
            "new_candidate_id": new_id,
            "move_m": move_m,
            "new_x_m": new_xy[:, 0],
            "new_y_m": new_xy[:, 1],
            "gain_if_moved": gain_moved,
            "cost_krw": np.where(selected, cost, 0.0),
            "sig_cd": frame["sig_cd"].to_numpy() if "sig_cd" in frame else None,
            "name_ko": frame["name_ko"].to_numpy() if "name_ko" in frame else None,
        }
    )
    plan = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=WORKING_CRS)
    plan = plan.iloc[ranked].reset_index(drop=True)
    plan["cumulative_cost_krw"] = plan["cost_krw"].cumsum()
    districts = _district_table(frame, aged, low_res, eligible, plan)
    summary = {
        "device": device,
        "n_devices": len(frame),
        "n_unknown_install_year": n_unknown,
        "n_aged": int(aged.sum()),
        "n_low_resolution": int(low_res.sum()),
        "n_eligible": int(eligible.sum()),
        "n_selected": int(selected.sum()),
        "n_moved": int(moved.sum()),
        "cost_krw": float(spent),
        "covered_weight_selected": float(covered_weight[selected].sum()),
        "demand_weight": float(w.sum()),
        "fleet_covered_weight_before": float(
            w[np.asarray((cover != 0).sum(axis=0)).ravel() > 0].sum()
        ),
        "fleet_covered_weight_after": float(w[counts > 0].sum()),
        "demand": demand.report(),
        "settings": {
            "min_age_years": age_min,
            "reference_year": reference_year,
            "low_resolution_rule": low_res_rule,
            "count": count,
            "budget_krw": budget,
            "move_within_m": move_within_m if moves_enabled else None,
            "min_gain_pct": min_gain_pct,
            "ranking": "covered weight desc, then age desc, then device_id",
            "budget_rule": "take in rank order, skip a device that does not fit",
            "profile": prof.settings(),
        },
    }
    log.info(
        "replacement: %d eligible of %d, %d selected, %d moved, %.0f KRW",
        summary["n_eligible"],
        len(frame),
        summary["n_selected"],
        summary["n_moved"],
        spent,
    )
    return ReplacementPlan(device, plan, districts, summary)


def _district_table(
    frame: gpd.GeoDataFrame,
    aged: np.ndarray,
    low_res: np.ndarray,
    eligible: np.ndarray,
    plan: gpd.GeoDataFrame,
) -> pd.DataFrame:
    sig = frame["sig_cd"] if "sig_cd" in frame else pd.Series("", index=frame.index)
    name = frame["name_ko"] if "name_ko" in frame else pd.Series("", index=frame.index)
    base = pd.DataFrame(
        {
            "sig_cd": sig.to_numpy(),
            "name_ko": name.to_numpy(),
            "devices": 1,
            "aged": aged.astype(np.int64),
            "low_resolution": low_res.astype(np.int64),
            "eligible": eligible.astype(np.int64),
        }
    )
    table = base.groupby(["sig_cd", "name_ko"], as_index=False, dropna=False).sum()
    chosen = pd.DataFrame(plan[plan["selected"]])
    per = (
        chosen.assign(moved=(chosen["action"] == "move").astype(np.int64))
        .groupby(["sig_cd", "name_ko"], as_index=False, dropna=False)
        .agg(
            selected=("device_id", "size"),
            moved=("moved", "sum"),
            cost_krw=("cost_krw", "sum"),
            covered_weight=("covered_weight", "sum"),
        )
    )
    out = table.merge(per, on=["sig_cd", "name_ko"], how="left")
    out[["selected", "moved"]] = out[["selected", "moved"]].fillna(0).astype(np.int64)
    out[["cost_krw", "covered_weight"]] = out[["cost_krw", "covered_weight"]].fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aged_pct"] = 100.0 * out["aged"] / out["devices"]
    return out.sort_values("sig_cd", ignore_index=True)


def write_replacement(
    plan: ReplacementPlan,
    stage: Path,
    *,
    inputs: Sequence[str | os.PathLike[str]] = (),
    prefix: str = "",
) -> list[str]:
    """Write a replacement plan (GeoPackage, CSVs, summary.json, run.json); return file names."""
    files = [
        f"{prefix}replacement.gpkg",
        f"{prefix}replacement.csv",
        f"{prefix}replacement_districts.csv",
        f"{prefix}summary.json",
        f"{prefix}run.json",
    ]
    layers = {"replacement": plan.plan}
    moved = plan.plan[plan.plan["action"] == "move"]
    if len(moved):
        layers["moved_to"] = gpd.GeoDataFrame(
            pd.DataFrame(moved.drop(columns="geometry")),
            geometry=gpd.points_from_xy(moved["new_x_m"], moved["new_y_m"]),
            crs=WORKING_CRS,
        )
    write_gpkg(layers, stage / files[0])
    write_csv(plan.plan, stage / files[1])
    write_csv(plan.districts, stage / files[2])
    write_json(plan.summary, stage / files[3])
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
    crs : str, optional
        CRS of CSV coordinates.
    overwrite, progress : bool
        Replace existing outputs; show progress.
    """
    from layers.inventory import resolve_reference_year, to_inventory
    from layers.readers import read_layer

    if device not in ("cctv", "wifi"):
        raise InputError(
            f"replacement plans are for cctv or wifi, not {device!r}",
            fix="pass --device cctv or --device wifi",
        )
    prof = get_profile(device, radius_m=radius)
    area = study_area(districts)
    codes = area["sig_cd"].tolist()
    if (grid_path is None) == (demand_path is None):
        raise InputError(
            "give the demand as either a risk grid (--grid) or a demand layer (--demand)",
            layer="demand",
            fix="pass exactly one of --grid FILE and --demand FILE",
        )
    if grid_path is not None:
        from layers.riskgrid import read_grid

        cells = read_grid(grid_path).cells(grades=list(prof.demand_grades), geometry="centroid")
        demand = grid_demand(cells, grades=prof.demand_grades)
    else:
        assert demand_path is not None
        demand = read_demand(demand_path, crs=crs, weight_column=weight_column)
    demand = restrict_demand(demand, codes)
    frame = to_inventory(read_layer(devices_path, crs=crs, layer_name="devices"), device)
    year, year_source = resolve_reference_year(frame, reference_year)
    if "sig_cd" in frame:
        frame = frame[frame["sig_cd"].isin(codes)]
    candidates = None
    if candidates_path is not None:
        candidates = read_candidates(candidates_path, area, crs=crs).frame
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
    with staged_outputs(out_dir, overwrite=overwrite, protected=inputs) as stage:
        files = write_replacement(plan, stage, inputs=inputs)
    return plan, files
