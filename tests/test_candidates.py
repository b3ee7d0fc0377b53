"""Candidates that exist on the street: streetlights, security lights, CCTV poles, lattice fallback."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer

from layers.errors import InputError
from siting.candidates import (
    CANDIDATE_SOURCES,
    combine_candidates,
    fill_with_lattice,
    lattice_candidates,
    lattice_near_demand,
    read_candidates,
    study_area,
)
from siting.demand import layer_demand
from siting.propose import propose
from siting.site_capacity import CameraSiteModel
from tests._korean_fixtures import (
    SAFETY_HEADER,
    security_light_csv,
    streetlight_csv,
    write_csv,
)

# A box wholly inside 성북구 (EPSG:5186, m).
X0, Y0 = 201_700.0, 555_200.0
_TO_WGS84 = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)


def _points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    x = [X0 + a for a, _ in xy]
    y = [Y0 + b for _, b in xy]
    return gpd.GeoDataFrame(dict(columns), geometry=gpd.points_from_xy(x, y), crs="EPSG:5186")


def _safety_poles(path: Path, poles: list[tuple[float, float, int]]) -> Path:
    """안심이 CCTV CSV (CP949) of poles at (dx, dy) metres from the box corner with n cameras."""
    rows: list[list[object]] = []
    for i, (dx, dy, n) in enumerate(poles, start=1):
        lon, lat = _TO_WGS84.transform(X0 + dx, Y0 + dy)
        rows.append(
            ["성북구", f"서울특별시 성북구 안심로 {i}", f"{lat:.7f}", f"{lon:.7f}", n, "2024-03-01"]
        )
    return write_csv(path, SAFETY_HEADER, rows)


@pytest.fixture(scope="module")
def area() -> gpd.GeoDataFrame:
    return study_area(["성북구"])


def test_cctv_poles_take_more_cameras_up_to_their_capacity(
    tmp_path: Path, area: gpd.GeoDataFrame
) -> None:
    path = _safety_poles(tmp_path / "poles.csv", [(0, 0, 1), (200, 0, 2), (400, 0, 5), (600, 0, 6)])
    model = CameraSiteModel(
        cameras_per_site=4, site_capacity=6, camera_cost_krw=5_000_000, min_cameras_added=1
    )
    cset = read_candidates(path, area, site_model=model)
    frame = cset.frame
    assert (frame["candidate_source"] == "cctv_pole").all()
    assert frame["existing_cameras"].tolist() == [1, 2, 5]
    assert frame["cameras_added"].tolist() == [4, 4, 1]
    assert frame["cost_krw"].tolist() == [20_000_000.0, 20_000_000.0, 5_000_000.0]
    report = cset.report()
    assert report["n_full_sites_removed"] == 1  # the 6-camera pole has no room left
    # by default a pole must take a full set of 4: the 5-camera pole is no candidate either
    full_sets = read_candidates(path, area, site_model=CameraSiteModel())
    assert full_sets.frame["cameras_added"].tolist() == [4, 4]
    assert full_sets.n_full_sites == 2
    assert report["kept_by_source"] == {"cctv_pole": 3}
    assert report["site_model"]["site_cost_krw"] == 20_000_000.0
    assert "안심이" in report["source"]


def test_a_budget_buys_a_new_site_and_a_top_up_on_a_fuller_pole(area: gpd.GeoDataFrame) -> None:
    """25,000,000 KRW: one new 4-camera site (20 M) plus one camera on a 5-camera pole (5 M)."""
    model = CameraSiteModel(
        cameras_per_site=4, site_capacity=6, camera_cost_krw=5_000_000, min_cameras_added=1
    )
    cands = _points(
        [(0, 0), (300, 0), (600, 0)],
        candidate_id=["light-A", "pole-B", "light-B"],
        candidate_source=["streetlight", "cctv_pole", "streetlight"],
        existing_cameras=[0, 5, 0],
    )
    from siting.candidates import prepare_candidates

    cset = prepare_candidates(cands, area, site_model=model)
    demand = layer_demand(
        _points([(0, 10), (300, 10), (560, 0)], weight=[5.0, 3.0, 3.5]), name="synthetic"
    )
    out = propose("cctv", cset, demand, budget=25_000_000.0, seed=0)
    chosen = set(out.sites["candidate_id"])
    assert chosen == {"light-A", "pole-B"}
    spent = out.candidates.loc[out.candidates["selected"], "cost_krw"].sum()
    assert spent == 25_000_000.0
    cameras = out.candidates.loc[out.candidates["selected"], "cameras_added"].sum()
    assert cameras == 5


def test_lattice_is_generated_only_within_reach_of_demand(area: gpd.GeoDataFrame) -> None:
    demand_xy = np.array([[X0 + 10, Y0 + 10], [X0 + 800, Y0 + 600]])
    kept, n_far = lattice_near_demand(area, 50.0, demand_xy, reach_m=50.0)
    full = lattice_candidates(area, 50.0)
    assert len(kept) + n_far == len(full)
    assert 0 < len(kept) <= 2 * 9  # at most ~π·50²/50² ≈ 3–4 points each, never the district
    xy = np.column_stack([kept.geometry.x, kept.geometry.y])
    nearest = np.min(np.hypot(*(xy[:, None, :] - demand_xy[None, :, :]).transpose(2, 0, 1)), axis=1)
    assert (nearest <= 50.0 + 1e-9).all()
    assert set(kept["candidate_id"]) <= set(full["candidate_id"])
    assert (kept["candidate_source"] == "lattice").all()


def test_lattice_fills_only_the_gaps_street_candidates_leave(area: gpd.GeoDataFrame) -> None:
    from siting.candidates import prepare_candidates

    lights = prepare_candidates(
        _points([(0, 0)], candidate_id=["SL-1"]), area, candidate_source="streetlight"
    )
    demand_xy = np.array([[X0 + 20, Y0], [X0 + 700, Y0 + 500]])
    out = fill_with_lattice(lights, area, demand_xy, spacing_m=50.0, reach_m=50.0)
    sources = out.by_source()
    assert sources["streetlight"] == 1 and sources["lattice"] >= 1
    lattice = out.frame[out.frame["candidate_source"] == "lattice"]
    d = np.hypot(lattice.geometry.x - (X0 + 700), lattice.geometry.y - (Y0 + 500))
    assert (d <= 50.0 + 1e-9).all()  # none near the demand the streetlight already reaches
    assert "lattice" in out.source and "where no street candidate" in out.source
    alone = fill_with_lattice(None, area, demand_xy, spacing_m=50.0, reach_m=50.0)
    assert set(alone.by_source()) == {"lattice"} and alone.n_far_from_demand > 0


def test_reader_kinds_name_the_source_and_layers_combine(tmp_path: Path) -> None:
    seoul = study_area(None)
    lights = read_candidates(streetlight_csv(tmp_path / "lights.csv"), seoul)
    security = read_candidates(security_light_csv(tmp_path / "security.csv"), seoul)
    assert set(lights.frame["candidate_source"]) == {"streetlight"}
    assert set(security.frame["candidate_source"]) == {"security_light"}
    both = combine_candidates([lights, security])
    assert both.by_source() == {"security_light": len(security.frame), "streetlight": 3}
    assert both.frame["candidate_id"].is_unique
    assert both.n_input == lights.n_input + security.n_input
    assert set(CANDIDATE_SOURCES) >= set(both.by_source())


def test_site_model_refuses_a_capacity_below_a_new_site() -> None:
    with pytest.raises(InputError, match="capacity"):
        CameraSiteModel(cameras_per_site=4, site_capacity=3)
