"""Benchmark: how counting existing CCTV sites by their cameras changes where new sites go.

Usage (from the repository root, with the project's environment)::

    python benchmarks/bench_existing_cover.py            # Seoul-wide, 2,000 new sites
    python benchmarks/bench_existing_cover.py --quick    # a 4-district cut

One instance, two models of existing coverage (:mod:`siting.existing_cover`):

* **disc (reference)** — the earlier model: an existing site watches its
  whole 50 m disc whatever its camera count;
* **cameras** — the default: a site with ``n`` cameras of 90° (directions
  unknown) watches ``min(1, n × 90° / 360°)`` of its disc; sites combine as
  ``1 − Π(1 − share)``.

The instance is the one of ``bench_street.py``: every D/E cell of the demo's
100 m risk grid (seed 0; SYNTHETIC incidents) as 8 × 8 samples at 12.5 m,
200,000 SYNTHETIC candidate sites, 2,000 new sites (4 cameras each, a whole
disc), radius 50 m. Existing CCTV: the same 113,000 cameras as
``bench_street.py`` grouped into SYNTHETIC sites of 1–6 cameras (seeded,
uniform; Seoul's real mix is not public per pole, the 2023 programme averaged
3.7 a site). No real camera position is used.

Each model chooses its 2,000 sites (same solver, seed and work bound); then
both site sets are scored under both models, so the table shows how many
sites move and how much D/E area the disc model's choice leaves unwatched when
single-camera poles watch only a quarter of their disc. Times are wall-clock
on this machine, one run (other work was running: see the load averages).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 0
N_CAMERAS = 113_000
N_SITES = 2_000
RADIUS = 50.0
SPACING = 12.5
FOV_DEG = 90.0
MODELS = ("disc", "cameras")


def _existing_sites(grid: Any, districts_box: Any) -> tuple[Any, Any]:
    """SYNTHETIC existing sites (xy, cameras): ~113,000 cameras in sites of 1–6 cameras."""
    import numpy as np
    from bench_street import _synthetic_points

    rng = np.random.default_rng(SEED + 3)
    cameras = rng.integers(1, 7, size=N_CAMERAS)  # more than enough sites; cut at N_CAMERAS
    n_sites = int(np.searchsorted(np.cumsum(cameras), N_CAMERAS)) + 1
    cameras = cameras[:n_sites]
    xy = _synthetic_points(grid, n_sites, SEED + 2, weighted=True)
    if districts_box is not None:
        keep = districts_box(xy)
        xy, cameras = xy[keep], cameras[keep]
    return xy, cameras


def run(districts: list[str] | None) -> dict[str, Any]:
    """Both models on one instance; returns the figures."""
    import numpy as np
    import pandas as pd
    from bench_street import _inputs, _sha

    from siting.coverage import coverage_matrix, uncovered_weights, unwatched_share
    from siting.existing_cover import existing_shares
    from siting.sampling import sample_cells
    from siting.solvers import solve_mclp

    data = _inputs(districts)
    box = None
    if districts:
        x0, y0, x1, y1 = data["cells"].total_bounds

        def box(xy: Any) -> Any:
            return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)

    exy, cams = _existing_sites(data["grid"], box)
    count = N_SITES if not districts else max(20, N_SITES * len(data["cells"]) // 24_166)
    fine = sample_cells(data["centres"], data["grid"].cell_size, data["scores"], SPACING)
    t0 = time.perf_counter()
    cover = coverage_matrix(data["candidates"], fine.xy, RADIUS)
    existing_cover = coverage_matrix(exy, fine.xy, RADIUS)
    t_cover = time.perf_counter() - t0
    devices = pd.DataFrame({"n_devices": cams})
    out: dict[str, Any] = {
        "n_samples": len(fine),
        "n_candidates": int(cover.shape[0]),
        "n_sites_existing": int(exy.shape[0]),
        "n_cameras_existing": int(cams.sum()),
        "sites_by_cameras": {str(k): int(v) for k, v in zip(*np.unique(cams, return_counts=True), strict=True)},
        "count": count,
        "t_cover": t_cover,
        "total_area_m2": float(fine.measure.sum()),
        "total_weight": float(fine.weight.sum()),
    }  # fmt: skip
    residual: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    for model in MODELS:
        t1 = time.perf_counter()
        shares, report = existing_shares(
            devices, None, service="cctv", model=model, fov_deg=FOV_DEG
        )
        residual[model] = uncovered_weights(fine.weight, existing_cover, partial_credit=shares)
        left = unwatched_share(existing_cover, shares)
        t_existing = time.perf_counter() - t1
        sol = solve_mclp(cover, residual[model], count=count, seed=SEED, solver="auto")
        chosen[model] = sol
        out[model] = {
            "interpretation": report["interpretation"],
            "existing_area_m2": float((fine.measure * (1.0 - left)).sum()),
            "existing_weight": float(fine.weight.sum() - residual[model].sum()),
            "t_existing": t_existing,
            "t_solve": sol.seconds,
            "gap_pct": 100 * sol.gap,
            "bound_method": sol.bound_method,
            "status": sol.status,
            "stopped_by_time_limit": sol.stopped_by_time_limit,
            "n_selected": int(sol.n_selected),
            "selected_sha": _sha(sol.selected),
            "unwatched_share": left,
        }
    # score every site set under every model: risk and D/E area newly watched
    for picked_by in MODELS:
        reached = np.zeros(cover.shape[1], dtype=bool)
        reached[cover[chosen[picked_by].selected].indices] = True
        for scored_by in MODELS:
            left = out[scored_by]["unwatched_share"]
            out[picked_by][f"area_m2_under_{scored_by}"] = float(
                (fine.measure * left)[reached].sum()
            )
            out[picked_by][f"weight_under_{scored_by}"] = float(residual[scored_by][reached].sum())
    a, b = (set(chosen[m].selected.tolist()) for m in MODELS)
    out["moved"] = len(a - b)
    # new sites next to single-camera sites: the pole within the new site's radius
    from scipy.spatial import cKDTree

    single = cKDTree(exy[cams == 1])
    for model in MODELS:
        xy = data["candidates"][chosen[model].selected]
        dist, _ = single.query(xy, k=1)
        out[model]["near_single_50"] = int((dist <= RADIUS).sum())
        out[model]["near_single_100"] = int((dist <= 2 * RADIUS).sum())
        out[model].pop("unwatched_share")
    return out


def _table(r: dict[str, Any]) -> str:
    d, c = r["disc"], r["cameras"]
    km2 = 1e6
    rows = [
        ("D/E area watched by existing sites (km²)", f"{d['existing_area_m2'] / km2:.2f}", f"{c['existing_area_m2'] / km2:.2f}"),
        ("D/E risk watched by existing sites (% of all)", f"{100 * d['existing_weight'] / r['total_weight']:.1f} %", f"{100 * c['existing_weight'] / r['total_weight']:.1f} %"),
        ("new sites within 50 m / 100 m of a 1-camera site", f"{d['near_single_50']:,} / {d['near_single_100']:,}", f"{c['near_single_50']:,} / {c['near_single_100']:,}"),
        ("D/E area newly watched, counted by cameras (km²)", f"{d['area_m2_under_cameras'] / km2:.2f}", f"{c['area_m2_under_cameras'] / km2:.2f}"),
        ("D/E area newly watched, counted by disc (km²)", f"{d['area_m2_under_disc'] / km2:.2f}", f"{c['area_m2_under_disc'] / km2:.2f}"),
        ("D/E risk newly watched, counted by cameras", f"{d['weight_under_cameras']:,.1f}", f"{c['weight_under_cameras']:,.1f}"),
        ("D/E risk newly watched, counted by disc", f"{d['weight_under_disc']:,.1f}", f"{c['weight_under_disc']:,.1f}"),
        ("proven gap (own model)", f"{d['gap_pct']:.2f} % ({d['bound_method']})", f"{c['gap_pct']:.2f} % ({c['bound_method']})"),
        ("stopped by time limit", str(d["stopped_by_time_limit"]), str(c["stopped_by_time_limit"])),
        ("time: existing residual + solve (s)", f"{d['t_existing']:.1f} + {d['t_solve']:.1f}", f"{c['t_existing']:.1f} + {c['t_solve']:.1f}"),
        ("selected-site hash", d["selected_sha"], c["selected_sha"]),
    ]  # fmt: skip
    lines = [
        "| | disc model (reference: earlier default) | camera model (default) |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c_} |" for a, b, c_ in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 districts instead of Seoul")
    args = parser.parse_args()
    districts = ["노원구", "도봉구", "강북구", "성북구"] if args.quick else None
    from bench_street import _grid_path

    _grid_path()
    load = os.getloadavg()
    print(
        f"# bench_existing_cover — {platform.node()}, {os.cpu_count()} CPUs, python "
        f"{platform.python_version()}; load average before {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}",
        flush=True,
    )
    print(
        "SYNTHETIC data: demo risk grid (seed 0), seeded candidates, existing sites of 1–6 "
        "cameras.\n"
    )
    t0 = time.perf_counter()
    r = run(districts)
    print(
        f"{'4 districts' if districts else 'Seoul'}: {r['n_samples']:,} demand samples (12.5 m, "
        f"{r['total_area_m2'] / 1e6:.1f} km² of D/E cells), {r['n_candidates']:,} candidates, "
        f"{r['n_sites_existing']:,} existing sites with {r['n_cameras_existing']:,} cameras "
        f"(sites by cameras: {json.dumps(r['sites_by_cameras'])}), {r['count']:,} new sites; "
        f"coverage matrices {r['t_cover']:.1f} s.\n"
    )
    print(_table(r))
    print(
        f"\n{r['moved']:,} of {r['count']:,} new sites move when existing sites are counted by "
        f"their cameras (chosen by one model, not the other)."
    )
    print(r["cameras"]["interpretation"])
    load = os.getloadavg()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\ntotal {time.perf_counter() - t0:.1f} s, peak {peak:,.0f} MB; load average after "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2-core machine shared with other work)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    main()
