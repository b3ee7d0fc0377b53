"""Coverage matrices from a spatial index and uncovered demand weights."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from layers.errors import CRSError, InputError
from siting.coverage import coverage_from_geometries, coverage_matrix, uncovered_weights

X0, Y0 = 200_000.0, 550_000.0  # somewhere in Seoul, EPSG:5186


def _points(seed: int, n: int, extent: float = 500.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([X0 + rng.uniform(0, extent, n), Y0 + rng.uniform(0, extent, n)])


def _brute(cand: np.ndarray, dem: np.ndarray, radius: float) -> np.ndarray:
    d = np.sqrt(((cand[:, None, :] - dem[None, :, :]) ** 2).sum(axis=2))
    return (d <= radius).astype(np.uint8)


def test_matches_all_pairs_distances() -> None:
    cand, dem = _points(1, 40), _points(2, 200)
    cover = coverage_matrix(cand, dem, 80.0)
    assert isinstance(cover, sp.csr_matrix)
    assert cover.dtype == np.uint8
    assert cover.shape == (40, 200)
    np.testing.assert_array_equal(cover.toarray(), _brute(cand, dem, 80.0))


def test_boundary_distance_is_covered() -> None:
    cover = coverage_matrix(np.array([[0.0, 0.0]]), np.array([[30.0, 40.0], [30.0, 40.1]]), 50.0)
    assert cover.toarray().tolist() == [[1, 0]]


def test_no_candidates_gives_no_rows() -> None:
    cover = coverage_matrix(np.zeros((0, 2)), _points(0, 5), 50.0)
    assert cover.shape == (0, 5)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    r1=st.floats(1.0, 300.0),
    extra=st.floats(0.0, 300.0),
)
def test_coverage_never_decreases_when_radius_grows(seed: int, r1: float, extra: float) -> None:
    cand, dem = _points(seed, 15), _points(seed + 1, 60)
    small = coverage_matrix(cand, dem, r1).toarray()
    large = coverage_matrix(cand, dem, r1 + extra).toarray()
    assert (small <= large).all()


@pytest.mark.parametrize("radius", [0.0, -5.0, float("nan")])
def test_radius_must_be_positive(radius: float) -> None:
    with pytest.raises(InputError, match="radius"):
        coverage_matrix(_points(0, 3), _points(1, 3), radius)


def test_nan_coordinates_name_the_rows() -> None:
    dem = _points(1, 4)
    dem[2, 0] = np.nan
    with pytest.raises(InputError, match="rows: 3"):
        coverage_matrix(_points(0, 3), dem, 50.0)


def test_geometries_polygons_use_dwithin() -> None:
    cells = gpd.GeoSeries(
        [box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 200, Y0, X0 + 300, Y0 + 100)], crs="EPSG:5186"
    )
    sites = gpd.GeoSeries([Point(X0 + 150, Y0 + 50), Point(X0 - 60, Y0)], crs="EPSG:5186")
    cover = coverage_from_geometries(sites, cells, 50.0)
    assert cover.toarray().tolist() == [[1, 1], [0, 0]]


def test_geometries_points_match_coordinates() -> None:
    cand, dem = _points(3, 20), _points(4, 50)
    sites = gpd.GeoSeries(gpd.points_from_xy(cand[:, 0], cand[:, 1]), crs="EPSG:5186")
    demand = gpd.GeoSeries(gpd.points_from_xy(dem[:, 0], dem[:, 1]), crs="EPSG:5186")
    got = coverage_from_geometries(sites, demand, 70.0)
    np.testing.assert_array_equal(got.toarray(), coverage_matrix(cand, dem, 70.0).toarray())


def test_geometries_in_different_crs_are_refused() -> None:
    sites = gpd.GeoSeries([Point(127.0, 37.5)], crs="EPSG:4326")
    demand = gpd.GeoSeries([Point(X0, Y0)], crs="EPSG:5186")
    with pytest.raises(CRSError, match=r"candidates.*EPSG:4326.*expected EPSG:5186"):
        coverage_from_geometries(sites, demand, 50.0)


def test_uncovered_weights_full_and_partial_credit() -> None:
    cover = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0]], dtype=np.uint8))
    w = np.array([2.0, 3.0, 4.0, 5.0])
    np.testing.assert_allclose(uncovered_weights(w, cover), [0, 0, 0, 5])
    np.testing.assert_allclose(
        uncovered_weights(w, cover, partial_credit=np.array([1.0, 0.25])), [0, 0, 3, 5]
    )
    np.testing.assert_allclose(uncovered_weights(w, None), w)


def test_uncovered_weights_refuse_negative_weights() -> None:
    with pytest.raises(InputError, match=r"negative.*\n.*rows: 2"):
        uncovered_weights(np.array([1.0, -1.0]), None)
