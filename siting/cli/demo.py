"""``siting demo``: run the whole product on the embedded Seoul default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import Overwrite, print_written

#: Seed of the demo's synthetic inputs (``siting.demo.DEMO_SEED``; a test keeps them equal).
DEMO_SEED = 20241231


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder.", file_okay=False)
    ] = Path("siting-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic inputs.")] = DEMO_SEED,
    overwrite: Overwrite = False,
) -> None:
    """Run every stage of the product on Seoul's bundled data and write all outputs.

    Writes index.html (start here: every output grouped by task, in Korean first),
    artifacts.json (the same list), run.json, and the folders districts/, ageing/,
    grid/, scoring/, proposals/, maps/ and inputs/ (synthetic inputs, marked).

    Example:  siting demo --out siting-demo --overwrite
    """
    from siting.demo import run_demo

    result = run_demo(out, overwrite=overwrite, seed=seed, progress=True)
    print_written(result.out_dir, [a.path for a in result.artifacts])
