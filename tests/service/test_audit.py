"""Every change leaves an audit entry (who, when, what, before/after), readable by city staff only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def test_round_changes_are_audited_with_before_and_after(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    nowon = make_user("nowon", "district", "노원구")
    viewer = make_user("council", "viewer")
    started = datetime.now(UTC) - timedelta(seconds=5)
    rid = client.post(
        "/rounds",
        json={"program": "cctv-replace", "year": 2025, "budget_krw": 50_000_000},
        headers=city["headers"],
    ).json()["id"]
    client.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
    url = f"/rounds/{rid}/submissions/11350"
    body = {"requested_krw": 40_000_000, "matching_secured_krw": 20_000_000}
    client.put(url, json=body, headers=nowon["headers"]).raise_for_status()
    client.put(
        url, json=body | {"requested_krw": 30_000_000}, headers=nowon["headers"]
    ).raise_for_status()

    for who in (nowon, viewer):
        r = client.get("/audit", headers=who["headers"])
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
    entries = client.get("/audit", params={"entity": "submission"}, headers=city["headers"]).json()
    assert [e["action"] for e in entries] == ["submission.write", "submission.write"]
    newest, first = entries
    assert first["before"] is None and first["after"]["requested_krw"] == 40_000_000
    assert newest["before"]["requested_krw"] == 40_000_000
    assert newest["after"]["requested_krw"] == 30_000_000
    assert newest["actor_name"] == "nowon" and newest["actor_id"] == nowon["user"]["id"]
    at = datetime.fromisoformat(newest["at"])
    assert at.tzinfo is not None and started <= at <= datetime.now(UTC) + timedelta(seconds=5)

    rounds = client.get(
        "/audit", params={"entity": "round", "entity_id": str(rid)}, headers=city["headers"]
    ).json()
    assert [e["action"] for e in rounds] == ["round.open", "round.create"]
    assert rounds[0]["before"]["status"] == "draft" and rounds[0]["after"]["status"] == "open"
    everything = client.get("/audit", headers=city["headers"]).text
    assert "password_hash" not in everything and "argon2" not in everything


def test_audit_paging(client: httpx.Client, make_user: Callable[..., dict[str, Any]]) -> None:
    city = make_user("officer", "city")
    for year in (2021, 2022, 2023):
        client.post(
            "/rounds", json={"program": "wifi", "year": year}, headers=city["headers"]
        ).raise_for_status()
    page = client.get("/audit", params={"limit": 2}, headers=city["headers"]).json()
    rest = client.get("/audit", params={"limit": 2, "offset": 2}, headers=city["headers"]).json()
    assert len(page) == 2 and len(rest) == 1
    assert page[0]["id"] > page[1]["id"] > rest[0]["id"]
    assert client.get("/audit", params={"limit": 0}, headers=city["headers"]).status_code == 422
