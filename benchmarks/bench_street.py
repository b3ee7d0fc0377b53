"""Benchmark: Seoul-wide street-level CCTV siting on demand sampled below the 100 m cell.

Usage (from the repository root, with the project's environment)::

    python benchmarks/bench_street.py            # Seoul-wide fine model, reference, line of sight
    python benchmarks/bench_street.py --quick    # a 4-district cut (~1 min)

What runs (each case in its own subprocess, so each peak memory figure,
``ru_maxrss`` in MB, belongs to one run):

* **fine** — the product's default model: every D/E cell of the demo's 100 m
  risk grid (built as ``siting demo`` builds it, seed 0; SYNTHETIC incidents)
  becomes 8 × 8 demand samples at 12.5 m (about 1.5 million points), 200,000
  candidate sites, existing coverage from 113,000 cameras at about 32,000
  sites of 1–6 cameras, 2,000 sites, radius 50 m. Existing CCTV is counted by
  camera count, the product's default (:mod:`siting.existing_cover`): a site
  with ``n`` cameras of 90°, directions unknown, watches
  ``min(1, n × 90° / 360°)`` of its disc. Time covers sampling, both coverage
  matrices, the residual weights and the solve (grid building excluded). The gap is proven
  against the bound (Lagrangian or LP) of the same fine model.
* **cell-centroid (reference)** — the previous model on the same cells,
  candidates and cameras: one demand point per D/E cell centroid. Its sites are
  then scored on the fine model, so the table shows what the coarse model
  leaves on the street.
* **line of sight** — one district (default 노원구) with seeded SYNTHETIC
  building footprints: samples inside footprints dropped, every (candidate,
  sample) pair tested against the footprints, 100 sites.

Candidates and existing cameras are SYNTHETIC: seeded uniform points in the
grid's Seoul cells (candidates) and, for camera sites, a seeded mix weighted
towards populous cells with 1–6 cameras each (the sites of
``bench_existing_cover.py``). No real camera position is used or written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
GRID_DIR = WORK / "demo-grid"
SEED = 0
N_CANDIDATES = 200_000
N_SITES = 2_000
RADIUS = 50.0
SPACING = 12.5
SIGHT_DISTRICT = "노원구"
SIGHT_SITES = 100


def _grid_path() -> Path:
    """The demo's 100 m grid (built once into benchmarks/_work, as ``siting demo`` does)."""
    from layers.output import write_gpkg
    from layers.riskgrid import build_grid_outputs
    from siting.demo import grid as demo_grid

    tif = GRID_DIR / f"{demo_grid.DEMO_GRID_NAME}.tif"
    if tif.exists():
        return tif
    inputs = GRID_DIR / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    write_gpkg(
        {"incidents_synthetic": demo_grid.synthetic_incidents(SEED)},
        inputs / "incidents_synthetic.gpkg",
    )
    (inputs / "grid_synthetic.toml").write_text(demo_grid._CONFIG_TEXT, encoding="utf-8")
    result = build_grid_outputs(inputs / "grid_synthetic.toml", GRID_DIR)
    return GRID_DIR / result.grid_file


def _existing_sites(grid: Any, box: Any) -> tuple[Any, Any]:
    """SYNTHETIC existing sites (xy, cameras), those of ``bench_existing_cover.py``."""
    from bench_existing_cover import _existing_sites as sites

    return sites(grid, box)


