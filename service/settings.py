"""Service settings: command-line options, ``SITING_*`` environment variables, defaults.

Secure defaults: the service binds loopback only (127.0.0.1); an administrator
opens it to the network on purpose with ``--host 0.0.0.0`` (or ``SITING_HOST``).

Examples
--------
>>> s = Settings(data="siting-data")
>>> s.database_url().startswith("sqlite:///")
True
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

#: Default upload limit (bytes): 200 MiB, enough for a city-wide GeoTIFF or GPKG.
DEFAULT_UPLOAD_LIMIT = 200 * 1024 * 1024


class Settings(BaseSettings):
    """Everything the service needs to start.

    Attributes
    ----------
    host : str
        Interface to bind (``127.0.0.1``: this machine only).
    port : int
        TCP port (8000).
    data : Path
        The data folder: the embedded SQLite database ``siting.sqlite`` and the
        ``uploads/``, ``jobs/`` and ``rounds/`` artifact folders.
    database : str, optional
        SQLAlchemy URL; ``postgresql://user@host/db`` selects PostgreSQL + PostGIS.
        Default: ``sqlite:///<data>/siting.sqlite``.
    upload_limit : int
        Largest accepted upload (bytes); larger ones get 413.
    executor : str
        ``local`` (worker processes on this machine) or a Dask scheduler address
        (``tcp://scheduler:8786``).
    workers : int
        Worker processes of the local executor.
    tile_url : str, optional
        Tile URL template of the city's own tile server for web maps
        (``https://tiles.city.local/{z}/{x}/{y}.png``); none by default, so no
        request leaves the network.
    job_attempts : int
        Times a job is started before it is marked failed when its worker dies
        (``SITING_JOB_ATTEMPTS``; 2: one retry after a crash or a restart).
    run_migrations : bool
        Upgrade the database schema at start-up (True).
    dong_boundaries : Path, optional
        The installation's 행정동 boundary file (``SITING_DONG_BOUNDARIES``;
        GeoPackage, Shapefile or GeoJSON with ADM_CD/ADM_NM-like columns):
        proposed sites are then named by 행정동 and its code instead of the
        bundled 법정동 (:mod:`layers.dong_boundaries`). Jobs read the
        environment variable itself in the process that runs them: local
        worker processes inherit it from the service; on a Dask cluster set it
        on every worker. ``siting serve`` checks the file at start (exit 2 when
        it cannot be used); ``siting --dong-boundaries FILE serve`` also sets
        the variable. Blank: the bundled 법정동.
    """

    model_config = SettingsConfigDict(env_prefix="SITING_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data: Path = Path("siting-data")
    database: str | None = None
    upload_limit: int = Field(default=DEFAULT_UPLOAD_LIMIT, gt=0)
    executor: str = "local"
    workers: int = Field(default=2, ge=1)
    tile_url: str | None = None
    job_attempts: int = Field(default=2, ge=1)
    run_migrations: bool = True
    dong_boundaries: Path | None = None

    @field_validator("dong_boundaries", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """``SITING_DONG_BOUNDARIES=""`` means no 행정동 file (the bundled 법정동)."""
        return None if isinstance(value, str) and not value.strip() else value

    def database_url(self) -> str:
        """The SQLAlchemy URL of the store (SQLite in the data folder by default)."""
        if self.database:
            return self.database
        return f"sqlite:///{(self.data / 'siting.sqlite').resolve().as_posix()}"

    @property
    def uploads_dir(self) -> Path:
        """Folder of uploaded files (``<data>/uploads``)."""
        return self.data / "uploads"

    @property
    def jobs_dir(self) -> Path:
        """Folder of job artifacts (``<data>/jobs/<job id>``)."""
        return self.data / "jobs"

    @property
    def rounds_dir(self) -> Path:
        """Folder of round result versions (``<data>/rounds/<round id>/v<version>``)."""
        return self.data / "rounds"
