"""``siting map …``: outputs are offline HTML, never over inputs, never over files unasked."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _maps_fixtures import synthetic_grid_tif, synthetic_inventory, synthetic_proposals
from typer.testing import CliRunner

from layers import load_districts
from maps import external_urls
from siting.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return load_districts()


def test_districts_map_from_a_scored_table(tmp_path: Path, districts: gpd.GeoDataFrame) -> None:
    table = tmp_path / "round.csv"
    pd.DataFrame(
        {"sig_cd": districts.sig_cd, "total_points": range(25), "priority": range(25, 0, -1)}
    ).to_csv(table, index=False, encoding="utf-8-sig")
    out = tmp_path / "scores.html"
    args = ["map", "districts", "--values", str(table), "--column", "total_points"]
    result = runner.invoke(app, [*args, "--tooltip", "priority", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert external_urls(page) == []
    assert "(priority)" in page
    again = runner.invoke(app, [*args, "--out", str(out)])
    assert again.exit_code == 2
    assert "already exist" in again.output
    assert runner.invoke(app, [*args, "--out", str(out), "--overwrite"]).exit_code == 0


def test_output_must_be_html_and_not_an_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["map", "districts", "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert ".html" in result.output
    same = tmp_path / "values.html"
    same.write_text("sig_cd,x\n11110,1\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["map", "districts", "--values", str(same), "--column", "x", "--out", str(same)],
    )
    assert result.exit_code == 2
    assert "also an input" in result.output
    assert same.read_text(encoding="utf-8") == "sig_cd,x\n11110,1\n"


def test_grid_map_command(tmp_path: Path, districts: gpd.GeoDataFrame) -> None:
    grid = synthetic_grid_tif(tmp_path / "grid_synthetic.tif", districts, cell_m=500.0)
    out = tmp_path / "grid.html"
    result = runner.invoke(app, ["map", "grid", str(grid), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "L.imageOverlay(" in out.read_text(encoding="utf-8")


def test_equipment_and_proposals_commands(tmp_path: Path, districts: gpd.GeoDataFrame) -> None:
    inventory = tmp_path / "cctv_synthetic.gpkg"
    synthetic_inventory(districts, 200).to_file(inventory, engine="pyogrio")
    out = tmp_path / "cctv.html"
    result = runner.invoke(app, ["map", "equipment", str(inventory), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'content="off"' in out.read_text(encoding="utf-8")
    exact = tmp_path / "cctv_exact.html"
    result = runner.invoke(
        app, ["map", "equipment", str(inventory), "--exact-positions", "--out", str(exact)]
    )
    assert result.exit_code == 0, result.output
    assert 'content="on"' in exact.read_text(encoding="utf-8")

    proposals = tmp_path / "cctv_proposals_synthetic.gpkg"
    synthetic_proposals(districts, 6).to_file(proposals, engine="pyogrio")
    out = tmp_path / "proposals.html"
    result = runner.invoke(app, ["map", "proposals", str(proposals), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cctv_proposals_synthetic" in out.read_text(encoding="utf-8")


def test_round_map_command(tmp_path: Path, districts: gpd.GeoDataFrame) -> None:
    table = pd.DataFrame(
        {
            "sig_cd": districts.sig_cd,
            "name_ko": districts.name_ko,
            "total_points": [float(i % 7) for i in range(25)],
            "status": ["funded"] * 3 + ["not funded"] * 22,
        }
    )
    source = tmp_path / "wifi_round.csv"
    table.to_csv(source, index=False, encoding="utf-8-sig")
    out = tmp_path / "round.html"
    result = runner.invoke(app, ["map", "round", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "ASSUMED" in page and "붙임8" not in page
