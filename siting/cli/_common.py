"""Options and printing shared by every command (defined once, used everywhere)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

__all__ = ["OutDir", "Overwrite", "print_table", "print_written", "stdout"]

#: Tables keep their full width when stdout is a file or a pipe (rich would squeeze
#: them to 80 columns), so saved output stays readable.
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)

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
    out = Table(title=title, show_lines=False)
    for column in columns:
        numeric = pd.api.types.is_numeric_dtype(table[column])
        out.add_column(column, justify="right" if numeric else "left")
    for row in table[columns].itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f"{value:,.{digits}f}")
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f"{value:,}")
            else:
                cells.append(str(value))
        out.add_row(*cells)
    stdout.print(out)


def print_written(out_dir: Path, files: list[str]) -> None:
    """Say where outputs went (the last line is always the folder)."""
    for name in files:
        stdout.print(f"  wrote {out_dir / name}")
    stdout.print(f"outputs in: {out_dir.resolve()}")
