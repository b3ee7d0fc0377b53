"""``siting grid``: build, summarise and import risk grids (취약격자)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import OutDir, Overwrite, print_table, print_written, stdout

grid_app = typer.Typer(
    no_args_is_help=True,
    help="Risk grids (취약격자): build from indicator layers, summarise per district, import.",
)
app.add_typer(grid_app, name="grid")

_COLUMNS = [
    "sig_cd",
    "name_ko",
    "cells_total",
    "cells_A",
    "cells_B",
    "cells_C",
    "cells_D",
    "cells_E",
    "vulnerable_cells",
]

Cells = Annotated[
    bool, typer.Option("--cells", help="Also write the cells as polygons (GeoPackage).")
]
Vulnerable = Annotated[
    list[str] | None,
    typer.Option("--vulnerable", help="A grade counted as vulnerable (repeat; default D and E)."),
]


@grid_app.command("build")
def build(
    config: Annotated[
        Path,
        typer.Option(
            "--config", "-c", help="TOML config of the grid.", exists=False, dir_okay=False
        ),
    ],
    out: OutDir,
    cells: Cells = False,
    overwrite: Overwrite = False,
) -> None:
    """Build a graded grid from the indicator layers a TOML config declares.

    Writes NAME.tif (band 1 score, band 2 grade 1=A … 5=E, EPSG:5186; NAME is the
    config's name), NAME_by_district.csv (cells by grade per district, D/E count),
    NAME_report.json, NAME.toml, NAME_cells.gpkg (with --cells) and run.json.

    Example:  siting grid build --config grid.toml --out out/grid
    """
    from layers.riskgrid import build_grid_outputs

    result = build_grid_outputs(config, out, overwrite=overwrite, cells=cells, progress=True)
    print_table(result.table, _COLUMNS, title=f"cells by grade per district ({result.grid_file})")
    learned = result.report.get("learned")
    if learned:
        stdout.print(learned["statement"])
    print_written(out, result.files)


@grid_app.command("summarize")
def summarize(
    grid: Annotated[Path, typer.Argument(help="A grid GeoTIFF written by `siting grid build`.")],
    vulnerable: Vulnerable = None,
) -> None:
    """Print a grid's cells by grade per district, with the vulnerable (D/E) count.

    Example:  siting grid summarize out/grid/seoul.tif
    """
    from layers.riskgrid import grade_counts_by_district

    table = grade_counts_by_district(grid, vulnerable_grades=vulnerable or ["D", "E"])
    print_table(table, _COLUMNS, title=f"cells by grade per district ({grid.name})")
    stdout.print(
        f"vulnerable ({''.join(table.attrs['vulnerable_grades'])}) cells in Seoul: "
        f"{int(table.vulnerable_cells.sum()):,}"
    )


@grid_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="Graded grid: GeoTIFF, or polygons with a grade column.")
    ],
    out: OutDir,
    grade_column: Annotated[
        str | None,
        typer.Option("--grade-column", help="Vector input: column with grades A..E or 1..5."),
    ] = None,
    score_column: Annotated[
        str | None, typer.Option("--score-column", help="Vector input: numeric score column.")
    ] = None,
    band: Annotated[
        int | None, typer.Option("--band", help="Raster input: the band holding grades 1..5.")
    ] = None,
    cell_size: Annotated[
        float | None,
        typer.Option("--cell-size", help="Cell size of the new grid in m (default: the source's)."),
    ] = None,
    vulnerable: Vulnerable = None,
    cells: Cells = False,
    overwrite: Overwrite = False,
) -> None:
    """Import a graded grid made elsewhere (any CRS, e.g. the 국가지점번호 grid in EPSG:5179).

    Each cell of the new EPSG:5186 grid takes the grade at its centroid; cells outside
    Seoul are dropped. Writes STEM_imported.tif, STEM_imported_by_district.csv,
    STEM_imported_report.json, STEM_imported_cells.gpkg (with --cells) and run.json,
    STEM being the input file's name without extension.

    Example:  siting grid import cells_5179.gpkg --grade-column grade --out out/imported
    """
    from layers.riskgrid import import_grid_outputs

    result = import_grid_outputs(
        file,
        out,
        grade_column=grade_column,
        score_column=score_column,
        band=band,
        cell_size=cell_size,
        vulnerable=vulnerable or ["D", "E"],
        overwrite=overwrite,
        cells=cells,
    )
    print_table(result.table, _COLUMNS, title=f"cells by grade per district ({result.grid_file})")
    print_written(out, result.files)
