"""A district planner's ``plan`` run on its grant: the published round as the plan's input.

``siting plan`` reads a scored round table (``<program>_round.csv``). From the pages a
district planner does not upload one: the plan runs on the round that funds the
district (the latest published version, :func:`service.pages.jobs.district_grant`),
whose table the service wrote when it scored the round. That file is handed to the
``plan`` process as an upload of the planner (the process reads files only through
uploads or jobs the caller may read), made once per published version and reused.
The process then plans the planner's own district only (its role scoping). City staff
pick one of the published rounds instead and plan every district it funds.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import record
from service.models import Round, RoundVersion, Upload, User, new_id
from service.pages.i18n import Translator
from service.settings import Settings

__all__ = ["PLANNED_PROGRAMS", "grant_plan_error", "grant_round_upload", "published_rounds"]

log = logging.getLogger(__name__)

#: Programmes whose grants buy new sites: ``siting plan`` plans them
#: (``siting.jobs_plan.PROGRAM_DEVICES``, not imported here to keep pandas out of the pages).
PLANNED_PROGRAMS = ("cctv-new", "wifi", "pole")


def grant_plan_error(grant: dict[str, Any] | None, t: Translator) -> str | None:
    """Why a district's plan cannot run on its grant (in the page's language), or ``None``."""
    if grant is None:
        return t("err_plan_no_grant")
    if grant["program"] not in PLANNED_PROGRAMS:
        program = t("program_" + grant["program"].replace("-", "_"))
        return t("err_plan_not_sites", program=program)
    return None


def published_rounds(db: Session) -> list[dict[str, Any]]:
    """Published rounds a plan can run on (latest published version of each), newest first:
    ``round_id``, ``version``, ``program``, ``title``, ``year``."""
    rows = db.execute(
        select(RoundVersion, Round)
        .join(Round, Round.id == RoundVersion.round_id)
        .where(RoundVersion.published_at.is_not(None), Round.program.in_(PLANNED_PROGRAMS))
        .order_by(RoundVersion.published_at.desc(), RoundVersion.version.desc())
    ).all()
    seen: set[int] = set()
    out = []
    for version, round_ in rows:
        if round_.id in seen:
            continue
        seen.add(round_.id)
        out.append(
            {
                "round_id": round_.id,
                "version": version.version,
                "program": round_.program,
                "title": round_.title,
                "year": round_.year,
            }
        )
    return out


def _round_file(db: Session, data_dir: Path, grant: dict[str, Any]) -> Path:
    version = db.scalar(
        select(RoundVersion).where(
            RoundVersion.round_id == grant["round_id"],
            RoundVersion.version == grant["version"],
        )
    )
    if version is None or not version.artifacts_dir:
        raise LookupError(f"round {grant['round_id']} v{grant['version']} has no files")
    name = f"{grant['program']}_round.csv"
    if name not in (version.files or []):
        raise LookupError(f"round {grant['round_id']} v{grant['version']} has no {name}")
    return data_dir / version.artifacts_dir / name


def grant_round_upload(db: Session, settings: Settings, user: User, grant: dict[str, Any]) -> str:
    """The id of the user's upload holding a published round's table (made on first use).

    Parameters
    ----------
    db : Session
        The request's session (committed here when an upload is added).
    settings : Settings
        The service's settings (data and uploads folders).
    user : User
        The planner (a district planner on its grant, or city staff on a published round).
    grant : dict
        ``round_id``, ``version`` and ``program`` of a published round version: the
        :func:`service.pages.jobs.district_grant` of a district, or an item of
        :func:`published_rounds`.

    Returns
    -------
    str
        Upload id for the ``plan`` process's ``round`` input.
    """
    data_dir = Path(settings.data)
    source = _round_file(db, data_dir, grant)
    body = source.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    existing = db.scalar(
        select(Upload).where(
            Upload.owner_id == user.id,
            Upload.sha256 == digest,
            Upload.filename == source.name,
        )
    )
    if existing is not None and (data_dir / existing.path).is_file():
        return existing.id
    upload_id = new_id()
    target = Path(settings.uploads_dir) / upload_id / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    upload = Upload(
        id=upload_id,
        owner_id=user.id,
        district=user.district if user.role == "district" else None,
        filename=source.name,
        path=target.relative_to(data_dir).as_posix(),
        size=len(body),
        sha256=digest,
        content_type="text/csv",
        inspection=None,
    )
    db.add(upload)
    record(
        db,
        user,
        "upload.create",
        "upload",
        upload_id,
        after={
            "filename": source.name,
            "size": len(body),
            "sha256": digest,
            "from_round": grant["round_id"],
            "version": grant["version"],
        },
    )
    db.commit()
    log.info(
        "round %s v%s table given to %s's plan", grant["round_id"], grant["version"], user.name
    )
    return upload_id
