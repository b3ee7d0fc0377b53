"""Optional progress bars for long library work (off by default).

The library takes ``progress: bool = False``; the CLI turns it on. Bars are
drawn on stderr with rich, so tables on stdout stay clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import track as _rich_track

__all__ = ["track"]

T = TypeVar("T")


def track(
    items: Iterable[T], description: str, *, enabled: bool = False, total: float | None = None
) -> Iterator[T]:
    """Iterate over ``items``, drawing a progress bar on stderr when ``enabled``.

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
    """
    if not enabled:
        yield from items
        return
    yield from _rich_track(
        items, description=description, total=total, console=Console(stderr=True), transient=True
    )
