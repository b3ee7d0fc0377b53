"""``siting plan``: budgets from a scored round, per-district quotas, sites within each budget."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from layers.errors import InfeasibleError, InputError
from siting.candidates import CandidateSet, fill_with_lattice, study_area
from siting.cli import app
from siting.demand import Demand, layer_demand
from siting.jobs_plan import run_plan
from siting.plan import (
    PLAN_TABLE_COLUMNS,
    Plan,
    affordable_sites,
    district_budgets,
    district_quotas,
    plan_districts,
)

CODES = {"11290": "성북구", "11110": "종로구"}
# Boxes wholly inside 성북구 and 종로구 (EPSG:5186, m).
ORIGINS = {"11290": (201_700.0, 555_200.0), "11110": (197_600.0, 553_400.0)}


def _round(city: dict[str, int], secured: dict[str, int] | None = None) -> pd.DataFrame:
    """A round table shaped like siting score's, with awkward (천원-rounded) grants."""
    rows = []
    for i, (code, share) in enumerate(city.items(), start=1):
        rows.append(
            {
                "sig_cd": code,
                "name_ko": CODES.get(code, code),
                "priority": i,
                "requested_krw": 2 * share,
                "matching_secured_krw": (secured or {}).get(code, share),
                "city_share_krw": share,
                "district_share_krw": min(share, (secured or {}).get(code, share)),
                "status": "funded" if share else "not funded",
            }
        )
    return pd.DataFrame(rows)


def _demand() -> gpd.GeoDataFrame:
    """SYNTHETIC demand: 40 weighted points in each of the two districts (seeded)."""
    rng = np.random.default_rng(3)
    frames = []
    for code, (x0, y0) in ORIGINS.items():
        xy = rng.uniform(0, 600, (40, 2))
        frames.append(
            gpd.GeoDataFrame(
                {"weight": rng.gamma(2.0, 1.0, 40).round(3), "sig_cd": code},
                geometry=gpd.points_from_xy(x0 + xy[:, 0], y0 + xy[:, 1]),
                crs="EPSG:5186",
            )
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:5186")


def test_budgets_are_city_share_plus_matching_for_funded_districts_only() -> None:
    table = _round(
        {"11290": 47_500_000, "11110": 30_001_000, "11680": 0},
        secured={"11290": 60_000_000, "11110": 30_001_000, "11680": 9},
    )
    out = district_budgets(table)
    assert out["sig_cd"].tolist() == ["11290", "11110"]  # 강남구 got nothing
    assert out["budget_krw"].tolist() == [95_000_000, 60_002_000]
    secured = district_budgets(table, matching="secured")
    assert secured["budget_krw"].tolist() == [107_500_000, 60_002_000]


def test_a_round_without_allocation_is_refused_naming_the_file() -> None:
    table = _round({"11290": 10_000_000}).drop(columns=["city_share_krw"])
    with pytest.raises(InputError, match=r"cctv-new_round.csv.*no allocation.*siting score"):
        district_budgets(table, layer="cctv-new_round.csv")
    with pytest.raises(InputError, match="grants no district anything"):
        district_budgets(_round({"11290": 0}))


@given(
    weights=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12),
    caps=st.lists(st.integers(0, 40), min_size=12, max_size=12),
    total=st.integers(1, 200),
)
@settings(max_examples=200, deadline=None)
def test_fair_share_quotas_add_up_and_respect_candidates(
    weights: list[float], caps: list[int], total: int
) -> None:
    codes = [f"11{i:03d}" for i in range(len(weights))]
    w = pd.Series(weights, index=codes)
    available = pd.Series(caps[: len(codes)], index=codes)
    reachable = int(np.minimum(available, total)[w > 0].sum())
    if sum(weights) <= 0:
        with pytest.raises(InputError):
            district_quotas(w, total=total, available=available)
        return
    if total > reachable:
        with pytest.raises(InfeasibleError, match="candidates"):
            district_quotas(w, total=total, available=available)
        return
    out = district_quotas(w, total=total, available=available)
    assert int(out["quota"].sum()) == total
    assert (out["quota"] <= out["available"]).all()
    assert (out.loc[out["weight"] == 0, "quota"] == 0).all()
    assert (np.abs(out["quota"] - out["exact"]) < 1 + 1e-9).all()


def test_fair_share_follows_weight_when_nothing_caps() -> None:
    out = district_quotas(pd.Series({"11110": 5.0, "11140": 3.0, "11170": 2.0}), total=7)
    assert out["quota"].tolist() == [4, 2, 1]  # exact 3.5, 2.1, 1.4: the largest remainder wins


