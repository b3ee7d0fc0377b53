"""Users, tokens and roles: 401 without a token, district scoping, hashes only, no token in logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from service.auth import can_read_district, can_write_district, verify_password
from service.models import Token, User


def test_no_token_is_401_problem(client: httpx.Client) -> None:
    for method, path in [
        ("GET", "/rounds"),
        ("POST", "/rounds"),
        ("GET", "/audit"),
        ("GET", "/rounds/1/submissions/11350"),
    ]:
        r = client.request(method, path)
        assert r.status_code == 401, (method, path)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in r.json()["detail"]


def test_bad_revoked_and_disabled_tokens_are_refused(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]], app: FastAPI
) -> None:
    kim = make_user("kim", "district", "노원구")
    assert client.get("/rounds", headers=kim["headers"]).status_code == 200
    wrong = kim["token"][:-4] + ("AAAA" if not kim["token"].endswith("AAAA") else "BBBB")
    for token in (wrong, "sit_nope_nope", "garbage", "sit__"):
        r = client.get("/rounds", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
    with app.state.store.session() as session:
        user = session.scalar(select(User).where(User.name == "kim"))
        assert user is not None
        user.disabled = True
        session.commit()
    assert client.get("/rounds", headers=kim["headers"]).status_code == 401


def test_basic_auth_for_gis_clients(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    kim = make_user("kim", "district", "노원구")
    make_user("lee", "city")
    assert client.get("/rounds", auth=("kim", kim["token"])).status_code == 200
    assert client.get("/rounds", auth=("kim", kim["password"])).status_code == 200
    assert client.get("/rounds", auth=("lee", kim["token"])).status_code == 401  # not lee's
    assert client.get("/rounds", auth=("kim", kim["password"] + "x")).status_code == 401
    assert client.get("/rounds", auth=("nobody", "x")).status_code == 401
    bad = client.get("/rounds", headers={"Authorization": "Basic %%%"})
    assert bad.status_code == 401 and "Basic" not in bad.headers["www-authenticate"]


def test_secrets_are_stored_as_argon2_hashes(
    make_user: Callable[..., dict[str, Any]], app: FastAPI
) -> None:
    lee = make_user("lee", "city")
    with app.state.store.session() as session:
        user = session.scalar(select(User).where(User.name == "lee"))
        assert user is not None
        token = session.scalar(select(Token).where(Token.user_id == user.id))
        assert token is not None
        assert user.password_hash.startswith("$argon2id$")
        assert token.secret_hash.startswith("$argon2id$")
        assert lee["password"] not in user.password_hash
        assert lee["token"].split("_", 2)[2] not in token.secret_hash
        assert verify_password(user.password_hash, lee["password"])
        assert not verify_password(user.password_hash, lee["password"] + "x")


def test_roles_and_district_scoping() -> None:
    city = User(name="c", role="city", district=None)
    nowon = User(name="n", role="district", district="11350")
    viewer = User(name="v", role="viewer", district=None)
    assert can_read_district(city, "11680", published=False)
    assert can_read_district(nowon, "11350", published=False)
    assert not can_read_district(nowon, "11680", published=False)
    assert can_read_district(nowon, "11680", published=True)
    assert not can_read_district(viewer, "11680", published=False)
    assert can_read_district(viewer, "11680", published=True)
    assert not can_read_district(nowon, None, published=False)
    assert can_write_district(city, "11680") and can_write_district(nowon, "11350")
    assert not can_write_district(nowon, "11680") and not can_write_district(viewer, "11350")


def test_district_cannot_read_another_districts_draft_submission(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    nowon = make_user("nowon", "district", "노원구")
    gangnam = make_user("gangnam", "district", "강남구")
    viewer = make_user("council", "viewer")
    rid = client.post(
        "/rounds", json={"program": "cctv-replace", "year": 2025}, headers=city["headers"]
    ).json()["id"]
    client.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
    client.put(
        f"/rounds/{rid}/submissions/강남구",
        json={"requested_krw": 10_000_000, "matching_secured_krw": 5_000_000, "submit": False},
        headers=gangnam["headers"],
    ).raise_for_status()
    for who in (nowon, viewer):
        r = client.get(f"/rounds/{rid}/submissions/11680", headers=who["headers"])
        assert r.status_code in (403, 404)
        assert "5000000" not in r.text and "10000000" not in r.text
        listed = client.get(f"/rounds/{rid}/submissions", headers=who["headers"])
        assert listed.status_code in (200, 404)
        assert "11680" not in listed.text
    own = client.get(f"/rounds/{rid}/submissions/11680", headers=gangnam["headers"])
    assert own.status_code == 200 and own.json()["status"] == "draft"
    assert (
        client.get(f"/rounds/{rid}/submissions/11680", headers=city["headers"]).status_code == 200
    )


@pytest.fixture
def chatty_server(app: FastAPI, start_server: Callable[..., str]) -> str:
    """The app under uvicorn with its access log on and logging left to pytest's caplog."""
    return start_server(app, log_config=None, log_level="debug", access_log=True)


def test_tokens_never_appear_in_logs(
    chatty_server: str,
    make_user: Callable[..., dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "httpx", "service", "siting"):
        caplog.set_level(logging.DEBUG, logger=name)
    city = make_user("officer", "city")
    nowon = make_user("nowon", "district", "노원구")
    with httpx.Client(base_url=chatty_server, timeout=60) as c:
        rid = c.post(
            "/rounds",
            json={"program": "cctv-replace", "year": 2025, "budget_krw": 100_000_000},
            headers=city["headers"],
        ).json()["id"]
        c.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
        c.put(
            f"/rounds/{rid}/submissions/11350",
            json={"requested_krw": 60_000_000, "matching_secured_krw": 30_000_000},
            headers=nowon["headers"],
        ).raise_for_status()
        c.post(f"/rounds/{rid}/close", headers=city["headers"]).raise_for_status()
        c.post(f"/rounds/{rid}/score", headers=city["headers"]).raise_for_status()
        c.post(f"/rounds/{rid}/publish", headers=city["headers"]).raise_for_status()
        c.get(f"/rounds/{rid}/results", headers=nowon["headers"]).raise_for_status()
        wrong = nowon["token"][:-3] + "xyz"
        assert c.get("/rounds", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
        assert c.get("/audit", headers=nowon["headers"]).status_code == 403
    access = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) >= 9  # the access log was on and captured
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for person in (city, nowon):
        secret = person["token"].split("_", 2)[2]
        assert person["token"] not in text
        assert secret not in text
        assert person["password"] not in text
    assert wrong not in text and wrong.split("_", 2)[2] not in text
