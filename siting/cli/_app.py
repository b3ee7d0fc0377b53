"""The typer application, its error handling and its logging options.

Every :class:`~layers.errors.SitingError` becomes one message on stderr and
exit code 2; anything else is a bug and says so (exit 1), with the traceback
only under ``--verbose``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from layers.errors import SitingError

__all__ = ["EXIT_BAD_INPUT", "EXIT_BUG", "app", "console_error"]

EXIT_BAD_INPUT = 2
EXIT_BUG = 1
_PACKAGES = ("siting", "layers", "scoring", "maps")
log = logging.getLogger("siting.cli")


def console_error(message: str) -> None:
    """Print an error message on stderr."""
    typer.echo(f"error: {message}", err=True)


class _ErrorHandlingGroup(TyperGroup):
    """A click group that turns project errors into a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SitingError as err:
            console_error(str(err))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            console_error("interrupted; no output was moved into place")
            raise typer.Exit(130) from None
        except MemoryError:
            console_error("out of memory; try a coarser cell size or fewer districts")
            raise typer.Exit(EXIT_BUG) from None
        except Exception as err:  # a bug: say so plainly, traceback only with -v
            if type(err).__module__.startswith(("typer", "click")):
                raise  # usage errors and exits belong to the CLI framework
            log.debug("traceback", exc_info=True)
            console_error(
                f"internal error ({type(err).__name__}: {err}). This is a bug in siting; "
                "run again with --verbose for the traceback and report it."
            )
            raise typer.Exit(EXIT_BUG) from None


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.INFO if verbose == 0 else logging.DEBUG)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in _PACKAGES:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_siting_cli", False)]:
            logger.removeHandler(old)
        handler._siting_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


app = typer.Typer(
    cls=_ErrorHandlingGroup,
    name="siting",
    help=(
        "Subsidy scoring and equipment siting (CCTV, public Wi-Fi, smart poles) "
        "for Seoul's 25 districts.\n\nStart with:  siting demo --out siting-demo"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv: debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
) -> None:
    """Subsidy scoring and equipment siting for Seoul's districts."""
    _configure_logging(verbose, quiet)
