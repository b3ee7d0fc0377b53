"""The demo's siting stage: its fallbacks, and ``siting plan`` on the real demo's cctv-new round."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from siting.demo.proposals import FALLBACK_CITY_SHARE_KRW, N_POLES, proposals_stage


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"sig_cd": str})


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
    cctv = summaries["cctv"]
    assert "cctv-new round is absent" in cctv["district_choice"]
    assert cctv["n_districts"] == 3
    table = _csv(folder / "proposals" / "cctv" / "plan_districts.csv")
    districts = table[table["sig_cd"] != "11000"]
    assert (districts["budget_krw"] == 2 * FALLBACK_CITY_SHARE_KRW).all()
    assert (districts["spent_krw"] <= districts["budget_krw"]).all()
    assert (districts["sites"] >= districts["sites_affordable"]).all()  # top-ups cost less
    assert summaries["pole"]["n_selected"] == N_POLES
    assert summaries["wifi_replacement"]["cost_krw"] <= 2_849_000_000
    assert "generated here" in summaries["wifi_replacement"]["inventory_source"]
    sites = _csv(folder / "proposals" / "cctv" / "plan_sites.csv")
    assert sites["district"].str.endswith("구").all()
    assert set(sites["candidate_source"]) <= {"streetlight", "cctv_pole"}
    assert sites.groupby("sig_cd")["order"].apply(list).map(lambda o: o == sorted(o)).all()
    # the pole GeoPackage holds what its description says: no clutter layer by default
    pole_gpkg = next(a for a in artifacts if a.path.endswith("pole/proposal.gpkg"))
    layers = set(gpd.list_layers(folder / pole_gpkg.path)["name"])
    assert layers == {"proposals", "covered", "candidates"}
    assert "clutter" not in pole_gpkg.title
    assert "written only with exact positions" in pole_gpkg.description
    # seeded: the same seed gives byte-identical tables
    for rel in (
        "cctv/plan_sites.csv",
        "cctv/plan_districts.csv",
        "pole/proposals.csv",
        "wifi_replacement/replacement.csv",
    ):
        assert (runs[0] / "proposals" / rel).read_bytes() == (
            runs[1] / "proposals" / rel
        ).read_bytes()


def test_demo_plans_every_funded_district_of_its_cctv_new_round(demo_run: Any) -> None:
    """Every district the round funds gets sites; none spends more than city share + matching."""
    assert demo_run.exit_code == 0, demo_run.output
    round_table = _csv(demo_run.out / "scoring" / "cctv-new" / "cctv-new_round.csv")
    funded = round_table[round_table["city_share_krw"] > 0].set_index("sig_cd")
    plan = _csv(demo_run.out / "proposals" / "cctv" / "plan_districts.csv")
    rows = plan[plan["sig_cd"] != "11000"].set_index("sig_cd")
    assert set(rows.index) == set(funded.index)
    allowed = funded["city_share_krw"] + funded["district_share_krw"]
    assert (rows["budget_krw"] == allowed.reindex(rows.index)).all()
    assert (rows["spent_krw"] <= allowed.reindex(rows.index)).all()
    assert (rows["sites"] > 0).all()
    sites = _csv(demo_run.out / "proposals" / "cctv" / "plan_sites.csv")
    spent = sites.groupby("sig_cd")["cost_krw"].sum()
    assert (spent.reindex(rows.index) == rows["spent_krw"]).all()
    assert sites.groupby("sig_cd").size().reindex(rows.index).tolist() == rows["sites"].tolist()
