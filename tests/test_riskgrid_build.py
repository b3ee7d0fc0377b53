"""Building grids: alignment, district membership, row-order independence, bad configs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from _riskgrid_fixtures import DISTRICT, points_in, squares_over
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import ConfigError, load_districts
from layers.riskgrid import (
    Grading,
    Indicator,
    Learning,
    build_from_config,
    build_risk_grid,
    parse_config,
)


def _indicators(points: gpd.GeoDataFrame, squares: gpd.GeoDataFrame) -> list[Indicator]:
    return [
        Indicator("pts", "points", points, measure="density", bandwidth_m=250),
        Indicator("wsum", "points", points, column="w", weight=0.5),
        Indicator("people", "polygons", squares, column="people", attribute="count"),
        Indicator(
            "rate", "polygons", squares, column="value", direction="lowers", normalise="rank"
        ),
    ]


def test_cells_align_to_multiples_of_the_cell_size() -> None:
    pts = points_in(DISTRICT, 200, 0)
    one = build_risk_grid([Indicator("p", "points", pts)], cell_size=100, districts=[DISTRICT])
    two = build_risk_grid(
        [Indicator("p", "points", pts)], cell_size=100, districts=[DISTRICT, "중구"]
    )
    for grid in (one.grid, two.grid):
        assert grid.transform.c % 100 == 0 and grid.transform.f % 100 == 0
    a = one.grid.cells().set_index("cell_id")
    b = two.grid.cells().set_index("cell_id")
    common = a.index.intersection(b.index)
    assert len(common) == len(a)  # every 종로구 cell is a cell of the larger grid too
    assert (a.loc[common].geometry.geom_equals(b.loc[common].geometry)).all()


def test_each_cell_belongs_to_the_district_of_its_centroid() -> None:
    build = build_risk_grid(
        [Indicator("p", "points", points_in(DISTRICT, 300, 1))], cell_size=200, districts=[DISTRICT]
    )
    cells = build.grid.cells()
    assert set(cells.sig_cd) == {"11110"}
    polygon = load_districts().set_index("name_ko").geometry[DISTRICT]
    assert cells.geometry.within(polygon).all()
    squares = build.grid.cells(geometry="polygon")
    assert np.allclose(squares.geometry.area, 200 * 200)
    assert squares.cell_id.tolist() == cells.cell_id.tolist()


def test_cells_filters_grades() -> None:
    build = build_risk_grid(
        [Indicator("p", "points", points_in(DISTRICT, 500, 2))], cell_size=100, districts=[DISTRICT]
    )
    de = build.grid.cells(["D", "E"])
    assert set(de.grade) <= {"D", "E"}
    counts = build.grid.grade_counts()
    assert len(de) == counts["D"] + counts["E"]


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_shuffling_input_rows_changes_no_cell(seed: int) -> None:
    points = points_in(DISTRICT, 400, seed)
    squares = squares_over(DISTRICT, 700.0, seed)
    # overlapping duplicates with other values make burn order matter if it were row order
    squares = gpd.GeoDataFrame(
        gpd.pd.concat([squares, squares.assign(value=squares.value + 1)]), crs=squares.crs
    )
    rng = np.random.default_rng(seed)
    shuffled_points = points.iloc[rng.permutation(len(points))]
    shuffled_squares = squares.iloc[rng.permutation(len(squares))]
    a = build_risk_grid(_indicators(points, squares), cell_size=100, districts=[DISTRICT]).grid
    b = build_risk_grid(
        _indicators(shuffled_points, shuffled_squares), cell_size=100, districts=[DISTRICT]
    ).grid
    assert np.array_equal(a.score, b.score, equal_nan=True)
    assert np.array_equal(a.grade, b.grade)


def test_polygon_count_is_spread_by_area() -> None:
    squares = squares_over(DISTRICT, 1000.0, 3).assign(people=1_000_000)
    build = build_risk_grid(
        [Indicator("people", "polygons", squares, column="people", attribute="count")],
        cell_size=100,
        districts=[DISTRICT],
    )
    info = build.report["indicators"][0]
    assert info["raw_min"] == pytest.approx(1_000_000.0)  # per km² on 1 km² squares
    assert info["raw_max"] == pytest.approx(1_000_000.0)


def test_missing_cells_are_filled_and_reported() -> None:
    squares = squares_over(DISTRICT, 500.0, 4)
    half = squares[squares.geometry.centroid.x < squares.geometry.centroid.x.median()]
    build = build_risk_grid(
        [Indicator("half", "polygons", half, column="value", missing="zero")],
        cell_size=100,
        districts=[DISTRICT],
    )
    info = build.report["indicators"][0]
    assert info["cells_missing"] > 0
    assert info["missing_filled_with"] == 0.0
    assert build.report["missing_cells"] == {"half": info["cells_missing"]}
    with pytest.raises(ConfigError, match="study cells have no value"):
        build_risk_grid(
            [Indicator("half", "polygons", half, column="value", missing="error")],
            cell_size=100,
            districts=[DISTRICT],
        )


def test_learned_weights_find_the_signal_and_say_no_skill_on_noise() -> None:
    squares = squares_over(DISTRICT, 400.0, 5)
    rng = np.random.default_rng(5)
    # incidents drawn where "value" is high: one point per unit of value in its square
    centres = squares.geometry.centroid
    reps = (squares.value.to_numpy() // 10).astype(int)
    x = np.repeat(centres.x.to_numpy(), reps) + rng.uniform(-190, 190, reps.sum())
    y = np.repeat(centres.y.to_numpy(), reps) + rng.uniform(-190, 190, reps.sum())
    incidents = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=squares.crs)
    noise = squares.assign(value=rng.uniform(0, 1, len(squares)))
    inds = [Indicator("value", "polygons", squares, column="value")]
    good = build_risk_grid(
        inds, cell_size=100, districts=[DISTRICT], learning=Learning(incidents, block_m=800)
    )
    assert good.learned is not None and good.learned.has_skill
    assert good.learned.weights["value"] > 0
    assert "explains" in good.learned.statement
    bad = build_risk_grid(
        [Indicator("noise", "polygons", noise, column="value")],
        cell_size=100,
        districts=[DISTRICT],
        learning=Learning(incidents, block_m=800),
    )
    assert bad.learned is not None and not bad.learned.has_skill
    assert bad.learned.statement.startswith("NO SKILL")
    assert bad.report["score"] == "weighted sum of normalised indicators"
    boosted = build_risk_grid(
        inds,
        cell_size=100,
        districts=[DISTRICT],
        learning=Learning(incidents, model="gradient_boosting", block_m=800),
    )
    assert boosted.learned is not None and "permutation" in boosted.learned.weight_kind


# --- bad configs: each gets one clear error ------------------------------------------

_BASE = """
[grid]
cell_size_m = {cell}
districts = ["종로구"]

