"""The store on SQLite and on PostGIS: migrations, WAL, the append-only audit log, PostGIS tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from service.audit import record
from service.db import Store, upgrade
from service.models import AuditEntry
from service.settings import Settings


def test_migrations_create_every_table_and_are_idempotent(app: FastAPI) -> None:
    store: Store = app.state.store
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "users",
        "tokens",
        "rounds",
        "submissions",
        "submission_attachments",
        "round_versions",
        "uploads",
        "jobs",
        "audit_log",
        "alembic_version",
    } <= tables
    upgrade(store.engine)  # a second run changes nothing and does not fail
    with store.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar()


def test_sqlite_store_is_in_the_data_folder_in_wal_mode(tmp_path: Path) -> None:
    settings = Settings(data=tmp_path / "d")
    store = Store.open(settings)
    try:
        assert (settings.data / "siting.sqlite").is_file()
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        for folder in ("uploads", "jobs", "rounds"):
            assert (settings.data / folder).is_dir()
    finally:
        store.close()


def test_audit_log_refuses_update_and_delete(app: FastAPI) -> None:
    store: Store = app.state.store
    with store.session() as session:
        entry = record(session, None, "test.append", "thing", 1, after={"a": 1}, actor_name="t")
        session.commit()
        entry_id = entry.id
    for statement in (
        f"UPDATE audit_log SET action = 'x' WHERE id = {entry_id}",
        f"DELETE FROM audit_log WHERE id = {entry_id}",
    ):
        with (
            store.engine.connect() as connection,
            pytest.raises(DatabaseError, match="append-only"),
        ):
            connection.execute(text(statement))
            connection.commit()
    with store.session() as session:
        kept = session.get(AuditEntry, entry_id)
        assert kept is not None and kept.action == "test.append"


def test_postgis_tables_are_gist_indexed_in_epsg5186(app: FastAPI) -> None:
    store: Store = app.state.store
    if store.dialect != "postgresql":
        assert "districts_geo" not in inspect(store.engine).get_table_names()
        return
    with store.engine.connect() as connection:
        srids = dict(
            connection.execute(
                text(
                    "select f_table_name, srid from geometry_columns where f_geometry_column='geom'"
                )
            ).all()
        )
        assert srids == {"districts_geo": 5186, "round_results_geo": 5186, "proposals_geo": 5186}
        gist = connection.execute(
            text("select tablename from pg_indexes where indexdef ilike '%USING gist%'")
        ).scalars()
        assert {"districts_geo", "round_results_geo", "proposals_geo"} <= set(gist)
        n = connection.execute(text("select count(*) from districts_geo")).scalar()
        assert n == 25
        area_km2 = connection.execute(
            text("select sum(ST_Area(geom)) / 1e6 from districts_geo")
        ).scalar()
        assert 560 < area_km2 < 660  # Seoul is about 605 km²


def test_proposals_go_to_postgis_in_epsg5186(app: FastAPI) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from layers.errors import CRSError
    from service.geotables import write_proposals

    store: Store = app.state.store
    sites = gpd.GeoDataFrame(
        {"rank": [1, 2], "site_id": ["c-17", "c-4"], "new_weight": [12.5, 3.0]},
        geometry=[Point(205_000, 557_000), Point(205_400, 557_300)],
        crs="EPSG:5186",
    )
    with store.session() as session:
        written = write_proposals(session, "job1", sites, district="11350")
        session.commit()
    if store.dialect != "postgresql":
        assert written == 0  # the embedded store keeps proposals in the job's artifacts
        return
    assert written == 2
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "select rank, district, ST_X(geom), ST_SRID(geom), properties "
                "from proposals_geo where job_id = 'job1' order by rank"
            )
        ).all()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (1, "11350", 205_000.0, 5186),
        (2, "11350", 205_400.0, 5186),
    ]
    assert '"site_id": "c-17"' in rows[0][4]
    with store.session() as session, pytest.raises(CRSError, match="proposals"):
        write_proposals(session, "job2", sites.to_crs("EPSG:4326"))
