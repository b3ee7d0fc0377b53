"""The demo's siting stage on its fallbacks (no round, no grid, no Wi-Fi inventory in context)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from siting.demo.proposals import N_POLES, proposals_stage


def test_proposals_stage_falls_back_and_labels_synthetic(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        context: dict[str, object] = {"seed": 7}
        artifacts = proposals_stage(folder, context)
        runs.append(folder)
        assert all(a.synthetic for a in artifacts)
        assert all((folder / a.path).exists() for a in artifacts)
        proposals = context["proposals"]
        assert isinstance(proposals, dict)
        assert {"cctv", "wifi_replacement", "pole"} <= set(proposals)
    folder = runs[0]
    summaries = json.loads((folder / "proposals" / "summaries.json").read_text(encoding="utf-8"))
    per_district = summaries["cctv"]
    assert len(per_district) == 3
    assert all("cctv-new round is absent" in v["district_choice"] for v in per_district.values())
    assert all(v["n_selected"] == 10 for v in per_district.values())
    assert summaries["pole"]["n_selected"] == N_POLES
    assert summaries["wifi_replacement"]["cost_krw"] <= 2_849_000_000
    assert "generated here" in summaries["wifi_replacement"]["inventory_source"]
    sites = pd.read_csv(
        folder / "proposals" / "cctv" / "cctv_sites_all_districts.csv",
        encoding="utf-8-sig",
        dtype={"sig_cd": str},
    )
    assert sites["name_ko"].str.endswith("구").all()
    assert sites.groupby("sig_cd")["order"].apply(list).map(lambda o: o == list(range(1, 11))).all()
    # seeded: the same seed gives byte-identical tables
    for rel in (
        "cctv/cctv_sites_all_districts.csv",
        "pole/proposals.csv",
        "wifi_replacement/replacement.csv",
    ):
        assert (runs[0] / "proposals" / rel).read_bytes() == (
            runs[1] / "proposals" / rel
        ).read_bytes()
