"""Demand below the grid cell: sample points that share out each cell's score.

The MOIS model ranks 100 m cells and a CCTV camera watches a 50 m disc, so a
cell centroid is either fully "covered" or not at all, and a candidate covers
at most one centroid. Here each demand cell becomes sample points spaced finer
than the coverage radius (default radius / 4, 12.5 m for CCTV), each carrying
its share of the cell's score, so that a cell's weight is conserved and
coverage becomes a share of real area:

* :func:`sample_cells` — a regular ``k × k`` sub-grid in every cell
  (``k = ceil(cell / spacing)``), each sample standing for ``(cell / k)²`` m²;
* :func:`sample_where` — only where people are, from a ``--where`` layer:
  lines (street centrelines) sampled along at the spacing (each sample
  stands for its share of line length, m), polygons (sidewalks, a built-up
  mask) keep the cell's sub-grid points that fall inside them (m²), points
  (building entrances) are samples themselves ("places"). A cell's score is
  shared among its samples in proportion to what each stands for; D/E cells
  the layer does not reach are dropped and counted in ``Demand.dropped``.

Everything is numpy arrays (:class:`~siting.demand.DemandSamples`), never a
GeoDataFrame of points.

Examples
--------
>>> import numpy as np
>>> s = sample_cells(np.array([[50.0, 50.0]]), 100.0, np.array([8.0]), 25.0)
>>> len(s), float(s.weight.sum()), float(s.measure.sum()), s.spacing_m
(16, 8.0, 10000.0, 25.0)
"""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from layers.crs import WORKING_CRS, require_working_crs
from layers.errors import EmptyLayerError, InputError
from siting.demand import Demand, DemandSamples

__all__ = [
    "cell_lookup",
    "sample_cells",
    "sample_demand",
    "sample_where",
    "subset_samples",
    "subsample",
]

log = logging.getLogger(__name__)


def _check_spacing(spacing: float, cell_size: float) -> int:
    if not math.isfinite(spacing) or spacing <= 0:
        raise InputError(
            f"demand spacing is {spacing!r} m",
            layer="demand spacing",
            fix="give a spacing > 0 m (default: radius / 4, 12.5 m for CCTV), "
            "or 0 for one point per cell centroid",
        )
    return max(1, math.ceil(cell_size / spacing - 1e-9))


def _offsets(cell_size: float, k: int) -> np.ndarray:
    step = cell_size / k
    return (np.arange(k, dtype=np.float64) + 0.5) * step - cell_size / 2.0


def sample_cells(
    centres: np.ndarray, cell_size: float, weights: np.ndarray, spacing: float
) -> DemandSamples:
    """A ``k × k`` sub-grid of samples in every cell, each with ``weight / k²``.

    Parameters
    ----------
    centres : ndarray, shape (n_cells, 2)
        Cell centres (m, EPSG:5186).
    cell_size : float
        Cell edge (m).
    weights : ndarray, shape (n_cells,)
        Cell weights (grid score).
    spacing : float
        Largest sample spacing (m); the actual spacing is ``cell / ceil(cell / spacing)``.

    Returns
    -------
    DemandSamples
        ``n_cells × k²`` samples, cell by cell; ``measure`` in m².
    """
    k = _check_spacing(spacing, cell_size)
    off = _offsets(cell_size, k)
    dx, dy = np.meshgrid(off, off[::-1])
    dx, dy = dx.ravel(), dy.ravel()
    n = centres.shape[0]
    xy = np.empty((n * k * k, 2), dtype=np.float64)
    xy[:, 0] = (centres[:, 0][:, None] + dx[None, :]).ravel()
    xy[:, 1] = (centres[:, 1][:, None] + dy[None, :]).ravel()
    step = cell_size / k
    return DemandSamples(
        xy=xy,
        weight=np.repeat(np.asarray(weights, dtype=np.float64) / (k * k), k * k),
        measure=np.full(n * k * k, step * step),
        feature=np.repeat(np.arange(n, dtype=np.int64), k * k),
        spacing_m=step,
        unit="m²",
        how=f"{k}×{k} sub-grid per {cell_size:g} m cell",
    )


