"""The result of one real ``siting demo`` run, shared by the tests that read the demo's output.

It lives outside ``conftest.py`` because ``tests/service/conftest.py`` shares that module name:
``from conftest import ...`` would resolve to whichever conftest pytest loaded first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoRun:
    """One real run of ``siting demo`` through the CLI."""

    out: Path
    exit_code: int
    output: str
