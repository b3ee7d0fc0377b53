"""Benchmark ``siting plan`` on the demo's cctv-new round against one citywide proposal.

What runs, each in its own subprocess (so peak memory is per variant):

* ``plan`` — :func:`siting.plan.plan_districts`: every funded district of the
  round, each on its own candidates and demand, in budget mode (city share +
  matching);
* ``citywide`` (the reference) — one :func:`siting.propose.propose` over the
  same districts with the summed budget: the same money without the
  per-district split, so it may move sites to where risk is densest.

Both use the demo risk grid's D/E cells sampled at the CCTV default (12.5 m),
the lattice within reach of demand, 4 cameras (20,000,000 KRW) a site,
minimum spacing 100 m and seed 0. The table gives wall and CPU seconds, peak
memory (``ru_maxrss``), sites, money spent and the D/E risk weight covered.

Usage::

    siting demo --out siting-demo
    python benchmarks/bench_plan.py --demo siting-demo
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from siting.candidates import CandidateSet
    from siting.demand import Demand


def _inputs(demo: Path) -> tuple[pd.DataFrame, Demand, CandidateSet]:
    from layers.riskgrid import read_grid
    from siting.candidates import fill_with_lattice, study_area
    from siting.demand import grid_demand, restrict_demand
    from siting.jobs_plan import read_round
    from siting.plan import district_budgets

    table, _, csv = read_round(demo / "scoring" / "cctv-new")
    budgets = district_budgets(table, layer=csv.name)
    codes = budgets["sig_cd"].tolist()
    cells = read_grid(demo / "grid" / "seoul_risk_grid_synthetic_100m.tif").cells(
        grades=["D", "E"], geometry="centroid"
    )
    demand = restrict_demand(grid_demand(cells), codes)
    cset = fill_with_lattice(
        None, study_area(codes), demand.xy(), spacing_m=50.0, reach_m=50.0 + 50.0 * 2**0.5
    )
    return budgets, demand, cset


def _variant(name: str, demo: Path) -> dict[str, object]:
    began, cpu = time.perf_counter(), time.process_time()
    budgets, demand, cset = _inputs(demo)
    options: dict[str, object] = {"min_spacing": 100.0, "seed": 0}
    if name == "plan":
        from siting.plan import plan_districts

        plan = plan_districts(budgets, cset, demand, propose_options=options)
        total = plan.table.iloc[-1]
        sites, spent, covered = (
            int(total["sites"]),
            float(total["spent_krw"]),
            float(total["covered_weight"]),
        )
        per = plan.table.iloc[:-1].set_index("name_ko")["sites"].to_dict()
        gap = float(plan.table["gap_pct"].iloc[:-1].max())
    else:
        from siting.propose import propose

        budget = float(budgets["budget_krw"].sum())
        result = propose("cctv", cset, demand, budget=budget, min_spacing=100.0, seed=0)
        sites, spent = int(result.summary["n_selected"]), float(result.summary["cost_krw"])
        covered = float(result.summary["covered_weight"])
        per = result.sites.groupby("name_ko").size().to_dict()
        gap = 100.0 * float(result.summary["gap"])
    return {
        "variant": name,
        "wall_s": round(time.perf_counter() - began, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "sites": sites,
        "spent_krw": spent,
        "covered_weight": round(covered, 2),
        "gap_pct": round(gap, 3),
        "per_district": {str(k): int(v) for k, v in per.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, required=True, help="output folder of siting demo")
    parser.add_argument("--variant", choices=["plan", "citywide"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(_variant(args.variant, args.demo), ensure_ascii=False))
        return
    rows = []
    for name in ("plan", "citywide"):
        out = subprocess.run(
            [sys.executable, __file__, "--demo", str(args.demo), "--variant", name],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        "| run | wall s | CPU s | peak MB | sites | spent KRW | D/E risk weight covered | gap % |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        label = (
            "siting plan (7 districts, each its budget)"
            if r["variant"] == "plan"
            else "reference: one citywide propose, summed budget"
        )
        print(
            f"| {label} | {r['wall_s']} | {r['cpu_s']} | {r['peak_mb']:,} | {r['sites']} | "
            f"{r['spent_krw']:,.0f} | {r['covered_weight']:,} | {r['gap_pct']} |"
        )
    print()
    print("sites per district:")
    for r in rows:
        print(f"  {r['variant']}: {r['per_district']}")


if __name__ == "__main__":
    main()
