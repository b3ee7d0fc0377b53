"""Subsidy rounds: create → open → districts submit → close → score → publish.

The workflow steps are plain functions of a session and the signed-in user; the
HTTP routes (:mod:`service.routes_rounds`, each opening its own
:func:`service.db.route_session`) and the web pages (``service/pages/rounds.py``)
call them. A step commits its own change.

Who may do what:

- **city**: create, open, close, score (again after a correction: a new version,
  earlier versions kept), publish; read and correct every submission.
- **district**: see rounds once opened; write its own district's submission while
  the round is open; read other districts' submissions and results only once
  the round is published (otherwise 404, which does not reveal them).
- **viewer**: published rounds and their published results.

The callers check the role of the city-only steps (create, open, close, score,
publish); every step checks what depends on the round and the district.

Amounts are whole KRW (원): ``requested_krw`` is the total project cost,
``matching_secured_krw`` the district's secured share. Every change is
written to the audit log with its before/after state.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.money import parse_krw
from scoring.criteria import PROGRAMS
from service.audit import record, snapshot
from service.auth import (
    can_read_district,
    can_write_district,
    district_names,
    normalise_district,
)
from service.db import Store
from service.geotables import write_round_result
from service.models import (
    Round,
    RoundVersion,
    Submission,
    SubmissionAttachment,
    Upload,
    User,
    utcnow,
)
from service.problems import Problem
from service.round_scoring import (
    ROUND_INPUTS,
    SETTING_OVERRIDES,
    effective_settings,
    score_round_version,
)

__all__ = [
    "RoundCreate",
    "RoundOut",
    "ScoreIn",
    "SubmissionIn",
    "SubmissionOut",
    "VersionOut",
    "VersionSummary",
    "close_round",
    "create_round",
    "get_round",
    "get_submission",
    "latest_result",
    "list_rounds",
    "list_submissions",
    "list_versions",
    "open_round",
    "publish",
    "put_submission",
    "result",
    "result_file",
    "score",
]

Program = Literal["cctv-new", "cctv-replace", "cctv-intelligent", "wifi", "pole"]
assert set(Program.__args__) == set(PROGRAMS)  # type: ignore[attr-defined]

Krw = Annotated[int, Field(ge=0, le=10**15, description="Whole KRW (원)")]
#: Text without NUL characters (PostgreSQL text cannot hold them).
_TEXT = r"^[^\x00]*$"
UploadId = Annotated[str, Field(pattern=r"^[0-9a-f]{1,32}$", description="Upload id")]
#: An amount as a number of won or as planners write it ("60억", "6억 5천만", "600000천원").
KrwIn = (
    Krw
    | Annotated[
        str, Field(min_length=1, max_length=40, pattern=_TEXT, examples=["60억", "600000천원"])
    ]
)


class RoundCreate(BaseModel):
    """A new round (status ``draft``)."""

    model_config = ConfigDict(extra="forbid")

    program: Program
    year: Annotated[int, Field(ge=2000, le=2100)]
    title: Annotated[str, Field(max_length=200, pattern=_TEXT)] = ""
    budget_krw: KrwIn | None = Field(
        default=None,
        description="City budget of the round (KRW, or text such as 60억); none = no cap",
    )
    criteria: dict[str, Any] = Field(
        default_factory=dict,
        description=f"Overrides of the criteria settings: {', '.join(SETTING_OVERRIDES)}",
    )
    inputs: dict[str, UploadId] = Field(
        default_factory=dict,
        description="Upload ids of round inputs: districts (statistics CSV), grid (graded "
        "risk grid GeoTIFF), criteria (criteria TOML)",
    )


class RoundOut(BaseModel):
    """A round as the API shows it."""

    id: int
    program: str
    year: int
    title: str
    budget_krw: int | None
    criteria: dict[str, Any]
    inputs: dict[str, str]
    settings: dict[str, Any]
    status: str
    published_version: int | None
    created_at: datetime
    updated_at: datetime


class SubmissionIn(BaseModel):
    """A district's request."""

    model_config = ConfigDict(extra="forbid")

    requested_krw: KrwIn = Field(description="Total project cost requested (KRW, or 4억 …)")
    matching_secured_krw: KrwIn = Field(
        description="Matching funds the district has secured (KRW, or 2억 …)"
    )
    commitment_rating: Annotated[float, Field(ge=0, le=100)] | None = Field(
        default=None, description="Commitment (추진의지) rating entered by the planner"
    )
    note: Annotated[str, Field(max_length=2000, pattern=_TEXT)] = ""
    attachments: Annotated[list[UploadId], Field(max_length=20)] = Field(
        default_factory=list, description="Upload ids (proof of matching budget, …)"
    )
    submit: bool = Field(
        default=True, description="false keeps it as a draft the city does not score"
    )


