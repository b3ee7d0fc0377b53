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

__all__ = ["DEMO_GRID_NAME", "DEMO_LEARNED_NAME", "grid_stage", "synthetic_incidents"]

#: Name of the demo grid (its files start with it).
DEMO_GRID_NAME = "seoul_risk_grid_synthetic_100m"
_INCIDENTS = "incidents_synthetic.gpkg"
_CONFIG = "grid_synthetic.toml"
#: Name of the demo's second grid, whose score is learned from the synthetic incidents.
DEMO_LEARNED_NAME = "seoul_risk_grid_learned_synthetic_100m"
_LEARNED_CONFIG = "grid_learned_synthetic.toml"

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


def _learned_config_text() -> str:
    head, _, rest = _CONFIG_TEXT.partition("[[indicators]]")
    statistics = "[[indicators]]" + rest.split('[[indicators]]\nname = "incidents_synthetic"')[0]
    head = head.replace(DEMO_GRID_NAME, DEMO_LEARNED_NAME).replace(
        "from district statistics and SYNTHETIC incidents (demo)",
        "learned: SYNTHETIC incidents per cell modelled on district statistics (demo)",
    )
    learn = (
        "\n[learn]\n"
        "# Poisson regression of incidents per cell on the indicators above; the\n"
        "# report gives its cross-validated skill against a no-skill average.\n"
        f'incidents = "{_INCIDENTS}"\n'
        'model = "poisson"\n'
        "folds = 5\n"
        "block_m = 2000\n"
    )
    return head + statistics.rstrip() + "\n" + learn


_README = """# Risk grid (취약격자) of the demo: SYNTHETIC incidents

Everything in this folder derives in part from **synthetic** data: 20,000 incident
points generated from the demo seed (`inputs/incidents_synthetic.gpkg`). The district
statistics are official (see `layers/data/SOURCES.md`); the incidents are not, so
the grades are **not a real analysis** of Seoul.

| file | what it is |
|---|---|
| `{grid}.tif` | GeoTIFF, EPSG:5186, 100 m cells aligned to multiples of 100 m: band 1 score, band 2 grade (1=A safest … 5=E most vulnerable), NaN outside Seoul; tags hold the config, the inputs' sha256 and `synthetic=true` |
| `{grid}_by_district.csv` | cells by grade per district (centroid rule) and `vulnerable_cells` (D+E), the count the new-CCTV criterion (붙임8) ranks |
| `{grid}_report.json` | per indicator: unit, raw range, missing cells and fill, weight; grade edges and counts |
| `{grid}.toml`, `inputs/grid_synthetic.toml` | the configuration used |
| `{learned}.*` | a second grid whose score is a Poisson regression of the synthetic incidents per cell on the district statistics; its report states the cross-validated skill against a no-skill average and each indicator's weight |

Rebuild or reuse:

    siting grid build --config inputs/grid_synthetic.toml --out rebuilt
    siting grid summarize {grid}.tif
    siting grid import national_grid.gpkg --grade-column grade --out imported
"""


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
    (inputs / _LEARNED_CONFIG).write_text(_learned_config_text(), encoding="utf-8")
    learned = build_grid_outputs(inputs / _LEARNED_CONFIG, folder / "learned")
    (folder / "README.md").write_text(
        _README.format(grid=DEMO_GRID_NAME, learned=f"learned/{DEMO_LEARNED_NAME}"),
        encoding="utf-8",
    )
    statement = learned.report["learned"]["statement"]
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
            f"grid/learned/{learned.grid_file}",
            "Risk grid with learned weights (GeoTIFF; SYNTHETIC incidents)",
            "Score = expected synthetic incidents per cell from a Poisson regression on the "
            f"district statistics. {statement} Weights and skill are in "
            f"{DEMO_LEARNED_NAME}_report.json.",
            synthetic=True,
        ),
        Artifact(
            f"grid/learned/{DEMO_LEARNED_NAME}_report.json",
            "Learned weights and cross-validated skill (SYNTHETIC incidents)",
            "Poisson coefficient per indicator, D² against a no-skill city-wide average "
            "(spatial-block cross-validation), and a plain statement of the model's worth.",
            synthetic=True,
        ),
        Artifact(
            "grid/README.md",
            "What the grid folder holds (SYNTHETIC incidents)",
            "Files, the synthetic label, and the commands to rebuild, summarise or import a grid.",
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
