"""Proposals map: where a site is, why, numbering per plan, layers, privacy."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _maps_fixtures import readable, synthetic_proposals

from layers import load_districts
from layers.errors import InputError
from maps import explain_site, proposals_map, render_offline
from maps.proposals import plan_numbers


def _json(text: str) -> str:
    """``text`` as folium writes it inside a JSON string (non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return load_districts()


def test_popups_say_where_and_why_in_korean(districts: gpd.GeoDataFrame) -> None:
    sites = synthetic_proposals(districts, 5)
    sites.loc[0, "radius_m"] = 120.0
    sites["nearest_existing_m"] = [12.0, 73.4, 150.0, 99.0, 640.0]
    sites["nearest_existing_id"] = [f"CCTV-SECRET-{i}" for i in range(5)]
    sites["candidate_id"] = [f"LIGHT-{i}" for i in range(5)]
    sites["address"] = [f"서울 테스트로 {i}" for i in range(5)]
    poles = synthetic_proposals(districts, 3, seed=9, services=True)
    page = render_offline(proposals_map(districts, {"cctv": sites, "pole": poles}))
    radii = sorted(float(r) for r in re.findall(r'"radius": ([0-9.]+)', page))
    assert radii.count(120.0) == 1 and radii.count(50.0) == 7
    for text in ("왜 이 자리인가", "좌표 복사", "법정동", "위도 lat", "세부 항목", "<details>"):
        assert text in page, text
    assert "후보 번호 LIGHT-0" in page and "주소 서울 테스트로 0" in page
    assert "기능: CCTV" in page or "기능: " in page
    # Distances to existing cameras in bands only; their ids never.
    assert "50 m 이내" in page and "50–100 m" in page and "100 m 이상" in page
    assert "73 m" not in page and "73.4" not in page
    assert "CCTV-SECRET" not in page


def test_exact_positions_shows_distances_and_ids(districts: gpd.GeoDataFrame) -> None:
    sites = synthetic_proposals(districts, 2)
    sites["nearest_existing_m"] = [73.4, 120.0]
    sites["nearest_existing_id"] = ["CCTV-1", "CCTV-2"]
    page = render_offline(proposals_map(districts, sites, exact_positions=True))
    assert "73 m" in page and "CCTV-1" in page
    assert "do not share outside the office" in page


def test_a_shared_proposal_file_with_bands_only_shows_its_bands(
    districts: gpd.GeoDataFrame,
) -> None:
    sites = synthetic_proposals(districts, 2)
    sites = sites.drop(columns=[c for c in ("nearest_existing_m",) if c in sites])
    sites["nearest_existing_band"] = ["50–100 m", "100 m 이상"]
    for exact in (False, True):
        page = render_offline(proposals_map(districts, sites, exact_positions=exact))
        assert "가장 가까운 기존 시설까지 50–100 m" in page
        assert "가장 가까운 기존 시설까지 100 m 이상" in page


def test_sites_are_located_when_the_file_has_only_xy(districts: gpd.GeoDataFrame) -> None:
    site = gpd.GeoDataFrame(
        {"order": [1]},
        geometry=gpd.points_from_xy([126.9784], [37.5665]),
        crs="EPSG:4326",
    ).to_crs("EPSG:5186")
    page = render_offline(proposals_map(districts, site))
    assert "서울 중구 태평로1가" in page
    assert "37.566500, 126.978400" in page  # the copy link's payload


def test_explain_site_uses_only_present_columns() -> None:
    text = explain_site(
        {"order": 3, "marginal_weight": 12.5, "new_E": 2, "note": "<b>x</b>"},
        radius_m=50,
        kind="CCTV",
    )
    assert "3번째로 선정" in text and "12.50" in text and "E 2곳" in text
    assert "기존 시설" not in text and "좌표" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text


def test_numbering_is_per_plan_even_when_order_restarts_per_district() -> None:
    frame = pd.DataFrame({"sig_cd": ["11260", "11110", "11260", "11110"], "order": [1, 1, 2, 2]})
    assert plan_numbers(frame).tolist() == [3, 1, 4, 2]
    unique = pd.DataFrame({"sig_cd": ["11260", "11110", "11260"], "order": [2, 3, 1]})
    assert plan_numbers(unique).tolist() == [2, 3, 1]


def test_one_layer_per_device_and_district_large_sets_clustered_and_off(
    districts: gpd.GeoDataFrame,
) -> None:
    cctv = synthetic_proposals(districts, 12)
    many = synthetic_proposals(districts, 60, seed=4)
    many["device_id"] = [f"AP-{i}" for i in range(60)]
    many["device_type"] = "wifi"
    many["action"] = "replace"
    m = proposals_map(districts, {"cctv": cctv, "wifi_replacement": many})
    page = render_offline(m)
    names = {f"CCTV · {n} " for n in cctv["name_ko"]}
    for name in names:
        assert _json(name) in page, name
    assert _json("공공와이파이 교체 · 전체 자치구 60곳 (묶음 clustered)") in page
    assert page.count("L.markerClusterGroup(") == 1
    cluster = re.search(r"var (marker_cluster_\w+) = L\.markerClusterGroup", page)
    assert cluster is not None
    # off at opening: the cluster group is never added to the map
    assert f"{cluster.group(1)}.addTo(" not in page
    # a large set of new sites is clustered but shown
    big = proposals_map(districts, {"cctv": many.drop(columns="device_id")}, cluster_above=50)
    shown = render_offline(big)
    found = re.search(r"var (marker_cluster_\w+) = L\.markerClusterGroup", shown)
    assert found is not None and f"{found.group(1)}.addTo(" in shown


def test_map_opens_fitted_to_the_shown_sites(districts: gpd.GeoDataFrame) -> None:
    sites = synthetic_proposals(districts, 6)
    sites = sites[sites.sig_cd == sites.sig_cd.iloc[0]]
    page = render_offline(proposals_map(districts, sites))
    match = re.search(r"map_\w+\.fitBounds\(\s*(\[\[[^\]]*\], \[[^\]]*\]\])", page)
    assert match is not None
    (south, west), (north, east) = np.array(json.loads(match.group(1)))
    lonlat = sites.to_crs("EPSG:4326")
    assert west <= lonlat.geometry.x.min() and east >= lonlat.geometry.x.max()
    assert south <= lonlat.geometry.y.min() and north >= lonlat.geometry.y.max()
    seoul = districts.to_crs("EPSG:4326").total_bounds
    assert (east - west) < 0.5 * (seoul[2] - seoul[0])


def test_existing_cctv_replacement_needs_exact_positions(districts: gpd.GeoDataFrame) -> None:
    plan = synthetic_proposals(districts, 3).rename(columns={"order": "rank"})
    plan["device_id"] = ["C1", "C2", "C3"]
    plan["device_type"] = "cctv"
    plan["action"] = "replace"
    with pytest.raises(InputError, match="existing CCTV cameras exactly"):
        proposals_map(districts, {"cctv_replacement": plan})
    page = render_offline(
        proposals_map(districts, {"cctv_replacement": plan}, exact_positions=True)
    )
    assert "C1" in page


def test_proposals_need_an_order(districts: gpd.GeoDataFrame) -> None:
    sites = synthetic_proposals(districts, 2).drop(columns="order")
    with pytest.raises(InputError, match="order"):
        proposals_map(districts, sites)


def test_new_sites_read_with_a_device_id_are_not_a_replacement_plan(
    districts: gpd.GeoDataFrame,
) -> None:
    """Readers add device_id to any point file; only replacement columns make a plan hidden."""
    sites = synthetic_proposals(districts, 5)
    sites["device_id"] = [f"SYN-LIGHT-{i}" for i in range(5)]
    page = readable(render_offline(proposals_map(districts, {"cctv": sites})))
    assert "처음엔 꺼짐" not in page
    assert "L.markerClusterGroup(" not in page
