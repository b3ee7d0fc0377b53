"""Every README example under "Commands, with worked examples" runs, in order, as written.

The examples run with bash in a fresh folder holding a copy of the demo output
(``siting-demo/``, the demo the README's first example writes) and the shipped
samples (``layers/data/samples/``), with the project's ``siting`` first on PATH.
A block that cannot run unattended is skipped when it is tagged
``<!-- not-run -->`` on the line before it, or when its command is one of
:data:`NOT_RUNNABLE` (a server that runs until stopped).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _demo_run import DemoRun

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SECTION = "Commands, with worked examples"
#: Commands that do not end by themselves, or need a service account.
NOT_RUNNABLE = ("siting serve",)
_SKIP_TAG = "<!-- not-run -->"


def readme_blocks(text: str, section: str = SECTION) -> list[tuple[int, str]]:
    """The ```bash blocks of one ``##`` section, with their line numbers, skip-tagged ones out."""
    lines = text.splitlines()
    blocks: list[tuple[int, str]] = []
    inside = False
    current: list[str] | None = None
    skip = False
    start = 0
    for number, line in enumerate(lines, start=1):
        if current is None and line.startswith("## "):
            inside = line[3:].strip() == section
        elif inside and current is None and line.strip() == "```bash":
            current, start = [], number
            skip = number >= 2 and lines[number - 2].strip() == _SKIP_TAG
        elif current is not None and line.strip() == "```":
            if not skip:
                blocks.append((start, "\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return [(n, b) for n, b in blocks if not any(_commands_start(b, cmd) for cmd in NOT_RUNNABLE)]


def _commands_start(block: str, command: str) -> bool:
    joined = re.sub(r"\\\n\s*", " ", block)
    return any(line.strip().startswith(command) for line in joined.splitlines())


def test_block_extraction_skips_tagged_and_server_blocks() -> None:
    text = "\n".join(
        [
            "## Other", "```bash", "siting demo", "```",
            f"## {SECTION}", "```bash", "siting districts --out a \\", "  --overwrite", "```",
            "<!-- not-run -->", "```bash", "siting propose --huge", "```",
            "```bash", "siting serve --port 8000", "```",
            "```text", "not a command", "```",
            "## Next", "```bash", "siting demo", "```",
        ]
    )  # fmt: skip
    assert readme_blocks(text) == [(6, "siting districts --out a \\\n  --overwrite")]


@pytest.mark.slow
def test_every_readme_example_runs_in_order(demo_run: DemoRun, tmp_path: Path) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    assert blocks, f"no bash examples found under '## {SECTION}'"
    work = tmp_path / "clone"
    work.mkdir()
    shutil.copytree(demo_run.out, work / "siting-demo")
    (work / "layers" / "data").mkdir(parents=True)
    (work / "layers" / "data" / "samples").symlink_to(ROOT / "layers" / "data" / "samples")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "160",
    }
    for line, block in blocks:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        problems = [
            text for text in done.stderr.splitlines() if not text.startswith(("INFO", "DEBUG"))
        ]
        assert done.returncode == 0, (
            f"README.md line {line}: the example exited {done.returncode}\n{block}\n"
            f"--- stderr (without INFO lines) ---\n" + "\n".join(problems[-40:])
        )
        assert "Traceback" not in done.stderr, (line, done.stderr[-3000:])
