"""OGC API – Features (Part 1: Core, GeoJSON), read-only, so QGIS and GDAL read the service.

Collections:

``districts``
    Seoul's 25 districts (자치구) with their official statistics.
``dongs``
    Seoul's dongs: the installation's 행정동 file when the service has one
    (``SITING_DONG_BOUNDARIES``, :attr:`service.settings.Settings.dong_boundaries`;
    properties ``dong_cd``, ``name_ko``, ``sig_cd``, ``dong_kind``), else the
    bundled 법정동 (``emd_cd``, ``name_ko``, ``sig_cd``), so the collection names
    the dongs the service's jobs name sites by.
``round-{id}-v{version}``
    Each published version of a subsidy round: the scored table joined to the
    district polygons (everyone signed in reads published results).
``job-{id}-proposals``
    The proposed sites of each successful ``propose`` job the caller may read (city
    staff: all; a planner: its district's; everyone: the published ones). Only the
    ``proposals`` layer is published: the covered demand, the candidates, the
    smart-pole clutter layer and every replacement plan hold positions of existing
    devices and stay out.
``job-{id}-sites``
    The sites of each successful ``plan`` job (layer ``sites`` of
    ``plan_sites.gpkg``; also a citywide ``propose`` run by quota), read like the
    proposals.

A reader of a published job who does not work on it (a viewer, another district's
planner) gets its shared view (:mod:`service.job_sites`): sites on existing CCTV
poles and the existing-device ids and exact distances are left out.

Geometries are GeoJSON in WGS84 longitude/latitude (CRS84); ``bbox`` filters in the
same; ``limit`` (default 100, at most 10,000) and ``offset`` page, with ``next``/``prev``
links and ``numberMatched``/``numberReturned``. The landing page and conformance are
public; collections need a token like the rest of the API.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import route_session
from service.job_sites import SITE_LAYERS, collection_id, shared_frame, sites_layer
from service.models import Job, Round, RoundVersion, User
from service.problems import Problem
from service.routes_processes import can_read_job, reads_shared_view, visible_jobs_query
from service.routes_uploads import ApiUser

__all__ = ["CONFORMANCE", "router"]

router = APIRouter(tags=["features"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
]

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


class _Layer:
    """Features of one collection in WGS84 with their bounding boxes (for bbox filters)."""

    def __init__(self, features: list[dict[str, Any]], bounds: np.ndarray) -> None:
        self.features = features
        self.bounds = bounds.reshape(-1, 4) if len(features) else np.zeros((0, 4))
        self.by_id = {str(f["id"]): f for f in features}

    @classmethod
    def from_frame(cls, frame: Any, id_column: str) -> _Layer:
        wgs = frame.to_crs(4326)
        data = json.loads(wgs.to_json(drop_id=True, na="null"))
        features = []
        for feature, fid in zip(data["features"], wgs[id_column].astype(str), strict=True):
            feature["id"] = fid
            features.append(feature)
        return cls(features, np.asarray(wgs.geometry.bounds.to_numpy(), dtype=float))

    def extent(self) -> list[float]:
        if not len(self.features):
            return [126.76, 37.41, 127.19, 37.72]
        b = self.bounds
        return [
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        ]

    def select(self, bbox: list[float] | None) -> np.ndarray:
        if bbox is None:
            return np.arange(len(self.features))
        minx, miny, maxx, maxy = bbox
        b = self.bounds
        keep = (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)
        return np.flatnonzero(keep)


@lru_cache(maxsize=1)
def _districts() -> _Layer:
    from layers.districts import load_districts

    return _Layer.from_frame(load_districts(), "sig_cd")


@lru_cache(maxsize=1)
def _dongs() -> _Layer:
    from layers.districts import load_dongs

    return _Layer.from_frame(load_dongs(), "emd_cd")


@lru_cache(maxsize=2)
def _admin_dongs(path: str, sha256: str | None) -> _Layer:
    """The 행정동 of an installation file (``sha256`` keys the cache to its content)."""
    from layers.dong_boundaries import read_dong_boundaries

    boundaries = read_dong_boundaries(path)
    frame = boundaries.polygons[["dong_cd", "name_ko", "sig_cd", "geometry"]]
    return _Layer.from_frame(frame.assign(dong_kind=boundaries.kind), "dong_cd")


def _dong_collection(request: Request, *, features: bool = True) -> tuple[str, str, _Layer | None]:
    """Title, description and (with ``features``) the features of ``dongs``.

    The installation's 행정동 file (``settings.dong_boundaries``) when set, read and
    validated by :func:`layers.dong_boundaries.read_dong_boundaries` (cached while the
    file is unchanged), else the bundled 법정동.
    """
    path = request.app.state.settings.dong_boundaries
    if path is None:
        return (
            "Dongs (법정동)",
            "Seoul's 법정동 (legal dongs; bundled national boundaries, NGII 읍면동): "
            "properties emd_cd (8-digit 법정동 code), name_ko (name), sig_cd (자치구 code)",
            _dongs() if features else None,
        )
    from layers.dong_boundaries import read_dong_boundaries

    boundaries = read_dong_boundaries(path)
    return (
        f"Dongs ({boundaries.kind})",
        f"Seoul's {boundaries.kind} (administrative dongs) from the installation's file "
        f"{boundaries.source}, {len(boundaries.polygons)} polygons: properties dong_cd "
        f"({boundaries.code_system}), name_ko (name), sig_cd (자치구 code), dong_kind "
        f"({boundaries.kind})",
        _admin_dongs(str(path), boundaries.sha256) if features else None,
    )


@lru_cache(maxsize=64)
def _sites(path: str, layer: str, mtime: float, shared: bool) -> _Layer:
    """A job's sites layer (``shared``: its shared view); ids are ``order`` when unique,
    else the row number, given before rows are left out so they match the whole layer."""
    import pyogrio

    frame = pyogrio.read_dataframe(path, layer=layer)
    frame["fid"] = [str(i) for i in range(1, len(frame) + 1)]
    if "order" in frame and frame["order"].is_unique:
        frame["fid"] = frame["order"].astype(int).astype(str)
    if shared:
        frame = shared_frame(frame)
    return _Layer.from_frame(frame, "fid")


@lru_cache(maxsize=64)
def _round(version_id: int, table_json: str) -> _Layer:
    import geopandas as gpd
    import pandas as pd

    from layers.districts import load_districts

    table = pd.DataFrame(json.loads(table_json))
    districts = load_districts()[["sig_cd", "geometry"]]
    if "sig_cd" not in table:
        return _Layer([], np.zeros((0, 4)))
    table["sig_cd"] = table["sig_cd"].astype(str)
    drop = [c for c in ("geometry",) if c in table]
    merged = districts.merge(table.drop(columns=drop), on="sig_cd", how="inner")
    return _Layer.from_frame(
        gpd.GeoDataFrame(merged, geometry="geometry", crs=districts.crs), "sig_cd"
    )


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _collection_doc(
    request: Request, cid: str, title: str, description: str, layer: _Layer | None
) -> dict[str, Any]:
    base = _base(request)
    doc: dict[str, Any] = {
        "id": cid,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"href": f"{base}/collections/{cid}", "rel": "self", "type": "application/json"},
            {
                "href": f"{base}/collections/{cid}/items",
                "rel": "items",
                "type": GEOJSON,
                "title": title,
            },
        ],
    }
    if layer is not None:
        doc["extent"] = {"spatial": {"bbox": [layer.extent()], "crs": CRS84}}
    return doc


def _published_versions(session: Session) -> list[tuple[RoundVersion, Round]]:
    rows = session.execute(
        select(RoundVersion, Round)
        .join(Round, Round.id == RoundVersion.round_id)
        .where(RoundVersion.published_at.is_not(None))
        .order_by(RoundVersion.round_id, RoundVersion.version)
    ).all()
    return [(v, r) for v, r in rows]


def _site_jobs(session: Session, user: User) -> list[Job]:
    """Successful propose and plan jobs the user may read, oldest first."""
    query = (
        visible_jobs_query(user)
        .where(Job.process.in_(("propose", "plan")), Job.status == "successful")
        .order_by(None)
        .order_by(Job.created_at, Job.id)
    )
    return [j for j in session.scalars(query) if can_read_job(user, j)]


def _site_titles(job: Job) -> tuple[str, str]:
    """Title and description of a job's sites collection."""
    device = job.inputs.get("device") or (job.results or {}).get("summary", {}).get("device", "")
    if job.process == "plan":
        return (
            f"Planned {device} sites, job {job.id[:8]}",
            f"sites planned by job {job.id} ({device}) for the funded districts; "
            "new positions only",
        )
    return (
        f"Proposed {device} sites, job {job.id[:8]}",
        f"sites proposed by job {job.id} ({device}); new positions only",
    )


