"""Demo stage: a SYNTHETIC public Wi-Fi inventory, read back, and its ageing by district."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layers.inventory import ageing_by_district, to_inventory, write_ageing_outputs
from layers.readers import read_layer
from layers.synthetic import synthetic_wifi_csv
from siting.demo._artifact import Artifact

__all__ = ["WIFI_MIN_AGE", "wifi_ageing_stage"]

#: Aged AP = 7 years or more elapsed (공공와이파이 노후 AP, 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)).
WIFI_MIN_AGE = 7


def wifi_ageing_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    """Generate the synthetic Wi-Fi CSV, read it through the real reader, write ageing.

    Puts the inventory (EPSG:5186) in ``context["wifi_inventory"]`` and the
    read in ``context["wifi_read"]``.
    """
    (stage / "inputs").mkdir(exist_ok=True)
    (stage / "ageing").mkdir(exist_ok=True)
    source = synthetic_wifi_csv(stage / "inputs" / "wifi_synthetic.csv", seed=int(context["seed"]))
    read = read_layer(source, kind="wifi")
    inventory = to_inventory(read)
    table = ageing_by_district(inventory, min_age=WIFI_MIN_AGE)
    files = write_ageing_outputs(
        table,
        stage / "ageing",
        name="wifi_ageing_by_district_synthetic",
        read=read,
        manifest=False,
    )
    context["wifi_inventory"] = inventory
    context["wifi_read"] = read
    r = read.report
    return [
        Artifact(
            "inputs/wifi_synthetic.csv",
            "Public Wi-Fi inventory (SYNTHETIC, OA-20883 schema)",
            "Seeded synthetic APs placed inside districts by population, in the real CSV "
            "schema and CP949 bytes, with some swapped and bad coordinates and shared sites.",
            synthetic=True,
        ),
        Artifact(
            f"ageing/{files[0]}",
            "Public Wi-Fi ageing by district (SYNTHETIC)",
            f"APs aged ≥ {WIFI_MIN_AGE} years at {table.attrs['reference_year']} "
            f"({table.attrs['reference_year_source']}) over APs with a known install year, "
            "per district, from the synthetic inventory read by the real reader.",
            synthetic=True,
        ),
        Artifact(
            f"ageing/{files[1]}",
            "Read report of the synthetic Wi-Fi file",
            f"What the reader recognised: {r.kind}, {r.encoding}, {r.crs}; {r.rows_read} rows "
            f"read, {r.rows_kept} kept, {r.rows_dropped} dropped with reasons and row numbers, "
            f"{r.swapped_rows} swapped lat/lon fixed.",
            synthetic=True,
        ),
    ]
