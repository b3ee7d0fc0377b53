"""``siting propose`` / ``siting replace`` on a risk-grid GeoTIFF, smart poles, polygon demand."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from typer.testing import CliRunner

from layers.riskgrid import RiskGrid
from layers.riskgrid.io import write_grid
from siting.cli import app
from siting.demand import layer_demand
from siting.propose import propose

# 6 × 8 cells of 100 m inside 성북구; lower-left corner (201 700, 555 200) in EPSG:5186.
X0, Y0, SIZE, ROWS, COLS = 201_700.0, 555_200.0, 100.0, 6, 8


@pytest.fixture
def grid_path(tmp_path: Path) -> Path:
    score = np.arange(ROWS * COLS, dtype=np.float32).reshape(ROWS, COLS) / 10
    grade = np.ones((ROWS, COLS), dtype=np.uint8)  # A
    grade[0, :] = 5  # top row E (scores 0.0–0.7)
    grade[ROWS - 1, :] = 4  # bottom row D (scores 4.0–4.7)
    transform = Affine(SIZE, 0, X0, 0, -SIZE, Y0 + ROWS * SIZE)
    path = tmp_path / "grid.tif"
    write_grid(RiskGrid(score, grade, transform), path, tags={"test": "fixture"})
    return path


def _cell_centre(row: int, col: int) -> tuple[float, float]:
    return X0 + (col + 0.5) * SIZE, Y0 + (ROWS - row - 0.5) * SIZE


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_cctv_on_a_grid_covers_d_and_e_cells_only(grid_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cctv"
    code, output = _invoke(
        [
            "propose", "--device", "cctv", "--district", "성북구", "--count", "3",
            "--grid", str(grid_path), "--lattice-spacing", "25", "--solver", "exact",
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    service = summary["services"][0]
    assert service["demand"]["features_by_grade"] == {"D": 8, "E": 8}
    # 12.5 m samples: 8 × 8 per 100 m cell, each 156.25 m², cell scores conserved.
    assert service["demand"]["samples"]["n_samples"] == 16 * 64
    assert service["demand"]["samples"]["total_measure"] == pytest.approx(16 * 100 * 100)
    assert summary["status"] == "optimal" and summary["gap"] == pytest.approx(0.0, abs=1e-9)
    assert summary["stopped_by_time_limit"] is False
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    # Sites sit on the D row (bottom, scores 4.0–4.7), each watching part of several cells.
    assert (sites["y_m"] < Y0 + SIZE + 50).all()
    assert (sites["new_samples"] > 1).all()
    assert sites["new_area_m2"].tolist() == pytest.approx((sites["new_samples"] * 156.25).tolist())
    total = 8 * 0.35 + sum(4.0 + c / 10 for c in range(8))  # all D/E weight in 성북구
    assert sites["district_risk_pct"].tolist() == pytest.approx(
        (100 * sites["marginal_weight"] / total).tolist()
    )
    assert sites["marginal_weight"].sum() == pytest.approx(summary["covered_weight"])
    assert "m²" in sites["reason"].iloc[0] and "취약 위험의" in sites["reason"].iloc[0]
    covered = gpd.read_file(out / "proposal.gpkg", layer="covered")
    assert set(covered["grade"]) == {"D"}
    assert (covered["covered_share_pct"] < 100).any()
    districts = (out / "districts.csv").read_text(encoding="utf-8-sig")
    assert "성북구" in districts and "new_area_m2" in districts


def test_cell_centroid_model_is_one_setting_away(grid_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cctv"
    code, output = _invoke(
        [
            "propose", "--device", "cctv", "--district", "성북구", "--count", "3",
            "--grid", str(grid_path), "--lattice-spacing", "25", "--solver", "exact",
            "--demand-spacing", "0", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    # the three D cells with the highest scores (bottom row, right end): 4.7, 4.6, 4.5
    assert sites["marginal_weight"].round(3).tolist() == [4.7, 4.6, 4.5]
    assert sites["new_D"].tolist() == [1, 1, 1]
    assert "new_area_m2" not in sites


def test_pole_with_grid_places_zones_and_existing(grid_path: Path, tmp_path: Path) -> None:
    e_x, e_y = _cell_centre(0, 0)
    places = _csv(
        tmp_path / "places.csv",
        "x,y,weight",
        [f"{e_x + 10},{e_y},50", f"{e_x + 20},{e_y + 5},50"],
    )
    zones = gpd.GeoDataFrame(geometry=[shapely.Point(e_x, e_y).buffer(20)], crs="EPSG:5186")
    zones.to_file(tmp_path / "zones.gpkg", driver="GPKG")
    existing = _csv(
        tmp_path / "existing.csv",
        "device_id,device_type,x,y,install_year",
        [f"c1,cctv,{e_x + 300},{e_y},2015", f"w1,wifi,{e_x + 305},{e_y},2016",
         f"c2,cctv,{e_x + 302},{e_y + 6},2019"],
    )  # fmt: skip
    out = tmp_path / "pole"
    code, output = _invoke(
        [
            "propose", "--device", "pole", "--district", "성북구", "--count", "1",
            "--grid", str(grid_path), "--demand", str(places), "--existing", str(existing),
            "--child-zones", str(tmp_path / "zones.gpkg"), "--lattice-spacing", "20",
            "--crs", "EPSG:5186", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [s["service"] for s in summary["services"]] == ["cctv", "wifi"]
    assert summary["candidates"]["n_outside_child_zone_buffer"] > 0
    assert summary["n_clutter_groups"] == 1
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    assert sites["wifi_new_features"].iloc[0] == 2  # both places near the zone
    assert sites["services"].iloc[0] == "cctv, wifi"
    assert shapely.Point(e_x, e_y).distance(sites.geometry.iloc[0]) <= 300 + 20
    # groups of existing devices locate them: written only with --exact-positions
    assert "clutter" not in gpd.list_layers(out / "proposal.gpkg")["name"].tolist()
    assert "nearest_clutter_band" in sites and "nearest_clutter_id" not in sites
    internal = tmp_path / "pole-internal"
    code, output = _invoke(
        [
            "propose", "--device", "pole", "--district", "성북구", "--count", "1",
            "--grid", str(grid_path), "--demand", str(places), "--existing", str(existing),
            "--child-zones", str(tmp_path / "zones.gpkg"), "--lattice-spacing", "20",
            "--crs", "EPSG:5186", "--exact-positions", "--out", str(internal),
        ]
    )  # fmt: skip
    assert code == 0, output
    clutter = gpd.read_file(internal / "proposal.gpkg", layer="clutter")
    assert clutter["device_types"].iloc[0] == "cctv×2, wifi×1"
    exact = gpd.read_file(internal / "proposal.gpkg", layer="proposals")
    assert exact["nearest_clutter_id"].iloc[0] == clutter["cluster_id"].iloc[0]


def test_replace_on_grid_moves_a_badly_placed_camera(grid_path: Path, tmp_path: Path) -> None:
    d_x, d_y = _cell_centre(ROWS - 1, COLS - 1)  # the highest-scored D cell
    devices = _csv(
        tmp_path / "cctv.csv",
        "device_id,x,y,install_year,n_devices",
        [f"old,{d_x - 50},{d_y + 50},2012,4", f"new,{d_x - 400},{d_y},2023,4"],
    )
    candidates = _csv(tmp_path / "lights.csv", "candidate_id,x,y", [f"L1,{d_x - 5},{d_y}"])
    out = tmp_path / "replace"
    code, output = _invoke(
        [
            "replace", str(devices), "--grid", str(grid_path), "--candidates", str(candidates),
            "--move-within", "100", "--crs", "EPSG:5186", "--min-age", "10", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    plan = gpd.read_file(out / "replacement.gpkg", layer="replacement")
    row = plan.set_index("device_id").loc["old"]
    assert row["action"] == "move" and row["new_candidate_id"] == "L1"
    assert row["covered_weight"] == pytest.approx(0.0)  # on a cell corner: 71 m from each centre
    assert row["gain_if_moved"] == pytest.approx(4.7, abs=1e-5)
    assert "new" not in plan["device_id"].tolist()  # 1 year old: not eligible
    assert gpd.list_layers(out / "replacement.gpkg")["name"].tolist() == ["replacement", "moved_to"]


def test_polygon_demand_counts_a_park_reached_by_its_edge() -> None:
    park = shapely.box(X0 + 140, Y0, X0 + 400, Y0 + 200)  # edge 40 m east of site a
    demand = layer_demand(
        gpd.GeoDataFrame({"weight": [10.0]}, geometry=[park], crs="EPSG:5186"), layer="parks"
    )
    sites = gpd.GeoDataFrame(
        {"candidate_id": ["a", "b"]},
        geometry=gpd.points_from_xy([X0 + 100, X0 + 1000], [Y0 + 100, Y0 + 100]),
        crs="EPSG:5186",
    )
    p = propose("wifi", sites, demand, count=1)
    assert p.sites["candidate_id"].tolist() == ["a"]
    assert p.summary["covered_weight"] == pytest.approx(10.0)
    assert p.summary["services"][0]["demand"]["geometry"] == "polygons"
