"""Benchmark: our maximal covering (siting.solve_mclp) against PySAL spopt's MCLP.

Usage (from the repository root, with the project's environment)::

    python benchmarks/bench_mclp.py            # full run (~20 min), prints a Markdown table
    python benchmarks/bench_mclp.py --quick    # small instances only (~1 min)

spopt runs in its own environment, ``benchmarks/_envs/spopt`` (created here with
``python3 -m venv`` and ``pip install spopt pulp geopandas`` when missing), in a
subprocess per instance, with a 10-minute limit. Ours runs in a subprocess of
the current interpreter per instance and solver, so each peak memory figure
(``ru_maxrss``, MB) belongs to one run. Both receive the same seeded instances
(:mod:`instances`); times exclude making the instance: spopt's covers
``MCLP.from_geodataframe`` + ``solve`` (CBC shipped in PuLP's wheel), ours
``coverage_matrix`` + ``solve_mclp``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENV = HERE / "_envs" / "spopt"
SPOPT_LIMIT = 600.0
CACHE = HERE / "_work" / "spopt-results.json"

# (label, spec, run spopt?) — spec as accepted by instances.make_instance / seoul_wide.
WIFI = {"cell": 100.0, "radius": 200.0}
CCTV = {"cell": 25.0, "radius": 50.0}


def _grid(side: int, n_cand: int, count: int, setting: dict[str, float]) -> dict[str, Any]:
    return {"kind": "grid", "n_cells_side": side, "n_candidates": n_cand, "count": count, **setting}


INSTANCES: list[tuple[str, dict[str, Any], bool]] = [
    ("100 m cells, r 200 m", _grid(30, 360, 18, WIFI), True),
    ("100 m cells, r 200 m", _grid(50, 1000, 50, WIFI), True),
    ("100 m cells, r 200 m", _grid(70, 2000, 100, WIFI), True),
    ("100 m cells, r 200 m", _grid(100, 4000, 200, WIFI), True),
    ("100 m cells, r 200 m", _grid(140, 8000, 400, WIFI), True),
    ("25 m cells, r 50 m", _grid(60, 1500, 75, CCTV), True),
    ("25 m cells, r 50 m", _grid(80, 2500, 125, CCTV), True),
    ("100 m cells, r 200 m", _grid(250, 25_000, 1_250, WIFI), False),
    ("25 m cells, r 50 m", _grid(400, 64_000, 3_200, CCTV), False),
    ("Seoul-wide 25 m, r 50 m", {"kind": "seoul"}, False),
]
QUICK = [0, 1, 5]


def ensure_env() -> Path:
    """Create the spopt environment if missing; return its python."""
    py = ENV / "bin" / "python"
    if not py.exists():
        print(
            f"creating {ENV} (python3 -m venv; pip install spopt pulp geopandas)", file=sys.stderr
        )
        subprocess.run(["python3", "-m", "venv", str(ENV)], check=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "spopt", "pulp", "geopandas"], check=True
        )
    return py


def run_ours(spec: dict[str, Any], solver: str) -> dict[str, Any]:
    """Run in this process: coverage + solve; return figures (used by the subprocess)."""
    sys.path.insert(0, str(HERE))
    from instances import make_instance, seoul_wide

    from siting.coverage import coverage_matrix
    from siting.solvers import solve_mclp

    spec = dict(spec)
    kind = spec.pop("kind")
    inst = seoul_wide(**spec) if kind == "seoul" else make_instance(**spec)
    start = time.perf_counter()
    cover = coverage_matrix(inst.candidates_xy, inst.demand_xy, inst.radius)
    t_cover = time.perf_counter() - start
    sol = solve_mclp(cover, inst.weights, count=inst.count, solver=solver, time_limit=300.0)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cover_seconds": t_cover,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "objective": sol.covered_weight,
        "upper_bound": sol.upper_bound,
        "gap": sol.gap,
        "status": sol.status,
        "solver": sol.solver,
        "n_selected": sol.n_selected,
        "n_demand": int(inst.weights.shape[0]),
        "n_candidates": int(inst.candidates_xy.shape[0]),
        "count": inst.count,
        "nnz": int(cover.nnz),
    }


def _subprocess(cmd: list[str], timeout: float) -> dict[str, Any] | None:
    """Run one solve in its own process group; on time-out kill the group.

    Killing the group matters for spopt: PuLP starts CBC as a child process,
    which would otherwise keep a core busy after the Python side was stopped.
    """
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None
    out = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances only")
    parser.add_argument("--no-spopt", action="store_true", help="skip spopt")
    parser.add_argument(
        "--only", type=int, nargs="*", help="instance numbers to run, as printed in the # column"
    )
    parser.add_argument(
        "--reuse-spopt",
        action="store_true",
        help="reuse spopt figures saved by an earlier run (benchmarks/_work/spopt-results.json)",
    )
    parser.add_argument("--ours", help=argparse.SUPPRESS)  # internal: run one of ours
    parser.add_argument("--solver", default="greedy", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours:
        print(json.dumps(run_ours(json.loads(args.ours), args.solver)))
        return
    spopt_py = None if args.no_spopt else ensure_env()
    if args.only and not all(1 <= k <= len(INSTANCES) for k in args.only):
        parser.error(f"--only takes instance numbers 1 to {len(INSTANCES)}")
    chosen = (
        [k - 1 for k in args.only]
        if args.only
        else (QUICK if args.quick else range(len(INSTANCES)))
    )
    header = [
        "#",
        "instance",
        "demand × candidates",
        "p",
        "tool",
        "time (s)",
        "peak MB",
        "objective",
        "ratio to spopt opt.",
        "speed-up",
        "reported gap",
    ]
    lines = [_fmt_row(header), _fmt_row(["---"] * len(header))]
    started = time.perf_counter()
    cache: dict[str, Any] = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    for k in chosen:
        label, spec, with_spopt = INSTANCES[k]
        rows: list[list[str]] = []
        ref: dict[str, Any] | None = None
        key = json.dumps(spec, sort_keys=True)
        if with_spopt and spopt_py is not None:
            if args.reuse_spopt and key in cache:
                ref = cache[key]
            else:
                ref = _subprocess(
                    [str(spopt_py), str(HERE / "_spopt_run.py"), json.dumps(spec)],
                    SPOPT_LIMIT,
                )
                cache[key] = ref
                CACHE.parent.mkdir(exist_ok=True)
                CACHE.write_text(json.dumps(cache, indent=1))
        ours = {}
        for solver in ("greedy", "auto", "exact"):
            if solver == "exact" and not with_spopt:
                continue  # exact only where there is an optimum to compare with
            ours[solver] = _subprocess(
                [
                    sys.executable,
                    str(HERE / "bench_mclp.py"),
                    "--ours",
                    json.dumps(spec),
                    "--solver",
                    solver,
                ],
                900,
            )
        info = next((o for o in ours.values() if o and "n_demand" in o), None)
        size = f"{info['n_demand']:,} × {info['n_candidates']:,}" if info else "?"
        p = f"{info['count']:,}" if info else "?"
        opt = ref["objective"] if ref and "objective" in ref else None
        if with_spopt and spopt_py is not None:
            if ref is None:
                rows.append(["spopt MCLP (CBC)", f"> {SPOPT_LIMIT:.0f}", "", "", "", "", ""])
            elif "error" in ref:
                rows.append(["spopt MCLP (CBC)", "error", "", ref["error"][:60], "", "", ""])
            else:
                rows.append(
                    [
                        "spopt MCLP (CBC)",
                        f"{ref['seconds']:.2f}",
                        f"{ref['peak_mb']:.0f}",
                        f"{ref['objective']:.3f}",
                        "1",
                        "1",
                        ref["status"].lower(),
                    ]
                )
        for solver, res in ours.items():
            name = {
                "greedy": "ours greedy+swap",
                "auto": "ours auto",
                "exact": "ours exact (HiGHS)",
            }[solver]
            if res is None or "error" in res:
                rows.append([name, "failed" if res else "timeout", "", "", "", "", ""])
                continue
            ratio = f"{res['objective'] / opt:.5f}" if opt else "–"
            speed = f"{ref['seconds'] / res['seconds']:.0f}×" if opt and ref else "–"
            rows.append(
                [
                    name,
                    f"{res['seconds']:.2f}",
                    f"{res['peak_mb']:.0f}",
                    f"{res['objective']:.3f}",
                    ratio,
                    speed,
                    f"{100 * res['gap']:.3f} % ({res['status']})",
                ]
            )
        for row in rows:
            line = _fmt_row([str(k + 1), label, size, p, *row])
            lines.append(line)
            print(line, flush=True)
    print()
    print("\n".join(lines))
    print(
        f"\n{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}; total {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
