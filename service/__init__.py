"""The planning service: an HTTP API (FastAPI) over the library's job functions.

The library packages (``layers``, ``scoring``, ``siting``, ``maps``) know
nothing of HTTP; this package holds the web layer: settings, the store
(SQLite or PostgreSQL + PostGIS), users and roles, problem documents, the
audit log and the routes. Start it with ``siting serve``.
"""

from service.app import create_app
from service.settings import Settings

__all__ = ["Settings", "create_app"]
