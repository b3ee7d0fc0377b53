"""Grids on disk: GeoTIFF round trip, per-district counts, imports (EPSG:5179), the CLI."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from _riskgrid_fixtures import DISTRICT, points_in, squares_over
from affine import Affine
from typer.testing import CliRunner

from layers import ConfigError, InputError, load_districts
from layers.riskgrid import (
    Indicator,
    RiskGrid,
    build_risk_grid,
    grade_counts_by_district,
    import_grid,
    lattice_for,
    read_grid,
    write_grid,
)
from siting.cli import app

COLUMNS = [
    "sig_cd",
    "name_ko",
    "cells_total",
    "cells_A",
    "cells_B",
    "cells_C",
    "cells_D",
    "cells_E",
    "vulnerable_cells",
    "coverage_pct",
]


@pytest.fixture(scope="module")
def grid() -> RiskGrid:
    inds = [
        Indicator("pts", "points", points_in(DISTRICT, 800, 7), measure="density", bandwidth_m=200),
        Indicator("sq", "polygons", squares_over(DISTRICT, 600.0, 7), column="value"),
    ]
    return build_risk_grid(inds, cell_size=100, districts=[DISTRICT, "중구"]).grid


def test_written_and_read_back_grid_is_identical(grid: RiskGrid, tmp_path: Path) -> None:
    path = write_grid(
        grid, tmp_path / "g.tif", tags={"config": "x = 1", "inputs_sha256": {"a": "b"}}
    )
    back = read_grid(path)
    assert np.array_equal(back.score, grid.score, equal_nan=True)
    assert np.array_equal(back.grade, grid.grade)
    assert back.score.dtype == np.float32 and back.grade.dtype == np.uint8
    assert back.transform == grid.transform and back.crs == "EPSG:5186"
    assert back.cell_size == 100
    assert back.tags["config"] == "x = 1" and back.tags["inputs_sha256"] == '{"a": "b"}'
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 5186 and src.count == 2
        assert src.descriptions[0] == "score"
        assert np.isnan(src.nodata)
        assert np.isnan(src.read(2)[~grid.valid]).all()
    assert back.cells().equals(grid.cells())


def test_two_builds_are_identical(grid: RiskGrid) -> None:
    inds = [
        Indicator("pts", "points", points_in(DISTRICT, 800, 7), measure="density", bandwidth_m=200),
        Indicator("sq", "polygons", squares_over(DISTRICT, 600.0, 7), column="value"),
    ]
    again = build_risk_grid(inds, cell_size=100, districts=[DISTRICT, "중구"]).grid
    assert again.transform == grid.transform
    assert np.array_equal(again.grade, grid.grade)


def test_per_district_counts_add_up(grid: RiskGrid, tmp_path: Path) -> None:
    table = grade_counts_by_district(write_grid(grid, tmp_path / "g.tif", tags={}))
    assert table.columns.tolist() == COLUMNS
    assert len(table) == 25
    counts = grid.grade_counts()
    assert table.vulnerable_cells.sum() == counts["D"] + counts["E"]
    assert table.cells_total.sum() == int(grid.valid.sum())
    rest = table[~table.name_ko.isin([DISTRICT, "중구"])]
    assert (rest[COLUMNS[2:]] == 0).all().all()  # zeros where a district has no cell
    # the study district is covered (about 100 % of its area in graded cells)
    assert table.set_index("name_ko").loc[DISTRICT, "coverage_pct"] > 90
    only_e = grade_counts_by_district(grid, vulnerable_grades=["E"])
    assert only_e.vulnerable_cells.sum() == counts["E"]
    with pytest.raises(ConfigError, match="letters A..E"):
        grade_counts_by_district(grid, vulnerable_grades=["F"])


def _national_grid_5179(tmp_path: Path) -> tuple[gpd.GeoDataFrame, Path]:
    """100 m 국가지점번호-style cells in EPSG:5179 over 종로구, graded by a pattern."""
    d = load_districts().to_crs("EPSG:5179")
    x0, y0, x1, y1 = d[d.name_ko == DISTRICT].total_bounds
    xs = np.arange(np.floor(x0 / 100) * 100, x1, 100.0)
    ys = np.arange(np.floor(y0 / 100) * 100, y1, 100.0)
    gx, gy = np.meshgrid(xs, ys)
    codes = ((gx // 300 + gy // 500) % 5).ravel().astype(int)
    cells = gpd.GeoDataFrame(
        {"등급": np.array(list("ABCDE"))[codes], "score": codes * 1.5},
        geometry=shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 100, gy.ravel() + 100),
        crs="EPSG:5179",
    )
    path = tmp_path / "national_grid_5179.gpkg"
    cells.to_file(path)
    return cells, path


def test_import_polygons_on_the_national_grid_5179(tmp_path: Path) -> None:
    cells, path = _national_grid_5179(tmp_path)
    grid = import_grid(path, grade_column="등급", score_column="score")
    assert grid.crs == "EPSG:5186" and grid.cell_size == 100
    seoul = lattice_for(load_districts().total_bounds, 100)
    assert grid.transform == seoul.transform and grid.shape == seoul.shape  # a built grid's cells
    ours = grid.cells()
    assert "11110" in set(ours.sig_cd) and ours.sig_cd.notna().all()  # clipped to Seoul
    # every imported cell's grade is the grade of a source cell it overlaps
    squares = grid.cells(geometry="polygon")
    joined = gpd.sjoin(squares, cells.to_crs("EPSG:5186"), predicate="intersects")
    source = cells.to_crs("EPSG:5186").geometry.loc[joined.index_right].to_numpy()
    overlap = shapely.area(shapely.intersection(joined.geometry.to_numpy(), source))
    joined = joined[overlap > 0]
    agree = joined.groupby(level=0).apply(lambda g: (g.grade == g["등급"]).any())
    assert agree.all() and len(agree) == len(squares)


def test_import_grade_raster_in_5179(tmp_path: Path) -> None:
    cells, _ = _national_grid_5179(tmp_path)
    x0, y0, x1, y1 = cells.total_bounds
    width, height = int((x1 - x0) / 100), int((y1 - y0) / 100)
    data = (np.indices((height, width)).sum(axis=0) % 5 + 1).astype(np.uint8)
    path = tmp_path / "grades_5179.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
        crs="EPSG:5179", transform=Affine(100, 0, x0, 0, -100, y1), nodata=0,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    grid = import_grid(path)
    assert grid.valid.sum() > 2000
    assert set(np.unique(grid.grade[grid.valid]).tolist()) == {1, 2, 3, 4, 5}


def test_import_refuses_bad_grades(tmp_path: Path) -> None:
    cells, _ = _national_grid_5179(tmp_path)
    cells.loc[3, "등급"] = "Z"
    cells.to_file(tmp_path / "bad.gpkg")
    with pytest.raises(InputError, match="not grades A..E"):
        import_grid(tmp_path / "bad.gpkg", grade_column="등급")
    with pytest.raises(ConfigError, match="not found; the layer has"):
        import_grid(tmp_path / "bad.gpkg", grade_column="grade")


def test_import_of_our_own_outputs_is_identical(grid: RiskGrid, tmp_path: Path) -> None:
    seoul = build_risk_grid(
        [Indicator("pts", "points", points_in(DISTRICT, 300, 9))], cell_size=250
    ).grid
    write_grid(seoul, tmp_path / "g.tif", tags={})
    from_tif = import_grid(tmp_path / "g.tif")
    seoul.cells(geometry="polygon").to_file(tmp_path / "cells.gpkg")
    from_cells = import_grid(tmp_path / "cells.gpkg", score_column="score")  # finds 'grade'
    for other in (from_tif, from_cells):
        assert other.transform == seoul.transform
        assert np.array_equal(other.grade, seoul.grade)
        assert np.array_equal(other.score, seoul.score, equal_nan=True)


def test_read_grid_refuses_a_foreign_raster(tmp_path: Path) -> None:
    path = tmp_path / "one.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8",
        crs="EPSG:5179", transform=Affine(100, 0, 950_000, 0, -100, 1_950_000),
    ) as dst:  # fmt: skip
        dst.write(np.ones((1, 2, 2), dtype=np.uint8))
    with pytest.raises(InputError, match="siting grid import"):
        read_grid(path)


_CONFIG = """
[grid]
name = "test_grid"
cell_size_m = 200
districts = ["종로구"]

