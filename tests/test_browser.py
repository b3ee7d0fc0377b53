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
from _browser import ARTIFACTS, check_map, korean_names, launch_browser, needs_chromium, open_page
from _maps_fixtures import synthetic_grid_tif, synthetic_inventory, synthetic_proposals

from layers import load_districts
from maps import equipment_map, save_html
from siting.demo._artifact import Artifact
from siting.demo.maps import maps_stage

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


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


def test_demo_writes_the_expected_maps(demo_folder: Path) -> None:
    names = sorted(p.name for p in (demo_folder / "maps").glob("*.html"))
    assert names == [
        "districts_cctv_ageing.html",
        "proposals_synthetic.html",
        "risk_grid_synthetic.html",
        "round_cctv-new_synthetic.html",
        "wifi_age_synthetic.html",
    ]


def test_every_demo_map_works_offline(browser: Any, demo_folder: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    korean = korean_names()
    maps = sorted((demo_folder / "maps").glob("*.html"))
    assert maps
    for path in maps:
        check_map(browser, path, korean)


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
        assert page.locator(".leaflet-marker-icon").count() == 0
        assert errors == [] and external == []
    finally:
        page.close()


def test_index_links_every_output(browser: Any, demo_folder: Path) -> None:
    page, external, errors = open_page(browser, demo_folder / "index.html")
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
