"""An uploaded ``<program>_round.csv`` (the scored round ``siting score`` writes) is recognised
as a round table, reported (programme, districts funded, total granted) and planned by the
plan process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from _maps_fixtures import synthetic_grid_tif
from typer.testing import CliRunner

from layers.districts import load_districts
from siting.cli import app as cli

#: Requests of the round: SIG_CD → (requested KRW, matching secured KRW).
REQUESTS = {
    "11350": (200_000_000, 100_000_000),  # 노원구
    "11110": (100_000_000, 50_000_000),  # 종로구
    "11680": (300_000_000, 40_000_000),  # 강남구: matching short, not eligible
}


@pytest.fixture
def scored(tmp_path: Path) -> dict[str, Path]:
    """A real ``siting score --program cctv-new`` run on a SYNTHETIC Seoul risk grid (500 m,
    seeded) and the requests above, with a budget of 1.2억 (not every request is met)."""
    grid = synthetic_grid_tif(
        tmp_path / "seoul_grid_synthetic.tif", load_districts(), cell_m=500.0, seed=5
    )
    requests = tmp_path / "requests.csv"
    requests.write_text(
        "sig_cd,requested_krw,matching_secured_krw\n"
        + "".join(f"{code},{r},{m}\n" for code, (r, m) in REQUESTS.items()),
        encoding="utf-8",
    )
    out = tmp_path / "score"
    args = ["score", "--program", "cctv-new", "--districts", str(requests), "--grid", str(grid)]
    result = CliRunner().invoke(cli, [*args, "--budget", "1.2억", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {"grid": grid, "round": out / "cctv-new_round.csv"}


def _upload(client: httpx.Client, headers: dict[str, str], name: str, body: bytes) -> Any:
    r = client.post("/uploads", params={"filename": name}, content=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_scored_round_is_reported_and_planned(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]], scored: dict[str, Path]
) -> None:
    city = make_user("city-staff", "city")["headers"]
    table = pd.read_csv(scored["round"], encoding="utf-8-sig", dtype={"sig_cd": str})
    funded = table[table["city_share_krw"] > 0].sort_values("priority")
    assert 0 < len(funded) < len(REQUESTS)  # the budget meets some requests, not all

    doc = _upload(client, city, "cctv-new_round.csv", scored["round"].read_bytes())
    report = doc["inspection"]
    assert report["kind"] == "round_table"
    assert report["program"] == "cctv-new"
    assert report["rows_read"] == 25 and len(report["districts"]) == 25
    assert report["allocated"] is True
    assert report["districts_funded"] == funded["sig_cd"].tolist()
    assert report["granted_city_krw"] == int(table["city_share_krw"].sum()) > 0
    assert report["notes"] == []

    grid = _upload(client, city, scored["grid"].name, scored["grid"].read_bytes())["id"]
    r = client.post(
        "/processes/plan/execution",
        json={"inputs": {"round": doc["id"], "grid": grid, "solver": "greedy"}},
        headers=city,
    )
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert summary["n_sites"] > 0
    assert summary["n_districts"] == len(funded)
    assert summary["round"]["program"] == "cctv-new"


def test_a_renamed_or_unallocated_round_says_what_plan_will_miss(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]], scored: dict[str, Path]
) -> None:
    city = make_user("city-staff", "city")["headers"]
    body = scored["round"].read_bytes()
    renamed = _upload(client, city, "2026_round.csv", body)["inspection"]
    assert renamed["kind"] == "round_table"
    assert renamed["program"] == "cctv-new"  # told by its criteria columns
    assert any("name it cctv-new_round.csv" in n for n in renamed["notes"])

    table = pd.read_csv(scored["round"], encoding="utf-8-sig", dtype={"sig_cd": str})
    bare = table.drop(columns=["city_share_krw", "district_share_krw"])
    unallocated = _upload(
        client, city, "cctv-new_round.csv", bare.to_csv(index=False).encode("utf-8-sig")
    )["inspection"]
    assert unallocated["kind"] == "round_table" and unallocated["allocated"] is False
    assert unallocated["districts_funded"] == [] and unallocated["granted_city_krw"] == 0
    assert any("scored without a budget" in n for n in unallocated["notes"])
    # a statistics table is still a district table, not a round
    stats = _upload(client, city, "stats.csv", b"sig_cd,vulnerable_cells\n11350,120\n")
    assert stats["inspection"]["kind"] == "district_table"
