"""Small in-code fixtures shared by the risk-grid tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from layers import load_districts

#: A study district small enough for fast tests (종로구, ~2,400 cells at 100 m).
DISTRICT = "종로구"


def points_in(district: str, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` seeded random points inside a district's bounding box, EPSG:5186."""
    d = load_districts()
    bounds = d[d.name_ko == district].total_bounds
    rng = np.random.default_rng(seed)
    x = rng.uniform(bounds[0], bounds[2], n)
    y = rng.uniform(bounds[1], bounds[3], n)
    return gpd.GeoDataFrame(
        {"w": rng.integers(1, 5, n).astype(float)}, geometry=gpd.points_from_xy(x, y), crs=d.crs
    )


def squares_over(district: str, size: float, seed: int) -> gpd.GeoDataFrame:
    """A checkerboard of squares (edge ``size`` m) with random values over a district."""
    d = load_districts()
    x0, y0, x1, y1 = d[d.name_ko == district].total_bounds
    xs = np.arange(x0 - size, x1 + size, size)
    ys = np.arange(y0 - size, y1 + size, size)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size, gy.ravel() + size)
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"value": rng.uniform(0, 100, len(boxes)), "people": rng.integers(0, 5000, len(boxes))},
        geometry=boxes,
        crs=d.crs,
    )