class SubmissionOut(BaseModel):
    """A submission as the API shows it."""

    id: int
    round_id: int
    district: str
    district_name: str
    requested_krw: int
    matching_secured_krw: int
    commitment_rating: float | None
    note: str
    status: str
    attachments: list[str]
    updated_at: datetime


class ScoreIn(BaseModel):
    """Why this scoring (e.g. the correction made since the last version)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=2000, pattern=_TEXT)] = ""


class VersionOut(BaseModel):
    """One scored version of a round."""

    round_id: int
    version: int
    reason: str
    settings: dict[str, Any]
    totals: dict[str, Any]
    table: list[dict[str, Any]]
    files: list[str]
    created_at: datetime
    published_at: datetime | None


class VersionSummary(BaseModel):
    """A version without its table."""

    version: int
    reason: str
    totals: dict[str, Any]
    created_at: datetime
    published_at: datetime | None


def _krw(value: int | str | None, what: str) -> int | None:
    """Whole KRW from a number or planner text, through the one money parser."""
    if value is None:
        return None
    amount = parse_krw(value, what=what)
    if amount > 10**15:
        raise Problem(422, f"{what} of {amount:,} KRW is beyond any budget; check the unit")
    return amount


def _round_out(round_: Round) -> RoundOut:
    overrides = dict(round_.criteria_overrides or {})
    inputs = overrides.pop("inputs", {})
    return RoundOut(
        id=round_.id,
        program=round_.program,
        year=round_.year,
        title=round_.title,
        budget_krw=round_.budget_krw,
        criteria=overrides,
        inputs=inputs,
        settings=effective_settings(round_.program, round_.budget_krw, overrides),
        status=round_.status,
        published_version=round_.published_version,
        created_at=round_.created_at,
        updated_at=round_.updated_at,
    )


def _visible(user: User, round_: Round) -> bool:
    if user.role == "city":
        return True
    if user.role == "district":
        return round_.status != "draft"
    return round_.published_version is not None


def _get_round(session: Session, user: User, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None or not _visible(user, round_):
        raise Problem(404, f"no round {round_id}")
    return round_


def _need(round_: Round, *states: str, action: str) -> None:
    if round_.status not in states:
        raise Problem(
            409,
            f"round {round_.id} is {round_.status}; {action} needs it to be {' or '.join(states)}",
            title="Round is in another state",
        )


def _attachments(session: Session, submission_id: int) -> list[str]:
    return list(
        session.scalars(
            select(SubmissionAttachment.upload_id)
            .where(SubmissionAttachment.submission_id == submission_id)
            .order_by(SubmissionAttachment.id)
        )
    )


def _submission_out(session: Session, s: Submission) -> SubmissionOut:
    return SubmissionOut(
        id=s.id,
        round_id=s.round_id,
        district=s.district,
        district_name=district_names().get(s.district, s.district),
        requested_krw=s.requested_krw,
        matching_secured_krw=s.matching_secured_krw,
        commitment_rating=s.commitment_rating,
        note=s.note,
        status=s.status,
        attachments=_attachments(session, s.id),
        updated_at=s.updated_at,
    )


def _can_read_submission(user: User, round_: Round, s: Submission) -> bool:
    published = round_.published_version is not None and s.status == "submitted"
    return can_read_district(user, s.district, published)


def _round_snapshot(round_: Round) -> dict[str, Any]:
    return snapshot(round_)


def create_round(body: RoundCreate, user: User, session: Session) -> RoundOut:
    """Create a round (city). Criteria overrides are checked against the programme's criteria."""
    unknown_inputs = sorted(set(body.inputs) - set(ROUND_INPUTS))
    if unknown_inputs:
        raise Problem(
            422,
            f"unknown round inputs {unknown_inputs}; use any of {', '.join(ROUND_INPUTS)}",
        )
    for key, upload_id in body.inputs.items():
        if session.get(Upload, upload_id) is None:
            raise Problem(422, f"no upload {upload_id!r} for input {key!r}")
    budget = _krw(body.budget_krw, "budget_krw")
    effective_settings(body.program, budget, body.criteria)  # validates
    overrides: dict[str, Any] = dict(body.criteria)
    if body.inputs:
        overrides["inputs"] = dict(body.inputs)
    round_ = Round(
        program=body.program,
        year=body.year,
        title=body.title,
        budget_krw=budget,
        criteria_overrides=overrides,
        created_by=user.id,
    )
    session.add(round_)
    session.flush()
    record(session, user, "round.create", "round", round_.id, after=_round_snapshot(round_))
    session.commit()
    return _round_out(round_)


