"""Job lifecycle in the store: accepted → running → successful | failed | dismissed.

Two halves:

- :func:`execute` runs **in a worker process** (local pool or Dask). It marks the job
  running, beats a heartbeat every :data:`HEARTBEAT_S` seconds, runs the process into
  a private staging folder ``<data>/jobs/.staging/<id>-<attempt>``, moves the folder
  to ``<data>/jobs/<id>`` in one ``rename`` and only then records ``successful``. A
  failure records ``failed`` with the same problem (message, layer, rows, fix) the CLI
  prints. Every write is conditional on the job's ``attempt``, so a run the server has
  given up on cannot overwrite a newer one. The process runs under a
  :func:`layers.progress.reporting` reporter: the library's progress points (stages
  of a job, items of ``track`` loops) update the job's progress % and message at most
  once every :data:`PROGRESS_S` seconds, and stop the run
  (:class:`layers.progress.Cancelled`) once the job is dismissed.
- :class:`JobRunner` lives **in the server**. It dispatches jobs to the executor and
  recovers lost ones: at start-up every job left ``accepted`` or ``running`` by a dead
  server, and while running every job whose worker died (broken pool, lost Dask
  worker) or whose heartbeat is older than :data:`STALE_S`, is re-queued while
  ``attempt < max_attempts`` and otherwise marked ``failed`` with the reason. Partial
  artifacts of the lost run are deleted, so a job's artifacts are complete or absent.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from layers.progress import Cancelled, reporting
from service.models import Job, utcnow

__all__ = [
    "HEARTBEAT_S",
    "PROGRESS_S",
    "STALE_S",
    "TERMINAL",
    "JobContext",
    "JobRunner",
    "execute",
    "job_problem",
]

log = logging.getLogger(__name__)

#: Seconds between heartbeats of a running job.
HEARTBEAT_S = 2.0
#: Least seconds between two progress writes (and two stop checks) of a running job.
PROGRESS_S = 1.0
#: A running job whose heartbeat is older than this (s) has lost its worker.
STALE_S = 30.0
#: States a job never leaves.
TERMINAL = ("successful", "failed", "dismissed")


@dataclass
class JobContext:
    """What a process function gets in the worker.

    Attributes
    ----------
    job_id : str
        The job.
    out_dir : Path
        Staging folder to write artifacts into (moved to ``<data>/jobs/<id>`` on success).
    data_dir : Path
        The service's data folder (uploads are under ``uploads/``).
    progress : callable
        ``progress(percent, message)`` records progress (0–100 %) and a message. It is
        a progress point like the library's (:mod:`layers.progress`), which report to
        the same job: it may raise :class:`layers.progress.Cancelled` once the job is
        dismissed.
    """

    job_id: str
    out_dir: Path
    data_dir: Path
    progress: Callable[[int, str], None]


#: A process function: reads its validated inputs, writes artifacts, returns the
#: inline results (JSON-ready) and the names of the files written.
ProcessFn = Callable[[JobContext, dict[str, Any]], tuple[dict[str, Any], list[str]]]


def job_problem(error: BaseException) -> dict[str, Any]:
    """The problem document of a failed job: message, layer, rows and fix like the CLI."""
    from layers.errors import SitingError

    if isinstance(error, SitingError):
        from service.problems import status_of

        status, title = status_of(error)
        return {
            "type": "about:blank",
            "status": status,
            "title": title,
            "detail": str(error),
            "message": error.message,
            "layer": error.layer,
            "rows": list(error.rows or []),
            "fix": error.fix,
        }
    return {
        "type": "about:blank",
        "status": 500,
        "title": "Internal error",
        "detail": f"{type(error).__name__}: {error}",
        "fix": "the administrator finds the traceback in the service log",
    }


def staging_dir(data_dir: Path, job_id: str, attempt: int) -> Path:
    """Private folder of one attempt of a job."""
    return data_dir / "jobs" / ".staging" / f"{job_id}-{attempt}"


def final_dir(data_dir: Path, job_id: str) -> Path:
    """Folder of a successful job's artifacts."""
    return data_dir / "jobs" / job_id


def remove_artifacts(data_dir: Path, job_id: str) -> None:
    """Delete everything a job wrote (final folder and every attempt's staging folder)."""
    shutil.rmtree(final_dir(data_dir, job_id), ignore_errors=True)
    staging = data_dir / "jobs" / ".staging"
    if staging.is_dir():
        for folder in staging.glob(f"{job_id}-*"):
            shutil.rmtree(folder, ignore_errors=True)


