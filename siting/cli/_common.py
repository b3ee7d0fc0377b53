"""Options and printing shared by every command (defined once, used everywhere).

Nothing heavy is imported at module level: pandas and rich load when a command
prints, so ``siting --help`` stays fast.
"""

from __future__ import annotations

import math
import numbers
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

__all__ = ["OutDir", "Overwrite", "format_number", "print_table", "print_written", "stdout"]

#: What a missing value prints as (never ``nan``).
MISSING = "–"


class _LazyConsole:
    """rich's Console, created on first use.

    Tables keep their full width when stdout is a file or a pipe (rich would
    squeeze them to 80 columns), so saved output stays readable.
    """

    _console: Console | None = None

    def _get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """``rich.console.Console.print`` (markup and highlighting as rich's defaults)."""
        self._get().print(*objects, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


stdout = _LazyConsole()

OutDir = Annotated[
    Path,
    typer.Option("--out", "-o", help="Output folder (created if missing).", file_okay=False),
]
Overwrite = Annotated[
    bool, typer.Option("--overwrite", help="Replace output files that already exist.")
]


def format_number(value: Any, digits: int = 1) -> str:
    """A number as a planner reads it: thousands separators, fixed decimals, never
    scientific notation, ``–`` for a missing value (never ``nan``).

    Parameters
    ----------
    value : any
        Number, missing value (None, NaN, pd.NA) or anything else (shown with ``str``).
    digits : int, default 1
        Decimals of a non-integer number.

    Examples
    --------
    >>> format_number(77580.123), format_number(1e9), format_number(float("nan"))
    ('77,580.1', '1,000,000,000.0', '–')
    >>> format_number(0.000123, 2), format_number(3), format_number(True)
    ('0.00012', '3', 'True')
    """
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        text = str(value)
        return MISSING if text in ("nan", "<NA>", "NaT", "None") else text
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return MISSING if math.isnan(number) else ("∞" if number > 0 else "-∞")
    if number != 0 and abs(number) < 10 ** (-digits):
        # a small non-zero value keeps two significant digits instead of showing 0.0
        places = -math.floor(math.log10(abs(number))) + 1
        return f"{number:,.{places}f}"
    return f"{number:,.{digits}f}"


def print_table(
    table: pd.DataFrame, columns: list[str], *, title: str | None = None, digits: int = 1
) -> None:
    """Print selected columns of a table as an aligned text table on stdout."""
    import pandas as pd
    from rich.table import Table

    out = Table(title=title, show_lines=False)
    for column in columns:
        numeric = pd.api.types.is_numeric_dtype(table[column])
        out.add_column(column, justify="right" if numeric else "left")
    for row in table[columns].itertuples(index=False):
        out.add_row(*(format_number(value, digits) for value in row))
    stdout.print(out)


def print_written(out_dir: Path, files: list[str]) -> None:
    """Say where outputs went (the last line is always the folder)."""
    for name in files:
        stdout.print(f"  wrote {out_dir / name}")
    stdout.print(f"outputs in: {out_dir.resolve()}")
