"""Options and printing shared by every command (defined once, used everywhere).

Nothing heavy is imported at module level: pandas and rich load when a command
prints, so ``siting --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from layers.numbers import format_number

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

__all__ = ["OutDir", "Overwrite", "format_number", "print_table", "print_written", "stdout"]


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
