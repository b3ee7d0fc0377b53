"""Jobs survive a killed server or worker: re-run once, else failed with the reason;
their artifacts are complete or absent, never half-written."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from _server import ServerProcess
from fastapi import FastAPI
from sqlalchemy import select

from service.models import Job
from service.settings import Settings

POLLS = 1200


def _submit(url: str, headers: dict[str, str], steps: int = 40) -> str:
    r = httpx.post(
        f"{url}/processes/test-slow/execution",
        json={"inputs": {"steps": steps, "pause": 0.25}},
        headers=headers | {"Prefer": "respond-async"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["jobID"])


def _poll(
    url: str, headers: dict[str, str], job_id: str, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for _ in range(POLLS):
        doc = httpx.get(f"{url}/jobs/{job_id}", headers=headers, timeout=30).json()
        if until(doc):
            return dict(doc)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached the state: {doc}")


def _mid_job(doc: dict[str, Any]) -> bool:
    return doc["status"] == "running" and 20 <= doc["progress"] < 80


def _ended(doc: dict[str, Any]) -> bool:
    return doc["status"] in ("successful", "failed", "dismissed")


def _assert_complete(data: Path, job_id: str, steps: int) -> None:
    folder = data / "jobs" / job_id
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == steps
    assert sorted(p.name for p in folder.iterdir()) == sorted([*manifest, "manifest.json"])


def _no_staging(data: Path, job_id: str) -> bool:
    staging = data / "jobs" / ".staging"
    return not staging.exists() or not list(staging.glob(f"{job_id}-*"))


@pytest.fixture
def city(make_user: Callable[..., dict[str, Any]]) -> dict[str, str]:
    return dict(make_user("city-durable", "city")["headers"])


def _start(settings: Settings, tmp_path: Path) -> ServerProcess:
    return ServerProcess(
        settings.data,
        settings.database_url(),
        extra_imports=("_slow",),
        log=tmp_path / "server.log",
    )


def test_server_killed_mid_job_reruns_it_after_restart(
    app: FastAPI, settings: Settings, city: dict[str, str], tmp_path: Path
) -> None:
    data = Path(settings.data)
    first = _start(settings, tmp_path)
    try:
        job_id = _submit(first.url, city)
        _poll(first.url, city, job_id, _mid_job)
        assert list((data / "jobs" / ".staging").glob(f"{job_id}-1/part-*"))  # half-written
    finally:
        first.kill()
    with app.state.store.session() as session:
        assert session.get(Job, job_id).status == "running"  # the dead server's last word
    second = _start(settings, tmp_path)
    try:
        doc = _poll(second.url, city, job_id, _ended)
    finally:
        second.stop()
    assert doc["status"] == "successful", doc
    assert doc["attempt"] == 2
    _assert_complete(data, job_id, 40)
    assert _no_staging(data, job_id)


def test_job_lost_twice_fails_with_the_reason_and_no_artifacts(
    app: FastAPI, settings: Settings, city: dict[str, str], tmp_path: Path
) -> None:
    data = Path(settings.data)
    server = _start(settings, tmp_path)
    try:
        job_id = _submit(server.url, city)
        _poll(server.url, city, job_id, _mid_job)
    finally:
        server.kill()
    server = _start(settings, tmp_path)
    try:
        _poll(server.url, city, job_id, lambda d: d["attempt"] == 2 and _mid_job(d))
    finally:
        server.kill()
    server = _start(settings, tmp_path)
    try:
        doc = _poll(server.url, city, job_id, _ended)
        jobs = httpx.get(f"{server.url}/jobs", headers=city, params={"status": "running"}).json()
    finally:
        server.stop()
    assert doc["status"] == "failed"
    assert "stopped while it was running" in doc["error"]["detail"]
    assert "attempt 2 of 2" in doc["error"]["detail"]
    assert jobs["jobs"] == []  # nothing left running
    assert not (data / "jobs" / job_id).exists()
    assert _no_staging(data, job_id)


def test_worker_killed_mid_job_is_rerun_by_the_live_server(
    app: FastAPI, settings: Settings, city: dict[str, str], tmp_path: Path
) -> None:
    data = Path(settings.data)
    server = _start(settings, tmp_path)
    try:
        job_id = _submit(server.url, city, steps=30)
        doc = _poll(server.url, city, job_id, _mid_job)
        with app.state.store.session() as session:
            worker = session.scalar(select(Job.worker).where(Job.id == job_id))
        pid = int(str(worker).rsplit(":", 1)[1])
        assert pid != server.proc.pid
        os.kill(pid, signal.SIGKILL)
        doc = _poll(server.url, city, job_id, _ended)
        assert doc["status"] == "successful", doc
        assert doc["attempt"] == 2
        again = _submit(server.url, city, steps=2)  # the pool was replaced: new jobs still run
        assert _poll(server.url, city, again, _ended)["status"] == "successful"
    finally:
        server.stop()
    _assert_complete(data, job_id, 30)
    assert _no_staging(data, job_id)
