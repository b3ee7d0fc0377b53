"""Errors under ``/web`` are HTML pages (Korean or English, a link home, the right status);
the same errors on API paths stay RFC 9457 problem JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from markupsafe import escape

from tests.service._pages import Browser, signed_in

PROBLEM_JSON = "application/problem+json"


def _is_page(response: httpx.Response, status: int, marker: str) -> str:
    assert response.status_code == status, (response.request.url, response.text[:300])
    assert response.headers["content-type"].startswith("text/html"), response.request.url
    html = response.text
    assert f'id="{marker}"' in html, (response.request.url, html[:500])
    assert 'href="/web/"' in html  # a way home
    assert "Content-Security-Policy" in response.headers
    return html


@pytest.mark.parametrize(
    "path",
    [
        "/web/rounds/abc",  # a path that does not parse
        "/web/rounds/999",
        "/web/rounds/1/results/x",
        "/web/jobs/nope",
        "/web/uploads/zzz",
        "/web/no-such-page",  # no route at all
        "/web/rounds/999/submissions/11350",
    ],
)
def test_unknown_ids_under_web_are_not_found_pages(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]], path: str
) -> None:
    planner = signed_in(client, make_user("nowon", "district", "노원구"))
    html = _is_page(planner.get(path), 404, "not-found")
    assert "찾을 수 없습니다" in html and '<html lang="ko">' in html
    assert "nowon" in html  # the signed-in account and its menu are shown
    assert 'href="/web/jobs"' in html


def test_error_pages_speak_english_after_the_switch(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    viewer = signed_in(client, make_user("council", "viewer"))
    viewer.get("/web/lang/en?next=/web/")
    html = _is_page(viewer.get("/web/rounds/abc"), 404, "not-found")
    assert '<html lang="en">' in html and "Not found" in html
    html = _is_page(viewer.get("/web/no-such-page"), 404, "not-found")
    assert "Back to the start page" in html


def test_signed_out_unknown_path_is_a_page_too(client: httpx.Client) -> None:
    html = _is_page(client.get("/web/no-such-page"), 404, "not-found")
    assert 'id="who"' not in html


def test_wrong_method_under_web_is_an_error_page(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    planner = signed_in(client, make_user("nowon", "district", "노원구"))
    response = planner.client.request(
        "DELETE",
        "/web/rounds",
        headers={"Cookie": f"siting_session={planner.cookies['siting_session']}"},
    )
    html = _is_page(response, 405, "problem")
    assert "Method not allowed" in html


def test_api_paths_keep_problem_json(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user("nowon", "district", "노원구")
    token = user["headers"]
    for path, status in (
        ("/rounds/abc", 422),
        ("/rounds/999", 404),
        ("/jobs/nope", 404),
        ("/no-such-path", 404),
        ("/webby", 404),  # only /web and what is under it is a page
    ):
        response = client.get(path, headers=token)
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON, path
        assert response.json()["status"] == status
    planner = signed_in(client, user)
    response = planner.get("/web/rounds/abc", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/html")  # pages are pages


def test_a_library_error_in_a_page_is_the_apis_problem_as_a_page(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user("nowon", "district", "노원구")
    body = b"a,b\n1,2\n"  # no coordinates, no known layout
    api = client.post(
        "/uploads", params={"filename": "bad.csv"}, content=body, headers=user["headers"]
    )
    assert api.status_code == 422 and api.headers["content-type"] == PROBLEM_JSON
    problem = api.json()
    browser: Browser = signed_in(client, user)
    response = browser.post(
        "/web/uploads/raw?filename=bad.csv",
        content=body,
        headers={"X-CSRF-Token": browser.csrf("/web/uploads"), "Content-Type": "text/csv"},
    )
    html = _is_page(response, 422, "problem")
    assert escape(problem["title"]) in html
    assert escape(problem["detail"].splitlines()[0]) in html
    if problem.get("fix"):
        assert escape(problem["fix"]) in html
