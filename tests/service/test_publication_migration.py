"""Migration 0002 (job publication) upgrades a 0001 store with jobs in it, on SQLite and PostGIS."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from service.db import make_engine, upgrade

#: The variable naming the test cluster (set by scripts/test; the ``store`` fixture skips
#: or fails the PostGIS run without it).
POSTGRES_ENV = "SITING_TEST_POSTGRES_URL"
MIGRATIONS = Path(__file__).resolve().parents[2] / "service" / "migrations"


@pytest.fixture
def fresh_engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the ``store``'s kind (SQLite file, or a new PostGIS database)."""
    if store.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{(tmp_path / 'old.sqlite').as_posix()}")
        yield engine
        engine.dispose()
        return
    base = os.environ[POSTGRES_ENV]
    name = f"siting_mig_{secrets.token_hex(4)}"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("jobs")}


def test_0002_adds_publication_to_jobs_of_a_0001_store(fresh_engine: Engine) -> None:
    upgrade(fresh_engine, "0001")
    assert not {"published_at", "published_by_id"} & _columns(fresh_engine)
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "insert into users (name, role, password_hash, disabled, created_at) "
                "values ('officer', 'city', 'x', false, '2026-01-05 09:00:00')"
            )
        )
        connection.execute(
            text(
                "insert into jobs (id, process, inputs, owner_id, status, progress, message, "
                "attempt, created_at) values ('a1', 'plan', '{\"device\": \"cctv\"}', 1, "
                "'successful', 100, 'done', 1, '2026-01-05 09:30:00')"
            )
        )
    upgrade(fresh_engine)
    assert {"published_at", "published_by_id"} <= _columns(fresh_engine)
    indexes = {i["name"] for i in inspect(fresh_engine).get_indexes("jobs")}
    assert {"ix_jobs_published_at", "ix_jobs_status", "ix_jobs_owner_id"} <= indexes
    with fresh_engine.begin() as connection:
        row = connection.execute(
            text("select process, status, published_at, published_by_id from jobs where id='a1'")
        ).one()
        assert tuple(row) == ("plan", "successful", None, None)  # kept, unpublished
        connection.execute(
            text("update jobs set published_at = '2026-01-06 10:00:00', published_by_id = 1")
        )
    with pytest.raises(IntegrityError), fresh_engine.begin() as connection:
        connection.execute(text("update jobs set published_by_id = 999"))  # no such user

    _downgrade(fresh_engine, "0001")
    assert not {"published_at", "published_by_id"} & _columns(fresh_engine)
    upgrade(fresh_engine)
    with fresh_engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == (
            "0002"
        )
        assert connection.execute(text("select count(*) from jobs")).scalar() == 1
