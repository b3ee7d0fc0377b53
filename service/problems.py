"""RFC 9457 problem details: one table from error classes to HTTP statuses.

Every error leaves the service as ``application/problem+json`` with
``type``, ``title``, ``status``, ``detail`` and ``instance``; the library's
:class:`~layers.errors.SitingError` adds ``layer``, ``rows`` and ``fix``,
and ``detail`` is the very message the CLI prints after ``error:``.

The OpenAPI document says so too: :func:`install_problem_handlers` makes every
error response of every operation (FastAPI's 422 for request validation included)
an ``application/problem+json`` body of the ``Problem`` schema (:data:`PROBLEM_SCHEMA`,
:func:`document_problems`); routes list the statuses they answer with
``responses=problem_responses(403, 404)``.

Examples
--------
>>> from layers.errors import CRSError
>>> status_of(CRSError("layer is EPSG:4326; expected EPSG:5186"))
(422, 'Wrong or missing coordinate reference system')
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from layers.errors import (
    ConfigError,
    CRSError,
    EmptyLayerError,
    EncodingError,
    InfeasibleError,
    InputError,
    OutputExistsError,
    SitingError,
    ValidationError,
)

__all__ = [
    "ERROR_STATUS",
    "PROBLEM_JSON",
    "PROBLEM_SCHEMA",
    "Problem",
    "ErrorPage",
    "document_problems",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
    "register_error_pages",
    "status_of",
]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: The one table: library error class → (HTTP status, title). The most specific class wins.
ERROR_STATUS: dict[type[SitingError], tuple[int, str]] = {
    ValidationError: (422, "Input failed validation"),
    EmptyLayerError: (422, "Layer has no usable rows"),
    CRSError: (422, "Wrong or missing coordinate reference system"),
    EncodingError: (422, "Text encoding not recognised"),
    ConfigError: (422, "Inconsistent settings"),
    InputError: (422, "Input cannot be used"),
    InfeasibleError: (422, "Request cannot be met"),
    OutputExistsError: (409, "Output already exists"),
    SitingError: (400, "Bad request"),
}

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Upload too large",
    415: "Unsupported media type",
    422: "Request not valid",
    500: "Internal error",
    503: "Service unavailable",
}


#: JSON Schema of every problem document the service sends (RFC 9457 members and the
#: service's extensions; a member whose value would be null is left out).
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document (application/problem+json).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Problem type URI (about:blank)"},
        "title": {"type": "string", "description": "Short summary of the problem type"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {
            "type": "string",
            "description": "What went wrong and what to do (for library errors: the message "
            "the CLI prints after 'error:')",
        },
        "instance": {"type": "string", "description": "Path of the request"},
        "layer": {"type": "string", "description": "Input layer or file the problem is in"},
        "rows": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "1-based data rows of the layer that have the problem",
        },
        "fix": {"type": "string", "description": "How to fix the input"},
        "problems": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Every problem found when an input failed validation",
        },
        "errors": {
            "type": "array",
            "description": "Request validation errors (422): where and what",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "input": {"type": "string", "description": "Process input the problem is in"},
    },
    "additionalProperties": True,
}

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
#: FastAPI's own schemas of its default 422 answer (replaced by ``Problem``).
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": dict(_PROBLEM_REF)}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: each status documented as a problem document.

    Examples
    --------
    >>> sorted(problem_responses(404, 409))
    [404, 409]
    >>> problem_responses(404)[404]["content"]["application/problem+json"]["schema"]
    {'$ref': '#/components/schemas/Problem'}
    """
    return {
        status: {"description": _TITLES.get(status, "Error"), "content": _problem_content()}
        for status in statuses
    }


def document_problems(doc: dict[str, Any]) -> dict[str, Any]:
    """Make every error response of an OpenAPI document a ``Problem`` (in place; idempotent).

    Every 4xx/5xx response of every operation (FastAPI's default 422 included) gets
    the ``application/problem+json`` content of :data:`PROBLEM_SCHEMA` and no other;
    operations that need a bearer token also list 401, those with path parameters 404 (no
    such resource), and every operation lists 500.
    FastAPI's ``HTTPValidationError`` schemas are dropped.
    """
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            if operation.get("security"):
                responses.setdefault("401", {"description": _TITLES[401]})
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                responses.setdefault("404", {"description": _TITLES[404]})
            responses.setdefault("500", {"description": _TITLES[500]})
            for code, response in responses.items():
                if code[:1] in ("4", "5"):
                    if response.get("description") in (None, "", "Validation Error"):
                        response["description"] = _TITLES.get(int(code), "Error")
                    response["content"] = _problem_content()
            operation["responses"] = dict(sorted(responses.items()))
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    return doc


