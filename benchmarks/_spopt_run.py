"""Run PySAL spopt's MCLP on one benchmark instance (runs inside benchmarks/_envs/spopt).

Usage: ``python _spopt_run.py '<json instance spec>'``; prints one JSON line with
the seconds spent in ``MCLP.from_geodataframe`` + ``solve`` (CBC via PuLP), the
peak memory of this process and of the CBC child (MB), the chosen facilities
and their covered weight recomputed from the coordinates.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instances import make_instance, seoul_wide


def main() -> None:
    spec = json.loads(sys.argv[1])
    kind = spec.pop("kind")
    inst = seoul_wide(**spec) if kind == "seoul" else make_instance(**spec)

    import geopandas as gpd
    import pulp
    from spopt.locate import MCLP

    demand = gpd.GeoDataFrame(
        {"weight": inst.weights, "did": np.arange(inst.weights.shape[0])},
        geometry=gpd.points_from_xy(inst.demand_xy[:, 0], inst.demand_xy[:, 1]),
        crs="EPSG:5186",
    )
    fac = gpd.GeoDataFrame(
        {"fid": np.arange(inst.candidates_xy.shape[0])},
        geometry=gpd.points_from_xy(inst.candidates_xy[:, 0], inst.candidates_xy[:, 1]),
        crs="EPSG:5186",
    )
    start = time.perf_counter()
    model = MCLP.from_geodataframe(
        demand,
        fac,
        "geometry",
        "geometry",
        "weight",
        service_radius=inst.radius,
        p_facilities=inst.count,
    )
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds = time.perf_counter() - start
    chosen = np.asarray(
        [j for j, var in enumerate(model.fac_vars) if var.value() is not None and var.value() > 0.5]
    )
    covered = np.zeros(inst.weights.shape[0], dtype=bool)
    for j in chosen.tolist():
        d2 = ((inst.demand_xy - inst.candidates_xy[j]) ** 2).sum(axis=1)
        covered |= d2 <= inst.radius**2
    out = {
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "objective": float(inst.weights[covered].sum()),
        "solver_objective": float(pulp.value(model.problem.objective)),
        "status": pulp.LpStatus[model.problem.status],
        "n_selected": int(chosen.shape[0]),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