class _Beat:
    """Heartbeat, progress writer and stop signal of one running attempt (worker side).

    :meth:`report` is the attempt's :data:`layers.progress.Reporter`. It keeps the
    highest progress reported (so the job's progress never decreases) and talks to
    the store at most once every :data:`PROGRESS_S` seconds: then it beats, writes
    the progress and message if the whole percentage rose, and learns whether the
    store still expects this attempt. The heartbeat thread writes a percentage the
    throttle held back. When the store no longer expects the attempt (dismissed, or
    given up on and re-run), the next progress point raises
    :class:`layers.progress.Cancelled`.
    """

    def __init__(
        self,
        sessions: Callable[[], Session],
        job_id: str,
        attempt: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.attempt = attempt
        self.clock = clock
        self.stop = threading.Event()
        self.cancelled = threading.Event()
        self.lock = threading.Lock()
        self.state = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)
        #: Highest percentage and its message reported / written to the store.
        self.latest: tuple[int, str] = (0, "running")
        self.written = 0
        self.written_at = self.checked_at = clock()
        #: Progress points reported (the stop comes at one of them).
        self.points = 0

    def write(self, **values: Any) -> int:
        with self.lock, self.sessions() as session:
            result = session.execute(
                update(Job)
                .where(
                    Job.id == self.job_id,
                    Job.attempt == self.attempt,
                    Job.status == "running",
                )
                .values(heartbeat_at=utcnow(), **values)
            )
            session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    def _held_back(self, now: float) -> dict[str, Any]:
        """Progress to write now (empty if unchanged or written under PROGRESS_S ago)."""
        percent, message = self.latest
        if percent <= self.written or now - self.written_at < PROGRESS_S:
            return {}
        self.written, self.written_at = percent, now
        return {"progress": percent, "message": message[:2000]}

    def beat(self) -> None:
        """One heartbeat: write a held-back percentage; note if the store stopped the run."""
        with self.state:
            values = self._held_back(self.clock())
        if not self.write(**values):
            self.cancelled.set()

    def _run(self) -> None:
        while not self.stop.wait(HEARTBEAT_S):
            try:
                self.beat()
            except Exception:  # a missed beat is not fatal; the next one retries
                log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)

    def report(self, fraction: float, message: str) -> None:
        """A progress point: record ``fraction`` (0–1) and ``message``; stop if dismissed.

        Raises
        ------
        layers.progress.Cancelled
            When the store no longer expects this attempt.
        """
        with self.state:
            self.points += 1
            if self.cancelled.is_set():
                raise Cancelled(self.job_id)
            # running jobs stay below 100 %: 100 means the artifacts are published
            percent = max(0, min(99, int(fraction * 100)))
            if percent >= self.latest[0]:
                self.latest = (percent, message)
            now = self.clock()
            if now - self.checked_at < PROGRESS_S:
                return
            self.checked_at = now
            values = self._held_back(now)
        if not self.write(**values):
            self.cancelled.set()
            raise Cancelled(self.job_id)

    def progress(self, percent: int, message: str) -> None:
        """:attr:`JobContext.progress`: a progress point in percent (0–100)."""
        self.report(percent / 100, message)


