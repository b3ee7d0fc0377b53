"""`siting inspect` and `siting ageing`: output, JSON, and bad input -> exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import _korean_fixtures as fx
import pytest
from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def test_inspect_text(tmp_path: Path) -> None:
    path = fx.safety_cctv_csv(tmp_path / "안심이.csv")
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    for text in ("cctv_safety", "cp949", "EPSG:4326", "rows read: 10", "kept:      6",
                 "zero coordinate: 1 (rows 8)", "swapped lat/lon fixed: 2", "종로구"):  # fmt: skip
        assert text in result.output


def test_inspect_json(tmp_path: Path) -> None:
    path = fx.wifi_csv(tmp_path / "wifi.csv")
    result = runner.invoke(app, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "wifi" and data["encoding"] == "cp949" and data["crs"] == "EPSG:4326"
    assert (data["rows_read"], data["rows_kept"], data["rows_dropped"]) == (7, 5, 2)
    assert data["swapped_rows"] == 1


def test_ageing_writes_csv_and_manifest(tmp_path: Path) -> None:
    path = fx.wifi_csv(tmp_path / "wifi.csv")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["ageing", "--device", "wifi", "--min-age", "7", "--out", str(out), str(path)]
    )
    assert result.exit_code == 0, result.output
    csv = out / "wifi_ageing_by_district.csv"
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert (out / "run.json").exists()
    assert "data as-of date 2024-05-27" in result.output
    again = runner.invoke(app, ["ageing", "--out", str(out), str(path)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_cli_and_service_ageing_share_one_job(tmp_path: Path) -> None:
    """The service's ``ageing`` process writes what ``siting ageing --out`` writes."""
    from service.jobs import JobContext
    from service.processes import FILES_KEY, run_ageing

    path = fx.wifi_csv(tmp_path / "wifi.csv")
    out = tmp_path / "cli"
    result = runner.invoke(app, ["ageing", "--min-age", "7", "--out", str(out), str(path)])
    assert result.exit_code == 0, result.output
    job_out = tmp_path / "job"
    ctx = JobContext("j1", job_out, tmp_path, lambda _pct, _msg: None)
    inputs = {
        "device": None,
        "min_age": 7,
        "reference_year": None,
        "kind": "auto",
        "crs": None,
        FILES_KEY: {"file": path.name},
    }
    summary, files = run_ageing(ctx, inputs)
    assert sorted(files) == sorted(p.name for p in out.iterdir())
    name = "wifi_ageing_by_district.csv"
    assert (job_out / name).read_bytes() == (out / name).read_bytes()
    assert summary["device_type"] == "wifi" and summary["min_age_years"] == 7
    assert {"종로구", "노원구"} <= {row["name_ko"] for row in summary["districts"]}


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02" * 10)
    metres = fx.write_csv(
        tmp_path / "m.csv", ["x", "y"], [[200000, 450000], [201000, 451000]], "utf-8"
    )
    return {
        "empty": ([str(empty)], "empty"),
        "folder": ([str(tmp_path)], "is a folder"),
        "binary": ([str(binary)], "NUL bytes"),
        "wrong crs": ([str(metres), "--crs", "EPSG:5186"], "look like EPSG:5181"),
        "missing crs": ([str(metres)], "pass --crs"),
        "bad crs": ([str(metres), "--crs", "EPSG:99999999"], "not a CRS"),
        "invalid polygon": ([str(fx.bowtie_geojson(tmp_path / "b.geojson"))], "Self-intersection"),
        "duplicate ids": (
            [
                str(fx.bowtie_geojson(tmp_path / "d.geojson", duplicate_ids=True)),
                "--repair",
                "--id-column",
                "site_id",
            ],
            "duplicate site_id 'A'",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "folder",
        "binary",
        "wrong crs",
        "missing crs",
        "bad crs",
        "invalid polygon",
        "duplicate ids",
    ],
)
@pytest.mark.parametrize("command", ["inspect", "ageing"])
def test_bad_input_exit_2_no_traceback_no_output(tmp_path: Path, case: str, command: str) -> None:
    args, message = _bad_inputs(tmp_path)[case]
    if command == "ageing":
        args = [a for a in args if a != "--repair"] + [
            "--device",
            "cctv",
            "--out",
            str(tmp_path / "out"),
        ]
    result = runner.invoke(app, [command, *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "fix:" in result.output or case == "folder"
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
