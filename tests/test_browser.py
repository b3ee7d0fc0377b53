"""Open every demo map in a real browser with the network cut.

Debian's chromium (``/usr/bin/chromium``, installed by ``scripts/test``; never
``playwright install``) is driven by Playwright. Every request that is not
``file:``/``data:``/``blob:`` is blocked and recorded. Each map must load
Leaflet, list its layers in the layer control, show a legend, show a
district's Korean name on hover, raise no page error and make zero external
requests. Screenshots go to ``tests/artifacts/`` (not committed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _maps_fixtures import synthetic_grid_tif, synthetic_inventory, synthetic_proposals

from layers import load_districts
from maps import equipment_map, save_html
from siting.demo._artifact import Artifact
from siting.demo.maps import maps_stage

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent (scripts/test installs Debian's chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the demo's maps stage on a small demo-like context built in code."""
    folder = tmp_path_factory.mktemp("demo")
    districts = load_districts()
    grid = synthetic_grid_tif(folder / "grid_synthetic.tif", districts, cell_m=250.0)
    round_table = pd.DataFrame(
        {
            "sig_cd": districts.sig_cd,
            "name_ko": districts.name_ko,
            "total_points": [0.5 * (i % 13) + 1 for i in range(25)],
            "priority": range(1, 26),
            "eligible": [i % 3 != 0 for i in range(25)],
            "city_share_krw": [1_000_000 * (i % 5) for i in range(25)],
        }
    )
    (folder / "round.csv").write_text("sig_cd\n", encoding="utf-8")
    context: dict[str, Any] = {
        "seed": 1,
        "districts": districts,
        "grid_path": grid,
        "rounds": {"cctv-new": round_table},
        "wifi_inventory": synthetic_inventory(districts, 600),
        "proposals": {
            "cctv": synthetic_proposals(districts, 12),
            "pole": synthetic_proposals(districts, 4, seed=7, services=True),
        },
        "artifacts": [Artifact("round.csv", "Round table", "Scores by district.", True)],
    }
    maps_stage(folder, context)
    return folder


def _korean_names() -> set[str]:
    return set(load_districts()["name_ko"])


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    external: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            request_route.continue_()
        else:
            external.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    return page, external, errors


def test_demo_writes_the_expected_maps(demo_folder: Path) -> None:
    names = sorted(p.name for p in (demo_folder / "maps").glob("*.html"))
    assert names == [
        "districts_cctv_ageing.html",
        "proposals_synthetic.html",
        "risk_grid_synthetic.html",
        "round_cctv-new_synthetic.html",
        "wifi_age_synthetic.html",
    ]


def _check_map(browser: Any, path: Path, korean: set[str]) -> None:
    page, external, errors = _open(browser, path)
    try:
        assert page.evaluate("typeof window.L") == "object", path.name
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert overlays, f"{path.name}: no layer listed in the layer control"
        legends = page.locator(".legend")
        assert legends.count() >= 1, f"{path.name}: no legend"
        assert legends.first.is_visible(), f"{path.name}: legend hidden"
        districts = page.locator("path.siting-district")
        assert districts.count() == 25, path.name
        shown = ""
        for i in range(districts.count()):
            districts.nth(i).hover(force=True)
            shown = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
            if any(name in shown for name in korean):
                break
        assert any(name in shown for name in korean), f"{path.name}: hover showed {shown!r}"
        page.screenshot(path=str(ARTIFACTS / f"{path.stem}.png"))
        assert errors == [], f"{path.name}: {errors}"
        assert external == [], f"{path.name}: external requests {external}"
    finally:
        page.close()


def test_every_demo_map_works_offline(browser: Any, demo_folder: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    korean = _korean_names()
    maps = sorted((demo_folder / "maps").glob("*.html"))
    assert maps
    for path in maps:
        _check_map(browser, path, korean)


def test_exact_positions_map_works_offline(browser: Any, tmp_path: Path) -> None:
    """Many clustered sites (hovering clusters once broke on the coverage hull)."""
    ARTIFACTS.mkdir(exist_ok=True)
    districts = load_districts()
    path = tmp_path / "cctv_exact_synthetic.html"
    inventory = synthetic_inventory(districts, 10_000)
    save_html(equipment_map(districts, inventory, reference_year=2024, exact_positions=True), path)
    _check_map(browser, path, _korean_names())
    page, external, errors = _open(browser, path)
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
    page, external, errors = _open(browser, demo_folder / "maps" / "wifi_age_synthetic.html")
    try:
        panel = page.locator(".siting-panel").inner_text()
        assert "exact positions hidden" in panel
        assert page.locator(".leaflet-marker-icon").count() == 0
        assert errors == [] and external == []
    finally:
        page.close()


def test_index_links_every_output(browser: Any, demo_folder: Path) -> None:
    page, external, errors = _open(browser, demo_folder / "index.html")
    try:
        hrefs = page.eval_on_selector_all("li a", "els => els.map(e => e.getAttribute('href'))")
        assert "round.csv" in hrefs
        assert sum(1 for h in hrefs if re.match(r"maps/.*\.html$", h)) == 5
        for href in hrefs:
            assert (demo_folder / href).exists(), href
        assert page.locator(".syn").count() >= 5
        assert errors == [] and external == []
    finally:
        page.close()
