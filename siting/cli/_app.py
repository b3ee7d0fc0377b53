"""The typer application, its error handling and its logging options.

Every :class:`~layers.errors.SitingError` becomes one message on stderr and
exit code 2; anything else is a bug and says so (exit 1), with the traceback
only under ``--verbose``. ``-q``/``-v`` are accepted before or after the
subcommand. ``--dong-boundaries FILE`` (before the subcommand) names sites by
the 행정동 of an installation file instead of the bundled 법정동, for this run
and the processes it starts. Nothing heavy is imported here (nor in any command module's top
level), so ``siting --help`` and ``siting --version`` answer at once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

__all__ = ["EXIT_BAD_INPUT", "EXIT_BUG", "app", "console_error"]

EXIT_BAD_INPUT = 2
EXIT_BUG = 1
_PACKAGES = ("siting", "layers", "scoring", "maps")
log = logging.getLogger("siting.cli")


def console_error(message: str) -> None:
    """Print an error message on stderr."""
    typer.echo(f"error: {message}", err=True)


#: Logging flags taken anywhere on the command line (``siting inspect f.csv -q``).
_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "-vv", "-vvv", "--verbose"})


def _is_siting_error(err: BaseException) -> bool:
    from layers.errors import SitingError  # imported when an error happens, not at start-up

    return isinstance(err, SitingError)


class _ErrorHandlingGroup(TyperGroup):
    """A click group that turns project errors into a message and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Move ``-q``/``-v`` given after the subcommand in front of it."""
        front: list[str] = []
        rest: list[str] = []
        for index, arg in enumerate(args):
            if arg == "--":
                rest.extend(args[index:])
                break
            (front if arg in _GLOBAL_FLAGS else rest).append(arg)
        return super().parse_args(ctx, front + rest)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            console_error("interrupted; no output was moved into place")
            raise typer.Exit(130) from None
        except MemoryError:
            console_error("out of memory; try a coarser cell size or fewer districts")
            raise typer.Exit(EXIT_BUG) from None
        except Exception as err:  # a bug: say so plainly, traceback only with -v
            if type(err).__module__.startswith(("typer", "click")):
                raise  # usage errors, --help and exits belong to the CLI framework
            if _is_siting_error(err):
                console_error(str(err))
                raise typer.Exit(EXIT_BAD_INPUT) from None
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


def _print_version(value: bool) -> None:
    if value:
        from siting import __version__

        typer.echo(f"siting {__version__}")
        raise typer.Exit()


def _use_dong_boundaries(path: Path) -> None:
    """Read and check the 행정동 file now; export it so that worker processes use it too."""
    from layers.dong_boundaries import ENV_VAR, use_dong_boundaries

    used = use_dong_boundaries(path)
    os.environ[ENV_VAR] = str(path.expanduser().resolve())
    if used is not None:
        log.info("dong names: %s from %s (%d dongs)", used.kind, used.source, len(used.polygons))


#: Commands that check an installation's 행정동 file (SITING_DONG_BOUNDARIES) at start:
#: the service runs for days, so a bad file must stop it now, not fail every job later.
_CHECK_DONGS_AT_START = frozenset({"serve"})


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="More log output (-vv: debug); before or after the subcommand.",
        ),
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only warnings and errors; anywhere on the line.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    dong_boundaries: Annotated[
        Path | None,
        typer.Option(
            "--dong-boundaries",
            metavar="FILE",
            dir_okay=False,
            help="행정동 boundary file (GPKG, SHP or GeoJSON with ADM_CD/ADM_NM-like columns): "
            "sites are then named by 행정동 and its code instead of the bundled 법정동. "
            "Before the subcommand; env SITING_DONG_BOUNDARIES sets it for an installation.",
        ),
    ] = None,
) -> None:
    """Subsidy scoring and equipment siting for Seoul's districts."""
    _configure_logging(verbose, quiet)
    if dong_boundaries is None and ctx.invoked_subcommand in _CHECK_DONGS_AT_START:
        installed = os.environ.get("SITING_DONG_BOUNDARIES", "").strip()
        dong_boundaries = Path(installed) if installed else None
    if dong_boundaries is not None:
        _use_dong_boundaries(dong_boundaries)
