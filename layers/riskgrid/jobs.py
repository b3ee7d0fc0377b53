"""Risk-grid jobs: build, import and summarise, each writing its outputs atomically.

The CLI (``siting grid …``) and the demo share these functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from layers.output import (
    display_path,
    file_sha256,
    run_manifest,
    staged_outputs,
    write_csv,
    write_gpkg,
    write_json,
)
from layers.riskgrid.build import GridBuild
from layers.riskgrid.config import GridConfig, build_from_config, load_config
from layers.riskgrid.grid import RiskGrid
from layers.riskgrid.io import import_grid, write_grid
from layers.riskgrid.summary import grade_counts_by_district

__all__ = ["GridOutputs", "build_grid_outputs", "import_grid_outputs", "write_grid_outputs"]


@dataclass(frozen=True)
class GridOutputs:
    """What a grid job wrote.

    Attributes
    ----------
    grid : RiskGrid
        The grid.
    table : pandas.DataFrame
        Cells by grade per district (with ``vulnerable_cells``).
    files : list of str
        Names of the files written, relative to the output folder.
    grid_file : str
        Name of the GeoTIFF among ``files``.
    report : dict
        How the grid was built.
    """

    grid: RiskGrid
    table: pd.DataFrame
    files: list[str]
    grid_file: str
    report: dict[str, Any]


def write_grid_outputs(
    grid: RiskGrid,
    stage: Path,
    *,
    name: str,
    tags: Mapping[str, Any],
    report: Mapping[str, Any],
    vulnerable: Sequence[str] = ("D", "E"),
    config_text: str | None = None,
    cells: bool = False,
    command: str = "grid build",
    inputs: Sequence[Path] = (),
) -> GridOutputs:
    """Write a grid's files into ``stage`` (a staging folder); return what was written.

    Files: ``NAME.tif`` (score and grade), ``NAME_by_district.csv`` (cells by
    grade per district, UTF-8 with BOM), ``NAME_report.json``, ``NAME.toml``
    (the config, when given), ``NAME_cells.gpkg`` (with ``cells``) and
    ``run.json``.
    """
    files: list[str] = []
    grid_file = f"{name}.tif"
    write_grid(grid, stage / grid_file, tags=tags)
    files.append(grid_file)
    table = grade_counts_by_district(grid, vulnerable_grades=vulnerable)
    table = table.assign(vulnerable_grades="".join(table.attrs["vulnerable_grades"]))
    write_csv(table, stage / f"{name}_by_district.csv")
    files.append(f"{name}_by_district.csv")
    full_report = {**report, "vulnerable_cells_total": int(table.vulnerable_cells.sum())}
    write_json(full_report, stage / f"{name}_report.json")
    files.append(f"{name}_report.json")
    if config_text is not None:
        (stage / f"{name}.toml").write_text(config_text, encoding="utf-8")
        files.append(f"{name}.toml")
    if cells:
        write_gpkg({"cells": grid.cells(geometry="polygon")}, stage / f"{name}_cells.gpkg")
        files.append(f"{name}_cells.gpkg")
    write_json(
        run_manifest(
            command,
            inputs=list(inputs),
            settings={k: v for k, v in tags.items() if k != "config"},
            layers={"by_district": table},
        ),
        stage / "run.json",
    )
    files.append("run.json")
    return GridOutputs(grid, table, files, grid_file, full_report)


def grid_tags(
    config: GridConfig, build: GridBuild, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """GeoTIFF tags of a built grid: config, inputs' sha256, grading, synthetic label."""
    tags: dict[str, Any] = {
        "name": config.name,
        "description": config.description,
        "synthetic": "true" if config.synthetic else "false",
        "config": config.text,
        "inputs_sha256": {display_path(p): file_sha256(p) for p in config.inputs},
        "grading": config.grading.method,
        "vulnerable_grades": "".join(config.grading.vulnerable),
        "score": build.report.get("score", ""),
        "crs": "EPSG:5186",
    }
    tags.update(extra or {})
    return tags


def build_grid_outputs(
    config_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    cells: bool = False,
    progress: bool = False,
) -> GridOutputs:
    """Build the grid a TOML config describes and write all its outputs into ``out_dir``.

    Parameters
    ----------
    config_path : path
        The TOML config (see :mod:`layers.riskgrid.config`).
    out_dir : path
        Output folder.
    overwrite : bool, default False
        Replace existing outputs.
    cells : bool, default False
        Also write the cells as polygons in a GeoPackage.
    progress : bool, default False
        Show progress bars.

    Returns
    -------
    GridOutputs
    """
    config = load_config(config_path)
    build = build_from_config(config, progress=progress)
    tags = grid_tags(config, build)
    config_file = Path(config_path)
    tags["inputs_sha256"][display_path(config_file)] = file_sha256(config_file)
    with staged_outputs(
        out_dir, overwrite=overwrite, protected=[config_file, *config.inputs]
    ) as stage:
        return write_grid_outputs(
            build.grid,
            stage,
            name=config.name,
            tags=tags,
            report=build.report,
            vulnerable=config.grading.vulnerable,
            config_text=config.text,
            cells=cells,
            inputs=[config_file, *config.inputs],
        )


def import_grid_outputs(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    grade_column: str | None = None,
    score_column: str | None = None,
    band: int | None = None,
    cell_size: float | None = None,
    vulnerable: Sequence[str] = ("D", "E"),
    overwrite: bool = False,
    cells: bool = False,
    grade_rule: str = "balanced",
) -> GridOutputs:
    """Import a graded grid made elsewhere and write it in this project's form.

    See :func:`layers.riskgrid.io.import_grid` for the inputs accepted and the
    grade rules (``balanced`` by default, ``majority``, ``worst``). The report
    records the rule and the source and mapped areas (km²).
    """
    source = Path(path)
    grid = import_grid(
        source,
        grade_column=grade_column,
        score_column=score_column,
        band=band,
        cell_size=cell_size,
        grade_rule=grade_rule,
    )
    name = f"{source.stem}_imported"
    tags = {
        "name": name,
        "description": f"graded grid imported from {source.name}",
        "imported_from": source.name,
        "inputs_sha256": {display_path(source): file_sha256(source)},
        "grade_column": grade_column or "",
        "grade_rule": grade_rule,
        "vulnerable_grades": "".join(vulnerable),
        "synthetic": "true" if "synthetic" in source.name.lower() else "false",
    }
    report = {
        "imported_from": str(source),
        "cell_size_m": grid.cell_size,
        "shape": list(grid.shape),
        "study_cells": int(grid.valid.sum()),
        "grade_rule": grade_rule,
        "area_overlay": {
            "source_area_km2": float(grid.tags.get("source_area_km2", "nan")),
            "mapped_area_km2": float(grid.tags.get("mapped_area_km2", "nan")),
            "meaning": "every graded source cell's area mapped once onto the EPSG:5186 "
            "cells it overlaps (exact intersection); the two areas agree",
        },
        "grading": {"counts": grid.grade_counts(), "vulnerable": list(vulnerable)},
    }
    with staged_outputs(out_dir, overwrite=overwrite, protected=[source]) as stage:
        return write_grid_outputs(
            grid,
            stage,
            name=name,
            tags=tags,
            report=report,
            vulnerable=vulnerable,
            cells=cells,
            command="grid import",
            inputs=[source],
        )
