"""Open every demo map in a real browser with the network cut, and look at what it shows.

Debian's chromium (``/usr/bin/chromium``, installed by ``scripts/test``; never
``playwright install``) is driven by Playwright at 1366×768. Every request
that is not ``file:``/``data:``/``blob:`` is blocked and recorded. Each map
must load Leaflet, write the 25 district names on the map, show a metric
scale, list its layers, show a legend, show a district's Korean name on hover,
raise no page error and make zero external requests. Screenshots go to
``tests/artifacts/`` (see its README; the PNGs are not committed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _browser import (
    ARTIFACTS,
    check_map,
    korean_names,
    launch_browser,
    map_name,
    needs_chromium,
    open_page,
)
from _maps_fixtures import synthetic_grid_tif, synthetic_inventory, synthetic_proposals
from pyproj import Transformer

from layers import load_districts
from maps import equipment_map, save_html
from siting.demo._artifact import Artifact
from siting.demo.maps import maps_stage

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def _round_table(districts: pd.DataFrame) -> pd.DataFrame:
    """A scored, allocated round with every status (columns as `siting score` writes them)."""
    n = len(districts)
    status = ["funded"] * 6 + ["partly funded"] + ["not funded"] * (n - 9) + ["not funded"] * 2
    eligible = [True] * (n - 2) + [False, False]
    reason = (
        ["city share of the requested cost in full"] * 6
        + ["budget exhausted: part of the city share"]
        + ["budget exhausted"] * (n - 9)
        + ["ineligible: matching funds not secured"] * 2
    )
    return pd.DataFrame(
        {
            "sig_cd": districts["sig_cd"],
            "name_ko": districts["name_ko"],
            "fiscal_self_reliance_pct": districts["fiscal_self_reliance_pct"],
            "vulnerable_cells": [40 * (i % 11) for i in range(n)],
            "fiscal_points": [0.5 * (i % 13) for i in range(n)],
            "need_points": [0.5 * (i % 7) for i in range(n)],
            "total_points": [0.5 * (i % 13) + 0.5 * (i % 7) for i in range(n)],
            "priority": range(1, n + 1),
            "applicant": True,
            "requested_krw": 600_000_000,
            "eligible": eligible,
            "city_share_krw": [300_000_000] * 6 + [123_456_000] + [0] * (n - 7),
            "status": status,
            "reason": reason,
        }
    )


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the demo's maps stage on a small demo-like context built in code (synthetic)."""
    folder = tmp_path_factory.mktemp("demo")
    districts = load_districts()
    grid = synthetic_grid_tif(folder / "grid_synthetic.tif", districts, cell_m=250.0)
    # CCTV proposals in three neighbouring districts, as a round's winners would be.
    three = districts[districts["name_ko"].isin(["중랑구", "노원구", "동대문구"])]
    cctv = synthetic_proposals(three, 12)
    cctv["order"] = np.arange(1, 13)
    wifi = synthetic_proposals(districts, 260, seed=5).drop(columns="order")
    wifi["rank"] = np.arange(1, 261)
    wifi["device_id"] = [f"WIFI-{i:05d}" for i in range(260)]
    wifi["device_type"] = "wifi"
    wifi["action"] = "replace"
    context: dict[str, Any] = {
        "seed": 1,
        "districts": districts,
        "grid_path": grid,
        "rounds": {"cctv-new": _round_table(districts), "wifi": _round_table(districts)},
        "wifi_inventory": synthetic_inventory(districts, 600),
        "proposals": {
            "cctv": cctv,
            "wifi_replacement": wifi.assign(order=wifi["rank"]),
            "pole": synthetic_proposals(three, 4, seed=7, services=True),
        },
        "artifacts": [Artifact("round.csv", "Round table", "Scores by district.", True)],
    }
    (folder / "round.csv").write_text("sig_cd\n", encoding="utf-8")
    maps_stage(folder, context)
    return folder


