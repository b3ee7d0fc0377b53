"""The cell lattice: square cells aligned to multiples of the cell size in EPSG:5186.

Cells are aligned so that two grids of the same cell size line up cell for
cell, whatever their study area: a cell's edges are at whole multiples of the
cell size (m) in EPSG:5186. A cell belongs to the district that contains its
centroid (rasterio's default burn rule: a pixel is burnt when its centre lies
inside the polygon), and the study area is the set of cells whose centroid
lies in a chosen district.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine

from layers.crs import WORKING_CRS
from layers.districts import district_code, load_districts
from layers.errors import ConfigError

__all__ = [
    "GRADES",
    "RiskGrid",
    "check_cell_size",
    "grade_code",
    "MAX_CELL_SIZE_M",
    "MIN_CELL_SIZE_M",
    "Lattice",
    "cell_ids",
    "district_membership",
    "lattice_for",
    "resolve_districts",
]

#: Smallest allowed cell size (m).
MIN_CELL_SIZE_M = 10.0
#: Largest allowed cell size (m).
MAX_CELL_SIZE_M = 1000.0


@dataclass(frozen=True)
class Lattice:
    """A block of aligned square cells in EPSG:5186.

    Parameters
    ----------
    cell_size : float
        Cell edge (m).
    xmin, ymax : float
        Upper-left corner (m), both whole multiples of ``cell_size``.
    width, height : int
        Number of columns and rows.
    """

    cell_size: float
    xmin: float
    ymax: float
    width: int
    height: int

    @property
    def transform(self) -> Affine:
        """The affine transform of the lattice (north up)."""
        return Affine(self.cell_size, 0.0, self.xmin, 0.0, -self.cell_size, self.ymax)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``."""
        return (self.height, self.width)

    def cell_index(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat cell index of each coordinate (m); ``-1`` outside the lattice."""
        col = np.floor((np.asarray(x, dtype=np.float64) - self.xmin) / self.cell_size)
        row = np.floor((self.ymax - np.asarray(y, dtype=np.float64)) / self.cell_size)
        with np.errstate(invalid="ignore"):
            inside = (col >= 0) & (col < self.width) & (row >= 0) & (row < self.height)
        flat = np.full(col.shape, -1, dtype=np.int64)
        flat[inside] = row[inside].astype(np.int64) * self.width + col[inside].astype(np.int64)
        return flat


def check_cell_size(cell_size: float) -> None:
    """Raise :class:`ConfigError` unless 10 m ≤ ``cell_size`` ≤ 1 km."""
    if not (
        isinstance(cell_size, int | float)
        and math.isfinite(cell_size)
        and MIN_CELL_SIZE_M <= cell_size <= MAX_CELL_SIZE_M
    ):
        raise ConfigError(
            f"cell size {cell_size!r} m is outside {MIN_CELL_SIZE_M:g} m to {MAX_CELL_SIZE_M:g} m",
            layer="grid",
            fix="set [grid] cell_size_m to a value from 10 to 1000 (default 100)",
        )


def lattice_for(bounds: Sequence[float], cell_size: float) -> Lattice:
    """The aligned lattice that covers ``bounds`` (xmin, ymin, xmax, ymax in m).

    Examples
    --------
    >>> lattice_for((1049.0, 2001.0, 1251.0, 2199.0), 100).transform.c
    1000.0
    """
    check_cell_size(cell_size)
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    x0 = math.floor(xmin / cell_size) * cell_size
    y1 = math.ceil(ymax / cell_size) * cell_size
    width = max(1, math.ceil((xmax - x0) / cell_size))
    height = max(1, math.ceil((y1 - ymin) / cell_size))
    return Lattice(float(cell_size), float(x0), float(y1), int(width), int(height))


def resolve_districts(names: Sequence[str] | None) -> gpd.GeoDataFrame:
    """The district layer, limited to ``names`` (names or SIG_CD; empty = all 25).

    Raises
    ------
    ConfigError
        Listing every name that is not a Seoul district.
    """
    districts = load_districts()
    if not names:
        return districts
    codes = [district_code(str(n)) for n in names]
    unknown = [str(n) for n, c in zip(names, codes, strict=True) if c is None]
    if unknown:
        raise ConfigError(
            f"not Seoul districts: {', '.join(unknown)}",
            layer="grid",
            fix="name districts as 성북구, 성북, Seongbuk-gu or 11290, or leave "
            "[grid] districts empty for all of Seoul",
        )
    keep = districts[districts.sig_cd.isin(set(codes))]
    return keep.reset_index(drop=True)


@lru_cache(maxsize=16)
def _membership(
    transform: tuple[float, ...], shape: tuple[int, int], sig_cds: tuple[str, ...]
) -> np.ndarray:
    districts = load_districts()
    index = {code: i for i, code in enumerate(districts.sig_cd)}
    chosen = districts[districts.sig_cd.isin(set(sig_cds))] if sig_cds else districts
    shapes = [
        (geom, index[code]) for geom, code in zip(chosen.geometry, chosen.sig_cd, strict=True)
    ]
    out = rasterio.features.rasterize(
        shapes,
        out_shape=shape,
        transform=Affine(*transform[:6]),
        fill=-1,
        dtype="int16",
    )
    out.flags.writeable = False
    return out


def district_membership(
    transform: Affine, shape: tuple[int, int], sig_cds: Sequence[str] = ()
) -> np.ndarray:
    """Index into :func:`layers.load_districts` (sorted by SIG_CD) of each cell's district.

    Parameters
    ----------
    transform : Affine
        Grid transform in EPSG:5186.
    shape : (int, int)
        Grid rows and columns.
    sig_cds : sequence of str, optional
        Consider only these districts (default all 25).

    Returns
    -------
    numpy.ndarray
        ``int16`` array of ``shape``: the district (0..24) whose polygon contains
        the cell centroid, ``-1`` when none does. Read-only (cached).
    """
    return _membership(tuple(transform), tuple(shape), tuple(sorted(sig_cds)))


def cell_ids(transform: Affine, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Stable cell identifiers ``"x_y"``: the lower-left corner in EPSG:5186 metres."""
    size = transform.a
    x = transform.c + cols * size
    y = transform.f - (rows + 1) * size
    if float(size).is_integer() and float(transform.c).is_integer():
        xi = np.round(x).astype(np.int64).tolist()
        yi = np.round(y).astype(np.int64).tolist()
        ids = [f"{a}_{b}" for a, b in zip(xi, yi, strict=True)]
    else:
        ids = [f"{a:.3f}_{b:.3f}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    out = np.empty(len(ids), dtype=object)
    out[:] = ids
    return out


#: Grade letters; grade code ``k`` (1..5) is ``GRADES[k - 1]``; code 0 is nodata.
GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E")


def grade_code(letter: str) -> int:
    """Code 1..5 of a grade letter (``"a"`` and ``" E "`` accepted)."""
    return GRADES.index(str(letter).strip().upper()) + 1


@dataclass(eq=False)
class RiskGrid:
    """A graded vulnerability grid (취약격자) in EPSG:5186.

    Parameters
    ----------
    score : numpy.ndarray
        2-D ``float32`` composite score, NaN outside the study area (higher =
        more vulnerable).
    grade : numpy.ndarray
        2-D ``uint8``: 0 = outside the study area, 1..5 = grades A..E
        (A safest, E most vulnerable).
    transform : affine.Affine
        North-up transform; cell edges at multiples of ``cell_size``.
    crs : str, default "EPSG:5186"
        Always the working CRS.
    cell_size : float
        Cell edge (m); taken from ``transform`` when 0.
    tags : dict of str to str
        Provenance (config, inputs' sha256, grading), as stored in the GeoTIFF.

    Examples
    --------
    >>> grid = read_grid("grid.tif")  # doctest: +SKIP
    >>> grid.cells(["D", "E"]).head()  # doctest: +SKIP
    """

    score: np.ndarray
    grade: np.ndarray
    transform: Affine
    crs: str = WORKING_CRS
    cell_size: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.score = np.asarray(self.score, dtype=np.float32)
        self.grade = np.asarray(self.grade, dtype=np.uint8)
        if self.score.ndim != 2 or self.score.shape != self.grade.shape:
            raise ValueError(
                f"score {self.score.shape} and grade {self.grade.shape} must be 2-D of one shape"
            )
        if not self.cell_size:
            self.cell_size = float(self.transform.a)
        if int(self.grade.max(initial=0)) > len(GRADES):
            raise ValueError("grade codes must be 0 (nodata) or 1..5 (A..E)")

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``."""
        return (int(self.grade.shape[0]), int(self.grade.shape[1]))

    @property
    def valid(self) -> np.ndarray:
        """Boolean mask of cells inside the study area."""
        return self.grade > 0

    def grade_counts(self) -> dict[str, int]:
        """Number of cells per grade letter."""
        counts = np.bincount(self.grade.ravel(), minlength=len(GRADES) + 1)
        return {g: int(counts[i + 1]) for i, g in enumerate(GRADES)}

    def cells(
        self,
        grades: Sequence[str] | None = None,
        geometry: Literal["centroid", "polygon"] = "centroid",
    ) -> gpd.GeoDataFrame:
        """The study cells as a GeoDataFrame in EPSG:5186 (row-major order).

        Parameters
        ----------
        grades : sequence of str, optional
            Keep only these grades (e.g. ``["D", "E"]``); default all.
        geometry : {"centroid", "polygon"}, default "centroid"
            Cell centroids (points) or cell squares.

        Returns
        -------
        GeoDataFrame
            ``cell_id`` (``"x_y"``: lower-left corner in m), ``score``,
            ``grade`` ('A'..'E'), ``sig_cd``, ``name_ko`` (district containing
            the centroid; None outside Seoul) and ``geometry``.
        """
        if geometry not in ("centroid", "polygon"):
            raise ValueError(f"geometry must be 'centroid' or 'polygon', not {geometry!r}")
        keep = self.valid
        if grades is not None:
            try:
                codes = [grade_code(g) for g in grades]
            except ValueError:
                raise ConfigError(
                    f"unknown grade in {list(grades)!r}", fix="use letters A, B, C, D, E"
                ) from None
            keep = keep & np.isin(self.grade, codes)
        rows, cols = np.nonzero(keep)
        size = self.cell_size
        x0 = self.transform.c + cols * size
        y1 = self.transform.f - rows * size
        member = district_membership(self.transform, self.shape)[rows, cols]
        districts = load_districts()
        sig = np.array([*districts.sig_cd, None], dtype=object)  # index -1: outside Seoul
        names = np.array([*districts.name_ko, None], dtype=object)
        if geometry == "centroid":
            geoms = shapely.points(x0 + size / 2, y1 - size / 2)
        else:
            geoms = shapely.box(x0, y1 - size, x0 + size, y1)
        letters = np.array(("",) + GRADES, dtype=object)
        return gpd.GeoDataFrame(
            {
                "cell_id": cell_ids(self.transform, rows, cols),
                "score": self.score[rows, cols].astype(np.float64),
                "grade": letters[self.grade[rows, cols]],
                "sig_cd": sig[member],
                "name_ko": names[member],
            },
            geometry=geoms,
            crs=WORKING_CRS,
        )
