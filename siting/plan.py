"""From grant to sites: what each funded district can spend, and where its sites go.

A scored subsidy round (``siting score``) grants each district its city share
(``city_share_krw``) against its matching funds. :func:`district_budgets`
turns the round into what each funded district can spend on sites::

    budget = city share + district matching             (KRW)

where the matching is, by default, the counterpart of the grant the round
computed (``district_share_krw``: 5:5 → equal to the grant, never above what
the district secured) [choice; ``matching="secured"`` takes every won the
district secured instead]. :func:`plan_districts` then runs the same
proposal job (:func:`siting.propose.propose`) once per funded district on
that district's candidates and demand only, in budget mode: each site costs
its ``cost_krw`` (cameras added × camera cost, :mod:`siting.site_capacity`),
so no district spends more than its budget. The table says, per district,
the budget, how many standard sites it buys (budget ÷ site cost, rounded
down), how many sites and cameras were proposed, what they cost and what is
left.

:func:`district_quotas` is the per-district quota of citywide runs: the same
number everywhere (``per_district``), or a total split in proportion to a
weight (D/E risk, grant …) by the largest-remainder method, never above the
candidates a district has.

Examples
--------
>>> import pandas as pd
>>> district_quotas(pd.Series({"11110": 3.0, "11140": 1.0}), total=5)["quota"].tolist()
[4, 1]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import WORKING_CRS
from layers.errors import InfeasibleError, InputError
from layers.progress import track
from siting.candidates import CandidateSet
from siting.demand import Demand, restrict_demand
from siting.existing_cover import describe_existing_cover
from siting.profiles import DeviceProfile, get_profile

__all__ = [
    "MATCHING_RULES",
    "PLAN_TABLE_COLUMNS",
    "Plan",
    "affordable_sites",
    "district_budgets",
    "district_quotas",
    "plan_districts",
    "quota_weights",
]

log = logging.getLogger(__name__)

#: How a district's matching money is counted (``matching=``).
MATCHING_RULES: dict[str, str] = {
    "counterpart": "district matching = counterpart of the grant the round computed "
    "(district_share_krw; 5:5 → equal to the city share, never above what was secured)",
    "secured": "district matching = every won the district secured (matching_secured_krw)",
}

#: Columns of the per-district plan table, in order.
PLAN_TABLE_COLUMNS = [
    "priority",
    "sig_cd",
    "name_ko",
    "status",
    "city_share_krw",
    "matching_krw",
    "budget_krw",
    "site_cost_krw",
    "sites_affordable",
    "quota",
    "sites",
    "devices",
    "spent_krw",
    "left_krw",
    "covered_weight",
    "district_weight",
    "covered_pct_of_district",
    "gap_pct",
    "note",
]

_NEEDED = ("sig_cd", "city_share_krw")


def _as_int_krw(values: pd.Series, column: str, layer: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = ~np.isfinite(numbers.to_numpy(dtype=float)) | (numbers.to_numpy(dtype=float) < 0)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} value(s) in {column!r} are not amounts ≥ 0 KRW",
            layer=layer,
            rows=(np.flatnonzero(bad) + 1).tolist(),
            fix=f"give {column} in whole KRW (the round CSV of siting score writes them)",
        )
    return numbers.to_numpy(dtype=float).round().astype(np.int64)


def district_budgets(
    round_table: pd.DataFrame,
    *,
    matching: Literal["counterpart", "secured"] = "counterpart",
    layer: str = "round",
) -> pd.DataFrame:
    """What each funded district of a scored round can spend (KRW).

    Parameters
    ----------
    round_table : DataFrame
        A round from ``siting score`` (``<program>_round.csv``): ``sig_cd``,
        ``name_ko``, ``city_share_krw`` (the grant) and ``district_share_krw``
        (its matching counterpart) or ``matching_secured_krw``; ``priority``
        and ``status`` when present.
    matching : {"counterpart", "secured"}, default "counterpart"
        How the district's money is counted (:data:`MATCHING_RULES`).
    layer : str
        Name of the round file for messages.

    Returns
    -------
    DataFrame
        Funded districts (grant > 0) by priority: ``priority``, ``sig_cd``,
        ``name_ko``, ``status``, ``city_share_krw``, ``matching_krw``,
        ``budget_krw`` (all whole KRW).

    Raises
    ------
    InputError
        The round has no allocation (no ``city_share_krw``), lacks the matching
        column, or holds amounts that are not numbers; no district was funded.
    """
    missing = [c for c in _NEEDED if c not in round_table]
    if missing:
        raise InputError(
            f"has no allocation (column(s) {', '.join(missing)} missing): it is not the "
            "round table of siting score, or the round was scored without grants",
            layer=layer,
            fix="run siting score --program cctv-new --budget KRW --out DIR and give DIR "
            "(or DIR/cctv-new_round.csv) to siting plan",
        )
    column = "district_share_krw" if matching == "counterpart" else "matching_secured_krw"
    if matching not in MATCHING_RULES:
        raise InputError(
            f"unknown matching rule {matching!r}",
            fix="use --matching counterpart or --matching secured",
        )
    if column not in round_table:
        raise InputError(
            f"has no {column} column, needed for --matching {matching}",
            layer=layer,
            fix="give the round CSV written by siting score (it has district_share_krw and "
            "matching_secured_krw)",
        )
    table = round_table.reset_index(drop=True)
    city = _as_int_krw(table["city_share_krw"], "city_share_krw", layer)
    match = _as_int_krw(table[column].fillna(0), column, layer)
    out = pd.DataFrame(
        {
            "priority": (
                pd.to_numeric(table["priority"], errors="coerce")
                if "priority" in table
                else pd.Series(np.arange(1, len(table) + 1), dtype=float)
            ),
            "sig_cd": table["sig_cd"].astype(str).str.strip(),
            "name_ko": table["name_ko"].astype(str) if "name_ko" in table else "",
            "status": (
                table["status"].astype(str)
                if "status" in table
                else np.where(city > 0, "funded", "not funded")
            ),
            "city_share_krw": city,
            "matching_krw": match,
        }
    )
    out["budget_krw"] = out["city_share_krw"] + out["matching_krw"]
    funded = out[out["city_share_krw"] > 0]
    if funded.empty:
        raise InputError(
            "grants no district anything (every city_share_krw is 0)",
            layer=layer,
            fix="score the round with a budget (siting score --budget KRW) and check that "
            "districts applied and secured their matching funds",
        )
    funded = funded.sort_values(["priority", "sig_cd"], na_position="last", kind="stable")
    funded["priority"] = funded["priority"].astype("Int64")
    return funded.reset_index(drop=True)


def quota_weights(
    basis: Literal["risk", "grant", "equal"],
    codes: list[str],
    *,
    demand: Demand | None = None,
    round_table: pd.DataFrame | None = None,
) -> pd.Series:
    """Weights of a fair-share split by district: D/E risk, grant, or equal.

    Parameters
    ----------
    basis : {"risk", "grant", "equal"}
        ``risk``: the district's total demand weight (D/E cells' scores);
        ``grant``: its ``city_share_krw`` in the round; ``equal``: 1 each.
    codes : list of str
        Districts (SIG_CD) to weigh.
    demand : Demand, optional
        Needed for ``risk`` (``sig_cd`` and ``weight`` of each feature).
    round_table : DataFrame, optional
        Needed for ``grant``.

    Returns
    -------
    Series
        Weight per SIG_CD (index), in the order of ``codes``.
    """
    if basis == "equal":
        return pd.Series(1.0, index=codes)
    if basis == "risk":
        if demand is None:
            raise InputError("a risk fair share needs demand", fix="give --grid or --demand")
        sums = demand.frame.groupby(demand.frame["sig_cd"].astype(str))["weight"].sum()
        return sums.reindex(codes).fillna(0.0).astype(float)
    if basis == "grant":
        if round_table is None or "city_share_krw" not in round_table:
            raise InputError(
                "a grant fair share needs a scored round with city_share_krw",
                layer="round",
                fix="give the round folder of siting score, or use --fair-share risk",
            )
        grants = round_table.set_index(round_table["sig_cd"].astype(str))["city_share_krw"]
        return pd.to_numeric(grants, errors="coerce").reindex(codes).fillna(0.0).astype(float)
    raise InputError(f"unknown fair-share basis {basis!r}", fix="use risk, grant or equal")


def _capped_shares(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Exact shares of ``total`` ∝ weights, none above its cap (caps re-split the surplus)."""
    share = np.zeros(len(weights))
    active = (weights > 0) & (caps > 0)
    remaining = float(total)
    while active.any() and remaining > 1e-9:
        part = remaining * weights * active / weights[active].sum()
        over = active & (share + part >= caps)
        if not over.any():
            share += part
            break
        share[over] = caps[over]
        active &= ~over
        remaining = float(total) - share.sum()
    return share


