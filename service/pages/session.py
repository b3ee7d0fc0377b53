"""Server-side sessions of the web pages, CSRF tokens and the cookie policy.

A signed-in browser holds one random session id (256 bits) in the cookie
``siting_session``; the session itself lives on the server, in
``<data>/web-sessions/<sha256 of the id>.json`` (mode 0600), so

* signing out deletes it at once (a copied cookie stops working),
* a password reset (``siting users reset``) or ``siting users disable`` ends every
  session of that user: each session records a stamp of the password hash,
  and the user row is read on every request,
* the folder never holds a usable cookie value (only its hash).

The data folder is already what several service processes must share (it holds
the uploads and job artifacts), so the sessions live there too.

Cookies are always ``Secure; HttpOnly; SameSite=Lax; Path=/``. Browsers keep
``Secure`` cookies on ``http://127.0.0.1`` and ``http://localhost``; any other
address must be served over HTTPS (a reverse proxy), otherwise the browser
drops the cookie and the sign-in page says so.

Every form carries the session's CSRF token in a hidden field ``csrf_token``;
every POST is refused (403) unless it matches. The sign-in form, shown before a
session exists, uses a double-submit token: a ``SameSite=Strict`` cookie and the
same value in the form.

Sessions end after 2 hours without a request or 10 hours after sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ABSOLUTE_S",
    "CSRF_FIELD",
    "IDLE_S",
    "LANG_COOKIE",
    "SESSION_COOKIE",
    "SIGNIN_CSRF_COOKIE",
    "SessionStore",
    "SignInThrottle",
    "WebSession",
    "cookie_options",
    "password_stamp",
    "same_token",
]

log = logging.getLogger(__name__)

#: Cookie holding the session id.
SESSION_COOKIE = "siting_session"
#: Double-submit cookie of the sign-in form (before a session exists).
SIGNIN_CSRF_COOKIE = "siting_signin_csrf"
#: Language preference (``ko`` or ``en``); not a secret.
LANG_COOKIE = "siting_lang"
#: Hidden form field carrying the CSRF token.
CSRF_FIELD = "csrf_token"
#: A session ends after this many seconds without a request (2 h).
IDLE_S = 2 * 3600
#: …and at the latest this many seconds after sign-in (10 h, one working day).
ABSOLUTE_S = 10 * 3600
#: ``last_seen`` is written back at most this often (s), to keep page views cheap.
_TOUCH_S = 60


def cookie_options(*, strict: bool = False, max_age: int | None = None) -> dict[str, Any]:
    """Keyword arguments of ``Response.set_cookie`` for every cookie the pages set.

    ``Secure`` always (browsers accept it on ``http://127.0.0.1`` and
    ``http://localhost``), ``HttpOnly`` always, ``SameSite=Lax`` (``Strict``
    for the sign-in form's token), ``Path=/``.
    """
    options: dict[str, Any] = {
        "secure": True,
        "httponly": True,
        "samesite": "strict" if strict else "lax",
        "path": "/",
    }
    if max_age is not None:
        options["max_age"] = max_age
    return options


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of a password hash: it changes when the password is reset."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens; missing or empty ones never match."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass
class WebSession:
    """One signed-in browser.

    Attributes
    ----------
    user_id : int
        The signed-in user.
    csrf : str
        Token every form of this session must send back.
    stamp : str
        :func:`password_stamp` of the user's password hash at sign-in.
    created, seen : float
        Unix times (s) of sign-in and of the last request.
    """

    user_id: int
    csrf: str
    stamp: str
    created: float
    seen: float

    def expired(self, now: float) -> bool:
        """Whether the idle (2 h) or absolute (10 h) limit has passed."""
        return now - self.seen > IDLE_S or now - self.created > ABSOLUTE_S


class SessionStore:
    """Sessions as small JSON files in one folder (``<data>/web-sessions``).

    Parameters
    ----------
    folder : Path
        Created (mode 0700) when missing.

    Examples
    --------
    >>> store = SessionStore(tmp_path / "web-sessions")  # doctest: +SKIP
    >>> sid, session = store.create(user_id=1, stamp="abc")  # doctest: +SKIP
    >>> store.load(sid).user_id  # doctest: +SKIP
    1
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, sid: str) -> Path:
        return self.folder / f"{_digest(sid)}.json"

    def _write(self, path: Path, session: WebSession) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(session), handle)
        os.replace(tmp, path)

    def create(
        self, user_id: int, stamp: str, *, now: float | None = None
    ) -> tuple[str, WebSession]:
        """Start a session; returns the id for the cookie (the only clear copy) and the session."""
        moment = time.time() if now is None else now
        sid = secrets.token_urlsafe(32)
        session = WebSession(user_id, secrets.token_urlsafe(32), stamp, moment, moment)
        self._write(self._path(sid), session)
        self.sweep(now=moment)
        return sid, session

    def load(self, sid: str | None, *, now: float | None = None) -> WebSession | None:
        """The live session of a cookie value, or ``None`` (unknown, malformed or expired)."""
        if not sid or len(sid) > 200:
            return None
        moment = time.time() if now is None else now
        path = self._path(sid)
        try:
            session = WebSession(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if session.expired(moment):
            path.unlink(missing_ok=True)
            return None
        if moment - session.seen > _TOUCH_S:
            session.seen = moment
            self._write(path, session)
        return session

    def delete(self, sid: str | None) -> None:
        """End a session (sign-out); unknown ids are ignored."""
        if sid and len(sid) <= 200:
            self._path(sid).unlink(missing_ok=True)

    def delete_user(self, user_id: int) -> int:
        """End every session of a user; returns how many ended."""
        ended = 0
        for path in self.folder.glob("*.json"):
            try:
                if json.loads(path.read_text(encoding="utf-8")).get("user_id") == user_id:
                    path.unlink(missing_ok=True)
                    ended += 1
            except (OSError, ValueError):
                continue
        return ended

    def sweep(self, *, now: float | None = None) -> int:
        """Remove expired session files (run at each sign-in); returns how many."""
        moment = time.time() if now is None else now
        removed = 0
        if not self.folder.exists():
            return 0
        for path in self.folder.glob("*.json"):
            try:
                session = WebSession(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if session.expired(moment):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class SignInThrottle:
    """Refuse sign-in for a name after repeated failures (5 in 15 minutes → wait 15 minutes).

    Kept in memory per service process: it slows guessing; the argon2 hash
    (64 MiB, 3 passes) makes each guess expensive anyway.
    """

    def __init__(self, limit: int = 5, window_s: float = 900.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(name, []) if now - t < self.window_s]
        if times:
            self._failures[name] = times
        else:
            self._failures.pop(name, None)
        return times

    def blocked(self, name: str, *, now: float | None = None) -> bool:
        """Whether ``name`` has reached the failure limit inside the window."""
        moment = time.time() if now is None else now
        with self._lock:
            return len(self._recent(name.strip().casefold(), moment)) >= self.limit

    def failed(self, name: str, *, now: float | None = None) -> None:
        """Record a failed sign-in of ``name``."""
        moment = time.time() if now is None else now
        key = name.strip().casefold()
        with self._lock:
            self._failures.setdefault(key, []).append(moment)
            if len(self._failures) > 10_000:
                self._failures.clear()

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name`` after a successful sign-in."""
        with self._lock:
            self._failures.pop(name.strip().casefold(), None)
