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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from layers.output import run_manifest, staged_outputs, write_json
from layers.progress import track
from siting.demo._artifact import Artifact, Stage
from siting.demo.ageing import wifi_ageing_stage
from siting.demo.districts import cctv_ageing_stage, districts_stage
from siting.demo.grid import grid_stage
from siting.demo.maps import maps_stage
from siting.demo.proposals import proposals_stage
from siting.demo.scoring import scoring_stage

__all__ = ["DEMO_SEED", "STAGES", "Artifact", "DemoResult", "run_demo"]

log = logging.getLogger(__name__)

#: Seed of every synthetic input the demo generates.
DEMO_SEED = 20241231


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` produced."""

    out_dir: Path
    artifacts: list[Artifact]


#: The demo's stages, in order. Each later capability appends its own.
STAGES: list[tuple[str, Stage]] = [
    ("districts", districts_stage),
    ("cctv ageing", cctv_ageing_stage),
    ("wifi ageing", wifi_ageing_stage),
    ("risk grid", grid_stage),
    ("subsidy rounds", scoring_stage),
    ("siting proposals", proposals_stage),
    ("maps and index", maps_stage),
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
        context["artifacts"] = artifacts  # the final (index) stage links everything before it
        for name, run in track(STAGES, "demo", enabled=progress):
            log.info("demo stage: %s", name)
            artifacts.extend(run(stage, context))
        write_json([asdict(a) for a in artifacts], stage / "artifacts.json")
        write_json(
            run_manifest("demo", seed=seed, settings={"stages": [n for n, _ in STAGES]}),
            stage / "run.json",
        )
    return DemoResult(Path(out_dir), artifacts)
