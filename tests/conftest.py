"""Fixtures shared across test modules."""

from __future__ import annotations

import pytest
from _demo_run import DemoRun
from typer.testing import CliRunner

from siting.cli import app


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The full demo on the embedded Seoul default, run once per test session (~1 min)."""
    out = tmp_path_factory.mktemp("full-demo") / "siting-demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    return DemoRun(out, result.exit_code, result.output)
