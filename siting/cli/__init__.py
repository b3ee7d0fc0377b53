"""The ``siting`` command line: a thin typer layer over the library.

Each command lives in its own module and registers itself on :data:`app`.
"""

from siting.cli import (  # noqa: F401  (commands register on import)
    ageing,
    demo,
    districts,
    grid,
    inspect,
    map,
    plan,
    propose,
    score,
    serve,
    users,
)
from siting.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``siting`` console script."""
    app()
