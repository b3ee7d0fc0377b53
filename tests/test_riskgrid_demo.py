"""The demo's risk-grid stage: a labelled SYNTHETIC Seoul grid for later stages."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from layers.riskgrid import RiskGrid, grade_counts_by_district, read_grid
from siting.demo import STAGES
from siting.demo.grid import grid_stage, synthetic_incidents


def test_grid_stage_is_registered_after_the_districts() -> None:
    names = [name for name, _ in STAGES]
    assert "risk grid" in names and names.index("risk grid") > names.index("districts")


def test_synthetic_incidents_are_seeded() -> None:
    a, b = synthetic_incidents(1, 500), synthetic_incidents(1, 500)
    assert a.geometry.equals(b.geometry) and a.synthetic.all()
    assert not synthetic_incidents(2, 500).geometry.equals(a.geometry)


def test_grid_stage_builds_a_labelled_grid(tmp_path: Path) -> None:
    context: dict[str, object] = {"seed": 7}
    artifacts = grid_stage(tmp_path, context)
    grid = context["grid"]
    path = context["grid_path"]
    assert isinstance(grid, RiskGrid) and isinstance(path, Path) and path.exists()
    assert "synthetic" in path.name
    assert all(a.synthetic and (tmp_path / a.path).exists() for a in artifacts)
    assert all("synthetic" in a.path or "SYNTHETIC" in a.title for a in artifacts)
    back = read_grid(path)
    assert back.tags["synthetic"] == "true" and "SYNTHETIC" in back.tags["config"]
    assert np.array_equal(back.grade, grid.grade)
    assert grid.cell_size == 100 and 55_000 < int(grid.valid.sum()) < 65_000
    table = grade_counts_by_district(grid)
    assert (table.cells_total > 0).all()
    # districts differ inside: most districts hold more than one grade
    assert (
        table[["cells_A", "cells_B", "cells_C", "cells_D", "cells_E"]].gt(0).sum(axis=1) > 1
    ).sum() >= 20
    assert (tmp_path / "grid" / "inputs" / "grid_synthetic.toml").exists()


def test_grid_stage_learns_weights_and_states_its_skill(tmp_path: Path) -> None:
    import json

    grid_stage(tmp_path, {"seed": 7})
    report = json.loads(
        (
            tmp_path / "grid" / "learned" / "seoul_risk_grid_learned_synthetic_100m_report.json"
        ).read_text(encoding="utf-8")
    )
    learned = report["learned"]
    assert set(learned["weights"]) == {
        "population_density",
        "one_person_household_density",
        "elderly_density",
        "cctv_density",
    }
    assert learned["statement"].startswith(("The Poisson", "NO SKILL"))
    readme = (tmp_path / "grid" / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() and "not a real analysis" in readme
