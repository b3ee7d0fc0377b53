"""Area overlay of source cells onto the EPSG:5186 lattice (grid import).

A graded grid made on another lattice — typically the 100 m 국가지점번호 grid
in EPSG:5179, rotated about 0.3° against EPSG:5186 at Seoul — cannot be
resampled cell for cell by centroid without losing some source cells and
counting others twice. Here every source cell is cut exactly against the
target cells it overlaps (shapely intersections of the reprojected cell
polygons), so each source cell's area lands on the target lattice once:

- scores are area-weighted means over the covered part of each target cell;
- grades follow a rule (:data:`GRADE_RULES`):

  ``balanced`` (default)
      the grade with the largest overlapped area, with the area left over
      carried on within the district (error diffusion in row order), so that
      each district's count of cells per grade equals the area overlay within
      one cell per grade — the D/E counts that feed the need points are kept;
  ``majority``
      the grade with the largest overlapped area in each target cell, alone
      (may shift per-district counts when grades are mixed at cell scale);
  ``worst``
      the most vulnerable grade covering at least 1 % of the target cell
      (conservative: raises D/E counts).

A target cell less than half covered by graded source cells is ungraded under
``majority`` and ``worst``; under ``balanced`` coverage itself is balanced
like a grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely

from layers.riskgrid.grid import GRADES, Lattice, district_membership

__all__ = ["GRADE_RULES", "GradeRule", "Overlay", "overlay_cells"]

GradeRule = Literal["balanced", "majority", "worst"]
#: Grade rules of a grid import.
GRADE_RULES: tuple[str, ...] = ("balanced", "majority", "worst")
#: Share of a target cell a grade must cover to count under ``worst``.
WORST_MIN_SHARE = 0.01
_CLASSES = len(GRADES) + 1  # 0 = no grade


@dataclass
class Overlay:
    """Result of :func:`overlay_cells`.

    Attributes
    ----------
    grade : numpy.ndarray
        ``uint8`` lattice of grades (0 = none).
    score : numpy.ndarray
        ``float32`` area-weighted score (NaN where ungraded).
    share : numpy.ndarray
        ``float64`` array ``(rows, cols, 6)``: share of each target cell's area
        covered by no grade (index 0) and by grades A..E (1..5).
    source_area_m2 : float
        Area of the graded source cells inside the lattice's extent (m²).
    mapped_area_m2 : float
        Area mapped onto target cells (m²); equals ``source_area_m2`` up to
        floating-point error: no source cell lost or counted twice.
    """

    grade: np.ndarray
    score: np.ndarray
    share: np.ndarray
    source_area_m2: float
    mapped_area_m2: float


def _pairs(polygons: np.ndarray, lattice: Lattice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source index, target row, target column) of every candidate overlap."""
    bounds = shapely.bounds(polygons)
    s = lattice.cell_size
    c0 = np.floor((bounds[:, 0] - lattice.xmin) / s).astype(np.int64)
    c1 = np.floor((bounds[:, 2] - lattice.xmin) / s).astype(np.int64)
    r0 = np.floor((lattice.ymax - bounds[:, 3]) / s).astype(np.int64)
    r1 = np.floor((lattice.ymax - bounds[:, 1]) / s).astype(np.int64)
    nc, nr = c1 - c0 + 1, r1 - r0 + 1
    counts = nc * nr
    source = np.repeat(np.arange(len(polygons)), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(int(counts.sum())) - start
    width = np.repeat(nc, counts)
    row = np.repeat(r0, counts) + k // width
    col = np.repeat(c0, counts) + k % width
    inside = (row >= 0) & (row < lattice.height) & (col >= 0) & (col < lattice.width)
    return source[inside], row[inside], col[inside]


def overlay_cells(
    polygons: np.ndarray,
    grades: np.ndarray,
    scores: np.ndarray,
    lattice: Lattice,
    *,
    rule: GradeRule = "balanced",
) -> Overlay:
    """Map graded source cells (polygons in EPSG:5186) onto a lattice by area.

    Parameters
    ----------
    polygons : numpy.ndarray of shapely.Polygon
        Source cells in EPSG:5186 (m).
    grades : numpy.ndarray
        Grade code per source cell, 1..5 (A..E); 0 cells are ignored.
    scores : numpy.ndarray
        Score per source cell (NaN = none).
    lattice : Lattice
        Target lattice (EPSG:5186).
    rule : {"balanced", "majority", "worst"}, default "balanced"
        Grade rule (see the module docstring).

    Returns
    -------
    Overlay
    """
    if rule not in GRADE_RULES:
        raise ValueError(f"grade rule must be one of {GRADE_RULES}, not {rule!r}")
    keep = grades > 0
    polygons, grades, scores = polygons[keep], grades[keep].astype(np.int64), scores[keep]
    n_cells = lattice.height * lattice.width
    source, row, col = _pairs(polygons, lattice)
    s = lattice.cell_size
    x0 = lattice.xmin + col * s
    y1 = lattice.ymax - row * s
    boxes = shapely.box(x0, y1 - s, x0 + s, y1)
    area = shapely.area(shapely.intersection(polygons[source], boxes))
    hit = area > 0
    source, area = source[hit], area[hit]
    target = row[hit] * lattice.width + col[hit]
    class_area = np.bincount(
        target * _CLASSES + grades[source], weights=area, minlength=n_cells * _CLASSES
    ).reshape(n_cells, _CLASSES)
    finite = np.isfinite(scores[source])
    score_area = np.bincount(
        target[finite], weights=area[finite] * scores[source][finite], minlength=n_cells
    )
    score_weight = np.bincount(target[finite], weights=area[finite], minlength=n_cells)
    share = class_area / (s * s)
    covered = share[:, 1:].sum(axis=1)
    share[:, 0] = np.clip(1.0 - covered, 0.0, 1.0)
    if rule == "balanced":
        grade = _balanced(share, district_membership(lattice.transform, lattice.shape).ravel())
    elif rule == "majority":
        grade = np.where(covered >= 0.5, np.argmax(share[:, 1:], axis=1) + 1, 0)
    else:
        present = share[:, 1:] >= WORST_MIN_SHARE
        worst = len(GRADES) - np.argmax(present[:, ::-1], axis=1)
        grade = np.where((covered >= 0.5) & present.any(axis=1), worst, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(score_weight > 0, score_area / score_weight, np.nan)
    grade = grade.astype(np.uint8)
    score = np.where(grade > 0, score, np.nan).astype(np.float32)
    return Overlay(
        grade=grade.reshape(lattice.shape),
        score=score.reshape(lattice.shape),
        share=share.reshape((*lattice.shape, _CLASSES)),
        source_area_m2=_area_within(polygons, lattice),
        mapped_area_m2=float(area.sum()),
    )


def _area_within(polygons: np.ndarray, lattice: Lattice) -> float:
    """Area of the source cells inside the lattice's extent (m²), computed on its own."""
    s = lattice.cell_size
    extent = shapely.box(
        lattice.xmin,
        lattice.ymax - lattice.height * s,
        lattice.xmin + lattice.width * s,
        lattice.ymax,
    )
    return float(shapely.area(shapely.intersection(polygons, extent)).sum())


def _balanced(share: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Largest share plus carried remainder, per district in row order (error diffusion).

    Cells wholly of one class take it without touching the remainder; only cells
    where classes mix are walked. Each district's class counts then equal its
    summed shares within one cell per class.
    """
    grade = np.argmax(share, axis=1).astype(np.int64)
    mixed = np.flatnonzero((share.max(axis=1) < 1.0 - 1e-9) & (member >= 0))
    residual: dict[int, np.ndarray] = {}
    for cell in mixed.tolist():
        d = int(member[cell])
        r = residual.get(d)
        if r is None:
            r = residual[d] = np.zeros(share.shape[1])
        f = share[cell]
        candidates = np.flatnonzero(f > 0)
        chosen = int(candidates[np.argmax(f[candidates] + r[candidates])])
        r += f
        r[chosen] -= 1.0
        grade[cell] = chosen
    return grade
