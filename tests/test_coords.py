"""Coordinate recognition, per-row cleaning and district tagging, with properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from layers.coords import (
    REASON_METRES_IN_DEGREES,
    REASON_MISSING,
    REASON_OUTSIDE,
    REASON_ZERO,
    clean_points,
    detect_crs,
)
from layers.errors import CRSError

SEOUL = [(126.9794, 37.5729), (126.9779, 37.5663), (127.0473, 37.5172), (127.1059, 37.5145)]
TO_5186 = Transformer.from_crs("EPSG:4326", "EPSG:5186", always_xy=True)
TO_5181 = Transformer.from_crs("EPSG:4326", "EPSG:5181", always_xy=True)
TO_5179 = Transformer.from_crs("EPSG:4326", "EPSG:5179", always_xy=True)


def _arrays(
    points: list[tuple[float, float]], t: Transformer | None = None
) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    if t is not None:
        x, y = (np.asarray(v) for v in t.transform(x, y))
    return x, y


@pytest.mark.parametrize(
    ("transformer", "expected"),
    [(None, "EPSG:4326"), (TO_5186, "EPSG:5186"), (TO_5179, "EPSG:5179")],
)
def test_detect_by_value(transformer: Transformer | None, expected: str) -> None:
    x, y = _arrays(SEOUL, transformer)
    assert detect_crs(x, y, layer="t") == expected


def test_5181_is_not_guessed() -> None:
    x, y = _arrays(SEOUL, TO_5181)
    with pytest.raises(CRSError, match=r"EPSG:5181(.|\n)*--crs"):
        detect_crs(x, y, layer="t")


def test_declared_5186_but_100km_south() -> None:
    x, y = _arrays(SEOUL, TO_5181)
    with pytest.raises(CRSError, match=r"declared EPSG:5186(.|\n)*100 km south(.|\n)*5174"):
        detect_crs(x, y, declared="EPSG:5186", layer="t")
    assert detect_crs(x, y, declared="EPSG:5181", layer="t") == "EPSG:5181"


def test_nothing_fits() -> None:
    with pytest.raises(CRSError, match="fit no CRS"):
        detect_crs(np.array([5.0, 6.0]), np.array([7.0, 8.0]), layer="t")


def test_rows_dropped_with_reasons() -> None:
    table = pd.DataFrame(
        {
            "lon": [126.9794, 37.5663, None, 0, 200000.0, 129.07, 126.75],
            "lat": [37.5729, 126.9779, None, 0, 550000.0, 35.18, 37.45],
        }
    )
    cleaned = clean_points(table, "lon", "lat", layer="t", prefer="EPSG:4326")
    assert cleaned.crs == "EPSG:4326"
    assert cleaned.swapped == [2]
    assert cleaned.dropped[REASON_MISSING] == [3]
    assert cleaned.dropped[REASON_ZERO] == [4]
    assert cleaned.dropped[REASON_METRES_IN_DEGREES] == [5]
    assert cleaned.dropped["out of range for EPSG:4326"] == [6]
    assert cleaned.dropped[REASON_OUTSIDE] == [7]  # Incheon, inside the box
    assert list(cleaned.frame["name_ko"]) == ["종로구", "중구"]
    assert np.isfinite(cleaned.frame.geometry.x).all()
    assert cleaned.frame.crs == "EPSG:5186"


def test_swapped_metres_fixed() -> None:
    x, y = _arrays(SEOUL, TO_5186)
    table = pd.DataFrame({"x": np.r_[x[:2], y[2:]], "y": np.r_[y[:2], x[2:]]})
    cleaned = clean_points(table, "x", "y", layer="t", crs="EPSG:5186")
    assert cleaned.swapped == [3, 4]
    assert len(cleaned.frame) == 4


# Points drawn in a box well inside Seoul (중구–강남구), so they are all kept.
lon_st = st.floats(126.95, 127.08, allow_nan=False)
lat_st = st.floats(37.50, 37.60, allow_nan=False)
points_st = st.lists(st.tuples(lon_st, lat_st), min_size=1, max_size=15)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points=points_st, data=st.data())
def test_property_swaps_do_not_change_kept_points(
    points: list[tuple[float, float]], data: st.DataObject
) -> None:
    swap = data.draw(st.lists(st.booleans(), min_size=len(points), max_size=len(points)))
    plain = pd.DataFrame({"lon": [p[0] for p in points], "lat": [p[1] for p in points]})
    mixed = pd.DataFrame(
        {
            "lon": [p[1] if s else p[0] for p, s in zip(points, swap, strict=True)],
            "lat": [p[0] if s else p[1] for p, s in zip(points, swap, strict=True)],
        }
    )
    a = clean_points(plain, "lon", "lat", layer="t", prefer="EPSG:4326")
    b = clean_points(mixed, "lon", "lat", layer="t", prefer="EPSG:4326")
    assert b.swapped == [i + 1 for i, s in enumerate(swap) if s]
    np.testing.assert_allclose(a.frame.geometry.x, b.frame.geometry.x)
    np.testing.assert_allclose(a.frame.geometry.y, b.frame.geometry.y)
    assert list(a.frame.sig_cd) == list(b.frame.sig_cd)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=points_st,
    bad=st.lists(st.sampled_from(["nan", "zero", "blank", "inf"]), min_size=0, max_size=6),
)
def test_property_bad_rows_dropped_and_counted(
    points: list[tuple[float, float]], bad: list[str]
) -> None:
    values = {
        "nan": (math.nan, 37.5),
        "zero": (0.0, 0.0),
        "blank": ("", ""),
        "inf": (math.inf, 37.5),
    }
    rows = [(str(x), str(y)) for x, y in points] + [tuple(map(str, values[b])) for b in bad]
    table = pd.DataFrame(rows, columns=["lon", "lat"])
    cleaned = clean_points(table, "lon", "lat", layer="t", prefer="EPSG:4326")
    dropped = sorted(r for v in cleaned.dropped.values() for r in v)
    n_good = len(points)
    assert dropped == list(range(n_good + 1, len(rows) + 1))
    assert len(cleaned.frame) + len(dropped) == len(rows)
    assert (
        np.isfinite(cleaned.frame.geometry.x).all() and np.isfinite(cleaned.frame.geometry.y).all()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=st.lists(st.tuples(lon_st, lat_st), min_size=5, max_size=12),
    garbage=st.lists(st.tuples(st.floats(), st.floats()), min_size=0, max_size=5),
    data=st.data(),
)
def test_property_every_row_kept_or_dropped_and_finite(
    points: list[tuple[float, float]], garbage: list[tuple[float, float]], data: st.DataObject
) -> None:
    rows = points + garbage
    order = data.draw(st.permutations(range(len(rows))))
    table = pd.DataFrame([rows[i] for i in order], columns=["lon", "lat"])
    cleaned = clean_points(table, "lon", "lat", layer="t", crs="EPSG:4326")
    dropped = [r for v in cleaned.dropped.values() for r in v]
    assert len(dropped) == len(set(dropped))
    assert len(cleaned.frame) + len(dropped) == len(rows)
    assert sorted(dropped + cleaned.frame["source_row"].tolist()) == list(range(1, len(rows) + 1))
    assert (
        np.isfinite(cleaned.frame.geometry.x).all() and np.isfinite(cleaned.frame.geometry.y).all()
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points=points_st, data=st.data())
def test_property_swapped_metres_same_points(
    points: list[tuple[float, float]], data: st.DataObject
) -> None:
    swap = data.draw(st.lists(st.booleans(), min_size=len(points), max_size=len(points)))
    x, y = _arrays(points, TO_5186)
    mixed = pd.DataFrame({"x": np.where(swap, y, x), "y": np.where(swap, x, y)})
    plain = pd.DataFrame({"x": x, "y": y})
    a = clean_points(plain, "x", "y", layer="t")
    b = clean_points(mixed, "x", "y", layer="t")
    assert a.crs == b.crs == "EPSG:5186"
    np.testing.assert_allclose(a.frame.geometry.x, b.frame.geometry.x)
    assert b.swapped == [i + 1 for i, s in enumerate(swap) if s]


def _boundary_points(
    spots: list[tuple[int, float, float, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Points at a fraction along a district's boundary, moved by (dx, dy) metres."""
    import shapely

    from layers.districts import load_districts

    rings = shapely.boundary(load_districts().geometry.to_numpy())
    at = shapely.line_interpolate_point(
        rings[[s[0] for s in spots]], [s[1] for s in spots], normalized=True
    )
    x = shapely.get_x(at) + np.array([s[2] for s in spots])
    y = shapely.get_y(at) + np.array([s[3] for s in spots])
    return x, y


