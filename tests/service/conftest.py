"""Fixtures of the service tests: a real server on loopback over SQLite and over PostGIS.

``store`` is parametrised over ``sqlite`` (a fresh file per test) and
``postgis`` (one database per test session on the PostgreSQL cluster named by
``SITING_TEST_POSTGRES_URL``, emptied between tests). ``scripts/test`` starts
a throwaway cluster and sets the variable; without it the PostGIS runs are
skipped on a developer's machine and fail in CI (``CI`` set).

The server is uvicorn in a thread on a free loopback port, and tests talk to
it with ``httpx`` like any client would.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service.app import create_app
from service.auth import create_user
from service.db import make_engine
from service.settings import Settings

POSTGRES_ENV = "SITING_TEST_POSTGRES_URL"

#: Tables emptied between PostGIS tests (TRUNCATE does not fire the audit log's row triggers).
_TABLES = (
    "audit_log",
    "submission_attachments",
    "submissions",
    "round_versions",
    "rounds",
    "jobs",
    "uploads",
    "tokens",
    "users",
    "round_results_geo",
    "proposals_geo",
)


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A fresh database (migrated by the first app) on the test cluster, dropped at the end."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set in CI: scripts/test starts the cluster")
        pytest.skip(f"{POSTGRES_ENV} not set (scripts/test sets it)")
    name = f"siting_test_{secrets.token_hex(4)}"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        engine = make_engine(url)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database URL of one test: a new SQLite file, or the emptied PostGIS database."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'data' / 'siting.sqlite').as_posix()}"
        return
    url: str = request.getfixturevalue("postgis_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        exists = connection.execute(text("select to_regclass('public.users')")).scalar()
        if exists is not None:
            tables = ", ".join(_TABLES)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def settings(store: str, tmp_path: Path) -> Settings:
    """Settings of a service whose data folder is in ``tmp_path``."""
    return Settings(data=tmp_path / "data", database=store, upload_limit=5 * 1024 * 1024)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """The application (store opened and migrated)."""
    application = create_app(settings)
    yield application
    application.state.store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def free_port() -> int:
    """A TCP port free on loopback right now."""
    return _free_port()


@pytest.fixture
def start_server() -> Iterator[Callable[..., str]]:
    """Start an app under uvicorn on a free loopback port: ``start_server(app, **config)``.

    Returns the base URL; every server started is stopped after the test.
    """
    import uvicorn

    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(application: FastAPI, **config: Any) -> str:
        port = _free_port()
        options: dict[str, Any] = {"log_level": "warning", "lifespan": "on"} | config
        srv = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, **options))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        running.append((srv, thread))
        deadline = time.monotonic() + 30
        while not srv.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    yield start
    for srv, thread in running:
        srv.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def server(app: FastAPI, start_server: Callable[..., str]) -> str:
    """Run ``app`` with uvicorn on a free loopback port; its base URL."""
    return start_server(app)


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the running server, without credentials."""
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


@pytest.fixture
def make_user(app: FastAPI) -> Callable[..., dict[str, Any]]:
    """Create a user in the app's store: ``make_user("name", "district", "노원구")``.

    Returns a dict with ``user`` (id, name, role, district), ``password``,
    ``token`` and ``headers`` (the Authorization header).
    """

    def make(name: str, role: str, district: str | None = None) -> dict[str, Any]:
        with app.state.store.session() as session:
            user, password, token = create_user(session, name, role, district)
            session.commit()
            info = {"id": user.id, "name": user.name, "role": user.role, "district": user.district}
        return {
            "user": info,
            "password": password,
            "token": token,
            "headers": {"Authorization": f"Bearer {token}"},
        }

    return make
