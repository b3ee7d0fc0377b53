"""``siting serve``: the planning service (HTTP API) on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from siting.cli._app import app

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Data folder: embedded SQLite store and artifacts (default ./siting-data; "
        "env SITING_DATA).",
        file_okay=False,
    ),
]
Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL instead of the embedded store, e.g. "
        "postgresql://siting@dbhost/siting (PostgreSQL with PostGIS; env SITING_DATABASE).",
    ),
]


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help="Interface to bind (default 127.0.0.1: this machine only; 0.0.0.0 opens it "
            "to the network).",
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="TCP port (default 8000).", min=1, max=65535)
    ] = None,
    data: DataDir = None,
    database: Database = None,
    executor: Annotated[
        str | None,
        typer.Option(
            "--executor",
            help="'local' (worker processes here, default) or a Dask scheduler address "
            "such as tcp://scheduler:8786.",
        ),
    ] = None,
) -> None:
    """Start the planning service (HTTP API, OGC API – Processes and Features).

    Example:

        siting serve --data siting-data

        siting users add admin --role city --data siting-data

    then open http://127.0.0.1:8000/docs, or add http://127.0.0.1:8000/ in QGIS as an
    "OGC API – Features" connection.
    """
    import uvicorn

    from service.app import create_app
    from service.settings import Settings

    overrides: dict[str, Any] = {
        k: v
        for k, v in {
            "host": host,
            "port": port,
            "data": data,
            "database": database,
            "executor": executor,
        }.items()
        if v is not None
    }
    settings = Settings(**overrides)
    application = create_app(settings)
    typer.echo(
        f"siting service on http://{settings.host}:{settings.port}/ "
        f"(store: {application.state.store.dialect}, data: {settings.data.resolve()})",
        err=True,
    )
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="info")
