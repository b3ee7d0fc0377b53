"""scoring.round_table: which CSV is a scored round, its programme, its funded districts."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import EmptyLayerError
from scoring import default_criteria
from scoring.criteria import PROGRAMS
from scoring.round_table import describe_round_table, round_program

BASE = ["sig_cd", "name_ko", "total_points", "priority"]


@pytest.mark.parametrize("program", PROGRAMS)
def test_each_programme_is_told_by_its_points_columns(program: str) -> None:
    points = [f"{c.name}_points" for c in default_criteria(program).criteria]
    assert round_program([*BASE, *points], "uploaded.csv") == program
    assert round_program(BASE, f"{program}_round.csv") == program
    assert round_program(BASE, "uploaded.csv") is None


def test_funded_districts_by_priority_and_not_a_round(tmp_path: Path) -> None:
    csv = tmp_path / "wifi_round.csv"
    csv.write_text(
        "sig_cd,name_ko,total_points,priority,city_share_krw,district_share_krw\n"
        "11110,종로구,40,2,30000000,30000000\n"
        "11350,노원구,55,1,50000000,50000000\n"
        "11680,강남구,10,3,0,0\n",
        encoding="utf-8-sig",
    )
    report = describe_round_table(csv, csv.name)
    assert report is not None
    assert report["program"] == "wifi" and report["allocated"] is True
    assert report["districts_funded"] == ["11350", "11110"]
    assert report["funded_names"] == ["노원구", "종로구"]
    assert report["granted_city_krw"] == 80_000_000
    stats = tmp_path / "stats.csv"
    stats.write_text("sig_cd,vulnerable_cells\n11110,3\n", encoding="utf-8")
    assert describe_round_table(stats, stats.name) is None
    broken = tmp_path / "broken.csv"
    broken.write_text('sig_cd,"name_ko\n11110,종로구\n', encoding="utf-8")
    assert describe_round_table(broken, broken.name) is None
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(EmptyLayerError, match="empty.csv"):
        describe_round_table(empty, empty.name)
