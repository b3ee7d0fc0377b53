"""``siting inspect``: say what a file is and what reading it would keep and drop."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import print_table, stdout

#: Dataset kinds the readers recognise (``layers.readers.KIND_LABELS``; a test keeps
#: the two lists equal). Listed here so that ``--help`` needs no reader import.
KINDS = (
    "cctv_by_year", "cctv_safety", "cctv_standard", "wifi", "wifi_openapi", "streetlight",
    "security_light", "fiscal_kosis", "points", "vector",
)  # fmt: skip

KindOption = Annotated[
    str,
    typer.Option("--kind", help="Dataset kind (default: recognised): auto, " + ", ".join(KINDS)),
]
CrsOption = Annotated[
    str | None,
    typer.Option("--crs", help="CRS of the coordinates, e.g. EPSG:5181 (default: by value)."),
]
IdColumnOption = Annotated[
    str | None,
    typer.Option(
        "--id-column",
        help="The identifier column, named as the key: its values must be unique. Without it "
        "an id-like column that repeats (district codes in 'id') is only reported.",
    ),
]


@contextmanager
def _collector_spared() -> Iterator[None]:
    """Import the readers with the cyclic garbage collector paused, and keep it off them.

    Importing pandas, pyproj and the readers makes many long-lived objects:
    the collector's passes during the imports, and every older-generation pass
    while a million rows are read, would walk them all, for no garbage. They
    are frozen (:func:`gc.freeze`) for the block and unfrozen after it, so
    nothing stays out of the collector's reach.
    """
    gc.disable()
    try:
        import layers.readers  # noqa: F401  (the imports, with no collector pass)
    finally:
        gc.enable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="The file as downloaded.")],
    crs: CrsOption = None,
    kind: KindOption = "auto",
    id_column: IdColumnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    repair: Annotated[
        bool, typer.Option("--repair", help="Repair invalid polygons (make_valid), counted.")
    ] = False,
) -> None:
    """Recognise a file: dataset kind, encoding, CRS, rows kept and dropped (with row
    numbers and reasons), swapped coordinates fixed, rows per district. Writes nothing.

    Only the columns the reader uses are loaded, so a national file of a million
    rows is inspected in seconds.

    Example:  siting inspect 서울시_공공와이파이.csv --json
    """
    import json

    with _collector_spared():
        from layers.readers import read_layer

        read = read_layer(
            file, kind=kind, crs=crs, repair=repair, id_column=id_column, keep_columns=False,
            geometry=False,
        )  # fmt: skip
    report = read.report
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    import pandas as pd

    for line in report.lines():
        stdout.print(line, markup=False, highlight=False)
    if report.by_district:
        counts = pd.DataFrame(
            {"district": list(report.by_district), "rows kept": list(report.by_district.values())}
        )
        print_table(counts, ["district", "rows kept"], title="rows per district")