def _synthetic_points(grid: Any, n: int, seed: int, weighted: bool) -> Any:
    """``n`` seeded points in the grid's Seoul cells (uniform, or weighted by score). SYNTHETIC."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(grid.valid)
    if weighted:
        p = grid.score[rows, cols].astype(np.float64)
        p = p - p.min() + 1e-3
        p /= p.sum()
        pick = rng.choice(rows.shape[0], size=n, p=p)
    else:
        pick = rng.integers(0, rows.shape[0], size=n)
    size = grid.cell_size
    x = grid.transform.c + (cols[pick] + rng.random(n)) * size
    y = grid.transform.f - (rows[pick] + rng.random(n)) * size
    return np.column_stack([x, y])


def _inputs(districts: list[str] | None) -> dict[str, Any]:
    import numpy as np

    from layers.riskgrid import read_grid

    grid = read_grid(_grid_path())
    cells = grid.cells(grades=["D", "E"], geometry="centroid")
    cand = _synthetic_points(grid, N_CANDIDATES, SEED + 1, weighted=False)
    inside = None
    if districts:
        keep = cells["name_ko"].isin(districts).to_numpy()
        cells = cells[keep]
        x0, y0, x1, y1 = cells.total_bounds

        def inside(xy: np.ndarray) -> np.ndarray:
            return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)

        cand = cand[inside(cand)]
    existing, cameras = _existing_sites(grid, inside)
    centres = np.column_stack([cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()])
    return {
        "grid": grid,
        "cells": cells,
        "centres": centres,
        "scores": cells["score"].to_numpy(dtype=np.float64),
        "codes": cells["sig_cd"].astype(str).to_numpy(),
        "candidates": cand,
        "existing": existing,
        "shares": _camera_shares(cameras),
        "n_cameras": int(cameras.sum()),
    }


def _camera_shares(cameras: Any) -> Any:
    """Share of its disc each existing site watches under the default (camera) model."""
    import pandas as pd

    from siting.existing_cover import existing_shares

    shares, _report = existing_shares(pd.DataFrame({"n_devices": cameras}), None, service="cctv")
    return shares


def _solve(
    cand: Any, demand_xy: Any, weights: Any, existing: Any, shares: Any, count: int, seed: int
) -> dict[str, Any]:
    from siting.coverage import coverage_matrix, uncovered_weights
    from siting.solvers import solve_mclp

    t0 = time.perf_counter()
    cover = coverage_matrix(cand, demand_xy, RADIUS)
    t_cover = time.perf_counter() - t0
    existing_cover = coverage_matrix(existing, demand_xy, RADIUS)
    residual = uncovered_weights(weights, existing_cover, partial_credit=shares)
    del existing_cover
    t_existing = time.perf_counter() - t0 - t_cover
    sol = solve_mclp(cover, residual, count=count, seed=seed, solver="auto")
    return {
        "cover": cover,
        "residual": residual,
        "solution": sol,
        "t_cover": t_cover,
        "t_existing": t_existing,
        "nnz": int(cover.nnz),
    }


def run_case(case: str, districts: list[str] | None) -> dict[str, Any]:
    """One case in this process; returns its figures (used by the subprocess)."""
    import numpy as np

    from siting.sampling import sample_cells

    data = _inputs(districts)
    count = N_SITES if not districts else max(20, N_SITES * len(data["cells"]) // 24_166)
    out: dict[str, Any] = {"case": case, "n_cells": len(data["cells"])}
    if case == "sight":
        return _run_sight(data)
    t0 = time.perf_counter()
    fine = sample_cells(data["centres"], data["grid"].cell_size, data["scores"], SPACING)
    t_sample = time.perf_counter() - t0
    if case == "fine":
        r = _solve(
            data["candidates"], fine.xy, fine.weight, data["existing"], data["shares"], count, SEED
        )
        sol = r["solution"]
        out |= {
            "n_demand": len(fine),
            "n_candidates": int(data["candidates"].shape[0]),
            "n_existing": int(data["existing"].shape[0]),
            "n_cameras": data["n_cameras"],
            "count": count,
            "nnz": r["nnz"],
            "t_sample": t_sample,
            "t_cover": r["t_cover"],
            "t_existing": r["t_existing"],
            "t_solve": sol.seconds,
            "seconds": time.perf_counter() - t0,
            "covered": sol.covered_weight,
            "bound": sol.upper_bound,
            "gap_pct": 100 * sol.gap,
            "bound_method": sol.bound_method,
            "status": sol.status,
            "stopped_by_time_limit": sol.stopped_by_time_limit,
            "fine_value": sol.covered_weight,
            "area_m2": _area(r, sol.selected, fine.measure),
            "min_samples": _min_samples(r, sol.selected),
            "selected_sha": _sha(sol.selected),
        }
    else:  # centroid reference, scored on the fine model too
        r = _solve(
            data["candidates"],
            data["centres"],
            data["scores"],
            data["existing"],
            data["shares"],
            count,
            SEED,
        )
        sol = r["solution"]
        seconds = time.perf_counter() - t0 - t_sample
        fine_r = _solve(
            data["candidates"], fine.xy, fine.weight, data["existing"], data["shares"], 1, SEED
        )
        picked = np.zeros(fine_r["cover"].shape[1], dtype=bool)
        sub = fine_r["cover"][sol.selected]
        picked[sub.indices] = True
        fine_value = float(fine_r["residual"][picked].sum())
        out |= {
            "n_demand": len(data["centres"]),
            "n_candidates": int(data["candidates"].shape[0]),
            "n_existing": int(data["existing"].shape[0]),
            "n_cameras": data["n_cameras"],
            "count": count,
            "nnz": r["nnz"],
            "t_cover": r["t_cover"],
            "t_existing": r["t_existing"],
            "t_solve": sol.seconds,
            "seconds": seconds,
            "covered": sol.covered_weight,
            "bound": sol.upper_bound,
            "gap_pct": 100 * sol.gap,
            "bound_method": sol.bound_method,
            "status": sol.status,
            "stopped_by_time_limit": sol.stopped_by_time_limit,
            "fine_value": fine_value,
            "area_m2": float(fine.measure[picked & (fine_r["residual"] > 0)].sum()),
            "min_samples": _min_samples(fine_r, sol.selected),
            "n_selected": int(sol.n_selected),
            "selected_sha": _sha(sol.selected),
        }
    return out


def _area(r: dict[str, Any], selected: Any, measure: Any) -> float:
    import numpy as np

    picked = np.zeros(r["cover"].shape[1], dtype=bool)
    picked[r["cover"][selected].indices] = True
    return float(measure[picked & (r["residual"] > 0)].sum())


def _min_samples(r: dict[str, Any], selected: Any) -> int:
    """Fewest uncovered samples any chosen site newly watches (in the order chosen)."""
    import numpy as np

    cover = r["cover"]
    taken = np.zeros(cover.shape[1], dtype=bool)
    fewest = 1 << 30
    for i in selected.tolist():
        cols = cover.indices[cover.indptr[i] : cover.indptr[i + 1]]
        new = cols[~taken[cols] & (r["residual"][cols] > 0)]
        fewest = min(fewest, int(new.shape[0]))
        taken[cols] = True
    return fewest if selected.shape[0] else 0


def _sha(selected: Any) -> str:
    import hashlib

    return hashlib.sha256(selected.astype("int64").tobytes()).hexdigest()[:12]


def _synthetic_buildings(centres: Any, cell: float, seed: int) -> Any:
    """Seeded SYNTHETIC footprints: 0–4 rectangles of 8–30 m a side in each cell."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    k = rng.integers(0, 5, size=centres.shape[0])
    owner = np.repeat(np.arange(centres.shape[0]), k)
    n = owner.shape[0]
    w = rng.uniform(8, 30, n)
    h = rng.uniform(8, 30, n)
    cx = centres[owner, 0] + rng.uniform(-cell / 2 + 15, cell / 2 - 15, n)
    cy = centres[owner, 1] + rng.uniform(-cell / 2 + 15, cell / 2 - 15, n)
    boxes = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    # Overlapping rectangles merge into one footprint.
    merged = shapely.get_parts(shapely.union_all(boxes))
    return merged


