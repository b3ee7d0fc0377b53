"""Demo stage: a Seoul risk grid (취약격자) at 100 m from official district statistics
plus seeded SYNTHETIC incident points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from layers.crs import WORKING_CRS
from layers.districts import load_districts
from layers.output import write_gpkg
from layers.riskgrid import build_grid_outputs, district_membership, lattice_for
from siting.demo._artifact import Artifact

__all__ = ["DEMO_GRID_NAME", "grid_stage", "synthetic_incidents"]

#: Name of the demo grid (its files start with it).
DEMO_GRID_NAME = "seoul_risk_grid_synthetic_100m"
_INCIDENTS = "incidents_synthetic.gpkg"
_CONFIG = "grid_synthetic.toml"

_CONFIG_TEXT = f'''# Risk grid (취약격자) of the siting demo.
# Official district statistics (bundled, see layers/data/SOURCES.md) plus SYNTHETIC
# incident points generated from the demo seed: the grades are NOT a real analysis.
[grid]
name = "{DEMO_GRID_NAME}"
description = "Seoul 100 m risk grid from district statistics and SYNTHETIC incidents (demo)"
synthetic = true
cell_size_m = 100
districts = []

[grades]
method = "quantile"
vulnerable = ["D", "E"]

[[indicators]]
name = "population_density"
kind = "polygons"
path = "builtin:districts"
column = "population_2024q4"
attribute = "count"
normalise = "minmax"
weight = 1.0

[[indicators]]
name = "one_person_household_density"
kind = "polygons"
path = "builtin:districts"
column = "one_person_households_2021"
attribute = "count"
normalise = "minmax"
weight = 1.0

[[indicators]]
name = "elderly_density"
kind = "polygons"
path = "builtin:districts"
column = "aged_65plus_2024q4"
attribute = "count"
normalise = "minmax"
weight = 0.5

[[indicators]]
name = "cctv_density"
kind = "polygons"
path = "builtin:districts"
column = "cctv_per_km2"
attribute = "rate"
direction = "lowers"
normalise = "minmax"
weight = 1.0

[[indicators]]
name = "incidents_synthetic"
kind = "points"
path = "{_INCIDENTS}"
measure = "density"
bandwidth_m = 300
transform = "log1p"
normalise = "minmax"
weight = 2.0
'''


def synthetic_incidents(seed: int, n: int = 20_000) -> gpd.GeoDataFrame:
    """SYNTHETIC incident points in EPSG:5186: hotspots weighted by population plus background.

    Parameters
    ----------
    seed : int
        Random seed.
    n : int, default 20000
        Number of points.

    Returns
    -------
    GeoDataFrame
        ``incident_id``, ``synthetic`` (always True), point geometry.
    """
    rng = np.random.default_rng(seed)
    districts = load_districts()
    lattice = lattice_for(districts.total_bounds, 100.0)
    member = district_membership(lattice.transform, lattice.shape)
    rows, cols = np.nonzero(member >= 0)
    density = (districts.population_2024q4 / districts.area_km2).to_numpy()
    cell_weight = density[member[rows, cols]]
    cell_weight = cell_weight / cell_weight.sum()
    n_hot = 80
    centres = rng.choice(len(rows), size=n_hot, replace=False, p=cell_weight)
    cx = lattice.xmin + (cols[centres] + 0.5) * 100.0
    cy = lattice.ymax - (rows[centres] + 0.5) * 100.0
    spread = rng.uniform(150.0, 700.0, n_hot)
    strength = rng.gamma(2.0, 1.0, n_hot)
    n_hotspot = int(n * 0.7)
    which = rng.choice(n_hot, size=n_hotspot, p=strength / strength.sum())
    hx = cx[which] + rng.normal(0.0, spread[which])
    hy = cy[which] + rng.normal(0.0, spread[which])
    back = rng.choice(len(rows), size=n - n_hotspot, p=cell_weight)
    bx = lattice.xmin + (cols[back] + rng.uniform(0, 1, len(back))) * 100.0
    by = lattice.ymax - (rows[back] + rng.uniform(0, 1, len(back))) * 100.0
    x = np.concatenate([hx, bx])
    y = np.concatenate([hy, by])
    return gpd.GeoDataFrame(
        {"incident_id": np.arange(1, n + 1), "synthetic": np.ones(n, dtype=bool)},
        geometry=gpd.points_from_xy(x, y),
        crs=WORKING_CRS,
    )


def grid_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    """Build the demo grid; put ``grid`` and ``grid_path`` into ``context``."""
    folder = stage / "grid"
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    write_gpkg(
        {"incidents_synthetic": synthetic_incidents(int(context["seed"]))}, inputs / _INCIDENTS
    )
    (inputs / _CONFIG).write_text(_CONFIG_TEXT, encoding="utf-8")
    result = build_grid_outputs(inputs / _CONFIG, folder)
    context["grid"] = result.grid
    context["grid_path"] = folder / result.grid_file
    counts = result.grid.grade_counts()
    return [
        Artifact(
            f"grid/{result.grid_file}",
            "Risk grid, 100 m (GeoTIFF; SYNTHETIC incidents)",
            "Band 1 score, band 2 grade (1=A safest … 5=E most vulnerable) for "
            f"{sum(counts.values()):,} cells of Seoul in EPSG:5186, graded by quintiles. Built from "
            "official district statistics (population, one-person households, elderly; CCTV "
            "density as a protective factor) and seeded SYNTHETIC incident points; not a real "
            "analysis.",
            synthetic=True,
        ),
        Artifact(
            f"grid/{DEMO_GRID_NAME}_by_district.csv",
            "Vulnerable (D/E) cells per district (SYNTHETIC incidents)",
            "Cells by grade A–E per district (centroid rule) and the D/E count that the "
            "new-CCTV criterion ranks (붙임8 빅데이터 분석지역).",
            synthetic=True,
        ),
        Artifact(
            f"grid/{DEMO_GRID_NAME}_report.json",
            "How the grid was built",
            "Per indicator: unit, raw range, missing cells and fill, weight; grade edges and "
            "counts.",
            synthetic=True,
        ),
        Artifact(
            f"grid/inputs/{_CONFIG}",
            "Grid configuration used (TOML)",
            "Rerun with: siting grid build --config grid/inputs/grid_synthetic.toml --out DIR",
            synthetic=True,
        ),
        Artifact(
            f"grid/inputs/{_INCIDENTS}",
            "SYNTHETIC incident points",
            "20,000 seeded synthetic incidents (hotspots weighted by population density plus "
            "background), EPSG:5186; stand-ins for real crime points.",
            synthetic=True,
        ),
    ]
