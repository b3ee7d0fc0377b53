"""Explanations: why each proposed site was chosen, and what it does for each district.

Per site (:func:`explain_sites`): the order it was chosen in, the demand weight
it adds on top of the sites chosen before it (marginal covered weight), the
demand cells it newly reaches by grade, the distance band to the nearest
existing device (exact metres and its id only when asked for:
:mod:`layers.privacy`) and the district. When demand is sampled below the cell
(:mod:`siting.sampling`), a site's gain is also given in real units: m² of
D/E area newly watched (or m of street, or places, for a ``--where`` layer of
lines or points), by grade, and the share of its district's D/E risk it
newly watches (%). Per district (:func:`district_summary`): sites, cost,
demand weight and area covered before (by existing devices) and after.

The tables use the planner's words: Korean district names (``name_ko``),
distances in metres, areas in m², grades A–E, costs in KRW, and a one-line
Korean reason per site (``reason``), so that every choice can be checked by hand.
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
from layers.privacy import band_distances, distance_band
from layers.riskgrid import GRADES
from siting.demand import Demand

__all__ = [
    "GRADES",
    "MEASURE_COLUMNS",
    "ServiceCover",
    "covered_features",
    "district_summary",
    "explain_sites",
]

#: Column stem of each sample measure unit.
MEASURE_COLUMNS = {"m²": "area_m2", "m": "length_m", "places": "places"}


@dataclass
class ServiceCover:
    """One service's demand, coverage and residual weights, as the solver saw them.

    Attributes
    ----------
    name : str
        ``"cctv"`` or ``"wifi"``.
    demand : Demand
        The service's demand (features, and samples when sampled).
    cover : csr_matrix
        Candidates × demand units (samples, or features when not sampled),
        rows aligned with the candidates.
    residual : ndarray
        Weight of each unit still uncovered by existing devices, in the
        objective's units (after any service scaling).
    scale : float
        Objective units per demand-weight unit (1 for a single device).
    existing_note : str
        How existing devices were counted (camera model or whole disc,
        :func:`siting.existing_cover.reason_note`), appended to each site's
        ``reason``; empty when there are no existing devices.
    """

    name: str
    demand: Demand
    cover: csr_matrix
    residual: np.ndarray
    scale: float = 1.0
    existing_note: str = ""

    @property
    def covered_before(self) -> np.ndarray:
        """Weight of each unit already covered by existing devices (objective units)."""
        return self.demand.unit_weights() * self.scale - self.residual

    def residual_share(self) -> np.ndarray:
        """Share of each unit not yet covered by existing devices (0–1)."""
        full = self.demand.unit_weights() * self.scale
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(full > 0, self.residual / full, 1.0)
        return np.clip(share, 0.0, 1.0)


def _grades(frame: pd.DataFrame) -> np.ndarray:
    """Grade letters as a plain object array ('' where there is no grade)."""
    return frame["grade"].astype("string").fillna("").to_numpy(dtype=object)


def _walk(
    service: ServiceCover, selected: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Marginal gain of each selected site in order, and the first site covering each unit."""
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