def cell_lookup(centres: np.ndarray, cell_size: float, xy: np.ndarray) -> np.ndarray:
    """Row of the cell (by centre) holding each point; ``-1`` outside every cell.

    The cells are squares of ``cell_size`` on one aligned lattice.
    """
    if centres.shape[0] == 0 or xy.shape[0] == 0:
        return np.full(xy.shape[0], -1, dtype=np.int64)
    x0 = float(centres[0, 0]) - cell_size / 2
    y0 = float(centres[0, 1]) - cell_size / 2
    pi = np.floor((xy[:, 0] - x0) / cell_size).astype(np.int64)
    pj = np.floor((xy[:, 1] - y0) / cell_size).astype(np.int64)
    # Cell centres sit at (i + 0.5) · size: their floor index is i.
    ci = np.floor((centres[:, 0] - x0) / cell_size).astype(np.int64)
    cj = np.floor((centres[:, 1] - y0) / cell_size).astype(np.int64)
    base_i = min(int(ci.min()), int(pi.min())) - 1
    base_j = min(int(cj.min()), int(pj.min())) - 1
    span = max(int(ci.max()), int(pi.max())) - base_i + 2
    ckey = (cj - base_j) * span + (ci - base_i)
    pkey = (pj - base_j) * span + (pi - base_i)
    order = np.argsort(ckey, kind="stable")
    sorted_keys = ckey[order]
    pos = np.searchsorted(sorted_keys, pkey)
    pos = np.clip(pos, 0, sorted_keys.shape[0] - 1)
    hit = sorted_keys[pos] == pkey
    out = np.full(xy.shape[0], -1, dtype=np.int64)
    out[hit] = order[pos[hit]]
    return out


