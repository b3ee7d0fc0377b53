"""Scoring refuses districts without data (unless --missing zero), repeats the data-quirk
register next to affected districts, shows overrides, and says which criteria are written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from layers.districts import load_districts
from layers.errors import ValidationError
from layers.riskgrid import RiskGrid, write_grid
from scoring import PROGRAMS, default_criteria, round_markdown, run_round, write_round_xlsx

REPO = Path(__file__).resolve().parents[1]
COVERED = ("종로구", "중구", "용산구")


def _partial_grid(tmp_path: Path) -> Path:
    """A synthetic 200 m graded grid over three districts' extent only."""
    d = load_districts()
    bounds = d[d.name_ko.isin(COVERED)].total_bounds
    size = 200.0
    x0, y1 = np.floor(bounds[0] / size) * size, np.ceil(bounds[3] / size) * size
    width = int(np.ceil((bounds[2] - x0) / size))
    height = int(np.ceil((y1 - bounds[1]) / size))
    grade = np.random.default_rng(5).integers(1, 6, (height, width)).astype(np.uint8)
    grid = RiskGrid(
        score=grade.astype(np.float32), grade=grade, transform=Affine(size, 0, x0, 0, -size, y1)
    )
    return write_grid(grid, tmp_path / "partial_synthetic.tif", tags={"synthetic": "test"})


def test_partial_grid_is_refused_naming_the_districts(tmp_path: Path) -> None:
    path = _partial_grid(tmp_path)
    with pytest.raises(ValidationError, match="vulnerable_cells is missing") as err:
        run_round("cctv-new", grid=path)
    text = str(err.value)
    assert "강남구 (11680)" in text and "도봉구 (11320)" in text
    assert "종로구 (11110)" not in text
    assert "--missing zero" in text


def test_missing_zero_scores_them_as_zero_and_the_report_says_so(tmp_path: Path) -> None:
    path = _partial_grid(tmp_path)
    result = run_round("cctv-new", grid=path, missing="zero")
    t = result.table.set_index("name_ko")
    assert t.loc["강남구", "vulnerable_cells"] == 0
    assert t.loc["강남구", "missing_filled_zero"] == "vulnerable_cells"
    assert t.loc["종로구", "missing_filled_zero"] == ""
    assert t.loc["종로구", "grid_cells_graded"] > 0
    report = round_markdown(result)
    assert "Districts without data, scored as 0 (--missing zero)" in report
    assert "강남구 (11680): vulnerable_cells" in report
    assert "| missing | zero |" in report
    assert "NO DATA, scored as 0: vulnerable_cells" in report


def test_a_table_leaving_districts_without_data_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "rates.csv"
    pd.DataFrame({"name_ko": ["종로구", "중구"], "intelligent_rate_pct": [5.0, 12.0]}).to_csv(
        csv, index=False
    )
    with pytest.raises(ValidationError, match=r"intelligent_rate_pct is missing for 23 district"):
        run_round("cctv-intelligent", districts_csv=csv)
    ok = run_round("cctv-intelligent", districts_csv=csv, missing="zero")
    assert (ok.table["missing_filled_zero"] == "intelligent_rate_pct").sum() == 23


def test_quirk_notes_sit_next_to_the_affected_districts(tmp_path: Path) -> None:
    result = run_round("cctv-replace")
    t = result.table.set_index("name_ko")
    assert "0.1 %" in t.loc["도봉구", "data_notes"]
    assert "1,563" in t.loc["동대문구", "data_notes"]
    assert "ageing_ratio_pct" not in t.loc["종로구", "data_notes"]
    assert "fiscal_self_reliance_pct" in t.loc["종로구", "data_notes"]  # year unlabelled
    report = round_markdown(result)
    dobong = next(line for line in report.splitlines() if "| 도봉구 |" in line)
    assert "0.1 %" in dobong
    assert "Data notes (known quirks of the bundled data)" in report
    assert "fiscal_self_reliance_pct — every district" in report
    xlsx = write_round_xlsx(result, tmp_path / "r.xlsx")
    sheet = pd.read_excel(xlsx, sheet_name="round", header=None, dtype=str)
    sheet.columns = sheet.iloc[sheet.index[sheet.eq("name_ko").any(axis=1)][0]]
    sheet = sheet.set_index("name_ko")
    assert "0.1 %" in sheet.loc["도봉구", "data_notes"]


def test_quirks_only_for_fields_the_round_uses(tmp_path: Path) -> None:
    t = run_round("cctv-new", grid=_partial_grid(tmp_path), missing="zero").table
    t = t.set_index("name_ko")
    assert not t["data_notes"].str.contains("ageing").any()


def test_overrides_are_shown_as_overrides_and_replace_the_quirk(tmp_path: Path) -> None:
    csv = tmp_path / "corrected.csv"
    pd.DataFrame({"name_ko": ["도봉구"], "ageing_ratio_pct": [38.5]}).to_csv(csv, index=False)
    result = run_round("cctv-replace", districts_csv=csv)
    t = result.table.set_index("name_ko")
    assert t.loc["도봉구", "ageing_ratio_pct"] == 38.5
    assert t.loc["도봉구", "overrides"] == "ageing_ratio_pct 0.106838 → 38.5 (corrected.csv)"
    assert "ageing_ratio_pct" not in t.loc["도봉구", "data_notes"]
    assert "1,563" in t.loc["동대문구", "data_notes"]  # not overridden: note stays
    report = round_markdown(result)
    assert "## Overrides of the bundled data" in report
    assert "OVERRIDE ageing_ratio_pct" in report
    notes = report.split("## Data notes")[1].split("## Totals")[0]
    assert "동대문구 (11230)" in notes and "도봉구 (11320)" not in notes


@pytest.mark.parametrize("program", PROGRAMS)
def test_reports_say_written_or_assumed(program: str) -> None:
    c = default_criteria(program)
    text = c.basis_text()
    if program.startswith("cctv"):
        assert c.basis == "written"
        assert "붙임8" in text and "2024" in text and "written" in text
    else:
        assert c.basis == "assumed"
        assert text.startswith("ASSUMED") and "붙임8" not in text


def test_no_internal_citations_in_shipped_scoring_text() -> None:
    """Shipped text cites public documents, never internal files or line numbers."""
    pattern = re.compile(r"domain\.md|\.\./shared|\bseeds\b|\b00[134]:\d")
    paths = [*REPO.glob("scoring/**/*.py"), *REPO.glob("scoring/criteria/*.toml")]
    paths += [REPO / "layers/quirks.py", REPO / "layers/money.py", REPO / "layers/data/quirks.csv"]
    paths += [REPO / "siting/jobs_score.py", REPO / "siting/cli/score.py"]
    paths += [REPO / "siting/demo/scoring.py"]
    hits = [
        f"{p.relative_to(REPO)}:{n}"
        for p in paths
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert hits == []
    for program in ("cctv-replace",):
        report = round_markdown(run_round(program))
        assert not pattern.search(report), program
