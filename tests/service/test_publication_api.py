"""Publishing jobs through the API: who may, what a published job shows, and to whom.

Runs on SQLite and on PostGIS (``store`` fixture). The plan job's artifacts come from a
real plan run on SYNTHETIC data (``tests/service/_publication.py``) whose sites include
one on an existing CCTV pole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyogrio
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from service.job_sites import PRIVATE_COLUMNS, copy_sites_to_postgis
from service.settings import Settings
from tests.service._publication import POLE, plant_job

PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def people(make_user: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        "city": make_user("city-officer", "city"),
        "nowon": make_user("nowon-planner", "district", "노원구"),
        "gangnam": make_user("gangnam-planner", "district", "강남구"),
        "viewer": make_user("council", "viewer"),
    }


def _headers(people: dict[str, dict[str, Any]], who: str) -> dict[str, str]:
    headers: dict[str, str] = people[who]["headers"]
    return headers


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode()), "CSV without the UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _audit(client: httpx.Client, city: dict[str, str], job_id: str) -> list[str]:
    entries = client.get("/audit", params={"entity_id": job_id}, headers=city).json()
    return [e["action"] for e in entries]


def test_city_publishes_a_plan_and_others_read_only_its_shared_view(
    app: FastAPI, client: httpx.Client, people: dict[str, dict[str, Any]]
) -> None:
    city, viewer = _headers(people, "city"), _headers(people, "viewer")
    gangnam = _headers(people, "gangnam")
    job_id = plant_job(app, people["city"]["user"]["id"], "plan")
    full = _csv_rows(client.get(f"/jobs/{job_id}/artifacts/plan_sites.csv", headers=city).content)
    assert POLE[0] in {r["candidate_id"] for r in full}  # city staff read the whole table
    whole = client.get(f"/jobs/{job_id}/results", headers=city).json()["summary"]
    assert {"settings", "districts", "privacy_note"} <= set(whole)

    # before publication: the job does not exist for a viewer or another district
    for who in (viewer, gangnam):
        for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/results"):
            assert client.get(url, headers=who).status_code == 404, url
        assert client.get("/jobs", headers=who).json()["jobs"] == []
        assert client.get(f"/collections/job-{job_id}-sites", headers=who).status_code == 404
    refused = client.post(f"/jobs/{job_id}/publication", headers=viewer)
    assert refused.status_code == 404  # a viewer learns nothing of an unpublished job
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)

    published = client.post(f"/jobs/{job_id}/publication", headers=city)
    assert published.status_code == 200, published.text
    assert published.json()["published"] is not None
    again = client.post(f"/jobs/{job_id}/publication", headers=city)
    assert again.json()["published"] == published.json()["published"]
    assert _audit(client, city, job_id) == ["job.publish"]  # the repeat changed nothing

    # a viewer and another district now read the shared view
    for who in (viewer, gangnam):
        listed = client.get("/jobs", headers=who).json()["jobs"]
        assert [j["jobID"] for j in listed] == [job_id]
        doc = client.get(f"/jobs/{job_id}", headers=who).json()
        assert doc["inputs"] == {} and doc["published"] is not None
        results = client.get(f"/jobs/{job_id}/results", headers=who).json()
        assert {f["title"] for f in results["files"]} == {"plan_sites.csv", "plan_districts.csv"}
        assert not {"settings", "districts", "privacy_note"} & set(results["summary"])
        assert results["summary"]["n_sites"] == len(full)
        for hidden in ("plan_sites.gpkg", "run.json", "summary.json"):
            assert client.get(f"/jobs/{job_id}/artifacts/{hidden}", headers=who).status_code == 404
        shared = client.get(f"/jobs/{job_id}/artifacts/plan_sites.csv", headers=who)
        assert shared.status_code == 200
        rows = _csv_rows(shared.content)
        assert {r["candidate_id"] for r in rows} == {r["candidate_id"] for r in full} - {POLE[0]}
        assert all(r["candidate_source"] != "cctv_pole" for r in rows)
        assert not set(PRIVATE_COLUMNS) & set(rows[0])
        # and may not dismiss, publish or unpublish it
        assert client.delete(f"/jobs/{job_id}", headers=who).status_code == 404
        for method in ("POST", "DELETE"):
            r = client.request(method, f"/jobs/{job_id}/publication", headers=who)
            assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM_JSON)
    assert client.get("/jobs", params={"published": "false"}, headers=viewer).json()["jobs"] == []

    # a published job is not dismissed under its readers
    dismiss = client.delete(f"/jobs/{job_id}", headers=city)
    assert dismiss.status_code == 409 and "unpublish" in dismiss.json()["detail"]

    withdrawn = client.delete(f"/jobs/{job_id}/publication", headers=city)
    assert withdrawn.status_code == 200 and withdrawn.json()["published"] is None
    assert _audit(client, city, job_id) == ["job.unpublish", "job.publish"]
    assert client.get(f"/jobs/{job_id}", headers=viewer).status_code == 404
    assert client.get("/jobs", headers=gangnam).json()["jobs"] == []


def test_plan_sites_are_a_features_collection_without_existing_poles_for_readers(
    app: FastAPI, client: httpx.Client, people: dict[str, dict[str, Any]]
) -> None:
    city, viewer = _headers(people, "city"), _headers(people, "viewer")
    job_id = plant_job(app, people["city"]["user"]["id"], "plan")
    cid = f"job-{job_id}-sites"
    doc = client.get(f"/jobs/{job_id}", headers=city).json()
    assert any(link["href"] == f"/collections/{cid}/items" for link in doc["links"])
    assert cid in {c["id"] for c in client.get("/collections", headers=city).json()["collections"]}
    whole = client.get(f"/collections/{cid}/items", headers=city).json()
    assert POLE[0] in {f["properties"]["candidate_id"] for f in whole["features"]}
    assert client.post(f"/jobs/{job_id}/publication", headers=city).status_code == 200

    listed = client.get("/collections", headers=viewer).json()["collections"]
    assert cid in {c["id"] for c in listed}
    page = client.get(f"/collections/{cid}/items", params={"limit": 2}, headers=viewer)
    assert page.status_code == 200 and page.headers["content-type"] == "application/geo+json"
    body = page.json()
    assert body["numberMatched"] == whole["numberMatched"] - 1 and body["numberReturned"] == 2
    assert any(link["rel"] == "next" for link in body["links"])
    every = client.get(f"/collections/{cid}/items", params={"limit": 100}, headers=viewer).json()
    ids = {f["properties"]["candidate_id"] for f in every["features"]}
    assert POLE[0] not in ids and len(ids) == body["numberMatched"]
    for feature in every["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 126.7 < lon < 127.3 and 37.4 < lat < 37.8  # WGS84 lon/lat
        assert not set(PRIVATE_COLUMNS) & set(feature["properties"])
    pole_fid = next(
        f["id"] for f in whole["features"] if f["properties"]["candidate_id"] == POLE[0]
    )
    assert client.get(f"/collections/{cid}/items/{pole_fid}", headers=viewer).status_code == 404
    assert client.get(f"/collections/{cid}/items/{pole_fid}", headers=city).status_code == 200


def test_only_city_staff_publish_and_only_successful_plan_propose_replace_jobs(
    app: FastAPI, client: httpx.Client, people: dict[str, dict[str, Any]]
) -> None:
    city, nowon = _headers(people, "city"), _headers(people, "nowon")
    table = "sig_cd,name_ko,sites\n11350,노원구,3\n".encode("utf-8-sig")
    own = plant_job(
        app, people["nowon"]["user"]["id"], "propose", {"districts.csv": table}, district="11350"
    )
    r = client.post(f"/jobs/{own}/publication", headers=nowon)
    assert r.status_code == 403 and "city" in r.json()["detail"]
    assert client.get(f"/jobs/{own}", headers=nowon).json()["published"] is None
    assert (
        client.post(f"/jobs/{own}/publication", headers=_headers(people, "gangnam")).status_code
        == 404
    )

    failed = plant_job(app, people["city"]["user"]["id"], "plan", {}, status="failed")
    other = plant_job(app, people["city"]["user"]["id"], "districts", {"districts.csv": table})
    for job_id in (failed, other):
        r = client.post(f"/jobs/{job_id}/publication", headers=city)
        assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM_JSON)
        assert r.json()["title"] == "Not publishable"
    assert client.post(f"/jobs/{'0' * 32}/publication", headers=city).status_code == 404
    assert _audit(client, city, own) == [] and _audit(client, city, failed) == []

    spec = client.get("/openapi.json").json()["paths"]["/jobs/{job_id}/publication"]
    assert {"post", "delete"} <= set(spec)
    assert {"403", "404", "409"} <= set(spec["post"]["responses"])


def test_a_published_replacement_plan_shares_its_district_table_only(
    app: FastAPI, client: httpx.Client, people: dict[str, dict[str, Any]]
) -> None:
    city, viewer = _headers(people, "city"), _headers(people, "viewer")
    devices = "device_id,sig_cd,lon,lat,action\nSYN-CAM-7,11350,127.061234,37.654321,replace\n"
    job_id = plant_job(
        app,
        people["city"]["user"]["id"],
        "replace",
        {
            "replacement.csv": devices.encode("utf-8-sig"),
            "replacement_districts.csv": "sig_cd,selected\n11350,1\n".encode("utf-8-sig"),
        },
        district="11350",
    )
    assert client.post(f"/jobs/{job_id}/publication", headers=city).status_code == 200
    results = client.get(f"/jobs/{job_id}/results", headers=viewer).json()
    assert [f["title"] for f in results["files"]] == ["replacement_districts.csv"]
    assert (
        client.get(f"/jobs/{job_id}/artifacts/replacement.csv", headers=viewer).status_code == 404
    )
    table = client.get(f"/jobs/{job_id}/artifacts/replacement_districts.csv", headers=viewer)
    assert _csv_rows(table.content) == [{"sig_cd": "11350", "selected": "1"}]


def test_a_real_propose_job_published_reads_as_a_collection(
    client: httpx.Client, people: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    from tests.service.test_processes import upload_grid, wait_for

    nowon, city, viewer = (_headers(people, w) for w in ("nowon", "city", "viewer"))
    grid = upload_grid(client, nowon, tmp_path, "노원구")
    r = client.post(
        "/processes/propose/execution",
        json={"inputs": {"device": "cctv", "count": 3, "grid": grid, "seed": 1}},
        headers=nowon | {"Prefer": "respond-async"},
    )
    assert r.status_code == 201, r.text
    job_id = r.json()["jobID"]
    assert wait_for(client, nowon, job_id)["status"] == "successful"
    assert client.post(f"/jobs/{job_id}/publication", headers=city).status_code == 200
    items = client.get(f"/collections/job-{job_id}-proposals/items", headers=viewer).json()
    assert items["numberMatched"] == 3
    rows = _csv_rows(client.get(f"/jobs/{job_id}/artifacts/proposals.csv", headers=viewer).content)
    assert len(rows) == 3 and all(r["district"] == "노원구" for r in rows)


def test_plan_sites_reach_the_postgis_proposals_table(
    app: FastAPI, people: dict[str, dict[str, Any]], settings: Settings
) -> None:
    job_id = plant_job(app, people["city"]["user"]["id"], "plan")
    store = app.state.store
    written = copy_sites_to_postgis(
        store.sessionmaker, job_id, Path(settings.data) / "jobs" / job_id
    )
    if store.dialect != "postgresql":
        assert written == 0
        return
    folder = Path(settings.data) / "jobs" / job_id
    sites = pyogrio.read_info(folder / "plan_sites.gpkg", layer="sites")["features"]
    assert written == sites > 0
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("select count(*), min(ST_SRID(geom)) from proposals_geo where job_id = :j"),
            {"j": job_id},
        ).one()
    assert tuple(rows) == (sites, 5186)
