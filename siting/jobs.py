"""Jobs behind the commands: compute, write outputs atomically, return what was written.

Each job takes plain arguments, stages its files (:func:`layers.output.staged_outputs`)
and returns the table it made plus the relative names of the files written,
so the CLI and the demo share one implementation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd

from layers.districts import CCTV_AS_OF_YEAR, DEFAULT_AGEING_MIN_AGE, load_districts
from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json

__all__ = ["DISTRICT_SUMMARY_COLUMNS", "write_district_layer", "write_district_outputs"]

#: Columns printed by ``siting districts``.
DISTRICT_SUMMARY_COLUMNS = [
    "sig_cd",
    "name_ko",
    "area_km2",
    "fiscal_self_reliance_pct",
    "cctv_total",
    "cctv_aged",
    "cctv_ageing_ratio_pct",
    "cctv_per_km2",
    "one_person_household_share_pct",
]


def write_district_outputs(
    layer: gpd.GeoDataFrame, stage: Path, *, settings: Mapping[str, object]
) -> list[str]:
    """Write the district layer into a staging folder; return the file names."""
    write_gpkg({"districts": layer}, stage / "districts.gpkg")
    write_csv(layer, stage / "districts.csv")
    write_json(
        run_manifest("districts", settings=settings, layers={"districts": layer}),
        stage / "run.json",
    )
    return ["districts.gpkg", "districts.csv", "run.json"]


def write_district_layer(
    out_dir: str | os.PathLike[str],
    *,
    min_age: int = DEFAULT_AGEING_MIN_AGE,
    reference_year: int = CCTV_AS_OF_YEAR,
    overwrite: bool = False,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Build the district layer and write it as GeoPackage, CSV (UTF-8 BOM) and run.json.

    Parameters
    ----------
    out_dir : path
        Output folder.
    min_age : int, default 8
        CCTV ageing threshold (years).
    reference_year : int, default 2024
        Year ages are measured at.
    overwrite : bool, default False
        Replace existing outputs.

    Returns
    -------
    (GeoDataFrame, list of str)
        The layer (EPSG:5186) and the names of the files written.
    """
    layer = load_districts(ageing_min_age=min_age, reference_year=reference_year)
    settings = {"ageing_min_age": min_age, "reference_year": reference_year}
    with staged_outputs(out_dir, overwrite=overwrite) as stage:
        files = write_district_outputs(layer, stage, settings=settings)
    return layer, files