def _resolve(request: Request, session: Session, user: User, cid: str) -> tuple[str, str, _Layer]:
    """Title, description and features of a collection the user may read (404 otherwise)."""
    if cid == "districts":
        return "Districts (자치구)", "Seoul's 25 districts with official statistics", _districts()
    if cid == "dongs":
        title, description, layer = _dong_collection(request)
        assert layer is not None
        return title, description, layer
    if cid.startswith("round-") and "-v" in cid:
        head, _, ver = cid[len("round-") :].partition("-v")
        if head.isdigit() and ver.isdigit():
            version = session.scalar(
                select(RoundVersion).where(
                    RoundVersion.round_id == int(head),
                    RoundVersion.version == int(ver),
                    RoundVersion.published_at.is_not(None),
                )
            )
            rnd = session.get(Round, int(head))
            if version is not None and rnd is not None:
                layer = _round(
                    version.id, json.dumps(version.table, ensure_ascii=False, default=str)
                )
                return (
                    f"Round {rnd.id} {rnd.program} {rnd.year}, version {version.version}",
                    f"published result of round {rnd.id} ({rnd.title or rnd.program}), version "
                    f"{version.version}, joined to the district polygons",
                    layer,
                )
    suffixes = tuple(f"-{suffix}" for _, suffix in SITE_LAYERS.values())
    if cid.startswith("job-") and cid.endswith(suffixes):
        job = session.get(Job, cid[len("job-") :].rsplit("-", 1)[0])
        found = sites_layer(job) if job is not None else None
        if (
            job is not None
            and found is not None
            and job.artifacts_dir
            and collection_id(job) == cid
            and can_read_job(user, job)
        ):
            path = Path(request.app.state.settings.data) / job.artifacts_dir / found[0]
            if path.is_file():
                title, description = _site_titles(job)
                shared = reads_shared_view(user, job)
                layer = _sites(str(path), found[1], path.stat().st_mtime, shared)
                return title, description, layer
    raise Problem(404, f"no collection {cid!r} you may read; GET /collections lists them")


