"""The equipment map's age classes follow the one age rule of :mod:`layers.age`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from layers.age import device_age, is_aged
from maps.equipment import age_classes

_YEARS = st.one_of(st.none(), st.integers(1990, 2030), st.sampled_from(["2015", " 2019", "n/a"]))


@given(
    years=st.lists(_YEARS, min_size=1, max_size=30),
    reference_year=st.integers(2000, 2030),
    aged_min_age=st.integers(5, 12),
)
def test_age_classes_agree_with_layers_age(
    years: list[object], reference_year: int, aged_min_age: int
) -> None:
    series = pd.Series(years, dtype=object)
    codes = age_classes(series, reference_year=reference_year, aged_min_age=aged_min_age)
    age = device_age(series, reference_year)
    aged = is_aged(series, reference_year, aged_min_age)
    assert ((codes == 3).to_numpy() == np.isnan(age)).all()  # unknown year
    assert ((codes == 2).to_numpy() == aged).all()  # aged exactly where layers.age says so
    with np.errstate(invalid="ignore"):
        assert ((codes == 0).to_numpy() == (age < 4)).all()
