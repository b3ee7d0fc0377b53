"""A whole round through the pages over HTTP: create, open, submit (with Korean validation),
close, score, compare versions, publish, download; who may open which page."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.service._pages import Browser, signed_in


def _create_round(city: Browser, **fields: str) -> int:
    form = {
        "program": "cctv-replace",
        "year": "2026",
        "title": "",
        "budget": "6억",
        "policy": "fill",
        "top_k": "10",
        "rank_population": "all",
        "csrf_token": city.csrf("/web/rounds/new"),
    } | fields
    response = city.post("/web/rounds/new", data=form)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/web/rounds/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


def _submit(browser: Browser, round_id: int, code: str, **fields: str) -> httpx.Response:
    url = f"/web/rounds/{round_id}/submissions/{code}"
    data = {"csrf_token": browser.csrf(url), "action": "submit"} | fields
    return browser.post(url, data=data)


@pytest.fixture
def people(client: httpx.Client, make_user: Callable[..., dict[str, Any]]) -> dict[str, Browser]:
    return {
        "city": signed_in(client, make_user("officer", "city")),
        "nowon": signed_in(client, make_user("nowon", "district", "노원구")),
        "jongno": signed_in(client, make_user("jongno", "district", "종로구")),
        "gangnam": signed_in(client, make_user("gangnam", "district", "강남구")),
        "viewer": signed_in(client, make_user("council", "viewer")),
    }


def test_create_form_shows_defaults_and_korean_errors(people: dict[str, Browser]) -> None:
    city = people["city"]
    form = city.get("/web/rounds/new")
    assert form.status_code == 200
    assert "기본값: 우선순위 순으로 채움 (기본)" in form.text
    assert "붙임8" in form.text  # where the defaults come from
    assert "ageing_min_age" in form.text  # every default of the programme is listed
    assert "기본값: 채점을 멈추고 자치구를 알림 (기본)" in form.text  # missing values
    bad = city.post(
        "/web/rounds/new",
        data={
            "program": "cctv-replace",
            "year": "20x6",
            "budget": "6 billion",
            "policy": "fill",
            "top_k": "40",
            "rank_population": "all",
            "csrf_token": city.csrf("/web/rounds/new"),
        },
    )
    assert bad.status_code == 422
    assert "연도는 2000–2100 사이의 숫자여야 합니다" in bad.text
    assert "'6 billion'을(를) 금액으로 읽을 수 없습니다" in html.unescape(bad.text)
    assert "K는 1–25 사이의 정수여야 합니다" in bad.text
    # the district planner and the viewer cannot create rounds
    assert people["nowon"].get("/web/rounds/new").status_code == 403
    assert "볼 수 없는 페이지" in people["viewer"].get("/web/rounds/new").text


def test_whole_round_through_the_pages(people: dict[str, Browser]) -> None:
    city, viewer = people["city"], people["viewer"]
    round_id = _create_round(city, budget="6억", title="2026 노후 CCTV 교체 공모")
    page = city.get(f"/web/rounds/{round_id}")
    assert "작성 중" in page.text and "6억원" in page.text
    # a draft is invisible to planners
    assert people["nowon"].get(f"/web/rounds/{round_id}").status_code == 404
    opened = city.post(
        f"/web/rounds/{round_id}/open", data={"csrf_token": city.csrf(f"/web/rounds/{round_id}")}
    )
    assert opened.status_code == 303

    # Korean validation messages
    bad = _submit(
        people["nowon"], round_id, "11350", requested="십억 원쯤", matching="", commitment="120"
    )
    assert bad.status_code == 422
    assert "금액으로 읽을 수 없습니다" in bad.text
    assert "확보한 구비 매칭액 (원)을(를) 입력하십시오." in bad.text
    assert "추진의지 점수는 0에서 100 사이의 숫자여야 합니다." in bad.text
    over = _submit(people["nowon"], round_id, "11350", requested="1억", matching="2억")
    assert "확보한 매칭액(2억원)이 총사업비(1억원)보다 큽니다." in over.text

    ok = _submit(people["nowon"], round_id, "11350", requested="10억", matching="5억")
    assert ok.status_code == 303
    assert "신청서를 제출했습니다" in people["nowon"].get(ok.headers["location"]).text
    short = _submit(people["jongno"], round_id, "11110", requested="600,000천원", matching="1억")
    assert short.status_code == 200 and "지원 대상에서 제외됩니다" in short.text
    assert (
        _submit(people["gangnam"], round_id, "11680", requested="4억", matching="2억").status_code
        == 303
    )

    # a planner cannot open or write another district's request by URL
    other = people["nowon"].get(f"/web/rounds/{round_id}/submissions/11110")
    assert other.status_code == 404 and "600,000" not in other.text
    forged = _submit(people["nowon"], round_id, "11110", requested="1", matching="1")
    assert forged.status_code == 404
    # …and sees only its own row in the list
    listing = people["nowon"].get(f"/web/rounds/{round_id}")
    assert 'data-sig-cd="11350"' in listing.text and 'data-sig-cd="11110"' not in listing.text

    watch = city.get(f"/web/rounds/{round_id}")
    assert "3개 자치구 제출" in watch.text
    assert watch.text.count('data-status="none"') == 22
    assert 'hx-trigger="every 15s"' in watch.text  # the officer's table refreshes while open
    fragment = city.get(f"/web/rounds/{round_id}/submissions-table")
    assert "3개 자치구 제출" in fragment.text and "<html" not in fragment.text

    token = city.csrf(f"/web/rounds/{round_id}")
    assert city.post(f"/web/rounds/{round_id}/close", data={"csrf_token": token}).status_code == 303
    scored = city.post(f"/web/rounds/{round_id}/score", data={"csrf_token": token, "reason": "1차"})
    assert scored.status_code == 303
    result = city.get(scored.headers["location"])
    assert result.status_code == 200
    assert result.text.count('<tr data-sig-cd="') == 25
    assert "공개 전" in result.text
    # every district without a grant says why
    rows = re.findall(r'data-city-share="(\d+)">(.*?)</tr>', result.text, re.S)
    assert len(rows) == 25
    for share, row in rows:
        reason = re.search(r'<td class="reason">(.*?)</td>', row, re.S)
        assert reason and reason.group(1).strip(), row
        if share == "0":
            assert any(w in reason.group(1) for w in ("신청하지 않음", "매칭 미확보", "예산 소진"))
    assert "지원 제외: 구비 매칭 미확보" in result.text  # 종로구
    assert "500,000천원" in result.text  # 노원구: half of 10억

    # a correction and a second version, compared with the first
    city.post(
        f"/web/rounds/{round_id}/submissions/11110",
        data={"csrf_token": token, "requested": "6억", "matching": "3억", "action": "submit"},
    )
    second = city.post(
        f"/web/rounds/{round_id}/score", data={"csrf_token": token, "reason": "종로구 매칭 정정"}
    )
    page2 = city.get(second.headers["location"])
    assert "/results/2" in second.headers["location"]
    assert 'id="changes-table"' in page2.text
    assert re.search(r'<tr data-sig-cd="11110">', page2.text.split('id="changes-table"')[1])

    # not yet published: the viewer sees nothing
    assert viewer.get(f"/web/rounds/{round_id}/results/2").status_code == 404
    published = city.post(f"/web/rounds/{round_id}/publish", data={"csrf_token": token})
    assert published.status_code == 303

    # downloads: the XLSX opens and lists the 25 districts
    xlsx = city.get(f"/web/rounds/{round_id}/results/2/files/cctv-replace_round.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert any(sheet.max_row >= 26 for sheet in book.worksheets)
    gpkg = viewer.get(f"/web/rounds/{round_id}/results/2/files/cctv-replace_round.gpkg")
    assert gpkg.status_code == 200 and gpkg.content[:16] == b"SQLite format 3\x00"
    for sneaky in ("../../siting.sqlite", "..%2F..%2F..%2F..%2Fsiting.sqlite"):
        leak = viewer.get(f"/web/rounds/{round_id}/results/2/files/{sneaky}")
        assert leak.status_code in (404, 422) and not leak.content.startswith(b"SQLite")

    # the viewer reads the published result, never the request pages
    seen = viewer.get(f"/web/rounds/{round_id}/results/2")
    assert seen.status_code == 200 and "공개" in seen.text
    assert viewer.get(f"/web/rounds/{round_id}/results/1").status_code == 404  # never published
    assert viewer.get(f"/web/rounds/{round_id}/submissions/11350").status_code == 403
    # once published, planners see the others' requests read-only
    assert people["nowon"].get(f"/web/rounds/{round_id}/submissions/11110").status_code == 200
    assert (
        _submit(people["nowon"], round_id, "11110", requested="1", matching="1").status_code == 404
    )
