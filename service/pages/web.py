"""The machinery every page shares: templates, the signed-in user, CSRF, HTML errors.

Routes of the pages use :class:`PageRoute` (``APIRouter(route_class=PageRoute)``):

* every ``POST`` is refused with a 403 page unless its form field
  ``csrf_token`` (or the ``X-CSRF-Token`` header) matches the session's token;
  the sign-in form matches a ``SameSite=Strict`` cookie instead; a request whose
  ``Origin`` header names another host is refused as well;
* :class:`SignInRequired` becomes a redirect to the sign-in page,
  :class:`NotAllowed` the "not allowed" page (403), :class:`PageNotFound` a 404
  page;
* every other error under ``/web`` — library errors
  (:class:`layers.errors.SitingError`), service problems
  (:class:`service.problems.Problem`), an unknown path, a path that does not
  parse, a wrong method, an internal error — goes through the service's one
  problem table and is rendered by :func:`error_page` (registered with
  :func:`service.problems.register_error_pages`): the not-found, not-allowed or
  error page with the message, the rows and the fix, under the problem's
  status — never a JSON body in a browser. The API keeps its JSON problems.

Pages authenticate with the session cookie only; the JSON API keeps bearer
tokens, so a cookie never authorises an API call (no CSRF exposure there).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from service.db import get_session
from service.models import User
from service.pages import fmt
from service.pages.i18n import LANGS, Translator, pick_lang
from service.pages.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    SESSION_COOKIE,
    SIGNIN_CSRF_COOKIE,
    SessionStore,
    WebSession,
    password_stamp,
    same_token,
)
from service.problems import register_error_pages

__all__ = [
    "PREFIX",
    "CsrfRefused",
    "FormValues",
    "Formatter",
    "call_route",
    "error_page",
    "NotAllowed",
    "PageNotFound",
    "PageRoute",
    "PageUser",
    "SignInRequired",
    "district_names",
    "lang_of",
    "page_user",
    "render",
    "require_page_role",
    "safe_next",
    "session_store",
]

log = logging.getLogger(__name__)

#: URL prefix of every page (the OGC API owns ``/``).
PREFIX = "/web"
_TEMPLATES = Path(__file__).parent / "templates"
#: Content-Security-Policy of every page: only this server's scripts, styles and images.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SignInRequired(Exception):
    """No (live) session: the browser is sent to the sign-in page."""


class NotAllowed(Exception):
    """The signed-in user's role may not open this page (403 page)."""


class PageNotFound(Exception):
    """No such object, or one the user may not know exists (404 page)."""


class CsrfRefused(Exception):
    """A POST without the right CSRF token, or from another origin (403 page)."""


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@cache
def district_names() -> dict[str, tuple[str, str]]:
    """SIG_CD → (Korean name, English name) of the 25 districts."""
    from layers.districts import load_districts

    layer = load_districts()
    return {
        str(code): (str(ko), str(en))
        for code, ko, en in zip(layer["sig_cd"], layer["name_ko"], layer["name_en"], strict=True)
    }


@dataclass
class Formatter:
    """Formatting helpers bound to one language, as ``f`` in templates."""

    lang: str

    def won(self, krw: int | None) -> str:
        return fmt.won(krw, self.lang)

    def cheon(self, krw: int | None) -> str:
        return fmt.cheon_won(krw, self.lang)

    def money(self, krw: int | None) -> str:
        return fmt.money(krw, self.lang)

    def num(self, value: float | int | None, decimals: int = 0) -> str:
        return fmt.num(value, decimals)

    def pct(self, value: float | None, decimals: int = 1) -> str:
        return fmt.pct(value, decimals)

    def kst(self, moment: Any) -> str:
        return fmt.kst(moment, self.lang)

    def date(self, moment: Any) -> str:
        return fmt.kst_date(moment, self.lang)

    def district(self, sig_cd: str | None) -> str:
        """District name in the page's language (``노원구`` / ``Nowon-gu``)."""
        if sig_cd is None:
            return "–"
        names = district_names().get(str(sig_cd))
        if names is None:
            return str(sig_cd)
        return names[0] if self.lang == "ko" else names[1]


