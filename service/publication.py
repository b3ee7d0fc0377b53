"""Publishing a job: city staff share a successful plan, propose or replace job read-only.

Rules
-----
* Only a **successful** ``plan``, ``propose`` or ``replace`` job may be published
  (:data:`PUBLISHABLE`); anything else is a conflict (409).
* Only **city staff** publish and unpublish, any district's job (403 otherwise).
  A district planner cannot publish its own district's plan: publication is the
  city's statement to the council and the other districts, like publishing a
  round's result; a planner asks the city office to publish it.
* Every publish and unpublish is written to the audit log in the same transaction
  (``job.publish`` / ``job.unpublish``, before and after ``published_at``).
* A published job cannot be dismissed (its artifacts would vanish under its
  readers): unpublish it first.

What a published job shows to someone who reads it only because it is published
(viewers, another district's planner): the status, a summary of its top-level
figures (:func:`shared_summary`: counts, coverage %, KRW; no settings, no
candidate ids), the per-district tables (:data:`SHARED_TABLES`) and the site
tables without sites on existing devices (:mod:`service.job_sites`). GeoPackages,
``run.json``, ``summary.json`` and every table of existing devices (a replace
job's ``replacement.csv``) are never shared.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service.audit import record
from service.job_sites import SITE_TABLES, shared_rows
from service.models import Job, User, utcnow
from service.problems import Problem

__all__ = [
    "PUBLISHABLE",
    "SHARED_TABLES",
    "is_published",
    "publish",
    "shared_csv",
    "shared_files",
    "shared_summary",
    "unpublish",
]

#: Processes whose successful jobs city staff may publish.
PUBLISHABLE = ("plan", "propose", "replace")
#: Per-district tables shared as they are (counts, KRW, coverage; no positions).
SHARED_TABLES = ("districts.csv", "plan_districts.csv", "replacement_districts.csv")


def is_published(job: Job) -> bool:
    """Whether city staff published the job."""
    return job.published_at is not None


def _require_city(user: User) -> None:
    if user.role != "city":
        raise Problem(
            403,
            "only city staff publish or unpublish a job; ask the city office to publish it",
        )


def _check(user: User, job: Job) -> None:
    _require_city(user)
    if job.process not in PUBLISHABLE:
        raise Problem(
            409,
            f"a {job.process} job cannot be published; only plan, propose and replace jobs are",
            title="Not publishable",
        )
    if job.status != "successful":
        raise Problem(
            409,
            f"job {job.id} is {job.status}; only a successful job can be published",
            title="Not publishable",
        )


def publish(session: Session, user: User, job: Job) -> bool:
    """Publish a job (caller commits); ``False`` when it already was (nothing recorded).

    Raises
    ------
    Problem
        403 for a user who is not city staff, 409 for a job that is not a
        successful plan, propose or replace job.
    """
    _check(user, job)
    if is_published(job):
        return False
    job.published_at = utcnow()
    job.published_by_id = user.id
    record(
        session,
        user,
        "job.publish",
        "job",
        job.id,
        before={"published_at": None},
        after={"published_at": job.published_at.isoformat(), "process": job.process},
    )
    return True


def unpublish(session: Session, user: User, job: Job) -> bool:
    """Withdraw a job's publication (caller commits); ``False`` when it was not published.

    Raises
    ------
    Problem
        403 for a user who is not city staff.
    """
    _require_city(user)
    if job.published_at is None:
        return False
    before = {"published_at": job.published_at.isoformat(), "published_by_id": job.published_by_id}
    job.published_at = None
    job.published_by_id = None
    record(
        session,
        user,
        "job.unpublish",
        "job",
        job.id,
        before=before,
        after={"published_at": None},
    )
    return True


def shared_files(job: Job) -> list[str]:
    """The artifacts of a job shared with its published readers, in the job's order."""
    if job.status != "successful":
        return []
    shared = (*SHARED_TABLES, *SITE_TABLES)
    return [str(n) for n in (job.results or {}).get("files", []) if str(n) in shared]


#: Summary entries never shared: the settings (candidate ids forced in or left out) and the
#: note telling staff to keep the unfiltered site files internal.
_UNSHARED_SUMMARY = frozenset({"settings", "privacy_note"})


def shared_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The top-level figures of a job's summary (numbers, text, flags); nested settings,
    candidate reports and per-district details are left out."""
    return {
        k: v
        for k, v in summary.items()
        if k not in _UNSHARED_SUMMARY and (v is None or isinstance(v, bool | int | float | str))
    }


def shared_csv(path: Path, name: str) -> bytes:
    """The shared bytes of an artifact CSV: site tables filtered, other tables as they are.

    The result is UTF-8 with BOM and ``\\n`` line ends like every table the jobs write.
    """
    if name not in SITE_TABLES:
        return path.read_bytes()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = shared_rows(reader.fieldnames or [], reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
