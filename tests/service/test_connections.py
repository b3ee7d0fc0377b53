"""Store connections: a request never holds one while it waits for a worker thread.

A route that takes the signed-in user and a request session used to keep the
connection of the user check open across thread hops; under load the queued
requests exhausted the pool and the server deadlocked (found by the load
benchmark). These tests watch the connections checked out of the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.pool import NullPool

from service.auth import CurrentUser
from service.db import make_engine


def _watch(app: FastAPI) -> list[int]:
    """A one-item list holding the number of connections checked out right now."""
    out = [0]
    lock = threading.Lock()

    def checkout(*_: Any) -> None:
        with lock:
            out[0] += 1

    def checkin(*_: Any) -> None:
        with lock:
            out[0] -= 1

    engine = app.state.store.engine
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    return out


def test_current_user_gives_its_connection_back_before_the_route_runs(
    app: FastAPI,
    start_server: Callable[..., str],
    make_user: Callable[..., dict[str, Any]],
) -> None:
    out = _watch(app)

    @app.get("/_probe/connections")
    def probe(user: CurrentUser) -> dict[str, Any]:
        # the user's columns are loaded although its session is closed
        return {"held": out[0], "name": user.name, "role": user.role}

    kim = make_user("kim", "district", "노원구")
    base = start_server(app)
    with httpx.Client(base_url=base, timeout=60) as client:
        for auth in (kim["headers"], None):
            kwargs: dict[str, Any] = {"headers": auth} if auth else {"auth": ("kim", kim["token"])}
            answer = client.get("/_probe/connections", **kwargs)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"held": 0, "name": "kim", "role": "district"}


def test_sqlite_has_no_pool_a_burst_could_exhaust(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'burst.sqlite').as_posix()}")
    assert isinstance(engine.pool, NullPool)
    connections = [engine.connect() for _ in range(40)]  # a QueuePool (5 + 10) would time out
    try:
        for connection in connections:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        for connection in connections:
            connection.close()
    engine.dispose()
