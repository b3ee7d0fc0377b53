"""OGC API – Features read by GDAL's OAPIF driver (through pyogrio), as QGIS reads it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyogrio
import pytest
from _server import ServerProcess
from fastapi import FastAPI
from test_processes import upload_grid, wait_for

from layers.districts import load_districts
from service.models import Round, RoundVersion
from service.settings import Settings


@pytest.fixture
def oapif(app: FastAPI, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """The service in its own process (GDAL holds the GIL while it fetches); its base URL."""
    server = ServerProcess(settings.data, settings.database_url(), log=tmp_path / "server.log")
    yield server.url
    server.stop()


@pytest.fixture
def oapif_client(oapif: str) -> Iterator[httpx.Client]:
    """An HTTP client of the server process."""
    with httpx.Client(base_url=oapif, timeout=60) as client:
        yield client


@pytest.fixture
def gdal_token() -> Iterator[Callable[[str], None]]:
    """Set the bearer token GDAL sends (GDAL_HTTP_AUTH=BEARER, GDAL >= 3.9); cleared afterwards."""

    def use(token: str) -> None:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token})

    yield use
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})


def test_gdal_reads_districts_with_paging(
    oapif: str, make_user: Callable[..., dict[str, Any]], gdal_token: Callable[[str], None]
) -> None:
    server = oapif
    gdal_token(make_user("viewer-gdal", "viewer")["token"])
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{server}/")}
    assert {"districts", "dongs"} <= layers
    frame = pyogrio.read_dataframe(f"OAPIF:{server}/", layer="districts", PAGE_SIZE="7")
    assert len(frame) == 25  # four pages followed through the next links
    assert frame.crs.to_epsg() == 4326
    expected = load_districts().set_index("sig_cd")
    frame = frame.set_index("sig_cd")
    assert set(frame.index) == set(expected.index)
    assert (frame.loc[expected.index, "name_ko"] == expected["name_ko"]).all()
    assert np.allclose(
        frame.loc[expected.index].to_crs(5186).geometry.area.to_numpy(),
        expected.geometry.area.to_numpy(),
        rtol=1e-6,
    )


def test_items_bbox_paging_links_and_single_feature(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    headers = make_user("viewer-http", "viewer")["headers"]
    r = client.get(
        "/collections/districts/items", params={"limit": 10, "offset": 10}, headers=headers
    )
    body = r.json()
    assert r.headers["content-type"].startswith("application/geo+json")
    assert body["numberMatched"] == 25 and body["numberReturned"] == 10
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=20" in rels["next"] and "offset=0" in rels["prev"]
    nowon = load_districts().to_crs(4326).set_index("name_ko").loc["노원구"].geometry.centroid
    box = f"{nowon.x - 0.001},{nowon.y - 0.001},{nowon.x + 0.001},{nowon.y + 0.001}"
    hits = client.get("/collections/districts/items", params={"bbox": box}, headers=headers).json()
    ids = {f["id"] for f in hits["features"]}
    assert "11350" in ids and "11500" not in ids  # 노원구 in, 강서구 out
    one = client.get("/collections/districts/items/11350", headers=headers).json()
    assert one["properties"]["name_ko"] == "노원구"
    assert client.get("/collections/districts/items/99999", headers=headers).status_code == 404
    bad = client.get("/collections/districts/items", params={"bbox": "1,2,x"}, headers=headers)
    assert bad.status_code == 400
    assert client.get("/", headers={}).json()["links"]
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
        in client.get("/conformance").json()["conformsTo"]
    )


def test_gdal_reads_a_jobs_proposals_visible_only_to_its_district(
    oapif: str,
    oapif_client: httpx.Client,
    make_user: Callable[..., dict[str, Any]],
    gdal_token: Callable[[str], None],
    tmp_path: Path,
    settings: Settings,
) -> None:
    server = oapif
    client = oapif_client
    nowon = make_user("nowon-gdal", "district", "노원구")
    gangnam = make_user("gangnam-gdal", "district", "강남구")
    grid = upload_grid(client, nowon["headers"], tmp_path, "노원구")
    r = client.post(
        "/processes/propose/execution",
        json={"inputs": {"device": "cctv", "count": 6, "grid": grid}},
        headers=nowon["headers"] | {"Prefer": "respond-async"},
    )
    job_id = r.json()["jobID"]
    assert wait_for(client, nowon["headers"], job_id)["status"] == "successful"
    layer = f"job-{job_id}-proposals"

    gdal_token(nowon["token"])
    assert layer in {name for name, _ in pyogrio.list_layers(f"OAPIF:{server}/")}
    frame = pyogrio.read_dataframe(f"OAPIF:{server}/", layer=layer)
    assert len(frame) == 6
    written = pyogrio.read_dataframe(
        Path(settings.data) / "jobs" / job_id / "proposal.gpkg", layer="proposals"
    ).to_crs(4326)
    got = np.sort(np.c_[frame.geometry.x, frame.geometry.y], axis=0)
    want = np.sort(np.c_[written.geometry.x, written.geometry.y], axis=0)
    assert np.allclose(got, want, atol=1e-9)
    # only the proposals layer is published: covered demand and candidates are not collections
    ids = {
        c["id"] for c in client.get("/collections", headers=nowon["headers"]).json()["collections"]
    }
    assert layer in ids and not any("covered" in i or "candidates" in i for i in ids)

    gdal_token(gangnam["token"])
    assert layer not in {name for name, _ in pyogrio.list_layers(f"OAPIF:{server}/")}


def test_published_round_versions_are_collections(
    client: httpx.Client, app: FastAPI, make_user: Callable[..., dict[str, Any]]
) -> None:
    table = [
        {"sig_cd": sig, "name_ko": name, "total_points": float(i), "granted_city_krw": 1000 * i}
        for i, (sig, name) in enumerate(
            zip(load_districts()["sig_cd"], load_districts()["name_ko"], strict=True)
        )
    ]
    with app.state.store.session() as session:
        rnd = Round(program="cctv-replace", year=2025, status="published", published_version=1)
        session.add(rnd)
        session.flush()
        session.add(
            RoundVersion(round_id=rnd.id, version=1, table=table, published_at=datetime.now(UTC))
        )
        session.add(RoundVersion(round_id=rnd.id, version=2, table=table))  # not published
        session.commit()
        round_id = rnd.id
    headers = make_user("viewer-round", "viewer")["headers"]
    ids = {c["id"] for c in client.get("/collections", headers=headers).json()["collections"]}
    assert f"round-{round_id}-v1" in ids and f"round-{round_id}-v2" not in ids
    items = client.get(f"/collections/round-{round_id}-v1/items", headers=headers).json()
    assert items["numberMatched"] == 25
    jongno = next(f for f in items["features"] if f["id"] == "11110")
    assert jongno["properties"]["granted_city_krw"] == next(
        r["granted_city_krw"] for r in table if r["sig_cd"] == "11110"
    )
    assert client.get(f"/collections/round-{round_id}-v2/items", headers=headers).status_code == 404