def _run_sight(data: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from siting.coverage import coverage_matrix, uncovered_weights
    from siting.sampling import sample_cells, subsample
    from siting.sight import Buildings, visible_cover
    from siting.solvers import solve_mclp

    cells = data["cells"]
    keep = (cells["name_ko"] == SIGHT_DISTRICT).to_numpy()
    centres = data["centres"][keep]
    scores = data["scores"][keep]
    x0, y0 = centres.min(axis=0) - 50
    x1, y1 = centres.max(axis=0) + 50

    def inside(xy: np.ndarray) -> np.ndarray:
        return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)

    cand = data["candidates"][inside(data["candidates"])]
    near = inside(data["existing"])
    existing, shares = data["existing"][near], data["shares"][near]
    footprints = _synthetic_buildings(centres, data["grid"].cell_size, SEED + 3)
    fine = sample_cells(centres, data["grid"].cell_size, scores, SPACING)
    out: dict[str, Any] = {
        "case": "sight",
        "district": SIGHT_DISTRICT,
        "n_cells": int(keep.sum()),
        "n_buildings": int(footprints.shape[0]),
        "n_candidates": int(cand.shape[0]),
        "n_existing": int(existing.shape[0]),
        "count": SIGHT_SITES,
    }
    for label, use_sight in (("no_sight", False), ("sight", True)):
        t0 = time.perf_counter()
        samples = fine
        blocked = 0
        if use_sight:
            b = Buildings.from_geometries(footprints)
            indoors = b.inside(fine.xy)
            samples = subsample(fine, ~indoors, scores, fine.how)
            out["samples_indoors"] = int(indoors.sum())
        cover = coverage_matrix(cand, samples.xy, RADIUS)
        ecover = coverage_matrix(existing, samples.xy, RADIUS)
        if use_sight:
            pairs = cover.nnz + ecover.nnz
            cover, blocked = visible_cover(cover, cand, samples.xy, b)
            ecover, blocked_e = visible_cover(ecover, existing, samples.xy, b)
            out["pairs_tested"] = int(pairs)
            out["pairs_blocked"] = int(blocked + blocked_e)
        residual = uncovered_weights(samples.weight, ecover, partial_credit=shares)
        sol = solve_mclp(cover, residual, count=SIGHT_SITES, seed=SEED)
        out[label] = {
            "n_demand": len(samples),
            "seconds": time.perf_counter() - t0,
            "covered": sol.covered_weight,
            "gap_pct": 100 * sol.gap,
            "status": sol.status,
        }
    return out