def list_rounds(user: User, session: Session) -> list[RoundOut]:
    """Rounds the caller may see, newest first."""
    rounds = session.scalars(select(Round).order_by(Round.id.desc()))
    return [_round_out(r) for r in rounds if _visible(user, r)]


def get_round(round_id: int, user: User, session: Session) -> RoundOut:
    """One round."""
    return _round_out(_get_round(session, user, round_id))


def _transition(
    session: Session, user: User, round_id: int, *, states: tuple[str, ...], to: str, action: str
) -> Round:
    round_ = _get_round(session, user, round_id)
    _need(round_, *states, action=action)
    before = _round_snapshot(round_)
    round_.status = to
    round_.updated_at = utcnow()
    record(
        session,
        user,
        f"round.{action}",
        "round",
        round_.id,
        before=before,
        after=_round_snapshot(round_),
    )
    return round_


def open_round(round_id: int, user: User, session: Session) -> RoundOut:
    """Open a draft round for submissions (city)."""
    round_ = _transition(session, user, round_id, states=("draft",), to="open", action="open")
    session.commit()
    return _round_out(round_)


def close_round(round_id: int, user: User, session: Session) -> RoundOut:
    """Close submissions (city)."""
    round_ = _transition(session, user, round_id, states=("open",), to="closed", action="close")
    session.commit()
    return _round_out(round_)


def put_submission(
    round_id: int,
    district: str,
    body: SubmissionIn,
    user: User,
    session: Session,
) -> SubmissionOut:
    """Write a district's request: its planner while the round is open; city staff also after
    closing (a correction, audited, that counts from the next scoring)."""
    round_ = _get_round(session, user, round_id)
    code = normalise_district(district)
    if not can_write_district(user, code):
        if user.role == "viewer":
            raise Problem(403, "viewers cannot submit requests")
        raise Problem(404, f"no submission of district {district} in round {round_id}")
    if user.role == "city":
        _need(round_, "open", "closed", "scored", "published", action="a submission")
    else:
        _need(round_, "open", action="a submission")
    requested = _krw(body.requested_krw, "requested_krw")
    matching = _krw(body.matching_secured_krw, "matching_secured_krw")
    assert requested is not None and matching is not None
    for upload_id in body.attachments:
        upload = session.get(Upload, upload_id)
        if upload is None or not (upload.district == code or upload.owner_id == user.id):
            raise Problem(422, f"no upload {upload_id!r} of district {code} to attach")
    submission = session.scalar(
        select(Submission).where(Submission.round_id == round_id, Submission.district == code)
    )
    before = None
    if submission is None:
        submission = Submission(round_id=round_id, district=code)
        session.add(submission)
    else:
        before = snapshot(submission) | {"attachments": _attachments(session, submission.id)}
    submission.requested_krw = requested
    submission.matching_secured_krw = matching
    submission.commitment_rating = body.commitment_rating
    submission.note = body.note
    submission.status = "submitted" if body.submit else "draft"
    submission.updated_by = user.id
    submission.updated_at = utcnow()
    session.flush()
    current = _attachments(session, submission.id)
    if current != body.attachments:
        for row in session.scalars(
            select(SubmissionAttachment).where(SubmissionAttachment.submission_id == submission.id)
        ):
            session.delete(row)
        session.flush()
        for upload_id in dict.fromkeys(body.attachments):
            session.add(SubmissionAttachment(submission_id=submission.id, upload_id=upload_id))
        session.flush()
    action = "submission.correct" if round_.status != "open" else "submission.write"
    after = snapshot(submission) | {"attachments": _attachments(session, submission.id)}
    record(session, user, action, "submission", submission.id, before=before, after=after)
    session.commit()
    return _submission_out(session, submission)


def list_submissions(round_id: int, user: User, session: Session) -> list[SubmissionOut]:
    """Submissions the caller may read (a planner: its own, and the others once published)."""
    round_ = _get_round(session, user, round_id)
    rows = session.scalars(
        select(Submission).where(Submission.round_id == round_id).order_by(Submission.district)
    )
    return [_submission_out(session, s) for s in rows if _can_read_submission(user, round_, s)]


def get_submission(round_id: int, district: str, user: User, session: Session) -> SubmissionOut:
    """One district's submission."""
    round_ = _get_round(session, user, round_id)
    code = normalise_district(district)
    submission = session.scalar(
        select(Submission).where(Submission.round_id == round_id, Submission.district == code)
    )
    if submission is None or not _can_read_submission(user, round_, submission):
        raise Problem(404, f"no submission of district {district} in round {round_id}")
    return _submission_out(session, submission)


