"""CSV/JSON point readers on fixtures in the real schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _korean_fixtures as fx
import numpy as np
import pytest
from pyproj import Transformer
from typer.testing import CliRunner

from layers.errors import CRSError, EmptyLayerError, InputError
from layers.readers import detect_kind, read_layer
from siting.cli import app


def test_safety_cctv(tmp_path: Path) -> None:
    read = read_layer(fx.safety_cctv_csv(tmp_path / "안심이.csv"))
    r = read.report
    assert (r.kind, r.encoding, r.crs) == ("cctv_safety", "cp949", "EPSG:4326")
    assert (r.rows_read, r.rows_kept, r.rows_dropped) == (10, 6, 4)
    assert r.swapped == [2, 4]
    assert r.dropped["missing coordinate (blank or not a number)"] == [7]
    assert r.dropped["zero coordinate"] == [8]
    assert r.dropped["projected metres in degree columns"] == [9]
    assert r.dropped["out of range for EPSG:4326"] == [10]
    frame = read.frame
    assert frame.crs == "EPSG:5186"
    assert list(frame["n_devices"]) == [1, 2, 3, 4, 5, 6]
    assert list(frame["name_ko"]) == list(fx.PLACES)  # spatial join matches the file's 자치구
    assert list(frame["자치구"]) == list(fx.PLACES)  # original attributes kept
    assert r.as_of == "2024-03-06"


def test_cctv_standard_filters_seoul_and_parses_install_month(tmp_path: Path) -> None:
    read = read_layer(fx.cctv_standard_csv(tmp_path / "전국CCTV표준데이터.csv"))
    r = read.report
    assert r.kind == "cctv_standard"
    assert r.dropped == {"other region (not Seoul)": [4, 5]}
    assert list(read.frame["install_year"].astype("Float64").fillna(-1)) == [2015, 2019, -1]
    assert list(read.frame["n_devices"]) == [4, 2, 1]
    assert list(read.frame["device_id"]) == ["JR-1", "GN-1", "MP-1"]
    assert "신규컬럼" in read.frame.columns  # a newer release's extra column is kept
    assert r.as_of_year == 2024


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig", "utf-8"])
def test_wifi_csv(tmp_path: Path, encoding: str) -> None:
    read = read_layer(fx.wifi_csv(tmp_path / "wifi.csv", encoding=encoding))
    r = read.report
    assert (r.kind, r.encoding) == ("wifi", encoding)
    assert r.swapped == [4]
    assert r.rows_dropped == 2 and r.rows_kept == 5
    assert read.frame["install_year"].isna().sum() == 1
    assert r.by_district == {"종로구": 2, "중구": 1, "마포구": 1, "송파구": 1}


def test_wifi_openapi_json_swapped_lat_lnt(tmp_path: Path) -> None:
    read = read_layer(fx.wifi_openapi_json(tmp_path / "TbPublicWifiInfo.json"))
    assert read.report.kind == "wifi_openapi"
    assert read.report.swapped_rows == 3
    assert list(read.frame["name_ko"]) == ["종로구", "중구", "강남구"]
    assert list(read.frame["install_year"]) == [2015, 2016, 2017]


def test_wifi_openapi_csv(tmp_path: Path) -> None:
    path = fx.write_csv(
        tmp_path / "api.csv",
        ["X_SWIFI_MGR_NO", "X_SWIFI_WRDOFC", "X_SWIFI_CNSTC_YEAR", "LAT", "LNT"],
        [["A", "중구", 2016, fx.PLACES["중구"][1], fx.PLACES["중구"][0]]],
    )
    read = read_layer(path)
    assert read.report.kind == "wifi_openapi" and read.report.swapped_rows == 1


def test_streetlight(tmp_path: Path) -> None:
    read = read_layer(fx.streetlight_csv(tmp_path / "가로등.csv"))
    r = read.report
    assert (r.kind, r.encoding, r.rows_kept) == ("streetlight", "utf-8", 3)
    assert r.dropped == {"zero coordinate": [4], "projected metres in degree columns": [5]}


def test_security_light(tmp_path: Path) -> None:
    read = read_layer(fx.security_light_csv(tmp_path / "보안등.csv"))
    assert read.report.kind == "security_light"
    assert list(read.frame["n_devices"]) == [2, 1]
    assert read.report.dropped == {"other region (not Seoul)": [3]}


def test_generic_xy_metres_with_crs(tmp_path: Path) -> None:
    t = Transformer.from_crs("EPSG:4326", "EPSG:5181", always_xy=True)
    rows = [list(t.transform(lon, lat)) for lat, lon in fx.PLACES.values()]
    path = fx.write_csv(tmp_path / "pts.csv", ["x", "y"], rows, encoding="utf-8")
    with pytest.raises(CRSError, match="--crs"):
        read_layer(path)
    with pytest.raises(CRSError, match="look like EPSG:5181"):
        read_layer(path, crs="EPSG:5186")
    read = read_layer(path, crs="EPSG:5181")
    assert read.report.crs == "EPSG:5181" and read.report.rows_kept == 6
    assert list(read.frame.name_ko) == list(fx.PLACES)


def test_kind_detection(tmp_path: Path) -> None:
    assert detect_kind(fx.wifi_csv(tmp_path / "w.csv")) == "wifi"
    assert detect_kind(fx.kosis_csv(tmp_path / "k.csv")) == "fiscal_kosis"


def test_bad_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(EmptyLayerError, match=r"layer 'empty.csv'.*empty"):
        read_layer(empty)
    header_only = fx.write_csv(tmp_path / "h.csv", fx.WIFI_HEADER, [])
    with pytest.raises(EmptyLayerError, match="no data rows"):
        read_layer(header_only)
    with pytest.raises(InputError, match="is a folder"):
        read_layer(tmp_path)
    xlsx_as_csv = tmp_path / "cctv.csv"
    fx.cctv_xlsx_2024(tmp_path / "real.xlsx")
    xlsx_as_csv.write_bytes((tmp_path / "real.xlsx").read_bytes())
    with pytest.raises(InputError, match=r"ZIP container(.|\n)*\.xlsx"):
        read_layer(xlsx_as_csv)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(InputError, match="NUL bytes"):
        read_layer(binary)
    unknown = fx.write_csv(tmp_path / "u.csv", ["a", "b"], [[1, 2]])
    with pytest.raises(InputError, match="matches no known dataset"):
        read_layer(unknown)
    all_bad = fx.write_csv(
        tmp_path / "bad.csv", ["관리번호", "위도", "경도"], [["a", 0, 0], ["b", "", ""]]
    )
    with pytest.raises(EmptyLayerError, match="no row has usable coordinates"):
        read_layer(all_bad)


def test_no_infinity_in_frames(tmp_path: Path) -> None:
    read = read_layer(fx.safety_cctv_csv(tmp_path / "a.csv"))
    assert np.isfinite(read.frame.geometry.x).all() and np.isfinite(read.frame.geometry.y).all()


def test_trailing_delimiter_and_tabs(tmp_path: Path) -> None:
    lat, lon = fx.PLACES["중구"]
    trailing = tmp_path / "t.csv"
    trailing.write_bytes(f"관리번호,위도,경도\nA,{lat},{lon},\n".encode("cp949"))
    assert list(read_layer(trailing).frame["관리번호"]) == ["A"]
    tabs = tmp_path / "tabs.txt"
    tabs.write_bytes(f"관리번호\t위도\t경도\nA\t{lat}\t{lon}\n".encode())
    assert read_layer(tabs).report.rows_kept == 1


def test_duplicate_ids_in_a_planners_csv(tmp_path: Path) -> None:
    """A repeated id-like column is reported; only a column named as the key must be unique."""
    from layers.errors import ValidationError

    rows = [["s1", lon, lat] for lat, lon in list(fx.PLACES.values())[:2]]
    rows.append(["s2", *rows[0][1:]])
    path = fx.write_csv(tmp_path / "sites.csv", ["site_id", "lon", "lat"], rows, "utf-8")
    read = read_layer(path)
    assert read.report.rows_kept == 3
    assert read.frame["device_id"].tolist() == ["sites-1", "sites-2", "sites-3"]
    assert any(
        "duplicated site_id value(s): s1" in n and "--id-column" in n for n in read.report.notes
    )
    with pytest.raises(ValidationError, match=r"duplicate site_id 's1' in rows 1, 2(.|\n)*fix"):
        read_layer(path, id_column="site_id")
    with pytest.raises(InputError, match="no column 'nope'"):
        read_layer(path, id_column="nope")


def test_an_id_column_of_district_codes_is_not_fatal(tmp_path: Path) -> None:
    """Issue 10: a points CSV whose ``id`` holds district codes made inspect fail."""
    places = list(fx.PLACES.items())[:3]
    rows = [["11110", lon, lat] for _, (lat, lon) in places] + [["11110", *fx.PLACES["중구"][::-1]]]
    path = fx.write_csv(tmp_path / "codes.csv", ["id", "lon", "lat"], rows, "utf-8")
    result = CliRunner().invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 rows share 1 duplicated id value(s): 11110" in result.output
    named = CliRunner().invoke(app, ["inspect", str(path), "--id-column", "id"])
    assert named.exit_code == 2 and "duplicate id '11110'" in named.output


def test_openapi_pages_as_json_lines(tmp_path: Path) -> None:
    import json

    page = json.loads(fx.wifi_openapi_json(tmp_path / "one.json").read_text(encoding="utf-8"))
    path = tmp_path / "pages.json"
    path.write_text("\n".join(json.dumps(page, ensure_ascii=False) for _ in range(2)), "utf-8")
    read = read_layer(path)
    assert read.report.rows_read == 6 and read.report.swapped_rows == 6


def test_stated_district_mismatch_is_noted(tmp_path: Path) -> None:
    lat, lon = fx.PLACES["강남구"]
    path = fx.write_csv(tmp_path / "s.csv", fx.SAFETY_HEADER, [["종로구", "x", lat, lon, 1, ""]])
    read = read_layer(path)
    assert read.frame.name_ko.tolist() == ["강남구"]
    assert any("another district than their '자치구'" in n for n in read.report.notes)


@pytest.mark.parametrize(
    "make",
    [fx.safety_cctv_csv, fx.cctv_standard_csv, fx.wifi_csv, fx.streetlight_csv,
     fx.security_light_csv],
)  # fmt: skip
def test_big_file_path_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Any
) -> None:
    """Big files go through a bounded encoding sample, pyarrow's parser and chunks: same result."""
    from layers.readers import _common, points

    path = make(tmp_path / "f.csv")
    small = read_layer(path)
    monkeypatch.setattr(_common, "SAMPLE_BYTES", 64)  # the sample cuts a Hangul character
    monkeypatch.setattr(_common, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(points, "CHUNK_ROWS", 2)
    big = read_layer(path)
    assert big.report.to_dict() == small.report.to_dict()
    assert big.frame.drop(columns="geometry").equals(small.frame.drop(columns="geometry"))
    inspected = read_layer(path, keep_columns=False)
    assert inspected.report.rows_kept == small.report.rows_kept
    assert inspected.report.dropped == small.report.dropped