def _subprocess(case: str, districts: list[str] | None) -> dict[str, Any]:
    args = [sys.executable, __file__, "--case", case]
    for d in districts or []:
        args += ["--district", d]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{case} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _table(fine: dict[str, Any], ref: dict[str, Any]) -> str:
    rows = [
        ("demand points", f"{fine['n_demand']:,} samples (12.5 m)", f"{ref['n_demand']:,} cell centroids"),
        ("candidates / existing sites (cameras)", f"{fine['n_candidates']:,} / {fine['n_existing']:,} ({fine['n_cameras']:,})", f"{ref['n_candidates']:,} / {ref['n_existing']:,} ({ref['n_cameras']:,})"),
        ("sites", f"{fine['count']:,}", f"{ref['count']:,} (chosen {ref['n_selected']:,})"),
        ("covered pairs", f"{fine['nnz']:,}", f"{ref['nnz']:,}"),
        ("time: coverage + existing (s)", f"{fine['t_cover']:.1f} + {fine['t_existing']:.1f}", f"{ref['t_cover']:.1f} + {ref['t_existing']:.1f}"),
        ("time: solve (s)", f"{fine['t_solve']:.1f}", f"{ref['t_solve']:.1f}"),
        ("time: total (s)", f"{fine['seconds']:.1f}", f"{ref['seconds']:.1f}"),
        ("peak memory (MB)", f"{fine['maxrss_mb']:,.0f}", f"{ref['maxrss_mb']:,.0f}"),
        ("proven gap (own model)", f"{fine['gap_pct']:.2f} % ({fine['bound_method']})", f"{ref['gap_pct']:.2f} % ({ref['bound_method']})"),
        ("stopped by time limit", str(fine["stopped_by_time_limit"]), str(ref["stopped_by_time_limit"])),
        ("D/E risk newly watched, fine model", f"{fine['fine_value']:.1f}", f"{ref['fine_value']:.1f} ({100 * ref['fine_value'] / fine['fine_value']:.1f} %)"),
        ("D/E area newly watched (km²)", f"{fine['area_m2'] / 1e6:.2f}", f"{ref['area_m2'] / 1e6:.2f}"),
        ("fewest samples a site newly watches", f"{fine['min_samples']}", f"{ref['min_samples']}"),
    ]  # fmt: skip
    lines = ["| | fine model (12.5 m samples) | cell-centroid model (reference) |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 districts instead of Seoul")
    parser.add_argument("--case", choices=["fine", "centroid", "sight"], help=argparse.SUPPRESS)
    parser.add_argument("--district", action="append", help=argparse.SUPPRESS)
    parser.add_argument("--skip-sight", action="store_true", help="no line-of-sight run")
    args = parser.parse_args()
    if args.case:
        out = run_case(args.case, args.district)
        out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out))
        return
    districts = ["노원구", "도봉구", "강북구", "성북구"] if args.quick else None
    _grid_path()
    load_before = os.getloadavg()
    print(
        f"# bench_street — {platform.node()}, {os.cpu_count()} CPUs, python "
        f"{platform.python_version()}; load average before {load_before[0]:.2f} "
        f"{load_before[1]:.2f} {load_before[2]:.2f}",
        flush=True,
    )
    from siting.existing_cover import describe_existing_cover

    print(
        "SYNTHETIC data: demo risk grid (seed 0), seeded candidates and camera sites.\n"
        "Existing CCTV counted by camera count (the default model): "
        f"{describe_existing_cover('cameras', 90.0)}.\n"
    )
    fine = _subprocess("fine", districts)
    ref = _subprocess("centroid", districts)
    print(_table(fine, ref))
    print(f"\nselected-site hash (fine): {fine['selected_sha']}")
    if not args.skip_sight:
        s = _subprocess("sight", None)
        print(
            f"\n## line of sight, {s['district']} ({s['n_cells']:,} D/E cells, "
            f"{s['n_buildings']:,} SYNTHETIC footprints, {s['n_candidates']:,} candidates, "
            f"{s['n_existing']:,} camera sites, {s['count']} sites)\n"
        )
        print("| | samples | time (s) | risk newly watched | gap |")
        print("|---|---|---|---|---|")
        for label, name in (("no_sight", "radius only"), ("sight", "line of sight")):
            r = s[label]
            print(
                f"| {name} | {r['n_demand']:,} | {r['seconds']:.1f} | {r['covered']:.2f} | "
                f"{r['gap_pct']:.2f} % |"
            )
        print(
            f"\n{s['samples_indoors']:,} samples indoors dropped; {s['pairs_blocked']:,} of "
            f"{s['pairs_tested']:,} (camera, sample) pairs blocked; peak {s['maxrss_mb']:,.0f} MB"
        )
    load_after = os.getloadavg()
    print(
        f"\nload average after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} "
        f"(2-core machine shared with other work)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
