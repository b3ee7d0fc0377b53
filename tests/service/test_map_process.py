"""The ``map`` process: the service's tile server in the map, privacy inputs passed through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from test_processes import upload_grid

from service.app import create_app
from service.auth import create_user
from service.settings import Settings

TILES = "https://tiles.city.example/{z}/{x}/{y}.png"


@pytest.fixture
def tiled(settings: Settings, start_server: Callable[..., str]) -> Iterator[tuple[str, FastAPI]]:
    app = create_app(settings.model_copy(update={"tile_url": TILES}))
    try:
        yield start_server(app), app
    finally:
        app.state.store.close()


def _token(app: FastAPI, name: str, role: str, district: str | None = None) -> dict[str, str]:
    with app.state.store.session() as session:
        _, _, token = create_user(session, name, role, district)
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_map_job_draws_the_services_tiles_and_hides_the_setting(
    tiled: tuple[str, FastAPI], tmp_path: Path
) -> None:
    base, app = tiled
    city = _token(app, "city-staff", "city")
    with httpx.Client(base_url=base, timeout=300) as client:
        grid = upload_grid(client, city, tmp_path, "노원구")
        r = client.post(
            "/processes/map/execution",
            json={"inputs": {"kind": "grid", "grid": grid}},
            headers=city,
        )
        assert r.status_code == 200, r.text
        html = next(f for f in r.json()["files"] if f["title"] == "map.html")
        page = client.get(html["href"], headers=city).text
        assert "tiles.city.example" in page
        job_id = r.headers["location"].rsplit("/", 1)[-1]
        doc = client.get(f"/jobs/{job_id}", headers=city).json()
        assert "_service" not in doc["inputs"] and doc["inputs"]["kind"] == "grid"


def test_map_inputs_leave_label_and_age_to_the_file_and_guard_min_devices(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("city-staff", "city")["headers"]
    inputs = client.get("/processes/map", headers=city).json()["inputs"]
    for name in ("device_label", "min_age"):
        assert inputs[name]["schema"].get("default") is None, name
    assert inputs["min_devices"]["schema"]["default"] == 3
    assert inputs["exact_positions"]["schema"]["default"] is False
    r = client.post(
        "/processes/map/execution",
        json={"inputs": {"kind": "equipment", "min_devices": 1}},
        headers=city,
    )
    assert r.status_code == 400 and "min_devices" in r.text