def district_quotas(
    weights: pd.Series,
    *,
    total: int | None = None,
    per_district: int | None = None,
    available: pd.Series | None = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Sites per district for a citywide run: N each, or a fair share of a total.

    Parameters
    ----------
    weights : Series
        Weight per district (index SIG_CD): D/E risk, grant … (:func:`quota_weights`).
        Used for ``total`` only; districts of weight 0 get nothing.
    total : int, optional
        Sites in all, split ∝ weight by the largest-remainder method (ties:
        larger weight, then SIG_CD), none above its ``available``. Exactly one
        of ``total`` and ``per_district``.
    per_district : int, optional
        The same number of sites in every district.
    available : Series, optional
        Candidates per district (index SIG_CD): the most sites it can take.
    names : mapping, optional
        SIG_CD → district name, for messages.

    Returns
    -------
    DataFrame
        ``sig_cd``, ``weight``, ``share_pct`` (%), ``exact`` (the unrounded
        share), ``quota`` (int), ``available`` (or NA).

    Raises
    ------
    InputError
        Both or neither of total and per_district, a count below 1, weights
        negative or all 0.
    InfeasibleError
        A quota larger than the candidates: per district, naming every
        district short of candidates; in total, above all candidates.
    """
    if (total is None) == (per_district is None):
        raise InputError(
            "give either a total number of sites or a number per district, not both or neither",
            fix="pass --count N with --fair-share, or --per-district N",
        )
    amount = total if total is not None else per_district
    assert amount is not None
    if amount < 1:
        raise InputError(f"a quota must be at least 1 site, got {amount}", fix="pass N ≥ 1")
    codes = [str(c) for c in weights.index]
    w = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float)
    if (~np.isfinite(w)).any() or (w < 0).any():
        raise InputError(
            "district weights must be finite and ≥ 0",
            layer="quota weights",
            rows=(np.flatnonzero(~np.isfinite(w) | (w < 0)) + 1).tolist(),
            fix="check the demand weights (risk) or grants the fair share is based on",
        )
    cap = (
        np.full(len(codes), np.iinfo(np.int64).max, dtype=np.int64)
        if available is None
        else available.reindex(codes).fillna(0).to_numpy(dtype=np.int64)
    )
    label = {c: f"{(names or {}).get(c, '')} ({c})".strip() for c in codes}
    if per_district is not None:
        short = [i for i in range(len(codes)) if cap[i] < per_district]
        if short:
            listed = ", ".join(f"{label[codes[i]]}: {cap[i]} candidates" for i in short)
            raise InfeasibleError(
                f"{per_district} sites per district, but {len(short)} district(s) have fewer "
                f"candidates: {listed}",
                layer="candidates",
                fix=f"ask for at most {int(cap.min())} per district (--per-district), give more "
                "candidates there (--candidates, --lattice-fill), or split a total by fair share",
            )
        quota = np.full(len(codes), per_district, dtype=np.int64)
        exact = quota.astype(float)
    else:
        assert total is not None
        if w.sum() <= 0:
            raise InputError(
                "every district weighs 0, so a fair share cannot be computed",
                layer="quota weights",
                fix="check that the demand (or grants) lies in the chosen districts, or use "
                "--per-district N",
            )
        reachable = int(np.minimum(cap, total)[w > 0].sum())
        if total > reachable:
            raise InfeasibleError(
                f"{total} sites requested but the districts with demand hold only {reachable} "
                "candidates",
                layer="candidates",
                fix=f"ask for at most {reachable} sites, or give more candidates",
            )
        exact = _capped_shares(total, w, cap.astype(float))
        quota = np.floor(exact + 1e-9).astype(np.int64)
        left = total - int(quota.sum())
        order = sorted(range(len(codes)), key=lambda i: (-(exact[i] - quota[i]), -w[i], codes[i]))
        for i in order:
            if left <= 0:
                break
            if w[i] > 0 and quota[i] < cap[i]:
                quota[i] += 1
                left -= 1
    total_w = w.sum()
    return pd.DataFrame(
        {
            "sig_cd": codes,
            "weight": w,
            "share_pct": 100.0 * w / total_w if total_w > 0 else 0.0,
            "exact": exact,
            "quota": quota,
            "available": (
                pd.array([pd.NA] * len(codes), dtype="Int64")
                if available is None
                else pd.array(cap, dtype="Int64")
            ),
        }
    )


@dataclass
class Plan:
    """Sites proposed in every funded district within its budget.

    Attributes
    ----------
    device : str
        Device type.
    table : DataFrame
        One row per funded district (:data:`PLAN_TABLE_COLUMNS`) and a last
        ``합계`` row (sig_cd ``11000``).
    sites : GeoDataFrame
        Every proposed site: the explanation columns of
        :func:`~siting.explain.explain_sites` plus ``candidate_source``,
        ``existing_cameras``, ``cameras_added`` and ``cost_krw`` (KRW).
    proposals : dict
        SIG_CD → :class:`~siting.propose.Proposal` of that district.
    summary : dict
        Totals, settings and each district's proposal summary.
    """

    device: str
    table: pd.DataFrame
    sites: gpd.GeoDataFrame
    proposals: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def _restrict(demand: Demand | Mapping[str, Demand], code: str) -> Demand | dict[str, Demand]:
    if isinstance(demand, Demand):
        return restrict_demand(demand, [code])
    return {name: restrict_demand(d, [code]) for name, d in demand.items()}


def _total_weight(demand: Demand | Mapping[str, Demand]) -> float:
    if isinstance(demand, Demand):
        return float(demand.weights.sum())
    return float(sum(d.weights.sum() for d in demand.values()))


def _near(existing: gpd.GeoDataFrame | None, box: tuple[float, ...], reach: float) -> Any:
    if existing is None or len(existing) == 0:
        return None
    xmin, ymin, xmax, ymax = box
    return existing.cx[xmin - reach : xmax + reach, ymin - reach : ymax + reach]


def _demand_bounds(demand: Demand | Mapping[str, Demand]) -> tuple[float, ...]:
    frames = [demand.frame] if isinstance(demand, Demand) else [d.frame for d in demand.values()]
    bounds = np.array([f.total_bounds for f in frames if len(f)])
    return (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())


def _candidate_choices(options: dict[str, Any], frame: pd.DataFrame) -> dict[str, list[str]]:
    """Take ``must_include`` / ``exclude`` out of ``options``; refuse ids no candidate has."""
    chosen = {
        key: [str(v) for v in options.pop(key, None) or ()] for key in ("must_include", "exclude")
    }
    chosen = {key: ids for key, ids in chosen.items() if ids}
    if chosen:
        known = set(frame["candidate_id"].astype(str))
        unknown = sorted({i for ids in chosen.values() for i in ids} - known)
        if unknown:
            raise InputError(
                f"forced or excluded candidate id(s) not among the candidates: "
                f"{', '.join(unknown[:10])}",
                layer="candidates",
                fix="use candidate_id values of the plan's candidates (plan_sites.csv)",
            )
    return chosen


def plan_districts(
    budgets: pd.DataFrame,
    candidates: CandidateSet,
    demand: Demand | Mapping[str, Demand],
    *,
    device: str = "cctv",
    existing: gpd.GeoDataFrame | None = None,
    profile: DeviceProfile | None = None,
    propose_options: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> Plan:
    """Propose sites in every funded district, each within its budget (or its quota).

    Parameters
    ----------
    budgets : DataFrame
        From :func:`district_budgets` (``sig_cd``, ``name_ko``, ``budget_krw`` …);
        or, for a citywide run by quota, ``sig_cd``, ``name_ko`` and ``quota``
        (sites, e.g. from :func:`district_quotas`): each district then gets
        exactly that many sites (count mode) and the money columns stay empty.
    candidates : CandidateSet
        Candidates of every district (``sig_cd``; ``cost_krw`` per candidate,
        e.g. from a :class:`~siting.site_capacity.CameraSiteModel`; else the
        profile's site cost).
    demand : Demand or mapping of service name to Demand
        Demand of every district (``sig_cd``); each run sees its district's only.
    device : {"cctv", "wifi", "pole"}, default "cctv"
        Device type.
    existing : GeoDataFrame, optional
        Existing devices (all districts; each run takes those within reach).
    profile : DeviceProfile, optional
        Settings; default :func:`~siting.profiles.get_profile` of ``device``.
    propose_options : mapping, optional
        More keyword arguments of :func:`siting.propose.propose`
        (``min_spacing``, ``seed``, ``solver`` …), the same for every district;
        ``must_include`` and ``exclude`` (candidate ids) go to the district each id
        lies in.
    progress : bool, default False
        Show a progress bar over the districts.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        Funded districts without any candidate (all named at once); a forced or
        excluded candidate id that no candidate has.
    """
    from siting.propose import propose

    prof = profile or get_profile(device)
    frame = candidates.frame
    cand_codes = frame["sig_cd"].astype(str)
    codes = budgets["sig_cd"].astype(str).tolist()
    names = dict(zip(codes, budgets["name_ko"].astype(str), strict=True))
    counts = cand_codes.value_counts()
    empty = [c for c in codes if int(counts.get(c, 0)) == 0]
    if empty:
        raise InputError(
            f"{len(empty)} funded district(s) have no candidate site: "
            + ", ".join(f"{names[c]} ({c})" for c in empty),
            layer="candidates",
            fix="give candidates that cover every funded district (--candidates, repeatable), "
            "or let the lattice fill the gaps (--lattice-fill)",
        )
    options = dict(propose_options or {})
    chosen = _candidate_choices(options, frame)
    site_cost = prof.site_cost_krw
    rows: list[dict[str, Any]] = []
    site_frames: list[gpd.GeoDataFrame] = []
    proposals: dict[str, Any] = {}
    by_quota = "quota" in budgets and "budget_krw" not in budgets
    records = [{str(k): v for k, v in r.items()} for r in budgets.to_dict("records")]
    for budget_row in track(records, "districts", enabled=progress):
        code = str(budget_row["sig_cd"])
        quota = int(budget_row["quota"]) if by_quota else None
        budget = None if by_quota else int(budget_row["budget_krw"])
        mine = frame[(cand_codes == code).to_numpy()].reset_index(drop=True)
        cset = CandidateSet(
            gpd.GeoDataFrame(mine, geometry=frame.geometry.name, crs=WORKING_CRS),
            candidates.source,
            len(mine),
            site_model=candidates.site_model,
        )
        costs = (
            pd.to_numeric(mine["cost_krw"], errors="coerce").to_numpy(dtype=float)
            if "cost_krw" in mine
            else np.full(len(mine), site_cost)
        )
        local = _restrict(demand, code)
        district_weight = _total_weight(local)
        row: dict[str, Any] = {
            "priority": budget_row.get("priority", pd.NA),
            "sig_cd": code,
            "name_ko": names[code],
            "status": budget_row.get("status", "quota" if by_quota else ""),
            "city_share_krw": np.nan if by_quota else int(budget_row["city_share_krw"]),
            "matching_krw": np.nan if by_quota else int(budget_row["matching_krw"]),
            "budget_krw": np.nan if budget is None else budget,
            "site_cost_krw": site_cost,
            "sites_affordable": pd.NA if budget is None else affordable_sites(budget, site_cost),
            "quota": pd.NA if quota is None else quota,
            "sites": 0,
            "devices": 0,
            "spent_krw": 0.0,
            "covered_weight": 0.0,
            "district_weight": district_weight,
            "gap_pct": np.nan,
            "note": "",
        }
        if district_weight <= 0:
            row["note"] = "no demand in the district: nothing to cover"
        elif quota is not None and quota < 1:
            row["note"] = "quota 0: no site"
        elif budget is not None and budget < np.nanmin(costs):
            row["note"] = (
                f"budget {budget:,} KRW is below the cheapest site ({np.nanmin(costs):,.0f} KRW)"
            )
        else:
            near = _near(existing, _demand_bounds(local), prof.radius_m)
            amount = {"count": quota} if budget is None else {"budget": float(budget)}
            here = set(mine["candidate_id"].astype(str)) if chosen else set()
            result = propose(
                device,
                cset,
                local,
                existing=near,
                profile=prof,
                must_include=[i for i in chosen.get("must_include", []) if i in here],
                exclude=[i for i in chosen.get("exclude", []) if i in here],
                **amount,
                **options,
            )
            proposals[code] = result
            sites = result.sites
            site_frames.append(sites)
            cameras = sites.get("cameras_added")
            row.update(
                sites=len(sites),
                devices=(
                    int(cameras.sum())
                    if cameras is not None
                    else len(sites) * int(prof.devices_per_site)
                ),
                spent_krw=float(result.summary["cost_krw"]),
                covered_weight=float(result.summary["covered_weight"]),
                gap_pct=100.0 * float(result.summary["gap"]),
            )
            # in the objective's units (a pole scales each service's demand to its weight)
            reports = result.summary.get("services") or []
            if reports and all("scale" in r and "demand_weight" in r for r in reports):
                row["district_weight"] = float(
                    sum(float(r["demand_weight"]) * float(r["scale"]) for r in reports)
                )
            if budget is not None and row["spent_krw"] > budget:  # checked again
                raise InfeasibleError(
                    f"{names[code]} ({code}): proposal costs {row['spent_krw']:,.0f} KRW, above "
                    f"its budget {budget:,} KRW",
                    layer="plan",
                    fix="this is a bug; report it with the run.json",
                )
            if result.summary.get("note"):
                row["note"] = str(result.summary["note"])
            elif (
                budget is not None
                and budget - row["spent_krw"] >= site_cost
                and len(sites) < len(mine)
            ):
                row["note"] = "sites beyond these cover no demand left uncovered"
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("sites_affordable", "quota"):
        table[column] = table[column].astype("Int64")
    table["left_krw"] = table["budget_krw"] - table["spent_krw"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["covered_pct_of_district"] = np.where(
            table["district_weight"] > 0,
            100.0 * table["covered_weight"] / table["district_weight"],
            0.0,
        )
    totals = {
        "priority": pd.NA,
        "sig_cd": "11000",
        "name_ko": "합계",
        "status": "",
        **{
            c: table[c].sum(min_count=1)
            for c in (
                "city_share_krw",
                "matching_krw",
                "budget_krw",
                "sites_affordable",
                "quota",
                "sites",
                "devices",
                "spent_krw",
                "left_krw",
                "covered_weight",
                "district_weight",
            )
        },
        "site_cost_krw": site_cost,
        "gap_pct": table["gap_pct"].max(),
        "note": f"{len(table)} {'districts by quota' if by_quota else 'funded districts'}",
    }
    totals["covered_pct_of_district"] = (
        100.0 * totals["covered_weight"] / totals["district_weight"]
        if totals["district_weight"] > 0
        else 0.0
    )
    table = pd.concat([table, pd.DataFrame([totals])], ignore_index=True)[PLAN_TABLE_COLUMNS]
    for column in ("priority", "sites_affordable", "quota"):
        table[column] = table[column].astype("Int64")
    sites = (
        gpd.GeoDataFrame(pd.concat(site_frames, ignore_index=True), crs=WORKING_CRS)
        if site_frames
        else gpd.GeoDataFrame({"candidate_id": []}, geometry=[], crs=WORKING_CRS)
    )
    summary = {
        "device": device,
        "n_districts": len(rows),
        "n_sites": int(table["sites"].iloc[-1]),
        "n_devices": int(table["devices"].iloc[-1]),
        "n_sites_on_existing_poles": int(
            (sites["candidate_source"] == "cctv_pole").sum() if "candidate_source" in sites else 0
        ),
        "budget_krw": None if by_quota else int(table["budget_krw"].iloc[-1]),
        "quota": int(table["quota"].iloc[-1]) if by_quota else None,
        "spent_krw": float(table["spent_krw"].iloc[-1]),
        "candidates": candidates.report(),
        "site_cost_krw": site_cost,
        "settings": {
            "device": device,
            "profile": prof.settings(),
            "existing_cover": describe_existing_cover(
                prof.existing_cover, prof.camera_fov_deg, "wifi" if device == "wifi" else "cctv"
            ),
            "propose_options": {k: v for k, v in options.items() if _jsonable(v)},
            "per_district_run": "siting.propose.propose in budget mode on the district's "
            "candidates and demand only",
        },
        "districts": {code: p.summary for code, p in proposals.items()},
    }
    log.info(
        "plan: %d sites (%d devices) in %d districts, %s of %s KRW",
        summary["n_sites"],
        summary["n_devices"],
        summary["n_districts"],
        f"{summary['spent_krw']:,.0f}",
        "-" if summary["budget_krw"] is None else f"{summary['budget_krw']:,}",
    )
    if summary["n_sites_on_existing_poles"]:
        summary["privacy_note"] = (
            f"{summary['n_sites_on_existing_poles']} sites add cameras to existing CCTV poles: "
            "their positions are existing camera positions; keep plan_sites files internal"
        )
        log.warning(summary["privacy_note"])
    return Plan(device, table, sites, proposals, summary)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | tuple)


def affordable_sites(budget_krw: float, site_cost_krw: float) -> int:
    """Standard sites a budget buys: ``floor(budget / site cost)`` (KRW / KRW)."""
    if site_cost_krw <= 0:
        raise InputError(f"site cost must be > 0 KRW, got {site_cost_krw}", fix="check costs")
    return int(math.floor(Fraction(budget_krw) / Fraction(site_cost_krw)))  # exact
