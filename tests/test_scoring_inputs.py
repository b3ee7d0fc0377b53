"""The round table (layer + grid + planner CSV) and criteria files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ConfigError, InputError, ValidationError
from scoring import build_round_table, default_criteria, load_criteria, read_district_csv, run_round


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_names_codes_and_variants_resolve(tmp_path: Path) -> None:
    csv = _write(
        tmp_path / "d.csv",
        "sig_cd,name_ko,ageing_ratio_pct\n11110,,10\n,서울시성북구,20\n,중 구,30\n11680.0,강남구,40\n",
        "cp949",
    )
    table = read_district_csv(csv)
    assert table["sig_cd"].tolist() == ["11110", "11290", "11140", "11680"]
    assert table["ageing_ratio_pct"].tolist() == [10.0, 20.0, 30.0, 40.0]


def test_code_and_name_must_agree(tmp_path: Path) -> None:
    csv = _write(tmp_path / "d.csv", "sig_cd,name_ko,ageing_ratio_pct\n11110,강남구,10\n")
    with pytest.raises(ValidationError, match="row 1: sig_cd '11110' and name_ko '강남구'"):
        read_district_csv(csv)


def test_fractional_counts_and_blank_district(tmp_path: Path) -> None:
    csv = _write(tmp_path / "d.csv", "name_ko,vulnerable_cells\n종로구,2.5\n,3\n중구,1e999\n")
    with pytest.raises(ValidationError) as err:
        read_district_csv(csv)
    text = str(err.value)
    assert "row 1: vulnerable_cells = 2.5 is not a whole count" in text
    assert "row 2: no district" in text
    assert "row 3: vulnerable_cells = '1e999' is not a number" in text


def test_csv_overrides_layer_and_blank_keeps_it(tmp_path: Path) -> None:
    csv = _write(
        tmp_path / "d.csv",
        "name_ko,fiscal_self_reliance_pct,ageing_ratio_pct\n종로구,99.5,\n중구,,12.5\n",
    )
    criteria = default_criteria("cctv-replace")
    base = build_round_table(criteria).table.set_index("sig_cd")
    table = build_round_table(criteria, districts_csv=csv).table.set_index("sig_cd")
    assert table.loc["11110", "fiscal_self_reliance_pct"] == 99.5
    assert table.loc["11110", "ageing_ratio_pct"] == base.loc["11110", "ageing_ratio_pct"]
    assert table.loc["11140", "ageing_ratio_pct"] == 12.5
    assert (
        table.loc["11140", "fiscal_self_reliance_pct"]
        == base.loc["11140", "fiscal_self_reliance_pct"]
    )


def test_ageing_threshold_and_reference_year_are_settings() -> None:
    at8 = build_round_table(default_criteria("cctv-replace")).table
    at6 = build_round_table(default_criteria("cctv-replace").with_settings(ageing_min_age=6)).table
    assert (at6["ageing_ratio_pct"] >= at8["ageing_ratio_pct"]).all()
    assert (at6["ageing_ratio_pct"] > at8["ageing_ratio_pct"]).any()


def test_missing_need_values_for_some_districts_are_listed(tmp_path: Path) -> None:
    csv = _write(tmp_path / "d.csv", "name_ko,vulnerable_cells\n종로구,3\n중구,5\n")
    with pytest.raises(ValidationError, match="vulnerable_cells is missing for 23 district"):
        run_round("cctv-new", districts_csv=csv)


def test_applicants_only_needs_values_only_for_applicants(tmp_path: Path) -> None:
    csv = _write(
        tmp_path / "d.csv",
        "name_ko,vulnerable_cells,requested_krw,matching_secured_krw\n"
        "종로구,3,100000000,50000000\n중구,5,200000000,90000000\n",
    )
    result = run_round("cctv-new", districts_csv=csv, rank_population="applicants")
    t = result.table.set_index("name_ko")
    assert t.loc["중구", "priority"] == 1 and t.loc["종로구", "priority"] == 2
    assert t.loc["종로구", "eligible"] and not t.loc["중구", "eligible"]
    assert t["priority"].notna().sum() == 2


def test_intelligent_rate_must_come_from_a_csv() -> None:
    with pytest.raises(InputError, match="not in the bundled data"):
        run_round("cctv-intelligent")


def test_criteria_file_problems_are_listed_together(tmp_path: Path) -> None:
    toml = _write(
        tmp_path / "c.toml",
        'program = "wifi"\ntitle = "x"\n[settings]\ntie_method = "dense"\npoint_step = -1\n'
        '[[criteria]]\nname = "a"\nlabel = "a"\ncolumn = "fiscal_self_reliance_pct"\n'
        'direction = "up"\n',
    )
    with pytest.raises(ConfigError) as err:
        load_criteria(toml)
    text = str(err.value)
    assert "settings.tie_method" in text and "settings.point_step" in text
    assert "criteria.0.direction" in text


def test_criteria_for_another_programme_are_refused() -> None:
    with pytest.raises(ConfigError, match="not 'cctv-new'"):
        run_round("cctv-new", criteria=default_criteria("wifi"))


def test_unknown_programme() -> None:
    with pytest.raises(ConfigError, match="unknown programme"):
        default_criteria("cctv-old")


def test_every_shipped_criteria_file_is_valid_and_documents_assumptions() -> None:
    for program in ("wifi", "pole"):
        criteria = default_criteria(program)
        assert criteria.assumptions
        assert all(c.assumption for c in criteria.criteria)
    for program in ("cctv-new", "cctv-replace", "cctv-intelligent"):
        s = default_criteria(program).settings
        assert (s.rank_population, s.tie_method, s.point_step, s.combination) == (
            "all",
            "min",
            0.5,
            "sum",
        )
        assert (s.matching_ratio, s.policy, s.skip_partials) == (0.5, "fill", False)


# --- requests table as planners write it (issue 10, item 5) ---------------------------


def _korean_requests() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "자치구": ["종로구", "중 구", "서울시성북구"],
            "재정자립도(%)": ["46.7", "55.8", "30.1"],
            "총사업비(천원)": ["1,000,000", "600,000", "2,000,001"],
            "확보 구비": ["5억", "300,000,000", "10억 5백"],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_requests_table_with_korean_headers_from_csv_or_xlsx(tmp_path: Path, suffix: str) -> None:

    path = tmp_path / f"requests{suffix}"
    table = _korean_requests()
    if suffix == ".csv":
        table.to_csv(path, index=False, encoding="cp949")
    else:
        with pd.ExcelWriter(path) as writer:  # a title row above the header, as exported
            pd.DataFrame([["2025년 CCTV 사업 신청 현황"]]).to_excel(
                writer, index=False, header=False
            )
            table.to_excel(writer, index=False, startrow=2)
    got = read_district_csv(path).set_index("sig_cd")
    assert list(got.index) == ["11110", "11140", "11290"]
    assert got.loc["11110", "requested_krw"] == 1_000_000_000  # 천원 header scales
    assert got.loc["11290", "requested_krw"] == 2_000_001_000
    assert got.loc["11110", "matching_secured_krw"] == 500_000_000  # 5억
    assert got.loc["11290", "matching_secured_krw"] == 1_000_000_500  # 10억 5백
    assert got.loc["11140", "fiscal_self_reliance_pct"] == 55.8


def test_english_headers_and_money_cells(tmp_path: Path) -> None:

    path = tmp_path / "r.csv"
    pd.DataFrame(
        {
            "District": ["강남구"],
            "requested_krw": ["6e9"],
            "Matching secured": ["30억"],
        }
    ).to_csv(path, index=False)
    got = read_district_csv(path)
    assert got.loc[0, "sig_cd"] == "11680"
    assert got.loc[0, "requested_krw"] == 6e9 and got.loc[0, "matching_secured_krw"] == 3e9


def test_bad_money_cells_are_listed_with_rows(tmp_path: Path) -> None:

    path = tmp_path / "r.csv"
    pd.DataFrame(
        {
            "자치구": ["종로구", "중구", "용산구"],
            "총사업비": ["-5억", "6bn", "1,000,000"],
            "확보 구비": ["1억", "1억", "nan"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(ValidationError) as err:
        read_district_csv(path)
    text = str(err.value)
    assert "row 1: requested_krw = '-5억'" in text and "negative" in text
    assert "row 2: requested_krw = '6bn'" in text and "unknown unit" in text
    assert "row 3: matching_secured_krw = 'nan'" in text


def test_two_headers_for_one_column_are_refused(tmp_path: Path) -> None:

    path = tmp_path / "r.csv"
    pd.DataFrame({"자치구": ["종로구"], "총사업비": ["1"], "requested_krw": ["2"]}).to_csv(
        path, index=False
    )
    with pytest.raises(ValidationError, match="several headers mean the same column"):
        read_district_csv(path)