class FormValues(dict[str, Any]):
    """Form values or errors for a template: a missing field reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def call_route(function: Callable[..., Any], **available: Any) -> Any:
    """Call an API route function with the arguments it declares, by name.

    The pages reuse the API's own route functions (their checks, audit and
    errors); passing what they declare by keyword keeps the pages working when a
    route gains or drops a dependency parameter (``session``, ``store``, …).
    """
    import inspect

    accepted = inspect.signature(function).parameters
    return function(**{k: v for k, v in available.items() if k in accepted})


def lang_of(request: Request) -> str:
    """The page language: the ``siting_lang`` cookie, Korean by default."""
    return pick_lang(request.cookies.get(LANG_COOKIE))


def session_store(request: Request) -> SessionStore:
    """The sessions folder of this service (``<data>/web-sessions``)."""
    return SessionStore(Path(request.app.state.settings.data) / "web-sessions")


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in (never another site: no open redirect)."""
    if not target:
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return f"{PREFIX}/"
    if "\\" in target or any(ord(c) < 32 for c in target):
        return f"{PREFIX}/"
    return target


def _live_session(request: Request, db: Session) -> tuple[WebSession, User] | None:
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        found: tuple[WebSession, User] | None = cached or None
        return found
    sid = request.cookies.get(SESSION_COOKIE)
    result: tuple[WebSession, User] | None = None
    session = session_store(request).load(sid)
    if session is not None:
        user = db.get(User, session.user_id)
        if (
            user is not None
            and not user.disabled
            and same_token(session.stamp, password_stamp(user.password_hash))
        ):
            result = (session, user)
        else:
            session_store(request).delete(sid)
    request.state.web_session = result or ()
    return result


def page_user(request: Request, db: Annotated[Session, Depends(get_session)]) -> User:
    """Dependency: the user of the session cookie, or :class:`SignInRequired`.

    Its transaction ends here, so the request holds no store connection while it
    waits for the thread of the next dependency or the route body.
    """
    live = _live_session(request, db)
    db.commit()
    if live is None:
        raise SignInRequired
    return live[1]


#: Annotated type for page routes: ``user: PageUser``.
PageUser = Annotated[User, Depends(page_user)]


def require_page_role(*roles: str) -> Callable[..., User]:
    """Dependency factory: the signed-in user if its role is one of ``roles``, else the 403 page."""

    def dependency(user: PageUser) -> User:
        if user.role not in roles:
            raise NotAllowed
        return user

    return dependency


def _csp(request: Request) -> str:
    tile_url = getattr(request.app.state.settings, "tile_url", None)
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            tiles = f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return _CSP.format(tiles=tiles)


def _nav(user: User | None, t: Translator) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = [(f"{PREFIX}/", t("nav_home")), (f"{PREFIX}/rounds", t("nav_rounds"))]
    if user.role == "district":
        items += [(f"{PREFIX}/uploads", t("nav_uploads")), (f"{PREFIX}/jobs", t("nav_jobs"))]
    items.append((f"{PREFIX}/compare", t("nav_compare")))
    return items


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: User | None = None,
    csrf: str | None = None,
) -> HTMLResponse:
    """Render a page: the layout's variables plus ``context``.

    The layout gets ``t`` (translator), ``f`` (:class:`Formatter`), ``lang``,
    ``user``, ``csrf`` (the session's token for forms), ``nav``, ``path`` and
    ``tile_url``. Responses carry a strict Content-Security-Policy and
    ``Cache-Control: no-store``.
    """
    lang = lang_of(request)
    t = Translator(lang)
    if user is None or csrf is None:
        cached = getattr(request.state, "web_session", None)
        if cached:
            csrf = csrf or cached[0].csrf
            user = user or cached[1]
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    values: dict[str, Any] = {
        "t": t,
        "f": Formatter(lang),
        "lang": lang,
        "other_lang": LANGS[1 - LANGS.index(lang)],
        "user": user,
        "csrf": csrf or "",
        "csrf_field": CSRF_FIELD,
        "nav": _nav(user, t),
        "path": path,
        "path_quoted": quote(path, safe=""),
        "prefix": PREFIX,
        "tile_url": getattr(request.app.state.settings, "tile_url", None) or "",
    }
    for key, value in (context or {}).items():
        values[key] = FormValues(value) if key in ("values", "errors") else value
    html = _environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = _csp(request)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _error_page(request: Request, error: BaseException) -> Response:
    """The page of a refusal the pages raise themselves (sign-in, role, not found, CSRF)."""
    if isinstance(error, SignInRequired):
        target = quote(safe_next(request.url.path), safe="/")
        return RedirectResponse(f"{PREFIX}/sign-in?next={target}", status_code=303)
    if isinstance(error, NotAllowed):
        return render(request, "not_allowed.html", status_code=403)
    if isinstance(error, PageNotFound):
        return render(request, "not_found.html", status_code=404)
    if isinstance(error, CsrfRefused):
        return render(request, "csrf.html", status_code=403)
    raise error


