"""Small files in the real schemas of the Korean open data, built in code.

Every builder writes bytes as the portals ship them (CP949 unless said
otherwise) and returns the path. Coordinates are real Seoul places.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point, Polygon

#: (district, lat, lon) of real places, one per district used.
PLACES = {
    "종로구": (37.5729, 126.9794),  # 광화문
    "중구": (37.5663, 126.9779),  # 서울시청
    "강남구": (37.5172, 127.0473),  # 강남구청
    "마포구": (37.5663, 126.9019),  # 마포구청
    "송파구": (37.5145, 127.1059),  # 송파구청
    "노원구": (37.6542, 127.0568),  # 노원구청
}
BUSAN = (35.1796, 129.0756)


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], encoding: str = "cp949"
) -> Path:
    """Write a CSV with ``\\r\\n`` line ends in ``encoding`` (``utf-8-sig`` for a BOM)."""
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


SAFETY_HEADER = ["자치구", "안심 주소", "위도", "경도", "CCTV 수량", "수정 일시"]


def safety_cctv_csv(path: Path) -> Path:
    """안심이 CCTV: 6 good rows (2 swapped), then blank, zero, metres and Busan rows."""
    rows: list[list[object]] = []
    for i, (gu, (lat, lon)) in enumerate(PLACES.items()):
        if i in (1, 3):
            lat, lon = lon, lat  # the swapped release
        rows.append(
            [gu, f"서울특별시 {gu} 안심로 {i + 1}", lat, lon, i + 1, f"2024-03-0{i + 1} 10:00"]
        )
    rows.append(["강남구", "주소 없음", "", "", 2, "2024-03-09 10:00"])  # row 7
    rows.append(["강남구", "0 좌표", 0, 0, 1, "2024-03-09 10:00"])  # row 8
    rows.append(["강남구", "미터", 550000, 200000, 1, "2024-03-09 10:00"])  # row 9
    rows.append(["강남구", "부산", BUSAN[0], BUSAN[1], 1, "2024-03-09 10:00"])  # row 10
    return write_csv(path, SAFETY_HEADER, rows)


CCTV_STANDARD_HEADER = [
    "개방자치단체코드", "관리번호", "관리기관명", "소재지도로명주소", "소재지지번주소", "설치목적구분",
    "카메라대수", "카메라화소수", "촬영방면정보", "보관일수", "설치연월", "관리기관전화번호",
    "WGS84위도", "WGS84경도", "데이터기준일자", "최종수정시점", "신규컬럼",
]  # fmt: skip


def cctv_standard_csv(path: Path) -> Path:
    """전국 CCTV 표준데이터 with an extra newer column: 3 Seoul rows, 2 Busan rows."""
    lat1, lon1 = PLACES["종로구"]
    lat2, lon2 = PLACES["강남구"]
    lat3, lon3 = PLACES["마포구"]
    rows = [
        ["3000000", "JR-1", "서울특별시 종로구청", "서울특별시 종로구 세종대로 1", "", "생활방범",
         4, 200, "", 30, "201503", "02-000", lat1, lon1, "2024-06-30", "", "x"],
        ["3220000", "GN-1", "서울특별시 강남구청", "서울특별시 강남구 학동로 426", "", "어린이보호",
         2, 200, "", 30, "2019-07", "02-000", lat2, lon2, "2024-06-30", "", "x"],
        ["3130000", "MP-1", "서울특별시 마포구청", "서울특별시 마포구 월드컵로 212", "", "차량방범",
         1, 200, "", 30, "", "02-000", lat3, lon3, "2024-06-30", "", "x"],
        ["3250000", "BS-1", "부산광역시 중구청", "부산광역시 중구 중앙대로 120", "", "생활방범",
         3, 200, "", 30, "201801", "051-000", BUSAN[0], BUSAN[1], "2024-06-30", "", "x"],
        ["3250000", "BS-2", "부산광역시 중구청", "부산광역시 중구 중앙대로 121", "", "생활방범",
         3, 200, "", 30, "201801", "051-000", BUSAN[0], BUSAN[1], "2024-06-30", "", "x"],
    ]  # fmt: skip
    return write_csv(path, CCTV_STANDARD_HEADER, rows)


WIFI_HEADER = [
    "관리번호", "자치구", "와이파이명", "도로명주소", "상세주소", "설치위치(층)", "설치유형", "설치기관",
    "서비스구분", "망종류", "설치년도", "실내외구분", "wifi접속환경", "Y좌표", "X좌표", "작업일자",
]  # fmt: skip


def wifi_csv(path: Path, encoding: str = "cp949") -> Path:
    """OA-20883: 5 APs (2 sharing a coordinate, 1 swapped), 1 blank and 1 zero row."""
    rows: list[list[object]] = []
    specs = [("종로구", 2014), ("종로구", 2015), ("중구", 2020), ("마포구", 2012), ("송파구", None)]
    for i, (gu, year) in enumerate(specs):
        lat, lon = PLACES[gu]
        y, x = (lon, lat) if i == 3 else (lat, lon)  # row 4 swapped
        rows.append([f"WF-{i + 1:03d}", gu, f"{gu}_WiFi", f"{gu} 어딘가", "", "1층", "공공시설",
                     "서울시", "공공WiFi", "임대망", year or "", "실외", "", y, x,
                     "2024-05-27 11:02:26.0"])  # fmt: skip
    rows.append(["WF-006", "강남구", "빈좌표", "", "", "", "", "", "", "", 2019, "실내", "", "", "",
                 "2024-05-27 11:02:26.0"])  # fmt: skip
    rows.append(["WF-007", "강남구", "영좌표", "", "", "", "", "", "", "", 2019, "실내", "", 0, 0,
                 "2024-05-27 11:02:26.0"])  # fmt: skip
    return write_csv(path, WIFI_HEADER, rows, encoding=encoding)


def wifi_openapi_json(path: Path) -> Path:
    """TbPublicWifiInfo answer with LAT/LNT swapped as in real dumps (3 rows)."""
    rows = []
    for i, gu in enumerate(["종로구", "중구", "강남구"]):
        lat, lon = PLACES[gu]
        rows.append({
            "X_SWIFI_MGR_NO": f"API-{i}", "X_SWIFI_WRDOFC": gu, "X_SWIFI_MAIN_NM": "와이파이",
            "X_SWIFI_ADRES1": f"{gu} 주소", "X_SWIFI_INOUT_DOOR": "실외",
            "X_SWIFI_CNSTC_YEAR": str(2015 + i), "LAT": str(lon), "LNT": str(lat),
            "WORK_DTTM": "2024-05-27 11:02:26.0",
        })  # fmt: skip
    data = {
        "TbPublicWifiInfo": {"list_total_count": 3, "RESULT": {"CODE": "INFO-000"}, "row": rows}
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def streetlight_csv(path: Path) -> Path:
    """가로등: 3 good rows, a 0 row and a metres-in-degrees row (UTF-8)."""
    rows: list[list[object]] = []
    for i, gu in enumerate(["종로구", "중구", "노원구"]):
        lat, lon = PLACES[gu]
        rows.append([f"SL-{i}", lat, lon])
    rows.append(["SL-9", 0, 0])
    rows.append(["SL-10", 552000.5, 198000.25])
    return write_csv(path, ["관리번호", "위도", "경도"], rows, encoding="utf-8")


SECURITY_HEADER = [
    "보안등위치명", "설치개수", "소재지도로명주소", "소재지지번주소", "위도", "경도", "설치연도",
    "설치형태", "관리기관전화번호", "관리기관명", "데이터기준일자", "제공기관코드", "제공기관명",
]  # fmt: skip


def security_light_csv(path: Path) -> Path:
    """보안등 표준데이터: 2 Seoul rows, 1 Busan row."""
    lat, lon = PLACES["노원구"]
    rows = [
        ["상계로1", 2, "서울특별시 노원구 상계로 1", "", lat, lon, 2012, "한전주", "02", "서울특별시 노원구청",
         "2023-12-31", "3100000", "서울특별시 노원구"],
        ["상계로2", 1, "서울특별시 노원구 상계로 2", "", lat + 0.001, lon, 2020, "단독주", "02",
         "서울특별시 노원구청", "2023-12-31", "3100000", "서울특별시 노원구"],
        ["부산1", 1, "부산광역시 중구 1", "", BUSAN[0], BUSAN[1], 2020, "단독주", "051", "부산광역시 중구청",
         "2023-12-31", "3250000", "부산광역시 중구"],
    ]  # fmt: skip
    return write_csv(path, SECURITY_HEADER, rows)


def kosis_csv(path: Path, header: str = "재정자립도(세입과목개편후)") -> Path:
    """KOSIS 재정자립도: 행정구역별(1) only on 소계 rows; 중구 under Seoul and Busan."""
    rows: list[list[object]] = [
        ["서울특별시", "소계", 76.4],
        ["", "서울본청", 80.1],
        ["", "종로구", 50.5],
        ["", "중구", 55.2],
        ["", "강남구", 63.1],
        ["부산광역시", "소계", 45.0],
        ["", "중구", 12.3],
    ]
    return write_csv(path, ["행정구역별(1)", "행정구역별(2)", header], rows)


def cctv_xlsx_2024(path: Path) -> Path:
    """OA-2734, 2024 layout: trailing space in a header, ``계`` first, ``중 구`` with a space."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["서울시 자치구 (연도별) CCTV 설치현황"])
    sheet.append(
        [
            "순번",
            "구분",
            "총 계",
            "2015년 이전 설치된 CCTV ",
            *[f"{y}년" for y in range(2016, 2025)],
        ]
    )
    jongno = [100, *range(1, 10)]
    junggu = [50, *([2] * 9)]
    sheet.append(
        [
            None,
            "계",
            sum(jongno) + sum(junggu),
            150,
            *[a + b for a, b in zip(jongno[1:], junggu[1:], strict=True)],
        ]
    )
    sheet.append([1, "종로구", sum(jongno), *jongno])
    sheet.append([2, "중 구", sum(junggu), *junggu])
    book.save(path)
    return path


