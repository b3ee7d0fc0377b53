"""Helpers to open saved maps in Debian's chromium with the network cut (Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layers import load_districts

CHROMIUM = Path("/usr/bin/chromium")
#: Screenshots and checks at a common office laptop size.
VIEWPORT = {"width": 1366, "height": 768}
ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent (scripts/test installs Debian's chromium)",
)


def launch_browser() -> Iterator[Any]:
    """Yield a headless chromium (Playwright) with background networking off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


def korean_names() -> set[str]:
    return set(load_districts()["name_ko"])


def open_page(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport=VIEWPORT)
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


def map_name(page: Any) -> str:
    """The global variable folium gave the Leaflet map."""
    name = page.evaluate(
        "Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k) && window[k] instanceof L.Map)"
    )
    assert name, "no Leaflet map on the page"
    return str(name)


def check_map(browser: Any, path: Path, korean: set[str], *, labels: bool = True) -> None:
    """Common checks of a saved map; screenshot at 1366×768 into tests/artifacts/."""
    page, external, errors = open_page(browser, path)
    try:
        if labels:
            shown = page.locator(".siting-district-label").all_inner_texts()
            assert sorted(shown) == sorted(korean), f"{path.name}: district labels {shown}"
        scale = page.locator(".leaflet-control-scale-line").all_inner_texts()
        assert scale and all(t.strip().endswith(("m", "km")) for t in scale), scale
        assert page.evaluate("typeof window.L") == "object", path.name
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert overlays, f"{path.name}: no layer listed in the layer control"
        legends = page.locator(".legend")
        visible = [legends.nth(i).is_visible() for i in range(legends.count())]
        assert any(visible), f"{path.name}: no legend shown"
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
