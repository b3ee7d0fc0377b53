"""Static files of the pages: the pages' own CSS/JS and vendored htmx, and Leaflet from ``maps/assets``.

Leaflet is served straight from the offline maps' vendored copy
(:func:`maps.assets.assets_dir`), so the pages and the saved maps use the very
same files. Only files under the two roots are served; anything else is 404.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from service.pages.web import PREFIX, PageNotFound, PageRoute

__all__ = ["STATIC_DIR", "router", "static_file"]

#: The pages' own static files (CSS, JS, vendored htmx).
STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)


@cache
def _leaflet_root() -> Path:
    from maps.assets import assets_dir

    return (assets_dir() / "leaflet" / "dist").resolve()


def static_file(root: Path, relpath: str) -> Path:
    """The file ``relpath`` under ``root``, refusing anything outside it (404)."""
    base = root.resolve()
    target = (base / relpath).resolve()
    if base not in target.parents or not target.is_file():
        raise PageNotFound
    return target


def _serve(path: Path) -> Response:
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media = "text/javascript"
    response = FileResponse(path, media_type=media)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/static/{relpath:path}")
def own_static(relpath: str) -> Response:
    """CSS, JS and vendored htmx of the pages."""
    return _serve(static_file(STATIC_DIR, relpath))


@router.get("/vendor/leaflet/{relpath:path}")
def leaflet_static(relpath: str) -> Response:
    """Leaflet (``leaflet.js``, ``leaflet.css``, ``images/``) from the offline maps' assets."""
    return _serve(static_file(_leaflet_root(), relpath))
