"""Demand below the grid cell: sampling, --where layers, existing cameras at sample resolution."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from layers.errors import InfeasibleError, InputError
from layers.riskgrid import RiskGrid
from layers.riskgrid.io import write_grid
from siting.cli import app
from siting.demand import grid_demand
from siting.profiles import get_profile
from siting.propose import propose
from siting.sampling import cell_lookup, sample_cells, sample_demand, sample_where

# 100 m cells wholly inside 성북구 (EPSG:5186, m); corner of the block.
X0, Y0, SIZE = 201_700.0, 555_200.0, 100.0


def _cells(scores: dict[tuple[int, int], float], grade: str = "E") -> gpd.GeoDataFrame:
    """Grid cells (centroids) with RiskGrid-style ids, at column i, row j from (X0, Y0)."""
    keys = sorted(scores)
    x = [X0 + (i + 0.5) * SIZE for i, _ in keys]
    y = [Y0 + (j + 0.5) * SIZE for _, j in keys]
    return gpd.GeoDataFrame(
        {
            "cell_id": [f"{int(X0 + i * SIZE)}_{int(Y0 + j * SIZE)}" for i, j in keys],
            "score": [scores[k] for k in keys],
            "grade": grade,
            "sig_cd": "11290",
            "name_ko": "성북구",
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:5186",
    )


def _points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        dict(columns),
        geometry=gpd.points_from_xy([a for a, _ in xy], [b for _, b in xy]),
        crs="EPSG:5186",
    )


@settings(max_examples=40, deadline=None)
@given(
    spacing=st.floats(3.0, 120.0),
    scores=st.lists(st.floats(0.0, 1e6, allow_subnormal=False), min_size=1, max_size=6),
)
def test_sampling_conserves_each_cells_weight_and_area(spacing: float, scores: list[float]) -> None:
    centres = np.array([[X0 + 50 + 100 * i, Y0 + 50] for i in range(len(scores))])
    s = sample_cells(centres, SIZE, np.array(scores), spacing)
    per_cell = np.bincount(s.feature, weights=s.weight, minlength=len(scores))
    assert per_cell == pytest.approx(scores, rel=1e-12, abs=1e-9)
    area = np.bincount(s.feature, weights=s.measure, minlength=len(scores))
    assert area == pytest.approx([SIZE * SIZE] * len(scores))
    assert s.spacing_m <= spacing + 1e-9
    # Every sample lies in its own cell.
    assert (cell_lookup(centres, SIZE, s.xy) == s.feature).all()


def test_default_spacing_is_a_quarter_of_the_radius() -> None:
    assert get_profile("cctv").demand_spacing == 12.5
    assert get_profile("cctv", radius_m=80).demand_spacing == 20.0
    assert get_profile("pole").demand_spacing == 12.5  # the pole's CCTV service radius
    demand = grid_demand(_cells({(0, 0): 6.4}))
    assert demand.cell_size_m == pytest.approx(100.0)
    fine = sample_demand(demand, 100.0, 12.5)
    assert fine.samples is not None and len(fine.samples) == 64
    assert fine.samples.weight == pytest.approx([0.1] * 64)


def test_where_lines_polygons_and_points_share_the_cell_score() -> None:
    centres = np.array([[X0 + 50, Y0 + 50], [X0 + 150, Y0 + 50]])
    weights = np.array([10.0, 4.0])
    street = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0, Y0 + 20), (X0 + 100, Y0 + 20)])], crs="EPSG:5186"
    )
    lines = sample_where(centres, SIZE, weights, 12.5, street)
    assert lines.unit == "m" and set(lines.feature.tolist()) == {0}
    assert lines.measure.sum() == pytest.approx(100.0)
    assert lines.weight.sum() == pytest.approx(10.0)  # only the cell the street runs through
    assert (np.abs(lines.xy[:, 1] - (Y0 + 20)) < 1e-6).all()
    sidewalk = gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 25)], crs="EPSG:5186"
    )
    polys = sample_where(centres, SIZE, weights, 12.5, sidewalk)
    assert polys.unit == "m²" and set(polys.feature.tolist()) == {1}
    assert polys.measure.sum() == pytest.approx(2 * 8 * 12.5 * 12.5)  # two sample rows
    assert polys.weight.sum() == pytest.approx(4.0)
    doors = _points([(X0 + 10, Y0 + 10), (X0 + 90, Y0 + 90), (X0 + 150, Y0 + 50)])
    pts = sample_where(centres, SIZE, weights, 12.5, doors)
    assert pts.unit == "places"
    assert pts.weight.tolist() == pytest.approx([5.0, 5.0, 4.0])


def test_where_layer_missing_the_study_area_is_refused(tmp_path: Path) -> None:
    centres = np.array([[X0 + 50, Y0 + 50]])
    far = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 + 5_000, Y0), (X0 + 5_100, Y0)])], crs="EPSG:5186"
    )
    with pytest.raises(InputError, match="reaches a demand cell"):
        sample_where(centres, SIZE, np.array([1.0]), 12.5, far)


def test_where_cells_without_people_are_dropped_and_counted() -> None:
    demand = grid_demand(_cells({(0, 0): 3.0, (1, 0): 1.0}))
    street = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0, Y0 + 50), (X0 + 100, Y0 + 50)])], crs="EPSG:5186"
    )
    fine = sample_demand(demand, 100.0, 12.5, where=street)
    assert len(fine.frame) == 1 and fine.dropped is not None
    dropped = fine.dropped["cells_without_where"]
    assert dropped["cells"] == 1 and dropped["weight"] == pytest.approx(1.0)
    assert dropped["share_pct"] == pytest.approx(25.0)
    assert fine.report()["dropped"]["cells_without_where"]["cells"] == 1


def test_camera_on_a_cell_corner_watches_its_disc_and_no_site_re_covers_it() -> None:
    """An existing camera where four cells meet (70.7 m from each centroid)."""
    cells = _cells({(i, j): 1.0 for i in range(4) for j in range(4)})
    corner = (X0 + 200.0, Y0 + 200.0)
    existing = _points([corner], device_id=["cam-1"], device_type=["cctv"], n_devices=[4])
    # Candidates: one exactly on the existing camera, one 20 m from it, and a lattice.
    lattice = [(X0 + 50 + 100 * i, Y0 + 50 + 100 * j) for i in range(4) for j in range(4)]
    cand_xy = [corner, (corner[0] + 20, corner[1]), *lattice]
    candidates = _points(cand_xy, candidate_id=[f"c{k}" for k in range(len(cand_xy))])
    p = propose("cctv", candidates, grid_demand(cells), count=4, existing=existing, solver="exact")
    service = p.summary["services"][0]
    # The cell-centroid model saw nothing; here the camera watches its 50 m disc.
    disc = np.pi * 50**2
    assert service["covered_by_existing_area_m2"] == pytest.approx(disc, rel=0.06)
    assert service["covered_by_existing_weight"] > 0
    # No chosen site gains anything inside the disc.
    chosen = set(p.sites["candidate_id"])
    assert "c0" not in chosen
    covered = p.covered
    assert len(covered) and (p.sites["new_samples"] > 1).all()
    fine = sample_demand(grid_demand(cells), 100.0, 12.5)
    assert fine.samples is not None
    in_disc = np.hypot(*(fine.samples.xy - np.array(corner)).T) <= 50
    assert in_disc.sum() > 40
    # Every sample inside the disc was already watched: residual 0 there, so no gain.
    from siting.coverage import coverage_matrix, uncovered_weights

    cover = coverage_matrix(np.array([corner]), fine.samples.xy, 50.0)
    residual = uncovered_weights(fine.samples.weight, cover)
    assert (residual[in_disc] == 0).all()
    gained = p.sites["marginal_weight"].sum()
    assert gained == pytest.approx(p.summary["covered_weight"])
    assert gained <= float(residual.sum()) + 1e-9


def test_spacing_to_existing_removes_candidates_near_cameras() -> None:
    cells = _cells({(i, 0): 1.0 for i in range(6)})
    existing = _points([(X0 + 50, Y0 + 50)], device_type=["cctv"])
    candidates = _points(
        [(X0 + 50 + 100 * i, Y0 + 50) for i in range(6)], candidate_id=[f"c{i}" for i in range(6)]
    )
    p = propose(
        "cctv", candidates, grid_demand(cells), count=3, existing=existing, spacing_to_existing=150
    )
    assert p.summary["n_candidates_near_existing"] == 2
    assert not {"c0", "c1"} & set(p.sites["candidate_id"])
    with pytest.raises(InfeasibleError, match="150 m or more from an existing"):
        propose(
            "cctv", candidates, grid_demand(cells), count=5, existing=existing,
            spacing_to_existing=150,
        )  # fmt: skip
    with pytest.raises(InfeasibleError, match="closer than 150 m"):
        propose(
            "cctv", candidates, grid_demand(cells), count=2, existing=existing,
            spacing_to_existing=150, must_include=["c1"],
        )  # fmt: skip


def test_aged_cameras_get_partial_credit_at_the_inventory_as_of_year() -> None:
    cells = _cells({(0, 0): 6.4})
    existing = _points(
        [(X0 + 50, Y0 + 50)], device_type=["cctv"], install_year=[2015], device_id=["old"]
    )
    existing.attrs["as_of"] = "2023-06-30"
    candidates = _points([(X0 + 40, Y0 + 50)], candidate_id=["c1"])
    prof = get_profile("cctv", aged_credit=0.25)
    p = propose("cctv", candidates, grid_demand(cells), count=1, existing=existing, profile=prof)
    assert p.summary["settings"]["reference_year"] == 2023
    assert "as-of" in p.summary["settings"]["reference_year_source"]
    service = p.summary["services"][0]
    assert service["n_existing_aged"] == 1  # 2023 − 2015 = 8 ≥ 8
    # The aged camera watches most of the cell at a quarter credit; the site adds the rest.
    assert service["covered_by_existing_weight"] < 6.4 * 0.25 + 1e-9
    assert p.summary["covered_weight"] > 6.4 * 0.5
    existing.attrs["as_of"] = "2022-01-31"  # 7 years old: not aged, full credit
    p2 = propose("cctv", candidates, grid_demand(cells), count=1, existing=existing, profile=prof)
    assert p2.summary["services"][0]["n_existing_aged"] == 0
    assert p2.summary["covered_weight"] < p.summary["covered_weight"]


def test_pole_aged_credit_uses_the_service_device_age() -> None:
    cells = _cells({(0, 0): 6.4})
    existing = _points(
        [(X0 + 50, Y0 + 50)], device_type=["cctv"], install_year=[2010], device_id=["old"]
    )
    candidates = _points([(X0 + 40, Y0 + 50)], candidate_id=["c1"])
    prof = get_profile("pole", aged_credit=0.0)
    p = propose(
        "pole", candidates, {"cctv": grid_demand(cells)}, count=1, existing=existing, profile=prof
    )
    assert p.summary["services"][0]["n_existing_aged"] == 1
    assert p.summary["services"][0]["covered_by_existing_weight"] == 0.0


def _grid(tmp_path: Path) -> Path:
    rows, cols = 6, 8
    score = np.arange(rows * cols, dtype=np.float32).reshape(rows, cols) / 10 + 1
    grade = np.full((rows, cols), 5, dtype=np.uint8)
    transform = Affine(SIZE, 0, X0, 0, -SIZE, Y0 + rows * SIZE)
    path = tmp_path / "grid.tif"
    write_grid(RiskGrid(score, grade, transform), path, tags={"test": "fixture"})
    return path


def test_cli_where_layer_and_its_errors(tmp_path: Path) -> None:
    grid = _grid(tmp_path)
    street = gpd.GeoDataFrame(
        {"name": ["A-ro"]},
        geometry=[shapely.LineString([(X0, Y0 + 250), (X0 + 800, Y0 + 250)])],
        crs="EPSG:5186",
    )
    street_path = tmp_path / "street.gpkg"
    street.to_file(street_path)
    out = tmp_path / "out"
    args = ["propose", "--device", "cctv", "--district", "성북구", "--count", "3",
            "--grid", str(grid), "--lattice-spacing", "50"]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--where", str(street_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    samples = summary["services"][0]["demand"]["samples"]
    assert samples["unit"] == "m" and samples["total_measure"] == pytest.approx(800.0)
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    assert "new_length_m" in sites and (sites["new_length_m"] > 0).all()
    assert {"lon", "lat", "district", "dong"} <= set(sites.columns)
    # A where layer far from the study area: exit 2, nothing written.
    far = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 + 9_000, Y0), (X0 + 9_500, Y0)])], crs="EPSG:5186"
    )
    far_path = tmp_path / "far.gpkg"
    far.to_file(far_path)
    bad = tmp_path / "bad"
    result = CliRunner().invoke(app, [*args, "--where", str(far_path), "--out", str(bad)])
    assert result.exit_code == 2, result.output
    assert "where" in result.output and not bad.exists()


def test_quota_larger_than_candidates_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    grid = _grid(tmp_path)
    csv = tmp_path / "c.csv"
    csv.write_text(
        "x,y\n" + "".join(f"{X0 + 50 + 100 * i},{Y0 + 50}\n" for i in range(3)), encoding="utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["propose", "--device", "cctv", "--district", "성북구", "--count", "4",
         "--grid", str(grid), "--candidates", str(csv), "--crs", "EPSG:5186",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "4 sites requested but only 3" in result.output
    assert not out.exists()


def test_per_district_quota_runs_each_district_on_its_own(tmp_path: Path) -> None:
    grid = _grid(tmp_path)
    out = tmp_path / "quota"
    result = CliRunner().invoke(
        app,
        ["propose", "--device", "cctv", "--district", "성북구", "--per-district", "2",
         "--grid", str(grid), "--lattice-spacing", "50", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sites = gpd.read_file(out / "plan_sites.gpkg", layer="sites")
    assert len(sites) == 2 and set(sites["sig_cd"]) == {"11290"}
    assert (sites["new_samples"] > 1).all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["quota"] == {"per_district": 2, "total": None, "fair_share": None}
    both = tmp_path / "both"
    result = CliRunner().invoke(
        app,
        ["propose", "--device", "cctv", "--district", "성북구", "--per-district", "2",
         "--count", "3", "--grid", str(grid), "--out", str(both)],
    )  # fmt: skip
    assert result.exit_code == 2 and not both.exists()


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 1000),
    count=st.integers(1, 5),
    n_existing=st.integers(0, 3),
    credit=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_explanations_in_real_units_add_up(
    seed: int, count: int, n_existing: int, credit: float
) -> None:
    rng = np.random.default_rng(seed)
    cells = _cells({(i, j): float(rng.gamma(2.0)) for i in range(5) for j in range(3)})
    cand_xy = [(X0 + rng.uniform(0, 500), Y0 + rng.uniform(0, 300)) for _ in range(12)]
    candidates = _points(cand_xy, candidate_id=[f"c{k}" for k in range(12)])
    ex_xy = [(X0 + rng.uniform(0, 500), Y0 + rng.uniform(0, 300)) for _ in range(n_existing)]
    existing = (
        _points(ex_xy, device_type=["cctv"] * n_existing, install_year=[2010] * n_existing)
        if n_existing
        else None
    )
    prof = get_profile("cctv", aged_credit=credit)
    p = propose(
        "cctv", candidates, grid_demand(cells), count=count, existing=existing, profile=prof
    )
    s = p.summary
    service = s["services"][0]
    total_area = 15 * SIZE * SIZE
    assert service["demand_area_m2"] == pytest.approx(total_area)
    new_area = float(p.sites["new_area_m2"].sum()) if len(p.sites) else 0.0
    assert service["covered_by_existing_area_m2"] + new_area <= total_area + 1e-6
    assert p.covered["new_area_m2"].sum() == pytest.approx(new_area)
    assert p.districts["new_area_m2"].sum() == pytest.approx(new_area)
    assert p.sites["marginal_weight"].sum() == pytest.approx(s["covered_weight"])
    district_total = float(grid_demand(cells).weights.sum())
    assert p.sites["district_risk_pct"].sum() == pytest.approx(
        100 * s["covered_weight"] / district_total
    )
    assert (p.covered["covered_share_pct"] <= 100 + 1e-9).all()
