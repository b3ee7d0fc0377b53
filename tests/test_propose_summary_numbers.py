"""``siting propose`` prints its summary numbers as a planner reads them: thousands
separators and fixed decimals, never scientific notation, never ``nan``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from siting.cli import app

X0, Y0 = 201_700.0, 555_200.0  # inside 성북구 (EPSG:5186, m)


def test_large_weights_print_without_scientific_notation(tmp_path: Path) -> None:
    candidates = tmp_path / "poles.csv"
    candidates.write_text(
        "candidate_id,x,y\n" + "".join(f"p{i},{X0 + 300 * i},{Y0}\n" for i in range(1, 4)),
        encoding="utf-8",
    )
    demand = tmp_path / "demand.csv"
    # weights large enough that the former ':.4g' summary printed 7.758e+04
    weights = [25_860.25, 25_860.25, 25_860.25, 1_234.5]
    demand.write_text(
        "x,y,weight\n"
        + "".join(f"{X0 + 300 * (i + 1) + 5},{Y0 + 5},{w}\n" for i, w in enumerate(weights)),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["propose", "--device", "cctv", "--district", "성북구", "--count", "3",
         "--candidates", str(candidates), "--demand", str(demand), "--crs", "EPSG:5186",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["covered_weight"] > 10_000  # the case the old format printed as 7.758e+04
    text = " ".join(result.stdout.split())  # what the command prints (logs go to stderr)
    assert not re.search(r"\d[eE][+-]\d", text), text
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), text
    covered = f"{summary['covered_weight']:,.1f}"
    assert f"sites cover {covered} of {summary['total_weight']:,.1f}" in text, text
    assert f"cost {summary['cost_krw']:,.0f} KRW" in text, text
