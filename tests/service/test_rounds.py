"""The round workflow over HTTP on SQLite and PostGIS: create → open → submit → close →
score → publish; corrections make a new version and keep the old one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

NOWON, GANGNAM, JONGNO = "11350", "11680", "11110"


@pytest.fixture
def people(make_user: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        "city": make_user("officer", "city"),
        "nowon": make_user("nowon", "district", "노원구"),
        "gangnam": make_user("gangnam", "district", "강남구"),
        "jongno": make_user("jongno", "district", "종로구"),
        "viewer": make_user("council", "viewer"),
    }


def _new_round(client: httpx.Client, city: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "program": "cctv-replace",
        "year": 2025,
        "title": "노후 CCTV 교체 2025",
        "budget_krw": 300_000_000,
        **extra,
    }
    r = client.post("/rounds", json=body, headers=city["headers"])
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def _submit(
    client: httpx.Client,
    who: dict[str, Any],
    round_id: int,
    district: str,
    requested: int | str,
    matching: int | str,
    **extra: Any,
) -> httpx.Response:
    return client.put(
        f"/rounds/{round_id}/submissions/{district}",
        json={"requested_krw": requested, "matching_secured_krw": matching, **extra},
        headers=who["headers"],
    )


def test_whole_round(client: httpx.Client, people: dict[str, dict[str, Any]], app: Any) -> None:
    city, nowon, gangnam, jongno, viewer = (
        people[k] for k in ("city", "nowon", "gangnam", "jongno", "viewer")
    )
    rnd = _new_round(client, city, criteria={"policy": "fill"}, budget_krw="3억")
    rid = rnd["id"]
    assert rnd["status"] == "draft"
    assert rnd["settings"]["budget_krw"] == 300_000_000 and rnd["settings"]["policy"] == "fill"
    # a draft round is invisible to districts and viewers
    assert client.get(f"/rounds/{rid}", headers=nowon["headers"]).status_code == 404
    assert _submit(client, nowon, rid, NOWON, 100, 50).status_code == 404
    assert client.post(f"/rounds/{rid}/open", headers=nowon["headers"]).status_code == 403
    assert client.post(f"/rounds/{rid}/open", headers=city["headers"]).json()["status"] == "open"

    # districts submit for themselves only
    own = _submit(client, nowon, rid, "노원구", "2억", "1억원")
    assert own.status_code == 200 and own.json()["requested_krw"] == 200_000_000
    assert own.json()["matching_secured_krw"] == 100_000_000
    assert own.json()["district"] == NOWON and own.json()["district_name"] == "노원구"
    assert _submit(client, gangnam, rid, GANGNAM, 400_000_000, 200_000_000).status_code == 200
    r = _submit(client, jongno, rid, "종로", 300_000_000, 50_000_000)  # not enough matching
    assert r.status_code == 200 and r.json()["district"] == JONGNO
    assert _submit(client, nowon, rid, GANGNAM, 1, 1).status_code == 404
    assert _submit(client, viewer, rid, GANGNAM, 1, 1).status_code == 404  # unpublished: unseen

    # before publication a planner reads only its own submission
    mine = client.get(f"/rounds/{rid}/submissions", headers=nowon["headers"]).json()
    assert [s["district"] for s in mine] == [NOWON]
    assert (
        client.get(f"/rounds/{rid}/submissions/{GANGNAM}", headers=nowon["headers"]).status_code
        == 404
    )
    everyone = client.get(f"/rounds/{rid}/submissions", headers=city["headers"]).json()
    assert sorted(s["district"] for s in everyone) == sorted([NOWON, GANGNAM, JONGNO])

    # scoring needs a closed round; closing stops planners' edits
    assert client.post(f"/rounds/{rid}/score", headers=city["headers"]).status_code == 409
    assert client.post(f"/rounds/{rid}/close", headers=city["headers"]).status_code == 200
    late = _submit(client, nowon, rid, NOWON, 1, 1)
    assert late.status_code == 409 and "closed" in late.json()["detail"]

    v1 = client.post(f"/rounds/{rid}/score", headers=city["headers"])
    assert v1.status_code == 201, v1.text
    v1 = v1.json()
    assert v1["version"] == 1
    rows = {row["sig_cd"]: row for row in v1["table"]}
    assert len(rows) == 25  # every district is ranked (rank population: all)
    assert rows[JONGNO]["eligible"] is False
    assert rows[NOWON]["eligible"] is True and rows[GANGNAM]["eligible"] is True
    assert rows[NOWON]["requested_krw"] == 200_000_000 and rows[GANGNAM]["city_share_krw"] > 0
    assert rows["11110"]["requested_krw"] == 300_000_000
    assert all(isinstance(r["city_share_krw"], int) for r in v1["table"])
    granted = sum(row["city_share_krw"] for row in v1["table"])
    assert granted == v1["totals"]["granted_city_krw"] <= 300_000_000
    # fill: the city pays half of each eligible request, in priority order, within the budget
    assert granted == 300_000_000
    assert {"cctv-replace_round.xlsx", "cctv-replace_round.csv"} <= set(v1["files"])

    # not published yet: others see nothing
    assert client.get(f"/rounds/{rid}/results", headers=viewer["headers"]).status_code == 404
    assert client.get(f"/rounds/{rid}", headers=viewer["headers"]).status_code == 404
    assert client.get(f"/rounds/{rid}/results", headers=nowon["headers"]).status_code == 404

    pub = client.post(f"/rounds/{rid}/publish", headers=city["headers"])
    assert pub.status_code == 200 and pub.json()["published_at"]
    seen = client.get(f"/rounds/{rid}/results", headers=viewer["headers"]).json()
    assert seen["version"] == 1 and seen["table"] == v1["table"]
    # once published, planners read the other districts' (submitted) requests
    other = client.get(f"/rounds/{rid}/submissions/{GANGNAM}", headers=nowon["headers"])
    assert other.status_code == 200 and other.json()["requested_krw"] == 400_000_000
    assert _submit(client, viewer, rid, GANGNAM, 1, 1).status_code == 403
    xlsx = client.get(
        f"/rounds/{rid}/results/1/files/cctv-replace_round.xlsx", headers=viewer["headers"]
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (
        client.get(
            f"/rounds/{rid}/results/1/files/..%2Frun.json", headers=city["headers"]
        ).status_code
        == 404
    )

    # a correction by the city (종로 secured its matching funds) and a re-score: version 2
    fix = _submit(
        client,
        city,
        rid,
        JONGNO,
        300_000_000,
        150_000_000,
        note="matching budget confirmed by 종로구 on 2025-03-02",
    )
    assert fix.status_code == 200
    v2 = client.post(
        f"/rounds/{rid}/score",
        json={"reason": "종로구 matching corrected"},
        headers=city["headers"],
    ).json()
    assert v2["version"] == 2 and v2["reason"] == "종로구 matching corrected"
    assert {r["sig_cd"]: r for r in v2["table"]}[JONGNO]["eligible"] is True
    # version 1 is kept unchanged and still the published one until v2 is published
    again = client.get(f"/rounds/{rid}/results/1", headers=city["headers"]).json()
    assert again["table"] == v1["table"]
    assert client.get(f"/rounds/{rid}/results", headers=viewer["headers"]).json()["version"] == 1
    assert client.get(f"/rounds/{rid}/results/2", headers=viewer["headers"]).status_code == 404
    client.post(f"/rounds/{rid}/publish", headers=city["headers"]).raise_for_status()
    versions = client.get(f"/rounds/{rid}/versions", headers=viewer["headers"]).json()
    assert [v["version"] for v in versions] == [1, 2]

    store = app.state.store
    if store.dialect == "postgresql":  # published results are a PostGIS table QGIS can open
        with store.engine.connect() as connection:
            n = connection.execute(
                text(
                    "select count(*) from round_results_geo where round_id = :r and version = 2 "
                    "and ST_SRID(geom) = 5186"
                ),
                {"r": rid},
            ).scalar()
        assert n == 25


def test_bad_settings_are_problems(client: httpx.Client, people: dict[str, dict[str, Any]]) -> None:
    city = people["city"]
    r = client.post(
        "/rounds",
        json={"program": "cctv-replace", "year": 2025, "criteria": {"policy": "lottery"}},
        headers=city["headers"],
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.post(
        "/rounds",
        json={"program": "cctv-replace", "year": 2025, "criteria": {"tie_method": "max"}},
        headers=city["headers"],
    )
    assert r.status_code == 422 and "tie_method" in r.json()["detail"]
    assert r.json()["fix"]
    r = client.post(
        "/rounds",
        json={"program": "cctv-replace", "year": 2025, "budget_krw": "6bn"},
        headers=city["headers"],
    )
    assert r.status_code == 422 and "60억" in r.json()["detail"]
    r = client.post("/rounds", json={"program": "cctv-nope", "year": 2025}, headers=city["headers"])
    assert r.status_code == 422
    r = client.post(
        "/rounds",
        json={"program": "cctv-replace", "year": 2025, "budget_krw": -5},
        headers=city["headers"],
    )
    assert r.status_code == 422


def test_unknown_district_and_draft_submission(
    client: httpx.Client, people: dict[str, dict[str, Any]]
) -> None:
    city, nowon = people["city"], people["nowon"]
    rid = _new_round(client, city)["id"]
    client.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
    r = _submit(client, city, rid, "부산진구", 1, 1)
    assert r.status_code == 422 and "not one of Seoul's 25 districts" in r.json()["detail"]
    nul = _submit(client, nowon, rid, NOWON, 1, 1, note="a\x00b")
    assert nul.status_code == 422  # PostgreSQL text cannot hold NUL: refused before the database
    bad_id = _submit(client, nowon, rid, NOWON, 1, 1, attachments=["../../etc/passwd"])
    assert bad_id.status_code == 422
    missing = _submit(client, nowon, rid, NOWON, 1, 1, attachments=["0" * 32])
    assert missing.status_code == 422 and "no upload" in missing.json()["detail"]
    draft = _submit(client, nowon, rid, NOWON, 100_000_000, 50_000_000, submit=False)
    assert draft.json()["status"] == "draft"
    client.post(f"/rounds/{rid}/close", headers=city["headers"]).raise_for_status()
    r = client.post(f"/rounds/{rid}/score", headers=city["headers"])
    assert r.status_code == 409 and "no district has submitted" in r.json()["detail"]


def test_library_refusal_at_scoring_is_a_problem_and_keeps_no_version(
    client: httpx.Client, people: dict[str, dict[str, Any]]
) -> None:
    """New-CCTV scoring needs D/E cell counts: without a grid the library refuses, as the CLI does."""
    city, nowon = people["city"], people["nowon"]
    rid = _new_round(client, city, program="cctv-new")["id"]
    client.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
    _submit(client, nowon, rid, NOWON, "1억", "5천만").raise_for_status()
    client.post(f"/rounds/{rid}/close", headers=city["headers"]).raise_for_status()
    r = client.post(f"/rounds/{rid}/score", headers=city["headers"])
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert "vulnerable_cells" in r.json()["detail"] and r.json()["fix"]
    assert client.get(f"/rounds/{rid}/versions", headers=city["headers"]).json() == []
    assert client.get(f"/rounds/{rid}", headers=city["headers"]).json()["status"] == "closed"
