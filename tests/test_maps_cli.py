"""``siting map …``: outputs are offline HTML, never over inputs, never over files unasked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from _maps_fixtures import synthetic_grid_tif, synthetic_inventory, synthetic_proposals
from typer.testing import CliRunner

from layers import load_districts
from layers.output import file_sha256
from maps import external_urls
from siting.cli import app

runner = CliRunner()


def _manifest(out: Path, kind: str, inputs: list[Path]) -> dict[str, Any]:
    """The map's run.json: its command, every input with its sha256, and versions."""
    manifest: dict[str, Any] = json.loads(
        out.with_name(f"{out.stem}_run.json").read_text(encoding="utf-8")
    )
    assert manifest["command"] == f"map {kind}"
    assert [i["sha256"] for i in manifest["inputs"]] == [file_sha256(p) for p in inputs]
    assert manifest["settings"]["out"] == out.name
    assert manifest["versions"]["folium"] != "not installed"
    return manifest


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
    settings = _manifest(out, "districts", [table])["settings"]
    assert settings["column"] == "total_points" and settings["tooltip_columns"] == ["priority"]
    assert settings["tiles"] == "none"
    assert "scores_run.json" in result.output
    again = runner.invoke(app, [*args, "--out", str(out)])
    assert again.exit_code == 2
    assert "2 output file(s) already exist" in again.output
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
    _manifest(out, "grid", [grid])


def test_equipment_and_proposals_commands(tmp_path: Path, districts: gpd.GeoDataFrame) -> None:
    inventory = tmp_path / "cctv_synthetic.gpkg"
    synthetic_inventory(districts, 200).to_file(inventory, engine="pyogrio")
    out = tmp_path / "cctv.html"
    result = runner.invoke(app, ["map", "equipment", str(inventory), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'content="off"' in out.read_text(encoding="utf-8")
    settings = _manifest(out, "equipment", [inventory])["settings"]
    assert settings["exact_positions"] is False and settings["device"] == "cctv"
    assert settings["aged_min_age"] == 8 and settings["min_devices"] == 3
    exact = tmp_path / "cctv_exact.html"
    result = runner.invoke(
        app, ["map", "equipment", str(inventory), "--exact-positions", "--out", str(exact)]
    )
    assert result.exit_code == 0, result.output
    assert 'content="on"' in exact.read_text(encoding="utf-8")
    assert _manifest(exact, "equipment", [inventory])["settings"]["exact_positions"] is True

    proposals = tmp_path / "cctv_proposals_synthetic.gpkg"
    synthetic_proposals(districts, 6).to_file(proposals, engine="pyogrio")
    out = tmp_path / "proposals.html"
    result = runner.invoke(app, ["map", "proposals", str(proposals), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cctv_proposals_synthetic" in out.read_text(encoding="utf-8")
    settings = _manifest(out, "proposals", [proposals])["settings"]
    assert settings["sets"] == ["cctv_proposals_synthetic"] and settings["radius_m"] == 50.0


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
    settings = _manifest(out, "round", [source])["settings"]
    assert settings["program"] == "wifi" and settings["criteria_basis"] == "assumed"


def test_manifest_keeps_tile_keys_out(tmp_path: Path) -> None:
    out = tmp_path / "tiles.html"
    key_url = "https://api.vworld.kr/req/wmts/1.0.0/SECRET-KEY-123/Base/{z}/{y}/{x}.png"
    result = runner.invoke(
        app,
        ["map", "districts", "--tiles", key_url, "--tiles-attribution", "VWorld",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.with_name("tiles_run.json").read_text(encoding="utf-8")
    assert "SECRET-KEY-123" not in text
    assert json.loads(text)["settings"]["tiles"] == "api.vworld.kr"


def test_failed_map_leaves_no_manifest(tmp_path: Path) -> None:
    out = tmp_path / "scores.html"
    result = runner.invoke(
        app, ["map", "districts", "--column", "no_such_column", "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert not out.exists() and not out.with_name("scores_run.json").exists()