def execute(fn: ProcessFn, job_id: str, attempt: int, database_url: str, data_dir: str) -> str:
    """Run one attempt of a job in a worker; record its outcome in the store.

    Returns the final status (``successful``, ``failed``, ``dismissed`` or
    ``superseded`` when the store no longer expects this attempt).
    """
    from sqlalchemy.orm import sessionmaker

    from service.db import make_engine

    data = Path(data_dir)
    engine = make_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    beat: _Beat | None = None
    try:
        with sessions() as session:
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.attempt == attempt, Job.status == "accepted")
                .values(
                    status="running",
                    started_at=utcnow(),
                    heartbeat_at=utcnow(),
                    worker=f"{socket.gethostname()}:{os.getpid()}",
                    message="running",
                )
            )
            session.commit()
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return "superseded"
            job = session.get(Job, job_id)
            assert job is not None
            inputs = dict(job.inputs)
        beat = _Beat(sessions, job_id, attempt)
        beat.thread.start()
        stage = staging_dir(data, job_id, attempt)
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        context = JobContext(job_id, stage, data, beat.progress)
        try:
            with reporting(beat.report):
                results, files = fn(context, inputs)
        except Cancelled:
            beat.stop.set()
            shutil.rmtree(stage, ignore_errors=True)
            return _stopped(sessions, beat)
        except BaseException as error:
            beat.stop.set()
            shutil.rmtree(stage, ignore_errors=True)
            if not isinstance(error, Exception):
                raise
            recorded = beat.write(
                status="failed",
                error=job_problem(error),
                message=f"failed: {error}"[:2000],
                finished_at=utcnow(),
            )
            if not recorded:  # dismissed (its staging folder deleted under it?) or given up on
                return _stopped(sessions, beat)
            if not _is_siting_error(error):
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
            return "failed"
        beat.stop.set()
        beat.thread.join()
        if not beat.write():  # dismissed, or given up on and re-run: keep nothing of this run
            shutil.rmtree(stage, ignore_errors=True)
            return "superseded"
        final = final_dir(data, job_id)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(stage, final)
        done = beat.write(
            status="successful",
            progress=100,
            message="done",
            results={"summary": results, "files": files},
            artifacts_dir=final.relative_to(data).as_posix(),
            finished_at=utcnow(),
        )
        if not done:  # dismissed (or given up on) while it ran: leave nothing behind
            shutil.rmtree(final, ignore_errors=True)
            return "dismissed"
        _publish_proposals(sessions, job_id, final)
        return "successful"
    finally:
        if beat is not None and beat.thread.is_alive():  # its last write ends first
            beat.stop.set()
            beat.thread.join()
        engine.dispose()


def _stopped(sessions: Callable[[], Session], beat: _Beat) -> str:
    """A run stopped (at a progress point, or by an error once dismissed): note where.

    Returns ``dismissed``, or ``superseded`` when the attempt was given up on
    (its newer attempt owns the row).
    """
    percent, message = beat.latest
    with sessions() as session:
        noted = session.execute(
            update(Job)
            .where(Job.id == beat.job_id, Job.attempt == beat.attempt, Job.status == "dismissed")
            .values(message=f"dismissed; its run stopped at {percent} % ({message})"[:2000])
        )
        session.commit()
    log.info(
        "job %s attempt %d stopped after %d progress points (%d %%: %s)",
        beat.job_id,
        beat.attempt,
        beat.points,
        percent,
        message,
    )
    return "dismissed" if noted.rowcount else "superseded"  # type: ignore[attr-defined]


def _publish_proposals(sessions: Callable[[], Session], job_id: str, folder: Path) -> None:
    """On PostGIS, copy a propose or plan job's sites into ``proposals_geo`` (QGIS reads
    them there; :func:`service.job_sites.copy_sites_to_postgis`)."""
    from service.job_sites import copy_sites_to_postgis

    copy_sites_to_postgis(sessions, job_id, folder)


def _is_siting_error(error: BaseException) -> bool:
    from layers.errors import SitingError

    return isinstance(error, SitingError)


