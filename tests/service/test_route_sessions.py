"""API routes never hold a store connection across a thread hop (``service.db.route_session``).

A sync route runs in a worker thread; FastAPI then validates and serialises its answer,
and closes dependencies with ``yield``, in further worker threads. A request holding a
store connection while it waits for such a thread is how the load benchmark deadlocked
the server (more queued requests than connections, every thread waiting for one). The
watch here tags each connection checked out of the engine with the request that took
it, and records every thread hop (``anyio.to_thread.run_sync``, through which Starlette
and FastAPI make them) that a request starts while it still holds one.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import _korean_fixtures as kf
import anyio.to_thread
import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Receive, Scope, Send

from service.app import ROUTER_MODULES, create_app
from service.auth import CurrentUser, create_user
from service.db import Store, get_session, normalise_url, route_session
from service.settings import Settings
from tests.service._pages import signed_in

NOWON = "11350"


class _Req:
    """One HTTP request (identity is the request)."""

    def __init__(self, method: str, path: str) -> None:
        self.label = f"{method} {path}"


_CURRENT: ContextVar[_Req | None] = ContextVar("siting_test_request", default=None)


class HopWatch:
    """Connections held per request, and the thread hops started while one was held."""

    def __init__(self, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.held: dict[int, _Req] = {}
        self.violations: list[str] = []
        self.hops = 0
        self._lock = threading.Lock()
        engine = app.state.store.engine
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)
        original = anyio.to_thread.run_sync

        async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            request = _CURRENT.get()
            if request is not None:
                with self._lock:
                    self.hops += 1
                    holding = any(owner is request for owner in self.held.values())
                if holding:
                    target = getattr(func, "func", func)
                    name = getattr(target, "__qualname__", repr(target))
                    self.violations.append(f"{request.label}: thread hop to {name}")
            return await original(func, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", run_sync)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        request = _CURRENT.get()
        if request is not None:
            with self._lock:
                self.held[id(dbapi_connection)] = request

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        with self._lock:
            self.held.pop(id(dbapi_connection), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, each HTTP request tagged (serve this instead of the app)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _CURRENT.set(_Req(scope["method"], scope["path"]))
        try:
            await self.app(scope, receive, send)
        finally:
            _CURRENT.reset(token)


@pytest.fixture
def watched(
    app: FastAPI, start_server: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[HopWatch, httpx.Client]]:
    watch = HopWatch(app, monkeypatch)
    base = start_server(watch)
    with httpx.Client(base_url=base, timeout=120) as client:
        yield watch, client


class _Count(BaseModel):
    n: int


def test_the_watch_sees_a_dependency_session_held_across_a_hop(
    app: FastAPI,
    start_server: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    make_user: Callable[..., dict[str, Any]],
) -> None:
    @app.get("/_probe/dependency", response_model=_Count)
    def held(user: CurrentUser, session: Annotated[Session, Depends(get_session)]) -> _Count:
        return _Count(n=int(session.execute(text("select 1")).scalar_one()))

    @app.get("/_probe/route-session", response_model=_Count)
    def released(user: CurrentUser, request: Request) -> _Count:
        with route_session(request) as session:
            return _Count(n=int(session.execute(text("select 1")).scalar_one()))

    watch = HopWatch(app, monkeypatch)
    headers = make_user("kim", "district", "노원구")["headers"]
    with httpx.Client(base_url=start_server(watch), timeout=60) as client:
        assert client.get("/_probe/route-session", headers=headers).json() == {"n": 1}
        assert watch.violations == []
        assert client.get("/_probe/dependency", headers=headers).json() == {"n": 1}
    assert watch.violations, "a get_session route holds its connection while it waits"
    assert all(v.startswith("GET /_probe/dependency:") for v in watch.violations)


def test_api_routes_hold_no_connection_across_a_thread_hop(
    watched: tuple[HopWatch, httpx.Client],
    make_user: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    watch, client = watched
    city = make_user("officer", "city")["headers"]
    nowon = make_user("nowon", "district", "노원구")["headers"]

    def call(method: str, url: str, who: dict[str, str], status: int, **kw: Any) -> Any:
        answer = client.request(method, url, headers=who, **kw)
        assert answer.status_code == status, f"{method} {url}: {answer.text}"
        return answer.json() if "json" in answer.headers.get("content-type", "") else None

    wifi = kf.wifi_csv(tmp_path / "wifi.csv")
    upload = call(
        "POST", "/uploads", nowon, 201, params={"filename": wifi.name}, content=wifi.read_bytes()
    )
    call("GET", "/uploads", nowon, 200)
    call("GET", f"/uploads/{upload['id']}", nowon, 200)
    call("GET", "/uploads/0", nowon, 404)

    rid = call("POST", "/rounds", city, 201, json={"program": "cctv-replace", "year": 2026})["id"]
    call("GET", "/rounds", nowon, 200)
    call("GET", f"/rounds/{rid}", city, 200)
    call("POST", f"/rounds/{rid}/open", city, 200)
    call("POST", f"/rounds/{rid}/open", city, 409)
    body = {"requested_krw": "2억", "matching_secured_krw": "1억", "attachments": [upload["id"]]}
    call("PUT", f"/rounds/{rid}/submissions/{NOWON}", nowon, 200, json=body)
    call("GET", f"/rounds/{rid}/submissions", nowon, 200)
    call("GET", f"/rounds/{rid}/submissions/{NOWON}", nowon, 200)
    call("POST", f"/rounds/{rid}/close", city, 200)
    version = call("POST", f"/rounds/{rid}/score", city, 201, json={"reason": "first"})
    call("POST", f"/rounds/{rid}/publish", city, 200)
    call("GET", f"/rounds/{rid}/versions", nowon, 200)
    call("GET", f"/rounds/{rid}/results", nowon, 200)
    call("GET", f"/rounds/{rid}/results/1", nowon, 200)
    call("GET", f"/rounds/{rid}/results/1/files/{version['files'][0]}", nowon, 200)
    call("GET", "/audit", city, 200, params={"entity": "round"})
    call("GET", "/audit", nowon, 403)
    for url in ("/processes", "/jobs", "/collections"):
        call("GET", url, city, 200)

    assert watch.hops > 0  # the watch saw the requests' thread hops
    assert watch.violations == []


def _dependency_calls(route: APIRoute) -> list[Any]:
    calls = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        calls.append(dependant.call)
        stack.extend(dependant.dependencies)
    return calls


def test_no_api_route_takes_the_request_scoped_session() -> None:
    """``get_session`` is closed after the answer is serialised: only the pages take it."""
    routes = [
        route
        for name in ROUTER_MODULES
        if name != "service.pages"
        for route in importlib.import_module(name).router.routes
    ]
    assert all(isinstance(route, APIRoute) for route in routes)
    assert len(routes) >= 20
    offenders = [
        f"{sorted(route.methods)} {route.path}"
        for route in routes
        if isinstance(route, APIRoute) and get_session in _dependency_calls(route)
    ]
    assert offenders == [], "use `with route_session(request) as session:` instead"


@pytest.mark.parametrize("store", ["postgis"], indirect=True)
def test_more_concurrent_requests_than_connections_all_answer(
    settings: Settings, start_server: Callable[..., str]
) -> None:
    """The load benchmark's deadlock: 2 connections, 4 request threads, 24 clients at once.

    A route holding its connection until its answer is serialised deadlocks here (each
    worker thread waits for a connection that a request waiting for a thread holds)
    until the pool time-out turns the requests into 500s.
    """
    application = create_app(settings)
    application.state.store.close()
    engine = create_engine(
        normalise_url(settings.database_url()), pool_size=2, max_overflow=0, pool_timeout=20
    )
    application.state.store = Store(settings, engine, sessionmaker(engine, expire_on_commit=False))
    with application.state.store.session() as session:
        _, _, token = create_user(session, "officer", "city", None)
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    base = start_server(application)
    with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
        rid = client.post("/rounds", json={"program": "pole", "year": 2026}).json()["id"]
    urls = [f"/rounds/{rid}", "/rounds", "/audit", "/uploads"] * 12

    def get(url: str) -> int:
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            return client.get(url).status_code

    try:
        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(pool.map(get, urls))
    finally:
        application.state.store.close()
    assert statuses == [200] * len(urls)


def test_pages_hold_no_connection_across_a_thread_hop(
    watched: tuple[HopWatch, httpx.Client],
    make_user: Callable[..., dict[str, Any]],
) -> None:
    """The pages take the request's session (``get_session``): ``page_user`` ends its
    transaction before the next dependency's thread, and the session closes on the loop."""
    watch, client = watched
    make_user("officer", "city")
    planner = make_user("nowon", "district", "노원구")
    browser = signed_in(client, planner)
    for url in ("/web/", "/web/rounds", "/web/uploads", "/web/jobs", "/web/compare"):
        answer = browser.get(url)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
    assert browser.get("/web/rounds/nope").status_code == 404
    token = browser.csrf("/web/")
    assert browser.post("/web/sign-out", data={"csrf_token": token}).status_code == 303
    assert watch.hops > 0
    assert watch.violations == []


@pytest.mark.parametrize("store", ["postgis"], indirect=True)
def test_more_concurrent_page_requests_than_connections_all_answer(
    settings: Settings, start_server: Callable[..., str]
) -> None:
    """The same burst on the pages: 2 connections, 4 request threads, 24 browsers at once."""
    application = create_app(settings)
    application.state.store.close()
    engine = create_engine(
        normalise_url(settings.database_url()), pool_size=2, max_overflow=0, pool_timeout=20
    )
    application.state.store = Store(settings, engine, sessionmaker(engine, expire_on_commit=False))
    with application.state.store.session() as session:
        user, password, _ = create_user(session, "officer", "city", None)
        session.commit()
        name = user.name
    base = start_server(application)
    with httpx.Client(base_url=base, timeout=120) as client:
        cookies = signed_in(client, {"user": {"name": name}, "password": password}).cookies
    urls = ["/web/", "/web/rounds", "/web/compare", "/web/jobs"] * 12

    def get(url: str) -> int:
        with httpx.Client(base_url=base, timeout=120, cookies=cookies) as client:
            return client.get(url).status_code

    try:
        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(pool.map(get, urls))
    finally:
        application.state.store.close()
    assert statuses == [200] * len(urls)
