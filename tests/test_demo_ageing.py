"""The synthetic Wi-Fi generator and the demo's Wi-Fi ageing stage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.readers import read_layer
from layers.synthetic import synthetic_wifi_csv
from siting.demo.ageing import wifi_ageing_stage


def test_generator_is_seeded_and_real_schema(tmp_path: Path) -> None:
    a = synthetic_wifi_csv(tmp_path / "a.csv", seed=7, n_sites=60)
    b = synthetic_wifi_csv(tmp_path / "b.csv", seed=7, n_sites=60)
    assert a.read_bytes() == b.read_bytes()
    read = read_layer(a)
    r = read.report
    assert (r.kind, r.encoding) == ("wifi", "cp949")
    assert r.swapped_rows == 8 and r.rows_dropped == 6
    assert r.rows_kept + r.rows_dropped == r.rows_read
    years = read.frame.install_year.dropna()
    assert years.min() >= 2012 and years.max() <= 2024
    assert read.frame.geometry.duplicated().any()  # APs sharing a site


def test_stage_writes_and_shares_inventory(tmp_path: Path) -> None:
    context: dict[str, object] = {"seed": 3}
    artifacts = wifi_ageing_stage(tmp_path, context)
    assert [a.path for a in artifacts] == [
        "inputs/wifi_synthetic.csv",
        "ageing/wifi_ageing_by_district_synthetic.csv",
        "ageing/wifi_ageing_by_district_synthetic_read_report.json",
    ]
    assert all(a.synthetic for a in artifacts)
    table = pd.read_csv(
        tmp_path / "ageing/wifi_ageing_by_district_synthetic.csv", encoding="utf-8-sig"
    )
    assert len(table) == 26 and (table.min_age_years == 7).all()
    assert (table.reference_year == 2024).all()
    inventory = context["wifi_inventory"]
    assert int(table.devices.iloc[-1]) == len(inventory)  # type: ignore[arg-type]
