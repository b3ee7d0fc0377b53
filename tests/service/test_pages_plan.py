"""A district planner's plan from the pages: on its grant's published round, its own district
only, then exclude a site and force a candidate in and run again."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.service._pages import (
    Browser,
    publish_round,
    signed_in,
    synthetic_siting_files,
    synthetic_stats_upload,
    upload_file,
    wait_job,
)


def _site_ids(browser: Browser, job_url: str) -> list[str]:
    response = browser.get(job_url + "/files/plan_sites.csv")
    assert response.status_code == 200, response.text[:300]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["sig_cd"] for r in rows} == {"11350"}  # its own district only
    return [r["candidate_id"] for r in rows]


def _plan(browser: Browser, cand_id: str, demand_id: str) -> httpx.Response:
    token = browser.csrf("/web/jobs?process=plan")
    return browser.post(
        "/web/jobs",
        data={
            "csrf_token": token,
            "process": "plan",
            "candidates": cand_id,
            "demand": demand_id,
            "matching": "counterpart",
        },
    )


def test_planner_plans_its_grant_excludes_forces_and_reruns(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    nowon = signed_in(client, make_user("nowon", "district", "노원구"))
    requests = {"11350": (100_000_000, 50_000_000), "11110": (100_000_000, 50_000_000)}
    stats = synthetic_stats_upload(app, city["user"]["id"])
    publish_round(
        app, city["user"]["id"], requests, program="cctv-new", inputs={"districts": stats}
    )

    form = nowon.get("/web/jobs?process=plan")
    assert 'id="plan-on-grant"' in form.text
    assert 'id="in-round"' not in form.text  # the round comes from the grant
    candidates, demand = synthetic_siting_files()
    cand_id = upload_file(nowon, "candidates_synthetic.csv", candidates)
    demand_id = upload_file(nowon, "demand_synthetic.csv", demand)
    started = _plan(nowon, cand_id, demand_id)
    assert started.status_code == 303, started.text[:2000]
    job_url = started.headers["location"]
    page = wait_job(nowon, job_url)
    assert "badge successful" in page.text, page.text[:3000]
    first = _site_ids(nowon, job_url)
    assert len(first) >= 2
    config = page.text.split('id="map-config">', 1)[1].split("</script>", 1)[0]
    assert len(json.loads(config)["sites"]) == len(first)
    job = nowon.get(job_url)
    assert 'name="exclude"' in job.text and 'id="must_include"' in job.text

    # exclude the first site, force an unchosen candidate in, run again
    chosen = set(first)
    spare_id = next(f"SYN-{i:03d}" for i in range(40) if f"SYN-{i:03d}" not in chosen)
    token = nowon.csrf(job_url)
    again = nowon.post(
        job_url + "/rerun",
        data={"csrf_token": token, "exclude": first[0], "must_include": spare_id},
    )
    assert again.status_code == 303, again.text[:2000]
    second_url = again.headers["location"]
    assert second_url != job_url
    page = wait_job(nowon, second_url)
    assert "badge successful" in page.text, page.text[:3000]
    assert first[0] in page.text.split('id="already-excluded"', 1)[1][:400]
    second = _site_ids(nowon, second_url)
    assert first[0] not in second and spare_id in second

    # the same round table is reused, not uploaded again per run
    with app.state.store.session() as db:
        from sqlalchemy import select

        from service.models import Job, Upload

        rounds = db.scalars(select(Upload).where(Upload.filename == "cctv-new_round.csv")).all()
        assert len(rounds) == 1
        jobs = db.scalars(select(Job).where(Job.process == "plan")).all()
        assert {j.district for j in jobs} == {"11350"}
        assert all(j.inputs["district"] == ["11350"] for j in jobs)


def test_plan_needs_a_grant_that_buys_sites(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    nowon = signed_in(client, make_user("nowon", "district", "노원구"))
    candidates, demand = synthetic_siting_files()
    cand_id = upload_file(nowon, "candidates_synthetic.csv", candidates)
    demand_id = upload_file(nowon, "demand_synthetic.csv", demand)
    refused = _plan(nowon, cand_id, demand_id)
    assert refused.status_code == 422
    assert "배정된 금액이 없어" in refused.text
    publish_round(app, city["user"]["id"], {"11350": (200_000_000, 100_000_000)})
    refused = _plan(nowon, cand_id, demand_id)  # a cctv-replace grant buys no new sites
    assert refused.status_code == 422
    assert "노후 CCTV 교체 사업은 새 설치 위치를 고르지 않습니다" in refused.text


def test_a_planner_plans_only_its_own_district_through_the_api(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    nowon = make_user("nowon", "district", "노원구")
    response = client.post(
        "/processes/plan/execution",
        json={"inputs": {"district": ["강남구"], "round": "0" * 32}},
        headers=nowon["headers"],
    )
    assert response.status_code == 403, response.text
    assert "own district" in response.json()["detail"]


def test_city_staff_plan_a_published_round_for_every_funded_district(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    officer = signed_in(client, city)
    candidates, demand = synthetic_siting_files()
    cand_id = upload_file(officer, "candidates_synthetic.csv", candidates)
    demand_id = upload_file(officer, "demand_synthetic.csv", demand)
    token = officer.csrf("/web/jobs?process=plan")
    form = {"csrf_token": token, "process": "plan", "candidates": cand_id, "demand": demand_id}
    refused = officer.post("/web/jobs", data=form)
    assert refused.status_code == 422
    assert "계획할 공개된 공모" in refused.text and 'id="err-round"' in refused.text
    stats = synthetic_stats_upload(app, city["user"]["id"])
    round_id = publish_round(
        app,
        city["user"]["id"],
        {"11350": (100_000_000, 50_000_000)},
        program="cctv-new",
        inputs={"districts": stats},
    )
    page = officer.get("/web/jobs?process=plan")
    assert f'<option value="{round_id}">' in page.text  # the published round to pick
    started = officer.post("/web/jobs", data=form | {"round": str(round_id)})
    assert started.status_code == 303, started.text[:2000]
    job_url = started.headers["location"]
    assert "badge successful" in wait_job(officer, job_url).text
    assert set(_site_ids(officer, job_url))  # 노원구, the one funded district


def test_the_pages_offer_plans_for_the_programmes_plan_takes() -> None:
    from service.pages.grant_plan import PLANNED_PROGRAMS
    from siting.jobs_plan import PROGRAM_DEVICES

    assert set(PLANNED_PROGRAMS) == set(PROGRAM_DEVICES)
