"""``siting map``: shareable offline HTML maps (districts, grid, equipment, proposals)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import Overwrite, print_written

map_app = typer.Typer(
    no_args_is_help=True,
    help="Self-contained HTML maps that open without internet (no CDN, no tiles unless given). "
    "Each map NAME.html is written with NAME_run.json (inputs with sha256, every setting, "
    "versions).",
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
        help="Basemap tile URL template with {z}/{x}/{y}, e.g. your city's tile server "
        "'https://gis.example.go.kr/tiles/{z}/{x}/{y}.png' or VWorld WMTS "
        "'https://api.vworld.kr/req/wmts/1.0.0/YOUR_KEY/Base/{z}/{y}/{x}.png' (note {y} before "
        "{x}). Default: no tiles; district boundaries are the basemap and the map says so.",
    ),
]
TilesAttribution = Annotated[
    str | None, typer.Option("--tiles-attribution", help="Attribution of the tiles.")
]
Title = Annotated[str | None, typer.Option(help="Map title.")]


def _done(path: Path) -> None:
    from maps.jobs import manifest_path

    print_written(path.parent, [path.name, manifest_path(path).name])


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
    from maps.jobs import write_district_map

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


@map_app.command("round")
def round_map_command(
    values: Annotated[
        Path,
        typer.Argument(
            help="Round table written by `siting score` (<program>_round.csv).",
            exists=True,
            dir_okay=False,
        ),
    ],
    out: OutFile,
    program: Annotated[
        str | None,
        typer.Option(help="Programme (cctv-new, cctv-replace, cctv-intelligent, wifi, pole)."),
    ] = None,
    criteria: Annotated[
        Path | None,
        typer.Option(help="Criteria TOML used for the round.", exists=True, dir_okay=False),
    ] = None,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """A scored round: total points as colour, funded / partly / not funded / ineligible drawn.

    Example:  siting map round out/score/cctv-new_round.csv --out round.html
    """
    from maps.jobs import write_round_map

    _done(
        write_round_map(
            values,
            out,
            program=program,
            criteria_path=criteria,
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
    from maps.jobs import write_grid_map

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
    device: Annotated[
        str | None,
        typer.Option(
            help="Device type (cctv, wifi, streetlight, security_light, pole); default from "
            "the file's kind. Needed only for a generic point file."
        ),
    ] = None,
    min_age: Annotated[
        int | None,
        typer.Option(help="Ageing threshold in years; default by device (CCTV 8, Wi-Fi 7).", min=5),
    ] = None,
    reference_year: Annotated[
        int | None, typer.Option(help="Year ages are measured at (default 2024).")
    ] = None,
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
    min_devices: Annotated[
        int,
        typer.Option(
            "--min-devices",
            help="k: cells with fewer devices are merged into 2×2 cells or suppressed "
            "(the map says how many).",
            min=1,
        ),
    ] = 3,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """Existing equipment by age class, counted per cell and district unless --exact-positions.

    Example:  siting map equipment wifi.csv --out wifi_age.html --cell-m 500
    """
    from layers.districts import CCTV_AS_OF_YEAR
    from maps.jobs import write_equipment_map

    _done(
        write_equipment_map(
            inventory,
            out,
            device=device,
            aged_min_age=min_age,
            reference_year=reference_year or CCTV_AS_OF_YEAR,
            exact_positions=exact_positions,
            cell_m=cell_m,
            min_devices=min_devices,
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
        typer.Argument(
            help="Proposal files (proposal.gpkg, proposals.csv, replacement.gpkg); one set each.",
            exists=True,
            dir_okay=False,
        ),
    ],
    out: OutFile,
    radius_m: Annotated[
        float, typer.Option(help="Radius (m) for rows without radius_m.", min=1.0)
    ] = 50.0,
    exact_positions: Annotated[
        bool,
        typer.Option(
            "--exact-positions",
            help="Show exact distances to and ids of existing devices (internal maps only); "
            "default: distance bands (50 m 이내 / 50–100 m / 100 m 이상).",
        ),
    ] = False,
    cluster_above: Annotated[
        int,
        typer.Option(
            help="Sets with more sites are clustered; replacement plans always are, off at "
            "opening.",
            min=1,
        ),
    ] = 500,
    title: Title = None,
    tiles: Tiles = None,
    tiles_attribution: TilesAttribution = None,
    overwrite: Overwrite = False,
) -> None:
    """Proposed sites: one layer per device and district, popups with lon/lat, 법정동 and why.

    Example:  siting map proposals out/propose/proposal.gpkg --out proposals.html
    """
    from maps.jobs import write_proposals_map

    _done(
        write_proposals_map(
            proposals,
            out,
            radius_m=radius_m,
            exact_positions=exact_positions,
            cluster_above=cluster_above,
            title=title,
            tiles_url=tiles,
            tiles_attribution=tiles_attribution,
            overwrite=overwrite,
        )
    )