[[indicators]]
name = "pop"
kind = "polygons"
path = "builtin:districts"
column = "population_2024q4"
attribute = "count"

[[indicators]]
name = "cctv"
kind = "polygons"
path = "builtin:dongs"
column = "emd_cd"
attribute = "rate"
direction = "lowers"
"""


def test_cli_build_summarize_import(tmp_path: Path) -> None:
    (tmp_path / "grid.toml").write_text(_CONFIG, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["grid", "build", "--config", str(tmp_path / "grid.toml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "test_grid.tif").exists() and (out / "test_grid_by_district.csv").exists()
    assert (out / "test_grid.toml").read_text(encoding="utf-8") == _CONFIG
    tags = read_grid(out / "test_grid.tif").tags
    assert "grid.toml" in tags["inputs_sha256"] and tags["config"].strip() == _CONFIG.strip()
    result = runner.invoke(app, ["grid", "summarize", str(out / "test_grid.tif")])
    assert result.exit_code == 0 and "종로구" in result.output
    _, national = _national_grid_5179(tmp_path)
    result = runner.invoke(
        app,
        ["grid", "import", str(national), "--grade-column", "등급", "--out", str(tmp_path / "i")],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "i" / "national_grid_5179_imported.tif").exists()


def test_cli_bad_config_is_one_message_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "grid.toml").write_text(_CONFIG.replace("200", "0"), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["grid", "build", "--config", str(tmp_path / "grid.toml"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "cell_size_m = 0" in result.output
