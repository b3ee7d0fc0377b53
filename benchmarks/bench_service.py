"""Benchmark: bounded load test of the planning service on loopback.

Starts ``siting serve``'s app (uvicorn, embedded SQLite store by default, or
``--database postgresql://…``) in its own process on 127.0.0.1, creates a city user and
a district planner, uploads a seeded synthetic risk grid (labelled synthetic) for one
district, then:

1. **reference** — one client, no job running, for ``--reference-s`` seconds;
2. **load** — ``--clients`` concurrent httpx async clients for ``--duration`` seconds,
   each looping over the read mix below, while a feeder keeps ``--jobs-in-flight``
   ``propose`` jobs (CCTV, 20 sites, the synthetic grid) running the whole time.

Read mix (round robin per client): ``GET /collections``, ``GET /collections/districts/items``
(25 polygons), ``GET /collections/job-…-proposals/items`` (a finished job's sites),
``GET /jobs/{id}`` (a running job's status), ``GET /jobs?limit=20``.

Prints one table: requests, requests/s, p50/p95/max latency (ms), 5xx count, other
non-2xx count, peak RSS of the server process (VmHWM, MiB) and of its busiest worker.
The load is bounded by the clients × duration given; nothing here is a pass/fail timing.

Usage::

    python benchmarks/bench_service.py [--clients 50] [--duration 60] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "service"))

from _maps_fixtures import synthetic_grid_tif  # noqa: E402
from _server import ServerProcess  # noqa: E402

from layers import load_districts  # noqa: E402
from service.auth import create_user  # noqa: E402
from service.db import Store  # noqa: E402
from service.settings import Settings  # noqa: E402

DISTRICT = "노원구"


def peak_rss_mib(pid: int) -> float:
    """Peak resident set size (VmHWM) of a process, MiB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def children(pid: int) -> list[int]:
    """Direct and indirect child processes (the worker pool)."""
    found: list[int] = []
    for task in Path("/proc").glob("[0-9]*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(task.name))
            found.extend(children(int(task.name)))
    return found


class Feeder(threading.Thread):
    """Keeps ``in_flight`` propose jobs running; remembers finished and running ids."""

    def __init__(self, url: str, headers: dict[str, str], grid: str, in_flight: int) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.grid, self.in_flight = url, headers, grid, in_flight
        self.running: list[str] = []
        self.done: list[str] = []
        self.failed = 0
        self.stop = threading.Event()
        self.seed = 0

    def submit(self, client: httpx.Client) -> None:
        self.seed += 1
        r = client.post(
            "/processes/propose/execution",
            json={"inputs": {"device": "cctv", "count": 20, "grid": self.grid, "seed": self.seed}},
            headers=self.headers | {"Prefer": "respond-async"},
        )
        r.raise_for_status()
        self.running.append(r.json()["jobID"])

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as client:
            while not self.stop.is_set():
                while len(self.running) < self.in_flight:
                    self.submit(client)
                for job_id in list(self.running):
                    status = client.get(f"/jobs/{job_id}", headers=self.headers).json()["status"]
                    if status in ("successful", "failed", "dismissed"):
                        self.running.remove(job_id)
                        if status == "successful":
                            self.done.append(job_id)
                        else:
                            self.failed += 1
                self.stop.wait(0.5)


async def client_loop(
    url: str,
    headers: dict[str, str],
    feeder: Feeder,
    until: float,
    offset: int,
    records: list[tuple[float, int]],
) -> None:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        i = offset
        while time.monotonic() < until:
            kind = i % 5
            i += 1
            if kind == 0:
                path = "/collections"
            elif kind == 1:
                path = "/collections/districts/items?limit=25"
            elif kind == 2 and feeder.done:
                path = f"/collections/job-{feeder.done[i % len(feeder.done)]}-proposals/items"
            elif kind == 3 and feeder.running:
                path = f"/jobs/{feeder.running[i % len(feeder.running)]}"
            else:
                path = "/jobs?limit=20"
            start = time.perf_counter()
            try:
                response = await client.get(path)
                status = response.status_code
            except httpx.HTTPError:
                status = 599
            records.append((time.perf_counter() - start, status))


async def load(
    url: str, headers: dict[str, str], feeder: Feeder, clients: int, seconds: float
) -> list[tuple[float, int]]:
    records: list[tuple[float, int]] = []
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(client_loop(url, headers, feeder, until, k, records) for k in range(clients))
    )
    return records


