"""Users, passwords, API tokens and role/district checks.

Passwords and tokens are stored only as argon2 hashes. A token reads
``sit_<lookup>_<secret>``: the lookup part finds the row, the secret is
verified against its argon2 hash. Verified tokens are remembered in memory
by their SHA-256 (never the token itself), so a request does not pay the slow
hash twice; a disabled user or a revoked token is refused at once because the
rows are read on every request.

Roles: ``city`` (runs rounds, sees everything), ``district`` (its own
district's submissions, uploads and jobs; other districts only once a round
is published), ``viewer`` (published results).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import secrets
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.errors import ConfigError
from service.db import get_store
from service.models import ROLES, Token, User
from service.problems import Problem

__all__ = [
    "CurrentUser",
    "authenticate",
    "bearer_scheme",
    "can_read_district",
    "can_write_district",
    "create_user",
    "current_user",
    "district_label",
    "district_names",
    "hash_password",
    "issue_token",
    "normalise_district",
    "require_role",
    "reset_user",
    "user_public",
    "verify_password",
]

log = logging.getLogger(__name__)

_PASSWORDS = PasswordHasher()  # argon2id, library defaults (t=3, 64 MiB)
# Tokens carry 256 random bits: the OWASP minimum argon2id profile is plenty and keeps requests fast.
_TOKENS = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# sha256(token) -> (token id, secret hash); sha256(name:password) -> (-user id, password hash)
_VERIFIED: dict[str, tuple[int, str]] = {}
_VERIFIED_MAX = 4096
#: The ``Authorization: Bearer`` scheme of the API (shown in the OpenAPI schema).
bearer_scheme = HTTPBearer(auto_error=False, description="API token printed by `siting users add`")


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _PASSWORDS.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _PASSWORDS.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_district(name_or_code: str) -> str:
    """SIG_CD of a Seoul district from any of its names (``노원구``, ``노원``, ``11350``).

    Raises
    ------
    ConfigError
        When the name is not one of Seoul's 25 districts.
    """
    from layers.districts import district_code

    code = district_code(name_or_code)
    if code is None:
        raise ConfigError(
            f"{name_or_code!r} is not one of Seoul's 25 districts",
            layer="district",
            fix="give a district name such as 노원구 or its SIG_CD such as 11350",
        )
    return code


@cache
def district_names() -> dict[str, str]:
    """SIG_CD → Korean name of Seoul's 25 districts (``"11350": "노원구"``)."""
    from layers.districts import load_districts

    layer = load_districts()
    return {str(k): str(v) for k, v in zip(layer["sig_cd"], layer["name_ko"], strict=True)}


def district_label(sig_cd: str | None) -> str | None:
    """``"노원구 (11350)"`` for a SIG_CD, for messages."""
    if sig_cd is None:
        return None
    return f"{district_names().get(sig_cd, '?')} ({sig_cd})"


def issue_token(session: Session, user: User) -> str:
    """Create an API token for ``user``; returns the only clear copy (stored hashed)."""
    lookup = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    session.add(Token(user_id=user.id, lookup=lookup, secret_hash=_TOKENS.hash(secret)))
    return f"sit_{lookup}_{secret}"


def create_user(
    session: Session, name: str, role: str, district: str | None = None
) -> tuple[User, str, str]:
    """Add a user with a generated password and API token.

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    name : str
        Sign-in name, unique.
    role : {"city", "district", "viewer"}
        Role.
    district : str, optional
        The planner's district (any name or SIG_CD); required for ``district``,
        refused for the others.

    Returns
    -------
    (User, str, str)
        The user, its password and its token (the only clear copies).
    """
    name = name.strip()
    if not name:
        raise ConfigError("a user needs a name", layer="users", fix="give a non-empty NAME")
    if role not in ROLES:
        raise ConfigError(
            f"unknown role {role!r}", layer="users", fix=f"use one of {', '.join(ROLES)}"
        )
    if role == "district" and not district:
        raise ConfigError(
            "a district planner needs a district",
            layer="users",
            fix="add --district with the district's name, e.g. --district 노원구",
        )
    if role != "district" and district:
        raise ConfigError(
            f"role {role!r} is not tied to a district",
            layer="users",
            fix="drop --district, or use --role district",
        )
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise ConfigError(
            f"user {name!r} already exists",
            layer="users",
            fix=f"choose another name, or `siting users reset {name}` for new credentials",
        )
    code = normalise_district(district) if district else None
    password = secrets.token_urlsafe(12)
    user = User(name=name, role=role, district=code, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    token = issue_token(session, user)
    return user, password, token


def reset_user(session: Session, user: User) -> tuple[str, str]:
    """New password and token for ``user``; every earlier token is revoked."""
    for token in session.scalars(select(Token).where(Token.user_id == user.id)):
        token.revoked = True
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    user.disabled = False
    return password, issue_token(session, user)


def user_public(user: User) -> dict[str, Any]:
    """What the API and the audit log show of a user (never a hash)."""
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "district": user.district,
        "disabled": user.disabled,
    }


