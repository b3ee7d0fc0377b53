"""Proposals: library entry, explanations, per-district summary, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import CRSError, EmptyLayerError, InfeasibleError, InputError
from siting.candidates import (
    CandidateSet,
    lattice_candidates,
    prepare_candidates,
    resolve_districts,
    study_area,
)
from siting.demand import grid_demand, layer_demand
from siting.explain import GRADES
from siting.profiles import ServiceSpec, get_profile
from siting.propose import propose

# A 1 km × 0.8 km box wholly inside 성북구 (EPSG:5186, m).
X0, Y0 = 201_700.0, 555_200.0


def _points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    x = [X0 + a for a, _ in xy]
    y = [Y0 + b for _, b in xy]
    return gpd.GeoDataFrame(dict(columns), geometry=gpd.points_from_xy(x, y), crs="EPSG:5186")


@pytest.fixture(scope="module")
def area() -> gpd.GeoDataFrame:
    return study_area(["성북구"])


@pytest.fixture
def candidates() -> gpd.GeoDataFrame:
    return _points(
        [(100, 100), (400, 100), (700, 100), (100, 500), (400, 500), (700, 500)],
        candidate_id=["c1", "c2", "c3", "c4", "c5", "c6"],
    )


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    """Risk-grid cells (centroids): a heavy E cluster at c2, D cells at c6, a C cell."""
    xy = [(400, 100), (420, 100), (400, 120), (700, 500), (720, 500), (100, 100), (100, 500)]
    return _points(
        xy,
        cell_id=[f"cell{i}" for i in range(len(xy))],
        score=[5.0, 4.0, 4.0, 3.0, 3.0, 1.0, 9.0],
        grade=["E", "E", "E", "D", "D", "D", "C"],
        sig_cd="11290",
        name_ko="성북구",
    )


def test_grid_demand_keeps_chosen_grades_weighted_by_score(cells: gpd.GeoDataFrame) -> None:
    demand = grid_demand(cells)
    assert demand.frame["grade"].tolist() == ["E", "E", "E", "D", "D", "D"]
    assert demand.weights.sum() == pytest.approx(20.0)
    assert demand.frame["demand_id"].iloc[0] == "cell0"
    assert grid_demand(cells, grades=["C"]).weights.tolist() == [9.0]


def test_propose_orders_sites_by_marginal_gain_and_explains(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    p = propose("cctv", candidates, grid_demand(cells), count=2)
    sites = p.sites
    assert sites["candidate_id"].tolist() == ["c2", "c6"]
    assert sites["order"].tolist() == [1, 2]
    assert sites["marginal_weight"].tolist() == pytest.approx([13.0, 6.0])
    assert sites["new_E"].tolist() == [3, 0]
    assert sites["new_D"].tolist() == [0, 2]
    assert sites["in_reach"].tolist() == [3, 2]
    assert sites["name_ko"].tolist() == ["성북구", "성북구"]
    assert sites["cumulative_weight"].iloc[-1] == pytest.approx(p.summary["covered_weight"])
    assert "1번째 선정" in sites["reason"].iloc[0] and "E 3" in sites["reason"].iloc[0]
    s = p.summary
    assert s["covered_weight"] == pytest.approx(19.0)
    assert s["total_weight"] == pytest.approx(20.0)
    assert s["upper_bound"] >= s["covered_weight"] - 1e-9
    assert 0.0 <= s["gap"] <= 1.0
    assert s["n_selected"] == 2
    assert s["settings"]["profile"]["radius_m"] == 50.0
    # covered cells carry the site that covered them first
    covered = p.covered.set_index("demand_id")
    assert covered.loc["cell0", "first_candidate_id"] == "c2"
    assert covered.loc["cell3", "first_order"] == 2
    assert len(p.covered) == 5
    # candidates layer flags the chosen ones
    assert p.candidates["selected"].sum() == 2
    assert p.candidates.set_index("candidate_id").loc["c2", "standalone_gain"] == 13.0


def test_existing_devices_coverage_is_removed(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    existing = _points(
        [(405, 105)], device_id=["old1"], device_type=["cctv"], install_year=[2020], n_devices=[4]
    )
    p = propose(
        "cctv", candidates, grid_demand(cells), count=1, existing=existing, exact_positions=True
    )
    assert p.sites["candidate_id"].tolist() == ["c6"]  # c2's cells are already watched
    assert p.summary["total_weight"] == pytest.approx(7.0)
    assert p.summary["services"][0]["covered_by_existing_weight"] == pytest.approx(13.0)
    assert p.sites["nearest_existing_id"].iloc[0] == "old1"
    assert p.sites["nearest_existing_m"].iloc[0] == pytest.approx(np.hypot(295, 395))
    assert p.sites["nearest_existing_band"].iloc[0] == "100 m 이상"
    assert p.settings["exact_positions"] is True
    table = p.districts.set_index("sig_cd").loc["11290"]
    assert table["covered_before_weight"] == pytest.approx(13.0)
    assert table["new_weight"] == pytest.approx(6.0)
    assert table["covered_after_pct"] == pytest.approx(95.0)


def test_aged_existing_device_gets_partial_credit(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    existing = _points([(405, 105)], device_id=["old1"], install_year=[2010], n_devices=[4])
    prof = get_profile("cctv", aged_credit=0.5)
    p = propose("cctv", candidates, grid_demand(cells), count=1, existing=existing, profile=prof)
    assert p.summary["total_weight"] == pytest.approx(13.0 / 2 + 7.0)
    # half of c2's 13 still counts (6.5), more than c6's 6
    assert p.sites["candidate_id"].tolist() == ["c2"]
    assert p.sites["marginal_weight"].iloc[0] == pytest.approx(6.5)


def test_budget_spacing_must_include_and_exclude_are_respected(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    costs = candidates.assign(cost_krw=[1e6, 9e6, 1e6, 1e6, 1e6, 2e6])
    p = propose("cctv", costs, grid_demand(cells), budget=5e6)
    assert p.summary["cost_krw"] <= 5e6
    assert "c2" not in p.sites["candidate_id"].tolist()
    p = propose(
        "cctv", candidates, grid_demand(cells), count=2, exclude=["c2"], must_include=["c1"]
    )
    assert "c2" not in p.sites["candidate_id"].tolist()
    assert "c1" in p.sites["candidate_id"].tolist()
    p = propose("cctv", candidates, grid_demand(cells), count=3, min_spacing=450)
    xy = p.sites[["x_m", "y_m"]].to_numpy()
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(xy), 1)].min() >= 450


def test_results_are_identical_across_runs(cells: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> None:
    cset = prepare_candidates(lattice_candidates(area, 50), area)
    a = propose("cctv", cset, grid_demand(cells), count=3)
    b = propose("cctv", cset, grid_demand(cells), count=3)
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.sites.drop(columns="geometry")),
        pd.DataFrame(b.sites.drop(columns="geometry")),
    )


def test_pole_sums_weighted_service_gains(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    places = _points([(100, 500), (110, 500), (100, 510)], weight=[1.0, 1.0, 1.0])
    demand = {"cctv": grid_demand(cells), "wifi": layer_demand(places)}
    p = propose("pole", candidates, demand, count=1)
    # normalised: c2 brings 13/20 of CCTV demand, c4 brings all of Wi-Fi demand (1.0)
    assert p.sites["candidate_id"].tolist() == ["c4"]
    assert p.sites["wifi_gain"].iloc[0] == pytest.approx(1.0)
    heavy = get_profile(
        "pole", services=(ServiceSpec("cctv", 50.0, 3.0), ServiceSpec("wifi", 60.0, 1.0))
    )
    p = propose("pole", candidates, demand, count=1, profile=heavy)
    assert p.sites["candidate_id"].tolist() == ["c2"]
    assert p.sites["cctv_gain"].iloc[0] == pytest.approx(3.0 * 13.0 / 20.0)
    assert {"cctv_new_E", "wifi_new_features"} <= set(p.sites.columns)


def test_lattice_and_removals_are_counted(area: gpd.GeoDataFrame) -> None:
    lattice = lattice_candidates(area, 200)
    assert len(lattice) > 500
    assert ((lattice.geometry.x % 200) == 100).all()
    outside = _points([(100, 100), (-60_000, 0)], candidate_id=["in", "out"])
    excluded = gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 50, Y0 + 50, X0 + 150, Y0 + 150)], crs="EPSG:5186"
    )
    extra = _points([(400, 400)], candidate_id=["kept"])
    cset = prepare_candidates(pd.concat([outside, extra]), area, excluded=excluded)
    assert cset.report()["n_outside_study_area"] == 1
    assert cset.report()["n_in_excluded_areas"] == 1
    assert cset.frame["candidate_id"].tolist() == ["kept"]
    zones = _points([(400, 700)])
    cset = prepare_candidates(
        pd.concat([extra, outside]), area, child_zones=zones, zone_buffer_m=400
    )
    assert cset.frame["candidate_id"].tolist() == ["kept"]
    assert cset.report()["n_outside_child_zone_buffer"] == 1  # 'in' is 671 m away
    with pytest.raises(EmptyLayerError, match="1 beyond 200 m of a child-protection zone"):
        prepare_candidates(extra, area, child_zones=zones, zone_buffer_m=200)


# --- bad input: one clear error each -------------------------------------------------------


def test_demand_and_candidates_in_different_crs(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    demand = grid_demand(cells)
    with pytest.raises(
        CRSError, match=r"candidates are EPSG:4326 but the cctv demand is EPSG:5186"
    ):
        propose("cctv", candidates.to_crs("EPSG:4326"), demand, count=1)


def test_zero_candidates(cells: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> None:
    empty = _points([], candidate_id=[])
    with pytest.raises(EmptyLayerError, match="has no candidate sites"):
        prepare_candidates(empty, area)
    far = _points([(-60_000, 0)], candidate_id=["far"])
    with pytest.raises(EmptyLayerError, match="1 outside the study area"):
        prepare_candidates(far, area)
    with pytest.raises(EmptyLayerError, match="has no candidate sites"):
        propose("cctv", CandidateSet(empty, "x", 0), grid_demand(cells), count=1)


def test_count_above_number_of_candidates(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InfeasibleError, match="7 sites requested but only 6 candidate"):
        propose("cctv", candidates, grid_demand(cells), count=7)


def test_negative_weights_name_the_rows(cells: gpd.GeoDataFrame) -> None:
    bad = cells.assign(score=[5.0, -1.0, 4.0, 3.0, -3.0, 1.0, 9.0])
    with pytest.raises(InputError, match=r"2 negative weight\(s\)[\s\S]*rows: 2, 5"):
        grid_demand(bad)
    places = _points([(0, 0), (1, 1)], weight=[1.0, -2.0])
    with pytest.raises(InputError, match=r"negative weight[\s\S]*rows: 2"):
        layer_demand(places)


@pytest.mark.parametrize("radius", [0.0, -5.0])
def test_radius_zero_is_refused(radius: float) -> None:
    with pytest.raises(InputError, match="radius must be a positive number of metres"):
        get_profile("cctv", radius_m=radius)


def test_unknown_district_name() -> None:
    assert resolve_districts(["성북", "Gangnam-gu", "11110"]) == ["11290", "11680", "11110"]
    with pytest.raises(InputError, match="unknown district name.*'강북시'.*'Atlantis'"):
        resolve_districts(["성북구", "강북시", "Atlantis"])


def test_count_and_budget_together_are_refused(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    with pytest.raises(InputError, match="either a number of sites or a budget"):
        propose("cctv", candidates, grid_demand(cells), count=1, budget=1e6)
    with pytest.raises(InputError, match="either a number of sites or a budget"):
        propose("cctv", candidates, grid_demand(cells))


def test_grades_constant_matches_grid() -> None:
    assert GRADES == ("A", "B", "C", "D", "E")


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_cand=st.integers(2, 25),
    n_dem=st.integers(1, 60),
    count=st.integers(1, 5),
    spacing=st.sampled_from([None, 80.0]),
)
def test_explanations_add_up(
    seed: int, n_cand: int, n_dem: int, count: int, spacing: float | None
) -> None:
    """Marginal weights sum to the covered weight; features and districts agree with sites."""
    rng = np.random.default_rng(seed)
    cands = _points(
        [tuple(p) for p in rng.uniform(0, 600, (n_cand, 2))],
        candidate_id=[f"k{i}" for i in range(n_cand)],
        sig_cd="11290",
        name_ko="성북구",
    )
    cells = _points(
        [tuple(p) for p in rng.uniform(0, 600, (n_dem, 2))],
        cell_id=[f"g{i}" for i in range(n_dem)],
        score=rng.uniform(0, 3, n_dem),
        grade=rng.choice(["D", "E"], n_dem),
        sig_cd="11290",
        name_ko="성북구",
    )
    p = propose("cctv", cands, grid_demand(cells), count=min(count, n_cand), min_spacing=spacing)
    s = p.summary
    assert p.sites["marginal_weight"].sum() == pytest.approx(s["covered_weight"], abs=1e-9)
    assert p.covered["gain"].sum() == pytest.approx(s["covered_weight"], abs=1e-9)
    assert len(p.covered) == p.sites["new_features"].sum()
    assert (p.sites[["new_D", "new_E"]].sum(axis=1) == p.sites["new_features"]).all()
    assert p.districts["new_weight"].sum() == pytest.approx(s["covered_weight"], abs=1e-9)
    assert s["covered_weight"] <= s["upper_bound"] + 1e-9
    if spacing and len(p.sites) > 1:
        xy = p.sites[["x_m", "y_m"]].to_numpy()
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        assert d[np.triu_indices(len(xy), 1)].min() >= spacing - 1e-6


def test_shared_outputs_give_distance_bands_not_existing_devices(
    candidates: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    existing = _points(
        [(405, 105)], device_id=["old1"], device_type=["cctv"], install_year=[2020], n_devices=[4]
    )
    p = propose("cctv", candidates, grid_demand(cells), count=1, existing=existing)
    assert "nearest_existing_id" not in p.sites and "nearest_existing_m" not in p.sites
    assert p.sites["nearest_existing_band"].iloc[0] == "100 m 이상"  # 493 m away
    reason = p.sites["reason"].iloc[0]
    assert "100 m 이상" in reason and "493" not in reason and "old1" not in reason
    assert p.settings["exact_positions"] is False
