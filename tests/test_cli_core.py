"""The CLI core: districts, demo, error mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from _demo_run import DemoRun
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


def test_importing_the_cli_loads_no_heavy_library() -> None:
    """`siting --help` stays fast: command modules import heavy libraries inside commands."""
    import subprocess
    import sys

    heavy = "('geopandas', 'pandas', 'numpy', 'shapely', 'scipy', 'sklearn', 'folium', "
    heavy += "'rasterio', 'pyogrio')"
    for run in (
        "",
        "app(['--version'])",
        "app(['inspect', '--help'])",
        "app(['grid', 'build', '--help'])",
    ):
        code = (
            "import sys\nfrom siting.cli import app\ntry:\n    " + (run or "pass") + "\n"
            "except SystemExit:\n    pass\n"
            f"print('HEAVY=' + ','.join(m for m in {heavy} if m in sys.modules))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "HEAVY=", (run, done.stdout)


def test_version_and_help_answer() -> None:
    from siting import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"siting {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "demo" in result.output


def test_quiet_and_verbose_before_or_after_the_subcommand(tmp_path: Path) -> None:
    for args in (["-q", "districts"], ["districts", "-q"], ["districts", "-v"]):
        out = tmp_path / "-".join(a.strip("-") for a in args)
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, (args, result.output)
        assert (out / "run.json").exists()


def test_cli_lists_match_the_library() -> None:
    """Literal lists kept in the CLI (so --help needs no library import) match the library."""
    from layers.inventory import DEVICE_TYPES
    from layers.readers import KIND_LABELS
    from siting.cli import ageing, demo, inspect
    from siting.demo import DEMO_SEED

    assert list(inspect.KINDS) == list(KIND_LABELS)
    assert tuple(ageing.DEVICE_TYPES) == tuple(DEVICE_TYPES)
    assert demo.DEMO_SEED == DEMO_SEED


def test_help_names_the_real_output_files(tmp_path: Path) -> None:
    help_text = runner.invoke(app, ["districts", "--help"]).output
    assert runner.invoke(app, ["districts", "--out", str(tmp_path)]).exit_code == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["districts.csv", "districts.gpkg", "run.json"]
    for name in written:
        assert name in help_text


def test_numbers_print_without_nan_or_scientific_notation() -> None:
    from siting.cli._common import format_number

    assert format_number(float("nan")) == "–"
    assert format_number(None) == "–"
    assert format_number(77_580.0) == "77,580.0"
    assert format_number(1e9, 0) == "1,000,000,000"
    assert "e" not in format_number(1.5e-7, 2)
    table = pd.DataFrame({"name": ["a", None], "weight": [77_580.0, float("nan")]})
    import io
    from contextlib import redirect_stdout

    from siting.cli import _common
    from siting.cli._common import print_table

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        _common.stdout._console = None  # a console writing to the captured stdout
        print_table(table, ["name", "weight"])
    _common.stdout._console = None
    text = buffer.getvalue()
    assert "77,580.0" in text and "nan" not in text.lower() and "e+" not in text