[[indicators]]
name = "pop"
kind = "polygons"
path = "builtin:districts"
column = "{column}"
attribute = "count"
weight = {weight}
"""


@pytest.mark.parametrize(
    ("cell", "column", "weight", "match"),
    [
        (0, "population_2024q4", 1, "cell_size_m = 0: must be from 10 to 1000"),
        (5000, "population_2024q4", 1, "cell_size_m = 5000: must be from 10 to 1000"),
        (100, "population_2024q4", 0, "every weight is 0"),
    ],
)
def test_bad_static_config(cell: int, column: str, weight: float, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_config(_BASE.format(cell=cell, column=column, weight=weight))


def test_unknown_column_is_named_with_the_alternatives() -> None:
    config = parse_config(_BASE.format(cell=100, column="popu", weight=1))
    with pytest.raises(ConfigError, match=r"unknown column 'popu'; the layer has: .*population"):
        build_from_config(config)


def test_unknown_keys_and_choices_are_all_listed() -> None:
    text = _BASE.format(cell=100, column="population_2024q4", weight=1) + (
        'colour = "red"\ndirection = "up"\n'
    )
    with pytest.raises(ConfigError, match=r"2 problems:[\s\S]*colour[\s\S]*direction 'up'"):
        parse_config(text)


def test_layer_entirely_outside_the_study_area(tmp_path: Path) -> None:
    gangnam = points_in("강남구", 50, 8)  # in Seoul, but the study area is 종로구
    gangnam.to_file(tmp_path / "gangnam.gpkg")
    text = _BASE.format(cell=100, column="population_2024q4", weight=1) + (
        '\n[[indicators]]\nname = "far"\nkind = "points"\npath = "gangnam.gpkg"\n'
    )
    (tmp_path / "grid.toml").write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigError, match="'far': every one of its 50 points lies entirely outside"
    ):
        build_from_config(tmp_path / "grid.toml")
    busan = gpd.GeoDataFrame(
        {"v": [1.0, 2.0]},
        geometry=shapely.box([385_000.0, 386_000.0], 185_000.0, [385_500.0, 386_500.0], 185_500.0),
        crs="EPSG:5186",
    )
    with pytest.raises(ConfigError, match="every one of its 2 polygons lies entirely outside"):
        build_risk_grid(
            [Indicator("busan", "polygons", busan, column="v")], cell_size=100, districts=[DISTRICT]
        )


def test_raster_in_another_crs(tmp_path: Path) -> None:
    path = tmp_path / "lights.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=10,
        height=10,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(0.01, 0, 126.9, 0, -0.01, 37.6),
    ) as dst:
        dst.write(np.ones((1, 10, 10), dtype=np.float32))
    text = _BASE.format(cell=100, column="population_2024q4", weight=1) + (
        '\n[[indicators]]\nname = "lights"\nkind = "raster"\npath = "lights.tif"\n'
    )
    (tmp_path / "grid.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"raster lights.tif is in EPSG:4326; expected EPSG:5186"):
        build_from_config(tmp_path / "grid.toml")


def test_raster_in_working_crs_is_resampled(tmp_path: Path) -> None:
    path = tmp_path / "lights.tif"
    d = load_districts()
    x0, _, _, y1 = d[d.name_ko == DISTRICT].total_bounds
    data = np.arange(400, dtype=np.float32).reshape(1, 20, 20)
    with rasterio.open(
        path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32",
        crs="EPSG:5186", transform=Affine(500, 0, x0, 0, -500, y1),
    ) as dst:  # fmt: skip
        dst.write(data)
    text = _BASE.format(cell=100, column="population_2024q4", weight=1) + (
        '\n[[indicators]]\nname = "lights"\nkind = "raster"\npath = "lights.tif"\n'
    )
    (tmp_path / "grid.toml").write_text(text, encoding="utf-8")
    build = build_from_config(tmp_path / "grid.toml")
    info = build.report["indicators"][1]
    assert info["cells_missing"] == 0 and info["raw_max"] > info["raw_min"]


def test_fixed_grading_through_the_api() -> None:
    build = build_risk_grid(
        [Indicator("p", "points", points_in(DISTRICT, 300, 6))],
        cell_size=100,
        districts=[DISTRICT],
        grading=Grading(method="fixed", thresholds=(0.1, 0.2, 0.3, 0.4)),
    )
    assert build.report["grading"]["edges"] == [0.1, 0.2, 0.3, 0.4]


@pytest.mark.parametrize("bandwidth", [300.0, 2500.0])  # full resolution, and smoothed on blocks
def test_kernel_density_matches_the_analytic_peak(bandwidth: float) -> None:
    d = load_districts()
    centre = d.geometry.union_all().centroid
    rng = np.random.default_rng(9)
    n, spread = 100_000, 2000.0
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            rng.normal(centre.x, spread, n), rng.normal(centre.y, spread, n)
        ),
        crs=d.crs,
    )
    build = build_risk_grid(
        [Indicator("p", "points", points, measure="density", bandwidth_m=bandwidth)],
        cell_size=100,
    )
    peak_per_km2 = n / (2 * np.pi * (spread**2 + bandwidth**2)) * 1e6
    assert build.report["indicators"][0]["raw_max"] == pytest.approx(peak_per_km2, rel=0.05)
