"""Progress of long library work: optional bars (off by default) and a reporter hook.

The library takes ``progress: bool = False``; the CLI turns it on. Bars are
drawn on stderr with rich, so tables on stdout stay clean.

Independently of the bars, whoever runs the work may install a *reporter* for
the current context with :func:`reporting`: a callable ``reporter(fraction,
message)`` told how far the whole piece of work is (``fraction`` 0–1) at every
progress point. Progress points are the items of :func:`track` and the stages
a job marks with :func:`step`. The service installs one that records the job's
progress in its store; a reporter may stop the work by raising
:class:`Cancelled`, which unwinds through the library (it is not an
:class:`Exception`, so no ``except Exception`` swallows it). Without a reporter
progress points cost one context-variable lookup, and a reporter never changes
what the work computes.

Fractions nest: the steps of a job are fractions of the range the job was
given, and a :func:`track` loop shares out the range its caller gave it among
its items (``step(0.4, "choosing the sites", until=0.9)`` gives the work that
follows 40–90 %; a loop over 5 districts inside it reports 40, 50, … 80 %).

Examples
--------
>>> seen = []
>>> with reporting(lambda f, m: seen.append((round(f, 2), m))):
...     step(0.5, "half way", until=1.0)
...     for _ in track(range(2), "parts"):
...         pass
>>> seen
[(0.5, 'half way'), (0.5, 'parts 1/2'), (0.75, 'parts 2/2')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from rich.console import Console
from rich.progress import track as _rich_track

__all__ = ["Cancelled", "Reporter", "current_reporter", "reporting", "step", "track", "within"]

T = TypeVar("T")

#: ``reporter(fraction, message)``: the work is at ``fraction`` (0–1) of the whole.
Reporter = Callable[[float, str], None]

_REPORTER: ContextVar[Reporter | None] = ContextVar("siting_progress_reporter", default=None)
#: Range (absolute fractions) the code now running owns: its steps map into it.
_FRAME: ContextVar[tuple[float, float]] = ContextVar("siting_progress_frame", default=(0.0, 1.0))
#: Range the next nested loop shares out among its items (set by ``step(..., until=)``).
_NEXT: ContextVar[tuple[float, float]] = ContextVar("siting_progress_next", default=(0.0, 1.0))


class Cancelled(BaseException):
    """Raised by a reporter at a progress point to stop the work (e.g. a dismissed job).

    A :class:`BaseException` like :class:`KeyboardInterrupt`: library code that
    catches :class:`Exception` lets it through, and ``staged_outputs`` removes its
    staging folder on the way out, so a cancelled job leaves no outputs.
    """


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send the progress of the work run inside the block to ``reporter``.

    Parameters
    ----------
    reporter : callable
        ``reporter(fraction, message)`` with ``fraction`` in 0–1 of the whole block's
        work; it may raise :class:`Cancelled` to stop the work.
    """
    tokens = (_REPORTER.set(reporter), _FRAME.set((0.0, 1.0)), _NEXT.set((0.0, 1.0)))
    try:
        yield
    finally:
        _NEXT.reset(tokens[2])
        _FRAME.reset(tokens[1])
        _REPORTER.reset(tokens[0])


def current_reporter() -> Reporter | None:
    """The reporter installed for the current context (``None`` outside :func:`reporting`)."""
    return _REPORTER.get()


def _at(frame: tuple[float, float], fraction: float) -> float:
    lo, hi = frame
    return lo + (hi - lo) * min(1.0, max(0.0, float(fraction)))


def step(fraction: float, message: str, *, until: float | None = None) -> None:
    """Mark a stage of a job: it is now at ``fraction`` of its range, doing ``message``.

    Parameters
    ----------
    fraction : float
        Share (0–1) of the current job's range done when the stage starts.
    message : str
        What the stage does, in the user's words (e.g. ``"reading the demand"``).
    until : float, optional
        Share (0–1) the stage ends at: a :func:`track` loop inside the stage
        reports its items between ``fraction`` and ``until``.

    Raises
    ------
    Cancelled
        When the reporter stops the work.
    """
    reporter = _REPORTER.get()
    if reporter is None:
        return
    frame = _FRAME.get()
    start = _at(frame, fraction)
    _NEXT.set((start, _at(frame, until) if until is not None else start))
    reporter(start, message)


@contextmanager
def within() -> Iterator[None]:
    """Run a library function's own stages inside the range its caller gave it.

    The caller marks ``step(0.35, "choosing the sites", until=0.9)``; the function
    it calls wraps its body in ``with within():`` and marks its stages as shares
    of that range (``step(0.5, ...)`` inside reports 62.5 %).

    >>> seen = []
    >>> with reporting(lambda f, m: seen.append((round(f, 3), m))):
    ...     step(0.5, "solving", until=1.0)
    ...     with within():
    ...         step(0.5, "improving")
    >>> seen
    [(0.5, 'solving'), (0.75, 'improving')]
    """
    if _REPORTER.get() is None:
        yield
        return
    outer = (_FRAME.get(), _NEXT.get())
    _FRAME.set(outer[1])
    try:
        yield
    finally:
        _FRAME.set(outer[0])
        _NEXT.set(outer[1])


def _reported(items: Iterable[T], description: str, total: float | None) -> Iterator[T]:
    """Iterate, reporting each item's start; nested work maps into the item's share."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield from items
        return
    if total is None:
        total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    lo, hi = _NEXT.get()
    outer = (_FRAME.get(), _NEXT.get())
    try:
        for i, item in enumerate(items):
            if total:
                share = (lo + (hi - lo) * i / total, lo + (hi - lo) * min(i + 1, total) / total)
                message = f"{description} {i + 1}/{int(total)}"
            else:
                share, message = (lo, lo), description
            _FRAME.set(share)
            _NEXT.set(share)
            reporter(share[0], message)
            yield item
    finally:
        _FRAME.set(outer[0])
        _NEXT.set(outer[1])


def track(
    items: Iterable[T], description: str, *, enabled: bool = False, total: float | None = None
) -> Iterator[T]:
    """Iterate over ``items``, drawing a progress bar on stderr when ``enabled``.

    Each item is also a progress point for the reporter of :func:`reporting`, if
    one is installed (whether or not a bar is drawn).

    Parameters
    ----------
    items : iterable
        What to iterate over.
    description : str
        Label shown beside the bar.
    enabled : bool, default False
        Draw the bar; otherwise this is a plain iteration.
    total : float, optional
        Number of items when ``items`` has no length.

    Raises
    ------
    Cancelled
        When the reporter stops the work (before an item starts).
    """
    points = _reported(items, description, total)
    if not enabled:
        yield from points
        return
    yield from _rich_track(
        points,
        description=description,
        total=total if total is not None else _length(items),
        console=Console(stderr=True),
        transient=True,
    )


def _length(items: Iterable[object]) -> float | None:
    return float(len(items)) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
