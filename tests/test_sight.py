"""Line of sight: buildings block cameras, indoor demand is dropped, bad building layers refused."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from affine import Affine
from typer.testing import CliRunner

from layers.errors import CRSError, InputError
from layers.riskgrid import RiskGrid
from layers.riskgrid.io import write_grid
from siting.cli import app
from siting.coverage import coverage_matrix
from siting.demand import grid_demand
from siting.propose import propose
from siting.sampling import sample_demand
from siting.sight import Buildings, drop_inside, visible_cover

X0, Y0, SIZE = 201_700.0, 555_200.0, 100.0


def _cells(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "cell_id": [f"{int(X0 + i * SIZE)}_{int(Y0)}" for i in range(n)],
            "score": [1.0] * n,
            "grade": "E",
            "sig_cd": "11290",
            "name_ko": "성북구",
        },
        geometry=gpd.points_from_xy([X0 + 50 + 100 * i for i in range(n)], [Y0 + 50] * n),
        crs="EPSG:5186",
    )


def test_a_wall_blocks_the_points_behind_it_only() -> None:
    wall = Buildings.from_geometries(np.array([shapely.box(10, -30, 12, 30)]))
    cams = np.array([[0.0, 0.0]])
    pts = np.array([[5.0, 0.0], [20.0, 0.0], [11.0, 45.0], [-20.0, 0.0]])
    cover = coverage_matrix(cams, pts, 50.0)
    seen, blocked = visible_cover(cover, cams, pts, wall)
    assert blocked == 1
    assert seen.toarray().tolist() == [[1, 0, 1, 1]]
    # A camera on the façade (touching the wall) still sees outward.
    on_wall = np.array([[12.0, 0.0]])
    cover2 = sp.csr_matrix(np.ones((1, 1), dtype=np.uint8))
    seen2, blocked2 = visible_cover(cover2, on_wall, np.array([[40.0, 0.0]]), wall)
    assert blocked2 == 0 and seen2.nnz == 1


def test_indoor_samples_are_dropped_and_cell_weight_is_kept() -> None:
    demand = sample_demand(grid_demand(_cells(2)), 100.0, 12.5)
    # One building over the west half of cell 0, one covering all of cell 1.
    footprints = Buildings.from_geometries(
        np.array(
            [shapely.box(X0, Y0, X0 + 50, Y0 + 100), shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100)]
        )
    )
    out, report = drop_inside(demand, footprints)
    assert out.samples is not None and len(out.frame) == 1
    assert len(out.samples) == 32  # the east half of cell 0
    assert out.samples.weight.sum() == pytest.approx(1.0)  # cell 0's score, conserved
    assert report["units_inside_buildings"] == 96
    assert out.dropped is not None and out.dropped["inside_buildings"]["features"] == 1


def test_propose_with_buildings_does_not_count_what_a_camera_cannot_see() -> None:
    cells = _cells(3)
    candidates = gpd.GeoDataFrame(
        {"candidate_id": ["west", "east"]},
        geometry=gpd.points_from_xy([X0 + 50, X0 + 250], [Y0 + 50, Y0 + 50]),
        crs="EPSG:5186",
    )
    # A long thin block just east of the west camera, 2 m off it: it hides cell 1 from it.
    block = gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 52, Y0 - 10, X0 + 54, Y0 + 110)], crs="EPSG:5186"
    )
    plain = propose("cctv", candidates, grid_demand(cells), count=2)
    seen = propose("cctv", candidates, grid_demand(cells), count=2, buildings=block)
    report = seen.summary["services"][0]["line_of_sight"]
    assert report["pairs_blocked"] > 0
    assert seen.summary["settings"]["line_of_sight"] is True
    west_plain = plain.candidates.set_index("candidate_id").loc["west", "standalone_gain"]
    west_seen = seen.candidates.set_index("candidate_id").loc["west", "standalone_gain"]
    assert west_seen < 0.6 * west_plain


def test_building_layer_checks(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="expected EPSG:5186"):
        Buildings.from_frame(frame)
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:5186")
    with pytest.raises(InputError, match="not polygons"):
        Buildings.from_frame(lines)


def _grid(tmp_path: Path) -> Path:
    score = np.ones((2, 3), dtype=np.float32)
    grade = np.full((2, 3), 5, dtype=np.uint8)
    path = tmp_path / "grid.tif"
    write_grid(
        RiskGrid(score, grade, Affine(SIZE, 0, X0, 0, -SIZE, Y0 + 2 * SIZE)),
        path,
        tags={"test": "fixture"},
    )
    return path


def test_cli_buildings_in_a_declared_crs_are_reprojected_and_undeclared_refused(
    tmp_path: Path,
) -> None:
    grid = _grid(tmp_path)
    footprint = gpd.GeoSeries(
        [shapely.box(X0 + 120, Y0 + 120, X0 + 180, Y0 + 180)], crs="EPSG:5186"
    )
    declared = tmp_path / "buildings_5174.shp"
    gpd.GeoDataFrame({"bld": [1]}, geometry=footprint.to_crs("EPSG:5174")).to_file(declared)
    args = ["propose", "--device", "cctv", "--district", "성북구", "--count", "2",
            "--grid", str(grid), "--lattice-spacing", "50"]  # fmt: skip
    out = tmp_path / "ok"
    result = CliRunner().invoke(app, [*args, "--buildings", str(declared), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    sight = summary["services"][0]["line_of_sight"]
    assert sight["units_inside_buildings"] > 0  # the 5174 footprint landed where it belongs
    # The same footprint without a .prj: refused, exit 2, nothing written.
    undeclared = tmp_path / "buildings_noprj.shp"
    gpd.GeoDataFrame({"bld": [1]}, geometry=footprint.to_crs("EPSG:5174")).to_file(undeclared)
    undeclared.with_suffix(".prj").unlink()
    bad = tmp_path / "bad"
    result = CliRunner().invoke(app, [*args, "--buildings", str(undeclared), "--out", str(bad)])
    assert result.exit_code == 2, result.output
    assert "buildings" in result.output and not bad.exists()
