"""Seeded Seoul-like maximal covering instances for the benchmark (synthetic data).

A Seoul-sized study area (an ellipse of about 605 km² centred on Seoul in
EPSG:5186) is covered by a square grid of demand cells. Each cell gets a
risk score from a smooth random field (a few hundred Gaussian hot spots over
a low-frequency background); cells are graded A–E by quintile, and by
default only D and E cells carry weight (their score), as the product's
CCTV profile does. Candidate sites (streetlights, poles) are uniform random
points in the same area. Everything depends only on the seed and the
parameters, so spopt and ours get identical instances.

Needs only numpy (it also runs in the spopt environment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Instance", "make_instance", "seoul_wide"]

#: Centre of Seoul in EPSG:5186 (m) and the semi-axes (m) of an ellipse of ~605 km².
CENTRE = (197_000.0, 551_000.0)
SEMI_AXES = (15_000.0, 12_840.0)


@dataclass(frozen=True)
class Instance:
    """One benchmark instance.

    Attributes
    ----------
    name : str
        Label for the table.
    demand_xy : ndarray (n_demand, 2)
        Cell centres with positive weight (m, EPSG:5186).
    weights : ndarray (n_demand,)
        Their weights (> 0).
    candidates_xy : ndarray (n_candidates, 2)
        Candidate sites (m, EPSG:5186).
    radius : float
        Service radius (m).
    count : int
        Sites to choose.
    cell : float
        Cell size (m).
    """

    name: str
    demand_xy: np.ndarray
    weights: np.ndarray
    candidates_xy: np.ndarray
    radius: float
    count: int
    cell: float


def _risk(xy: np.ndarray, rng: np.random.Generator, n_spots: int = 400) -> np.ndarray:
    """Smooth synthetic risk score in (0, 1] at the given points."""
    cx, cy = CENTRE
    ax, ay = SEMI_AXES
    spots = np.column_stack(
        [rng.uniform(cx - ax, cx + ax, n_spots), rng.uniform(cy - ay, cy + ay, n_spots)]
    )
    scale = rng.uniform(300.0, 1500.0, n_spots)
    height = rng.gamma(2.0, 1.0, n_spots)
    phase = rng.uniform(0, 2 * np.pi, 4)
    x = (xy[:, 0] - cx) / ax
    y = (xy[:, 1] - cy) / ay
    score = 0.5 + 0.25 * np.sin(3 * x + phase[0]) * np.cos(2 * y + phase[1])
    score += 0.25 * np.sin(5 * y + phase[2]) * np.cos(4 * x + phase[3])
    # Add hot spots in chunks to bound memory (points × spots).
    chunk = max(1, 4_000_000 // n_spots)
    for start in range(0, xy.shape[0], chunk):
        part = xy[start : start + chunk]
        d2 = (part[:, None, 0] - spots[None, :, 0]) ** 2 + (
            part[:, None, 1] - spots[None, :, 1]
        ) ** 2
        score[start : start + chunk] += (height * np.exp(-d2 / (2 * scale**2))).sum(axis=1)
    score += 0.05 * rng.random(xy.shape[0])
    return score / score.max()


def _grid(cell: float, half_x: float, half_y: float, ellipse: bool) -> np.ndarray:
    cx, cy = CENTRE
    xs = cx + np.arange(-half_x + cell / 2, half_x, cell)
    ys = cy + np.arange(-half_y + cell / 2, half_y, cell)
    gx, gy = np.meshgrid(xs, ys)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    if ellipse:
        ax, ay = SEMI_AXES
        inside = ((xy[:, 0] - cx) / ax) ** 2 + ((xy[:, 1] - cy) / ay) ** 2 <= 1.0
        xy = xy[inside]
    return xy


def make_instance(
    n_cells_side: int,
    n_candidates: int,
    count: int,
    *,
    cell: float = 100.0,
    radius: float = 200.0,
    de_only: bool = True,
    seed: int = 0,
    name: str | None = None,
) -> Instance:
    """A square sub-area of ``n_cells_side`` × ``n_cells_side`` cells around the centre.

    Parameters
    ----------
    n_cells_side : int
        Cells per side (the demand is the D/E share of the square, about 40 %).
    n_candidates : int
        Candidate sites, uniform in the square.
    count : int
        Sites to choose.
    cell : float
        Cell size (m).
    radius : float
        Service radius (m).
    de_only : bool
        Keep only D/E cells (top 40 % of scores) as demand.
    seed : int
        Random seed.
    name : str, optional
        Label.
    """
    rng = np.random.default_rng(seed)
    half = n_cells_side * cell / 2
    xy = _grid(cell, half, half, ellipse=False)
    score = _risk(xy, rng)
    if de_only:
        keep = score >= np.quantile(score, 0.6)
        xy, score = xy[keep], score[keep]
    cx, cy = CENTRE
    cand = np.column_stack(
        [
            rng.uniform(cx - half, cx + half, n_candidates),
            rng.uniform(cy - half, cy + half, n_candidates),
        ]
    )
    label = name or f"{xy.shape[0]}x{n_candidates} r{radius:g} p{count}"
    return Instance(label, xy, score, cand, radius, count, cell)


def seoul_wide(
    *,
    cell: float = 25.0,
    n_candidates: int = 200_000,
    radius: float = 50.0,
    count: int = 2_000,
    seed: int = 0,
) -> Instance:
    """The Seoul-wide instance: every 25 m cell of a ~605 km² area (≈ 970,000) weighted by risk."""
    rng = np.random.default_rng(seed)
    ax, ay = SEMI_AXES
    xy = _grid(cell, ax, ay, ellipse=True)
    score = _risk(xy, rng)
    cx, cy = CENTRE
    # Candidates uniform in the ellipse (rejection sampling, seeded).
    pts: list[np.ndarray] = []
    have = 0
    while have < n_candidates:
        p = np.column_stack(
            [
                rng.uniform(cx - ax, cx + ax, n_candidates),
                rng.uniform(cy - ay, cy + ay, n_candidates),
            ]
        )
        p = p[((p[:, 0] - cx) / ax) ** 2 + ((p[:, 1] - cy) / ay) ** 2 <= 1.0]
        pts.append(p)
        have += p.shape[0]
    cand = np.concatenate(pts)[:n_candidates]
    name = f"Seoul-wide {xy.shape[0]}x{n_candidates} r{radius:g} p{count}"
    return Instance(name, xy, score, cand, radius, count, cell)
