"""Publishing a plan from its page; viewers and other districts see it read-only.

Over HTTP against a running server (both stores), with the session cookie and the CSRF
token like a browser. The plan's sites include one on an existing CCTV pole
(SYNTHETIC, ``tests/service/_publication.py``), which no reader of the shared view sees.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.service._pages import Browser, signed_in
from tests.service._publication import POLE, plant_job


def _map_labels(page: str) -> list[str]:
    config = page.split('id="map-config">', 1)[1].split("</script>", 1)[0]
    return [str(s["label"]) for s in json.loads(config)["sites"]]


def _downloads(page: str) -> list[str]:
    block = page.split('id="job-downloads">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'/files/([^"]+)"', block)


def _publish(browser: Browser, job_url: str, action: str) -> httpx.Response:
    token = browser.csrf(job_url)
    return browser.post(f"{job_url}/publication", data={"csrf_token": token, "action": action})


def test_city_officer_publishes_a_plan_and_a_viewer_reads_it_read_only(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city_user = make_user("officer", "city")
    city = signed_in(client, city_user)
    viewer = signed_in(client, make_user("council", "viewer"))
    gangnam = signed_in(client, make_user("gangnam", "district", "강남구"))
    job_id = plant_job(app, city_user["user"]["id"], "plan")
    job_url = f"/web/jobs/{job_id}"

    # before publication the job does not exist for the viewer or another district
    assert viewer.get(job_url).status_code == 404
    assert gangnam.get(job_url).status_code == 404
    assert 'id="published-plans"' in viewer.get("/web/").text
    assert f"/web/jobs/{job_id}" not in viewer.get("/web/").text

    page = city.get(job_url)
    assert page.status_code == 200
    assert re.search(r'<button type="submit" id="publish-job"[^>]*>공개</button>', page.text)
    assert 'id="adjust-form"' in page.text  # the city officer still adjusts and re-runs
    assert any(POLE[0] in label for label in _map_labels(page.text))

    # without the CSRF token the form is refused and nothing changes
    forged = city.post(f"{job_url}/publication", data={"action": "publish"})
    assert forged.status_code == 403
    assert 'id="publish-job"' in city.get(job_url).text

    done = _publish(city, job_url, "publish")
    assert done.status_code == 303 and done.headers["location"] == job_url
    page = city.get(job_url)
    assert re.search(r'id="unpublish-job">공개 취소</button>', page.text)
    assert "공개됨" in page.text

    # the viewer: on the start page, then the read-only job page
    home = viewer.get("/web/")
    listed = home.text.split('id="published-plans"', 1)[1].split("</table>", 1)[0]
    assert f'href="/web/jobs/{job_id}"' in listed
    for reader in (viewer, gangnam):
        shown = reader.get(job_url)
        assert shown.status_code == 200
        text = shown.text
        assert 'id="shared-view"' in text and 'id="sites-hidden"' in text
        for absent in ('id="adjust-form"', 'id="rerun"', 'id="publish-job"', 'name="exclude"'):
            assert absent not in text, absent
        labels = _map_labels(text)
        assert labels and not any(POLE[0] in label for label in labels)
        assert POLE[0] not in text
        assert sorted(_downloads(text)) == ["plan_districts.csv", "plan_sites.csv"]
        sites = reader.get(f"{job_url}/files/plan_sites.csv")
        assert sites.status_code == 200
        rows = list(csv.DictReader(io.StringIO(sites.content.decode("utf-8-sig"))))
        assert len(rows) == len(labels) and POLE[0] not in {r["candidate_id"] for r in rows}
        assert reader.get(f"{job_url}/files/plan_sites.gpkg").status_code == 404
        rerun = reader.post(f"{job_url}/rerun", data={"csrf_token": reader.csrf()})
        assert rerun.status_code == (403 if reader is viewer else 404)
        assert _publish(reader, job_url, "unpublish").status_code == 403
    # the viewer still cannot reach the run, upload or submission pages
    for url in ("/web/jobs", "/web/uploads"):
        assert viewer.get(url).status_code == 403, url

    assert _publish(city, job_url, "unpublish").status_code == 303
    assert viewer.get(job_url).status_code == 404
    assert 'id="publish-job"' in city.get(job_url).text


def test_a_district_planner_cannot_publish_its_own_run(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    planner_user = make_user("nowon", "district", "노원구")
    nowon = signed_in(client, planner_user)
    table = "sig_cd,name_ko,sites\n11350,노원구,3\n".encode("utf-8-sig")
    job_id = plant_job(
        app, planner_user["user"]["id"], "propose", {"districts.csv": table}, district="11350"
    )
    page = nowon.get(f"/web/jobs/{job_id}")
    assert page.status_code == 200
    assert 'id="publish-job"' not in page.text and "공개는 서울시 담당자가 합니다." in page.text
    refused = _publish(nowon, f"/web/jobs/{job_id}", "publish")
    assert refused.status_code == 403
    with app.state.store.session() as session:
        from service.models import Job

        job = session.get(Job, job_id)
        assert job is not None and job.published_at is None


def test_the_publish_button_in_english(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city_user = make_user("officer", "city")
    city = signed_in(client, city_user)
    city.cookies["siting_lang"] = "en"
    job_id = plant_job(app, city_user["user"]["id"], "plan")
    page = city.get(f"/web/jobs/{job_id}")
    assert re.search(r'id="publish-job"[^>]*>Publish</button>', page.text)
    assert _publish(city, f"/web/jobs/{job_id}", "publish").status_code == 303
    assert "Published plans" in city.get("/web/").text
