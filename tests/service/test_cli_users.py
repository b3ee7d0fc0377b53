"""``siting users``: the printed token works against the service; disable and reset take effect."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from typer.testing import CliRunner

from service.settings import Settings
from siting.cli import app as cli


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _credentials(stdout: str) -> tuple[str, str]:
    lines = stdout.splitlines()
    password = next(line for line in lines if line.startswith("password: ")).split(": ", 1)[1]
    token = next(line for line in lines if line.startswith("token: ")).split(": ", 1)[1]
    return password, token


def test_users_add_list_disable_reset(
    settings: Settings, app: FastAPI, server: str, tmp_path: Path
) -> None:
    where = ["--data", str(settings.data), "--database", settings.database_url()]
    code, out, err = _run(
        "users", "add", "kim", "--role", "district", "--district", "노원구", *where
    )
    assert code == 0, err
    password, token = _credentials(out)
    assert len(password) >= 16 and token.startswith("sit_")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server) as client:
        assert client.get("/rounds", headers=headers).status_code == 200

        code, out, _ = _run("users", "list", *where)
        assert code == 0 and "kim" in out and "노원구" in out and token not in out

        code, _, err = _run("users", "add", "kim", "--role", "viewer", *where)
        assert code == 2 and "already exists" in err
        code, _, err = _run("users", "add", "lee", "--role", "district", *where)
        assert code == 2 and "--district" in err
        code, _, err = _run("users", "add", "park", "--role", "city", "--district", "중구", *where)
        assert code == 2

        assert _run("users", "disable", "kim", *where)[0] == 0
        assert client.get("/rounds", headers=headers).status_code == 401

        code, out, _ = _run("users", "reset", "kim", *where)
        assert code == 0
        _, new_token = _credentials(out)
        assert client.get("/rounds", headers=headers).status_code == 401  # old token revoked
        new_headers = {"Authorization": f"Bearer {new_token}"}
        assert client.get("/rounds", headers=new_headers).status_code == 200
