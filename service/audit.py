"""The append-only audit log: who changed what, when, with the state before and after.

Routes add entries with :func:`record` in the same transaction as the change
(so a change and its entry are committed together or not at all). The
database refuses UPDATE and DELETE on the table (triggers from the first
migration). City staff read it at ``GET /audit``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from service.auth import require_role
from service.db import route_session
from service.models import AuditEntry, User
from service.problems import problem_responses

__all__ = ["AuditOut", "record", "router", "snapshot"]

#: Columns never copied into the log.
_SECRET_COLUMNS = frozenset({"password_hash", "secret_hash"})

router = APIRouter(tags=["audit"])


def snapshot(obj: Any) -> dict[str, Any]:
    """The columns of a model instance as JSON-ready values (no secrets)."""
    out: dict[str, Any] = {}
    for column in inspect(obj).mapper.column_attrs:
        if column.key in _SECRET_COLUMNS:
            continue
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """Add one entry (committed with the caller's transaction).

    Parameters
    ----------
    session : Session
        The session making the change.
    actor : User, optional
        Who made it (``None`` for the command line; then give ``actor_name``).
    action : str
        What was done (``round.create``, ``submission.update``, ``user.disable``, …).
    entity, entity_id : str
        What it was done to (``round``, ``7``).
    before, after : dict, optional
        State before and after (see :func:`snapshot`).
    actor_name : str, optional
        Name shown when there is no ``actor`` (``cli:root``).
    """
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else (actor_name or "system"),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


class AuditOut(BaseModel):
    """One audit entry."""

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get(
    "/audit",
    response_model=list[AuditOut],
    summary="Read the audit log (city)",
    responses=problem_responses(403),
)
def read_audit(
    _user: Annotated[User, Depends(require_role("city"))],
    request: Request,
    entity: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    entity_id: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    action: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditOut]:
    """Entries, newest first, optionally filtered by entity, entity id and action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    with route_session(request) as session:
        rows = session.scalars(query.limit(limit).offset(offset))
        return [AuditOut.model_validate(row, from_attributes=True) for row in rows]
