"""``/rounds``: the subsidy-round workflow over HTTP.

Each route checks the role it needs (``require_role`` / ``current_user``), opens its
session with :func:`service.db.route_session` and calls one workflow step of
:mod:`service.rounds` (the web pages call the same steps). The session is closed
before FastAPI serialises the answer in another thread.

Examples
--------
A city officer creates a round (answer: the round, ``"status": "draft"``)::

    curl -X POST http://127.0.0.1:8000/rounds -H "Authorization: Bearer $CITY" \\
         -H "Content-Type: application/json" -d '{"program": "wifi", "year": 2026}'
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import FileResponse

from service import rounds
from service.auth import CurrentUser, require_role
from service.db import get_store, route_session
from service.models import User
from service.problems import problem_responses
from service.rounds import (
    RoundCreate,
    RoundOut,
    ScoreIn,
    SubmissionIn,
    SubmissionOut,
    VersionOut,
    VersionSummary,
)

__all__ = ["router"]

router = APIRouter(prefix="/rounds", tags=["rounds"])

RoundId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Round id")]
VersionNo = Annotated[int, Path(ge=1, le=2**31 - 1, description="Result version")]
DistrictPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[^\x00/]*$",
        description="District name or SIG_CD (노원구, 11350)",
    ),
]
FileName = Annotated[str, Path(max_length=200, pattern=r"^[^\x00/\\]+$")]
CityUser = Annotated[User, Depends(require_role("city"))]

#: Media types of a result version's files (CSV, XLSX, Markdown and HTML report, run.json).
_FILE_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/markdown",
    "text/html",
    "application/json",
    "application/octet-stream",
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RoundOut,
    responses=problem_responses(403, 409, 422),
)
def create_round(body: RoundCreate, user: CityUser, request: Request) -> RoundOut:
    """Create a round (city). Criteria overrides are checked against the programme's criteria."""
    with route_session(request) as session:
        return rounds.create_round(body, user, session)


@router.get("", response_model=list[RoundOut])
def list_rounds(user: CurrentUser, request: Request) -> list[RoundOut]:
    """Rounds the caller may see, newest first."""
    with route_session(request) as session:
        return rounds.list_rounds(user, session)


@router.get("/{round_id}", response_model=RoundOut, responses=problem_responses(404))
def get_round(round_id: RoundId, user: CurrentUser, request: Request) -> RoundOut:
    """One round (404 for a round that does not exist or that you may not see yet)."""
    with route_session(request) as session:
        return rounds.get_round(round_id, user, session)


@router.post(
    "/{round_id}/open", response_model=RoundOut, responses=problem_responses(403, 404, 409)
)
def open_round(round_id: RoundId, user: CityUser, request: Request) -> RoundOut:
    """Open a draft round for submissions (city)."""
    with route_session(request) as session:
        return rounds.open_round(round_id, user, session)


@router.post(
    "/{round_id}/close", response_model=RoundOut, responses=problem_responses(403, 404, 409)
)
def close_round(round_id: RoundId, user: CityUser, request: Request) -> RoundOut:
    """Close submissions (city)."""
    with route_session(request) as session:
        return rounds.close_round(round_id, user, session)


@router.put(
    "/{round_id}/submissions/{district}",
    response_model=SubmissionOut,
    responses=problem_responses(403, 404, 409),
)
def put_submission(
    round_id: RoundId,
    district: DistrictPath,
    body: SubmissionIn,
    user: CurrentUser,
    request: Request,
) -> SubmissionOut:
    """Write a district's request: its planner while the round is open; city staff also after
    closing (a correction, audited, that counts from the next scoring)."""
    with route_session(request) as session:
        return rounds.put_submission(round_id, district, body, user, session)


@router.get(
    "/{round_id}/submissions",
    response_model=list[SubmissionOut],
    responses=problem_responses(404),
)
def list_submissions(round_id: RoundId, user: CurrentUser, request: Request) -> list[SubmissionOut]:
    """Submissions the caller may read (a planner: its own, and the others once published)."""
    with route_session(request) as session:
        return rounds.list_submissions(round_id, user, session)


@router.get(
    "/{round_id}/submissions/{district}",
    response_model=SubmissionOut,
    responses=problem_responses(404),
)
def get_submission(
    round_id: RoundId, district: DistrictPath, user: CurrentUser, request: Request
) -> SubmissionOut:
    """One district's submission (404: no such submission, or not yours to read)."""
    with route_session(request) as session:
        return rounds.get_submission(round_id, district, user, session)


@router.post(
    "/{round_id}/score",
    response_model=VersionOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 404, 409),
)
def score(
    round_id: RoundId, user: CityUser, request: Request, body: ScoreIn | None = None
) -> VersionOut:
    """Score and allocate (city) with the shipped scoring; every call adds a new version."""
    with route_session(request) as session:
        return rounds.score(round_id, user, session, get_store(request), body)


@router.post(
    "/{round_id}/publish", response_model=VersionOut, responses=problem_responses(403, 404, 409)
)
def publish(round_id: RoundId, user: CityUser, request: Request) -> VersionOut:
    """Publish the latest version (city): every role can then read it."""
    with route_session(request) as session:
        return rounds.publish(round_id, user, session)


@router.get(
    "/{round_id}/versions",
    response_model=list[VersionSummary],
    responses=problem_responses(404),
)
def list_versions(round_id: RoundId, user: CurrentUser, request: Request) -> list[VersionSummary]:
    """Versions of the round's result (others than city staff: published ones)."""
    with route_session(request) as session:
        return rounds.list_versions(round_id, user, session)


@router.get("/{round_id}/results", response_model=VersionOut, responses=problem_responses(404))
def latest_result(round_id: RoundId, user: CurrentUser, request: Request) -> VersionOut:
    """The latest result the caller may read (city: latest scored; others: latest published)."""
    with route_session(request) as session:
        return rounds.latest_result(round_id, user, session)


@router.get(
    "/{round_id}/results/{version}", response_model=VersionOut, responses=problem_responses(404)
)
def result(
    round_id: RoundId, version: VersionNo, user: CurrentUser, request: Request
) -> VersionOut:
    """One version of the result."""
    with route_session(request) as session:
        return rounds.result(round_id, version, user, session)


@router.get(
    "/{round_id}/results/{version}/files/{name}",
    response_class=FileResponse,
    responses={
        200: {"content": {media: {} for media in _FILE_TYPES}},
        **problem_responses(404),
    },
)
def result_file(
    round_id: RoundId, version: VersionNo, name: FileName, user: CurrentUser, request: Request
) -> FileResponse:
    """Download one file of a version (XLSX, CSV, report, run.json)."""
    with route_session(request) as session:
        return rounds.result_file(round_id, version, name, user, session, get_store(request))
