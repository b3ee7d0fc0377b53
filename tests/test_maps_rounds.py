"""Round maps, legends and the boundaries drawn on every map."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from _maps_fixtures import readable
from hypothesis import given
from hypothesis import strategies as st

from layers import load_districts
from maps import choropleth_map, render_offline
from maps.boundaries import display_geometry
from maps.legends import nice_ticks
from maps.rounds import funding_status, round_map, round_tooltip
from scoring.criteria import default_criteria


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return load_districts()


def _round(districts: gpd.GeoDataFrame) -> pd.DataFrame:
    n = len(districts)
    return pd.DataFrame(
        {
            "sig_cd": districts["sig_cd"],
            "name_ko": districts["name_ko"],
            "fiscal_self_reliance_pct": districts["fiscal_self_reliance_pct"],
            "ageing_ratio_pct": districts["cctv_ageing_ratio_pct"],
            "total_points": [float(i % 9) for i in range(n)],
            "priority": range(1, n + 1),
            "applicant": [True] * (n - 1) + [False],
            "requested_krw": [1_000_901_000] * n,
            "eligible": [True] * (n - 3) + [False, False, True],
            "city_share_krw": [500_450_000, 250_000_000] + [0] * (n - 2),
            "status": ["funded", "partly funded"] + ["not funded"] * (n - 2),
            "reason": ["city share of the requested cost in full", "budget exhausted: part"]
            + ["budget exhausted"] * (n - 5)
            + ["ineligible: matching funds not secured"] * 2
            + ["no request"],
        }
    )


def test_status_has_four_kinds_and_no_request_is_not_ineligible(
    districts: gpd.GeoDataFrame,
) -> None:
    status = funding_status(_round(districts))
    assert status.iloc[0] == "funded" and status.iloc[1] == "partly funded"
    assert status.iloc[-3:].tolist() == ["ineligible", "ineligible", "not funded"]


def test_tooltip_in_words_with_thousand_won_separators() -> None:
    text = round_tooltip(
        {
            "name_ko": "노원구",
            "priority": 1,
            "total_points": 24.0,
            "fiscal_points": 12.5,
            "need_points": 11.5,
            "fiscal_self_reliance_pct": 16.5,
            "vulnerable_cells": 1855,
            "requested_krw": 600_000_000,
            "city_share_krw": 300_000_000,
            "reason": "city share of the requested cost in full",
        },
        "funded",
        ["재정자립도 기준연도 미표시"],
    )
    for part in (
        "순위 1위",
        "총점 24.0점",
        "재정 12.5점 + 수요 11.5점",
        "재정자립도 16.5%",
        "취약격자 D·E 수 1,855개",
        "신청 사업비 600,000천원 (600,000,000원)",
        "배분액(시비) 300,000천원 (300,000,000원)",
        "전액 지원",
        "⚠ 재정자립도 기준연도 미표시",
    ):
        assert part in text, part
    assert "fiscal_points" not in text and "need_points" not in text


def test_cctv_replace_round_cites_the_written_criteria_and_its_quirks(
    districts: gpd.GeoDataFrame,
) -> None:
    page = readable(
        render_offline(
            round_map(districts, _round(districts), criteria=default_criteria("cctv-replace"))
        )
    )
    assert "붙임8" in page and "ASSUMED" not in page
    assert "도봉구" in page and "0.1 %" in page  # quirk of the ageing ratio, next to 도봉구
    assert page.count("siting-hatch") >= 1
    assert "지원 제외: 매칭 미확보 (ineligible): 2" in page


def test_wifi_and_pole_rounds_say_assumed_never_annex_8(districts: gpd.GeoDataFrame) -> None:
    table = _round(districts).drop(columns="ageing_ratio_pct")
    for program in ("wifi", "pole"):
        page = readable(
            render_offline(round_map(districts, table, criteria=default_criteria(program)))
        )
        assert "ASSUMED" in page, program
        assert "붙임8" not in page, program


def test_choropleth_of_a_quirky_field_flags_the_districts(districts: gpd.GeoDataFrame) -> None:
    page = readable(render_offline(choropleth_map(districts, "cctv_ageing_ratio_pct")))
    assert "⚠ 도봉구" in page and "⚠ 동대문구" in page
    clean = readable(render_offline(choropleth_map(districts, "area_km2")))
    assert "⚠" not in clean


@pytest.mark.parametrize(
    ("vmin", "vmax", "ticks"),
    [
        (0, 41.3, [0, 10, 20, 30, 40]),
        (1.5, 12.5, [2, 4, 6, 8, 10, 12]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (1_000_000, 9_100_000, [2_000_000, 4_000_000, 6_000_000, 8_000_000]),
    ],
)
def test_round_ticks(vmin: float, vmax: float, ticks: list[float]) -> None:
    assert nice_ticks(vmin, vmax) == ticks


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(1e-3, 1e6, allow_nan=False),
)
def test_ticks_are_inside_the_range_and_evenly_spaced(vmin: float, span: float) -> None:
    vmax = vmin + span
    ticks = nice_ticks(vmin, vmax)
    assert len(ticks) >= 2
    assert all(vmin - 1e-9 * span <= t <= vmax + 1e-9 * span for t in ticks)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) <= 2 or len(ticks) == 2


def test_drawn_borders_are_shared_by_neighbours(districts: gpd.GeoDataFrame) -> None:
    """Raw districts overlap and leave gaps; drawn ones form a coverage with one line per border."""
    assert not shapely.coverage_is_valid(districts.geometry.to_numpy())
    drawn = display_geometry(districts.geometry)
    assert shapely.coverage_is_valid(drawn.to_numpy())
    nowon, dobong = (
        drawn[districts.index[districts.name_ko == n][0]] for n in ("노원구", "도봉구")
    )
    border = nowon.boundary.intersection(dobong.boundary)
    assert border.length > 1000  # they share a long edge, drawn once
    assert nowon.intersection(dobong).area < 1.0
    # the drawing stays close to the official polygons
    moved = drawn.symmetric_difference(districts.geometry).area / districts.area
    assert float(moved.max()) < 0.05
