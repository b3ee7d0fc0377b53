"""Device age in one place (layers.age): the rules inventory, replace, propose and maps share."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from layers.age import aged_credit, device_age, install_years, installed_after, is_aged
from layers.inventory import ageing_by_district

years = st.lists(st.one_of(st.none(), st.integers(1990, 2030)), min_size=1, max_size=30)


@given(values=years, reference=st.integers(2000, 2030), min_age=st.integers(0, 15))
def test_aged_means_age_at_least_threshold_and_unknown_is_never_aged(
    values: list[int | None], reference: int, min_age: int
) -> None:
    series = pd.Series(values, dtype="Int64")
    age = device_age(series, reference)
    aged = is_aged(series, reference, min_age)
    known = series.notna().to_numpy()
    assert np.array_equal(np.isnan(age), ~known)
    assert np.array_equal(aged, known & (np.nan_to_num(age, nan=-1e9) >= min_age))
    assert np.array_equal(installed_after(series, reference), known & (np.nan_to_num(age) < 0))
    credit = aged_credit(series, reference, min_age, 0.25)
    assert np.array_equal(credit == 0.25, aged)


def test_strings_and_blanks_become_nan() -> None:
    out = install_years(pd.Series(["2015", "", None, "x", 2010.0], dtype=object))
    assert out[0] == 2015 and out[4] == 2010
    assert np.isnan(out[1:4]).all()


def test_inventory_counts_follow_the_shared_rule() -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {
            "sig_cd": ["11110"] * 4,
            "device_type": "cctv",
            "install_year": pd.array([2016, 2017, None, 2025], dtype="Int64"),
            "n_devices": [2, 1, 1, 1],
        },
        geometry=gpd.points_from_xy([0, 1, 2, 3], [0, 1, 2, 3]),
        crs="EPSG:5186",
    )
    table = ageing_by_district(frame, min_age=8, reference_year=2024)
    row = table[table["sig_cd"] == "11110"].iloc[0]
    assert row["devices_aged"] == 2  # 2016 is 8 years old at 2024; 2017 is 7
    assert row["devices_installed_after_reference"] == 1
    assert row["devices_unknown_year"] == 1
