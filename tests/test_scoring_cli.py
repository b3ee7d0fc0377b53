"""``siting score`` end to end: outputs, manifest, and bad inputs refused with one message."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from layers.districts import load_districts
from layers.output import file_sha256
from siting.cli import app

runner = CliRunner()

REQUIRED = [
    "sig_cd", "name_ko", "fiscal_points", "need_points", "total_points",
    "priority", "eligible", "city_share_krw", "district_share_krw", "reason",
]  # fmt: skip


@pytest.fixture(scope="module")
def names() -> list[str]:
    return load_districts()["name_ko"].tolist()


def _requests(names: list[str], **extra: list[object]) -> pd.DataFrame:
    n = len(names)
    table = pd.DataFrame(
        {
            "name_ko": names,
            "requested_krw": [(i % 5 + 1) * 100_000_000 for i in range(n)],
            "matching_secured_krw": [(i % 5 + 1) * 50_000_000 - (i % 7 == 0) for i in range(n)],
        }
    )
    for column, values in extra.items():
        table[column] = values
    return table


def _read(out: Path, program: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{program}_round.csv", encoding="utf-8-sig", dtype={"sig_cd": str})


def _score(
    tmp_path: Path, names: list[str], csv_name: str, encoding: str = "utf-8"
) -> tuple[Path, str]:
    """Score a cctv-replace round from a requests CSV called ``csv_name``.

    Returns the output folder and what the command printed.
    """
    csv = tmp_path / csv_name
    _requests(names).to_csv(csv, index=False, encoding=encoding)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["score", "--program", "cctv-replace", "--districts", str(csv),
         "--budget", "1500000000", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_replace_round_writes_every_output(tmp_path: Path, names: list[str]) -> None:
    out, output = _score(tmp_path, names, "requests.csv", encoding="cp949")
    csv = tmp_path / "requests.csv"
    assert (out / "cctv-replace_round.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = _read(out, "cctv-replace")
    assert set(REQUIRED) <= set(table.columns)
    assert {"fiscal_self_reliance_rank", "ageing_ratio_rank", "ageing_ratio_points"} <= set(
        table.columns
    )
    assert len(table) == 25 and table["priority"].tolist() == list(range(1, 26))
    assert table["city_share_krw"].sum() == 1_500_000_000
    assert not table.loc[~table["eligible"], "city_share_krw"].any()
    assert (table.loc[~table["eligible"], "reason"].str.startswith("ineligible")).all()
    book = openpyxl.load_workbook(out / "cctv-replace_round.xlsx", read_only=True)
    assert {"round", "criteria", "settings", "totals"} <= set(book.sheetnames)
    book.close()
    report = (out / "cctv-replace_report.md").read_text(encoding="utf-8")
    assert "tie_method" in report and "RANK.EQ" in report and "1,500,000,000" in report
    assert "<table>" in (out / "cctv-replace_report.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0]["sha256"] == file_sha256(csv)
    assert manifest["settings"]["tie_method"] == "min"
    assert manifest["settings"]["budget_krw"] == 1_500_000_000
    assert "outputs in:" in output


def test_bad_csv_lists_every_offending_row_and_writes_nothing(
    tmp_path: Path, names: list[str]
) -> None:
    rows = [
        "name_ko,fiscal_self_reliance_pct,ageing_ratio_pct,requested_krw,matching_secured_krw",
        f"{names[0]},120,10,100000000,50000000",  # row 1: percent above 100
        "강남시,30,10,100000000,50000000",  # row 2: unknown district
        f"{names[2]},30,-5,100000000,50000000",  # row 3: negative
        f"{names[3]},30,10,100000000,50000000",  # row 4: duplicate of row 5
        f"{names[3]},31,10,100000000,50000000",  # row 5
        f"{names[5]},abc,10,100000000,",  # row 6: not a number, matching missing
    ]
    csv = tmp_path / "bad.csv"
    csv.write_bytes("\n".join(rows).encode("cp949"))
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["score", "--program", "cctv-replace", "--districts", str(csv), "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    message = result.output
    assert "Traceback" not in message
    assert message.count("error:") == 1
    assert "row 1: fiscal_self_reliance_pct = 120 is above 100 %" in message
    assert "row 2: unknown district '강남시'" in message
    assert "row 3: ageing_ratio_pct = -5 is negative" in message
    assert "rows 4, 5: duplicate district" in message
    assert "row 6: fiscal_self_reliance_pct = 'abc' is not a number" in message
    assert "row 6: requested_krw is given but matching_secured_krw is missing" in message
    assert "bad.csv" in message and "fix:" in message
    assert not out.exists() or not any(out.iterdir())


def test_unknown_column_is_refused(tmp_path: Path, names: list[str]) -> None:
    csv = tmp_path / "extra.csv"
    _requests(names, budget_note=["x"] * len(names)).to_csv(csv, index=False)
    result = runner.invoke(
        app,
        [
            "score",
            "--program",
            "cctv-replace",
            "--districts",
            str(csv),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "unknown column(s) 'budget_note'" in result.output


def test_new_install_without_grid_or_cells_says_how_to_supply(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "--program", "cctv-new", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "vulnerable_cells" in result.output and "--grid" in result.output
    assert not (tmp_path / "o").exists()


def test_intelligent_without_rates_says_they_are_not_bundled(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "--program", "cctv-intelligent", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "intelligent_rate_pct" in result.output and "not in the bundled data" in result.output


def test_new_install_from_csv_cells_with_utf8_bom(tmp_path: Path, names: list[str]) -> None:
    csv = tmp_path / "cells.csv"
    cells = [i % 4 * 10 for i in range(len(names))]
    _requests(names, vulnerable_cells=cells).to_csv(csv, index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["score", "-p", "cctv-new", "--districts", str(csv), "--policy", "topk", "--top-k", "3",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = _read(out, "cctv-new")
    assert (table["city_share_krw"] > 0).sum() == 3
    assert table["reason"].eq("outside top-K").any()
    # D/E cells: ties share the smallest rank (RANK.EQ)
    by_cells = table.groupby("vulnerable_cells")["vulnerable_cells_rank"].nunique()
    assert (by_cells == 1).all()


def test_criteria_file_changes_the_choices(tmp_path: Path, names: list[str]) -> None:
    from importlib.resources import files

    text = (files("scoring") / "criteria" / "cctv-replace.toml").read_text(encoding="utf-8")
    custom = tmp_path / "replace.toml"
    custom.write_text(text.replace("point_step = 0.5", "point_step = 1.0"), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["score", "-p", "cctv-replace", "--criteria", str(custom), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = _read(out, "cctv-replace")
    assert table["total_points"].max() > 12.5  # 25 districts × 1 point per rank
    assert (table["reason"] == "no request").all()

    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('tie_method = "min"', 'tie_method = "dense"'), encoding="utf-8")
    result = runner.invoke(
        app,
        ["score", "-p", "cctv-replace", "--criteria", str(broken), "--out", str(tmp_path / "b")],
    )
    assert result.exit_code == 2
    assert "settings.tie_method" in result.output


def test_wifi_and_pole_rounds(tmp_path: Path, names: list[str]) -> None:
    n = len(names)
    csv = tmp_path / "pole.csv"
    _requests(
        names,
        child_protection_zones=[i % 9 for i in range(n)],
        child_zone_accidents=[i % 4 for i in range(n)],
        willingness_rating=[i % 3 + 1 for i in range(n)],
        commitment_rating=[i % 5 for i in range(n)],
    ).to_csv(csv, index=False)
    for program in ("wifi", "pole"):
        out = tmp_path / program
        result = runner.invoke(
            app,
            [
                "score",
                "-p",
                program,
                "--districts",
                str(csv),
                "--budget",
                "900000000",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        table = _read(out, program)
        assert set(REQUIRED) <= set(table.columns)
        assert table["city_share_krw"].sum() <= 900_000_000
        report = (out / f"{program}_report.md").read_text(encoding="utf-8")
        assert "ASSUMPTION" in report
    pole = _read(tmp_path / "pole", "pole")
    assert (pole["fiscal_points"] == 0).all()
    assert (pole["city_share_krw"] > 0).sum() <= 3  # top-K = 3 by default


def test_refuses_to_overwrite(tmp_path: Path, names: list[str]) -> None:
    csv = tmp_path / "r.csv"
    _requests(names).to_csv(csv, index=False)
    args = ["score", "-p", "cctv-replace", "--districts", str(csv), "--out", str(tmp_path / "o")]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0


def test_synthetic_round_carries_the_banner_everywhere(tmp_path: Path, names: list[str]) -> None:
    from layers.output import SYNTHETIC_BANNER, synthetic_banner_html, synthetic_banner_markdown

    out, _ = _score(tmp_path, names, "example_requests_synthetic.csv")
    book = openpyxl.load_workbook(out / "cctv-replace_round.xlsx")
    assert book.sheetnames[0] == "안내 About"
    about = book["안내 About"]
    assert about["A1"].value == SYNTHETIC_BANNER
    assert about["A1"].fill.fgColor.rgb.endswith("B00020")
    facts: dict[str, str] = {}
    for key, value in about.iter_rows(values_only=True):
        if key and value:
            facts.setdefault(key, value)  # the About facts come before the list of sheets
    assert "fiscal_self_reliance" in facts["criteria"] and "ageing_ratio" in facts["criteria"]
    assert facts["basis"].startswith("written policy")
    assert "붙임8" in facts["source document"]
    assert facts["source document"]
    assert "tie_method = min" in facts["settings"]
    assert "budget_krw = 1500000000" in facts["settings"]
    assert "example_requests_synthetic.csv" in facts["input files"]
    markdown = (out / "cctv-replace_report.md").read_text(encoding="utf-8")
    assert markdown.startswith(synthetic_banner_markdown())
    page = (out / "cctv-replace_report.html").read_text(encoding="utf-8")
    body = page.split("<body>\n", 1)[1]
    assert body.startswith(synthetic_banner_html())
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["synthetic"] is True


def test_real_round_has_no_banner(tmp_path: Path, names: list[str]) -> None:
    out, _ = _score(tmp_path, names, "requests.csv")
    book = openpyxl.load_workbook(out / "cctv-replace_round.xlsx")
    about = book["안내 About"]
    texts = [str(v) for row in about.iter_rows(values_only=True) for v in row if v is not None]
    assert not any("SYNTHETIC" in t for t in texts)
    assert "subsidy round (cctv-replace)" in about["A1"].value
    assert "SYNTHETIC" not in (out / "cctv-replace_report.md").read_text(encoding="utf-8")
    page = (out / "cctv-replace_report.html").read_text(encoding="utf-8")
    assert "synthetic-banner" not in page and "SYNTHETIC" not in page
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["synthetic"] is False


def test_renamed_synthetic_grid_is_still_synthetic(tmp_path: Path) -> None:
    import numpy as np
    from affine import Affine

    from layers.riskgrid import RiskGrid, write_grid
    from scoring.rounds import inputs_are_synthetic

    grade = np.full((4, 4), 3, dtype=np.uint8)
    grid = RiskGrid(
        score=grade.astype(np.float32),
        grade=grade,
        transform=Affine(100, 0, 200_000, 0, -100, 550_000),
    )
    marked = write_grid(grid, tmp_path / "risk.tif", tags={"synthetic": "true"})
    plain = write_grid(grid, tmp_path / "observed.tif", tags={"synthetic": "false"})
    assert inputs_are_synthetic([plain, marked])
    assert not inputs_are_synthetic([plain, tmp_path / "requests.csv"])
