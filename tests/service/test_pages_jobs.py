"""Siting runs from the pages: within the grant, progress, sites on the map, exclude and re-run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.service._pages import (
    publish_round,
    signed_in,
    synthetic_siting_files,
)
from tests.service._pages import upload_file as _upload
from tests.service._pages import wait_job as _wait


def _map_sites(page: str) -> list[dict[str, Any]]:
    config = page.split('id="map-config">', 1)[1].split("</script>", 1)[0]
    sites: list[dict[str, Any]] = json.loads(config)["sites"]
    return sites


def test_planner_runs_within_grant_sees_sites_excludes_and_reruns(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    nowon = signed_in(client, make_user("nowon", "district", "노원구"))
    jongno = signed_in(client, make_user("jongno", "district", "종로구"))
    publish_round(app, city["user"]["id"], {"11350": (200_000_000, 100_000_000)})

    page = nowon.get("/web/jobs")
    assert page.status_code == 200
    assert "배정액" in page.text and "총 2억원" in page.text  # city 1억 + district 1억
    candidates, demand = synthetic_siting_files()
    cand_id = _upload(nowon, "candidates_synthetic.csv", candidates)
    demand_id = _upload(nowon, "demand_synthetic.csv", demand)
    token = nowon.csrf("/web/jobs")
    over = nowon.post(
        "/web/jobs",
        data={
            "csrf_token": token,
            "process": "propose",
            "device": "cctv",
            "budget": "3억",
            "candidates": cand_id,
            "demand": demand_id,
        },
    )
    assert over.status_code == 422 and "배정액 2억원을(를) 넘습니다" in over.text
    neither = nowon.post(
        "/web/jobs",
        data={
            "csrf_token": token,
            "process": "propose",
            "device": "cctv",
            "budget": "",
            "candidates": cand_id,
            "demand": demand_id,
        },
    )
    assert neither.status_code == 422 and "설치 개수나 예산 중 하나는 넣으십시오" in neither.text

    started = nowon.post(
        "/web/jobs",
        data={
            "csrf_token": token,
            "process": "propose",
            "device": "cctv",
            "count": "6",
            "budget": "2억",
            "candidates": cand_id,
            "demand": demand_id,
        },
    )
    assert started.status_code == 303, started.text
    job_url = started.headers["location"]
    first = nowon.get(job_url)
    assert first.status_code == 200
    done = _wait(nowon, job_url)
    assert 'id="job-state">완료' in done.text, done.text[-3000:]
    sites = _map_sites(done.text)
    assert 1 <= len(sites) <= 6
    assert all(126.7 < s["lon"] < 127.3 and 37.4 < s["lat"] < 37.8 for s in sites)
    assert all(s["radius_m"] == 50.0 for s in sites)
    assert "노원구" in sites[0]["label"] and "선정" in sites[0]["label"]
    ids = re.findall(r'<tr data-candidate="(SYN-\d{3})">', done.text)
    assert len(ids) == len(sites)

    # another district's planner cannot open the job or its files by URL
    assert jongno.get(job_url).status_code == 404
    assert jongno.get(job_url + "/status").status_code == 404
    assert jongno.get(job_url + "/files/proposals.csv").status_code == 404
    csv_file = nowon.get(job_url + "/files/proposals.csv")
    assert csv_file.status_code == 200 and "SYN-" in csv_file.text

    # exclude the first site, run again
    rerun = nowon.post(
        job_url + "/rerun", data={"csrf_token": token, "exclude": ids[0], "count": "5"}
    )
    assert rerun.status_code == 303
    second_url = rerun.headers["location"]
    assert second_url != job_url
    second = _wait(nowon, second_url)
    assert 'id="job-state">완료' in second.text
    again = re.findall(r'<tr data-candidate="(SYN-\d{3})">', second.text)
    assert ids[0] not in again and len(again) >= 1
    assert f"이미 제외한 후보: {ids[0]}" in second.text
    assert len(_map_sites(second.text)) == len(again) <= 5
