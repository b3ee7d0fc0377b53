"""Existing-cover model through the job and the CLI: byte-identical runs, --existing-cover."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from affine import Affine
from typer.testing import CliRunner

from layers.riskgrid import RiskGrid
from layers.riskgrid.io import write_grid
from siting.cli import app
from siting.jobs_propose import run_propose

# 100 m cells partly inside 성북구 (EPSG:5186, m); SYNTHETIC grid and poles.
X0, Y0, SIZE = 201_700.0, 555_200.0, 100.0


def _grid(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    score = rng.gamma(2.0, 1.0, size=(8, 8)).astype(np.float32)
    grade = np.where(score > np.quantile(score, 0.5), 5, 4).astype(np.uint8)
    path = tmp_path / "grid.tif"
    write_grid(
        RiskGrid(score, grade, Affine(SIZE, 0, X0, 0, -SIZE, Y0 + 8 * SIZE)),
        path,
        tags={"test": "SYNTHETIC existing-cover fixture"},
    )
    return path


def _existing_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(12)
    rows = [
        f"E{i},{X0 + x:.1f},{Y0 + y:.1f},{n},2020"
        for i, (x, y, n) in enumerate(
            zip(
                rng.uniform(0, 800, 12),
                rng.uniform(0, 800, 12),
                rng.integers(1, 7, 12),
                strict=True,
            )
        )
    ]
    path = tmp_path / "existing.csv"
    path.write_text("device_id,x,y,n_devices,install_year\n" + "\n".join(rows) + "\n")
    return path


def test_run_is_byte_identical_and_the_models_differ(tmp_path: Path) -> None:
    grid, existing = _grid(tmp_path), _existing_csv(tmp_path)
    outputs = {}
    for name, model in (("a", "cameras"), ("b", "cameras"), ("disc", "disc")):
        run_propose(
            tmp_path / name,
            device="cctv",
            districts=["성북구"],
            count=6,
            grid_path=grid,
            existing_path=existing,
            crs="EPSG:5186",
            existing_cover=model,  # type: ignore[arg-type]
            seed=3,
        )
        outputs[name] = (tmp_path / name / "proposals.csv").read_bytes()
    assert outputs["a"] == outputs["b"]
    summaries = {
        k: json.loads((tmp_path / k / "summary.json").read_text(encoding="utf-8"))
        for k in ("a", "disc")
    }
    before = {k: s["services"][0]["covered_by_existing_weight"] for k, s in summaries.items()}
    assert before["a"] < before["disc"]  # poles with 1-3 cameras watch part of their disc


def test_cli_takes_existing_cover_and_refuses_a_bad_field_of_view(tmp_path: Path) -> None:
    grid, existing = _grid(tmp_path), _existing_csv(tmp_path)
    common = ["propose", "--device", "cctv", "--district", "성북구", "--count", "3"]
    common += ["--grid", str(grid), "--existing", str(existing), "--crs", "EPSG:5186"]
    result = CliRunner().invoke(
        app, [*common, "--existing-cover", "disc", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "disc model" in result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["services"][0]["existing_cover"]["model"] == "disc"
    result = CliRunner().invoke(app, [*common, "--camera-fov", "0", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "field of view" in result.output
    assert not (tmp_path / "p").exists()


def test_cli_replace_takes_existing_cover(tmp_path: Path) -> None:
    inventory = tmp_path / "cctv.csv"
    inventory.write_text(
        "device_id,x,y,install_year,n_devices\n"
        f"one,{X0 + 50},{Y0 + 50},2010,1\nfour,{X0 + 450},{Y0 + 50},2011,4\n",
        encoding="utf-8",
    )
    places = tmp_path / "places.csv"
    places.write_text(
        f"x,y,weight\n{X0 + 60},{Y0 + 50},5\n{X0 + 460},{Y0 + 50},2\n", encoding="utf-8"
    )
    covered = {}
    for model in ("cameras", "disc"):
        out = tmp_path / model
        result = CliRunner().invoke(
            app,
            [
                "replace", str(inventory), "--device", "cctv", "--demand", str(places),
                "--crs", "EPSG:5186", "--reference-year", "2024", "--existing-cover", model,
                "--out", str(out),
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert f"{model} model" in result.output.replace("camera model", "cameras model")
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["existing_cover"]["model"] == model
        covered[model] = summary["covered_weight_selected"]
    # one camera watches a quarter of its place (5 × 0.25) + four cameras all of theirs (2)
    assert covered == {"cameras": 3.25, "disc": 7.0}


def test_demo_cctv_plan_counts_existing_poles_by_camera_and_proves_its_gap(
    demo_run: Any,
) -> None:
    """The demo's SYNTHETIC poles carry 1–6 cameras: the camera model runs, bounded, reported."""
    assert demo_run.exit_code == 0, demo_run.output
    summary = json.loads(
        (demo_run.out / "proposals" / "cctv" / "summary.json").read_text(encoding="utf-8")
    )
    assert summary["settings"]["profile"]["existing_cover"] == "cameras"
    assert "min(1, n × 90° / 360°)" in summary["settings"]["existing_cover"]
    assert summary["districts"]
    for district in summary["districts"].values():
        watch = district["services"][0]["existing_cover"]
        assert watch["model"] == "cameras" and watch["n_sites"] > 0
        assert set(watch["sites_by_cameras"]) <= {"1", "2", "3", "4", "5", "6"}
        assert watch["n_sites_count_assumed"] == 0
        # 1–6 cameras: existing sites watch less than their whole discs
        assert 0.25 <= watch["mean_watched_share"] < 1.0
        assert not district["stopped_by_time_limit"]
        assert np.isfinite(district["gap"]) and 0.0 <= district["gap"] < 0.01  # proven ≤ 1 %


def test_service_propose_process_takes_existing_cover() -> None:
    from service.processes import ProcessInputError, get_process, validate_inputs

    process = get_process("propose")
    base = {"device": "cctv", "count": 3}
    assert validate_inputs(process, base)["existing_cover"] == "cameras"
    chosen = validate_inputs(process, base | {"existing_cover": "disc", "camera_fov": 120})
    assert (chosen["existing_cover"], chosen["camera_fov"]) == ("disc", 120.0)
    with pytest.raises(ProcessInputError, match="existing_cover"):
        validate_inputs(process, base | {"existing_cover": "sectors"})
    with pytest.raises(ProcessInputError, match="camera_fov"):
        validate_inputs(process, base | {"camera_fov": 400})
