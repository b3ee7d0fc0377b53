"""A round's input files chosen on the create form: a cctv-new round scored from the pages
on an uploaded (SYNTHETIC) district statistics table, with Korean messages for a missing
input and a file of the wrong kind."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from layers import load_districts
from tests.service._pages import Browser, signed_in, upload_file


def _stats_csv(seed: int = 3) -> bytes:
    """SYNTHETIC per-district statistics of a cctv-new round: ``sig_cd,vulnerable_cells``
    for the 25 districts (D/E cell counts drawn from 50–399, seeded)."""
    rng = np.random.default_rng(seed)
    codes = sorted(str(c) for c in load_districts()["sig_cd"])
    rows = "".join(f"{code},{int(rng.integers(50, 400))}\n" for code in codes)
    return ("sig_cd,vulnerable_cells\n" + rows).encode()


def _form(city: Browser, **fields: str) -> dict[str, str]:
    return {
        "program": "cctv-new",
        "year": "2026",
        "title": "",
        "budget": "6억",
        "policy": "fill",
        "top_k": "10",
        "rank_population": "all",
        "csrf_token": city.csrf("/web/rounds/new"),
    } | fields


def _options(page: str, select_id: str) -> list[str]:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no <select id={select_id}>"
    return re.findall(r'<option value="([^"]*)"', match.group(1))


@pytest.fixture
def people(client: httpx.Client, make_user: Callable[..., dict[str, Any]]) -> dict[str, Browser]:
    return {
        "city": signed_in(client, make_user("officer", "city")),
        "nowon": signed_in(client, make_user("nowon", "district", "노원구")),
    }


def test_cctv_new_round_scored_from_the_pages_on_an_uploaded_table(
    people: dict[str, Browser],
) -> None:
    city, nowon = people["city"], people["nowon"]
    stats = upload_file(city, "district_stats_synthetic.csv", _stats_csv())
    other = b"sig_cd,requested_krw,matching_secured_krw\n11350,100000000,50000000\n"
    requests = upload_file(city, "requests.csv", other)

    form = city.get("/web/rounds/new")
    assert form.status_code == 200
    # labelled selects of the uploads of each kind, a way to add one, what each programme needs
    for key in ("districts", "grid", "criteria"):
        assert f'<label for="input_{key}">' in form.text
    choices = _options(form.text, "input_districts")
    assert choices[0] == "" and sorted(choices[1:]) == sorted([stats, requests])
    assert _options(form.text, "input_grid") == [""]  # no risk grid uploaded
    assert 'href="/web/uploads" id="add-upload"' in form.text
    assert "방범 CCTV 신설: 자치구 통계표 (CSV) 또는 위험 격자 (GeoTIFF) 필요" in form.text

    # no input: refused before the round exists, in Korean
    missing = city.post("/web/rounds/new", data=_form(city))
    assert missing.status_code == 422
    assert (
        "방범 CCTV 신설 공모는 자치구 통계표 (CSV) 또는 위험 격자 (GeoTIFF)이(가) 있어야 "
        "채점할 수 있습니다" in html.unescape(missing.text)
    )
    # a statistics table offered as the risk grid, an id that is no upload
    wrong = city.post("/web/rounds/new", data=_form(city, input_grid=stats, input_criteria="x1"))
    assert wrong.status_code == 422
    text = html.unescape(wrong.text)
    assert "위험 격자 (GeoTIFF): 선택한 파일을 쓸 수 없습니다" in text
    assert "선정 기준 파일 (TOML): 선택한 파일을 쓸 수 없습니다" in text
    assert 'id="input_grid" name="input_grid" aria-invalid="true"' in wrong.text
    # a planner cannot pick the city's uploads (nor create rounds)
    assert nowon.get("/web/rounds/new").status_code == 403

    created = city.post("/web/rounds/new", data=_form(city, input_districts=stats))
    assert created.status_code == 303, created.text
    round_url = created.headers["location"]
    page = city.get(round_url)
    assert "district_stats_synthetic.csv" in page.text
    token = city.csrf(round_url)
    assert city.post(f"{round_url}/open", data={"csrf_token": token}).status_code == 303

    submission = f"{round_url}/submissions/11350"
    sent = nowon.post(
        submission,
        data={
            "csrf_token": nowon.csrf(submission),
            "action": "submit",
            "requested": "4억",
            "matching": "2억",
        },
    )
    assert sent.status_code == 303, sent.text
    assert city.post(f"{round_url}/close", data={"csrf_token": token}).status_code == 303
    scored = city.post(f"{round_url}/score", data={"csrf_token": token, "reason": "1차"})
    assert scored.status_code == 303, scored.text
    result = city.get(scored.headers["location"])
    assert result.status_code == 200
    shares = dict(re.findall(r'<tr data-sig-cd="(\d+)"[^>]*data-city-share="(\d+)"', result.text))
    assert len(shares) == 25
    assert int(shares["11350"]) == 200_000_000  # 노원구: the city's half of 4억
    assert sum(int(v) > 0 for v in shares.values()) == 1
