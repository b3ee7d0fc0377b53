"""Shapefile (CP949 without .cpg, Bessel .prj), GeoJSON validation, GeoParquet, GeoPackage."""

from __future__ import annotations

from pathlib import Path

import _korean_fixtures as fx
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from layers.errors import ValidationError
from layers.readers import read_layer


def test_cp949_shapefile_without_cpg(tmp_path: Path) -> None:
    path = fx.cp949_shapefile(tmp_path / "cctv.shp")
    assert not path.with_suffix(".cpg").exists()
    read = read_layer(path)
    assert list(read.frame["이름"]) == ["광화문 CCTV", "시청 앞"]
    assert read.report.encoding == "cp949"
    assert list(read.frame.name_ko) == ["종로구", "중구"]


def test_cp949_field_names_next_to_a_wide_field(tmp_path: Path) -> None:
    """A KOSTAT-style export: Hangul field names in CP949 and a C(200) field, no .cpg.

    The wide field's width is the byte 0xC8 in its descriptor; the encoding is
    decided from the names and records only, not from such binary bytes.
    """
    path = tmp_path / "dong_points.shp"
    gpd.GeoDataFrame(
        {"행정동명": ["사직동", "종로1·2·3·4가동"], "비고": ["가" * 100, "나"]},
        geometry=[Point(198_000, 552_000), Point(199_000, 552_500)],
        crs="EPSG:5186",
    ).to_file(path, driver="ESRI Shapefile", encoding="cp949", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf").read_bytes()
    assert 0xC8 in dbf[32 : int.from_bytes(dbf[8:10], "little")]  # the width byte is there
    read = read_layer(path)
    assert read.report.encoding == "cp949"
    assert list(read.frame["행정동명"]) == ["사직동", "종로1·2·3·4가동"]
    assert list(read.frame["비고"]) == ["가" * 100, "나"]


def test_bessel_prj_gets_the_datum_shift(tmp_path: Path) -> None:
    path, truth = fx.bessel_shapefile(tmp_path / "old.shp")
    naive = gpd.read_file(path, engine="pyogrio").to_crs("EPSG:5186")
    naive_error = naive.geometry.distance(truth.reset_index(drop=True))
    assert (naive_error > 250).all()  # without the shift: hundreds of metres off
    read = read_layer(path)
    error = read.frame.geometry.distance(truth.reset_index(drop=True))
    assert (error < 1.0).all()
    assert any("EPSG:5174" in n and "360 m" in n for n in read.report.notes)


def test_invalid_polygon_reported_then_repaired(tmp_path: Path) -> None:
    path = fx.bowtie_geojson(tmp_path / "sites.geojson")
    with pytest.raises(ValidationError, match=r"Self-intersection(.|\n)*rows?:? ?2"):
        read_layer(path)
    read = read_layer(path, repair=True)
    assert read.report.repaired == [2]
    assert read.frame.geometry.is_valid.all()


def test_all_problems_at_once(tmp_path: Path) -> None:
    path = fx.bowtie_geojson(tmp_path / "dup.geojson", duplicate_ids=True)
    with pytest.raises(ValidationError, match="2 problems") as info:
        read_layer(path, id_column="site_id")
    assert "duplicate site_id 'A' in rows 1, 2" in str(info.value)


def test_a_repeated_id_found_by_name_is_reported_not_refused(tmp_path: Path) -> None:
    path = fx.bowtie_geojson(tmp_path / "dup.geojson", duplicate_ids=True)
    with pytest.raises(ValidationError, match="Self-intersection") as info:
        read_layer(path)
    assert "duplicate" not in str(info.value)  # only the geometry is refused
    read = read_layer(path, repair=True)
    assert any("duplicated site_id value(s): A" in note for note in read.report.notes)


def test_geoparquet_and_gpkg_points(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[Point(lon, lat) for lat, lon in list(fx.PLACES.values())[:2]]
        + [Point(129.07, 35.18)],
        crs="EPSG:4326",
    )
    frame.to_parquet(tmp_path / "p.parquet")
    frame.to_file(tmp_path / "p.gpkg", engine="pyogrio")
    for name in ("p.parquet", "p.gpkg"):
        read = read_layer(tmp_path / name)
        assert read.report.rows_kept == 2 and read.report.rows_dropped == 1
        assert np.isfinite(read.frame.geometry.x).all()
        assert read.frame.crs == "EPSG:5186"


def test_custom_crs_without_epsg_code(tmp_path: Path) -> None:
    custom = "+proj=tmerc +lat_0=38 +lon_0=127.5 +k=1 +x_0=300000 +y_0=700000 +ellps=GRS80 +units=m"
    truth = gpd.GeoSeries([Point(lon, lat) for lat, lon in fx.PLACES.values()], crs="EPSG:4326")
    frame = gpd.GeoDataFrame(
        {"id": range(len(truth))}, geometry=truth.to_crs(custom).values, crs=custom
    )
    frame.to_file(tmp_path / "custom.gpkg", engine="pyogrio")
    read = read_layer(tmp_path / "custom.gpkg")
    assert read.report.rows_kept == len(truth)
    error = read.frame.geometry.distance(truth.to_crs("EPSG:5186").reset_index(drop=True))
    assert (error < 0.01).all()
