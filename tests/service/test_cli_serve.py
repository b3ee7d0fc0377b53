"""``siting serve`` starts the service on loopback with the embedded store in ``--data``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_binds_loopback_with_the_embedded_store(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "siting-data"
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
    try:
        ready = None
        for _ in range(600):  # bounded by attempts, not by a speed target
            if process.poll() is not None:
                break
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, process.stdout.read().decode() if process.stdout else ""
        assert ready.json() == {"status": "ready", "store": "sqlite"}
        assert (data / "siting.sqlite").is_file()
        assert httpx.get(f"http://127.0.0.1:{port}/rounds", timeout=10).status_code == 401
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output
    assert f"Uvicorn running on http://127.0.0.1:{port}" in output  # loopback only by default