def _signed_in(request: Request) -> None:
    """Look up the session cookie again for a page rendered after the route's store session
    ended (its rollback expired the user), or without a route (a 404 of the router)."""
    request.state.web_session = None
    if SESSION_COOKIE not in request.cookies:
        request.state.web_session = ()
        return
    try:
        with request.app.state.store.session() as db:
            live = _live_session(request, db)
            if live is not None:
                db.expunge(live[1])
    except Exception:  # the error page never fails for the store: it shows no account then
        request.state.web_session = ()
        log.warning("no session lookup for the error page of %s", request.url.path, exc_info=True)


def _path_not_valid(problem: dict[str, Any]) -> bool:
    """A request validation problem about the URL path (``/web/rounds/abc``): no such page."""
    errors = problem.get("errors") or []
    return bool(errors) and any((e.get("loc") or [None])[0] == "path" for e in errors)


def error_page(request: Request, error: Exception, problem: dict[str, Any]) -> Response:
    """The HTML page of an error under ``/web`` (registered with :mod:`service.problems`).

    ``problem`` is the RFC 9457 document the API would answer (status, title,
    detail; ``layer``, ``rows``, ``fix`` for library errors). A 404, or a URL
    path that does not parse (``/web/rounds/abc``), gives the not-found page;
    401 and 403 the not-allowed page; every other status the error page with
    the message, the rows and the fix, under the same status.
    """
    _signed_in(request)
    status = int(problem.get("status") or 500)
    if status == 404 or (status == 422 and _path_not_valid(problem)):
        return render(request, "not_found.html", status_code=404)
    if status in (401, 403):
        return render(request, "not_allowed.html", status_code=403)
    info = {
        "title": problem.get("title") or "",
        "detail": problem.get("detail") or "",
        "layer": problem.get("layer"),
        "rows": list(problem.get("rows") or [])[:50],
        "fix": problem.get("fix"),
    }
    return render(request, "error.html", {"problem": info}, status_code=status)


register_error_pages(PREFIX, error_page)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def _check_csrf(request: Request) -> None:
    if request.method != "POST":
        return
    if not _same_origin(request):
        raise CsrfRefused
    content_type = request.headers.get("content-type", "")
    given = request.headers.get("x-csrf-token")
    if given is None and (
        content_type.startswith("application/x-www-form-urlencoded")
        or content_type.startswith("multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if request.url.path == f"{PREFIX}/sign-in":
        expected = request.cookies.get(SIGNIN_CSRF_COOKIE)
    else:
        store = session_store(request)
        session = store.load(request.cookies.get(SESSION_COOKIE))
        expected = session.csrf if session is not None else None
        if session is None:
            raise SignInRequired
    if not same_token(expected, given):
        log.info("refused a POST to %s without a matching CSRF token", request.url.path)
        raise CsrfRefused


class PageRoute(APIRoute):
    """Route class of the pages: CSRF on every POST, HTML pages for every refusal."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                await _check_csrf(request)
                return await handler(request)
            except (SignInRequired, NotAllowed, PageNotFound, CsrfRefused) as err:
                return _error_page(request, err)

        return page_handler


def new_signin_token() -> str:
    """A fresh token for the sign-in form's double-submit cookie."""
    return secrets.token_urlsafe(32)