def _share(feature: np.ndarray, measure: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each sample's share of its feature's weight, in proportion to ``measure``."""
    total = np.bincount(feature, weights=measure, minlength=weights.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return weights[feature] * measure / total[feature]


def subsample(
    samples: DemandSamples, keep: np.ndarray, weights: np.ndarray, how: str
) -> DemandSamples:
    """Keep some samples and share each feature's weight out again among those kept."""
    feature = samples.feature[keep]
    measure = samples.measure[keep]
    return DemandSamples(
        xy=samples.xy[keep],
        weight=_share(feature, measure, weights),
        measure=measure,
        feature=feature,
        spacing_m=samples.spacing_m,
        unit=samples.unit,
        how=how,
    )


def _where_geometries(where: gpd.GeoDataFrame) -> tuple[str, np.ndarray]:
    require_working_crs(where, "where")
    geoms = np.asarray(where.geometry.values)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if geoms.size == 0:
        raise EmptyLayerError(
            "has no features", layer="where", fix="give lines, polygons or points where people are"
        )
    parts = shapely.get_parts(geoms)
    kinds = set(shapely.get_type_id(parts).tolist())
    line = {int(shapely.GeometryType.LINESTRING), int(shapely.GeometryType.LINEARRING)}
    poly = {int(shapely.GeometryType.POLYGON)}
    point = {int(shapely.GeometryType.POINT)}
    if kinds <= line:
        return "lines", parts
    if kinds <= poly:
        return "polygons", parts
    if kinds <= point:
        return "points", parts
    raise InputError(
        "mixes lines, polygons and points",
        layer="where",
        fix="give one geometry kind: street lines, sidewalk/built-up polygons or entrance points",
    )


def sample_where(
    centres: np.ndarray,
    cell_size: float,
    weights: np.ndarray,
    spacing: float,
    where: gpd.GeoDataFrame,
) -> DemandSamples:
    """Samples only where a ``--where`` layer says people are (see module docstring).

    Parameters
    ----------
    centres, cell_size, weights, spacing
        As :func:`sample_cells`.
    where : GeoDataFrame
        Lines, polygons or points in EPSG:5186.

    Returns
    -------
    DemandSamples
        Only samples inside demand cells; cells without any keep no weight
        (the caller reports them).

    Raises
    ------
    InputError
        The layer misses every demand cell (wrong area or CRS), or mixes
        geometry kinds.
    """
    kind, geoms = _where_geometries(where)
    k = _check_spacing(spacing, cell_size)
    step = cell_size / k
    if kind == "polygons":
        grid = sample_cells(centres, cell_size, weights, spacing)
        tree = shapely.STRtree(geoms)
        pts = shapely.points(grid.xy)
        idx, _ = tree.query(pts, predicate="intersects")
        keep = np.zeros(len(grid), dtype=bool)
        keep[idx] = True
        del pts
        samples = subsample(grid, keep, weights, f"{k}×{k} sub-grid points inside where polygons")
    else:
        if kind == "lines":
            length = shapely.length(geoms)
            n = np.maximum(1, np.ceil(length / spacing - 1e-9)).astype(np.int64)
            owner = np.repeat(np.arange(geoms.shape[0]), n)
            first = np.repeat(np.cumsum(n) - n, n)
            rank = np.arange(owner.shape[0]) - first
            dist = (rank + 0.5) * (length / n)[owner]
            xy = shapely.get_coordinates(shapely.line_interpolate_point(geoms[owner], dist))
            measure = (length / n)[owner]
            unit, how = "m", f"along where lines every ≤ {spacing:g} m"
        else:
            xy = shapely.get_coordinates(geoms)
            measure = np.ones(xy.shape[0])
            unit, how = "places", "where points, each in its cell"
        feature = cell_lookup(centres, cell_size, xy)
        inside = (feature >= 0) & (measure > 0)
        feature, xy, measure = feature[inside], xy[inside], measure[inside]
        order = np.argsort(feature, kind="stable")
        feature, xy, measure = feature[order], xy[order], measure[order]
        samples = DemandSamples(
            xy=np.ascontiguousarray(xy),
            weight=_share(feature, measure, weights),
            measure=measure,
            feature=feature,
            spacing_m=step if unit == "m²" else float(spacing),
            unit=unit,
            how=how,
        )
    if len(samples) == 0:
        raise InputError(
            f"none of its {geoms.shape[0]} {kind} reaches a demand cell of the study area",
            layer="where",
            fix="give a layer that covers the study area (check --district and the layer's CRS; "
            "a layer in EPSG:5179/5174 needs its .prj or --crs)",
        )
    return samples


def subset_samples(samples: DemandSamples, feature_mask: np.ndarray) -> DemandSamples:
    """Samples of the features kept by ``feature_mask``, features renumbered in order."""
    new_index = np.cumsum(feature_mask) - 1
    keep = feature_mask[samples.feature]
    return DemandSamples(
        xy=samples.xy[keep],
        weight=samples.weight[keep],
        measure=samples.measure[keep],
        feature=new_index[samples.feature[keep]].astype(np.int64),
        spacing_m=samples.spacing_m,
        unit=samples.unit,
        how=samples.how,
    )


def sample_demand(
    demand: Demand,
    cell_size: float,
    spacing: float,
    *,
    where: gpd.GeoDataFrame | None = None,
) -> Demand:
    """Grid demand (cell centroids) → the same cells with sample points below them.

    Parameters
    ----------
    demand : Demand
        From :func:`siting.demand.grid_demand` (cell centroids, weight = score).
    cell_size : float
        Cell edge (m).
    spacing : float
        Sample spacing (m); ``0`` keeps one point per cell centroid (the
        cell-centroid model of the MOIS standard analysis).
    where : GeoDataFrame, optional
        Where people are (lines, polygons or points); see :func:`sample_where`.

    Returns
    -------
    Demand
        The cells (``frame``, unchanged apart from cells the ``where`` layer
        does not reach, which are dropped and counted in ``dropped``) with
        ``samples``.
    """
    if spacing == 0 and where is None:
        return demand
    require_working_crs(demand.frame, demand.name)
    centres = demand.xy()
    weights = demand.weights
    if where is None:
        samples = sample_cells(centres, cell_size, weights, spacing)
        log.info("demand: %d cells → %d samples (%s)", len(centres), len(samples), samples.how)
        return Demand(demand.frame, demand.name, demand.weight_source, samples, demand.dropped)
    samples = sample_where(centres, cell_size, weights, spacing or cell_size / 8, where)
    reached = np.zeros(len(centres), dtype=bool)
    reached[samples.feature] = True
    dropped: dict[str, Any] = dict(demand.dropped or {})
    total = float(weights.sum())
    dropped["cells_without_where"] = {
        "cells": int((~reached).sum()),
        "weight": float(weights[~reached].sum()),
        "share_pct": 100.0 * float(weights[~reached].sum()) / total if total > 0 else 0.0,
        "reason": "no where-layer feature inside the cell: no people to watch there",
    }
    frame = gpd.GeoDataFrame(demand.frame[reached].reset_index(drop=True), crs=WORKING_CRS)
    samples = subset_samples(samples, reached)
    log.info(
        "demand: %d of %d cells reached by the where layer → %d samples (%s)",
        int(reached.sum()),
        len(centres),
        len(samples),
        samples.how,
    )
    return Demand(frame, f"{demand.name} where people are", demand.weight_source, samples, dropped)
