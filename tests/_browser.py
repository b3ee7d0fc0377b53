"""Helpers to open saved maps in Debian's chromium with the network cut (Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layers import load_districts

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


def check_map(browser: Any, path: Path, korean: set[str]) -> None:
    page, external, errors = open_page(browser, path)
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