class JobRunner:
    """Dispatch jobs to an executor and recover lost ones (server side).

    Parameters
    ----------
    sessions : callable
        Returns a new :class:`~sqlalchemy.orm.Session` (context manager).
    database_url : str
        Store URL the workers connect to.
    data_dir : Path
        The data folder (workers must see the same folder).
    executor : service.executor.Executor
        Where jobs run.
    resolve : callable
        ``resolve(process_id)`` → the process function (:data:`ProcessFn`).
    max_attempts : int
        Runs of a job before a lost one is failed instead of re-run (default 2).
    """

    def __init__(
        self,
        sessions: Callable[[], Session],
        database_url: str,
        data_dir: Path,
        executor: Any,
        resolve: Callable[[str], ProcessFn],
        *,
        max_attempts: int = 2,
        stale_s: float = STALE_S,
    ) -> None:
        self.sessions = sessions
        self.database_url = database_url
        self.data_dir = Path(data_dir).resolve()
        self.executor = executor
        self.resolve = resolve
        self.max_attempts = max_attempts
        self.stale_s = stale_s
        self.events: dict[str, threading.Event] = {}
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None

    # -- dispatch -------------------------------------------------------------------

    def dispatch(self, job_id: str) -> None:
        """Queue a job (status ``accepted``) for its next attempt and hand it to the executor."""
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.status in TERMINAL:
                return
            job.attempt += 1
            job.status = "accepted"
            job.progress = 0
            job.heartbeat_at = utcnow()
            job.message = "queued" if job.attempt == 1 else f"queued again (attempt {job.attempt})"
            attempt, process = job.attempt, job.process
            session.commit()
        self.events.setdefault(job_id, threading.Event())
        fn = self.resolve(process)
        self.executor.submit(
            execute,
            fn,
            job_id,
            attempt,
            self.database_url,
            str(self.data_dir),
            on_done=lambda error: self._finished(job_id, attempt, error),
        )

    def _finished(self, job_id: str, attempt: int, error: BaseException | None) -> None:
        if error is not None:
            reason = f"its worker stopped ({type(error).__name__}: {error})"
            log.warning("job %s attempt %d: %s", job_id, attempt, reason)
            self._lost(job_id, attempt, reason)
        event = self.events.pop(job_id, None)
        if event is not None:
            with self.sessions() as session:
                job = session.get(Job, job_id)
                if job is None or job.status in TERMINAL:
                    event.set()
                else:
                    self.events[job_id] = event

    def _lost(self, job_id: str, attempt: int, reason: str) -> None:
        """A job's attempt ended without recording an outcome: re-run or fail it."""
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.attempt != attempt or job.status in TERMINAL:
                return
            remove_artifacts(self.data_dir, job_id)
            if job.attempt < self.max_attempts:
                log.warning("job %s: %s; running it again", job_id, reason)
                rerun = True
            else:
                job.status = "failed"
                job.finished_at = utcnow()
                job.message = f"failed: {reason}"
                job.error = {
                    "type": "about:blank",
                    "title": "job lost",
                    "detail": f"{reason}, on attempt {job.attempt} of {self.max_attempts}; "
                    "no artifacts were kept",
                    "fix": "submit the job again; if it keeps failing, ask the administrator "
                    "to check the workers' memory and logs",
                }
                rerun = False
            session.commit()
        if rerun:
            self.dispatch(job_id)

    # -- recovery -------------------------------------------------------------------

    def recover(self) -> list[str]:
        """At start-up: re-queue or fail every job a dead server left unfinished."""
        with self.sessions() as session:
            rows = session.execute(
                select(Job.id, Job.attempt, Job.status).where(
                    Job.status.in_(("accepted", "running"))
                )
            ).all()
        for job_id, attempt, status in rows:
            self._lost(
                job_id,
                attempt,
                "the service stopped while it was "
                + ("queued" if status == "accepted" else "running"),
            )
        return [r[0] for r in rows]

    def sweep(self) -> list[str]:
        """Re-queue or fail running jobs whose heartbeat stopped more than ``stale_s`` ago."""
        limit = utcnow() - timedelta(seconds=self.stale_s)
        with self.sessions() as session:
            rows = session.execute(
                select(Job.id, Job.attempt).where(
                    Job.status.in_(("accepted", "running")), Job.heartbeat_at < limit
                )
            ).all()
        for job_id, attempt in rows:
            self._lost(job_id, attempt, f"its heartbeat stopped for over {self.stale_s:.0f} s")
        return [r[0] for r in rows]

    def start_watchdog(self, interval_s: float = 10.0) -> None:
        """Sweep for stale jobs every ``interval_s`` seconds in a daemon thread."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.sweep()
                except Exception:
                    log.warning("job watchdog failed", exc_info=True)

        self._watchdog = threading.Thread(target=loop, name="job-watchdog", daemon=True)
        self._watchdog.start()

    def dismiss(self, session: Session, job: Job) -> None:
        """Dismiss a job: it stops counting, its artifacts are deleted (caller commits).

        A running job's worker learns of it at its next talk with the store (at
        most :data:`HEARTBEAT_S` seconds later) and stops at the following progress
        point (:class:`layers.progress.Cancelled`): it removes its staging folder,
        publishes nothing and notes on the job where it stopped.
        """
        job.status = "dismissed"
        job.finished_at = utcnow()
        job.message = "dismissed"
        remove_artifacts(self.data_dir, job.id)

    def wait(self, job_id: str, timeout_s: float) -> bool:
        """Block until a job is in a terminal state or the timeout passes; True if it ended."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.sessions() as session:
                status = session.execute(select(Job.status).where(Job.id == job_id)).scalar()
            if status is None or status in TERMINAL:
                return True
            event = self.events.get(job_id)
            if event is not None:
                event.wait(min(0.5, max(0.0, deadline - time.monotonic())))
            else:
                time.sleep(0.2)
        return False

    def shutdown(self) -> None:
        """Stop the watchdog and the executor (unfinished jobs are recovered at the next start).

        The watchdog's sweep in progress ends first, so no connection of the store is
        still checked out when the store closes.
        """
        self._stop.set()
        if self._watchdog is not None:
            self._watchdog.join()
        self.executor.shutdown()
