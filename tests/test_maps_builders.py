"""Map builders: choropleth, risk-grid overlay, equipment (privacy), proposals."""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from _maps_fixtures import synthetic_grid_tif, synthetic_inventory, synthetic_proposals
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from layers import load_districts
from layers.errors import ConfigError, CRSError, InputError
from maps import (
    age_classes,
    choropleth_map,
    equipment_map,
    grid_images,
    grid_map,
    join_values,
    proposals_map,
    render_offline,
)
from maps.choropleth import NO_DATA_COLOUR
from maps.grid import GRADE_COLOURS


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return load_districts()


@pytest.fixture(scope="module")
def grid_path(tmp_path_factory: pytest.TempPathFactory, districts: gpd.GeoDataFrame) -> Path:
    return synthetic_grid_tif(
        tmp_path_factory.mktemp("grid") / "grid_synthetic.tif", districts, cell_m=250.0
    )


def _decode_png(url: str) -> np.ndarray:
    data = base64.b64decode(url.split(",", 1)[1])
    with warnings.catch_warnings(), MemoryFile(data) as memory:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with memory.open() as dataset:
            return dataset.read()


def test_choropleth_colours_values_and_greys_missing(districts: gpd.GeoDataFrame) -> None:
    values = pd.DataFrame(
        {"sig_cd": districts.sig_cd[:24], "total_points": np.arange(24, dtype=float)}
    )
    page = render_offline(choropleth_map(districts, "total_points", values=values))
    assert NO_DATA_COLOUR in page
    assert "총점 (total points)" in page
    assert "1 district(s) without a value are grey." in page


def test_choropleth_refuses_unknown_column(districts: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match="no column 'nope'"):
        choropleth_map(districts, "nope")
    with pytest.raises(InputError, match="not numeric"):
        choropleth_map(districts, "name_en")


def test_join_values_reports_duplicates_and_foreign_codes(districts: gpd.GeoDataFrame) -> None:
    dup = pd.DataFrame({"sig_cd": ["11110", "11110"], "x": [1, 2]})
    with pytest.raises(InputError, match="several rows") as err:
        join_values(districts, dup, ["x"], layer="round")
    assert err.value.rows == [1, 2]
    foreign = pd.DataFrame({"sig_cd": ["26110"], "x": [1]})
    with pytest.raises(InputError, match="not Seoul's: 26110"):
        join_values(districts, foreign, ["x"], layer="round")


def test_grid_cells_land_where_they_are(grid_path: Path) -> None:
    grade_image, score_image = grid_images(grid_path)
    assert grade_image is not None and score_image is not None
    rgba = _decode_png(grade_image.url)
    with rasterio.open(grid_path) as src:
        grades = src.read(2).astype(int)
        transform, crs = src.transform, src.crs
        assert sum(grade_image.grade_counts.values()) == int((grades > 0).sum())
    (south, west), (north, east) = grade_image.bounds
    merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    to_merc = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
    x0, y0 = merc.transform(west, south)
    x1, y1 = merc.transform(east, north)
    height, width = rgba.shape[1:]
    rows, cols = np.nonzero(grades)
    rng = np.random.default_rng(0)
    checked = 0
    for k in rng.choice(len(rows), 200, replace=False):
        cx, cy = transform @ (cols[k] + 0.5, rows[k] + 0.5)
        mx, my = to_merc.transform(cx, cy)
        px = int((mx - x0) / (x1 - x0) * width)
        py = int((y1 - my) / (y1 - y0) * height)
        colour = "#{:02x}{:02x}{:02x}".format(*rgba[:3, py, px])
        assert colour == GRADE_COLOURS[grades[rows[k], cols[k]]]
        assert rgba[3, py, px] > 0
        checked += 1
    assert checked == 200
    assert rgba[3, 0, 0] == 0  # outside Seoul: transparent


def test_grid_map_has_both_overlays(grid_path: Path, districts: gpd.GeoDataFrame) -> None:
    page = render_offline(grid_map(grid_path, districts, synthetic=True))
    assert page.count("L.imageOverlay(") == 2
    assert re.search(r"E: [0-9,]+ cells", page)
    assert "SYNTHETIC" in page


def test_grid_without_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(
            path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32"
        ) as dst:
            dst.write(np.ones((1, 2, 2), dtype="float32"))
        with pytest.raises(CRSError, match="declares no CRS"):
            grid_images(path)
    with pytest.raises(InputError, match="cannot be read"):
        grid_images(tmp_path / "missing.tif")


def test_age_classes() -> None:
    years = pd.Series([2024, 2021, 2020, 2017, 2016, None], dtype="Int64")
    codes = age_classes(years, reference_year=2024, aged_min_age=8)
    assert codes.tolist() == [0, 0, 1, 1, 2, 3]
    with pytest.raises(ConfigError, match="above 4 years"):
        age_classes(years, reference_year=2024, aged_min_age=3)


def test_equipment_positions_hidden_by_default(districts: gpd.GeoDataFrame) -> None:
    inventory = synthetic_inventory(districts, 400)
    page = render_offline(equipment_map(districts, inventory, reference_year=2024))
    assert '<meta name="siting-exact-positions" content="off">' in page
    assert "exact positions hidden" in page
    assert "CCTV-000001" not in page
    lat = to_latlon_first(inventory)
    assert f"{lat:.6f}" not in page


def to_latlon_first(inventory: gpd.GeoDataFrame) -> float:
    return float(inventory.to_crs("EPSG:4326").geometry.y.iloc[0])


def test_equipment_exact_positions_only_on_request(districts: gpd.GeoDataFrame) -> None:
    inventory = synthetic_inventory(districts, 400)
    page = render_offline(
        equipment_map(districts, inventory, reference_year=2024, exact_positions=True)
    )
    assert '<meta name="siting-exact-positions" content="on">' in page
    assert "EXACT POSITIONS SHOWN" in page
    assert "CCTV-000001" in page
    with pytest.raises(ConfigError, match="at least 100 m"):
        equipment_map(districts, inventory, reference_year=2024, cell_m=50)


def test_equipment_refuses_wrong_crs(districts: gpd.GeoDataFrame) -> None:
    inventory = synthetic_inventory(districts, 10).to_crs("EPSG:4326")
    with pytest.raises(CRSError, match="expected EPSG:5186"):
        equipment_map(districts, inventory, reference_year=2024)


def test_proposals_need_an_order(districts: gpd.GeoDataFrame) -> None:
    sites = synthetic_proposals(districts, 2).drop(columns="order")
    with pytest.raises(InputError, match="order"):
        proposals_map(districts, sites)
