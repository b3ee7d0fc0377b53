"""Device inventories and ageing by district."""

from __future__ import annotations

from pathlib import Path

import _korean_fixtures as fx
import pandas as pd
import pytest

from layers.errors import InputError
from layers.inventory import INVENTORY_COLUMNS, ageing_by_district, to_inventory
from layers.readers import read_layer


def test_wifi_inventory_form(tmp_path: Path) -> None:
    inv = to_inventory(read_layer(fx.wifi_csv(tmp_path / "w.csv")))
    assert list(inv.columns[: len(INVENTORY_COLUMNS) - 1]) == INVENTORY_COLUMNS[:-1]
    assert inv.geometry.name == "geometry" and inv.crs == "EPSG:5186"
    assert (inv.device_type == "wifi").all()
    assert str(inv.install_year.dtype) == "Int64"
    assert "와이파이명" in inv.columns
    assert inv.attrs["as_of"] == "2024-05-27"


def test_ageing_wifi(tmp_path: Path) -> None:
    inv = to_inventory(read_layer(fx.wifi_csv(tmp_path / "w.csv")))
    table = ageing_by_district(inv, min_age=7)
    assert table.attrs["reference_year"] == 2024
    assert table.attrs["reference_year_source"].startswith("data as-of")
    assert len(table) == 26  # 25 districts + Seoul total
    row = table.set_index("name_ko").loc["종로구"]  # 2014 and 2015 at 2024: both >= 7
    assert (row.devices, row.devices_aged, row.ageing_ratio_pct) == (2, 2, 100.0)
    mapo = table.set_index("name_ko").loc["마포구"]
    assert mapo.devices_aged == 1
    songpa = table.set_index("name_ko").loc["송파구"]  # unknown year: not in the denominator
    assert songpa.devices_unknown_year == 1 and pd.isna(songpa.ageing_ratio_pct)
    total = table.iloc[-1]
    assert total.devices == 5 and total.devices_known_year == 4 and total.devices_aged == 3
    assert total.ageing_ratio_pct == 75.0


def test_ageing_threshold_and_devices_per_site(tmp_path: Path) -> None:
    inv = to_inventory(read_layer(fx.cctv_standard_csv(tmp_path / "c.csv")))
    table = ageing_by_district(inv, reference_year=2024).set_index("name_ko")
    assert table.loc["종로구", "devices_aged"] == 4  # 4 cameras installed 2015, default 8 years
    assert table.loc["강남구", "devices_aged"] == 0  # 2019: 5 years
    assert table.loc["마포구", "devices_unknown_year"] == 1
    later = ageing_by_district(inv, min_age=5, reference_year=2024).set_index("name_ko")
    assert later.loc["강남구", "devices_aged"] == 2


def test_device_type_mismatch(tmp_path: Path) -> None:
    read = read_layer(fx.wifi_csv(tmp_path / "w.csv"))
    with pytest.raises(InputError, match="holds wifi devices.*not cctv"):
        to_inventory(read, "cctv")
    kosis = read_layer(fx.kosis_csv(tmp_path / "k.csv"))
    with pytest.raises(InputError, match="not a device inventory"):
        to_inventory(kosis)


def test_generic_points_need_device(tmp_path: Path) -> None:
    rows = [[i, lon, lat, 2010 + i] for i, (lat, lon) in enumerate(fx.PLACES.values())]
    path = fx.write_csv(tmp_path / "poles.csv", ["id", "lon", "lat", "install_year"], rows, "utf-8")
    read = read_layer(path)
    with pytest.raises(InputError, match="--device"):
        to_inventory(read)
    inv = to_inventory(read, "pole")
    assert list(inv.install_year) == list(range(2010, 2016))
    assert ageing_by_district(inv, min_age=10, reference_year=2024).iloc[-1].devices_aged == 5


def test_ageing_from_year_table(tmp_path: Path) -> None:
    from layers.inventory import ageing_from_year_table

    read = read_layer(fx.cctv_xlsx_2024(tmp_path / "cctv.xlsx"))
    table = ageing_from_year_table(read).set_index("name_ko")  # 8 years at 2024: <= 2016
    assert table.attrs["reference_year"] == 2024
    assert table.loc["종로구", "devices_aged"] == 101  # 100 up to 2015 + 1 in 2016
    assert table.loc["종로구", "ageing_ratio_pct"] == pytest.approx(100 * 101 / 145)
    with pytest.raises(InputError, match="cannot be split"):
        ageing_from_year_table(read, min_age=10)
    old = ageing_from_year_table(read_layer(fx.cctv_xlsx_old(tmp_path / "o.xlsx")), min_age=2)
    jongno = old.set_index("name_ko").loc["종로구"]  # 소계 600, years 450
    assert (jongno.devices, jongno.devices_known_year, jongno.devices_unknown_year) == (
        600,
        450,
        150,
    )
    assert jongno.devices_aged == 350  # as of 2016: installed 2014 or earlier
