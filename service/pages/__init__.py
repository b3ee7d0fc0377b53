"""Web pages for planners: server-rendered (Jinja2), Korean first, offline.

Every page lives under ``/web`` (the OGC API owns ``/``). One router,
:data:`router`, gathers the page modules; ``service.app`` includes it through
``ROUTER_MODULES``. Pages authenticate with a server-side session cookie
(:mod:`service.pages.session`), check a CSRF token on every POST and answer
refusals with HTML pages (:mod:`service.pages.web`). Assets (htmx, Leaflet,
CSS) are served by the service itself: no CDN, no web font, no analytics.
"""

from __future__ import annotations

import importlib
import logging

from fastapi import APIRouter

__all__ = ["PAGE_MODULES", "router"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Page modules whose ``router`` is included, in order.
PAGE_MODULES: tuple[str, ...] = (
    "service.pages.assets",
    "service.pages.signin",
    "service.pages.home",
    "service.pages.rounds",
    "service.pages.uploads",
    "service.pages.jobs",
)

router = APIRouter()
for _name in PAGE_MODULES:
    router.include_router(importlib.import_module(_name).router)
