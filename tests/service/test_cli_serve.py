"""``siting serve`` as an administrator starts it: loopback, embedded store, real GIS client."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.auth import create_user
from service.db import Store
from service.settings import Settings


@dataclass
class Served:
    """A ``siting serve`` process: its base URL, data folder and a city user's token."""

    url: str
    data: Path
    token: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def served(tmp_path: Path, free_port: int) -> Iterator[Served]:
    data = tmp_path / "siting-data"
    store = Store.open(Settings(data=data))
    with store.session() as session:
        _, _, token = create_user(session, "officer", "city")
        session.commit()
    store.close()
    port = free_port
    command = [
        sys.executable,
        "-c",
        "from siting.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--data",
        str(data),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1500):  # bounded by attempts, not a speed target
            if process.poll() is not None:
                break
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        yield Served(url, data, token, process)
    finally:
        process.terminate()
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_binds_loopback_with_the_embedded_store(served: Served) -> None:
    ready = httpx.get(f"{served.url}/readyz", timeout=30)
    assert ready.json() == {"status": "ready", "store": "sqlite"}
    assert (served.data / "siting.sqlite").is_file()
    assert httpx.get(f"{served.url}/rounds", timeout=30).status_code == 401
    served.process.terminate()
    output = served.process.communicate(timeout=60)[0].decode()
    assert f"{served.url}/" in output
    assert f"Uvicorn running on {served.url}" in output  # loopback only by default


def test_gis_client_signs_in_with_basic_auth(served: Served) -> None:
    """GDAL's OAPIF driver (what QGIS uses) with user name + token as Basic credentials."""
    from pyogrio import read_dataframe, set_gdal_config_options

    set_gdal_config_options({"GDAL_HTTP_USERPWD": f"officer:{served.token}"})
    try:
        districts = read_dataframe(f"OAPIF:{served.url}/", layer="districts")
    finally:
        set_gdal_config_options({"GDAL_HTTP_USERPWD": None})
    assert len(districts) == 25 and districts.crs.to_epsg() == 4326
    assert "노원구" in set(districts["name_ko"])


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("bogus://somewhere/siting", "cannot use the store URL 'bogus://somewhere/siting'"),
        ("not a url", "cannot use the store URL 'not a url'"),
        ("postgresql://planner:s3cret@127.0.0.1:1/siting", "cannot reach the store"),
    ],
)
def test_a_store_that_cannot_be_used_is_a_clear_error_not_a_crash(
    tmp_path: Path, url: str, says: str
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from siting.cli import main; main()",
            "serve",
            "--data",
            str(tmp_path / "d"),
            "--database",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "layer 'database'" in done.stderr and "fix:" in done.stderr
    assert "s3cret" not in done.stderr  # a password never reaches the terminal
    assert "internal error" not in done.stderr
