"""Excel workbooks an officer can forward: Korean headers, number formats, frozen header,
filter, an About sheet, and a red SYNTHETIC / 예시 banner when any input is synthetic."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
from _demo_run import DemoRun

from layers.output import (
    SYNTHETIC_BANNER,
    synthetic_banner_html,
    synthetic_banner_markdown,
    write_xlsx,
)
from layers.workbook import ABOUT_SHEET, korean_header


def _round_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sig_cd": ["11110", "11140"],
            "name_ko": ["종로구", "중구"],
            "fiscal_self_reliance_pct": [45.25, 60.0],
            "city_share_krw": [1_000_000_000, 250_000_500],
            "granted_1000krw": [1_000_000, 250_000],
            "reference_year": [2024, 2024],
            "eligible": [True, False],
        }
    )


def test_table_sheet_is_formatted(tmp_path: Path) -> None:
    path = write_xlsx({"round": _round_table()}, tmp_path / "r.xlsx", title="CCTV 신설 배분표")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [ABOUT_SHEET, "round"]
    sheet = book["round"]
    assert [c.value for c in sheet[1]][:4] == [
        "자치구코드",
        "자치구",
        "재정자립도(%)",
        "시비 배분액(원)",
    ]
    assert [c.value for c in sheet[2]] == list(_round_table().columns)
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:G4"
    assert sheet["D3"].value == 1_000_000_000 and sheet["D3"].number_format == "#,##0"
    assert sheet["E3"].number_format == "#,##0" and sheet["C3"].number_format == "0.0"
    assert sheet["F3"].number_format == "0"  # a year has no thousands separator
    assert sheet["A3"].data_type == "s"  # codes stay text
    assert sheet.column_dimensions["D"].width >= len("1,000,000,000")
    back = pd.read_excel(path, sheet_name="round", header=1, dtype={"sig_cd": str})
    pd.testing.assert_frame_equal(back, _round_table())


def test_about_sheet_and_banner(tmp_path: Path) -> None:
    about = {"criteria": "붙임8 방범 CCTV 신설", "settings": {"tie_method": "min", "budget": 3}}
    real = openpyxl.load_workbook(
        write_xlsx({"t": _round_table()}, tmp_path / "real.xlsx", title="배분표", about=about)
    )
    sheet = real[ABOUT_SHEET]
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "배분표" in texts and "붙임8 방범 CCTV 신설" in texts
    assert "tie_method = min\nbudget = 3" in texts
    assert SYNTHETIC_BANNER not in texts
    synthetic = openpyxl.load_workbook(
        write_xlsx({"t": _round_table()}, tmp_path / "t.xlsx", synthetic=True)
    )[ABOUT_SHEET]
    assert synthetic["A1"].value == SYNTHETIC_BANNER
    assert synthetic["A1"].fill.fgColor.rgb.endswith("B00020")
    # inferred from the inputs the workbook names
    inputs = pd.DataFrame({"column": ["requested_krw"], "source": ["requests_synthetic.csv"]})
    inferred = write_xlsx({"t": _round_table(), "inputs": inputs}, tmp_path / "i.xlsx")
    assert openpyxl.load_workbook(inferred)[ABOUT_SHEET]["A1"].value == SYNTHETIC_BANNER


def test_report_banners_say_the_same() -> None:
    assert SYNTHETIC_BANNER in synthetic_banner_markdown()
    assert "SYNTHETIC / 예시" in synthetic_banner_html() and "#b00020" in synthetic_banner_html()


def test_korean_headers_of_derived_names() -> None:
    assert korean_header("vulnerable_cells_rank") == "취약격자(D·E) 수 순위"
    assert korean_header("fiscal_self_reliance_points") == "재정자립도 점수"
    assert korean_header("wifi_new_weight") == "와이파이 새로 포괄한 수요(가중)"
    assert korean_header("something_new") == "something_new"


def test_every_workbook_of_the_demo(demo_run: DemoRun) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    artifacts = json.loads((demo_run.out / "artifacts.json").read_text(encoding="utf-8"))
    books = [a for a in artifacts if a["path"].endswith(".xlsx")]
    assert books
    for artifact in books:
        book = openpyxl.load_workbook(demo_run.out / artifact["path"])
        assert book.sheetnames[0] == ABOUT_SHEET, artifact["path"]
        about = book[ABOUT_SHEET]
        assert (about["A1"].value == SYNTHETIC_BANNER) == artifact["synthetic"], artifact["path"]
        for sheet in book.worksheets[1:]:
            assert sheet.freeze_panes == "A3", (artifact["path"], sheet.title)
            assert sheet.auto_filter.ref, (artifact["path"], sheet.title)
            english = [c.value for c in sheet[2]]
            for column, name in enumerate(english, start=1):
                if str(name).endswith("_krw") and sheet.max_row >= 3:
                    cell = sheet.cell(row=3, column=column)
                    if cell.value is not None:
                        assert cell.number_format == "#,##0", (artifact["path"], name)
            assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_object_columns_of_numbers_get_number_formats(tmp_path: Path) -> None:
    """A table cast to object (to write blanks for missing values) keeps its formats."""
    table = _round_table().astype(object)
    table.loc[1, "city_share_krw"] = None
    sheet = openpyxl.load_workbook(write_xlsx({"t": table}, tmp_path / "o.xlsx"))["t"]
    assert sheet["D3"].number_format == "#,##0" and sheet["D4"].value is None
    assert sheet["G3"].value is True and sheet["G3"].number_format == "General"


def test_assumed_round_workbook_says_so_and_real_inputs_carry_no_banner(tmp_path: Path) -> None:
    from layers.districts import load_districts
    from scoring import round_html, round_markdown, run_round, write_round_xlsx

    requests = tmp_path / "requests_2025.csv"
    pd.DataFrame(
        {
            "sig_cd": load_districts()["sig_cd"],
            "requested_krw": 200_000_000,
            "matching_secured_krw": 100_000_000,
        }
    ).to_csv(requests, index=False)
    result = run_round("wifi", districts_csv=requests)  # no input is synthetic
    assert result.criteria.basis == "assumed" and not result.synthetic
    book = openpyxl.load_workbook(write_round_xlsx(result, tmp_path / "wifi_round.xlsx"))
    about = book[ABOUT_SHEET]
    assert about["A1"].value != SYNTHETIC_BANNER and "subsidy round (wifi)" in about["A1"].value
    facts: dict[str, str] = {}
    for key, value in about.iter_rows(values_only=True):
        if key and value:
            facts.setdefault(key, value)  # the About facts come before the list of sheets
    assert facts["basis"].startswith("ASSUMED")
    assert "ASSUMPTION:" in facts["assumptions"]
    assert "policy = " in facts["settings"]
    assert not round_markdown(result).startswith("> **⚠")
    assert "synthetic-banner" not in round_html(result)
    result.synthetic = True
    assert round_markdown(result).startswith(synthetic_banner_markdown())
    synthetic = openpyxl.load_workbook(write_round_xlsx(result, tmp_path / "w.xlsx"))
    assert synthetic[ABOUT_SHEET]["A1"].value == SYNTHETIC_BANNER
