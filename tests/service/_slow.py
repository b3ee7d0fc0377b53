"""A test-only process that works in bounded steps, slowly enough to be killed mid-job.

Importing this module registers ``test-slow`` (never registered by the service itself).
Each step writes one part file and reports progress; the last writes ``manifest.json``
listing every part, so a test can tell complete artifacts from partial ones.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from pydantic import Field

from service.jobs import JobContext
from service.processes import InputSpec, Process, register


def run_slow(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Write ``steps`` part files, ``pause`` seconds apart, then a manifest."""
    steps, pause = int(inputs["steps"]), float(inputs["pause"])
    files = []
    for i in range(steps):
        name = f"part-{i:03d}.txt"
        (ctx.out_dir / name).write_text(f"step {i} of {steps}\n", encoding="utf-8")
        files.append(name)
        ctx.progress(int(100 * (i + 1) / steps), f"step {i + 1} of {steps}")
        time.sleep(pause)
    (ctx.out_dir / "manifest.json").write_text(json.dumps(files), encoding="utf-8")
    return {"steps": steps}, [*files, "manifest.json"]


register(
    Process(
        "test-slow",
        "Slow test process",
        "Writes one file per step (tests only).",
        {
            "steps": InputSpec(Annotated[int, Field(ge=1, le=1000)], "steps", 40),
            "pause": InputSpec(Annotated[float, Field(ge=0, le=5)], "seconds per step", 0.25),
        },
        run_slow,
        roles=("city",),
    )
)