def _per_site(values: np.ndarray, first: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Sum ``values`` over units whose first covering site is each site (``mask`` units only)."""
    keep = (first >= 0) & mask
    return np.bincount(first[keep], weights=values[keep], minlength=n)[:n]


def _new_features(first: np.ndarray, feature: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per site, the features (cells) it newly reaches: counted once, by their first site."""
    covered = first >= 0
    if not covered.any():
        return np.zeros(n, dtype=np.int64), np.full(0, -1, dtype=np.int64)
    n_feat = int(feature.max()) + 1 if feature.size else 0
    first_of_feature = np.full(n_feat, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_of_feature, feature[covered], first[covered])
    reached = first_of_feature < np.iinfo(np.int64).max
    first_of_feature[~reached] = -1
    return np.bincount(first_of_feature[reached], minlength=n)[:n], first_of_feature


def _measure_text(value: float, unit: str) -> str:
    if unit == "m²":
        return f"{value:,.0f} m²"
    if unit == "m":
        return f"도로 {value:,.0f} m"
    return f"{value:,.0f}곳"


def _reason(
    row: pd.Series,
    services: Sequence[ServiceCover],
    device_label: str,
    exact_positions: bool,
) -> str:
    parts = [f"{int(row['order'])}번째 선정", str(row["name_ko"])]
    for service in services:
        prefix = f"{service.name}_" if len(services) > 1 else ""
        label = f"{service.name} " if len(services) > 1 else ""
        unit = service.demand.measure_unit
        graded = [(g, prefix + "new_" + g) for g in GRADES if prefix + "new_" + g in row.index]
        if unit is not None:
            stem = MEASURE_COLUMNS[unit]
            text = f"{label}신규 감시 {_measure_text(row[f'{prefix}new_{stem}'], unit)}"
            by_grade = [
                f"{g} {_measure_text(row[f'{prefix}new_{stem}_{g}'], unit)}"
                for g in reversed(GRADES)
                if f"{prefix}new_{stem}_{g}" in row.index and row[f"{prefix}new_{stem}_{g}"] > 0
            ]
            if by_grade:
                text += f"({', '.join(by_grade)})"
            text += f", 표본 {int(row[f'{prefix}new_samples'])}점"
            share = row[f"{prefix}district_risk_pct"]
            if np.isfinite(share):
                text += f", {row['name_ko']} 취약 위험의 {share:.2f} %"
        else:
            shown = [f"{g} {int(row[c])}" for g, c in reversed(graded) if int(row[c]) > 0]
            text = f"{label}신규 보호 {int(row[f'{prefix}new_features'])}곳"
            if shown:
                text += f"({', '.join(shown)})"
        parts.append(text)
    weight = float(row["marginal_weight"])
    parts.append(f"추가 가중치 {weight:,.2f}" if abs(weight) >= 1 else f"추가 가중치 {weight:.4f}")
    if np.isfinite(row["nearest_existing_m"]):
        distance = (
            f"{row['nearest_existing_m']:.0f} m"
            if exact_positions
            else distance_band(row["nearest_existing_m"])
        )
        parts.append(f"가장 가까운 기존 {device_label} {distance}")
    else:
        parts.append(f"기존 {device_label} 정보 없음")
    parts += [s.existing_note for s in services if s.existing_note]
    return ", ".join(parts)


def _district_totals(service: ServiceCover) -> dict[str, float]:
    """Total demand weight (before existing devices, demand units) per district code."""
    frame = service.demand.frame
    codes = frame["sig_cd"].astype("string").fillna("").to_numpy(dtype=object)
    totals: dict[str, float] = {}
    for code, w in zip(codes, service.demand.weights, strict=True):
        totals[code] = totals.get(code, 0.0) + float(w)
    return totals


def explain_sites(
    candidates: gpd.GeoDataFrame,
    selected: Sequence[int],
    services: Sequence[ServiceCover],
    *,
    existing: gpd.GeoDataFrame | None = None,
    costs: np.ndarray | None = None,
    device_label: str = "장비",
    exact_positions: bool = False,
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
    exact_positions : bool, default False
        Keep the exact distance to (m) and the id of the nearest existing
        device; by default only its distance band is given
        (:func:`layers.privacy.band_distances`), in the table and in ``reason``.

    Returns
    -------
    GeoDataFrame
        ``order`` (1 = chosen first), ``candidate_id``, ``sig_cd``, ``name_ko``,
        ``x_m``, ``y_m``, ``marginal_weight`` (objective units), ``cumulative_weight``,
        ``cumulative_pct`` (of the total uncovered weight), per service
        ``[<service>_]gain``, ``[<service>_]new_features`` (demand features —
        cells — the site is first to reach), ``[<service>_]in_reach`` (demand
        units within the radius, covered before or not) and
        ``[<service>_]new_A`` … ``new_E`` (features newly reached, by grade).
        For sampled demand also ``new_samples``, ``new_area_m2`` (or
        ``new_length_m`` / ``new_places``) and its split by grade
        (``new_area_m2_D`` …), and ``district_risk_pct``: the share (%) of the
        site's district's demand weight (its D/E risk, before existing
        devices) this site newly watches. Then ``nearest_existing_band``
        ("50 m 이내", "50–100 m", "100 m 이상"; with ``exact_positions`` also
        ``nearest_existing_m`` and ``nearest_existing_id``), ``cost_krw``, ``reason``.
    """
    require_working_crs(candidates, "candidates")
    sel = np.asarray(list(selected), dtype=np.int64)
    n = len(sel)
    sites = candidates.iloc[sel][["candidate_id", "sig_cd", "name_ko", "geometry"]].copy()
    sites.insert(0, "order", np.arange(1, n + 1))
    xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    sites["x_m"] = xy[:, 0]
    sites["y_m"] = xy[:, 1]
    site_codes = sites["sig_cd"].astype("string").fillna("").to_numpy(dtype=object)
    total = np.zeros(n)
    residual_total = 0.0
    for service in services:
        prefix = f"{service.name}_" if len(services) > 1 else ""
        gains, first = _walk(service, sel)
        total += gains
        residual_total += float(service.residual.sum())
        if prefix:
            sites[f"{prefix}gain"] = gains
        feature = service.demand.unit_feature()
        grades = _grades(service.demand.frame)
        counts, first_of_feature = _new_features(first, feature, n)
        sites[f"{prefix}new_features"] = counts
        sites[f"{prefix}in_reach"] = np.diff(service.cover.indptr)[sel] if n else 0
        graded = (grades != "").any()
        if graded:
            reached = first_of_feature >= 0
            for grade in GRADES:
                mask = reached & (grades[: first_of_feature.shape[0]] == grade)
                sites[f"{prefix}new_{grade}"] = np.bincount(first_of_feature[mask], minlength=n)[:n]
        measure = service.demand.unit_measure()
        unit = service.demand.measure_unit
        if measure is None or unit is None:
            continue
        stem = MEASURE_COLUMNS[unit]
        fresh = service.residual > 0
        share = service.residual_share()
        everything = np.ones(first.shape[0], dtype=bool)
        sites[f"{prefix}new_samples"] = _per_site(everything * 1.0, first, fresh, n).astype(
            np.int64
        )
        sites[f"{prefix}new_{stem}"] = _per_site(measure * share, first, fresh, n)
        if graded:
            unit_grade = grades[feature]
            for grade in GRADES:
                if grade in ("D", "E") or (unit_grade == grade).any():
                    sites[f"{prefix}new_{stem}_{grade}"] = _per_site(
                        measure * share, first, fresh & (unit_grade == grade), n
                    )
        unit_codes = (
            service.demand.frame["sig_cd"].astype("string").fillna("").to_numpy(dtype=object)
        )[feature]
        raw_new = service.residual / service.scale if service.scale > 0 else service.residual
        totals = _district_totals(service)
        in_own = np.zeros(n)
        keep = first >= 0
        if keep.any():
            own = unit_codes[keep] == site_codes[first[keep]]
            np.add.at(in_own, first[keep][own], raw_new[keep][own])
        denom = np.array([totals.get(c, 0.0) for c in site_codes], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            sites[f"{prefix}district_risk_pct"] = np.where(
                denom > 0, 100.0 * in_own / denom, np.nan
            )
    sites["marginal_weight"] = total
    sites["cumulative_weight"] = np.cumsum(total)
    sites["cumulative_pct"] = (
        100.0 * sites["cumulative_weight"] / residual_total if residual_total > 0 else 0.0
    )
    dist, ids = _nearest(xy, existing)
    sites["nearest_existing_m"] = dist
    sites["nearest_existing_id"] = ids
    sites["cost_krw"] = costs[sel] if costs is not None else np.nan
    sites["reason"] = [
        _reason(row, services, device_label, exact_positions) for _, row in sites.iterrows()
    ]
    sites = band_distances(sites, exact_positions=exact_positions)
    columns = [c for c in sites.columns if c != "geometry"] + ["geometry"]
    return gpd.GeoDataFrame(sites[columns].reset_index(drop=True), crs=WORKING_CRS)


def covered_features(
    candidates: gpd.GeoDataFrame, selected: Sequence[int], service: ServiceCover
) -> gpd.GeoDataFrame:
    """Demand features (cells) the proposal reaches, with the site that reached each first.

    Returns
    -------
    GeoDataFrame
        The service's demand rows reached by at least one chosen site:
        ``demand_id``, ``weight``, ``grade``, ``sig_cd``, ``name_ko``,
        ``service``, ``covered_before`` (objective units already covered by
        existing devices), ``gain`` (objective units this proposal adds),
        ``first_order``, ``first_candidate_id``, ``n_sites`` covering it (the
        most over its samples), geometry; for sampled demand also
        ``covered_share_pct`` (share of the feature's weight watched after the
        proposal, existing devices included, %) and ``new_area_m2`` (or
        ``new_length_m`` / ``new_places``).
    """
    sel = np.asarray(list(selected), dtype=np.int64)
    _, first = _walk(service, sel)
    n_units = service.cover.shape[1]
    n_feat = len(service.demand.frame)
    feature = service.demand.unit_feature()
    n_sites_unit = (
        np.asarray(service.cover[sel].sum(axis=0)).ravel()
        if len(sel)
        else np.zeros(n_units, dtype=np.int64)
    )
    reached_units = first >= 0
    n_sites = np.zeros(n_feat, dtype=np.int64)
    np.maximum.at(n_sites, feature, n_sites_unit.astype(np.int64))
    first_feat = np.full(n_feat, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_feat, feature[reached_units], first[reached_units])
    mask = first_feat < np.iinfo(np.int64).max
    first_feat[~mask] = -1
    before = np.bincount(feature, weights=service.covered_before, minlength=n_feat)
    gain = np.bincount(
        feature, weights=np.where(reached_units, service.residual, 0.0), minlength=n_feat
    )
    frame = service.demand.frame[["demand_id", "weight", "grade", "sig_cd", "name_ko"]].copy()
    frame["service"] = service.name
    frame["covered_before"] = before
    frame["gain"] = gain
    frame["first_order"] = first_feat + 1
    ids = candidates["candidate_id"].to_numpy()
    chosen_ids = ids[sel] if len(sel) else np.array([None], dtype=object)
    picked = np.asarray(chosen_ids[np.clip(first_feat, 0, None)], dtype=object)
    picked[~mask] = None
    frame["first_candidate_id"] = picked
    frame["n_sites"] = n_sites
    measure = service.demand.unit_measure()
    unit = service.demand.measure_unit
    if measure is not None and unit is not None:
        full = service.demand.weights * service.scale
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["covered_share_pct"] = np.where(full > 0, 100.0 * (before + gain) / full, 0.0)
        frame[f"new_{MEASURE_COLUMNS[unit]}"] = np.bincount(
            feature,
            weights=np.where(reached_units, measure * service.residual_share(), 0.0),
            minlength=n_feat,
        )
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
        by the proposal), ``covered_before_pct``, ``covered_after_pct`` (% of
        the district's demand weight, i.e. of its D/E risk for a grid) and
        ``new_A`` … ``new_E`` (features newly reached, by grade); for sampled
        demand also ``demand_area_m2``, ``covered_before_area_m2`` and
        ``new_area_m2`` (or ``…_length_m`` / ``…_places``).
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
        feature = service.demand.unit_feature()
        grades = _grades(d)
        n_feat = len(d)
        reached = np.zeros(n_feat, dtype=bool)
        reached[feature[first >= 0]] = True
        frame = pd.DataFrame(
            {
                "sig_cd": d["sig_cd"].to_numpy(),
                "name_ko": d["name_ko"].to_numpy(),
                "weight": service.demand.weights * service.scale,
                "before": np.bincount(feature, weights=service.covered_before, minlength=n_feat),
                "new": np.bincount(
                    feature, weights=np.where(first >= 0, service.residual, 0.0), minlength=n_feat
                ),
            }
        )
        measure = service.demand.unit_measure()
        unit = service.demand.measure_unit
        extra: dict[str, tuple[str, str]] = {}
        if measure is not None and unit is not None:
            stem = MEASURE_COLUMNS[unit]
            share = service.residual_share()
            frame[f"demand_{stem}"] = np.bincount(feature, weights=measure, minlength=n_feat)
            frame[f"covered_before_{stem}"] = np.bincount(
                feature, weights=measure * (1.0 - share), minlength=n_feat
            )
            frame[f"new_{stem}"] = np.bincount(
                feature, weights=np.where(first >= 0, measure * share, 0.0), minlength=n_feat
            )
            extra = {
                c: (c, "sum") for c in (f"demand_{stem}", f"covered_before_{stem}", f"new_{stem}")
            }
        for g in GRADES:
            frame[f"new_{g}"] = (reached & (grades == g)).astype(np.int64)
        agg = frame.groupby(["sig_cd", "name_ko"], as_index=False).agg(
            demand_features=("weight", "size"),
            demand_weight=("weight", "sum"),
            covered_before_weight=("before", "sum"),
            new_weight=("new", "sum"),
            **extra,
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
