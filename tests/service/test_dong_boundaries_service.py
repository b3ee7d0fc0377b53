"""The installation's 행정동 file (SITING_DONG_BOUNDARIES) reaches the service's worker processes.

A district planner runs ``propose`` from the pages of a service started with the
variable set (synthetic 행정동, seeded): the job, run in a spawned worker
process, names its sites by 행정동 and code, and says so in its files.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import pytest
from _dong_fixtures import synthetic_haengjeongdong
from fastapi import FastAPI

from layers.districts import load_dongs
from layers.dong_boundaries import ADMIN_DONG, ENV_VAR, LEGAL_DONG, use_dong_boundaries
from service.app import create_app
from service.auth import create_user
from service.pages.jobs import site_location
from service.settings import Settings
from tests.service._pages import publish_round, signed_in, synthetic_siting_files
from tests.service._pages import upload_file as _upload
from tests.service._pages import wait_job as _wait


@pytest.fixture
def settings(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A service whose environment names a synthetic 행정동 file (restored after the test)."""
    frame, _ = synthetic_haengjeongdong()
    path = tmp_path / "synthetic_haengjeongdong.gpkg"
    frame.to_crs("EPSG:5179").to_file(path)
    monkeypatch.setenv(ENV_VAR, str(path))
    use_dong_boundaries(None)
    return Settings(data=tmp_path / "data", database=store, upload_limit=5 * 1024 * 1024)


def test_a_service_job_names_sites_by_haengjeongdong(
    settings: Settings,
    app: FastAPI,
    client: httpx.Client,
    make_user: Callable[..., dict[str, Any]],
) -> None:
    assert settings.dong_boundaries is not None
    assert settings.dong_boundaries.name == "synthetic_haengjeongdong.gpkg"
    city = make_user("officer", "city")
    nowon = signed_in(client, make_user("nowon", "district", "노원구"))
    publish_round(app, city["user"]["id"], {"11350": (200_000_000, 100_000_000)})
    candidates, demand = synthetic_siting_files()
    data = {
        "csrf_token": nowon.csrf("/web/jobs"),
        "process": "propose",
        "device": "cctv",
        "count": "4",
        "budget": "2억",
        "candidates": _upload(nowon, "candidates_synthetic.csv", candidates),
        "demand": _upload(nowon, "demand_synthetic.csv", demand),
    }
    started = nowon.post("/web/jobs", data=data)
    assert started.status_code == 303, started.text
    job_url = started.headers["location"]
    done = _wait(nowon, job_url)
    assert 'id="job-state">완료' in done.text, done.text[-3000:]

    table = nowon.get(job_url + "/files/proposals.csv")
    rows = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows and {r["dong_kind"] for r in rows} == {ADMIN_DONG}
    assert all(re.fullmatch(r"11350\d{5}", r["dong_cd"]) for r in rows)  # 노원구
    assert all(re.fullmatch(r"합성\d+동", r["dong"]) for r in rows)
    summary = json.loads(nowon.get(job_url + "/files/summary.json").text)
    assert summary["dong_kind"] == ADMIN_DONG
    assert summary["dong_boundaries"]["source"] == "synthetic_haengjeongdong.gpkg"
    page = html.unescape(done.text)
    assert "위치 (자치구·동)" in page
    found = re.search(r'id="map-config">(.*?)</script>', page, re.S)
    assert found is not None
    config = json.loads(found.group(1))
    labels = [site["label"] for site in config["sites"]]
    for row in rows:  # the site table and the map popups show the 행정동, its kind and code
        located = f"노원구 {row['dong']} ({ADMIN_DONG} {row['dong_cd']})"
        assert f"<td>{located}</td>" in page
        assert any(located in label for label in labels)


def _all_items(client: httpx.Client, headers: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Every feature of ``dongs``, following the ``next`` links."""
    features: list[dict[str, Any]] = []
    url: str | None = f"/collections/dongs/items?limit={limit}"
    while url is not None:
        body = client.get(url, headers=headers).json()
        assert body["numberReturned"] == len(body["features"]) <= limit
        features += body["features"]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert len(features) == body["numberMatched"]
    return features


def test_the_dongs_collection_serves_the_installed_haengjeongdong(
    settings: Settings, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    frame, _ = synthetic_haengjeongdong()
    headers = make_user("viewer-dongs", "viewer")["headers"]
    listed = {c["id"]: c for c in client.get("/collections", headers=headers).json()["collections"]}
    doc = client.get("/collections/dongs", headers=headers).json()
    for described in (listed["dongs"], doc):
        assert described["title"] == f"Dongs ({ADMIN_DONG})"
        assert "synthetic_haengjeongdong.gpkg" in described["description"]
        assert "dong_cd (10-digit 행정기관코드)" in described["description"]
        assert "name_ko" in described["description"]

    features = _all_items(client, headers, limit=40)
    ids = [f["id"] for f in features]
    assert ids == sorted(ids) and len(set(ids)) == len(frame)
    assert set(ids) == set(frame["ADM_CD"])
    names = dict(zip(frame["ADM_CD"], frame["ADM_NM"].str.split().str[-1], strict=True))
    for feature in features:
        props = feature["properties"]
        assert props["dong_cd"] == feature["id"] and props["dong_kind"] == ADMIN_DONG
        assert props["name_ko"] == names[feature["id"]]
        assert props["sig_cd"] == feature["id"][:5]
    served = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    west, south, east, north = served.total_bounds
    assert 126.7 < west < east < 127.3 and 37.4 < south < north < 37.8  # WGS84 lon/lat
    areas = served.set_index(served["dong_cd"]).to_crs(5186).geometry.area
    expected = frame.set_index("ADM_CD").geometry.area
    assert np.allclose(areas.loc[expected.index].to_numpy(), expected.to_numpy(), rtol=1e-6)

    one = client.get(f"/collections/dongs/items/{ids[0]}", headers=headers).json()
    assert one["properties"]["dong_cd"] == ids[0]
    assert client.get("/collections/dongs/items/11110101", headers=headers).status_code == 404


def test_without_a_file_the_dongs_collection_is_the_bundled_beopjeongdong(
    store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    start_server: Callable[..., str],
) -> None:
    monkeypatch.setenv(ENV_VAR, "")
    bare = Settings(data=tmp_path / "bare", database=store)
    assert bare.dong_boundaries is None
    application = create_app(bare)
    try:
        with application.state.store.session() as session:
            _user, _password, token = create_user(session, "viewer-legal", "viewer", None)
            session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=start_server(application), timeout=60) as client:
            doc = client.get("/collections/dongs", headers=headers).json()
            body = client.get("/collections/dongs/items?limit=5", headers=headers).json()
    finally:
        application.state.store.close()
    assert doc["title"] == f"Dongs ({LEGAL_DONG})" and "emd_cd (8-digit" in doc["description"]
    assert body["numberMatched"] == len(load_dongs())
    assert set(body["features"][0]["properties"]) == {"emd_cd", "sig_cd", "name_ko"}


def test_a_site_row_without_a_dong_kind_names_the_bundled_beopjeongdong() -> None:
    assert (
        site_location({"district": "종로구", "dong": "청운동"}) == f"종로구 청운동 ({LEGAL_DONG})"
    )
    admin = {
        "district": "노원구",
        "dong": "합성3동",
        "dong_kind": ADMIN_DONG,
        "dong_cd": "1135051200",
    }
    assert site_location(admin) == f"노원구 합성3동 ({ADMIN_DONG} 1135051200)"
    assert site_location({"district": "노원구", "dong": ""}) == "노원구"
