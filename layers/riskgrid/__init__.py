"""Risk grids (취약격자): build, grade, store, import and summarise vulnerability grids.

A grid is a lattice of square cells aligned to multiples of the cell size in
EPSG:5186, clipped to Seoul (or chosen districts); each cell belongs to the
district containing its centroid. Indicator layers (points, polygons, rasters)
declared in a TOML config are combined into a score, graded A (safest) to E
(most vulnerable) with scikit-learn's ``KBinsDiscretizer``, stored as a GeoTIFF,
and counted per district (the D/E count of the 붙임8 new-CCTV criterion).

Examples
--------
>>> from layers.riskgrid import build_from_config, grade_counts_by_district
>>> build = build_from_config("grid.toml")  # doctest: +SKIP
>>> grade_counts_by_district(build.grid)[["name_ko", "vulnerable_cells"]]  # doctest: +SKIP
"""

from layers.riskgrid.build import GridBuild, build_risk_grid
from layers.riskgrid.config import GridConfig, build_from_config, load_config, parse_config
from layers.riskgrid.grades import GRADING_METHODS, Grading, grade_scores
from layers.riskgrid.grid import GRADES, Lattice, RiskGrid, district_membership, lattice_for
from layers.riskgrid.indicators import Indicator
from layers.riskgrid.io import import_grid, read_grid, write_grid
from layers.riskgrid.jobs import GridOutputs, build_grid_outputs, import_grid_outputs
from layers.riskgrid.learn import Learning, LearnResult
from layers.riskgrid.overlay import GRADE_RULES, overlay_cells
from layers.riskgrid.summary import grade_counts_by_district

__all__ = [
    "GRADES",
    "GRADE_RULES",
    "GRADING_METHODS",
    "Grading",
    "GridBuild",
    "GridConfig",
    "GridOutputs",
    "Indicator",
    "Lattice",
    "LearnResult",
    "Learning",
    "RiskGrid",
    "build_from_config",
    "build_grid_outputs",
    "build_risk_grid",
    "district_membership",
    "grade_counts_by_district",
    "grade_scores",
    "import_grid",
    "import_grid_outputs",
    "lattice_for",
    "load_config",
    "overlay_cells",
    "parse_config",
    "read_grid",
    "write_grid",
]
