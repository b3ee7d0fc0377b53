"""The store: engine, sessions, migrations, on embedded SQLite or PostgreSQL + PostGIS.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the
server's request threads and its worker processes can share one file.
``postgresql://`` URLs are served by psycopg 3.

Examples
--------
>>> from layers.errors import ConfigError
from service.settings import Settings
>>> store = Store.open(Settings(data=tmp_path))  # doctest: +SKIP
>>> with store.session() as session:  # doctest: +SKIP
...     session.execute(text("select 1"))
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

from layers.errors import ConfigError
from service.settings import Settings

__all__ = [
    "Store",
    "get_session",
    "get_store",
    "make_engine",
    "normalise_url",
    "route_session",
    "upgrade",
]

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (``postgresql+psycopg://``)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def parsed_safe(url: str) -> str:
    """The URL with any password hidden (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def make_engine(url: str) -> Engine:
    """Create the engine of a store URL (SQLite file or PostgreSQL)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError) as error:
        raise ConfigError(
            f"cannot use the store URL {parsed_safe(url)!r}: {error}",
            layer="database",
            fix="give a SQLite file (sqlite:///siting-data/siting.db) or a PostgreSQL URL "
            "(postgresql://user@host:5432/siting)",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        if parsed.database and not memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No pool: a SQLite connection is a cheap file open, and a burst of requests
        # then waits on the busy timeout instead of timing out on an exhausted pool.
        # (An in-memory database lives in its one connection: StaticPool shares it.)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else NullPool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema with Alembic (idempotent; run at start-up and in tests)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@dataclass
class Store:
    """The open store: settings, engine and session factory."""

    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool | None = None) -> Store:
        """Open (and by default migrate) the store the settings name; create the data folder."""
        settings.data.mkdir(parents=True, exist_ok=True)
        for folder in (settings.uploads_dir, settings.jobs_dir, settings.rounds_dir):
            folder.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.database_url())
        try:
            with engine.connect():
                pass
        except OperationalError as error:
            raise ConfigError(
                f"cannot reach the store {parsed_safe(settings.database_url())!r}: "
                f"{str(error.orig).splitlines()[0] if error.orig else error}",
                layer="database",
                fix="start the database server (or check host, port, user and password), "
                "or leave --database out to use the SQLite store in the data folder",
            ) from None
        if settings.run_migrations if migrate is None else migrate:
            upgrade(engine)
        store = cls(settings, engine, sessionmaker(engine, expire_on_commit=False))
        if store.dialect == "postgresql":
            from service.geotables import sync_districts

            with store.session() as session:
                if sync_districts(session):
                    session.commit()
        return store

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; the caller commits (rolled back on error)."""
        with self.sessionmaker() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        """Whether the database answers (for ``/readyz``)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("select 1"))
        except Exception:  # any driver error means "not ready"
            log.warning("store not reachable", exc_info=True)
            return False
        return True

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def get_store(request: Request) -> Store:
    """FastAPI dependency: the app's :class:`Store` (``app.state.store``)."""
    store: Store = request.app.state.store
    return store


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency of the web pages: a session for one request; the caller commits.

    Closed on the event loop (an ``async`` dependency), so closing it never waits for a
    worker thread. A page dependency that queries it before the route body runs (such
    as ``service.pages.web.page_user``) ends its transaction first, so no request holds
    a connection while it waits for a thread. API routes never take it: they use
    :func:`route_session`.
    """
    with get_store(request).session() as session:
        yield session


def route_session(request: Request) -> AbstractContextManager[Session]:
    """The session of an API route body: ``with route_session(request) as session:``.

    The one way API routes reach the store. The session (and its connection) is
    closed when the ``with`` block ends, inside the route body, so the connection is
    back in the pool before FastAPI validates and serialises the answer in another
    worker thread. A session from the :func:`get_session` dependency is closed only
    after that thread hop; under load the requests queueing for threads while holding
    connections exhaust the pool and deadlock the server. Build the answer from plain
    values inside the block (the session keeps loaded columns after a commit, but
    never touch lazy relationships after the block).

    Examples
    --------
    >>> @router.get("/uploads/{upload_id}")  # doctest: +SKIP
    ... def get_upload(upload_id: str, user: ApiUser, request: Request) -> dict[str, Any]:
    ...     with route_session(request) as session:
    ...         return upload_doc(session.get(Upload, upload_id))
    """
    return get_store(request).session()
