"""Sign-in, sign-out and the language switch.

Accounts are the service's own (``siting users add``); the password is checked
against its argon2 hash. A successful sign-in starts a server-side session
(:mod:`service.pages.session`) and is written to the audit log, as is the
sign-out.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import record
from service.auth import hash_password, verify_password
from service.db import get_session
from service.models import User
from service.pages.i18n import Translator, pick_lang
from service.pages.session import (
    LANG_COOKIE,
    SESSION_COOKIE,
    SIGNIN_CSRF_COOKIE,
    SignInThrottle,
    cookie_options,
    password_stamp,
)
from service.pages.web import (
    PREFIX,
    PageRoute,
    SignInRequired,
    lang_of,
    new_signin_token,
    page_user,
    render,
    safe_next,
    session_store,
)

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

_THROTTLE_LOCK = threading.Lock()


def _throttle(request: Request) -> SignInThrottle:
    """The sign-in throttle of this service instance (one per app, never shared between apps)."""
    state = request.app.state
    with _THROTTLE_LOCK:
        throttle = getattr(state, "sign_in_throttle", None)
        if throttle is None:
            throttle = SignInThrottle()
            state.sign_in_throttle = throttle
    return throttle


_LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    # Verify unknown names against a real hash too, so the answer takes as long.
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password("not a password of anyone"))
    return _DUMMY_HASH[0]


def _insecure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto != "https" and (request.url.hostname or "") not in _LOOPBACK


def _signed_in(request: Request, db: Session) -> bool:
    try:
        page_user(request, db)
    except SignInRequired:
        return False
    return True


def _sign_in_page(
    request: Request,
    *,
    next_path: str,
    name: str = "",
    message: str = "",
    kind: str = "bad",
    status_code: int = 200,
) -> HTMLResponse:
    token = new_signin_token()
    response = render(
        request,
        "sign_in.html",
        {
            "signin_csrf": token,
            "next": next_path,
            "name": name,
            "message": message,
            "message_kind": kind,
            "insecure": _insecure(request),
        },
        status_code=status_code,
    )
    response.set_cookie(SIGNIN_CSRF_COOKIE, token, **cookie_options(strict=True, max_age=3600))
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    db: Annotated[Session, Depends(get_session)],
    next: str = "",
    out: int = 0,
) -> Response:
    """The sign-in form (or straight on when already signed in)."""
    target = safe_next(next)
    if _signed_in(request, db):
        return RedirectResponse(target, status_code=303)
    t = Translator(lang_of(request))
    message = t("signed_out") if out else (t("sign_in_required") if next else "")
    return _sign_in_page(request, next_path=target, message=message, kind="info")


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    db: Annotated[Session, Depends(get_session)],
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password; start a session and go on, or show the form again."""
    t = Translator(lang_of(request))
    target = safe_next(next)
    name = name.strip()
    throttle = _throttle(request)
    if throttle.blocked(name):
        return _sign_in_page(
            request, next_path=target, name=name, message=t("sign_in_blocked"), status_code=429
        )
    user = db.scalar(select(User).where(User.name == name)) if name else None
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok or user.disabled:
        throttle.failed(name)
        log.info("failed web sign-in for a user name")
        return _sign_in_page(
            request, next_path=target, name=name, message=t("sign_in_failed"), status_code=401
        )
    throttle.succeeded(name)
    sid, _session = session_store(request).create(user.id, password_stamp(user.password_hash))
    record(db, user, "session.sign_in", "user", user.id, after={"via": "web"})
    db.commit()
    response = RedirectResponse(f"{PREFIX}/welcome?next={quote(target, safe='/')}", status_code=303)
    response.set_cookie(SESSION_COOKIE, sid, **cookie_options())
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/", secure=True, httponly=True)
    return response


@router.get("/welcome", response_class=HTMLResponse)
def welcome(
    request: Request, db: Annotated[Session, Depends(get_session)], next: str = ""
) -> Response:
    """Right after sign-in: go on if the browser kept the cookie, else explain why not."""
    target = safe_next(next)
    if _signed_in(request, db):
        return RedirectResponse(target, status_code=303)
    t = Translator(lang_of(request))
    return _sign_in_page(request, next_path=target, message=t("cookie_missing"))


@router.post("/sign-out")
def sign_out(request: Request, db: Annotated[Session, Depends(get_session)]) -> Response:
    """End the session (CSRF-checked like every POST) and clear the cookie."""
    sid = request.cookies.get(SESSION_COOKIE)
    store = session_store(request)
    session = store.load(sid)
    if session is not None:
        user = db.get(User, session.user_id)
        record(db, user, "session.sign_out", "user", session.user_id, after={"via": "web"})
        db.commit()
    store.delete(sid)
    response = RedirectResponse(f"{PREFIX}/sign-in?out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "") -> Response:
    """Switch the pages' language (``ko`` or ``en``) and return to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, pick_lang(code), **cookie_options(max_age=365 * 86400))
    return response