def status_of(error: SitingError) -> tuple[int, str]:
    """The HTTP status and title of a library error (walks the class hierarchy)."""
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return ERROR_STATUS[SitingError]


class Problem(Exception):
    """Raise in a route to answer with a problem document.

    Parameters
    ----------
    status : int
        HTTP status.
    detail : str
        What went wrong and what to do, in the user's words.
    title : str, optional
        Short summary (default: from the status).
    headers : dict, optional
        Extra response headers (``WWW-Authenticate`` on 401).
    **extra
        Further members of the problem document.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    request: Request | None,
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An ``application/problem+json`` response (RFC 9457)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _siting_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SitingError)
    status, title = status_of(exc)
    extra: dict[str, Any] = {"layer": exc.layer, "rows": exc.rows, "fix": exc.fix}
    if isinstance(exc, ValidationError):
        extra["problems"] = exc.problems
    return problem_response(request, status, title, str(exc), **extra)


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        request, exc.status, exc.title, exc.detail, headers=exc.headers, **exc.extra
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = dict(exc.headers) if exc.headers else None
    title = _TITLES.get(exc.status_code, "Error")
    return problem_response(request, exc.status_code, title, detail, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    lines = [f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors]
    detail = "the request is not valid:\n  " + "\n  ".join(lines)
    return problem_response(request, 422, _TITLES[422], detail, errors=errors)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem_response(
        request,
        409,
        _TITLES[409],
        "the change conflicts with another one made at the same time (or refers to "
        "something that no longer exists); reload and try again",
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    log.info("data error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem_response(
        request,
        422,
        _TITLES[422],
        "a value cannot be stored (out of range, or a character such as NUL that text "
        "fields do not take); check the request",
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        500,
        _TITLES[500],
        f"internal error ({type(exc).__name__}). This is a bug in siting; the server log has "
        "the traceback.",
    )


#: Renders a problem document as an HTML page: ``page(request, error, problem) -> Response``.
ErrorPage = Callable[[Request, Exception, dict[str, Any]], Response]
#: URL path prefix → its HTML error page (the web pages register theirs on import).
_ERROR_PAGES: dict[str, ErrorPage] = {}


def register_error_pages(prefix: str, page: ErrorPage) -> None:
    """Answer every error of a request under ``prefix`` with ``page`` instead of JSON.

    The problem document is built by the same handlers as for the API (one
    table, one wording) and handed to ``page``, a plain function run in a
    worker thread (it may read the store). Other paths keep
    ``application/problem+json``.
    """
    _ERROR_PAGES[prefix.rstrip("/")] = page


def _error_page_of(path: str) -> ErrorPage | None:
    for prefix, page in _ERROR_PAGES.items():
        if path == prefix or path.startswith(f"{prefix}/"):
            return page
    return None


Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def _pages_first(handler: Handler) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def respond(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        page = _error_page_of(request.url.path)
        if page is None:
            return response
        problem: dict[str, Any] = json.loads(bytes(response.body))
        try:
            return await run_in_threadpool(page, request, exc, problem)
        except Exception:
            log.exception("the error page of %s failed; answering JSON", request.url.path)
            return response

    return respond


def install_problem_handlers(app: FastAPI) -> None:
    """Register every problem handler on ``app`` (once, in :func:`service.app.create_app`),
    and document them in ``app.openapi()`` (:func:`document_problems`)."""
    app.openapi = lambda: document_problems(FastAPI.openapi(app))  # type: ignore[method-assign]
    app.add_exception_handler(SitingError, _pages_first(_siting_error))
    app.add_exception_handler(Problem, _pages_first(_problem))
    app.add_exception_handler(StarletteHTTPException, _pages_first(_http_error))
    app.add_exception_handler(RequestValidationError, _pages_first(_validation_error))
    app.add_exception_handler(IntegrityError, _pages_first(_integrity_error))
    app.add_exception_handler(DataError, _pages_first(_data_error))
    app.add_exception_handler(Exception, _pages_first(_unexpected))
