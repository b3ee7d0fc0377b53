"""Seeded SYNTHETIC equipment files in the real open-data schemas, for demos and tests.

Nothing here is real: sites are random points inside the districts, weighted
by population. The files reproduce the real files' quirks so that they go
through the real readers: CP949 bytes, a few swapped lat/lon rows, blank and
zero coordinates, projected metres in degree columns, several APs sharing a
coordinate.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers.districts import load_districts

__all__ = ["SYNTHETIC_WIFI_AS_OF", "synthetic_wifi_csv"]

#: The as-of timestamp written in 작업일자 of the synthetic Wi-Fi file.
SYNTHETIC_WIFI_AS_OF = "2024-12-31 09:00:00.0"

_WIFI_HEADER = [
    "관리번호", "자치구", "와이파이명", "도로명주소", "상세주소", "설치위치(층)", "설치유형", "설치기관",
    "서비스구분", "망종류", "설치년도", "실내외구분", "wifi접속환경", "Y좌표", "X좌표", "작업일자",
]  # fmt: skip
_PLACE_TYPES = [
    ("주요거리", "실외"), ("전통시장", "실외"), ("공원(하천)", "실외"), ("버스정류소", "실외"),
    ("문화관광", "실내"), ("복지시설", "실내"), ("공공시설", "실내"),
]  # fmt: skip


def _points_in(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = polygon.bounds
    out = np.empty((0, 2))
    shapely.prepare(polygon)
    while len(out) < n:
        cand = rng.uniform((xmin, ymin), (xmax, ymax), size=(max(2 * n, 16), 2))
        inside = shapely.contains_xy(polygon, cand[:, 0], cand[:, 1])
        out = np.vstack([out, cand[inside]])
    return out[:n]


def synthetic_wifi_csv(
    path: str | os.PathLike[str],
    *,
    seed: int,
    n_sites: int = 900,
    bad_rows: int = 6,
    swapped_rows: int = 8,
) -> Path:
    """Write a SYNTHETIC public Wi-Fi inventory in the OA-20883 CSV schema (CP949).

    Parameters
    ----------
    path : path
        Output CSV.
    seed : int
        Random seed (same seed, same bytes).
    n_sites : int, default 900
        Sites (coordinates); each holds 1–4 APs (rows sharing the coordinate).
    bad_rows : int, default 6
        Rows with blank, zero or metre coordinates (dropped by the reader).
    swapped_rows : int, default 8
        Rows with Y좌표/X좌표 swapped (fixed by the reader).

    Returns
    -------
    Path
        The file written. Install years 2012–2024, sites inside districts,
        weighted by 2024 Q4 population, about 1% without 설치년도; 작업일자
        ``2024-12-31``.
    """
    rng = np.random.default_rng(seed)
    districts = load_districts()
    weights = districts["population_2024q4"].to_numpy(dtype=float)
    per_district = rng.multinomial(n_sites, weights / weights.sum())
    rows: list[list[object]] = []
    years = np.arange(2012, 2025)
    year_p = np.linspace(1.6, 0.6, len(years))  # older cohorts were larger
    year_p /= year_p.sum()
    transform = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)
    serial = 0
    for district, count in zip(districts.itertuples(), per_district, strict=True):
        if count == 0:
            continue
        pts = _points_in(district.geometry, int(count), rng)
        lon, lat = transform.transform(pts[:, 0], pts[:, 1])
        for site_lon, site_lat in zip(lon, lat, strict=True):
            place, inout = _PLACE_TYPES[int(rng.integers(len(_PLACE_TYPES)))]
            year: object = int(rng.choice(years, p=year_p))
            if rng.random() < 0.01:
                year = ""  # a few sites without 설치년도, as in the real file
            for ap in range(int(rng.integers(1, 5))):
                serial += 1
                rows.append([
                    f"SYN-{serial:06d}", district.name_ko, f"{district.name_ko}_{place}_{ap + 1}",
                    f"서울특별시 {district.name_ko} 가상로 {serial}", "", "1층" if inout == "실내" else "",
                    place, "서울시(자치구)", "공공WiFi", "자가망", year, inout, "",
                    f"{site_lat:.6f}", f"{site_lon:.6f}", SYNTHETIC_WIFI_AS_OF,
                ])  # fmt: skip
    picks = rng.choice(len(rows), size=min(len(rows), swapped_rows + bad_rows), replace=False)
    for i in picks[:swapped_rows]:
        rows[i][13], rows[i][14] = rows[i][14], rows[i][13]
    bad_kinds = [("", ""), ("0", "0"), ("552345.12", "198765.43")]
    for k, i in enumerate(picks[swapped_rows:]):
        rows[i][13], rows[i][14] = bad_kinds[k % len(bad_kinds)]
    frame = pd.DataFrame(rows, columns=_WIFI_HEADER)
    out = Path(path)
    out.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode("cp949"))
    return out
