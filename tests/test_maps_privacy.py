"""Privacy of shared maps: distance bands, k-suppression of small cells, device from the file."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _maps_fixtures import readable, synthetic_inventory
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import load_districts
from layers.errors import ConfigError
from maps import equipment_map, render_offline
from maps.jobs import write_equipment_map
from maps.privacy import distance_band, suppress_small_cells


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return load_districts()


@pytest.mark.parametrize(
    ("distance", "band"),
    [
        (0.0, "50 m 이내"),
        (49.9, "50 m 이내"),
        (50.0, "50 m 이내"),
        (50.01, "50–100 m"),
        (99.99, "50–100 m"),
        (100.0, "100 m 이상"),
        (4321.0, "100 m 이상"),
        (float("nan"), "—"),
    ],
)
def test_distance_bands(distance: float, band: str) -> None:
    assert distance_band(distance) == band


def test_bands_must_increase() -> None:
    with pytest.raises(ConfigError, match="not increasing"):
        distance_band(10.0, (100.0, 50.0))


@given(st.floats(min_value=0, max_value=1e5, allow_nan=False))
def test_a_band_never_contains_a_number_of_metres(distance: float) -> None:
    band = distance_band(distance)
    assert band in ("50 m 이내", "50–100 m", "100 m 이상")


def _cells(counts: dict[tuple[int, int], int]) -> pd.DataFrame:
    return pd.DataFrame([{"ix": ix, "iy": iy, "devices": n} for (ix, iy), n in counts.items()])


def test_small_cells_merge_into_an_empty_parent_or_are_suppressed() -> None:
    cells = _cells(
        {
            (0, 0): 1,  # parent (0,0) holds (0,0),(1,0),(0,1): 1+1+2 = 4 ≥ 3 → merged
            (1, 0): 1,
            (0, 1): 2,
            (4, 4): 9,  # big, kept
            (5, 4): 1,  # parent (2,2) also holds the big cell → suppressed
            (10, 10): 2,  # alone in its parent, 2 < 3 → suppressed
        }
    )
    result = suppress_small_cells(cells, cell_m=500.0, k=3)
    kept = {(r.ix, r.iy, r.cell_m): r.devices for r in result.cells.itertuples()}
    assert kept == {(4, 4, 500.0): 9, (0, 0, 1000.0): 4}
    assert result.merged_cells == 3
    assert result.suppressed_cells == 2
    assert result.suppressed_devices == 3
    assert "1,000 m 격자로 합침" in result.note(500.0, "CCTV")


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 12), st.integers(0, 12)), st.integers(1, 8), min_size=1
    ),
    st.integers(1, 6),
)
def test_no_shown_cell_has_fewer_than_k_and_nothing_is_lost(
    counts: dict[tuple[int, int], int], k: int
) -> None:
    result = suppress_small_cells(_cells(counts), cell_m=100.0, k=k)
    assert (result.cells["devices"] >= k).all()
    assert int(result.cells["devices"].sum()) + result.suppressed_devices == sum(counts.values())
    # merged parents never overlap a kept full-size cell
    big = result.cells[result.cells["cell_m"] == 100.0]
    merged = result.cells[result.cells["cell_m"] == 200.0]
    parents_of_big = set(zip(big["ix"] // 2, big["iy"] // 2, strict=True))
    assert not parents_of_big & set(zip(merged["ix"], merged["iy"], strict=True))


def test_equipment_map_says_how_many_cells_were_hidden(districts: gpd.GeoDataFrame) -> None:
    inventory = synthetic_inventory(districts, 300)
    inventory["n_devices"] = 1
    page = readable(render_offline(equipment_map(districts, inventory, reference_year=2024)))
    assert "대 미만 격자" in page
    shown = [int(n) for n in re.findall(r"<b>(\d+)</b> CCTV at", page)]
    assert shown and min(shown) >= 3
    everything = readable(
        render_offline(equipment_map(districts, inventory, reference_year=2024, min_devices=1))
    )
    assert "every cell ≥ 1" in everything
    assert min(int(n) for n in re.findall(r"<b>(\d+)</b> CCTV at", everything)) < 3


def test_equipment_map_takes_device_and_threshold_from_the_file(
    tmp_path: Path, districts: gpd.GeoDataFrame
) -> None:
    """A Seoul Wi-Fi download (OA-20883 columns) maps Wi-Fi APs aged ≥ 7 years, not CCTV ≥ 8."""
    points = synthetic_inventory(districts, 40).to_crs("EPSG:4326")
    table = pd.DataFrame(
        {
            "관리번호": [f"ARI{i:05d}" for i in range(40)],
            "자치구": points["name_ko"],
            "와이파이명": [f"공원 {i}" for i in range(40)],
            "도로명주소": "서울특별시 어딘가로 1",
            "설치년도": points["install_year"].fillna(2015).astype(int),
            "Y좌표": np.round(points.geometry.y, 6),
            "X좌표": np.round(points.geometry.x, 6),
        }
    )
    source = tmp_path / "wifi_synthetic.csv"
    table.to_csv(source, index=False, encoding="cp949")
    out = write_equipment_map(source, tmp_path / "wifi.html")
    page = readable(out.read_text(encoding="utf-8"))
    assert "<title>공공와이파이 AP 노후도" in page
    assert "aged = ≥ 7 years" in page
    assert "CCTV" not in page.split("<title>")[1].split("</title>")[0]