def _accept_quality(accept: str, media_type: str) -> float:
    """The quality an ``Accept`` header gives ``media_type`` (most specific range wins)."""
    major = media_type.split("/", 1)[0]
    best: tuple[int, float] = (-1, 0.0)
    for item in accept.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        kind = kind.lower()
        specificity = {media_type: 2, f"{major}/*": 1, "*/*": 0}.get(kind)
        if specificity is None or specificity < best[0]:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = (specificity, quality)
    return best[1]


def prefers_html(request: Request) -> bool:
    """Whether the client (a browser) prefers HTML to JSON; ``?f=json`` / ``?f=html`` decide."""
    f = request.query_params.get("f", "").lower()
    if f in ("json", "html"):
        return f == "html"
    accept = request.headers.get("accept", "")
    html = _accept_quality(accept, "text/html")
    return html > 0 and html > _accept_quality(accept, "application/json")


@router.get(
    "/",
    summary="Landing page (OGC API)",
    response_model=None,
    responses={
        200: {"description": "The OGC API landing page (JSON)"},
        303: {"description": "A browser (Accept prefers text/html, or ?f=html) goes to /web/"},
    },
)
def landing(request: Request) -> dict[str, Any] | RedirectResponse:
    """Links to the API definition, conformance, collections and processes.

    Browsers are sent to the web pages (``/web/``); GIS clients asking for JSON
    (or anything, ``*/*``) get the landing document.
    """
    if prefers_html(request):
        return RedirectResponse("/web/", status_code=303)
    base = _base(request)
    return {
        "title": "siting planning service",
        "description": "Seoul CCTV, public Wi-Fi and smart-pole planning: OGC API – Features "
        "(districts, dongs, published rounds, proposals) and OGC API – Processes (siting jobs).",
        "links": [
            {
                "href": f"{base}/",
                "rel": "self",
                "type": "application/json",
                "title": "this document",
            },
            {
                "href": f"{base}/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "title": "API definition",
            },
            {
                "href": f"{base}/docs",
                "rel": "service-doc",
                "type": "text/html",
                "title": "API documentation",
            },
            {
                "href": f"{base}/conformance",
                "rel": "conformance",
                "type": "application/json",
                "title": "conformance",
            },
            {
                "href": f"{base}/collections",
                "rel": "data",
                "type": "application/json",
                "title": "collections",
            },
            {
                "href": f"{base}/processes",
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/processes",
                "type": "application/json",
                "title": "processes",
            },
        ],
    }


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, Any]:
    """OGC API – Features core + GeoJSON, OGC API – Processes core + JSON + job list + dismiss."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary="Collections you may read", responses={401: _PROBLEM})
def collections(request: Request, user: ApiUser) -> dict[str, Any]:
    """Districts, dongs, published round versions, and the sites of the propose and plan
    jobs you may read."""
    with route_session(request) as session:
        docs = [
            _collection_doc(
                request,
                "districts",
                "Districts (자치구)",
                "Seoul's 25 districts with official statistics",
                _districts(),
            ),
            _collection_doc(request, "dongs", *_dong_collection(request, features=False)),
        ]
        for version, rnd in _published_versions(session):
            cid = f"round-{rnd.id}-v{version.version}"
            docs.append(
                _collection_doc(
                    request,
                    cid,
                    f"Round {rnd.id} {rnd.program} {rnd.year}, version {version.version}",
                    "published round result joined to the district polygons",
                    None,
                )
            )
        for job in _site_jobs(session, user):
            sites_cid = collection_id(job)
            if sites_cid is None:
                continue
            title, description = _site_titles(job)
            docs.append(_collection_doc(request, sites_cid, title, description, None))
        base = _base(request)
        return {
            "collections": docs,
            "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        }


@router.get(
    "/collections/{collection_id}",
    summary="One collection",
    responses={401: _PROBLEM, 404: _PROBLEM},
)
def collection(
    collection_id: str,
    request: Request,
    user: ApiUser,
) -> dict[str, Any]:
    """Title, description, extent (WGS84) and the items link."""
    with route_session(request) as session:
        title, description, layer = _resolve(request, session, user, collection_id)
        return _collection_doc(request, collection_id, title, description, layer)


def _parse_bbox(bbox: str | None) -> list[float] | None:
    if bbox is None:
        return None
    try:
        values = [float(v) for v in bbox.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if (
        len(values) != 4
        or not all(np.isfinite(values))
        or values[0] > values[2]
        or values[1] > values[3]
    ):
        raise Problem(
            400,
            f"bbox {bbox!r} is not minLon,minLat,maxLon,maxLat in WGS84",
            fix="e.g. bbox=126.9,37.5,127.1,37.6",
        )
    return values


@router.get(
    "/collections/{collection_id}/items",
    summary="Features (GeoJSON, WGS84) with bbox, limit and offset",
    responses={200: {"content": {GEOJSON: {}}}, 400: _PROBLEM, 401: _PROBLEM, 404: _PROBLEM},
)
def items(
    collection_id: str,
    request: Request,
    user: ApiUser,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (WGS84)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """A page of features with ``next``/``prev`` links."""
    with route_session(request) as session:
        box = _parse_bbox(bbox)
        _, _, layer = _resolve(request, session, user, collection_id)
        selected = layer.select(box)
        page = selected[offset : offset + limit]
        base = f"{_base(request)}/collections/{collection_id}/items"

        def href(start: int) -> str:
            query = f"limit={limit}&offset={start}" + (f"&bbox={bbox}" if bbox else "")
            return f"{base}?{query}"

        links = [
            {"href": href(offset), "rel": "self", "type": GEOJSON},
            {
                "href": f"{_base(request)}/collections/{collection_id}",
                "rel": "collection",
                "type": "application/json",
            },
        ]
        if offset + limit < len(selected):
            links.append({"href": href(offset + limit), "rel": "next", "type": GEOJSON})
        if offset > 0:
            links.append({"href": href(max(0, offset - limit)), "rel": "prev", "type": GEOJSON})
        body = {
            "type": "FeatureCollection",
            "features": [layer.features[i] for i in page],
            "numberMatched": len(selected),
            "numberReturned": len(page),
            "links": links,
        }
        return JSONResponse(body, media_type=GEOJSON)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature (GeoJSON, WGS84)",
    responses={200: {"content": {GEOJSON: {}}}, 401: _PROBLEM, 404: _PROBLEM},
)
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    user: ApiUser,
) -> JSONResponse:
    """404 for an unknown id."""
    with route_session(request) as session:
        _, _, layer = _resolve(request, session, user, collection_id)
        feature = layer.by_id.get(feature_id)
        if feature is None:
            raise Problem(404, f"collection {collection_id!r} has no feature {feature_id!r}")
        base = _base(request)
        body = dict(feature)
        body["links"] = [
            {
                "href": f"{base}/collections/{collection_id}/items/{feature_id}",
                "rel": "self",
                "type": GEOJSON,
            },
            {
                "href": f"{base}/collections/{collection_id}",
                "rel": "collection",
                "type": "application/json",
            },
        ]
        return JSONResponse(body, media_type=GEOJSON)