def _unauthorised(detail: str) -> Problem:
    # Basic is accepted but not advertised, so browsers never pop up a password dialog.
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="siting"'})


def _user_of_token(session: Session, token: str) -> User | None:
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "sit":
        return None
    lookup, secret = parts[1], "_".join(parts[2:])
    row = session.scalar(select(Token).where(Token.lookup == lookup))
    if row is None or row.revoked:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    if _VERIFIED.get(digest) != (row.id, row.secret_hash):
        try:
            _TOKENS.verify(row.secret_hash, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[digest] = (row.id, row.secret_hash)
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return user


def _user_of_basic(session: Session, encoded: str) -> User | None:
    """HTTP Basic (for GIS clients such as QGIS): user name and its API token or password."""
    try:
        name, _, secret = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if secret.startswith("sit_"):
        user = _user_of_token(session, secret)
        return user if user is not None and user.name == name else None
    user = session.scalar(select(User).where(User.name == name))
    if user is None or user.disabled:
        return None
    digest = hashlib.sha256(f"{name}:{secret}".encode()).hexdigest()
    if _VERIFIED.get(digest) != (-user.id, user.password_hash):
        if not verify_password(user.password_hash, secret):
            return None
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[digest] = (-user.id, user.password_hash)
    return user


def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None, session: Session
) -> User:
    """The signed-in user of a request, read with ``session``; raises a 401 problem.

    Accepted: ``Authorization: Bearer <token>``; HTTP Basic with the user name and its
    token (or password), for GIS clients that only offer Basic authentication. A session
    middleware (web pages) may put a user id in ``request.state.user_id``; it is honoured
    when no credentials are sent.
    """
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if credentials is None and scheme.lower() == "basic" and value.strip():
        user = _user_of_basic(session, value.strip())
        if user is None:
            raise _unauthorised("the user name or its token/password is not valid")
        return user
    if credentials is None:
        user_id = getattr(request.state, "user_id", None)
        if user_id is not None:
            user = session.get(User, user_id)
            if user is not None and not user.disabled:
                return user
        raise _unauthorised("sign in: send the header 'Authorization: Bearer <token>'")
    user = _user_of_token(session, credentials.credentials)
    if user is None:
        raise _unauthorised(
            "the token is not valid (mistyped, revoked, or its user is disabled); "
            "ask the administrator for a new one (`siting users reset NAME`)"
        )
    return user


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    """FastAPI dependency: the signed-in user (:func:`authenticate`), or 401.

    The user is read in a session of its own, closed (its transaction ended and its
    connection back in the pool) before the route runs: a request never holds a store
    connection while it waits for a worker thread, which under load could exhaust the
    pool and deadlock the server. The returned user is detached; its columns stay loaded.
    """
    # Closing the session (not rolling back, which would expire the user's columns)
    # ends its transaction and detaches the user with its columns loaded.
    with get_store(request).session() as session:
        return authenticate(request, credentials, session)


#: Annotated type for routes: ``user: CurrentUser``.
CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[..., User]:
    """FastAPI dependency factory: the current user if its role is one of ``roles``, else 403.

    Examples
    --------
    >>> @router.post("/rounds")  # doctest: +SKIP
    ... def create(user: Annotated[User, Depends(require_role("city"))]): ...
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def dependency(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Problem(
                403,
                f"this needs the role {' or '.join(roles)}; you are signed in as "
                f"{user.name!r} ({user.role})",
            )
        return user

    return dependency


def can_read_district(user: User, district: str | None, published: bool) -> bool:
    """Whether ``user`` may read data of ``district`` (SIG_CD; ``None`` = city-wide).

    City staff read everything; a planner reads its own district, and other
    districts' data only once ``published``; viewers read published data only.
    """
    if user.role == "city":
        return True
    if published:
        return True
    return user.role == "district" and district is not None and district == user.district


def can_write_district(user: User, district: str | None) -> bool:
    """Whether ``user`` may change data of ``district``: city staff, or its own planner."""
    if user.role == "city":
        return True
    return user.role == "district" and district is not None and district == user.district
