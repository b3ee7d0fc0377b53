"""The real ``propose`` process with a test hand on its progress points (tests only).

Importing this module re-registers ``propose`` (in a test server's own process,
see ``_server.ServerProcess(extra_imports=...)``) with the same inputs, running
the same :func:`service.processes.run_propose_process`, under a reporter that
passes every progress point on to the job's own reporter and then:

- ``lockstep`` (file ``hand.txt`` in the data folder): waits until the test has
  seen (``seen.txt``) a job status whose progress is at least the point's
  percentage, so a test polling the status observes every stage of the job;
- ``gate F``: at the first point at or past fraction ``F``, waits for the file
  ``gate`` (the test dismisses the job, then creates it), then lets
  :data:`service.jobs.PROGRESS_S` pass so that the next point talks to the store.
  Every point reached after the gate is appended to ``after.txt``.

Waits are bounded in polls (:data:`WAITS`), never endless.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from layers.progress import current_reporter, reporting
from service.jobs import PROGRESS_S, JobContext
from service.processes import get_process, register, run_propose_process

#: Polls (0.05 s apart) a test hand waits for the test before going on anyway.
WAITS = 2400


def _wait_for(done: Any) -> None:
    for _ in range(WAITS):
        if done():
            return
        time.sleep(0.05)


def _seen(path: Path) -> int:
    try:
        return int(path.read_text(encoding="utf-8") or 0)
    except (FileNotFoundError, ValueError):
        return -1


def run_with_hand(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``run_propose_process`` under the test hand ``hand.txt`` names."""
    inner = current_reporter()
    assert inner is not None, "the service runs every job under a reporter"
    data = Path(ctx.data_dir)
    seen, gate, after = data / "seen.txt", data / "gate", data / "after.txt"
    mode = (data / "hand.txt").read_text(encoding="utf-8").split()
    opened = False

    def hand(fraction: float, message: str) -> None:
        nonlocal opened
        if opened:
            with after.open("a", encoding="utf-8") as out:
                out.write(f"{fraction:.4f} {message}\n")
        inner(fraction, message)
        if mode[0] == "lockstep":
            want = min(99, int(fraction * 100))
            _wait_for(lambda: _seen(seen) >= want)
        elif not opened and fraction >= float(mode[1]):
            _wait_for(gate.exists)
            time.sleep(PROGRESS_S)  # the next point's store check is then due
            opened = True

    with reporting(hand):
        return run_propose_process(ctx, inputs)


register(dataclasses.replace(get_process("propose"), run=run_with_hand))
