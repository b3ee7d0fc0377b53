"""One round end to end, twice: a corrected district table gives version 2, whose
differences from version 1 are listed (CSV, report, workbook); planner-written money and
refusals of districts without data through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def _requests_xlsx(path: Path, dobong_ageing: float | None) -> Path:
    """A requests workbook as a planner fills it in (Korean headers, amounts in 천원)."""
    table = pd.DataFrame(
        {
            "자치구": ["도봉구", "동대문구", "강북구", "노원구", "은평구"],
            "총사업비(천원)": [800_000, 600_000, 1_000_900, 400_000, 700_000],
            "확보 구비": ["4억", "3억", "500,450,000", "2억", "3억 4천만"],
        }
    )
    if dobong_ageing is not None:
        table["노후율(%)"] = [dobong_ageing, None, None, None, None]
    table.to_excel(path, index=False)
    return path


def _run(tmp_path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["score", "--program", "cctv-replace", *extra])
    return result.exit_code, result.output


def test_corrected_district_table_gives_a_new_version_with_its_differences(
    tmp_path: Path,
) -> None:
    v1 = tmp_path / "v1"
    code, output = _run(
        tmp_path, "--requests", str(_requests_xlsx(tmp_path / "requests.xlsx", None)),
        "--budget", "10억", "--out", str(v1),
    )  # fmt: skip
    assert code == 0, output
    first = pd.read_csv(v1 / "cctv-replace_round.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    assert json.loads((v1 / "run.json").read_text())["settings"]["version"] == 1
    assert json.loads((v1 / "run.json").read_text())["settings"]["budget_krw"] == 1_000_000_000
    dobong = first.set_index("name_ko").loc["도봉구"]
    assert "0.1 %" in dobong["data_notes"]  # the quirk, flagged beside the district

    # the district corrects its ageing ratio in the requests table
    corrected = _requests_xlsx(tmp_path / "requests_corrected.xlsx", 41.2)
    v2 = tmp_path / "v2"
    code, output = _run(
        tmp_path, "--requests", str(corrected), "--budget", "6억 5천만",
        "--out", str(v2), "--previous", str(v1),
    )  # fmt: skip
    assert code == 0, output
    assert "version 2:" in output
    second = pd.read_csv(v2 / "cctv-replace_round.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    diff = pd.read_csv(
        v2 / "cctv-replace_differences.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert list(diff.columns) == ["sig_cd", "name_ko", "field", "previous", "current", "change"]
    row = diff[(diff.name_ko == "도봉구") & (diff.field == "ageing_ratio_pct")].iloc[0]
    assert float(row.previous) < 0.2 and float(row.current) == 41.2
    assert ((diff.name_ko == "도봉구") & (diff.field == "overrides")).any()
    # every listed change is real, and every real change is listed
    a = first.set_index("sig_cd")
    b = second.set_index("sig_cd")
    for r in diff.itertuples():
        assert str(a.at[r.sig_cd, r.field]) != str(b.at[r.sig_cd, r.field])
    changed_priority = set(a.index[a.priority != b.priority.reindex(a.index)])
    listed = set(diff.loc[diff.field == "priority", "sig_cd"])
    assert changed_priority == listed and "11320" in listed
    # the budget went down: grants moved, listed with their change
    assert (diff.field == "city_share_krw").any()
    report = (v2 / "cctv-replace_report.md").read_text(encoding="utf-8")
    assert "Version 2 of this round." in report and "## Changes since version 1" in report
    assert "OVERRIDE ageing_ratio_pct" in report
    assert json.loads((v2 / "run.json").read_text())["settings"]["version"] == 2
    book = openpyxl.load_workbook(v2 / "cctv-replace_round.xlsx", read_only=True)
    assert "differences" in book.sheetnames
    book.close()
    # 강북구 asked 1,000,900천원 with 500,450,000 secured: never more than half its cost
    kangbuk = b.loc["11305"]
    assert kangbuk.city_share_krw <= 500_450_000 and kangbuk.district_share_krw <= 500_450_000


def test_previous_of_another_programme_is_refused(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--out", str(tmp_path / "x"), "--previous", str(tmp_path))
    assert code == 2
    assert "no cctv-replace_round.csv" in output and "--previous" in output


def test_budget_as_planners_write_it_and_refusals(tmp_path: Path) -> None:
    for text, krw in [("60억", 6_000_000_000), ("600000천원", 600_000_000), ("6e9", 6e9),
                      ("6,000,000,000", 6_000_000_000)]:  # fmt: skip
        out = tmp_path / text.replace(",", "_")
        code, output = _run(tmp_path, "--budget", text, "--out", str(out))
        assert code == 0, output
        assert json.loads((out / "run.json").read_text())["settings"]["budget_krw"] == krw
    for bad in ("-5억", "6bn", "nan"):
        code, output = _run(tmp_path, "--budget", bad, "--out", str(tmp_path / "bad"))
        assert code == 2, output
        assert "60억" in output  # an example that works
        assert not (tmp_path / "bad").exists()


def test_partial_table_refused_with_exit_2_unless_missing_zero(tmp_path: Path) -> None:
    csv = tmp_path / "rates.csv"
    pd.DataFrame({"자치구": ["종로구", "중구"], "지능형 CCTV 적용률": [5, 12]}).to_csv(
        csv, index=False
    )
    args = ["score", "-p", "cctv-intelligent", "--districts", str(csv)]
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 2
    assert "intelligent_rate_pct is missing for 23 district(s)" in refused.output
    assert "용산구 (11170)" in refused.output
    ok = runner.invoke(app, [*args, "--missing", "zero", "--out", str(tmp_path / "b")])
    assert ok.exit_code == 0, ok.output
    report = (tmp_path / "b" / "cctv-intelligent_report.md").read_text(encoding="utf-8")
    assert "Districts without data, scored as 0 (--missing zero)" in report
