"""PostGIS tables QGIS can open directly: districts, published round results, proposals.

Only on PostgreSQL (``--database postgresql://…``): geometries in EPSG:5186
(``layers.crs.WORKING_CRS``) with GiST indexes, created by the first
migration. On the embedded SQLite store these tables do not exist and the
functions here do nothing; the OGC API – Features collections read the same
data from the artifacts instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text, delete, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "GEO_SRID",
    "DistrictGeo",
    "GeoBase",
    "ProposalGeo",
    "RoundResultGeo",
    "is_postgis",
    "sync_districts",
    "write_proposals",
    "write_round_result",
]

log = logging.getLogger(__name__)

#: SRID of every PostGIS geometry: Korea 2000 / Central Belt 2010 (metres).
GEO_SRID = 5186


class GeoBase(DeclarativeBase):
    """Declarative base of the PostGIS-only tables."""


class DistrictGeo(GeoBase):
    """The 25 districts (자치구) with their boundary."""

    __tablename__ = "districts_geo"

    sig_cd: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(String(40))
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=GEO_SRID, spatial_index=False))


class RoundResultGeo(GeoBase):
    """One row per district of a published round version, with the district boundary."""

    __tablename__ = "round_results_geo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    program: Mapped[str] = mapped_column(String(32))
    sig_cd: Mapped[str] = mapped_column(String(5))
    name_ko: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int | None] = mapped_column(Integer)
    total_points: Mapped[float | None] = mapped_column(Float)
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    requested_krw: Mapped[int | None] = mapped_column(BigInteger)
    city_share_krw: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=GEO_SRID, spatial_index=False))


class ProposalGeo(GeoBase):
    """Proposed sites of a job (points), as the propose job wrote them."""

    __tablename__ = "proposals_geo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str | None] = mapped_column(String(5))
    rank: Mapped[int | None] = mapped_column(Integer)
    properties: Mapped[str] = mapped_column(Text, default="{}")
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=GEO_SRID, spatial_index=False))


def is_postgis(session_or_dialect_name: Session | str) -> bool:
    """Whether a session (or dialect name) is on PostgreSQL, where these tables exist."""
    if isinstance(session_or_dialect_name, str):
        return session_or_dialect_name == "postgresql"
    return session_or_dialect_name.get_bind().dialect.name == "postgresql"


def _multi(geom: Any) -> Any:
    from shapely.geometry import MultiPolygon, Polygon

    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def _ewkt(geom: Any) -> str:
    return f"SRID={GEO_SRID};{geom.wkt}"


def sync_districts(session: Session, layer: gpd.GeoDataFrame | None = None) -> int:
    """Fill ``districts_geo`` from the bundled district layer if it is empty.

    Returns the number of rows written (0 when already filled or not on PostGIS).
    """
    if not is_postgis(session):
        return 0
    if session.query(DistrictGeo).limit(1).first() is not None:
        return 0
    if layer is None:
        from layers.districts import load_districts

        layer = load_districts()
    rows = [
        {
            "sig_cd": str(r.sig_cd),
            "name_ko": str(r.name_ko),
            "name_en": str(getattr(r, "name_en", "")),
            "geom": _ewkt(_multi(r.geometry)),
        }
        for r in layer.itertuples()
    ]
    session.execute(insert(DistrictGeo), rows)
    log.info("wrote %d districts into PostGIS table districts_geo", len(rows))
    return len(rows)


def write_round_result(
    session: Session, round_id: int, version: int, program: str, table: list[dict[str, Any]]
) -> int:
    """Write one published round version into ``round_results_geo`` (replacing that version)."""
    if not is_postgis(session):
        return 0
    sync_districts(session)
    geoms = {d.sig_cd: d for d in session.query(DistrictGeo).all()}
    session.execute(
        delete(RoundResultGeo).where(
            RoundResultGeo.round_id == round_id, RoundResultGeo.version == version
        )
    )
    rows = []
    for rec in table:
        district = geoms.get(str(rec.get("sig_cd")))
        if district is None:
            continue
        rows.append(
            {
                "round_id": round_id,
                "version": version,
                "program": program,
                "sig_cd": district.sig_cd,
                "name_ko": district.name_ko,
                "priority": rec.get("priority"),
                "total_points": rec.get("total_points"),
                "eligible": rec.get("eligible"),
                "requested_krw": rec.get("requested_krw"),
                "city_share_krw": rec.get("city_share_krw"),
                "reason": rec.get("reason") or "",
                "geom": district.geom,
            }
        )
    if rows:
        session.execute(insert(RoundResultGeo), rows)
    return len(rows)


def write_proposals(
    session: Session, job_id: str, proposals: gpd.GeoDataFrame, district: str | None = None
) -> int:
    """Write a job's proposed sites (EPSG:5186 points) into ``proposals_geo``.

    Other columns are kept as a JSON ``properties`` text. Returns rows written
    (0 when not on PostGIS).
    """
    if not is_postgis(session):
        return 0
    import json

    from layers.crs import require_working_crs

    require_working_crs(proposals, "proposals")
    session.execute(delete(ProposalGeo).where(ProposalGeo.job_id == job_id))
    props = proposals.drop(columns=proposals.geometry.name)
    rows = []
    for i, (geom, rec) in enumerate(
        zip(proposals.geometry, props.to_dict(orient="records"), strict=True)
    ):
        rank = rec.get("rank", i + 1)
        rows.append(
            {
                "job_id": job_id,
                "district": district,
                "rank": int(rank) if rank is not None else None,
                "properties": json.dumps(rec, ensure_ascii=False, default=str),
                "geom": _ewkt(geom),
            }
        )
    if rows:
        session.execute(insert(ProposalGeo), rows)
    return len(rows)
