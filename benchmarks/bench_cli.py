"""How fast the command line answers: ``siting --help`` and ``--version`` next to ``import pandas``.

Each command runs ``--repeat`` times in a fresh process (the median is shown); the
reference is ``python -c "import pandas"`` on the same machine in the same run,
and an empty interpreter start (``python -c pass``) for scale. CPU time (user +
system, from ``RUSAGE_CHILDREN``) is shown too: on a busy machine it moves far less
than wall time.

Usage::

    python benchmarks/bench_cli.py            # 7 runs each, prints a Markdown table
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _siting() -> list[str]:
    script = Path(sys.executable).parent / "siting"
    return [str(script)] if script.exists() else [sys.executable, "-m", "siting.cli"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of fresh processes."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu = _cpu()
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = [
        ("python -c pass (interpreter start)", [sys.executable, "-c", "pass"]),
        ('python -c "import pandas" (reference)', [sys.executable, "-c", "import pandas"]),
        ("siting --help", [*_siting(), "--help"]),
        ("siting --version", [*_siting(), "--version"]),
        ("siting inspect --help", [*_siting(), "inspect", "--help"]),
    ]
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
        f"median of {args.repeat} fresh processes\n"
    )
    print("| command | wall time | CPU time |")
    print("|---|---:|---:|")
    for label, command in rows:
        wall, cpu = _time(command, args.repeat)
        print(f"| `{label}` | {wall:.2f} s | {cpu:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
