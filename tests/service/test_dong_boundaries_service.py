"""The installation's 행정동 file (SITING_DONG_BOUNDARIES) reaches the service's worker processes.

A district planner runs ``propose`` from the pages of a service started with the
variable set (synthetic 행정동, seeded): the job, run in a spawned worker
process, names its sites by 행정동 and code, and says so in its files.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from _dong_fixtures import synthetic_haengjeongdong
from fastapi import FastAPI

from layers.dong_boundaries import ADMIN_DONG, ENV_VAR, use_dong_boundaries
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
    for row in rows:  # the page's site table shows the 행정동 names
        assert f"노원구 {row['dong']}" in done.text
