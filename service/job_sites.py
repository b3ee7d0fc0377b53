"""The sites a job proposed: which artifact holds them, and what of them may be shared.

A ``propose`` job writes its sites into ``proposal.gpkg`` (layer ``proposals``)
and ``proposals.csv``; a ``plan`` job (and a citywide ``propose`` run by quota)
into ``plan_sites.gpkg`` (layer ``sites``) and ``plan_sites.csv``. Both may hold
sites **on existing CCTV poles** (``candidate_source == "cctv_pole"``, or a
positive ``existing_cameras``): their positions are positions of existing
cameras. The shared view of a site table (:func:`shared_frame`,
:func:`shared_rows`) therefore drops those rows and the columns naming an
existing device or its exact distance (:data:`layers.privacy.EXISTING_ID_COLUMNS`,
:data:`layers.privacy.EXACT_DISTANCE_COLUMNS`); new sites stay.

:func:`copy_sites_to_postgis` copies a finished job's sites (all of them: the
table is for city GIS staff) into ``proposals_geo`` on PostGIS.

Examples
--------
>>> at_existing_device({"candidate_source": "cctv_pole", "existing_cameras": "2"})
True
>>> at_existing_device({"candidate_source": "lattice", "existing_cameras": "0"})
False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layers.privacy import EXACT_DISTANCE_COLUMNS, EXISTING_ID_COLUMNS
from service.models import Job

if TYPE_CHECKING:
    import geopandas as gpd
    from sqlalchemy.orm import Session

__all__ = [
    "PRIVATE_COLUMNS",
    "SITE_LAYERS",
    "SITE_TABLES",
    "at_existing_device",
    "collection_id",
    "copy_sites_to_postgis",
    "shared_frame",
    "shared_rows",
    "sites_layer",
]

#: GeoPackage of a job's sites → the layer holding them, and the collection suffix.
SITE_LAYERS: dict[str, tuple[str, str]] = {
    "proposal.gpkg": ("proposals", "proposals"),
    "plan_sites.gpkg": ("sites", "sites"),
}
#: CSV tables of a job's sites (one row a site, with lon/lat).
SITE_TABLES = ("proposals.csv", "plan_sites.csv")
#: Columns left out of every shared site table: existing-device ids and exact distances (m).
PRIVATE_COLUMNS = (*EXISTING_ID_COLUMNS, *EXACT_DISTANCE_COLUMNS)
#: ``candidate_source`` of candidates that are existing devices.
_EXISTING_SOURCES = frozenset({"cctv_pole"})


def sites_layer(job: Job) -> tuple[str, str] | None:
    """``(file, layer)`` of a successful job's sites GeoPackage, or ``None`` when it has none."""
    if job.status != "successful" or not job.artifacts_dir:
        return None
    files = (job.results or {}).get("files", [])
    for name, (layer, _) in SITE_LAYERS.items():
        if name in files:
            return name, layer
    return None


def collection_id(job: Job) -> str | None:
    """The OGC API – Features collection of a job's sites (``job-<id>-proposals`` or
    ``job-<id>-sites``), or ``None`` when the job has no sites layer."""
    found = sites_layer(job)
    if found is None:
        return None
    return f"job-{job.id}-{SITE_LAYERS[found[0]][1]}"


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number


def at_existing_device(record: Mapping[str, Any]) -> bool:
    """Whether a site row stands on an existing device (an existing CCTV pole).

    Parameters
    ----------
    record : mapping
        One site row (CSV strings or frame values): ``candidate_source`` and
        ``existing_cameras`` (cameras already on the pole) are read when present.
    """
    source = str(record.get("candidate_source") or "")
    return source in _EXISTING_SOURCES or _number(record.get("existing_cameras")) > 0


def shared_rows(
    fieldnames: Iterable[str], rows: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The shared view of site rows read from a CSV: columns and rows kept.

    Rows on existing devices (:func:`at_existing_device`) are dropped, and so are the
    :data:`PRIVATE_COLUMNS`.
    """
    columns = [c for c in fieldnames if c not in PRIVATE_COLUMNS]
    kept = [{c: row.get(c) for c in columns} for row in rows if not at_existing_device(row)]
    return columns, kept


def shared_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The shared view of a sites layer: rows on existing devices and private columns dropped."""
    keep = [not at_existing_device(r) for r in frame.to_dict(orient="records")]
    drop = [c for c in PRIVATE_COLUMNS if c in frame.columns]
    return frame.loc[keep].drop(columns=drop)


def copy_sites_to_postgis(sessions: Callable[[], Session], job_id: str, folder: Path) -> int:
    """On PostGIS, copy a propose or plan job's sites into ``proposals_geo``.

    Returns the rows written (0 on SQLite, or when the job wrote no sites layer).
    """
    from service.geotables import is_postgis, write_proposals

    with sessions() as session:
        job = session.get(Job, job_id)
        if job is None or job.process not in ("propose", "plan") or not is_postgis(session):
            return 0
        found = sites_layer(job)
        if found is None or not (folder / found[0]).is_file():
            return 0
        import pyogrio

        frame = pyogrio.read_dataframe(folder / found[0], layer=found[1])
        written = write_proposals(session, job_id, frame, job.district)
        session.commit()
        return written