def cctv_xlsx_old(path: Path) -> Path:
    """Older layout: ``기관명, 소계, 2013년도 이전, 2014년, 2015년, 2016년``; 소계 != sum."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["기관명", "소계", "2013년도 이전", "2014년", "2015년", "2016년"])
    sheet.append(["합계", 1000, 500, 100, 100, 100])
    sheet.append(["종로구", 600, 300, 50, 50, 50])  # years sum to 450
    sheet.append(["서울시성북구", 400, 200, 50, 50, 50])  # years sum to 350
    sheet.append(["경기도청", 9, 9, 0, 0, 0])
    book.save(path)
    return path


def cp949_shapefile(path: Path) -> Path:
    """Points with Hangul attributes in CP949 and no .cpg (as old GIS exports are)."""
    frame = gpd.GeoDataFrame(
        {"id": [1, 2], "이름": ["광화문 CCTV", "시청 앞"]},
        geometry=[Point(PLACES["종로구"][::-1]), Point(PLACES["중구"][::-1])],
        crs="EPSG:4326",
    ).to_crs("EPSG:5186")
    frame.to_file(path, driver="ESRI Shapefile", encoding="cp949", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


#: A Bessel-TM .prj as old Seoul layers carry it: EPSG:5174's projection, no datum shift.
BESSEL_PRJ = (
    'PROJCS["Bessel_TM_Central",GEOGCS["GCS_Bessel_1841",DATUM["D_Bessel_1841",'
    'SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",200000.0],PARAMETER["False_Northing",500000.0],'
    'PARAMETER["Central_Meridian",127.0028902777778],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",38.0],UNIT["Meter",1.0]]'
)


def bessel_shapefile(path: Path) -> tuple[Path, gpd.GeoSeries]:
    """Points stored in EPSG:5174 with a Bessel .prj lacking TOWGS84; returns truth in 5186."""
    truth = gpd.GeoSeries(
        [Point(PLACES["종로구"][::-1]), Point(PLACES["강남구"][::-1])], crs="EPSG:4326"
    ).to_crs("EPSG:5186")
    frame = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=truth.to_crs("EPSG:5174").values, crs="EPSG:5174"
    )
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio")
    path.with_suffix(".prj").write_text(BESSEL_PRJ, encoding="ascii")
    return path, truth


def bowtie_geojson(path: Path, *, duplicate_ids: bool = False) -> Path:
    """Two polygons in 종로구, the second a self-intersecting bow-tie."""
    lat, lon = PLACES["종로구"]
    d = 0.002
    square = Polygon([(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)])
    bowtie = Polygon([(lon, lat), (lon + d, lat + d), (lon + d, lat), (lon, lat + d)])
    frame = gpd.GeoDataFrame(
        {"site_id": ["A", "A" if duplicate_ids else "B"]},
        geometry=[square, bowtie],
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path
