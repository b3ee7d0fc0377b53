"""Which candidate site covers which demand, as a sparse matrix from a spatial index.

A coverage matrix has one row per candidate site and one column per demand
unit (risk-grid cell, place, foot-traffic point); entry ``1`` means the demand
lies within the service radius (m, EPSG:5186) of the site. It is built from a
KD-tree (points) or shapely's STRtree ``dwithin`` (polygons), never from an
all-pairs distance matrix, so memory grows with the number of covered pairs,
not with demand × candidates.

Existing devices remove demand by one rule (:class:`ExistingWatch`): each
watches the units in its disc with its share ``s_i`` (camera share × aged
credit, :mod:`siting.existing_cover`), independently, so a unit keeps
``Π(1 − s_i)`` of its weight (:func:`uncovered_weights`). Before this rule an
overlap of partial credits took the largest credit; with full credits (the
default aged credit 1 and ``--existing-cover disc``) both give the same result.

Examples
--------
>>> import numpy as np
>>> cand = np.array([[0.0, 0.0], [100.0, 0.0]])
>>> dem = np.array([[10.0, 0.0], [60.0, 0.0], [300.0, 0.0]])
>>> coverage_matrix(cand, dem, 50.0).toarray()
array([[1, 0, 0],
       [0, 1, 0]], dtype=uint8)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from layers.errors import InputError
from siting._checks import WEIGHT_FIX, nonnegative_finite

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ExistingWatch",
    "coverage_from_geometries",
    "coverage_matrix",
    "uncovered_weights",
    "unwatched_share",
]

log = logging.getLogger(__name__)


def _check_xy(xy: np.ndarray, layer: str) -> np.ndarray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(
            f"coordinates have shape {arr.shape}; expected (n, 2) x, y pairs in metres",
            layer=layer,
            fix="pass an array of x, y columns in EPSG:5186",
        )
    bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
    if bad.size:
        raise InputError(
            f"{bad.size} point(s) have NaN or infinite coordinates",
            layer=layer,
            rows=(bad + 1).tolist(),
            fix="drop or repair those rows before siting",
        )
    return arr


def _check_radius(radius: float) -> float:
    r = float(radius)
    if not np.isfinite(r) or r <= 0:
        raise InputError(
            f"radius is {radius!r} m; it must be a positive number of metres",
            layer="radius",
            fix="give the service radius in metres, e.g. 50 for CCTV",
        )
    return r


def _pairs_to_csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    data = np.ones(rows.shape[0], dtype=np.uint8)
    mat = sp.csr_matrix((data, (rows, cols)), shape=shape)
    mat.sum_duplicates()
    mat.data[:] = 1
    mat.sort_indices()
    return mat


def coverage_matrix(
    candidates_xy: np.ndarray, demand_xy: np.ndarray, radius: float
) -> sp.csr_matrix:
    """Sparse candidate × demand coverage of points within a radius.

    Parameters
    ----------
    candidates_xy : ndarray, shape (n_candidates, 2)
        Candidate sites, x and y in metres (EPSG:5186).
    demand_xy : ndarray, shape (n_demand, 2)
        Demand points (e.g. cell centroids), x and y in metres (EPSG:5186).
    radius : float
        Service radius in metres; a demand point is covered when its distance
        to the site is at most ``radius``.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``uint8`` matrix of shape (n_candidates, n_demand) with sorted indices,
        ``1`` where covered. Zero candidates give a matrix with no rows (for
        example when there are no existing devices).

    Raises
    ------
    InputError
        Coordinates that are not (n, 2), NaN coordinates, or a radius ≤ 0.

    Examples
    --------
    >>> import numpy as np
    >>> coverage_matrix(np.zeros((1, 2)), np.array([[3.0, 4.0]]), 5.0).nnz
    1
    """
    r = _check_radius(radius)
    cand = _check_xy(candidates_xy, "candidates")
    dem = _check_xy(demand_xy, "demand")
    shape = (cand.shape[0], dem.shape[0])
    if cand.shape[0] == 0 or dem.shape[0] == 0:
        return sp.csr_matrix(shape, dtype=np.uint8)
    # Both sets on KD-trees; the dual-tree traversal returns only the pairs
    # within r (inclusive, zero distances kept) as (i, j, distance) records.
    cand_tree = cKDTree(cand, compact_nodes=True, balanced_tree=False)
    dem_tree = cKDTree(dem, compact_nodes=True, balanced_tree=False)
    pairs = cand_tree.sparse_distance_matrix(dem_tree, r, output_type="ndarray")
    rows = pairs["i"].astype(np.int64)
    cols = pairs["j"].astype(np.int64)
    del pairs
    mat = _pairs_to_csr(rows, cols, shape)
    log.debug("coverage %s, radius %.1f m: %d covered pairs", shape, r, mat.nnz)
    return mat


def coverage_from_geometries(
    candidates: gpd.GeoSeries, demand: gpd.GeoSeries, radius: float
) -> sp.csr_matrix:
    """Sparse coverage of any demand geometries (points or polygons) by candidate sites.

    A polygon (grid cell, park) counts as covered when any part of it lies
    within ``radius`` of the site (shapely ``dwithin`` on an STRtree). Two
    point layers go through the faster KD-tree of :func:`coverage_matrix`.

    Parameters
    ----------
    candidates : GeoSeries
        Candidate sites (points, EPSG:5186).
    demand : GeoSeries
        Demand geometries (points or polygons, EPSG:5186).
    radius : float
        Service radius in metres.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``uint8`` (len(candidates) × len(demand)), ``1`` where covered.

    Raises
    ------
    CRSError
        Either layer is not in EPSG:5186.
    InputError
        Empty or missing geometries, or a radius ≤ 0.
    """
    import shapely

    from layers.crs import require_working_crs

    require_working_crs(candidates, "candidates")
    require_working_crs(demand, "demand")
    r = _check_radius(radius)
    for name, series in (("candidates", candidates), ("demand", demand)):
        missing = np.flatnonzero(np.asarray(series.isna() | series.is_empty))
        if missing.size:
            raise InputError(
                f"{missing.size} row(s) have no geometry",
                layer=name,
                rows=(missing + 1).tolist(),
                fix="drop rows without geometry before siting",
            )
    cand_geoms = np.asarray(candidates.values)
    dem_geoms = np.asarray(demand.values)
    shape = (len(cand_geoms), len(dem_geoms))
    if shape[0] == 0 or shape[1] == 0:
        return sp.csr_matrix(shape, dtype=np.uint8)
    point = shapely.GeometryType.POINT
    if (shapely.get_type_id(cand_geoms) == point).all() and (
        shapely.get_type_id(dem_geoms) == point
    ).all():
        return coverage_matrix(
            shapely.get_coordinates(cand_geoms), shapely.get_coordinates(dem_geoms), r
        )
    tree = shapely.STRtree(dem_geoms)
    cand_idx, dem_idx = tree.query(cand_geoms, predicate="dwithin", distance=r)
    return _pairs_to_csr(cand_idx.astype(np.int64), dem_idx.astype(np.int64), shape)


class ExistingWatch:
    """Who watches each demand unit: the combination rule, kept up to date as devices move.

    Each existing device ``i`` watches the units in its disc with probability
    ``s_i`` (its share: camera share × aged credit, :mod:`siting.existing_cover`),
    independently of the others, so a unit is left unwatched with probability
    ``Π_i (1 − s_i)`` over the devices whose disc holds it (``1`` where none
    does). The state keeps, per unit, the number of devices with ``s = 1`` and
    the product of ``1 − s`` over the others, so that a device can be taken
    out and put back (replacement moves) and a device with ``s = 1`` leaves
    exactly ``0``. With every share ``1`` this is the disc rule: a unit is
    watched when any device reaches it.

    Parameters
    ----------
    existing_cover : sparse matrix (n_existing × n_demand)
        Coverage of the existing devices (:func:`coverage_matrix`).
    shares : ndarray, shape (n_existing,), optional
        Share of its disc each device watches, in [0, 1]; default 1 each.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> cover = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0]], dtype=np.uint8))
    >>> watch = ExistingWatch(cover, np.array([1.0, 0.5]))
    >>> watch.unwatched().tolist()
    [0.0, 0.0, 1.0]
    >>> watch.remove(np.array([0, 1]), 1.0)
    >>> watch.unwatched().tolist()
    [1.0, 0.5, 1.0]
    """

    def __init__(
        self, existing_cover: sp.spmatrix | sp.sparray, shares: np.ndarray | None = None
    ) -> None:
        cover = sp.csc_matrix(existing_cover)
        cover.eliminate_zeros()
        cover.sort_indices()
        n_existing, n_demand = cover.shape
        share = np.ones(n_existing) if shares is None else np.asarray(shares, dtype=np.float64)
        full = share[cover.indices] >= 1.0
        self.n_full = np.bincount(
            np.repeat(np.arange(n_demand), np.diff(cover.indptr))[full], minlength=n_demand
        ).astype(np.int64)
        self.product = np.ones(n_demand, dtype=np.float64)
        starts = np.flatnonzero(np.diff(cover.indptr) > 0)
        if starts.size:
            miss = np.where(full, 1.0, 1.0 - share[cover.indices])
            self.product[starts] = np.multiply.reduceat(miss, cover.indptr[starts])

    def unwatched(self) -> np.ndarray:
        """Share of each unit no device watches, in [0, 1]."""
        return np.where(self.n_full > 0, 0.0, self.product)

    def others_unwatched(self, units: np.ndarray, share: float | np.ndarray) -> np.ndarray:
        """Unwatched share of ``units`` by all devices but one (of ``share``) that covers them.

        ``share`` is that device's share, one value or one per unit.
        """
        s = np.broadcast_to(np.asarray(share, dtype=np.float64), np.shape(units))
        full = s >= 1.0
        others_full = self.n_full[units] - full
        rest = self.product[units] / np.where(full, 1.0, 1.0 - s)
        return np.where(others_full > 0, 0.0, rest)

    def remove(self, units: np.ndarray, share: float) -> None:
        """Take out a device of share ``share`` whose disc holds ``units``."""
        if share >= 1.0:
            self.n_full[units] -= 1
        else:
            self.product[units] /= 1.0 - share

    def add(self, units: np.ndarray, share: float) -> None:
        """Put in a device of share ``share`` whose disc holds ``units``."""
        if share >= 1.0:
            self.n_full[units] += 1
        else:
            self.product[units] *= 1.0 - share


def unwatched_share(
    existing_cover: sp.spmatrix | sp.sparray, shares: np.ndarray | None = None
) -> np.ndarray:
    """Share of each demand unit no existing device watches: ``Π(1 − s_i)`` (:class:`ExistingWatch`).

    Parameters
    ----------
    existing_cover : sparse matrix (n_existing × n_demand)
        Coverage of the existing devices (:func:`coverage_matrix`).
    shares : ndarray, shape (n_existing,), optional
        Share of its disc each device watches, in [0, 1]; default 1 each.

    Returns
    -------
    ndarray, shape (n_demand,)
        Unwatched share of each unit, in [0, 1]; byte-identical for the same inputs.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> cover = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0]], dtype=np.uint8))
    >>> unwatched_share(cover, np.array([0.25, 0.5])).tolist()
    [0.75, 0.375, 1.0]
    """
    return ExistingWatch(existing_cover, shares).unwatched()


def uncovered_weights(
    weights: np.ndarray,
    existing_cover: sp.spmatrix | sp.sparray | None,
    *,
    partial_credit: np.ndarray | None = None,
) -> np.ndarray:
    """Demand weights left once existing devices' coverage is removed.

    Parameters
    ----------
    weights : ndarray, shape (n_demand,)
        Demand weights (e.g. risk score of each D/E cell), non-negative.
    existing_cover : sparse matrix (n_existing × n_demand) or None
        Coverage of the existing devices (from :func:`coverage_matrix`);
        ``None`` or no rows means nothing is covered yet.
    partial_credit : ndarray, shape (n_existing,), optional
        Share of its disc each existing device watches, in [0, 1]: ``1``
        (default) for a working device watching its whole disc, less for an
        ageing one (its aged credit) or one with few cameras (camera share ×
        aged credit, :func:`siting.existing_cover.existing_shares`). Devices
        over the same unit combine as ``1 − Π(1 − credit_i)``
        (:func:`unwatched_share`).

    Returns
    -------
    ndarray, shape (n_demand,)
        ``weights × Π(1 − credit_i)``: ``0`` where a device with credit 1
        covers the demand, in ``[0, weights]`` everywhere.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> cover = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0]], dtype=np.uint8))
    >>> uncovered_weights(np.array([2.0, 3.0, 4.0]), cover, partial_credit=np.array([0.5, 1.0]))
    array([1., 0., 4.])
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        raise InputError(
            f"weights have shape {w.shape}; expected one weight per demand unit",
            layer="weights",
            fix="pass a 1-D array",
        )
    nonnegative_finite(w, what="weight(s)", layer="weights", fix=WEIGHT_FIX)
    if existing_cover is None or existing_cover.shape[0] == 0:
        return w.copy()
    if existing_cover.shape[1] != w.shape[0]:
        raise InputError(
            f"existing coverage has {existing_cover.shape[1]} demand columns but there are "
            f"{w.shape[0]} weights",
            layer="existing",
            fix="build the existing devices' coverage against the same demand layer",
        )
    if partial_credit is None:
        return w * unwatched_share(existing_cover)
    credit = np.asarray(partial_credit, dtype=np.float64)
    if credit.shape != (existing_cover.shape[0],):
        raise InputError(
            f"partial_credit has shape {credit.shape}; expected one value per existing "
            f"device ({existing_cover.shape[0]})",
            layer="existing",
            fix="give one credit in [0, 1] per existing device",
        )
    bad = np.flatnonzero(~np.isfinite(credit) | (credit < 0) | (credit > 1))
    if bad.size:
        raise InputError(
            f"{bad.size} partial credit value(s) are outside [0, 1]",
            layer="existing",
            rows=(bad + 1).tolist(),
            fix="use 1 for a working device, e.g. 0.5 for an ageing one, 0 for none",
        )
    return w * unwatched_share(existing_cover, credit)