def test_demo_writes_the_expected_maps(demo_folder: Path) -> None:
    names = sorted(p.name for p in (demo_folder / "maps").glob("*.html"))
    assert names == [
        "districts_cctv_ageing.html",
        "proposals_synthetic.html",
        "risk_grid_synthetic.html",
        "round_cctv-new_synthetic.html",
        "round_wifi_synthetic.html",
        "wifi_age_synthetic.html",
    ]


def test_every_demo_map_works_offline(browser: Any, demo_folder: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    korean = korean_names()
    maps = sorted((demo_folder / "maps").glob("*.html"))
    assert maps
    for path in maps:
        check_map(browser, path, korean)


def test_proposals_map_opens_fitted_and_popup_says_where(browser: Any, demo_folder: Path) -> None:
    path = demo_folder / "maps" / "proposals_synthetic.html"
    page, external, errors = open_page(browser, path)
    try:
        name = map_name(page)
        view = page.evaluate(
            f"(() => {{ const b = {name}.getBounds(); "
            "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
        )
        sites = page.evaluate(
            f"(() => {{ const out = []; {name}.eachLayer(l => {{ "
            "if (l instanceof L.Circle) { const p = l.getLatLng(); out.push([p.lng, p.lat]); } "
            "}); return out; })()"
        )
        assert len(sites) == 16  # 12 CCTV + 4 poles shown; the 260 replacements are off
        lons, lats = np.array(sites).T
        assert view[0] <= lons.min() and view[2] >= lons.max()
        assert view[1] <= lats.min() and view[3] >= lats.max()
        # fitted to the sites: the zoom Leaflet would choose for them (less one level for
        # the 150 m margin), deeper than the zoom that shows all of Seoul
        zooms = page.evaluate(
            f"(() => {{ const sites = L.latLngBounds({json.dumps([[b, a] for a, b in sites])}); "
            "const seoul = L.latLngBounds([[37.41, 126.76], [37.72, 127.19]]); "
            f"return [{name}.getZoom(), {name}.getBoundsZoom(sites), "
            f"{name}.getBoundsZoom(seoul)]; }})()"
        )
        zoom, sites_zoom, seoul_zoom = zooms
        assert sites_zoom - 1 <= zoom <= sites_zoom and zoom > seoul_zoom, zooms
        overlays = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
        assert any(t.strip().startswith("CCTV · ") for t in overlays)
        assert any("묶음 clustered" in t for t in overlays)
        # Click the site nearest the middle of the view (controls sit at the edges).
        x, y = page.evaluate(
            f"(() => {{ const size = {name}.getSize(); let best = null; "
            f"{name}.eachLayer(l => {{ if (l instanceof L.Circle) {{ "
            f"const p = {name}.latLngToContainerPoint(l.getLatLng()); "
            "const d = Math.hypot(p.x - size.x / 2, p.y - size.y / 2); "
            "if (!best || d < best[2]) { best = [p.x, p.y, d]; } } }); "
            "return [best[0], best[1]]; })()"
        )
        page.mouse.click(x, y)  # the number label lets clicks through to the circle
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        text = popup.inner_text()
        assert "법정동" in text and "위도 lat" in text and "경도 lon" in text, text
        assert re.search(r"위도 lat 37\.\d{6}, 경도 lon 12[67]\.\d{6}", text), text
        assert "왜 이 자리인가" in text and "좌표 복사" in text
        assert "세부 항목" in text and not page.locator("details[open]").count()
        page.screenshot(path=str(ARTIFACTS / "proposals_popup_synthetic.png"))
        page.locator(".siting-copy").first.click()
        assert "복사됨" in page.locator(".siting-copy").first.inner_text()
        assert errors == [] and external == []
    finally:
        page.close()


def test_round_map_shows_status_in_words(browser: Any, demo_folder: Path) -> None:
    page, external, errors = open_page(browser, demo_folder / "maps" / "round_wifi_synthetic.html")
    try:
        legend = " ".join(page.locator(".legend").all_inner_texts())
        for label in ("전액 지원", "일부 지원", "미지원", "지원 제외"):
            assert label in legend, legend
        ticks = page.locator(".siting-tick").all_inner_texts()
        assert ticks and all(re.fullmatch(r"-?[0-9,]+(\.[0-9]{1,2})?", t) for t in ticks), ticks
        assert page.locator("path.siting-hatch").count() == 2
        panel = page.locator(".siting-panel").first.inner_text()
        assert "ASSUMED" in panel and "붙임8" not in page.content()
        district = page.locator("path.siting-district").nth(6)
        district.hover(force=True)
        tip = page.locator(".leaflet-tooltip").inner_text()
        assert "재정자립도" in tip and "순위" in tip and "천원" in tip and "일부 지원" in tip
        assert "123,456천원" in tip
        assert errors == [] and external == []
    finally:
        page.close()


def test_grid_hover_gives_grade_and_score_and_legends_follow_layers(
    browser: Any, demo_folder: Path
) -> None:
    page, external, errors = open_page(browser, demo_folder / "maps" / "risk_grid_synthetic.html")
    try:
        # The browser's Transverse Mercator agrees with PROJ to a centimetre.
        to_5186 = Transformer.from_crs("EPSG:4326", "EPSG:5186", always_xy=True)
        for lon, lat in ((126.8, 37.45), (127.0, 37.56), (127.17, 37.7)):
            x, y = page.evaluate(f"window.sitingGridXY({lat}, {lon})")
            ex, ey = to_5186.transform(lon, lat)
            assert abs(x - ex) < 0.01 and abs(y - ey) < 0.01
        bar = page.locator(".legend:has(.siting-bar)")
        assert bar.count() == 1 and not bar.is_visible()  # score layer off at opening
        name = map_name(page)
        point = page.evaluate(
            f"(() => {{ const p = {name}.latLngToContainerPoint([37.56, 127.0]); "
            "return [p.x, p.y]; })()"
        )
        page.mouse.move(point[0], point[1])
        hover = page.locator(".siting-grid-hover")
        assert hover.is_visible()
        assert re.search(r"격자 등급 [A-E] · 위험 점수 -?\d+\.\d\d", hover.inner_text())
        page.locator(".leaflet-control-layers-overlays label", has_text="위험 점수").click()
        assert bar.is_visible()
        assert errors == [] and external == []
    finally:
        page.close()


def test_exact_positions_map_works_offline(browser: Any, tmp_path: Path) -> None:
    """Many clustered sites (hovering clusters once broke on the coverage hull)."""
    ARTIFACTS.mkdir(exist_ok=True)
    districts = load_districts()
    path = tmp_path / "cctv_exact_synthetic.html"
    inventory = synthetic_inventory(districts, 10_000)
    save_html(equipment_map(districts, inventory, reference_year=2024, exact_positions=True), path)
    check_map(browser, path, korean_names())
    page, external, errors = open_page(browser, path)
    try:
        page.wait_for_timeout(1000)  # let any load-time animation end (moveend)
        clusters = page.locator(".marker-cluster")
        assert clusters.count() > 0
        for i in range(min(clusters.count(), 5)):
            clusters.nth(i).hover(force=True)
        page.mouse.move(5, 5)
        assert errors == [] and external == []
    finally:
        page.close()


def test_equipment_map_records_privacy_visibly(browser: Any, demo_folder: Path) -> None:
    page, external, errors = open_page(browser, demo_folder / "maps" / "wifi_age_synthetic.html")
    try:
        panel = page.locator(".siting-panel").inner_text()
        assert "exact positions hidden" in panel
        assert "대 미만 격자" in panel or "every cell ≥ 3" in panel
        assert page.locator(".leaflet-marker-icon:not(.siting-label-icon)").count() == 0
        assert "≥ 7" in panel and "CCTV" not in page.title()
        assert errors == [] and external == []
    finally:
        page.close()


def test_index_links_every_output(browser: Any, demo_folder: Path) -> None:
    page, external, errors = open_page(browser, demo_folder / "index.html")
    try:
        hrefs = page.eval_on_selector_all("li a", "els => els.map(e => e.getAttribute('href'))")
        assert "round.csv" in hrefs
        maps = {h for h in hrefs if re.match(r"maps/.*\.html$", h)}
        assert len(maps) == 6
        for href in hrefs:
            assert (demo_folder / href).exists(), href
        assert errors == [] and external == []
    finally:
        page.close()


def test_tile_server_that_does_not_answer_is_reported(browser: Any, tmp_path: Path) -> None:
    """With --tiles the map loads tiles from that server; unreachable, the map says so."""
    from maps import choropleth_map

    path = tmp_path / "tiles.html"
    url = "https://api.vworld.kr/req/wmts/1.0.0/YOUR_KEY/Base/{z}/{y}/{x}.png"
    save_html(
        choropleth_map(load_districts(), "area_km2", tiles_url=url, tiles_attribution="VWorld"),
        path,
    )
    page, external, errors = open_page(browser, path)
    try:
        note = page.locator(".basemap-error")
        note.wait_for(state="visible")
        assert "배경지도를 불러오지 못함" in note.inner_text()
        assert external and all(u.startswith("https://api.vworld.kr/") for u in external)
        assert "api.vworld.kr" in page.locator(".siting-panel:has(h4)").inner_text()
    finally:
        page.close()


def test_grid_hover_names_the_source_cell_of_a_national_grid(browser: Any, tmp_path: Path) -> None:
    """A 100 m grid on EPSG:5179 (국가지점번호): hovering a cell's centre gives that cell."""
    import rasterio
    from affine import Affine

    from maps import grid_map

    rng = np.random.default_rng(3)
    grade = rng.integers(1, 6, (40, 40)).astype("float32")
    score = rng.normal(size=(40, 40)).astype("float32")
    x0, y1 = 953_000.0, 1_953_000.0  # central Seoul on the national grid
    transform = Affine(100.0, 0.0, x0, 0.0, -100.0, y1)
    path = tmp_path / "grid_5179_synthetic.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=40,
        height=40,
        count=2,
        dtype="float32",
        crs="EPSG:5179",
        transform=transform,
    ) as dst:
        dst.write(score, 1)
        dst.write(grade, 2)
    out = tmp_path / "grid_5179_synthetic.html"
    save_html(grid_map(path, load_districts()), out)
    page, external, errors = open_page(browser, out)
    try:
        name = map_name(page)
        page.evaluate(f"{name}.setView([37.5665, 126.978], 17, {{animate: false}})")
        to_deg = Transformer.from_crs("EPSG:5179", "EPSG:4326", always_xy=True)
        checked = 0
        for row, col in ((5, 7), (20, 20), (33, 12)):
            lon, lat = to_deg.transform(x0 + 100 * col + 50, y1 - 100 * row - 50)
            page.evaluate(f"{name}.setView([{lat}, {lon}], 17, {{animate: false}})")
            x, y = page.evaluate(
                f"(() => {{ const p = {name}.latLngToContainerPoint([{lat}, {lon}]); "
                "return [p.x, p.y]; })()"
            )
            page.mouse.move(x, y)
            text = page.locator(".siting-grid-hover").inner_text()
            letter = "ABCDE"[int(grade[row, col]) - 1]
            assert f"격자 등급 {letter} · 위험 점수 {score[row, col]:.2f}" in text, (row, col, text)
            checked += 1
        assert checked == 3
        assert errors == [] and external == []
    finally:
        page.close()


def test_proposals_legend_follows_its_layers(browser: Any, demo_folder: Path) -> None:
    page, external, errors = open_page(browser, demo_folder / "maps" / "proposals_synthetic.html")
    try:
        legend = page.locator(".legend", has_text="제안 위치")
        assert legend.is_visible()
        name = map_name(page)
        page.evaluate(
            f"{name}.eachLayer(l => {{ if (l instanceof L.FeatureGroup && l.options && "
            f"l.getLayers().some(x => x instanceof L.Circle)) {{ {name}.removeLayer(l); }} }})"
        )
        assert not legend.is_visible()
        assert errors == [] and external == []
    finally:
        page.close()
