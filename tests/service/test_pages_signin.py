"""Sign-in, sessions, CSRF and the shared pages, over HTTP against a running server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from service.auth import reset_user
from service.models import User
from tests.service._pages import Browser, csrf_of, set_cookies

STATIC = Path(__file__).parents[2] / "service" / "pages" / "static"


def test_signed_out_pages_send_to_sign_in(client: httpx.Client) -> None:
    response = client.get("/web/compare")
    assert response.status_code == 303
    assert response.headers["location"] == "/web/sign-in?next=/web/compare"
    page = client.get("/web/sign-in?next=/web/compare")
    assert page.status_code == 200
    assert '<html lang="ko">' in page.text and "로그인" in page.text
    assert 'for="name"' in page.text and 'for="password"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp


def test_sign_in_sets_a_secure_session_cookie(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    kim = make_user("kim", "district", "노원구")
    browser = Browser(client)
    form = browser.get("/web/sign-in")
    csrf_cookie = set_cookies(form)["siting_signin_csrf"]["siting_signin_csrf"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]
    assert csrf_cookie["samesite"].lower() == "strict"

    wrong = browser.post(
        "/web/sign-in",
        data={"name": "kim", "password": "nope", "csrf_token": csrf_of(form.text)},
    )
    assert wrong.status_code == 401
    assert "사용자 이름 또는 비밀번호가 맞지 않습니다" in wrong.text
    assert "siting_session" not in browser.cookies

    response = browser.sign_in("kim", kim["password"])
    assert response.status_code == 303
    cookie = set_cookies(response)["siting_session"]["siting_session"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    raw = [h for h in response.headers.get_list("set-cookie") if h.startswith("siting_session=")]
    assert "Secure" in raw[0] and "HttpOnly" in raw[0] and "SameSite=lax" in raw[0]

    welcome = browser.get(response.headers["location"])
    assert welcome.status_code == 303 and welcome.headers["location"] == "/web/"
    home = browser.get("/web/")
    assert home.status_code == 200
    assert "kim" in home.text and "노원구" in home.text


def test_welcome_without_cookie_explains_secure_cookies(client: httpx.Client) -> None:
    page = client.get("/web/welcome?next=/web/")
    assert page.status_code == 200
    assert "보안 쿠키(Secure)" in page.text


def test_forms_without_csrf_token_are_refused(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    lee = make_user("lee", "viewer")
    browser = Browser(client)
    browser.get("/web/sign-in")
    refused = browser.post("/web/sign-in", data={"name": "lee", "password": lee["password"]})
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert "siting_session" not in browser.cookies

    browser.sign_in("lee", lee["password"])
    assert browser.get("/web/").status_code == 200
    # sign-out without the token: refused, still signed in
    assert browser.post("/web/sign-out", data={}).status_code == 403
    assert browser.post("/web/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert browser.get("/web/").status_code == 200
    # a token from another origin is refused even with the right value
    token = browser.csrf()
    foreign = browser.post(
        "/web/sign-out", data={"csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    assert browser.get("/web/").status_code == 200


def test_sign_out_ends_the_session_on_the_server(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    park = make_user("park", "city")
    browser = Browser(client)
    browser.sign_in("park", park["password"])
    stolen = dict(browser.cookies)
    out = browser.post("/web/sign-out", data={"csrf_token": browser.csrf()})
    assert out.status_code == 303 and out.headers["location"] == "/web/sign-in?out=1"
    assert "siting_session" not in browser.cookies
    replay = Browser(client)
    replay.cookies = stolen
    assert replay.get("/web/").status_code == 303  # the copied cookie no longer works


def test_password_reset_and_disable_end_sessions(
    app: FastAPI, client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    choi = make_user("choi", "city")
    browser = Browser(client)
    browser.sign_in("choi", choi["password"])
    assert browser.get("/web/").status_code == 200
    with app.state.store.session() as session:
        user = session.get(User, choi["user"]["id"])
        assert user is not None
        password, _token = reset_user(session, user)
        session.commit()
    assert browser.get("/web/").status_code == 303
    browser.sign_in("choi", password)
    assert browser.get("/web/").status_code == 200
    with app.state.store.session() as session:
        user = session.get(User, choi["user"]["id"])
        assert user is not None
        user.disabled = True
        session.commit()
    assert browser.get("/web/").status_code == 303


def test_sign_in_is_throttled(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    make_user("jung", "viewer")
    browser = Browser(client)
    statuses = []
    for _ in range(6):
        form = browser.get("/web/sign-in")
        statuses.append(
            browser.post(
                "/web/sign-in",
                data={"name": "jung", "password": "guess", "csrf_token": csrf_of(form.text)},
            ).status_code
        )
    assert statuses == [401] * 5 + [429]


def test_english_switch(client: httpx.Client, make_user: Callable[..., dict[str, Any]]) -> None:
    han = make_user("han", "viewer")
    browser = Browser(client)
    browser.sign_in("han", han["password"])
    switched = browser.get("/web/lang/en?next=/web/compare")
    assert switched.status_code == 303 and switched.headers["location"] == "/web/compare"
    page = browser.get("/web/compare")
    assert '<html lang="en">' in page.text and "CCTV by district" in page.text
    assert "Nowon-gu" in page.text
    assert browser.get("/web/lang/ko?next=https://evil.example/").headers["location"] == "/web/"


def test_compare_page_lists_25_districts(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    viewer = make_user("council", "viewer")
    browser = Browser(client)
    browser.sign_in("council", viewer["password"])
    page = browser.get("/web/compare")
    assert page.status_code == 200
    assert page.text.count("data-sig-cd=") == 25
    assert "도봉구" in page.text and "OA-2734" in page.text
    config = page.text.split('id="map-config">', 1)[1].split("</script>", 1)[0]
    doc = json.loads(config)
    assert len(doc["districts"]) == 25 and doc["tile_url"] == ""
    geo = browser.get("/web/geo/districts.geojson")
    assert geo.status_code == 200
    features = geo.json()["features"]
    assert len(features) == 25
    lon, lat = features[0]["geometry"]["coordinates"][0][0][:2]
    assert 126.7 < lon < 127.3 and 37.4 < lat < 37.8
    assert client.get("/web/geo/districts.geojson").status_code == 303  # signed out


def test_vendored_assets_are_served_and_match_their_manifest(client: httpx.Client) -> None:
    manifest = json.loads((STATIC / "ASSETS.json").read_text(encoding="utf-8"))
    for entry in manifest:
        for name, digest in entry["files"].items():
            assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name
    htmx = client.get("/web/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    assert hashlib.sha256(htmx.content).hexdigest() == manifest[0]["files"]["htmx.min.js"]
    assert client.get("/web/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/web/vendor/leaflet/images/layers.png").status_code == 200
    for bad in (
        "/web/static/../session.py",
        "/web/static/%2e%2e/session.py",
        "/web/vendor/leaflet/../../ASSETS.json",
        "/web/static/nope.js",
    ):
        assert client.get(bad).status_code == 404, bad
