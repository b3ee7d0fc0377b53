"""The one exception hierarchy of the project.

Every error a planner can cause by what they feed in derives from
:class:`InputError`; the CLI maps every :class:`SitingError` to exit code 2
and prints ``str(error)``, which always says *what* went wrong, *which layer
and rows*, and *how to fix it*.

Examples
--------
>>> raise CRSError("layer is EPSG:4326; expected EPSG:5186", layer="candidates",
...                fix="reproject with layers.to_working_crs")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CRSError",
    "ConfigError",
    "EmptyLayerError",
    "EncodingError",
    "InfeasibleError",
    "InputError",
    "OutputExistsError",
    "SitingError",
    "ValidationError",
]

#: How many row numbers an error message lists before it says "and N more".
MAX_ROWS_SHOWN = 20


def format_rows(rows: Sequence[int], limit: int = MAX_ROWS_SHOWN) -> str:
    """Format row numbers for a message, eliding long lists.

    Parameters
    ----------
    rows : sequence of int
        Row numbers as the planner sees them (1-based data rows).
    limit : int
        How many to list before summarising the rest.

    Returns
    -------
    str
        For example ``"3, 7, 9"`` or ``"1, 2, … and 40 more"``.
    """
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        shown += f", … and {len(rows) - limit} more"
    return shown


class SitingError(Exception):
    """Base class of every error this project raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, in the planner's words.
    layer : str, optional
        The layer or file concerned (``"candidates"``, ``"cctv.csv"``).
    rows : sequence of int, optional
        The offending rows (1-based data rows, as a spreadsheet shows them
        minus the header).
    fix : str, optional
        What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        rows: Sequence[int] | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.layer = layer
        self.rows = list(rows) if rows is not None else []
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = []
        if self.layer:
            parts.append(f"layer '{self.layer}': {self.message}")
        else:
            parts.append(self.message)
        if self.rows:
            parts.append(f"rows: {format_rows(self.rows)}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "\n  ".join(parts)


class InputError(SitingError, ValueError):
    """Something the user fed in cannot be used as it is."""


class CRSError(InputError):
    """A layer's coordinate reference system is missing, wrong or undetectable."""


class EncodingError(InputError):
    """A text file's encoding could not be recognised."""


class EmptyLayerError(InputError):
    """A layer has no usable rows."""


class ConfigError(InputError):
    """A configuration (TOML, options) is inconsistent or refers to unknown things."""


class ValidationError(InputError):
    """A layer failed validation; ``problems`` lists every problem found.

    Parameters
    ----------
    layer : str
        The layer validated.
    problems : sequence of str
        One line per problem, each naming its rows.
    fix : str, optional
        What to do about it.
    """

    def __init__(self, layer: str, problems: Sequence[str], *, fix: str | None = None) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        message = f"{n} problem{'s' if n != 1 else ''} found:\n    - " + "\n    - ".join(
            self.problems
        )
        super().__init__(message, layer=layer, fix=fix)


class InfeasibleError(SitingError, ValueError):
    """A request cannot be met (more sites than candidates, budget below any cost, …)."""


class OutputExistsError(SitingError, FileExistsError):
    """An output would overwrite an existing file and ``overwrite`` was not given."""
