"""Explanations: why each proposed site was chosen, and what it does for each district.

Per site (:func:`explain_sites`): the order it was chosen in, the demand weight
it adds on top of the sites chosen before it (marginal covered weight), the
demand cells it newly covers by grade, the distance to the nearest existing
device and the district. Per district (:func:`district_summary`): sites,
cost, demand weight covered before (by existing devices) and after.

The tables use the planner's words: Korean district names (``name_ko``),
distances in metres, grades A–E, costs in KRW, and a one-line Korean reason
per site (``reason``), so that every choice can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from layers.crs import WORKING_CRS, require_working_crs
from layers.riskgrid import GRADES
from siting.demand import Demand

__all__ = ["GRADES", "ServiceCover", "covered_features", "district_summary", "explain_sites"]


@dataclass
class ServiceCover:
    """One service's demand, coverage and residual weights, as the solver saw them.

    Attributes
    ----------
    name : str
        ``"cctv"`` or ``"wifi"``.
    demand : Demand
        The service's demand features.
    cover : csr_matrix
        Candidates × demand coverage (bool or 0/1), rows aligned with the candidates.
    residual : ndarray
        Weight of each demand feature still uncovered by existing devices, in
        the objective's units (after any service scaling).
    scale : float
        Objective units per demand-weight unit (1 for a single device).
    """

    name: str
    demand: Demand
    cover: csr_matrix
    residual: np.ndarray
    scale: float = 1.0

    @property
    def covered_before(self) -> np.ndarray:
        """Weight already covered by existing devices (objective units)."""
        return self.demand.weights * self.scale - self.residual


def _grades(frame: pd.DataFrame) -> np.ndarray:
    """Grade letters as a plain object array ('' where there is no grade)."""
    return frame["grade"].astype("string").fillna("").to_numpy(dtype=object)


def _walk(
    service: ServiceCover, selected: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Marginal gain of each selected site in order, and the first site covering each feature."""
    first = np.full(service.cover.shape[1], -1, dtype=np.int64)
    gains = np.zeros(len(selected))
    for order, cand in enumerate(selected):
        row = service.cover.indices[service.cover.indptr[cand] : service.cover.indptr[cand + 1]]
        new = row[first[row] < 0]
        gains[order] = float(service.residual[new].sum())
        first[new] = order
    return gains, first


