"""A running job reports its stages (throttled, never going back) and stops when dismissed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _maps_fixtures import synthetic_grid_tif
from _outputs import comparable_outputs
from _server import ServerProcess
from fastapi import FastAPI
from sqlalchemy import func, select, update

from layers.districts import load_districts
from layers.progress import Cancelled, track
from service.jobs import PROGRESS_S, JobContext, _Beat
from service.models import Job
from service.processes import run_propose_process
from service.settings import Settings

#: Polls of a job's status (:data:`POLL_S` apart) before a test gives up: a bound, not a timing.
POLLS = 2400
POLL_S = 0.05
_ENDED = ("successful", "failed", "dismissed")


class _Clock:
    """A hand-moved monotonic clock (s)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _job(app: FastAPI, owner: int) -> str:
    with app.state.store.session() as session:
        job = Job(process="propose", owner_id=owner, status="running", attempt=1, progress=0)
        session.add(job)
        session.commit()
        return str(job.id)


def _row(app: FastAPI, job_id: str) -> tuple[int, str, str]:
    with app.state.store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.progress, job.message, job.status


def test_progress_is_written_once_a_second_when_the_percentage_rises(
    app: FastAPI, make_user: Callable[..., dict[str, Any]]
) -> None:
    job_id = _job(app, make_user("city-progress", "city")["user"]["id"])
    clock = _Clock()
    beat = _Beat(app.state.store.session, job_id, 1, clock=clock)
    clock.now = 0.5 * PROGRESS_S
    beat.report(0.05, "reading the demand")
    assert _row(app, job_id)[:2] == (0, "")  # held back: under PROGRESS_S since the start
    clock.now = PROGRESS_S
    beat.report(0.15, "placing the candidate sites")
    assert _row(app, job_id)[:2] == (15, "placing the candidate sites")
    clock.now = 2.5 * PROGRESS_S
    beat.report(0.159, "same whole percentage")
    beat.report(0.10, "an earlier stage again")  # never goes back
    assert _row(app, job_id)[:2] == (15, "placing the candidate sites")
    clock.now = 2.6 * PROGRESS_S
    beat.report(0.35, "choosing the sites")
    assert _row(app, job_id)[0] == 15  # held back by the throttle ...
    beat.beat()
    assert _row(app, job_id)[:2] == (35, "choosing the sites")  # ... the heartbeat writes it
    clock.now = 5 * PROGRESS_S
    beat.report(1.0, "all but publishing")
    assert _row(app, job_id)[0] == 99  # 100 % only once the artifacts are in place


def test_a_dismissed_job_stops_at_its_next_store_check(
    app: FastAPI, make_user: Callable[..., dict[str, Any]]
) -> None:
    job_id = _job(app, make_user("city-stop", "city")["user"]["id"])
    clock = _Clock()
    beat = _Beat(app.state.store.session, job_id, 1, clock=clock)
    with app.state.store.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="dismissed"))
        session.commit()
    clock.now = 0.5 * PROGRESS_S
    beat.report(0.2, "before the check is due")  # no store check yet: goes on
    clock.now = PROGRESS_S
    with pytest.raises(Cancelled):
        beat.report(0.3, "the check is due")
    with pytest.raises(Cancelled):  # and at every point after
        beat.report(0.31, "still dismissed")
    assert _row(app, job_id)[2] == "dismissed"
    # the heartbeat finds it too, and the next point stops without waiting for a check
    other = _Beat(app.state.store.session, job_id, 1, clock=clock)
    other.beat()
    with pytest.raises(Cancelled):
        other.report(0.5, "right after the heartbeat")


# -- through a running server ------------------------------------------------------------


@pytest.fixture
def city(make_user: Callable[..., dict[str, Any]]) -> dict[str, str]:
    return dict(make_user("city-progress-server", "city")["headers"])


