"""``siting districts``: write the district layer."""

from __future__ import annotations

from typing import Annotated

import typer

from layers.districts import CCTV_AS_OF_YEAR, DEFAULT_AGEING_MIN_AGE
from siting.cli._app import app
from siting.cli._common import OutDir, Overwrite, print_table, print_written
from siting.jobs import DISTRICT_SUMMARY_COLUMNS, write_district_layer


@app.command()
def districts(
    out: OutDir,
    min_age: Annotated[
        int, typer.Option(help="CCTV ageing threshold in years (aged = age >= this).", min=1)
    ] = DEFAULT_AGEING_MIN_AGE,
    reference_year: Annotated[
        int, typer.Option(help="Year ages are measured at (default: data as-of year).")
    ] = CCTV_AS_OF_YEAR,
    overwrite: Overwrite = False,
) -> None:
    """Write Seoul's 25 districts with official statistics (GeoPackage + CSV).

    Example:  siting districts --out out/districts --min-age 8
    """
    layer, files = write_district_layer(
        out, min_age=min_age, reference_year=reference_year, overwrite=overwrite
    )
    print_table(layer, DISTRICT_SUMMARY_COLUMNS, title="Seoul districts (자치구)")
    print_written(out, files)
