"""``siting inspect``: say what a file is and what reading it would keep and drop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from layers.readers import KIND_LABELS, read_layer
from siting.cli._app import app
from siting.cli._common import print_table, stdout

KindOption = Annotated[
    str,
    typer.Option(
        "--kind", help="Dataset kind (default: recognised): auto, " + ", ".join(KIND_LABELS)
    ),
]
CrsOption = Annotated[
    str | None,
    typer.Option("--crs", help="CRS of the coordinates, e.g. EPSG:5181 (default: by value)."),
]


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="The file as downloaded.")],
    crs: CrsOption = None,
    kind: KindOption = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    repair: Annotated[
        bool, typer.Option("--repair", help="Repair invalid polygons (make_valid), counted.")
    ] = False,
) -> None:
    """Recognise a file: dataset kind, encoding, CRS, rows kept and dropped (with row
    numbers and reasons), swapped coordinates fixed, rows per district.

    Example:  siting inspect 서울시_공공와이파이.csv --json
    """
    read = read_layer(file, kind=kind, crs=crs, repair=repair)
    report = read.report
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for line in report.lines():
        stdout.print(line, markup=False, highlight=False)
    if report.by_district:
        counts = pd.DataFrame(
            {"district": list(report.by_district), "rows kept": list(report.by_district.values())}
        )
        print_table(counts, ["district", "rows kept"], title="rows per district")