@pytest.fixture
def served(settings: Settings, app: FastAPI, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server (one worker) whose ``propose`` runs under the test hand of ``_progress_jobs``."""
    server = ServerProcess(
        settings.data,
        settings.database_url(),
        env={"SITING_WORKERS": "1"},
        extra_imports=("_progress_jobs",),
        log=tmp_path / "server.log",
    )
    try:
        yield server
    finally:
        server.stop()


def _submit_propose(url: str, headers: dict[str, str], tmp_path: Path) -> str:
    districts = load_districts()
    tif = synthetic_grid_tif(
        tmp_path / "grid_synthetic.tif", districts[districts.name_ko == "노원구"], seed=3
    )
    r = httpx.post(
        f"{url}/uploads",
        params={"filename": tif.name},
        content=tif.read_bytes(),
        headers=headers,
        timeout=60,
    )
    assert r.status_code == 201, r.text
    inputs = {"device": "cctv", "district": ["노원구"], "count": 5, "grid": r.json()["id"]}
    r = httpx.post(
        f"{url}/processes/propose/execution",
        json={"inputs": inputs | {"seed": 1}},
        headers=headers | {"Prefer": "respond-async"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["jobID"])


def _status(url: str, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    r = httpx.get(f"{url}/jobs/{job_id}", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_propose_job_progress_rises_through_its_stages(
    served: ServerProcess, app: FastAPI, settings: Settings, city: dict[str, str], tmp_path: Path
) -> None:
    data = Path(settings.data)
    (data / "hand.txt").write_text("lockstep", encoding="utf-8")
    job_id = _submit_propose(served.url, city, tmp_path)
    seen: list[tuple[int, str]] = []
    for _ in range(POLLS):
        doc = _status(served.url, city, job_id)
        if doc["status"] == "running" and (
            not seen or seen[-1] != (doc["progress"], doc["message"])
        ):
            seen.append((doc["progress"], doc["message"]))
            (data / "seen.txt").write_text(str(doc["progress"]), encoding="utf-8")
        if doc["status"] in _ENDED:
            break
        time.sleep(POLL_S)
    assert doc["status"] == "successful", doc
    assert doc["progress"] == 100
    percents = [p for p, _ in seen]
    assert percents == sorted(percents), seen  # never goes back
    assert len({p for p in percents if 0 < p < 100}) >= 4, seen
    messages = {m for _, m in seen}
    assert {"placing the candidate sites", "writing the outputs"} <= messages, seen
    # the same job without a reporter writes the same bytes
    with app.state.store.session() as session:
        inputs = dict(session.scalars(select(Job.inputs).where(Job.id == job_id)).one())
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    run_propose_process(JobContext(job_id, quiet, data, lambda p, m: None), inputs)
    assert comparable_outputs(data / "jobs" / job_id) == comparable_outputs(quiet)


def test_dismissing_a_running_propose_job_stops_it_at_the_next_progress_point(
    served: ServerProcess, app: FastAPI, settings: Settings, city: dict[str, str], tmp_path: Path
) -> None:
    data = Path(settings.data)
    (data / "hand.txt").write_text("gate 0.15", encoding="utf-8")  # hold at "placing …"
    job_id = _submit_propose(served.url, city, tmp_path)
    for _ in range(POLLS):
        doc = _status(served.url, city, job_id)
        if doc["message"] == "placing the candidate sites" or doc["status"] in _ENDED:
            break
        time.sleep(POLL_S)
    assert doc["status"] == "running" and doc["message"] == "placing the candidate sites", doc
    r = httpx.delete(f"{served.url}/jobs/{job_id}", headers=city, timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "dismissed", r.text
    (data / "gate").touch()  # the run goes on, to its next progress point
    for _ in range(POLLS):
        doc = _status(served.url, city, job_id)
        if doc["message"].startswith("dismissed; its run stopped"):
            break
        time.sleep(POLL_S)
    assert doc["status"] == "dismissed"
    assert doc["message"].startswith("dismissed; its run stopped at "), doc
    after = (data / "after.txt").read_text(encoding="utf-8").splitlines()
    assert len(after) == 1, after  # stopped at the first progress point after the dismissal
    # nothing of it is left or published
    assert not (data / "jobs" / job_id).exists()
    staging = data / "jobs" / ".staging"
    assert not staging.exists() or not list(staging.glob(f"{job_id}-*"))
    assert httpx.get(f"{served.url}/jobs/{job_id}/results", headers=city).status_code == 404
    if app.state.store.dialect == "postgresql":
        from service.geotables import ProposalGeo

        with app.state.store.session() as session:
            count = session.scalar(
                select(func.count()).select_from(ProposalGeo).where(ProposalGeo.job_id == job_id)
            )
        assert count == 0
    # its (only) worker takes the next job
    r = httpx.post(
        f"{served.url}/processes/districts/execution",
        json={"inputs": {"min_age": 8}},
        headers=city,
        timeout=120,
    )
    assert r.status_code == 200, r.text


# -- on a Dask cluster: the same code path ------------------------------------------------


def _steps(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``steps`` bounded steps, each a library progress point; writes only at the end."""
    for _ in track(range(int(inputs["steps"])), "steps"):
        time.sleep(float(inputs["pause"]))
    (ctx.out_dir / "done.txt").write_text("done\n", encoding="utf-8")
    return {"steps": inputs["steps"]}, ["done.txt"]


def test_a_job_dismissed_on_a_dask_cluster_stops_too(
    app: FastAPI, settings: Settings, store: str, make_user: Callable[..., dict[str, Any]]
) -> None:
    from distributed import LocalCluster

    from service.executor import DaskExecutor
    from service.jobs import JobRunner

    if not store.startswith("sqlite"):
        pytest.skip("the Dask executor is exercised once, on the embedded store")
    owner = make_user("city-dask-stop", "city")["user"]["id"]
    data = Path(settings.data)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        executor = DaskExecutor(cluster.scheduler_address)
        runner = JobRunner(
            app.state.store.session, settings.database_url(), data, executor, lambda _: _steps
        )
        try:
            ids = []
            for steps in (400, 2):
                with app.state.store.session() as session:
                    job = Job(process="test-steps", owner_id=owner)
                    job.inputs = {"steps": steps, "pause": 0.05}
                    session.add(job)
                    session.commit()
                    ids.append(str(job.id))
            long_job, next_job = ids
            runner.dispatch(long_job)
            for _ in range(POLLS):
                if _row(app, long_job)[0] >= 5:
                    break
                time.sleep(POLL_S)
            with app.state.store.session() as session:
                job = session.get(Job, long_job)
                assert job is not None and job.status == "running"
                runner.dismiss(session, job)
                session.commit()
            for _ in range(POLLS):
                message = _row(app, long_job)[1]
                if message.startswith("dismissed; its run stopped"):
                    break
                time.sleep(POLL_S)
            assert message.startswith("dismissed; its run stopped at "), message
            stopped_at = int(message.rsplit("steps ", 1)[1].split("/")[0])
            assert stopped_at < 400  # it did not run to its end
            runner.dispatch(next_job)  # the cluster's only thread takes the next job
            assert runner.wait(next_job, 120)
            assert _row(app, next_job)[2] == "successful"
        finally:
            runner.shutdown()
    assert not (data / "jobs" / long_job).exists()
    assert not list((data / "jobs" / ".staging").glob(f"{long_job}-*"))
