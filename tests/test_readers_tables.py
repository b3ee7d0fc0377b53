"""CCTV-by-year xlsx (both layouts) and KOSIS 재정자립도."""

from __future__ import annotations

from pathlib import Path

import _korean_fixtures as fx
import pytest

from layers.errors import InputError
from layers.readers import read_layer


def test_cctv_xlsx_2024_layout(tmp_path: Path) -> None:
    read = read_layer(fx.cctv_xlsx_2024(tmp_path / "cctv.xlsx"))
    frame, report = read.frame, read.report
    assert report.kind == "cctv_by_year"
    assert list(frame.sig_cd) == ["11110", "11140"]
    assert list(frame.name_ko) == ["종로구", "중구"]
    assert frame.attrs["bucket_last_year"] == 2015
    assert frame.attrs["year_columns"][0] == "cctv_2015_or_earlier"
    assert frame.attrs["year_columns"][-1] == "cctv_2024"
    assert int(frame.loc[0, "cctv_total"]) == 145 and int(frame.loc[0, "cctv_2016"]) == 1
    assert (frame.cctv_total_minus_year_sum == 0).all()
    assert report.dropped == {"city total row (계), checked against the district sum": [1]}
    assert report.as_of_year == 2024
    assert frame.crs == "EPSG:5186"


def test_cctv_xlsx_old_layout_keeps_both_totals(tmp_path: Path) -> None:
    read = read_layer(fx.cctv_xlsx_old(tmp_path / "old.xlsx"))
    frame, report = read.frame, read.report
    assert frame.attrs["bucket_last_year"] == 2013
    assert list(frame.columns[:7]) == [
        "sig_cd", "name_ko", "source_name", "cctv_total",
        "cctv_2013_or_earlier", "cctv_2014", "cctv_2015",
    ]  # fmt: skip
    by_name = frame.set_index("name_ko")
    assert by_name.loc["종로구", "cctv_total"] == 600
    assert by_name.loc["종로구", "cctv_year_sum"] == 450
    assert by_name.loc["성북구", "cctv_total_minus_year_sum"] == 50
    assert any("differs from the sum of the year columns in 2" in n for n in report.notes)
    assert report.dropped["not a Seoul district"] == [4]


def test_kosis_forward_fill_and_basis(tmp_path: Path) -> None:
    read = read_layer(fx.kosis_csv(tmp_path / "k.csv"))
    frame = read.frame.set_index("name_ko")
    assert read.report.kind == "fiscal_kosis"
    assert frame.loc["중구", "fiscal_self_reliance_pct"] == 55.2  # not Busan's 중구
    assert set(frame.basis) == {"개편후"}
    assert read.report.dropped["other region (not Seoul)"] == [6, 7]


def test_kosis_never_mixes_bases(tmp_path: Path) -> None:
    path = fx.write_csv(
        tmp_path / "mix.csv",
        [
            "행정구역별(1)",
            "행정구역별(2)",
            "2023 재정자립도(세입과목개편전)",
            "2023 재정자립도(세입과목개편후)",
        ],
        [["서울특별시", "소계", 80.0, 76.4], ["", "종로구", 55.0, 50.5]],
    )
    read = read_layer(path)
    assert read.frame.fiscal_self_reliance_pct.tolist() == [50.5]
    assert read.frame.basis.tolist() == ["개편후"]
    assert any("ignored: 2023 재정자립도(세입과목개편전)" in n for n in read.report.notes)


def test_xls_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0rest")
    with pytest.raises(InputError, match="save it as .xlsx"):
        read_layer(path)


def test_kosis_two_header_rows_and_years(tmp_path: Path) -> None:
    path = fx.write_csv(
        tmp_path / "years.csv",
        ["행정구역별(1)", "행정구역별(2)", "2022", "2023"],
        [
            [
                "행정구역별(1)",
                "행정구역별(2)",
                "재정자립도(세입과목개편후)",
                "재정자립도(세입과목개편후)",
            ],
            ["서울특별시", "소계", 75.0, 76.4],
            ["", "종로구", 49.0, 50.5],
            ["", "중 구", "-", 55.2],
        ],
    )
    read = read_layer(path)
    frame = read.frame.set_index("name_ko")
    assert frame.loc["중구", "fiscal_self_reliance_pct"] == 55.2
    assert set(frame.year) == {2023} and set(frame.basis) == {"개편후"}
    assert any("latest year" in n for n in read.report.notes)


