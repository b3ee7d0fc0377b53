"""Helpers of the publication tests: finished jobs planted in a service's store and data folder.

The artifacts are written by the library's own writers (:func:`siting.jobs_plan.write_plan`)
from a real :func:`siting.plan.plan_districts` run on SYNTHETIC seeded data, so the files
are what a ``plan`` job writes; only the job row is stored directly instead of running
the job through the executor (that path is covered by ``test_processes``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from fastapi import FastAPI

from service.models import Job, new_id, utcnow

#: Boxes wholly inside 성북구 and 종로구 (EPSG:5186, m).
ORIGINS = {"11290": (201_700.0, 555_200.0), "11110": (197_600.0, 553_400.0)}
#: The existing CCTV pole of the synthetic plan (id, EPSG:5186 x and y in m).
POLE = ("SYN-POLE-1", ORIGINS["11290"][0] + 300.0, ORIGINS["11290"][1] + 300.0)


def _round_table() -> pd.DataFrame:
    """A scored cctv-new round funding 성북구 and 종로구 (shaped like siting score's)."""
    rows = []
    for i, (code, name, share) in enumerate(
        [("11290", "성북구", 47_500_000), ("11110", "종로구", 30_001_000)], start=1
    ):
        rows.append(
            {
                "sig_cd": code,
                "name_ko": name,
                "priority": i,
                "requested_krw": 2 * share,
                "matching_secured_krw": share,
                "city_share_krw": share,
                "district_share_krw": share,
                "status": "funded",
            }
        )
    return pd.DataFrame(rows)


def synthetic_plan() -> Any:
    """A plan over 성북구 and 종로구 whose sites include one on an existing CCTV pole.

    SYNTHETIC, seeded: 40 demand points in each district, and four heavy ones 45 m around
    the pole, which only a site at the pole covers together.
    """
    from siting.candidates import fill_with_lattice, prepare_candidates, study_area
    from siting.demand import layer_demand
    from siting.plan import district_budgets, plan_districts
    from siting.site_capacity import CameraSiteModel

    rng = np.random.default_rng(3)
    frames = []
    for code, (x0, y0) in ORIGINS.items():
        xy = rng.uniform(0, 600, (40, 2))
        frames.append(
            gpd.GeoDataFrame(
                {"weight": rng.gamma(2.0, 1.0, 40).round(3), "sig_cd": code},
                geometry=gpd.points_from_xy(x0 + xy[:, 0], y0 + xy[:, 1]),
                crs="EPSG:5186",
            )
        )
    ring = np.array([(45.0, 0.0), (0.0, 45.0), (-45.0, 0.0), (0.0, -45.0)])  # m
    frames.append(
        gpd.GeoDataFrame(
            {"weight": [500.0] * len(ring), "sig_cd": "11290"},
            geometry=gpd.points_from_xy(POLE[1] + ring[:, 0], POLE[2] + ring[:, 1]),
            crs="EPSG:5186",
        )
    )
    demand = layer_demand(
        gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:5186"),
        name="SYNTHETIC demand",
    )
    area = study_area(list(ORIGINS))
    poles = gpd.GeoDataFrame(
        {"candidate_id": [POLE[0]], "existing_cameras": [1]},
        geometry=gpd.points_from_xy([POLE[1]], [POLE[2]]),
        crs="EPSG:5186",
    )
    model = CameraSiteModel()
    cset = prepare_candidates(poles, area, candidate_source="cctv_pole", site_model=model)
    cset = fill_with_lattice(
        cset, area, demand.xy(), spacing_m=50.0, reach_m=50.0, site_model=model
    )
    return plan_districts(
        district_budgets(_round_table()), cset, demand, device="cctv", propose_options={"seed": 1}
    )


def plant_job(
    app: FastAPI,
    owner_id: int,
    process: str,
    files: dict[str, bytes] | None = None,
    *,
    district: str | None = None,
    status: str = "successful",
) -> str:
    """Store a finished job with the given artifact files (name → bytes); its id.

    With ``process="plan"`` and no ``files``, the artifacts of :func:`synthetic_plan`
    are written by :func:`siting.jobs_plan.write_plan`.
    """
    settings = app.state.settings
    job_id = new_id()
    folder = Path(settings.data) / "jobs" / job_id
    folder.mkdir(parents=True)
    summary: dict[str, Any] = {}
    if files is None and process == "plan":
        from siting.jobs_plan import write_plan

        plan = synthetic_plan()
        names = write_plan(plan, folder)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    else:
        names = []
        for name, body in (files or {}).items():
            (folder / name).write_bytes(body)
            names.append(name)
    with app.state.store.session() as session:
        session.add(
            Job(
                id=job_id,
                process=process,
                inputs={"device": "cctv"},
                owner_id=owner_id,
                district=district,
                status=status,
                progress=100 if status == "successful" else 0,
                message="done" if status == "successful" else status,
                results={"summary": summary, "files": names} if status == "successful" else None,
                attempt=1,
                artifacts_dir=f"jobs/{job_id}" if status == "successful" else None,
                finished_at=utcnow(),
            )
        )
        session.commit()
    return job_id
