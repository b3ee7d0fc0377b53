"""The data-quirk register shipped with the bundled district data."""

from __future__ import annotations

import pytest

from layers.districts import load_districts
from layers.quirks import QUIRK_COLUMNS, load_quirks, quirk_notes, quirks_for


def test_register_has_the_documented_columns_and_known_quirks() -> None:
    q = load_quirks()
    assert list(q.columns[: len(QUIRK_COLUMNS)]) == QUIRK_COLUMNS
    ageing = q[q.field == "cctv_ageing_ratio_pct"].set_index("name_ko")
    assert set(ageing.index) == {"도봉구", "동대문구"}
    assert "0.1 %" in ageing.loc["도봉구", "note_en"]
    assert "1,563" in ageing.loc["동대문구", "note_en"]
    assert all(q.source.str.len() > 0)


def test_register_figures_agree_with_the_bundled_table() -> None:
    """The notes quote figures; they must be what the bundled data says."""
    d = load_districts().set_index("name_ko")
    assert d.loc["도봉구", "cctv_2015_or_earlier"] == 0
    assert d.loc["동대문구", "cctv_2016"] == 1563
    assert f"{d.loc['도봉구', 'cctv_ageing_ratio_pct']:.1f} %" == "0.1 %"
    assert f"{d.loc['동대문구', 'cctv_ageing_ratio_pct']:.1f} %" == "40.6 %"


def test_whole_field_quirk_expands_to_every_district() -> None:
    q = load_quirks()
    fsr = q[q.field == "fiscal_self_reliance_pct"]
    assert len(fsr) == 25
    assert set(fsr.sig_cd) == set(load_districts().sig_cd)
    assert (fsr.scope == "all districts").all()
    stored = load_quirks(expand=False)
    assert (stored.sig_cd == "*").sum() == 1


def test_register_sig_cds_are_seoul_districts() -> None:
    codes = set(load_districts().sig_cd)
    q = load_quirks()
    assert set(q.sig_cd) <= codes
    names = load_districts().set_index("sig_cd").name_ko
    for row in q.itertuples():
        assert names[row.sig_cd] == row.name_ko


@pytest.mark.parametrize("alias", ["ageing_ratio_pct", "cctv_ageing_ratio_pct"])
def test_quirks_for_accepts_aliases_and_keeps_the_callers_name(alias: str) -> None:
    got = quirks_for([alias], ["11320", "11110"])
    assert list(got.sig_cd) == ["11320"]
    assert list(got.field) == [alias]


def test_quirk_notes_one_line_per_district() -> None:
    notes = quirk_notes(["ageing_ratio_pct", "fiscal_self_reliance_pct"], ["11320", "11110"])
    assert set(notes) == {"11320", "11110"}
    assert "ageing_ratio_pct" in notes["11320"] and "fiscal_self_reliance_pct" in notes["11320"]
    assert "ageing" not in notes["11110"]
    assert "0.1 %" in quirk_notes(["ageing_ratio_pct"], ["11320"], language="en")["11320"]
