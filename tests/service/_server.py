"""A service in its own process (``uvicorn --factory``), for clients that hold the GIL
(GDAL through pyogrio) and for tests that kill the server.

The process gets its settings from ``SITING_*`` variables, exactly as an administrator
would start it; ``extra_imports`` are imported first (tests register a slow process).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

_LAUNCH = """
import importlib, sys
for name in sys.argv[2:]:
    importlib.import_module(name)
import uvicorn
uvicorn.run("service.app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning")
"""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``uvicorn`` serving ``service.app:create_app`` in a new process group.

    Parameters
    ----------
    data : Path
        Data folder (``SITING_DATA``).
    database : str
        Store URL (``SITING_DATABASE``).
    env : dict, optional
        Further ``SITING_*`` variables.
    extra_imports : list of str
        Modules imported before the app is built.
    """

    def __init__(
        self,
        data: Path,
        database: str,
        *,
        env: dict[str, str] | None = None,
        extra_imports: tuple[str, ...] = (),
        log: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = dict(os.environ)
        environment |= {"SITING_DATA": str(data), "SITING_DATABASE": database}
        environment |= env or {}
        tests_dir = str(Path(__file__).resolve().parent)
        root = str(Path(__file__).resolve().parents[2])
        environment["PYTHONPATH"] = os.pathsep.join(
            [root, tests_dir, environment.get("PYTHONPATH", "")]
        )
        self.log = log
        self._out = log.open("ab") if log else None
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(self.port), *extra_imports],
            env=environment,
            stdout=self._out or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self._out else subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, polls: int = 600) -> None:
        for _ in range(polls):
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:] if self.log else ""
                raise RuntimeError(f"the server exited with {self.proc.returncode}\n{tail}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not become ready")

    def kill(self) -> None:
        """SIGKILL the server and its worker processes (its whole process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        if self._out is not None:
            self._out.close()
            self._out = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then kill what is left."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=30)
        self.kill()
