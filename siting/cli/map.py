"""``siting map``: shareable offline HTML maps (districts, grid, equipment, proposals)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from layers.districts import CCTV_AS_OF_YEAR
from maps.jobs import (
    write_district_map,
    write_equipment_map,
    write_grid_map,
    write_proposals_map,
)
from siting.cli._app import app
from siting.cli._common import Overwrite, print_written

map_app = typer.Typer(
    no_args_is_help=True,
    help="Self-contained HTML maps that open without internet (no CDN, no tiles unless given).",
)
app.add_typer(map_app, name="map")

OutFile = Annotated[
    Path,
    typer.Option("--out", "-o", help="Output .html file.", dir_okay=False),
]
Tiles = Annotated[
    str | None,
    typer.Option(
        "--tiles",
        help="Tile URL template of your own tile server ({z}/{x}/{y}); default: no tiles, "
        "district boundaries are the basemap.",
    ),
]
TilesAttribution = Annotated[
    str | None, typer.Option("--tiles-attribution", help="Attribution of the tiles.")
]
Title = Annotated[str | None, typer.Option(help="Map title.")]


def _done(path: Path) -> None:
    print_written(path.parent, [path.name])


@map_app.command("districts")
def districts_map(
    out: OutFile,
    column: Annotated[
        str, typer.Option(help="Numeric column to colour by.")
    ] = "cctv_ageing_ratio_pct",
    values: Annotated[
        Path | None,
        typer.Option(
            help="Per-district table with sig_cd (CSV/xlsx), e.g. a scored round.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    tooltip: Annotated[
        list[str] | None, typer.Option(help="Further columns shown on hover (repeatable).")
    ] = None,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """District choropleth of any score or allocation column.

    Example:  siting map districts --values out/score/round.csv --column total_points
    --tooltip priority --tooltip eligible --out scores.html
    """
    _done(
        write_district_map(
            out,
            column=column,
            values=values,
            tooltip_columns=tooltip or [],
            title=title,
            tiles_url=tiles,
            tiles_attribution=tiles_attribution,
            overwrite=overwrite,
        )
    )


@map_app.command("grid")
def grid_map_command(
    grid: Annotated[Path, typer.Argument(help="Risk-grid GeoTIFF.", exists=True, dir_okay=False)],
    out: OutFile,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """Risk grid (grades A–E and score) as an image overlay over the districts.

    Example:  siting map grid out/grid/risk_grid.tif --out grid.html
    """
    _done(
        write_grid_map(
            grid,
            out,
            title=title,
            tiles_url=tiles,
            tiles_attribution=tiles_attribution,
            overwrite=overwrite,
        )
    )


@map_app.command("equipment")
def equipment_map_command(
    inventory: Annotated[
        Path, typer.Argument(help="Equipment inventory file.", exists=True, dir_okay=False)
    ],
    out: OutFile,
    device: Annotated[str, typer.Option(help="Device name in labels.")] = "CCTV",
    min_age: Annotated[
        int, typer.Option(help="Ageing threshold in years (8 CCTV, 7 Wi-Fi).", min=5)
    ] = 8,
    reference_year: Annotated[int, typer.Option(help="Year ages are measured at.")] = (
        CCTV_AS_OF_YEAR
    ),
    exact_positions: Annotated[
        bool,
        typer.Option(
            "--exact-positions",
            help="Show every site. Off by default: shared maps must not reveal camera "
            "positions; the setting is printed on the map.",
        ),
    ] = False,
    cell_m: Annotated[
        float, typer.Option(help="Aggregation cell side in metres.", min=100.0)
    ] = 500.0,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """Existing equipment by age class, counted per cell and district unless --exact-positions.

    Example:  siting map equipment cctv.csv --out cctv_age.html --cell-m 500
    """
    _done(
        write_equipment_map(
            inventory,
            out,
            device_label=device,
            aged_min_age=min_age,
            reference_year=reference_year,
            exact_positions=exact_positions,
            cell_m=cell_m,
            title=title,
            tiles_url=tiles,
            tiles_attribution=tiles_attribution,
            overwrite=overwrite,
        )
    )


@map_app.command("proposals")
def proposals_map_command(
    proposals: Annotated[
        list[Path],
        typer.Argument(help="Proposal files (one layer each).", exists=True, dir_okay=False),
    ],
    out: OutFile,
    radius_m: Annotated[
        float, typer.Option(help="Radius (m) for rows without radius_m.", min=1.0)
    ] = 50.0,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """Proposed sites with coverage circles in metres and popups saying why.

    Example:  siting map proposals out/propose/proposals.gpkg --out proposals.html
    """
    _done(
        write_proposals_map(
            proposals,
            out,
            radius_m=radius_m,
            title=title,
            tiles_url=tiles,
            tiles_attribution=tiles_attribution,
            overwrite=overwrite,
        )
    )