def score(
    round_id: int,
    user: User,
    session: Session,
    store: Store,
    body: ScoreIn | None = None,
) -> VersionOut:
    """Score and allocate (city) with the shipped scoring; every call adds a new version."""
    round_ = _get_round(session, user, round_id)
    _need(round_, "closed", "scored", "published", action="scoring")
    submitted = session.scalar(
        select(Submission.id).where(
            Submission.round_id == round_id, Submission.status == "submitted"
        )
    )
    if submitted is None:
        raise Problem(409, f"no district has submitted a request in round {round_id}")
    reason = body.reason if body else ""
    version = score_round_version(session, store.settings, round_, user, reason)
    before = _round_snapshot(round_)
    round_.status = "scored"
    round_.updated_at = utcnow()
    record(
        session,
        user,
        "round.score",
        "round",
        round_.id,
        before=before,
        after=_round_snapshot(round_) | {"version": version.version, "totals": version.totals},
    )
    session.commit()
    return _version_out(version)


def publish(round_id: int, user: User, session: Session) -> VersionOut:
    """Publish the latest version (city): every role can then read it."""
    round_ = _get_round(session, user, round_id)
    _need(round_, "scored", action="publishing")
    version = _latest_version(session, round_id)
    assert version is not None  # a scored round has a version
    before = _round_snapshot(round_)
    version.published_at = utcnow()
    round_.published_version = version.version
    round_.status = "published"
    round_.updated_at = utcnow()
    write_round_result(session, round_.id, version.version, round_.program, version.table)
    record(
        session,
        user,
        "round.publish",
        "round",
        round_.id,
        before=before,
        after=_round_snapshot(round_),
    )
    session.commit()
    return _version_out(version)


def _latest_version(
    session: Session, round_id: int, published: bool = False
) -> RoundVersion | None:
    query = select(RoundVersion).where(RoundVersion.round_id == round_id)
    if published:
        query = query.where(RoundVersion.published_at.is_not(None))
    return session.scalar(query.order_by(RoundVersion.version.desc()).limit(1))


def _version_out(v: RoundVersion) -> VersionOut:
    return VersionOut(
        round_id=v.round_id,
        version=v.version,
        reason=v.reason,
        settings=v.settings,
        totals=v.totals,
        table=v.table,
        files=v.files,
        created_at=v.created_at,
        published_at=v.published_at,
    )


def _readable_version(
    session: Session, user: User, round_id: int, number: int | None
) -> RoundVersion:
    _get_round(session, user, round_id)
    if number is None:
        version = _latest_version(session, round_id, published=user.role != "city")
    else:
        version = session.scalar(
            select(RoundVersion).where(
                RoundVersion.round_id == round_id, RoundVersion.version == number
            )
        )
        if version is not None and user.role != "city" and version.published_at is None:
            version = None
    if version is None:
        which = "no result yet" if number is None else f"no version {number}"
        raise Problem(404, f"round {round_id}: {which}")
    return version


def list_versions(round_id: int, user: User, session: Session) -> list[VersionSummary]:
    """Versions of the round's result (others than city staff: published ones)."""
    _get_round(session, user, round_id)
    query = select(RoundVersion).where(RoundVersion.round_id == round_id)
    if user.role != "city":
        query = query.where(RoundVersion.published_at.is_not(None))
    return [
        VersionSummary(
            version=v.version,
            reason=v.reason,
            totals=v.totals,
            created_at=v.created_at,
            published_at=v.published_at,
        )
        for v in session.scalars(query.order_by(RoundVersion.version))
    ]


def latest_result(round_id: int, user: User, session: Session) -> VersionOut:
    """The latest result the caller may read (city: latest scored; others: latest published)."""
    return _version_out(_readable_version(session, user, round_id, None))


def result(round_id: int, version: int, user: User, session: Session) -> VersionOut:
    """One version of the result."""
    return _version_out(_readable_version(session, user, round_id, version))


def result_file(
    round_id: int,
    version: int,
    name: str,
    user: User,
    session: Session,
    store: Store,
) -> FileResponse:
    """Download one file of a version (XLSX, CSV, report, run.json)."""
    v = _readable_version(session, user, round_id, version)
    if name not in v.files:
        raise Problem(404, f"version {version} of round {round_id} has no file {name!r}")
    path = store.settings.data / v.artifacts_dir / name
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, filename=name)
