"""``siting ageing``: aged devices per district from an equipment file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import Overwrite, print_table, print_written, stdout
from siting.cli.inspect import CrsOption, IdColumnOption, KindOption

#: Device types ``layers.inventory.DEVICE_TYPES`` knows (a test keeps them equal).
DEVICE_TYPES = ("cctv", "wifi", "streetlight", "security_light", "pole")

_SHORT = {
    "devices_known_year": "known year",
    "devices_unknown_year": "unknown year",
    "devices_aged": "aged",
    "ageing_ratio_pct": "aged %",
}


@app.command()
def ageing(
    file: Annotated[Path, typer.Argument(help="Equipment file (안심이 CCTV, 공공와이파이, …).")],
    device: Annotated[
        str | None,
        typer.Option(
            "--device",
            help="Device type: " + ", ".join(DEVICE_TYPES) + " (default: from the dataset).",
        ),
    ] = None,
    min_age: Annotated[
        int | None,
        typer.Option(
            "--min-age",
            min=0,
            help="Aged when age >= this many years (default: cctv 8, wifi 7, others 10).",
        ),
    ] = None,
    reference_year: Annotated[
        int | None,
        typer.Option(help="Year ages are measured at (default: the data's as-of year)."),
    ] = None,
    crs: CrsOption = None,
    kind: KindOption = "auto",
    id_column: IdColumnOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write DEVICE_ageing_by_district.csv, DEVICE_ageing_by_district_read_report.json "
            "and run.json here.",
            file_okay=False,
        ),
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Per-district ageing ratio of any device type (aged / devices with a known install year).

    With --out it writes DEVICE_ageing_by_district.csv (e.g. wifi_ageing_by_district.csv),
    DEVICE_ageing_by_district_read_report.json and run.json.

    Example:  siting ageing --device wifi --min-age 7 --out out/wifi 서울시_공공와이파이.csv
    """
    from layers.inventory import AGEING_SUMMARY_COLUMNS
    from siting.jobs_ageing import run_ageing

    run = run_ageing(
        file,
        device=device,
        min_age=min_age,
        reference_year=reference_year,
        kind=kind,
        crs=crs,
        id_column=id_column,
        out=out,
        overwrite=overwrite,
    )
    table, read = run.table, run.read
    attrs = table.attrs
    title = (
        f"{attrs['device_type']} ageing by district: aged = age >= {attrs['min_age_years']} "
        f"years at {attrs['reference_year']} ({attrs['reference_year_source']})"
    )
    shown = table[AGEING_SUMMARY_COLUMNS].rename(columns=_SHORT)
    print_table(shown, list(shown.columns), title=title)
    stdout.print(
        f"read {read.report.rows_read:,} rows, kept {read.report.rows_kept:,}, dropped "
        f"{read.report.rows_dropped:,}, swapped fixed {read.report.swapped_rows:,} "
        "(siting inspect FILE for details); ratio denominator: devices with a known install year",
        highlight=False,
    )
    if out is not None:
        print_written(out, run.files)