def test_short_rows_are_blank_not_errors(tmp_path: Path) -> None:
    lat, lon = fx.PLACES["중구"]
    path = tmp_path / "short.csv"
    path.write_bytes(f"관리번호,위도,경도\nA,{lat},{lon}\nB,{lat}\n".encode())
    read = read_layer(path)
    assert read.report.rows_kept == 1
    assert read.report.dropped == {"missing coordinate (blank or not a number)": [2]}


def test_cctv_xlsx_plain_year_headers_below_a_title(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["CCTV 설치현황"])
    sheet.append([])
    sheet.append(["구분", "합계", "2017 이전", "2018", "2019"])
    sheet.append(["강남구", "3,000", "2,000", "600", "400"])
    book.save(tmp_path / "plain.xlsx")
    frame = read_layer(tmp_path / "plain.xlsx").frame
    assert frame.attrs["year_columns"] == ["cctv_2017_or_earlier", "cctv_2018", "cctv_2019"]
    assert int(frame.cctv_total.iloc[0]) == 3000 and int(frame.cctv_2018.iloc[0]) == 600


# --- the by-year table in its published variants (issue 10, item 5) ---------------------

_VARIANTS = {
    # bucket header, year headers, expected last year inside the bucket
    "2013년도 이전": (["2013년도 이전", "2014년", "2015년", "2016년"], 2013),
    "2013년 이전": (["2013년 이전", "2014년", "2015년", "2016년"], 2013),
    "bare years": (["2013 이전", "2014", "2015", "2016"], 2013),
    "2024 layout": (["2015년 이전 설치된 CCTV ", "2016년", "2017년"], 2015),
}


def _by_year_rows(years: list[str], total_row: bool) -> list[list[object]]:
    n = len(years)
    jongno = [300, *([10] * (n - 1))]
    seongbuk = [200, *([20] * (n - 1))]
    rows: list[list[object]] = [["기관명", "소계", *years]]
    if total_row:
        rows.append(
            [
                "합계",
                sum(jongno) + sum(seongbuk),
                *[a + b for a, b in zip(jongno, seongbuk, strict=True)],
            ]
        )
    rows.append(["종로구", sum(jongno), *jongno])
    rows.append(["서울시성북구", f"{sum(seongbuk):,}", *seongbuk])
    return rows


def _write_by_year(path: Path, rows: list[list[object]]) -> Path:
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["서울시 자치구 (연도별) CCTV 설치현황"])
        for row in rows:
            sheet.append([int(v) if isinstance(v, str) and v.isdigit() else v for v in row])
        book.save(path)
    else:
        import csv

        with path.open("w", encoding="cp949", newline="") as f:
            csv.writer(f).writerows(rows)
    return path


@pytest.mark.parametrize("variant", list(_VARIANTS))
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("total_row", [True, False])
def test_by_year_variants_recognised_by_content(
    tmp_path: Path, variant: str, suffix: str, total_row: bool
) -> None:
    from layers.readers.cctv_by_year import looks_like_cctv_by_year

    years, bucket_last = _VARIANTS[variant]
    rows = _by_year_rows(years, total_row)
    assert looks_like_cctv_by_year(rows[0])
    path = _write_by_year(tmp_path / f"by_year{suffix}", rows)
    read = read_layer(path, kind="cctv_by_year")
    frame = read.frame.set_index("name_ko")
    assert read.report.kind == "cctv_by_year"
    assert frame.attrs["bucket_last_year"] == bucket_last
    assert frame.attrs["year_columns"][0] == f"cctv_{bucket_last}_or_earlier"
    assert frame.loc["종로구", f"cctv_{bucket_last}_or_earlier"] == 300
    assert frame.loc["성북구", "cctv_total"] == 200 + 20 * (len(years) - 1)
    assert (frame.cctv_total_minus_year_sum == 0).all()
    dropped = read.report.dropped
    assert ("city total row (계), checked against the district sum" in dropped) == total_row
    if suffix == ".xlsx":
        assert read_layer(path).report.kind == "cctv_by_year"  # auto by extension


def test_other_csv_headers_are_not_taken_for_the_by_year_table() -> None:
    from layers.readers.cctv_by_year import looks_like_cctv_by_year

    assert not looks_like_cctv_by_year(["관리번호", "자치구", "설치년도", "위도", "경도"])
    assert not looks_like_cctv_by_year(["행정구역별(1)", "행정구역별(2)", "2023", "2022"])
    assert looks_like_cctv_by_year(["구분", "총 계", "2015년 이전 설치된 CCTV ", "2016년"])