def test_a_quota_larger_than_the_candidates_names_the_districts() -> None:
    with pytest.raises(InfeasibleError, match=r"(?s)성북구 \(11290\): 3 candidates.*at most 3"):
        district_quotas(
            pd.Series({"11290": 1.0, "11110": 1.0}),
            per_district=5,
            available=pd.Series({"11290": 3, "11110": 9}),
            names=CODES,
        )


def test_affordable_sites_rounds_down() -> None:
    assert affordable_sites(95_000_000, 20_000_000) == 4
    assert affordable_sites(80_000_000, 20_000_000) == 4
    assert affordable_sites(19_999_999, 20_000_000) == 0


def test_every_funded_district_gets_sites_within_its_budget() -> None:
    budgets = district_budgets(_round({"11290": 47_500_000, "11110": 30_001_000}))
    demand = layer_demand(_demand(), name="SYNTHETIC demand")
    area = study_area(list(CODES))
    cset = fill_with_lattice(None, area, demand.xy(), spacing_m=50.0, reach_m=50.0)
    plan = plan_districts(budgets, cset, demand, device="cctv", propose_options={"seed": 1})
    assert plan.table.columns.tolist() == PLAN_TABLE_COLUMNS
    rows = plan.table[plan.table["sig_cd"] != "11000"].set_index("sig_cd")
    assert rows.loc["11290", "budget_krw"] == 95_000_000
    assert rows.loc["11290", "sites"] == 4 and rows.loc["11110", "sites"] == 3
    assert (rows["spent_krw"] <= rows["budget_krw"]).all()
    assert rows.loc["11290", "left_krw"] == 15_000_000
    assert (rows["devices"] == 4 * rows["sites"]).all()
    assert set(plan.sites["candidate_source"]) == {"lattice"}
    total = plan.table.iloc[-1]
    assert total["sites"] == 7 and total["spent_krw"] == 140_000_000


def _write_round(folder: Path, table: pd.DataFrame, program: str = "cctv-new") -> Path:
    folder.mkdir(parents=True)
    table.to_csv(folder / f"{program}_round.csv", index=False, encoding="utf-8-sig")
    return folder


