"""Where jobs run: worker processes on this machine, or an existing Dask cluster.

The service hands a picklable function and its arguments to an :class:`Executor`
and is told when it ends through a callback. The function itself records the job's
state in the store (see :mod:`service.jobs`), so a worker that dies leaves a job the
server can find and re-run or fail after its heartbeat stops.

``local`` (default)
    A :class:`concurrent.futures.ProcessPoolExecutor` started with the ``spawn``
    method (no fork of a threaded server). A worker killed mid-job breaks the pool;
    the executor replaces it for the next job.
``tcp://scheduler:8786``
    A :class:`distributed.Client` connected to a running Dask scheduler. Workers must
    see the same data folder (a shared disk) and reach the database.

Examples
--------
>>> ex = make_executor("local", workers=1)  # doctest: +SKIP
>>> ex.submit(pow, 2, 10, on_done=lambda err: None)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "make_executor"]

log = logging.getLogger(__name__)

#: Called with ``None`` when the function returned, else the exception it raised
#: (or that ended its worker).
DoneCallback = Callable[[BaseException | None], None]


class Executor(Protocol):
    """What the job runner needs from an executor."""

    #: ``local`` or the scheduler address, shown in ``/readyz`` and job documents.
    name: str

    def submit(self, fn: Callable[..., Any], /, *args: Any, on_done: DoneCallback) -> None:
        """Run ``fn(*args)`` in a worker; call ``on_done`` when it ends."""

    def shutdown(self) -> None:
        """Stop accepting work and release the workers."""


def _report(on_done: DoneCallback, error: BaseException | None) -> None:
    try:
        on_done(error)
    except Exception:  # a callback must never kill the executor's thread
        log.exception("job completion callback failed")


class LocalExecutor:
    """Worker processes on this machine (``spawn`` start method).

    Parameters
    ----------
    workers : int
        Number of worker processes.
    """

    def __init__(self, workers: int = 2) -> None:
        self.name = "local"
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, on_done: DoneCallback) -> None:
        """Run ``fn(*args)`` in a worker process; a broken pool is replaced first."""
        with self._lock:
            try:
                future = self._pool.submit(fn, *args)
            except BrokenProcessPool:
                log.warning("worker pool was broken (a worker died); starting a new one")
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                future = self._pool.submit(fn, *args)

        def done(f: Future[Any]) -> None:
            if f.cancelled():
                _report(on_done, RuntimeError("cancelled before it started"))
                return
            _report(on_done, f.exception())

        future.add_done_callback(done)

    def shutdown(self) -> None:
        """Stop the workers without waiting for running jobs (they are recovered at start-up)."""
        with self._lock:
            self._pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Jobs on a Dask cluster through :class:`distributed.Client`.

    Parameters
    ----------
    address : str or distributed.LocalCluster
        Scheduler address (``tcp://host:8786``) or a cluster object (tests).
    """

    def __init__(self, address: Any) -> None:
        from distributed import Client

        self.client = Client(address, set_as_default=False)
        self.name = (
            address if isinstance(address, str) else str(self.client.scheduler_info()["address"])
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, on_done: DoneCallback) -> None:
        """Run ``fn(*args)`` as one Dask task (never cached: ``pure=False``)."""
        future = self.client.submit(fn, *args, pure=False)

        def done(f: Any) -> None:
            if f.status == "cancelled":
                _report(on_done, RuntimeError("cancelled by the Dask scheduler"))
                return
            try:
                _report(on_done, f.exception())
            except Exception as err:  # worker lost, scheduler gone
                _report(on_done, err)

        future.add_done_callback(done)

    def shutdown(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self.client.close()


def make_executor(spec: str, *, workers: int = 2) -> Executor:
    """The executor a setting names: ``local`` or a Dask scheduler address.

    Parameters
    ----------
    spec : str
        ``"local"``, or ``"tcp://host:8786"`` (also ``tls://``, ``ws://``).
    workers : int
        Worker processes of the local executor.

    Raises
    ------
    ValueError
        For any other value.
    """
    if spec == "local":
        return LocalExecutor(workers)
    if spec.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
        return DaskExecutor(spec)
    raise ValueError(f"executor must be 'local' or a Dask scheduler address, not {spec!r}")