def summarise(label: str, records: list[tuple[float, int]], seconds: float) -> dict[str, Any]:
    latencies = sorted(r[0] * 1000 for r in records)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "run": label,
        "requests": len(records),
        "req/s": len(records) / seconds,
        "p50 ms": q[49],
        "p95 ms": q[94],
        "max ms": latencies[-1],
        "5xx": sum(1 for _, s in records if s >= 500),
        "other non-2xx": sum(1 for _, s in records if 300 <= s < 500),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--reference-s", type=float, default=10.0)
    parser.add_argument("--jobs-in-flight", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the server")
    parser.add_argument("--database", default=None, help="postgresql://… (default: SQLite)")
    parser.add_argument("--log", type=Path, default=None, help="keep the server log here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        data = Path(tmp) / "data"
        settings = Settings(data=data, database=args.database)
        store = Store.open(settings)
        with store.session() as session:
            _, _, city_token = create_user(session, "bench-city", "city")
            _, _, planner_token = create_user(session, "bench-nowon", "district", DISTRICT)
            session.commit()
        store.close()
        city = {"Authorization": f"Bearer {city_token}"}
        planner = {"Authorization": f"Bearer {planner_token}"}
        districts = load_districts()
        tif = synthetic_grid_tif(
            Path(tmp) / "risk_grid_synthetic.tif", districts[districts.name_ko == DISTRICT], seed=7
        )
        server = ServerProcess(
            data,
            settings.database_url(),
            env={"SITING_WORKERS": str(args.workers)},
            log=Path(tmp) / "server.log",
        )
        try:
            grid = httpx.post(
                f"{server.url}/uploads",
                params={"filename": tif.name},
                content=tif.read_bytes(),
                headers=planner,
                timeout=120,
            ).json()["id"]
            feeder = Feeder(server.url, planner, grid, args.jobs_in_flight)
            reference = asyncio.run(load(server.url, city, feeder, 1, args.reference_s))
            feeder.start()
            while not feeder.done:  # a finished job, so its proposals collection is read too
                time.sleep(0.5)
            records = asyncio.run(load(server.url, city, feeder, args.clients, args.duration))
            feeder.stop.set()
            feeder.join(timeout=120)
            server_peak = peak_rss_mib(server.proc.pid)
            worker_peak = max((peak_rss_mib(p) for p in children(server.proc.pid)), default=0.0)
        finally:
            server.stop()
            if args.log:
                args.log.write_bytes((Path(tmp) / "server.log").read_bytes())
    rows = [
        summarise("reference: 1 client, no job running", reference, args.reference_s),
        summarise(
            f"{args.clients} clients + {args.jobs_in_flight} propose jobs in flight",
            records,
            args.duration,
        ),
    ]
    store_name = "PostgreSQL" if args.database else "SQLite (embedded)"
    print(
        f"\nservice load test on loopback: store {store_name}, {args.workers} worker processes, "
        f"{os.cpu_count()} CPUs; propose jobs finished during the load: {len(feeder.done)}, "
        f"failed: {feeder.failed}\n"
    )
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = [
            f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
            for v in row.values()
        ]
        print("| " + " | ".join(cells) + " |")
    print(
        f"\npeak memory (VmHWM): server process {server_peak:,.0f} MiB; "
        f"largest worker {worker_peak:,.0f} MiB"
    )
    if rows[1]["5xx"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