def test_cli_plans_a_round_folder_and_prints_the_budget_table(tmp_path: Path) -> None:
    folder = _write_round(tmp_path / "round", _round({"11290": 47_500_000, "11110": 30_001_000}))
    demand = _demand()
    demand_csv = tmp_path / "demand_synthetic.csv"
    pd.DataFrame(
        {"x": demand.geometry.x, "y": demand.geometry.y, "weight": demand["weight"]}
    ).to_csv(demand_csv, index=False)
    out = tmp_path / "plan"
    result = CliRunner().invoke(
        app,
        ["plan", str(folder), "--demand", str(demand_csv), "--crs", "EPSG:5186", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "95,000,000" in result.output and "95,000" in result.output  # KRW and 천원
    assert "7 sites (28 cameras) in 2 districts" in result.output
    table = pd.read_csv(out / "plan_districts.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    assert table["sites"].tolist() == [4, 3, 7]
    sites = pd.read_csv(out / "plan_sites.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    assert {"lon", "lat", "district", "dong", "cost_krw", "candidate_source"} <= set(sites)
    assert set(sites["district"]) == {"성북구", "종로구"}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: _write_round(d, _round({"11290": 1}).drop(columns="city_share_krw")),
            "cctv-new_round.csv': has no allocation",
        ),
        (lambda d: (d.mkdir(), d)[1], "holds no <program>_round.csv"),
        (
            lambda d: _write_round(d, _round({"11290": 40_000_000}), program="cctv-replace"),
            "siting replace --budget",
        ),
    ],
    ids=["no-allocation", "no-round", "replacement-round"],
)
def test_bad_round_folders_exit_2_and_write_nothing(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = make(tmp_path / "round")
    out = tmp_path / "plan"
    demand_csv = tmp_path / "d.csv"
    demand_csv.write_text("x,y,weight\n201800,555300,1\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["plan", str(folder), "--demand", str(demand_csv), "--crs", "EPSG:5186", "--out", str(out)],
    )
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_quotas_drive_a_citywide_run_in_count_mode() -> None:
    """district_quotas → plan_districts: each district gets exactly its quota of sites."""
    demand = layer_demand(_demand(), name="SYNTHETIC demand")
    area = study_area(list(CODES))
    cset = fill_with_lattice(None, area, demand.xy(), spacing_m=50.0, reach_m=50.0)
    weights = demand.frame.groupby("sig_cd")["weight"].sum()
    available = cset.frame["sig_cd"].value_counts()
    quotas = district_quotas(weights, total=9, available=available, names=CODES)
    table = quotas.assign(name_ko=quotas["sig_cd"].map(CODES))
    plan = plan_districts(table, cset, demand, propose_options={"seed": 1})
    rows = plan.table[plan.table["sig_cd"] != "11000"].set_index("sig_cd")
    assert rows["sites"].to_dict() == quotas.set_index("sig_cd")["quota"].to_dict()
    assert rows["budget_krw"].isna().all() and plan.summary["quota"] == 9


def test_cli_plans_on_streetlights_with_the_lattice_filling_gaps(tmp_path: Path) -> None:
    """A 가로등 file as candidates; the lattice only where no streetlight reaches demand."""
    from pyproj import Transformer

    from tests._korean_fixtures import PLACES, streetlight_csv

    lights = streetlight_csv(tmp_path / "lights.csv")
    lat, lon = PLACES["종로구"]  # streetlight SL-0 stands here
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:5186", always_xy=True).transform(lon, lat)
    back = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)
    rows = [(x + 10, y, 5), (x, y + 20, 4), (x + 400, y + 300, 3)]
    demand_csv = tmp_path / "demand_synthetic.csv"
    demand_csv.write_text(
        "lon,lat,weight\n"
        + "".join("{:.7f},{:.7f},{}\n".format(*back.transform(a, b), w) for a, b, w in rows),
        encoding="utf-8",
    )
    folder = _write_round(tmp_path / "round", _round({"11110": 30_000_000}))
    out = tmp_path / "plan"
    args = ["plan", str(folder), "--demand", str(demand_csv), "--candidates", str(lights)]
    args += ["--lattice-fill", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    kept = summary["candidates"]["kept_by_source"]
    assert kept["streetlight"] == 1 and kept["lattice"] >= 1  # 종로구's one streetlight + gap fill
    assert "가로등" in summary["candidates"]["source"]
    sites = pd.read_csv(out / "plan_sites.csv", encoding="utf-8-sig")
    assert set(sites["candidate_source"]) == {"streetlight", "lattice"}  # 60,000,000 KRW: 3 sites
    assert len(sites) == 2  # the streetlight watches two places, a lattice point the third


def test_pole_plan_reports_coverage_in_the_objective_units() -> None:
    """A pole weighs each service's share of demand: the covered % must use the same units."""
    budgets = district_budgets(_round({"11290": 80_700_000}))  # 3 poles of 53,800,000 KRW
    frame = _demand()
    cctv = layer_demand(frame, name="SYNTHETIC risk")
    wifi = layer_demand(frame.assign(weight=frame["weight"] * 1000.0), name="SYNTHETIC visits")
    area = study_area(["11290"])
    cset = fill_with_lattice(None, area, cctv.xy(), spacing_m=60.0, reach_m=60.0)
    plan = plan_districts(
        budgets, cset, {"cctv": cctv, "wifi": wifi}, device="pole", propose_options={"seed": 1}
    )
    row = plan.table.iloc[0]
    assert row["sites"] == 3 and row["spent_krw"] == 3 * 53_800_000
    assert 0 < row["covered_pct_of_district"] <= 100
    assert row["district_weight"] == pytest.approx(2.0)  # two services, weight 1 each


@given(
    shares=st.lists(st.integers(0, 3_000_000).map(lambda k: k * 1000), min_size=1, max_size=8),
    secured=st.lists(st.integers(0, 5_000_000_000), min_size=8, max_size=8),
    site_cost=st.integers(1, 60_000_000),
)
@settings(max_examples=150, deadline=None)
def test_budgets_and_affordable_sites_on_awkward_amounts(
    shares: list[int], secured: list[int], site_cost: int
) -> None:
    codes = [f"11{i:03d}" for i in range(len(shares))]
    table = _round(dict(zip(codes, shares, strict=True)), dict(zip(codes, secured, strict=False)))
    if not any(shares):
        with pytest.raises(InputError):
            district_budgets(table)
        return
    out = district_budgets(table).set_index("sig_cd")
    funded = table[table["city_share_krw"] > 0].set_index("sig_cd")
    assert set(out.index) == set(funded.index)
    expected = funded["city_share_krw"] + funded["district_share_krw"]
    assert (out["budget_krw"] == expected.reindex(out.index)).all()
    assert (out["matching_krw"] <= funded["matching_secured_krw"].reindex(out.index)).all()
    for budget in out["budget_krw"]:
        n = affordable_sites(int(budget), site_cost)
        assert n * site_cost <= budget < (n + 1) * site_cost


def test_sites_on_existing_poles_are_counted_and_flagged() -> None:
    from siting.candidates import prepare_candidates
    from siting.site_capacity import CameraSiteModel

    x0, y0 = ORIGINS["11290"]
    poles = gpd.GeoDataFrame(
        {"candidate_id": ["pole-1"], "existing_cameras": [1]},
        geometry=gpd.points_from_xy([x0 + 300], [y0 + 300]),
        crs="EPSG:5186",
    )
    cset = prepare_candidates(
        poles, study_area(["11290"]), candidate_source="cctv_pole", site_model=CameraSiteModel()
    )
    demand = layer_demand(
        gpd.GeoDataFrame(
            {"weight": [2.0], "sig_cd": "11290"},
            geometry=gpd.points_from_xy([x0 + 310], [y0 + 300]),
            crs="EPSG:5186",
        ),
        name="SYNTHETIC",
    )
    plan = plan_districts(district_budgets(_round({"11290": 10_000_000})), cset, demand)
    assert plan.sites["candidate_source"].tolist() == ["cctv_pole"]
    assert plan.sites["cameras_added"].tolist() == [4]  # 1 + 4 ≤ 6 cameras on the pole
    assert plan.summary["n_sites_on_existing_poles"] == 1
    assert "existing camera positions" in plan.summary["privacy_note"]


# Candidates forced in or left out, and chosen districts only (the pages' re-run of a plan).
def _choice_inputs() -> tuple[pd.DataFrame, CandidateSet, Demand]:
    budgets = district_budgets(_round({"11290": 47_500_000, "11110": 30_001_000}))
    demand = layer_demand(_demand(), name="SYNTHETIC demand")
    area = study_area(list(CODES))
    cset = fill_with_lattice(None, area, demand.xy(), spacing_m=50.0, reach_m=50.0)
    return budgets, cset, demand


def _site_ids(plan: Plan, code: str) -> list[str]:
    sites = plan.sites
    return sites.loc[sites["sig_cd"].astype(str) == code, "candidate_id"].astype(str).tolist()


def test_excluded_and_forced_candidates_reach_their_own_district() -> None:
    budgets, cset, demand = _choice_inputs()
    base = plan_districts(budgets, cset, demand, device="cctv", propose_options={"seed": 1})
    first_sb, first_jn = _site_ids(base, "11290")[0], _site_ids(base, "11110")[0]
    frame = cset.frame
    jongno = frame.loc[frame["sig_cd"].astype(str) == "11110", "candidate_id"].astype(str)
    spare = next(c for c in jongno if c not in set(_site_ids(base, "11110")))
    again = plan_districts(
        budgets,
        cset,
        demand,
        device="cctv",
        propose_options={"seed": 1, "exclude": [first_sb, first_jn], "must_include": [spare]},
    )
    assert first_sb not in _site_ids(again, "11290")
    assert first_jn not in _site_ids(again, "11110")
    assert spare in _site_ids(again, "11110")
    rows = again.table[again.table["sig_cd"] != "11000"]
    assert (rows["spent_krw"] <= rows["budget_krw"]).all()


def test_unknown_forced_or_excluded_ids_are_named() -> None:
    budgets, cset, demand = _choice_inputs()
    with pytest.raises(InputError, match="not among the candidates: NOPE-1, NOPE-2"):
        plan_districts(
            budgets,
            cset,
            demand,
            device="cctv",
            propose_options={"must_include": ["NOPE-2"], "exclude": ["NOPE-1"]},
        )


def test_run_plan_for_one_funded_district_only(tmp_path: Path) -> None:
    folder = _write_round(tmp_path / "round", _round({"11290": 47_500_000, "11110": 30_001_000}))
    demand = tmp_path / "demand_synthetic.gpkg"
    _demand().to_file(demand, layer="demand")
    plan, files = run_plan(tmp_path / "out", folder, demand_path=demand, districts=["종로구"])
    assert set(plan.sites["sig_cd"].astype(str)) == {"11110"}
    assert plan.table["sig_cd"].tolist() == ["11110", "11000"]
    assert "plan_sites.csv" in files
    with pytest.raises(InputError, match="강남구: not funded in this round"):
        run_plan(tmp_path / "out2", folder, demand_path=demand, districts=["강남구"])
    assert not (tmp_path / "out2").exists()
