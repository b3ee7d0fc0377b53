"""Ageing replacement: which old or low-resolution devices to replace first, and where.

A device is *eligible* when it is past the age threshold (CCTV 8 years by
default, or 10 as replaced in 2023; Wi-Fi 7 years elapsed as in the public Wi-Fi
replacement of 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)) or is flagged
low-resolution (column ``low_resolution``, or a 전국 CCTV 표준데이터
``카메라화소수`` below the threshold, in 만 화소). The two reasons are kept
separate in the output.

Eligible devices are ranked by the demand weight (risk, foot traffic) they
cover, largest first (a CCTV site the weight it is expected to watch: with the
default camera model ``min(1, cameras × 90° / 360°)`` of its disc,
:mod:`siting.existing_cover`; ``existing_cover="disc"`` counts the whole disc); ties by age (older first), then by ``device_id``. Devices
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

import importlib
import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from layers.age import device_age, install_years, is_aged
from layers.crs import WORKING_CRS, require_working_crs
from layers.districts import CCTV_AS_OF_YEAR
from layers.errors import EmptyLayerError, InputError
from layers.progress import track
from siting.coverage import ExistingWatch, coverage_from_geometries, coverage_matrix
from siting.demand import Demand
from siting.existing_cover import existing_shares
from siting.explain import GRADES
from siting.profiles import DeviceProfile, get_profile

__all__ = [
    "LOW_RES_BELOW_10K_PX",
    "ReplacementPlan",
    "plan_replacement",
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
        ``sole_weight`` (weight no other device watches, expected), ``cells_A`` …
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


def _watch_shares(
    frame: gpd.GeoDataFrame, device: str, prof: DeviceProfile
) -> tuple[np.ndarray, dict[str, Any]]:
    """Share of its disc each device watches (camera model for CCTV), and the report."""
    shares, report = existing_shares(
        frame, None, service=device, model=prof.existing_cover, fov_deg=prof.camera_fov_deg
    )
    return (np.ones(len(frame)) if shares is None else shares), report


def _expected_cover(
    cover: Any, w: np.ndarray, share: np.ndarray, watch: ExistingWatch
) -> tuple[np.ndarray, np.ndarray]:
    """Per device: weight it watches (share × disc weight), and weight no other device watches.

    The second is ``share_i × Σ_j w_j × Π_{k≠i}(1 − share_k)`` over its disc; with every
    share 1 it is the weight of the units no other device reaches.
    """
    covered = share * np.asarray(cover @ w).ravel()
    rows = np.repeat(np.arange(cover.shape[0]), np.diff(cover.indptr))
    alone = w[cover.indices] * watch.others_unwatched(cover.indices, share[rows])
    return covered, share * np.bincount(rows, weights=alone, minlength=cover.shape[0])


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
    years = install_years(frame["install_year"])
    age = device_age(years, reference_year)
    aged = is_aged(years, reference_year, age_min)
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
    share, watch_report = _watch_shares(frame, device, prof)
    watch = ExistingWatch(cover, share)
    before = float((w * (1.0 - watch.unwatched())).sum())
    covered_weight, sole = _expected_cover(cover, w, share, watch)
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
            watch.remove(own, share[i])
            free = w * watch.unwatched()
            here = float(share[i] * free[own].sum())
            near = np.asarray(tree.query_ball_point(dxy[i], move_within_m), dtype=np.int64)
            near = near[~used[near]] if near.size else near
            best, best_gain = -1, here
            if near.size:
                gains = share[i] * np.asarray(ccover[near] @ free).ravel()
                k = int(np.argmax(gains))
                if gains[k] > here * (1.0 + min_gain_pct / 100.0) and gains[k] > here:
                    best, best_gain = int(near[k]), float(gains[k])
            if best >= 0:
                used[best] = True
                new_id[i] = cand_ids[best]
                new_xy[i] = cxy[best]
                move_m[i] = float(np.hypot(*(cxy[best] - dxy[i])))
                gain_moved[i] = best_gain
                watch.add(ccover.indices[ccover.indptr[best] : ccover.indptr[best + 1]], share[i])
            else:
                watch.add(own, share[i])

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
        "fleet_covered_weight_before": before,
        "fleet_covered_weight_after": float((w * (1.0 - watch.unwatched())).sum()),
        "existing_cover": watch_report,
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


#: The job functions moved to :mod:`siting.jobs_replace` (reading and writing files);
#: importing them from here still works.
_MOVED = {"run_replace": "siting.jobs_replace", "write_replacement": "siting.jobs_replace"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'siting.replace' has no attribute {name!r}")
