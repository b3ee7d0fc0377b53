"""The application factory: settings → store → routers → problem handlers.

Routers are registered in :data:`ROUTER_MODULES`: each module there has a
``router`` (``fastapi.APIRouter``) and may have ``lifespan(app)``, a context
manager entered at start-up and left at shut-down (the job executor uses it).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.db import Store
from service.problems import install_problem_handlers, problem_response
from service.settings import Settings

__all__ = ["ROUTER_MODULES", "create_app"]

log = logging.getLogger(__name__)

#: Modules whose ``router`` the app includes, in order (one line each).
ROUTER_MODULES: list[str] = [
    "service.audit",
    "service.routes_rounds",
    "service.routes_uploads",
    "service.routes_processes",
    "service.routes_features",
    "service.pages",
]


def _modules() -> list[Any]:
    return [importlib.import_module(name) for name in ROUTER_MODULES]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for ``settings`` (default: from ``SITING_*`` variables).

    The store is opened (and migrated) here, so the app is ready before the
    first request; ``app.state.store`` and ``app.state.settings`` hold them.
    """
    settings = settings or Settings()
    store = Store.open(settings)
    modules = _modules()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            for module in modules:
                hook = getattr(module, "lifespan", None)
                if hook is not None:
                    context: AbstractContextManager[Any] = hook(app)
                    stack.enter_context(context)
            yield
        store.close()

    app = FastAPI(
        title="siting planning service",
        version="0.1.0",
        description=(
            "Subsidy rounds, siting jobs and results for Seoul's CCTV, public Wi-Fi and "
            "smart-pole teams and the 25 districts. Every error is an RFC 9457 problem "
            "document (application/problem+json)."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    install_problem_handlers(app)
    for module in modules:
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"], summary="The process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="The store answers",
        responses={503: {"description": "The store is not reachable"}},
    )
    def readyz(request: Request) -> JSONResponse:
        if not request.app.state.store.ping():
            return problem_response(
                request, 503, "Service unavailable", "the store is not reachable"
            )
        return JSONResponse({"status": "ready", "store": store.dialect})

    return app
