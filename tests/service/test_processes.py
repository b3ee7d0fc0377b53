"""OGC API – Processes through a running server: registry, sync and async jobs, roles, Dask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _maps_fixtures import synthetic_grid_tif
from fastapi import FastAPI

from layers.districts import load_districts
from service.app import create_app
from service.settings import Settings

#: Polls of a job's status before a test gives up (0.25 s apart: work bound, not a timing).
POLLS = 800


def wait_for(client: httpx.Client, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    """Poll ``/jobs/{id}`` until the job is in a terminal state."""
    import time

    for _ in range(POLLS):
        doc = client.get(f"/jobs/{job_id}", headers=headers).json()
        if doc["status"] in ("successful", "failed", "dismissed"):
            return dict(doc)
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} still {doc['status']}")


def upload_grid(
    client: httpx.Client, headers: dict[str, str], tmp_path: Path, district: str
) -> str:
    districts = load_districts()
    tif = synthetic_grid_tif(
        tmp_path / "grid_synthetic.tif", districts[districts.name_ko == district], seed=3
    )
    r = client.post(
        "/uploads", params={"filename": tif.name}, content=tif.read_bytes(), headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture
def users(make_user: Callable[..., dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        "city": make_user("city-staff", "city")["headers"],
        "nowon": make_user("nowon-planner", "district", "노원구")["headers"],
        "gangnam": make_user("gangnam-planner", "district", "강남구")["headers"],
        "viewer": make_user("council", "viewer")["headers"],
    }


def test_registry_lists_every_cli_job_with_cli_option_names(
    client: httpx.Client, users: dict[str, dict[str, str]]
) -> None:
    body = client.get("/processes", headers=users["viewer"]).json()
    ids = {p["id"] for p in body["processes"]}
    assert {
        "inspect",
        "districts",
        "ageing",
        "grid-build",
        "score",
        "propose",
        "replace",
        "map",
    } <= ids
    propose = client.get("/processes/propose", headers=users["city"]).json()
    inputs = propose["inputs"]
    for name in ("device", "district", "count", "budget", "radius", "grid", "existing", "seed"):
        assert name in inputs, name
    assert inputs["district"]["schema"]["anyOf"][0]["type"] == "array"
    assert inputs["grid"]["keywords"] == ["upload"]
    assert inputs["device"]["minOccurs"] == 1
    assert client.get("/processes/nope", headers=users["city"]).status_code == 404


def test_no_token_is_401_everywhere(client: httpx.Client) -> None:
    for method, url in [
        ("GET", "/processes"),
        ("GET", "/jobs"),
        ("POST", "/processes/districts/execution"),
        ("GET", "/collections"),
        ("GET", "/collections/districts/items"),
    ]:
        r = client.request(method, url, json={"inputs": {}})
        assert r.status_code == 401, url
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_sync_districts_job_returns_results_and_downloadable_artifacts(
    client: httpx.Client, users: dict[str, dict[str, str]], settings: Settings
) -> None:
    r = client.post(
        "/processes/districts/execution", json={"inputs": {"min_age": 8}}, headers=users["city"]
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["summary"]["districts"]) == 25
    names = {f["title"] for f in body["files"]}
    assert {"districts.gpkg", "districts.csv", "run.json"} <= names
    gpkg = next(f for f in body["files"] if f["title"] == "districts.gpkg")
    data = client.get(gpkg["href"], headers=users["city"]).content
    assert data.startswith(b"SQLite format 3")
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    doc = client.get(f"/jobs/{job_id}", headers=users["city"]).json()
    assert doc["status"] == "successful" and doc["progress"] == 100 and doc["attempt"] == 1
    assert not list((Path(settings.data) / "jobs" / ".staging").glob("*"))  # staging emptied
    escape = client.get(f"/jobs/{job_id}/artifacts/../../siting.sqlite", headers=users["city"])
    assert escape.status_code == 404


def test_async_propose_scoped_to_the_planners_district(
    client: httpx.Client, users: dict[str, dict[str, str]], tmp_path: Path, settings: Settings
) -> None:
    nowon, gangnam = users["nowon"], users["gangnam"]
    grid = upload_grid(client, nowon, tmp_path, "노원구")
    inputs = {"device": "cctv", "count": 5, "grid": grid, "seed": 1}
    r = client.post(
        "/processes/propose/execution",
        json={"inputs": inputs},
        headers=nowon | {"Prefer": "respond-async"},
    )
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    job_id = location.rsplit("/", 1)[-1]
    assert r.json()["status"] in ("accepted", "running", "successful")
    assert r.json()["inputs"]["district"] == ["11350"] or r.json()["inputs"]["district"] == [
        "노원구"
    ]
    doc = wait_for(client, nowon, job_id)
    assert doc["status"] == "successful", doc
    assert doc["district"] == "11350"
    results = client.get(f"/jobs/{job_id}/results", headers=nowon).json()
    assert results["summary"]["n_selected"] == 5
    assert any(f["title"] == "proposal.gpkg" for f in results["files"])
    # another district's planner: the job does not exist for it
    for url in (
        f"/jobs/{job_id}",
        f"/jobs/{job_id}/results",
        f"/jobs/{job_id}/artifacts/proposal.gpkg",
    ):
        assert client.get(url, headers=gangnam).status_code == 404, url
    assert client.delete(f"/jobs/{job_id}", headers=gangnam).status_code == 404
    assert job_id not in {j["jobID"] for j in client.get("/jobs", headers=gangnam).json()["jobs"]}
    assert client.get(f"/collections/job-{job_id}-proposals", headers=gangnam).status_code == 404
    # nor may it use 노원구's upload or run for 노원구
    r = client.post("/processes/propose/execution", json={"inputs": inputs}, headers=gangnam)
    assert r.status_code == 400 and "upload" in r.json()["detail"]
    r = client.post(
        "/processes/propose/execution",
        json={"inputs": {"device": "cctv", "count": 5, "district": ["노원구"]}},
        headers=gangnam,
    )
    assert r.status_code == 403
    # city staff see it; viewers run nothing
    assert client.get(f"/jobs/{job_id}", headers=users["city"]).status_code == 200
    r = client.post("/processes/districts/execution", json={"inputs": {}}, headers=users["viewer"])
    assert r.status_code == 403
    # dismissing deletes the artifacts
    assert client.delete(f"/jobs/{job_id}", headers=nowon).json()["status"] == "dismissed"
    assert not (Path(settings.data) / "jobs" / job_id).exists()
    assert client.get(f"/jobs/{job_id}/results", headers=nowon).status_code == 404


def test_failed_job_carries_the_cli_message_layer_and_fix(
    client: httpx.Client, users: dict[str, dict[str, str]]
) -> None:
    r = client.post(
        "/processes/propose/execution",
        json={"inputs": {"device": "cctv", "count": 3, "district": ["종로구"]}},
        headers=users["city"],
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["layer"] == "demand"
    assert "--grid" in problem["fix"] or "grid" in problem["fix"]
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    doc = client.get(f"/jobs/{job_id}", headers=users["city"]).json()
    assert doc["status"] == "failed" and doc["error"]["layer"] == "demand"


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"device": "drone", "count": 1}, "device"),
        ({"count": 1}, "required"),
        ({"device": "cctv", "colour": "red"}, "no input 'colour'"),
        ({"device": "cctv", "district": ["오사카구"]}, "not one of Seoul's 25"),
        ({"device": "cctv", "grid": "0" * 32}, "no upload"),
    ],
)
def test_bad_inputs_are_400_naming_the_input(
    client: httpx.Client, users: dict[str, dict[str, str]], inputs: dict[str, Any], words: str
) -> None:
    r = client.post("/processes/propose/execution", json={"inputs": inputs}, headers=users["city"])
    assert r.status_code == 400, r.text
    assert words in r.json()["detail"]


@pytest.fixture
def dask_server(store: str, tmp_path: Path) -> Iterator[tuple[str, FastAPI]]:
    """A server whose jobs run on a Dask LocalCluster (threads, one worker)."""
    import socket
    import threading
    import time

    import uvicorn
    from distributed import LocalCluster

    if not store.startswith("sqlite"):
        pytest.skip("the Dask executor is exercised once, on the embedded store")
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        settings = Settings(
            data=tmp_path / "data", database=store, executor=cluster.scheduler_address
        )
        app = create_app(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", app
        server.should_exit = True
        thread.join(timeout=30)
        app.state.store.close()


def test_jobs_run_on_a_dask_cluster(dask_server: tuple[str, FastAPI]) -> None:
    from service.auth import create_user

    url, app = dask_server
    with app.state.store.session() as session:
        _, _, token = create_user(session, "city-dask", "city")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=120) as client:
        assert app.state.jobs.executor.name.startswith(("inproc://", "tcp://"))
        r = client.post(
            "/processes/districts/execution",
            json={"inputs": {"min_age": 9}},
            headers=headers | {"Prefer": "respond-async"},
        )
        assert r.status_code == 201
        doc = wait_for(client, headers, r.json()["jobID"])
        assert doc["status"] == "successful", (doc["message"], doc.get("error"))
        assert doc["progress"] == 100


def test_score_then_plan_then_map_chain_jobs_by_id(
    client: httpx.Client, users: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    city = users["city"]
    districts = load_districts()
    tif = synthetic_grid_tif(tmp_path / "seoul_grid_synthetic.tif", districts, cell_m=500.0, seed=5)
    grid = client.post(
        "/uploads", params={"filename": tif.name}, content=tif.read_bytes(), headers=city
    ).json()["id"]
    requests = "sig_cd,requested_krw,matching_secured_krw\n11350,200000000,100000000\n"
    requests += "11110,100000000,50000000\n"
    upload = client.post(
        "/uploads", params={"filename": "requests.csv"}, content=requests.encode(), headers=city
    ).json()
    assert upload["inspection"]["kind"] == "district_table"
    assert upload["inspection"]["districts"] == ["11110", "11350"]
    r = client.post(
        "/processes/score/execution",
        json={
            "inputs": {
                "program": "cctv-new",
                "districts": upload["id"],
                "grid": grid,
                "budget": 150_000_000,
            }
        },
        headers=city,
    )
    assert r.status_code == 200, r.text
    score_job = r.headers["location"].rsplit("/", 1)[-1]
    r = client.post(
        "/processes/plan/execution",
        json={"inputs": {"score_job": score_job, "grid": grid, "solver": "greedy"}},
        headers=city,
    )
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["n_sites"] > 0
    assert any(f["title"] == "plan_sites.gpkg" for f in r.json()["files"])
    # a planner plans its own district's grant, but may not read the city's score job
    r = client.post(
        "/processes/plan/execution",
        json={"inputs": {"score_job": score_job}},
        headers=users["nowon"],
    )
    assert r.status_code == 400
    assert "you may read" in r.json()["detail"]
