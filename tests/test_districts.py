"""The district layer: 25 polygons, official statistics, derived columns."""

from __future__ import annotations

import pandas as pd
import pytest

from layers.crs import WORKING_CRS
from layers.districts import (
    CCTV_YEAR_COLUMNS,
    district_code,
    load_districts,
    load_dongs,
    normalise_district_name,
    seoul_boundary,
)
from layers.errors import InputError


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    return load_districts()


def test_twenty_five_districts_in_working_crs(districts: pd.DataFrame) -> None:
    assert len(districts) == 25
    assert districts.crs == WORKING_CRS
    assert districts.sig_cd.is_unique
    assert districts.sig_cd.str.match(r"^11\d{3}$").all()
    assert districts.geometry.is_valid.all()


def test_total_area_and_cameras(districts: pd.DataFrame) -> None:
    assert districts.area_km2.sum() == pytest.approx(605, abs=1)
    assert int(districts.cctv_total.sum()) == 113_273


def test_year_columns_sum_to_total(districts: pd.DataFrame) -> None:
    assert (districts[CCTV_YEAR_COLUMNS].sum(axis=1) == districts.cctv_total).all()


def test_ageing_ratio_is_2016_or_earlier_over_total(districts: pd.DataFrame) -> None:
    expected = 100 * (districts.cctv_2015_or_earlier + districts.cctv_2016) / districts.cctv_total
    pd.testing.assert_series_equal(
        districts.cctv_ageing_ratio_pct, expected, check_names=False, rtol=0, atol=1e-12
    )
    # 도봉구 reports 0 up to 2015 and 3 in 2016 (a known artefact of the source table)
    dobong = districts.set_index("name_ko").loc["도봉구"]
    assert dobong.cctv_aged == 3


def test_ageing_threshold_and_reference_year_are_options() -> None:
    seven = load_districts(ageing_min_age=7)
    eight = load_districts()
    assert (seven.cctv_aged >= eight.cctv_aged).all()
    assert (seven.cctv_aged - eight.cctv_aged == seven.cctv_2017).all()
    later = load_districts(ageing_min_age=8, reference_year=2025)
    assert (later.cctv_aged == eight.cctv_aged + eight.cctv_2017).all()


def test_threshold_splitting_the_open_bucket_is_refused() -> None:
    with pytest.raises(InputError, match="cannot be split"):
        load_districts(ageing_min_age=10)


def test_derived_columns(districts: pd.DataFrame) -> None:
    row = districts.set_index("sig_cd").loc["11110"]
    assert row.cctv_per_km2 == pytest.approx(row.cctv_total / row.area_km2)
    assert row.one_person_household_share_pct == pytest.approx(
        100 * row.one_person_households_2021 / row.households_2024q4
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("서울시성북구", "성북구"),
        ("중 구", "중구"),
        ("서울특별시 강남구", "강남구"),
        ("종로구", "종로구"),
    ],
)
def test_normalise_district_name(raw: str, expected: str) -> None:
    assert normalise_district_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("서울시성북구", "11290"),
        ("중 구", "11140"),
        ("Seongbuk-gu", "11290"),
        ("11740", "11740"),
        ("강동", "11740"),
        ("부산진구", None),
    ],
)
def test_district_code(raw: str, code: str | None) -> None:
    assert district_code(raw) == code


def test_boundary_and_dongs() -> None:
    boundary = seoul_boundary()
    assert boundary.area.iloc[0] / 1e6 == pytest.approx(605, abs=1)
    dongs = load_dongs(["11110"])
    assert len(dongs) > 0 and (dongs.sig_cd == "11110").all()
    assert dongs.crs == WORKING_CRS
