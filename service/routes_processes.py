"""OGC API – Processes (Part 1: Core): processes, execution, jobs, results, dismissal.

- ``GET /processes``, ``GET /processes/{id}``: the registry (:mod:`service.processes`).
- ``POST /processes/{id}/execution`` with ``{"inputs": {...}}``: with the header
  ``Prefer: respond-async`` the answer is ``201`` + ``Location: /jobs/{id}`` at once;
  without it the request waits for the job (up to :data:`SYNC_WAIT_S`) and returns
  the results (or the problem); a job still running then is answered like an async one.
- ``GET /jobs`` (yours and the published ones; city staff see all), ``GET /jobs/{id}``
  (status, progress %, message), ``GET /jobs/{id}/results``, ``DELETE /jobs/{id}``
  (dismiss: artifacts deleted), ``GET /jobs/{id}/artifacts/{name}`` (download).
- ``POST /jobs/{id}/publication`` / ``DELETE /jobs/{id}/publication``: city staff
  publish a successful plan, propose or replace job, or withdraw it
  (:mod:`service.publication`).

A job of another district is answered 404, as if it did not exist, unless it is
published: then viewers and other districts read its shared view only (summary
figures, per-district tables, new sites; never existing-device positions).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from service.audit import record
from service.db import Store, route_session
from service.executor import make_executor
from service.job_sites import collection_id
from service.jobs import TERMINAL, JobRunner
from service.models import Job, Upload, User
from service.problems import Problem
from service.processes import (
    FILES_KEY,
    PROCESSES,
    SERVICE_KEY,
    ProcessInputError,
    file_inputs,
    resolve_run,
    scope_inputs,
    validate_inputs,
)
from service.publication import publish, shared_csv, shared_files, shared_summary, unpublish
from service.routes_uploads import ApiUser, can_read_upload

__all__ = [
    "SYNC_WAIT_S",
    "can_read_job",
    "can_work_on_job",
    "job_doc",
    "lifespan",
    "reads_shared_view",
    "router",
    "visible_jobs_query",
]

log = logging.getLogger(__name__)

router = APIRouter(tags=["processes"])

#: Longest wait of a synchronous execution (s) before it is answered like an async one.
SYNC_WAIT_S = 120.0

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


@contextmanager
def lifespan(app: FastAPI) -> Iterator[None]:
    """Start the executor and job runner; recover jobs a dead server left unfinished."""
    store: Store = app.state.store
    settings = store.settings
    executor = getattr(app.state, "executor", None) or make_executor(
        settings.executor, workers=settings.workers
    )
    runner = JobRunner(
        store.sessionmaker,
        settings.database_url(),
        settings.data,
        executor,
        resolve_run,
        max_attempts=settings.job_attempts,
    )
    app.state.jobs = runner
    _fit_threads_to_pool(store)
    recovered = runner.recover()
    if recovered:
        log.warning("recovered %d unfinished job(s) after a restart", len(recovered))
    runner.start_watchdog()
    try:
        yield
    finally:
        runner.shutdown()


def _fit_threads_to_pool(store: Store) -> None:
    """Run at most as many request threads as the store has connections (less 3 for the
    job runner's own), so an overloaded server queues requests instead of failing them
    with a connection-pool time-out (500)."""
    import anyio.to_thread

    pool = store.engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    if not callable(size):
        return
    capacity = int(size()) + max(0, int(overflow))
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(4, min(int(limiter.total_tokens), capacity - 3))
    log.info("request threads: %d (store connections: %d)", limiter.total_tokens, capacity)


def _runner(request: Request) -> JobRunner:
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    if runner is None:
        raise Problem(503, "the job runner is not started", title="Service unavailable")
    return runner


def can_work_on_job(user: User, job: Job) -> bool:
    """Whether a user reads a job whole, dismisses it and re-runs it: city staff every job,
    a planner its own and its district's; viewers none."""
    if user.role == "city" or job.owner_id == user.id:
        return True
    return user.role == "district" and job.district is not None and job.district == user.district


def can_read_job(user: User, job: Job) -> bool:
    """Whether a user may read a job: every job it works on, and every published job."""
    return can_work_on_job(user, job) or job.published_at is not None


def reads_shared_view(user: User, job: Job) -> bool:
    """Whether a user reads a job only because it is published (its shared view only)."""
    return not can_work_on_job(user, job)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def job_doc(job: Job, *, shared: bool = False) -> dict[str, Any]:
    """The OGC status document of a job (with progress %, message, attempt and error).

    ``published`` is when city staff published it (``null``: not published). With
    ``shared`` (a reader of the published job only) the inputs are left out.
    """
    links = [{"href": f"/jobs/{job.id}", "rel": "self", "type": "application/json"}]
    if job.status == "successful":
        links.append(
            {
                "href": f"/jobs/{job.id}/results",
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/results",
                "type": "application/json",
            }
        )
        collection = collection_id(job)
        if collection is not None:
            links.append(
                {
                    "href": f"/collections/{collection}/items",
                    "rel": "items",
                    "type": "application/geo+json",
                    "title": "proposed sites (OGC API – Features)",
                }
            )
    doc: dict[str, Any] = {
        "processID": job.process,
        "type": "process",
        "jobID": job.id,
        "status": job.status,
        "message": job.message,
        "progress": job.progress,
        "attempt": job.attempt,
        "district": job.district,
        "created": _iso(job.created_at),
        "started": _iso(job.started_at),
        "finished": _iso(job.finished_at),
        "updated": _iso(job.heartbeat_at or job.finished_at or job.created_at),
        "published": _iso(job.published_at),
        "inputs": {}
        if shared
        else {k: v for k, v in job.inputs.items() if k not in (FILES_KEY, SERVICE_KEY)},
        "links": links,
    }
    if job.error and not shared:
        doc["error"] = job.error
    return doc


def _results_doc(job: Job, *, shared: bool = False) -> dict[str, Any]:
    results = job.results or {}
    names = shared_files(job) if shared else results.get("files", [])
    summary = results.get("summary", {})
    files = [
        {
            "href": f"/jobs/{job.id}/artifacts/{name}",
            "rel": "enclosure",
            "title": name,
        }
        for name in names
    ]
    return {"summary": shared_summary(summary) if shared else summary, "files": files}


def _job_for(session: Session, user: User, job_id: str, *, work: bool = False) -> Job:
    """The job if the user may read it (``work``: read whole, dismiss, re-run); else 404."""
    job = session.get(Job, job_id)
    allowed = can_work_on_job if work else can_read_job
    if job is None or not allowed(user, job):
        raise Problem(404, f"no job {job_id!r} you may read")
    return job


@router.get("/processes", summary="Processes this service runs", responses={401: _PROBLEM})
def list_processes(user: ApiUser) -> dict[str, Any]:
    """Every process with the links to its description and execution."""
    return {
        "processes": [p.summary() for p in PROCESSES.values()],
        "links": [{"href": "/processes", "rel": "self", "type": "application/json"}],
    }


@router.get(
    "/processes/{process_id}",
    summary="A process: inputs (named like the CLI options), outputs",
    responses={401: _PROBLEM, 404: _PROBLEM},
)
def describe_process(process_id: str, user: ApiUser) -> dict[str, Any]:
    """The process description with the JSON Schema of every input."""
    process = PROCESSES.get(process_id)
    if process is None:
        raise Problem(404, f"no process {process_id!r}; GET /processes lists them")
    return process.description_doc()


@router.post(
    "/processes/{process_id}/execution",
    summary="Run a process (Prefer: respond-async for a job)",
    status_code=200,
    responses={
        201: {"description": "job created (async); Location: /jobs/{id}"},
        400: _PROBLEM,
        401: _PROBLEM,
        403: _PROBLEM,
        404: _PROBLEM,
        422: _PROBLEM,
    },
)
async def execute_process(
    process_id: str,
    request: Request,
    user: ApiUser,
    body: Annotated[
        dict[str, Any],
        Body(
            examples=[{"inputs": {"device": "cctv", "district": ["노원구"], "count": 10}}],
            description='{"inputs": {name: value}}; file inputs take upload ids',
        ),
    ],
    prefer: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Validate the inputs, check role and district, create the job and run it."""
    job_id = await run_in_threadpool(_create_job, request, user, process_id, body)
    runner = _runner(request)
    await run_in_threadpool(runner.dispatch, job_id)
    wants_async = prefer is not None and "respond-async" in prefer.lower()
    if not wants_async:
        await run_in_threadpool(runner.wait, job_id, SYNC_WAIT_S)
    job = await run_in_threadpool(_load_job, request, job_id)
    location = {"Location": f"/jobs/{job.id}"}
    if wants_async or job.status not in TERMINAL:
        return JSONResponse(job_doc(job), status_code=201, headers=location)
    if job.status == "successful":
        return JSONResponse(_results_doc(job), headers=location)
    return _failed(job)


def _load_job(request: Request, job_id: str) -> Job:
    store: Store = request.app.state.store
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _create_job(request: Request, user: User, process_id: str, body: dict[str, Any]) -> str:
    """Check an execution request and store its job (``accepted``); return the job id.

    Runs in a worker thread with a session of its own (the event loop never waits on
    the store).
    """
    process = PROCESSES.get(process_id)
    if process is None:
        raise Problem(404, f"no process {process_id!r}; GET /processes lists them")
    raw = body.get("inputs", {})
    if not isinstance(raw, dict):
        raise Problem(400, "'inputs' must be an object of input names to values")
    settings = request.app.state.settings
    store: Store = request.app.state.store
    with store.session() as session:

        def upload_path(upload_id: str, name: str) -> str:
            upload = session.get(Upload, upload_id)
            if upload is None or not can_read_upload(user, upload):
                raise ProcessInputError(
                    f"input {name!r}: no upload {upload_id!r} you may read", input=name
                )
            return upload.path

        def job_path(job_id: str, name: str, process_id: str) -> str:
            job = session.get(Job, job_id)
            if job is None or not can_work_on_job(user, job):
                raise ProcessInputError(
                    f"input {name!r}: no job {job_id!r} you may read", input=name
                )
            if job.process != process_id or job.status != "successful" or not job.artifacts_dir:
                raise ProcessInputError(
                    f"input {name!r}: job {job_id!r} is not a successful {process_id} job",
                    input=name,
                )
            folder = Path(job.artifacts_dir)
            target = folder / "proposal.gpkg" if process_id == "propose" else folder
            if not (Path(settings.data) / target).exists():
                raise ProcessInputError(f"input {name!r}: job {job_id!r} has no {target.name}")
            return target.as_posix()

        try:
            values = validate_inputs(process, raw)
            district = scope_inputs(process, values, user.role, user.district)
            files = file_inputs(process, values, upload_path, job_path)
        except ProcessInputError as err:
            raise Problem(err.status, err.message, input=err.input) from err
        stored = dict(values)
        stored[FILES_KEY] = files
        if process.id == "map" and settings.tile_url:
            stored[SERVICE_KEY] = {"tile_url": settings.tile_url}
        job = Job(process=process.id, inputs=stored, owner_id=user.id, district=district)
        session.add(job)
        session.flush()
        record(
            session,
            user,
            "job.create",
            "job",
            job.id,
            after={"process": process.id, "inputs": values},
        )
        session.commit()
        return job.id


def _failed(job: Job) -> JSONResponse:
    error = dict(job.error or {})
    status = int(error.pop("status", 422))
    body = {"type": "about:blank", "status": status, **error, "instance": f"/jobs/{job.id}"}
    body.setdefault("title", "Job failed")
    body.setdefault("detail", job.message)
    return JSONResponse(
        body,
        status_code=status,
        media_type="application/problem+json",
        headers={"Location": f"/jobs/{job.id}"},
    )


@router.get("/jobs", summary="Jobs you may read, newest first", responses={401: _PROBLEM})
def list_jobs(
    user: ApiUser,
    request: Request,
    status: Annotated[str | None, Query(description="only jobs in this state")] = None,
    process: Annotated[str | None, Query(alias="processID")] = None,
    published: Annotated[
        bool | None, Query(description="only published (true) or unpublished (false) jobs")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """OGC job list: city staff see every job, a planner its own, its district's and the
    published ones, a viewer the published ones only."""
    with route_session(request) as session:
        query = visible_jobs_query(user)
        if status:
            query = query.where(Job.status == status)
        if process:
            query = query.where(Job.process == process)
        if published is not None:
            query = query.where(
                Job.published_at.is_not(None) if published else Job.published_at.is_(None)
            )
        rows = session.scalars(query.offset(offset).limit(limit)).all()
        return {
            "jobs": [job_doc(j, shared=reads_shared_view(user, j)) for j in rows],
            "links": [{"href": "/jobs", "rel": "self", "type": "application/json"}],
        }


def visible_jobs_query(user: User, *, published: bool = True) -> Select[Job]:
    """The jobs a user may read (:func:`can_read_job`), newest first, as a query;
    without ``published``, only those it works on (:func:`can_work_on_job`)."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id)
    if user.role == "city":
        return query
    own = (Job.owner_id == user.id) | (
        (Job.district == user.district) & Job.district.is_not(None)
        if user.role == "district"
        else false()
    )
    return query.where(own | Job.published_at.is_not(None) if published else own)


@router.get(
    "/jobs/{job_id}",
    summary="Status of a job: state, progress %, message",
    responses={401: _PROBLEM, 404: _PROBLEM},
)
def get_job(job_id: str, user: ApiUser, request: Request) -> dict[str, Any]:
    """The status document."""
    with route_session(request) as session:
        job = _job_for(session, user, job_id)
        return job_doc(job, shared=reads_shared_view(user, job))


@router.get(
    "/jobs/{job_id}/results",
    summary="Results of a successful job (summary and artifact links)",
    responses={401: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM},
)
def get_results(job_id: str, user: ApiUser, request: Request) -> JSONResponse:
    """404 while not ready; the job's problem when it failed."""
    with route_session(request) as session:
        job = _job_for(session, user, job_id)
        if job.status == "failed":
            return _failed(job)
        if job.status != "successful":
            raise Problem(
                404,
                f"job {job_id} is {job.status}; results exist once it is successful",
                title="Result not ready",
            )
        return JSONResponse(_results_doc(job, shared=reads_shared_view(user, job)))


@router.delete(
    "/jobs/{job_id}",
    summary="Dismiss a job (its artifacts are deleted)",
    responses={401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM},
)
def dismiss_job(
    job_id: str,
    request: Request,
    user: ApiUser,
) -> dict[str, Any]:
    """City staff or the job's owner (or its district's planner) dismiss it; a published
    job is unpublished first (409 until then)."""
    with route_session(request) as session:
        job = _job_for(session, user, job_id, work=True)
        if job.published_at is not None:
            raise Problem(
                409,
                f"job {job_id} is published; city staff unpublish it "
                f"(DELETE /jobs/{job_id}/publication) before it can be dismissed",
                title="Published job",
            )
        if job.status != "dismissed":
            before = {"status": job.status}
            _runner(request).dismiss(session, job)
            record(
                session,
                user,
                "job.dismiss",
                "job",
                job.id,
                before=before,
                after={"status": "dismissed"},
            )
            session.commit()
        return job_doc(job)


@router.get(
    "/jobs/{job_id}/artifacts/{name:path}",
    summary="Download one artifact of a successful job",
    responses={200: {"content": {"application/octet-stream": {}}}, 401: _PROBLEM, 404: _PROBLEM},
)
def get_artifact(
    job_id: str,
    name: str,
    request: Request,
    user: ApiUser,
) -> Response:
    """Files only inside the job's folder; names as listed in the results. A reader of a
    published job gets the shared files only, site tables without existing devices."""
    with route_session(request) as session:
        job = _job_for(session, user, job_id)
        if job.status != "successful" or not job.artifacts_dir:
            raise Problem(404, f"job {job_id} has no artifacts ({job.status})")
        shared = reads_shared_view(user, job)
        listed = set(shared_files(job) if shared else (job.results or {}).get("files", []))
        root = (Path(request.app.state.settings.data) / job.artifacts_dir).resolve()
        path = (root / name).resolve()
        if name not in listed or not path.is_relative_to(root) or not path.is_file():
            raise Problem(404, f"job {job_id} has no artifact {name!r}")
        if shared:
            return Response(
                shared_csv(path, name),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
            )
        return FileResponse(path, filename=path.name)


@router.post(
    "/jobs/{job_id}/publication",
    summary="Publish a successful plan, propose or replace job (city staff)",
    responses={401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM},
)
def publish_job(job_id: str, request: Request, user: ApiUser) -> dict[str, Any]:
    """Viewers and every district then read its shared view; audit-logged. Publishing a
    published job changes nothing."""
    with route_session(request) as session:
        job = _job_for(session, user, job_id)
        if publish(session, user, job):
            session.commit()
        return job_doc(job)


@router.delete(
    "/jobs/{job_id}/publication",
    summary="Withdraw a job's publication (city staff)",
    responses={401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM},
)
def unpublish_job(job_id: str, request: Request, user: ApiUser) -> dict[str, Any]:
    """Only those who work on the job read it again; audit-logged."""
    with route_session(request) as session:
        job = _job_for(session, user, job_id)
        if unpublish(session, user, job):
            session.commit()
        return job_doc(job)
