"""Line of sight: a camera does not watch demand behind a building.

Given building footprints (polygons, EPSG:5186), :func:`visible_cover` keeps a
covered (camera, demand point) pair only when the straight segment between
them does not cross a footprint, and :func:`drop_inside` removes demand
samples that lie inside a footprint (indoor area is not street demand; the
cell's score is shared out again among its remaining samples, so a cell's
weight is conserved; cells wholly under buildings are dropped and counted).

The test is shapely 2's vectorised ``STRtree.query(segments, predicate="crosses")``
on the footprints, run over the sparse matrix's pairs in chunks, so its cost
grows with the covered pairs, never with cameras × demand. A segment that
only touches a wall (a camera mounted on a façade) is not blocked; a camera
placed inside a footprint sees nothing outside it.

Examples
--------
>>> import numpy as np, scipy.sparse as sp, shapely
>>> wall = Buildings.from_geometries(np.array([shapely.box(10, -5, 12, 5)]))
>>> cover = sp.csr_matrix(np.array([[1, 1]], dtype=np.uint8))
>>> seen, blocked = visible_cover(cover, np.array([[0.0, 0.0]]), np.array([[5.0, 0.0], [20.0, 0.0]]), wall)
>>> seen.toarray().tolist(), blocked
([[1, 0]], 1)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely

from layers.crs import require_working_crs
from layers.errors import EmptyLayerError, InputError
from siting.demand import Demand

__all__ = ["Buildings", "drop_inside", "visible_cover"]

log = logging.getLogger(__name__)

#: Segments tested per chunk (bounds memory: ~100 bytes a segment).
CHUNK = 250_000


@dataclass
class Buildings:
    """Building footprints on an STRtree.

    Attributes
    ----------
    geoms : ndarray of shapely Polygon
        Footprints (EPSG:5186).
    tree : shapely.STRtree
        Index over ``geoms``.
    """

    geoms: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def from_geometries(cls, geoms: np.ndarray) -> Buildings:
        """Index polygon footprints (multi-polygons are split into parts)."""
        parts = shapely.get_parts(np.asarray(geoms))
        parts = parts[shapely.get_type_id(parts) == int(shapely.GeometryType.POLYGON)]
        shapely.prepare(parts)
        return cls(parts, shapely.STRtree(parts))

    @classmethod
    def from_frame(cls, frame: gpd.GeoDataFrame, layer: str = "buildings") -> Buildings:
        """Footprints of a polygon layer in EPSG:5186.

        Raises
        ------
        CRSError
            Not in EPSG:5186 (read it with ``layers.read_layer``, which reprojects).
        InputError
            Rows that are not polygons; invalid polygons.
        EmptyLayerError
            No footprints.
        """
        require_working_crs(frame, layer)
        geoms = np.asarray(frame.geometry.values)
        if geoms.size == 0:
            raise EmptyLayerError("has no footprints", layer=layer, fix="give building polygons")
        kinds = shapely.get_type_id(geoms)
        polygonal = (kinds == int(shapely.GeometryType.POLYGON)) | (
            kinds == int(shapely.GeometryType.MULTIPOLYGON)
        )
        bad = np.flatnonzero(~polygonal)
        if bad.size:
            raise InputError(
                f"{bad.size} row(s) are not polygons",
                layer=layer,
                rows=(bad + 1).tolist(),
                fix="give building footprints as polygons (e.g. the national building "
                "footprint shapefile)",
            )
        invalid = np.flatnonzero(~shapely.is_valid(geoms))
        if invalid.size:
            reason = shapely.is_valid_reason(geoms[invalid[0]])
            raise InputError(
                f"{invalid.size} footprint(s) are invalid (first: {reason})",
                layer=layer,
                rows=(invalid + 1).tolist(),
                fix="repair them (the readers' --repair uses shapely.make_valid)",
            )
        return cls.from_geometries(geoms)

    def inside(self, xy: np.ndarray) -> np.ndarray:
        """Boolean mask of points strictly inside a footprint."""
        if xy.shape[0] == 0:
            return np.zeros(0, dtype=bool)
        hit = np.zeros(xy.shape[0], dtype=bool)
        for start in range(0, xy.shape[0], CHUNK):
            pts = shapely.points(xy[start : start + CHUNK])
            idx, _ = self.tree.query(pts, predicate="within")
            hit[start + idx] = True
        return hit


def visible_cover(
    cover: sp.csr_matrix, cameras_xy: np.ndarray, demand_xy: np.ndarray, buildings: Buildings
) -> tuple[sp.csr_matrix, int]:
    """Drop (camera, demand) pairs whose sight line crosses a footprint.

    Parameters
    ----------
    cover : csr_matrix
        Cameras × demand points coverage (radius only).
    cameras_xy, demand_xy : ndarray, shape (n, 2)
        Coordinates (m, EPSG:5186) of the rows and columns.
    buildings : Buildings
        Footprints.

    Returns
    -------
    (csr_matrix, int)
        The coverage with blocked pairs removed (same shape, uint8), and the
        number of pairs blocked.
    """
    coo = sp.csr_matrix(cover).tocoo()
    rows = coo.row.astype(np.int64)
    cols = coo.col.astype(np.int64)
    blocked = np.zeros(rows.shape[0], dtype=bool)
    for start in range(0, rows.shape[0], CHUNK):
        r = rows[start : start + CHUNK]
        c = cols[start : start + CHUNK]
        coords = np.stack([cameras_xy[r], demand_xy[c]], axis=1)
        segments = shapely.linestrings(coords)
        idx, _ = buildings.tree.query(segments, predicate="crosses")
        blocked[start + np.unique(idx)] = True
    keep = ~blocked
    out = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.uint8), (rows[keep], cols[keep])), shape=cover.shape
    )
    out.sort_indices()
    n_blocked = int(blocked.sum())
    log.info("line of sight: %d of %d covered pairs blocked by buildings", n_blocked, rows.size)
    return out, n_blocked


def drop_inside(demand: Demand, buildings: Buildings) -> tuple[Demand, dict[str, Any]]:
    """Demand without the samples (or point features) inside building footprints.

    Returns
    -------
    (Demand, dict)
        The demand (each cell's weight shared out again among the samples
        left; cells wholly inside footprints dropped) and counts for ``summary.json``.
    """
    import geopandas as gpd

    from layers.crs import WORKING_CRS
    from siting.sampling import subsample, subset_samples

    xy = demand.unit_xy()
    inside = buildings.inside(xy)
    report: dict[str, Any] = {
        "units_inside_buildings": int(inside.sum()),
        "units": int(xy.shape[0]),
    }
    if not inside.any():
        return demand, report
    weights = demand.weights
    dropped = dict(demand.dropped or {})
    if demand.samples is not None:
        samples = subsample(demand.samples, ~inside, weights, demand.samples.how + ", outdoors")
        alive = np.zeros(len(demand.frame), dtype=bool)
        alive[samples.feature] = True
        frame = gpd.GeoDataFrame(demand.frame[alive].reset_index(drop=True), crs=WORKING_CRS)
        samples = subset_samples(samples, alive)
        lost = ~alive
    else:
        lost = inside
        frame = gpd.GeoDataFrame(demand.frame[~inside].reset_index(drop=True), crs=WORKING_CRS)
        samples = None
    total = float(weights.sum())
    dropped["inside_buildings"] = {
        "samples": int(inside.sum()),
        "features": int(lost.sum()),
        "weight": float(weights[lost].sum()),
        "share_pct": 100.0 * float(weights[lost].sum()) / total if total > 0 else 0.0,
        "reason": "indoors (inside a building footprint): not street demand",
    }
    report.update(dropped["inside_buildings"])
    if len(frame) == 0:
        raise EmptyLayerError(
            "every demand point lies inside a building footprint",
            layer="buildings",
            fix="check that the buildings layer is footprints (not blocks or parcels) and its CRS",
        )
    out = Demand(frame, demand.name, demand.weight_source, samples, dropped, demand.cell_size_m)
    return out, report
