"""The demo's subsidy-round stage and the --grid path of ``siting score``."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from layers.districts import load_districts
from scoring import PROGRAMS
from siting.cli import app
from siting.demo.scoring import example_requests, scoring_stage

runner = CliRunner()


def _riskgrid() -> Any:
    try:
        module = importlib.import_module("layers.riskgrid")
    except ImportError:
        return None
    return module if hasattr(module, "grade_counts_by_district") else None


def test_demo_stage_scores_every_round_without_a_grid(tmp_path: Path) -> None:
    context: dict[str, Any] = {"seed": 7, "districts": load_districts()}
    artifacts = scoring_stage(tmp_path, context)
    assert set(context["rounds"]) == set(PROGRAMS)
    for program, table in context["rounds"].items():
        assert len(table) == 25
        assert (tmp_path / "scoring" / program / f"{program}_round.csv").exists()
        assert (tmp_path / "scoring" / program / f"{program}_report.md").exists()
    inputs = tmp_path / "scoring" / "inputs" / "example_requests_synthetic.csv"
    assert inputs.exists()
    assert all(a.synthetic for a in artifacts)
    assert all("EXAMPLE" in a.title or "EXAMPLE" in a.description for a in artifacts)
    for a in artifacts:
        assert (tmp_path / a.path).exists(), a.path


def test_example_requests_are_seeded_and_hit_band_edges() -> None:
    layer = load_districts()
    a, b = example_requests(layer, 1), example_requests(layer, 1)
    pd.testing.assert_frame_equal(a, b)
    assert {10.0, 30.0} <= set(a["intelligent_rate_pct"])
    assert (a["matching_secured_krw"] < a["requested_krw"] // 2).any()


def test_score_with_a_grid_counts_d_and_e_cells(tmp_path: Path) -> None:
    riskgrid = _riskgrid()
    if riskgrid is None:
        pytest.skip("layers.riskgrid.grade_counts_by_district is not available yet")
    from affine import Affine

    from layers.riskgrid import RiskGrid, write_grid

    bounds = load_districts().total_bounds
    size = 1000.0
    x0 = np.floor(bounds[0] / size) * size
    y1 = np.ceil(bounds[3] / size) * size
    width = int(np.ceil((bounds[2] - x0) / size))
    height = int(np.ceil((y1 - bounds[1]) / size))
    rng = np.random.default_rng(3)
    grade = rng.integers(1, 6, (height, width)).astype(np.uint8)
    grid = RiskGrid(
        score=grade.astype(np.float32), grade=grade, transform=Affine(size, 0, x0, 0, -size, y1)
    )
    path = write_grid(grid, tmp_path / "grid.tif", tags={"synthetic": "test"})
    out = tmp_path / "out"
    result = runner.invoke(app, ["score", "-p", "cctv-new", "--grid", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "cctv-new_round.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    expected = riskgrid.grade_counts_by_district(path, vulnerable_grades=("D", "E"))
    got = table.set_index("sig_cd")["vulnerable_cells"].sort_index()
    assert got.tolist() == expected.set_index("sig_cd")["vulnerable_cells"].sort_index().tolist()
    report = (out / "cctv-new_report.md").read_text(encoding="utf-8")
    assert "grid.tif" in report
