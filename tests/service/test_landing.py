"""``/``: browsers go to the web pages, GIS clients get the OGC landing document."""

from __future__ import annotations

import httpx
import pytest

from service.routes_features import _accept_quality

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_a_browser_is_sent_to_the_web_pages(client: httpx.Client) -> None:
    r = client.get("/", headers={"Accept": BROWSER})
    assert r.status_code == 303 and r.headers["location"] == "/web/"
    assert client.get("/", params={"f": "html"}).status_code == 303


@pytest.mark.parametrize(
    "accept",
    ["application/json", "*/*", "", "application/json, text/html;q=0.5", "text/html;q=0, */*"],
)
def test_gis_clients_asking_for_json_get_the_landing_page(
    client: httpx.Client, accept: str
) -> None:
    r = client.get("/", headers={"Accept": accept} if accept else {"Accept": ""})
    assert r.status_code == 200, accept
    body = r.json()
    assert {link["rel"] for link in body["links"]} >= {"service-desc", "conformance", "data"}


def test_f_json_overrides_a_browsers_accept(client: httpx.Client) -> None:
    r = client.get("/", params={"f": "json"}, headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.json()["links"]


def test_accept_quality_takes_the_most_specific_range() -> None:
    assert _accept_quality(BROWSER, "text/html") == 1.0
    assert _accept_quality(BROWSER, "application/json") == 0.8
    assert _accept_quality("text/*;q=0.3, text/html;q=0.7", "text/html") == 0.7
    assert _accept_quality("application/json", "text/html") == 0.0
    assert _accept_quality("text/html;q=oops", "text/html") == 0.0