def _tag_both_ways(x: np.ndarray, y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fast, exact): assign_districts with the raster on, and the polygon rule alone."""
    import geopandas as gpd

    from layers import coords

    points = gpd.GeoDataFrame(
        {"_row": np.arange(1, len(x) + 1)}, geometry=gpd.points_from_xy(x, y), crs="EPSG:5186"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coords, "RASTER_MIN_POINTS", 0)
        fast, fast_out = coords.assign_districts(points)
    sig, name = coords._exact_districts(points, coords._district_polygons(), 100.0)
    exact = points.assign(sig_cd=sig, name_ko=name)
    fast_all = pd.concat(
        [fast[["_row", "sig_cd", "name_ko"]], pd.DataFrame({"_row": fast_out})]
    ).sort_values("_row")
    return fast_all.reset_index(drop=True), exact[["_row", "sig_cd", "name_ko"]]


def _same(fast: pd.DataFrame, exact: pd.DataFrame) -> None:
    assert fast["_row"].tolist() == exact["_row"].tolist()
    assert fast["sig_cd"].isna().tolist() == exact["sig_cd"].isna().tolist()
    inside = exact["sig_cd"].notna()
    assert (
        fast["sig_cd"][inside].astype(str).tolist() == exact["sig_cd"][inside].astype(str).tolist()
    )
    assert (
        fast["name_ko"][inside].astype(str).tolist()
        == exact["name_ko"][inside].astype(str).tolist()
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spots=st.lists(
        st.tuples(
            st.integers(0, 24),
            st.floats(0, 1),
            st.one_of(st.just(0.0), st.floats(-160, 160), st.floats(-1, 1)),
            st.one_of(st.just(0.0), st.floats(-160, 160), st.floats(-1, 1)),
        ),
        min_size=1,
        max_size=60,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_fast_tagging_equals_polygon_rule(
    spots: list[tuple[int, float, float, float]], seed: int
) -> None:
    """Raster lookup + exact test = exact polygon rule (on, near, 100 m out, far out)."""
    bx, by = _boundary_points(spots)
    rng = np.random.default_rng(seed)
    # uniform over Seoul's box grown by 3 km: inside, just outside and far outside Seoul
    ux = rng.uniform(179_190 - 3_000, 216_243 + 3_000, 400)
    uy = rng.uniform(536_547 - 3_000, 566_864 + 3_000, 400)
    fast, exact = _tag_both_ways(np.concatenate([bx, ux]), np.concatenate([by, uy]))
    _same(fast, exact)


def test_fast_tagging_on_many_points_near_boundaries() -> None:
    """A seeded batch big enough to use the raster as clean_points does by default."""
    rng = np.random.default_rng(20241231)
    n = 30_000
    spots = list(
        zip(
            rng.integers(0, 25, n).tolist(),
            rng.uniform(0, 1, n).tolist(),
            rng.uniform(-150, 150, n).tolist(),
            rng.uniform(-150, 150, n).tolist(),
            strict=True,
        )
    )
    bx, by = _boundary_points(spots)
    ux = rng.uniform(176_000, 219_000, n)
    uy = rng.uniform(533_000, 570_000, n)
    fast, exact = _tag_both_ways(np.concatenate([bx, ux]), np.concatenate([by, uy]))
    _same(fast, exact)
    # the batch has points on every side of the rule
    assert exact["sig_cd"].isna().sum() > 1000 and exact["sig_cd"].notna().sum() > 10_000


_decimal_text = st.one_of(
    st.floats(-1e9, 1e9, allow_nan=False).map(lambda v: f"{v:.7f}"),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.decimals(-1e6, 1e6, places=3, allow_nan=False).map(str),
    st.from_regex(r"[+-]?[0-9]{0,9}[.]?[0-9]{0,9}", fullmatch=True),
    st.sampled_from(["", " ", "1,234.5", " 37.5 ", "1e3", "inf", "-", ".", "없음", "１２"]),
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(_decimal_text, min_size=1, max_size=30))
def test_property_to_float_equals_pandas_parse(cells: list[str]) -> None:
    """The vectorised parse gives exactly what stripping + pandas.to_numeric gives."""
    from layers.coords import _parse_text, to_float

    for dtype in ("str", object):
        values = pd.Series(cells, dtype=dtype)
        np.testing.assert_array_equal(to_float(values), _parse_text(values))
