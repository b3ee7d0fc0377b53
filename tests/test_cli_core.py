"""The CLI core: districts, demo, error mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import DemoRun
from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def test_districts_writes_gpkg_and_bom_csv(tmp_path: Path) -> None:
    result = runner.invoke(app, ["districts", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "종로구" in result.output
    assert f"outputs in: {tmp_path.resolve()}" in result.output
    table = pd.read_csv(tmp_path / "districts.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    assert len(table) == 25 and int(table.cctv_total.sum()) == 113_273
    assert (tmp_path / "districts.gpkg").stat().st_size > 0
    assert (tmp_path / "run.json").exists()


def test_second_run_refuses_to_overwrite(tmp_path: Path) -> None:
    assert runner.invoke(app, ["districts", "--out", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "districts.csv").stat().st_mtime_ns
    result = runner.invoke(app, ["districts", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--overwrite" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "districts.csv").stat().st_mtime_ns == before
    result = runner.invoke(app, ["districts", "--out", str(tmp_path), "--overwrite"])
    assert result.exit_code == 0


def test_bad_option_value_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["districts", "--out", str(tmp_path), "--min-age", "12"])
    assert result.exit_code == 2
    assert "cannot be split" in result.output and "fix:" in result.output
    assert not any(tmp_path.glob("*.csv"))


def test_out_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("x")
    result = runner.invoke(app, ["districts", "--out", str(target)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_demo_writes_every_stage(demo_run: DemoRun) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    out = demo_run.out
    for expected in (
        "districts/districts.csv",
        "ageing/cctv_ageing_by_district.csv",
        "ageing/wifi_ageing_by_district_synthetic.csv",
        "grid/seoul_risk_grid_synthetic_100m.tif",
        "scoring/cctv-new/cctv-new_round.csv",
        "proposals/summaries.json",
        "index.html",
        "artifacts.json",
        "run.json",
    ):
        assert (out / expected).exists(), expected
    assert demo_run.output.strip().splitlines()[-1] == f"outputs in: {out.resolve()}"
    assert not list(out.glob(".staging-*"))
