"""Benchmark: a city-wide offline map with the 100 m risk grid and 113,000 cameras.

Builds, from seeded synthetic inputs, a 100 m risk-grid GeoTIFF over Seoul
(about 60,000 graded cells) and 113,000 camera sites, draws one map with the
grid overlay and the cameras aggregated (the default; exact positions off),
saves it as self-contained HTML and opens it in headless chromium with the
network cut. Render time is ``performance.now()`` in the page (from navigation
start) once Leaflet has run, every image overlay has decoded and two animation
frames have been painted.

Targets (issue 6): file < 10 MB, render < 5 s.

Usage::

    python benchmarks/bench_map.py [--cameras 113000] [--cell-m 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _maps_fixtures import synthetic_grid_tif, synthetic_inventory  # noqa: E402

from layers import load_districts  # noqa: E402
from maps import add_equipment_layers, add_grid_layers, base_map, finish_map, save_html  # noqa: E402
from maps.base import district_layer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
MAX_MB = 10.0
MAX_RENDER_S = 5.0

_RENDERED = """
() => new Promise(resolve => {
  const images = Array.from(document.querySelectorAll('img.leaflet-image-layer'));
  const loaded = images.map(img => img.complete ? Promise.resolve()
      : new Promise(r => { img.onload = r; img.onerror = r; }));
  Promise.all(loaded).then(() => requestAnimationFrame(() => requestAnimationFrame(() =>
      resolve({
        rendered_ms: performance.now(),
        paths: document.querySelectorAll('path').length,
        overlays: images.length,
        leaflet: typeof window.L,
      }))));
})
"""


def build(
    folder: Path, cameras: int, cell_m: float, exact: bool = False
) -> tuple[Path, dict[str, float]]:
    """Make the inputs and the map; return the HTML path and build timings (s)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    districts = load_districts()
    grid = synthetic_grid_tif(folder / "grid_synthetic.tif", districts, cell_m=cell_m, seed=6)
    inventory = synthetic_inventory(districts, cameras, seed=6)
    inventory["n_devices"] = 1
    timings["inputs_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    m, panel = base_map(
        districts,
        title="서울 CCTV와 위험 격자 (benchmark, SYNTHETIC)",
        synthetic=True,
        boundaries=False,
    )
    add_grid_layers(m, grid)
    add_equipment_layers(m, panel, districts, inventory, reference_year=2024, exact_positions=exact)
    district_layer(districts).add_to(m)
    finish_map(m)
    out = save_html(m, folder / "city_map_synthetic.html")
    timings["build_and_save_s"] = time.perf_counter() - t0
    return out, timings


def render(path: Path, runs: int) -> list[dict[str, Any]]:
    """Open the page ``runs`` times in headless chromium with every external request blocked."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            external: list[str] = []
            errors: list[str] = []

            def route(r: Any, external: list[str] = external) -> None:
                if r.request.url.startswith(("file:", "data:", "blob:")):
                    r.continue_()
                else:
                    external.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(path.as_uri(), wait_until="load", timeout=60_000)
            result = page.evaluate(_RENDERED)
            result["external_requests"] = len(external)
            result["page_errors"] = len(errors)
            results.append(result)
            page.close()
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=113_000)
    parser.add_argument("--cell-m", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--exact-positions",
        action="store_true",
        help="Cluster every camera instead of aggregating (not for shared maps).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, timings = build(folder, args.cameras, args.cell_m, args.exact_positions)
        import rasterio

        with rasterio.open(folder / "grid_synthetic.tif") as src:
            cells = int((src.read(2) > 0).sum())
        size_mb = path.stat().st_size / 1e6
        runs = render(path, args.runs)
    render_s = [r["rendered_ms"] / 1000 for r in runs]
    median = statistics.median(render_s)
    rows = [
        ("grid cells (graded, 100 m)", f"{cells:,}", ""),
        (
            "cameras ("
            + ("exact, clustered" if args.exact_positions else "aggregated, 500 m cells")
            + ")",
            f"{args.cameras:,}",
            "",
        ),
        ("inputs built (s)", f"{timings['inputs_s']:.1f}", ""),
        ("map built + saved (s)", f"{timings['build_and_save_s']:.1f}", ""),
        (
            "HTML size (MB)",
            f"{size_mb:.2f}",
            f"< {MAX_MB:g} {'ok' if size_mb < MAX_MB else 'FAIL'}",
        ),
        (
            f"render in chromium, median of {len(runs)} (s)",
            f"{median:.2f}",
            f"< {MAX_RENDER_S:g} {'ok' if median < MAX_RENDER_S else 'FAIL'}",
        ),
        ("render, slowest run (s)", f"{max(render_s):.2f}", ""),
        ("SVG paths drawn", f"{runs[0]['paths']:,}", ""),
        ("image overlays", f"{runs[0]['overlays']}", ""),
        ("external requests", f"{sum(r['external_requests'] for r in runs)}", "= 0"),
        ("page errors", f"{sum(r['page_errors'] for r in runs)}", "= 0"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>10}  target")
    print(f"{'-' * width}  {'-' * 10}  ------")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")
    ok = size_mb < MAX_MB and median < MAX_RENDER_S
    ok = ok and all(r["external_requests"] == 0 and r["page_errors"] == 0 for r in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
