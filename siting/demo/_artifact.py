"""What a demo stage returns: the files it wrote, described for a planner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Artifact", "Stage"]


@dataclass(frozen=True)
class Artifact:
    """One file the demo wrote, with what it is for a planner.

    Parameters
    ----------
    path : str
        Path relative to the demo folder.
    title : str
        Short title.
    description : str
        One or two sentences on what it shows and where it comes from.
    synthetic : bool
        True when the file holds or derives from seeded synthetic data.
    """

    path: str
    title: str
    description: str
    synthetic: bool = False


Stage = Callable[[Path, dict[str, Any]], list[Artifact]]
