"""Benchmark: build Seoul risk grids at 25 m and 100 m from 1,000,000 points + 2 polygon layers.

Targets (issue 3): Seoul at 25 m (about 970,000 cells) from 1,000,000 indicator
points plus two polygon indicators in under 10 s and under 2 GB peak memory on a
2-core machine; Seoul at 100 m (about 60,000 cells) in seconds.

Each cell size runs in a fresh Python process so that its peak resident memory
(``resource.getrusage(...).ru_maxrss``, the whole process: interpreter,
libraries, the 1,000,000 input points and the grid) is its own. Wall time
covers the build (cell lattice, district membership, point kernel density,
point counts, two area-weighted polygon layers, normalisation, quantile grades
with scikit-learn) and, separately, writing the GeoTIFF and the per-district
table. Inputs are SYNTHETIC (seeded points; a random attribute on the dongs).

Usage::

    python benchmarks/bench_grid.py                 # 25 m and 100 m
    python benchmarks/bench_grid.py --cell-size 25  # one size, in this process
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_SECONDS_25M = 10.0
TARGET_PEAK_MB = 2048.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(cell_size: float, n_points: int, seed: int) -> dict[str, float]:
    """Build one grid and return timings (s), cell count and peak memory (MB)."""
    import geopandas as gpd

    from layers import load_districts, load_dongs
    from layers.riskgrid import (
        Indicator,
        build_risk_grid,
        district_membership,
        grade_counts_by_district,
        lattice_for,
        write_grid,
    )

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    districts = load_districts()
    dongs = load_dongs()
    dongs = dongs.assign(synthetic_rate=rng.uniform(0.0, 100.0, len(dongs)))
    fine = lattice_for(districts.total_bounds, 50.0)
    member = district_membership(fine.transform, fine.shape)
    rows, cols = np.nonzero(member >= 0)
    pick = rng.integers(0, len(rows), n_points)
    x = fine.xmin + (cols[pick] + rng.uniform(0, 1, n_points)) * 50.0
    y = fine.ymax - (rows[pick] + rng.uniform(0, 1, n_points)) * 50.0
    points = gpd.GeoDataFrame(
        {"weight": rng.integers(1, 4, n_points).astype(float)},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:5186",
    )
    t_inputs = time.perf_counter() - t0

    indicators = [
        Indicator("points_kde", "points", points, measure="density", bandwidth_m=200, weight=2.0),
        Indicator(
            "population", "polygons", districts, column="population_2024q4", attribute="count"
        ),
        Indicator("dong_rate", "polygons", dongs, column="synthetic_rate", direction="lowers"),
    ]
    t1 = time.perf_counter()
    build = build_risk_grid(indicators, cell_size=cell_size)
    t_build = time.perf_counter() - t1

    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_grid(build.grid, Path(tmp) / "grid.tif", tags={"synthetic": "true"})
        table = grade_counts_by_district(build.grid)
    t_write = time.perf_counter() - t2
    counts = build.grid.grade_counts()
    assert int(table.vulnerable_cells.sum()) == counts["D"] + counts["E"]
    return {
        "cell_size_m": cell_size,
        "cells": int(build.report["study_cells"]),
        "points": n_points,
        "inputs_s": round(t_inputs, 2),
        "build_s": round(t_build, 2),
        "write_and_summarise_s": round(t_write, 2),
        "peak_rss_mb": round(_peak_mb(), 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell-size", type=float, help="one cell size (m), in this process")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if args.cell_size:
        print(json.dumps(run_one(args.cell_size, args.points, args.seed)))
        return 0
    results = []
    for size in (100.0, 25.0):
        done = subprocess.run(
            [sys.executable, __file__, "--cell-size", str(size), "--points", str(args.points)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = f"{'cell':>6} {'cells':>9} {'points':>9} {'build s':>8} {'write s':>8} {'peak MB':>8}"
    print("Seoul risk grid benchmark (SYNTHETIC points; 2 polygon indicators)")
    print(header)
    for r in results:
        print(
            f"{r['cell_size_m']:>5g}m {r['cells']:>9,} {r['points']:>9,} {r['build_s']:>8.2f} "
            f"{r['write_and_summarise_s']:>8.2f} {r['peak_rss_mb']:>8,.0f}"
        )
    at25 = next(r for r in results if r["cell_size_m"] == 25.0)
    ok = at25["build_s"] < TARGET_SECONDS_25M and at25["peak_rss_mb"] < TARGET_PEAK_MB
    print(
        f"25 m target: build < {TARGET_SECONDS_25M:g} s and peak < {TARGET_PEAK_MB:,.0f} MB: "
        + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
