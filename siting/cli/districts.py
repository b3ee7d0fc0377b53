"""``siting districts``: write the district layer."""

from __future__ import annotations

from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import OutDir, Overwrite, print_table, print_written


@app.command()
def districts(
    out: OutDir,
    min_age: Annotated[
        int | None,
        typer.Option(
            help="CCTV ageing threshold in years (aged = age >= this; default 8, the 붙임8 rule).",
            min=1,
        ),
    ] = None,
    reference_year: Annotated[
        int | None,
        typer.Option(help="Year ages are measured at (default: the data's as-of year, 2024)."),
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Write Seoul's 25 districts with official statistics: districts.gpkg (layer
    'districts', EPSG:5186), districts.csv (UTF-8 with BOM) and run.json.

    Example:  siting districts --out out/districts --min-age 8
    """
    from layers.districts import CCTV_AS_OF_YEAR, DEFAULT_AGEING_MIN_AGE
    from siting.jobs import DISTRICT_SUMMARY_COLUMNS, write_district_layer

    layer, files = write_district_layer(
        out,
        min_age=DEFAULT_AGEING_MIN_AGE if min_age is None else min_age,
        reference_year=CCTV_AS_OF_YEAR if reference_year is None else reference_year,
        overwrite=overwrite,
    )
    print_table(layer, DISTRICT_SUMMARY_COLUMNS, title="Seoul districts (자치구)")
    print_written(out, files)
