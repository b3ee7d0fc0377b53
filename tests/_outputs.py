"""Comparing the output folders of two runs of a job (tests only)."""

from __future__ import annotations

import json
from pathlib import Path

#: Keys of summary.json that record wall-clock seconds (they legitimately differ).
TIMED = frozenset({"seconds", "seconds_total"})


def comparable_outputs(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` by name, ``summary.json`` without its wall-clock seconds."""
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    if "summary.json" in files:
        summary = json.loads(files.pop("summary.json"))
        files["summary.json"] = json.dumps(
            {k: v for k, v in summary.items() if k not in TIMED}, sort_keys=True
        ).encode()
    return files
