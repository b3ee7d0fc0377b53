"""Device age, computed in one place for inventories, replacement, proposals and maps.

A device's age is the number of whole years between its install year and the
reference year the analysis is set at::

    age = reference_year − install_year        (years; NaN when the year is unknown)
    aged  ⇔  age ≥ min_age                      (False when the year is unknown)

The reference year defaults to the data's as-of year (데이터기준일자 /
작업일자), else the current year (:func:`resolve_reference_year`); the
thresholds are those of the 2024 budget review: CCTV 8 years (붙임8
노후율), public Wi-Fi APs 7 years (:data:`DEFAULT_MIN_AGE`). A device installed
*after* the reference year has a negative age; it is never aged, and
:func:`installed_after` finds it so callers can report it.

Examples
--------
>>> import pandas as pd
>>> device_age(pd.Series([2010, None, 2024]), 2024).tolist()
[14.0, nan, 0.0]
>>> is_aged(pd.Series([2010, None, 2020]), 2024, 8).tolist()
[True, False, False]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_MIN_AGE",
    "aged_credit",
    "device_age",
    "install_years",
    "installed_after",
    "is_aged",
    "resolve_reference_year",
]

#: Default ageing thresholds (years): CCTV ≥ 8 (붙임8 노후율), Wi-Fi ≥ 7 (2024 budget
#: review, aged APs); lights and poles 10 [choice].
DEFAULT_MIN_AGE: dict[str, int] = {
    "cctv": 8,
    "wifi": 7,
    "streetlight": 10,
    "security_light": 10,
    "pole": 10,
}


def install_years(values: pd.Series | np.ndarray | Iterable[Any]) -> np.ndarray:
    """Install years as floats (NaN where missing or not a number).

    Parameters
    ----------
    values : Series, ndarray or iterable
        Install years (``Int64`` with ``<NA>``, strings, floats …).

    Returns
    -------
    ndarray of float
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype("float64")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def device_age(values: pd.Series | np.ndarray | Iterable[Any], reference_year: int) -> np.ndarray:
    """Age in years at ``reference_year`` (NaN where the install year is unknown).

    Parameters
    ----------
    values : Series, ndarray or iterable
        Install years.
    reference_year : int
        Year ages are measured at.

    Returns
    -------
    ndarray of float
        ``reference_year − install_year`` (years); negative for a device
        installed after the reference year.
    """
    return float(reference_year) - install_years(values)


def is_aged(
    values: pd.Series | np.ndarray | Iterable[Any], reference_year: int, min_age: int
) -> np.ndarray:
    """Whether each device is aged: ``age ≥ min_age`` (years); unknown years are not aged.

    Parameters
    ----------
    values : Series, ndarray or iterable
        Install years.
    reference_year : int
        Year ages are measured at.
    min_age : int
        Threshold in years (CCTV 8, or 10 as replaced in 2023; Wi-Fi 7).

    Returns
    -------
    ndarray of bool
    """
    age = device_age(values, reference_year)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(age) & (age >= min_age))


def installed_after(
    values: pd.Series | np.ndarray | Iterable[Any], reference_year: int
) -> np.ndarray:
    """Whether each device was installed after ``reference_year`` (a data or setting problem)."""
    years = install_years(values)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(years) & (years > reference_year))


def aged_credit(
    values: pd.Series | np.ndarray | Iterable[Any],
    reference_year: int,
    min_age: int | None,
    credit: float,
) -> np.ndarray:
    """Coverage credit of existing devices: ``credit`` when aged, 1 otherwise.

    Parameters
    ----------
    values : Series, ndarray or iterable
        Install years.
    reference_year : int
        Year ages are measured at.
    min_age : int or None
        Ageing threshold (years); ``None`` = nothing ages (all 1).
    credit : float
        Share of its coverage an aged device still counts for (0–1).

    Returns
    -------
    ndarray of float
        One credit per device, in [0, 1].
    """
    years = install_years(values)
    if min_age is None:
        return np.ones(len(years))
    return np.where(is_aged(years, reference_year, min_age), float(credit), 1.0)


def resolve_reference_year(frame: pd.DataFrame, reference_year: int | None) -> tuple[int, str]:
    """The year ages are measured at, and where it came from.

    Parameters
    ----------
    frame : DataFrame
        An inventory; its ``attrs["as_of"]`` (from 데이터기준일자 / 작업일자) is used
        when no year is given.
    reference_year : int, optional
        The year given by the user.

    Returns
    -------
    (int, str)
        The year; ``"given"``, ``"data as-of date …"`` or ``"current year (…)"``.
    """
    if reference_year is not None:
        return reference_year, "given"
    as_of = frame.attrs.get("as_of")
    if isinstance(as_of, str) and as_of[:4].isdigit():
        return int(as_of[:4]), f"data as-of date {as_of}"
    return dt.date.today().year, "current year (the file states no as-of date)"
