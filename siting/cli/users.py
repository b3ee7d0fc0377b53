"""``siting users``: accounts of the planning service (add, list, disable, reset)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from siting.cli._app import app
from siting.cli.serve import Database, DataDir

if TYPE_CHECKING:
    from service.db import Store

users_app = typer.Typer(
    no_args_is_help=True, help="Accounts of the planning service (siting serve)."
)
app.add_typer(users_app, name="users")


class Role(StrEnum):
    """Roles of the service."""

    city = "city"
    district = "district"
    viewer = "viewer"


def _open(data: Path | None, database: str | None) -> Store:
    from service.db import Store
    from service.settings import Settings

    overrides: dict[str, Any] = {
        k: v for k, v in {"data": data, "database": database}.items() if v is not None
    }
    return Store.open(Settings(**overrides))


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _credentials(password: str, token: str) -> None:
    typer.echo(f"password: {password}")
    typer.echo(f"token: {token}")
    typer.echo("(shown once: they are stored only as argon2 hashes)", err=True)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[Role, typer.Option("--role", help="city, district or viewer.")],
    district: Annotated[
        str | None,
        typer.Option(
            "--district", help="The planner's district (e.g. 노원구); --role district only."
        ),
    ] = None,
    data: DataDir = None,
    database: Database = None,
) -> None:
    """Add a user; prints a generated password and API token.

    Example:

        siting users add kim --role district --district 노원구 --data siting-data
    """
    from service.audit import record, snapshot
    from service.auth import create_user

    store = _open(data, database)
    try:
        with store.session() as session:
            user, password, token = create_user(session, name, role.value, district)
            record(
                session,
                None,
                "user.create",
                "user",
                user.id,
                after=snapshot(user),
                actor_name=_actor(),
            )
            session.commit()
    finally:
        store.close()
    where = f" ({user.district})" if user.district else ""
    typer.echo(f"added {user.name}: {user.role}{where}", err=True)
    _credentials(password, token)


@users_app.command("list")
def list_users(data: DataDir = None, database: Database = None) -> None:
    """List users (name, role, district, disabled).

    Example:

        siting users list --data siting-data
    """
    import pandas as pd
    from sqlalchemy import select

    from service.auth import district_label
    from service.models import User
    from siting.cli._common import print_table

    store = _open(data, database)
    try:
        with store.session() as session:
            rows = [
                {
                    "name": u.name,
                    "role": u.role,
                    "district": district_label(u.district) or "",
                    "disabled": "yes" if u.disabled else "no",
                    "created (UTC)": u.created_at.strftime("%Y-%m-%d %H:%M"),
                }
                for u in session.scalars(select(User).order_by(User.name))
            ]
    finally:
        store.close()
    columns = ["name", "role", "district", "disabled", "created (UTC)"]
    print_table(pd.DataFrame(rows, columns=columns), columns, title="users")


def _change(name: str, data: Path | None, database: str | None, *, disable: bool) -> None:
    from sqlalchemy import select

    from layers.errors import ConfigError
    from service.audit import record, snapshot
    from service.auth import reset_user
    from service.models import User

    store = _open(data, database)
    try:
        with store.session() as session:
            user = session.scalar(select(User).where(User.name == name))
            if user is None:
                raise ConfigError(f"no user {name!r}", layer="users", fix="see `siting users list`")
            before = snapshot(user)
            if disable:
                user.disabled = True
                record(
                    session,
                    None,
                    "user.disable",
                    "user",
                    user.id,
                    before=before,
                    after=snapshot(user),
                    actor_name=_actor(),
                )
                session.commit()
                typer.echo(f"disabled {name}: its tokens no longer work", err=True)
                return
            password, token = reset_user(session, user)
            record(
                session,
                None,
                "user.reset",
                "user",
                user.id,
                before=before,
                after=snapshot(user),
                actor_name=_actor(),
            )
            session.commit()
    finally:
        store.close()
    typer.echo(f"reset {name}: earlier tokens are revoked", err=True)
    _credentials(password, token)


@users_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    data: DataDir = None,
    database: Database = None,
) -> None:
    """Disable a user (its password and tokens stop working; history is kept).

    Example:

        siting users disable kim --data siting-data
    """
    _change(name, data, database, disable=True)


@users_app.command("reset")
def reset(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    data: DataDir = None,
    database: Database = None,
) -> None:
    """New password and token for a user (re-enables it; revokes its earlier tokens).

    Example:

        siting users reset kim --data siting-data
    """
    _change(name, data, database, disable=False)
