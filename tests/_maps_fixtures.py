"""Seeded synthetic inputs for the map tests and the map benchmark (built in code)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio.features import geometry_mask

CRS = "EPSG:5186"


def synthetic_grid_tif(
    path: Path, districts: gpd.GeoDataFrame, *, cell_m: float = 100.0, seed: int = 0
) -> Path:
    """A risk-grid GeoTIFF over the districts: band 1 score (float32), band 2 grade 0..5."""
    xmin, ymin, xmax, ymax = districts.total_bounds
    x0, y1 = np.floor(xmin / cell_m) * cell_m, np.ceil(ymax / cell_m) * cell_m
    width = int(np.ceil((xmax - x0) / cell_m))
    height = int(np.ceil((y1 - ymin) / cell_m))
    transform = Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1)
    inside = ~geometry_mask(
        [shapely.union_all(districts.geometry.to_numpy())],
        out_shape=(height, width),
        transform=transform,
    )
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width]
    score = (
        np.sin(rows / 23.0) + np.cos(cols / 31.0) + 0.5 * rng.standard_normal((height, width))
    ).astype("float32")
    score[~inside] = np.nan
    valid = score[inside]
    edges = np.quantile(valid, [0.2, 0.4, 0.6, 0.8])
    grade = np.zeros((height, width), dtype="uint8")
    grade[inside] = (np.searchsorted(edges, valid) + 1).astype("uint8")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=2,
        dtype="float32",
        crs=CRS,
        transform=transform,
        nodata=np.nan,
    ) as dst:
        dst.write(score, 1)
        dst.write(grade.astype("float32"), 2)
    return path


def points_in(districts: gpd.GeoDataFrame, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` seeded random points inside the districts, with sig_cd and name_ko."""
    rng = np.random.default_rng(seed)
    union = shapely.union_all(districts.geometry.to_numpy())
    shapely.prepare(union)
    xmin, ymin, xmax, ymax = districts.total_bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < n:
        x = rng.uniform(xmin, xmax, 2 * n)
        y = rng.uniform(ymin, ymax, 2 * n)
        keep = shapely.contains_xy(union, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        found += int(keep.sum())
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(np.concatenate(xs)[:n], np.concatenate(ys)[:n]), crs=CRS
    )
    joined = gpd.sjoin(points, districts[["sig_cd", "name_ko", "geometry"]], how="left")
    joined = joined[~joined.index.duplicated()].drop(columns="index_right")
    return joined.reset_index(drop=True)


def synthetic_inventory(districts: gpd.GeoDataFrame, n: int, *, seed: int = 1) -> gpd.GeoDataFrame:
    """An equipment inventory: device_id, device_type, install_year, sig_cd, name_ko, n_devices."""
    rng = np.random.default_rng(seed)
    frame = points_in(districts, n, seed)
    years = rng.integers(2008, 2025, n).astype("float64")
    years[rng.random(n) < 0.03] = np.nan
    frame["device_id"] = [f"CCTV-{i:06d}" for i in range(n)]
    frame["device_type"] = "cctv"
    frame["install_year"] = pd.array(years, dtype="Int64")
    frame["n_devices"] = rng.integers(1, 5, n)
    return frame


def synthetic_proposals(
    districts: gpd.GeoDataFrame, n: int, *, seed: int = 2, services: bool = False
) -> gpd.GeoDataFrame:
    """Proposed sites: order, marginal_weight, sig_cd, name_ko, radius_m and explanations."""
    rng = np.random.default_rng(seed)
    frame = points_in(districts, n, seed)
    frame["order"] = np.arange(1, n + 1)
    frame["marginal_weight"] = np.sort(rng.uniform(1, 30, n))[::-1].round(2)
    frame["radius_m"] = 50.0
    frame["new_D"] = rng.integers(0, 6, n)
    frame["new_E"] = rng.integers(0, 4, n)
    frame["nearest_existing_m"] = rng.uniform(60, 600, n).round(0)
    if services:
        choices = ["CCTV", "Wi-Fi", "IoT sensor", "LED board", "lighting"]
        frame["services"] = [
            ", ".join(sorted(rng.choice(choices, size=3, replace=False))) for _ in range(n)
        ]
    return frame


def readable(page: str) -> str:
    """A saved map with the ``\\uXXXX`` escapes of its JSON-embedded text decoded."""
    import re

    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