def _nearest(
    sites_xy: np.ndarray, existing: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    if existing is None or len(existing) == 0:
        return np.full(len(sites_xy), np.nan), np.full(len(sites_xy), None, dtype=object)
    require_working_crs(existing, "existing devices")
    exy = np.column_stack([existing.geometry.x.to_numpy(), existing.geometry.y.to_numpy()])
    dist, idx = cKDTree(exy).query(sites_xy, k=1)
    ids = (
        existing["device_id"].astype(str).to_numpy()
        if "device_id" in existing
        else np.array([str(i) for i in existing.index])
    )
    return np.asarray(dist, dtype=float), ids[np.asarray(idx)]


def _reason(row: pd.Series, services: Sequence[ServiceCover], device_label: str) -> str:
    parts = [f"{int(row['order'])}번째 선정", str(row["name_ko"])]
    for service in services:
        prefix = f"{service.name} " if len(services) > 1 else ""
        key = f"{prefix.strip()}_new_".lstrip("_")
        graded = [f"{g} {int(row[key + g])}" for g in GRADES if key + g in row.index]
        graded = [g for g in graded if not g.endswith(" 0")]
        new = int(row[f"{prefix.strip()}_new_features".lstrip("_")])
        text = f"{prefix}신규 보호 {new}곳"
        if graded:
            text += f"({', '.join(reversed(graded))})"
        parts.append(text)
    parts.append(f"추가 가중치 {row['marginal_weight']:.3g}")
    if np.isfinite(row["nearest_existing_m"]):
        parts.append(f"가장 가까운 기존 {device_label} {row['nearest_existing_m']:.0f} m")
    else:
        parts.append(f"기존 {device_label} 정보 없음")
    return ", ".join(parts)


def explain_sites(
    candidates: gpd.GeoDataFrame,
    selected: Sequence[int],
    services: Sequence[ServiceCover],
    *,
    existing: gpd.GeoDataFrame | None = None,
    costs: np.ndarray | None = None,
    device_label: str = "장비",
) -> gpd.GeoDataFrame:
    """One row per proposed site, in the order chosen, with what it adds.

    Parameters
    ----------
    candidates : GeoDataFrame
        All candidates (``candidate_id``, ``sig_cd``, ``name_ko``, points in EPSG:5186).
    selected : sequence of int
        Positions of the chosen candidates, in the order chosen.
    services : sequence of ServiceCover
        One per service (a single device has one).
    existing : GeoDataFrame, optional
        Existing devices, for the distance to the nearest one.
    costs : ndarray, optional
        Cost of each candidate (KRW).
    device_label : str
        Device name used in ``reason`` (``"CCTV"``).

    Returns
    -------
    GeoDataFrame
        ``order`` (1 = chosen first), ``candidate_id``, ``sig_cd``, ``name_ko``,
        ``x_m``, ``y_m``, ``marginal_weight`` (objective units), ``cumulative_weight``,
        ``cumulative_pct`` (of the total uncovered weight), per service
        ``[<service>_]gain``, ``[<service>_]new_features``,
        ``[<service>_]in_reach`` (features within the radius, covered before or not) and
        ``[<service>_]new_A`` … ``new_E`` (features newly covered, by grade),
        ``nearest_existing_m``, ``nearest_existing_id``, ``cost_krw``, ``reason``.
    """
    require_working_crs(candidates, "candidates")
    sel = np.asarray(list(selected), dtype=np.int64)
    sites = candidates.iloc[sel][["candidate_id", "sig_cd", "name_ko", "geometry"]].copy()
    sites.insert(0, "order", np.arange(1, len(sel) + 1))
    xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    sites["x_m"] = xy[:, 0]
    sites["y_m"] = xy[:, 1]
    total = np.zeros(len(sel))
    residual_total = 0.0
    for service in services:
        prefix = f"{service.name}_" if len(services) > 1 else ""
        gains, first = _walk(service, sel)
        total += gains
        residual_total += float(service.residual.sum())
        if prefix:
            sites[f"{prefix}gain"] = gains
        grades = _grades(service.demand.frame)
        counts = np.bincount(first[first >= 0], minlength=len(sel))
        sites[f"{prefix}new_features"] = counts
        sites[f"{prefix}in_reach"] = np.diff(service.cover.indptr)[sel] if len(sel) else 0
        if not (grades != "").any():
            continue  # ungraded demand (places, foot traffic): no by-grade columns
        for grade in GRADES:
            mask = (first >= 0) & (grades == grade)
            sites[f"{prefix}new_{grade}"] = np.bincount(first[mask], minlength=len(sel))
    sites["marginal_weight"] = total
    sites["cumulative_weight"] = np.cumsum(total)
    sites["cumulative_pct"] = (
        100.0 * sites["cumulative_weight"] / residual_total if residual_total > 0 else 0.0
    )
    dist, ids = _nearest(xy, existing)
    sites["nearest_existing_m"] = dist
    sites["nearest_existing_id"] = ids
    sites["cost_krw"] = costs[sel] if costs is not None else np.nan
    sites["reason"] = [_reason(row, services, device_label) for _, row in sites.iterrows()]
    columns = [c for c in sites.columns if c != "geometry"] + ["geometry"]
    return gpd.GeoDataFrame(sites[columns].reset_index(drop=True), crs=WORKING_CRS)


def covered_features(
    candidates: gpd.GeoDataFrame, selected: Sequence[int], service: ServiceCover
) -> gpd.GeoDataFrame:
    """Demand features the proposal covers, with the site that covered each first.

    Returns
    -------
    GeoDataFrame
        The service's demand rows covered by at least one chosen site:
        ``demand_id``, ``weight``, ``grade``, ``sig_cd``, ``name_ko``,
        ``service``, ``covered_before`` (objective units already covered by
        existing devices), ``gain`` (objective units this proposal adds),
        ``first_order``, ``first_candidate_id``, ``n_sites`` covering it, geometry.
    """
    sel = np.asarray(list(selected), dtype=np.int64)
    _, first = _walk(service, sel)
    n_sites = np.asarray(service.cover[sel].sum(axis=0)).ravel() if len(sel) else first * 0
    mask = first >= 0
    frame = service.demand.frame[["demand_id", "weight", "grade", "sig_cd", "name_ko"]].copy()
    frame["service"] = service.name
    frame["covered_before"] = service.covered_before
    frame["gain"] = service.residual
    frame["first_order"] = first + 1
    ids = candidates["candidate_id"].to_numpy()
    chosen_ids = ids[sel] if len(sel) else np.array([None], dtype=object)
    frame["first_candidate_id"] = np.where(mask, chosen_ids[np.clip(first, 0, None)], None)
    frame["n_sites"] = n_sites.astype(np.int64)
    frame = frame.assign(geometry=service.demand.frame.geometry.to_numpy())
    return gpd.GeoDataFrame(
        frame[mask].reset_index(drop=True), geometry="geometry", crs=WORKING_CRS
    )


def district_summary(
    sites: pd.DataFrame, selected: Sequence[int], services: Sequence[ServiceCover]
) -> pd.DataFrame:
    """Per-district summary of a proposal.

    Parameters
    ----------
    sites : DataFrame
        The output of :func:`explain_sites`.
    selected : sequence of int
        Positions of the chosen candidates, in the order chosen.
    services : sequence of ServiceCover
        As passed to :func:`explain_sites`.

    Returns
    -------
    DataFrame
        One row per district with demand or sites, by ``sig_cd``: ``name_ko``,
        ``n_sites`` and ``cost_krw`` (KRW) of the sites placed in it, and per
        service (prefixed ``<service>_`` for a pole), by the *demand's*
        district: ``demand_features``, ``demand_weight``,
        ``covered_before_weight`` (by existing devices), ``new_weight`` (added
        by the proposal), ``covered_before_pct``, ``covered_after_pct`` (%) and
        ``new_A`` … ``new_E`` (features newly covered, by grade).
    """
    out = (
        pd.DataFrame(sites)
        .groupby(["sig_cd", "name_ko"], as_index=False)
        .agg(n_sites=("order", "size"), cost_krw=("cost_krw", "sum"))
    )
    sel = np.asarray(list(selected), dtype=np.int64)
    for service in services:
        prefix = f"{service.name}_" if len(services) > 1 else ""
        _, first = _walk(service, sel)
        d = service.demand.frame
        grades = _grades(d)
        newly = first >= 0
        frame = pd.DataFrame(
            {
                "sig_cd": d["sig_cd"].to_numpy(),
                "name_ko": d["name_ko"].to_numpy(),
                "weight": service.demand.weights * service.scale,
                "before": service.covered_before,
                "new": np.where(newly, service.residual, 0.0),
            }
        )
        for g in GRADES:
            frame[f"new_{g}"] = (newly & (grades == g)).astype(np.int64)
        agg = frame.groupby(["sig_cd", "name_ko"], as_index=False).agg(
            demand_features=("weight", "size"),
            demand_weight=("weight", "sum"),
            covered_before_weight=("before", "sum"),
            new_weight=("new", "sum"),
            **{f"new_{g}": (f"new_{g}", "sum") for g in GRADES},
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            agg["covered_before_pct"] = 100.0 * agg["covered_before_weight"] / agg["demand_weight"]
            agg["covered_after_pct"] = (
                100.0 * (agg["covered_before_weight"] + agg["new_weight"]) / agg["demand_weight"]
            )
        agg = agg.rename(
            columns={c: f"{prefix}{c}" for c in agg.columns if c not in ("sig_cd", "name_ko")}
        )
        out = out.merge(agg, on=["sig_cd", "name_ko"], how="outer")
    out["n_sites"] = out["n_sites"].fillna(0).astype(np.int64)
    out["cost_krw"] = out["cost_krw"].fillna(0.0)
    for column in out.columns:
        if column.rsplit("_", 1)[-1] in GRADES or column.endswith("demand_features"):
            out[column] = out[column].fillna(0).astype(np.int64)
    return out.sort_values("sig_cd", ignore_index=True)
