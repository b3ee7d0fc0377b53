"""Upload pages: a file with bad rows shows why each row was dropped; uploads stay in their district."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.service._pages import Browser, signed_in

#: Streetlights (OA-22205 columns), synthetic: rows 2 (blank), 3 (zero), 4 (swapped), 5 (Busan).
BAD_STREETLIGHTS = (
    "관리번호,위도,경도\n"
    "SYN-001,37.6543,127.0612\n"
    "SYN-002,,\n"
    "SYN-003,0,0\n"
    "SYN-004,127.0701,37.6489\n"
    "SYN-005,35.1796,129.0756\n"
    "SYN-006,37.6601,127.0702\n"
).encode()


def _upload(browser: Browser, name: str, body: bytes, token: str | None) -> httpx.Response:
    headers = {"Content-Type": "text/csv"}
    if token is not None:
        headers["X-CSRF-Token"] = token
    return browser.post(f"/web/uploads/raw?filename={name}", content=body, headers=headers)


def test_bad_rows_are_listed_with_reasons_and_row_numbers(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    nowon = signed_in(client, make_user("nowon", "district", "노원구"))
    jongno = signed_in(client, make_user("jongno", "district", "종로구"))
    viewer = signed_in(client, make_user("council", "viewer"))
    page = nowon.get("/web/uploads")
    assert page.status_code == 200 and 'for="file"' in page.text
    token = nowon.csrf("/web/uploads")

    refused = _upload(nowon, "streetlights_synthetic.csv", BAD_STREETLIGHTS, None)
    assert refused.status_code == 403  # no CSRF token, no upload

    created = _upload(nowon, "streetlights_synthetic.csv", BAD_STREETLIGHTS, token)
    assert created.status_code == 201, created.text
    location = created.json()["location"]
    report = nowon.get(location)
    assert report.status_code == 200
    text = report.text
    assert "서울시 가로등 위치 정보" in text
    assert '<dd id="rows-read">6</dd>' in text
    assert '<dd id="rows-kept">3</dd>' in text
    assert '<dd id="rows-dropped">3</dd>' in text
    assert "좌표 없음 (빈칸이거나 숫자가 아님)" in text
    assert "좌표가 0" in text
    assert "EPSG:4326 좌표 범위 밖" in text  # the Busan row
    assert "위도와 경도가 뒤바뀐 1개 행을 바로잡았습니다 (행 4)" in text
    dropped = text.split('id="dropped-table"')[1].split("</table>")[0]
    assert "<td>2</td>" in dropped and "<td>3</td>" in dropped and "<td>5</td>" in dropped

    # listed for its district, hidden from the others
    assert "streetlights_synthetic.csv" in nowon.get("/web/uploads").text
    assert "streetlights_synthetic.csv" not in jongno.get("/web/uploads").text
    assert jongno.get(location).status_code == 404
    assert viewer.get(location).status_code == 403
    assert viewer.get("/web/uploads").status_code == 403


def test_oversized_upload_is_refused_with_a_page(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    nowon = signed_in(client, make_user("nowon", "district", "노원구"))
    token = nowon.csrf("/web/uploads")
    big = b"x" * (6 * 1024 * 1024)  # the test service's limit is 5 MiB
    response = _upload(nowon, "big.csv", big, token)
    assert response.status_code == 413
    assert 'id="problem"' in response.text
