"""``/uploads``: stream a file to the data folder, read it, return the inspection report.

``POST /uploads?filename=NAME.EXT`` with the file as the request body
(``curl --data-binary @cctv.csv``). The body is streamed to disk and refused with
413 as soon as it passes the limit (``SITING_UPLOAD_LIMIT``, 200 MiB by default); a
``Content-Length`` above the limit is refused before a byte is read. A ``.zip`` is
unpacked safely (:func:`service.uploads.unpack_zip`). The file is then read with the
CLI's readers and the answer carries what ``siting inspect --json`` prints; a file the
readers refuse is deleted and the problem (message, layer, rows, fix) returned.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select

from layers.errors import SitingError
from service.audit import record
from service.auth import bearer_scheme, current_user
from service.db import get_store, route_session
from service.models import Upload, User, new_id
from service.problems import Problem, problem_responses
from service.uploads import (
    UploadLimits,
    UploadRefused,
    inspect_upload,
    readable_path,
    remove_tree,
    safe_filename,
    stream_to_file,
    unpack_zip,
)

__all__ = ["ApiUser", "api_user", "can_read_upload", "router", "upload_doc"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["uploads"])


def api_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    """The signed-in user (``service.auth.current_user``) checked in a session of its own.

    The session is closed before the route runs, so a request never holds a store
    connection while it waits for a thread: under load that wait could exhaust the
    pool and deadlock the server.
    """
    return current_user(request, credentials)


#: Annotated type for routes of this package: ``user: ApiUser``.
ApiUser = Annotated[User, Depends(api_user)]


def limits_of(request: Request) -> UploadLimits:
    """Upload limits from the settings (``upload_limit`` bytes; archive limits scale with it)."""
    limit = int(request.app.state.settings.upload_limit)
    return UploadLimits(max_bytes=limit, max_unpacked_bytes=max(5 * limit, 1))


def can_read_upload(user: User, upload: Upload) -> bool:
    """City staff read every upload; others their own and (planners) their district's."""
    if user.role == "city" or upload.owner_id == user.id:
        return True
    return (
        user.role == "district" and upload.district is not None and upload.district == user.district
    )


def upload_doc(upload: Upload) -> dict[str, Any]:
    """The JSON answer describing an upload."""
    return {
        "id": upload.id,
        "filename": upload.filename,
        "size": upload.size,
        "sha256": upload.sha256,
        "district": upload.district,
        "created": upload.created_at.isoformat(),
        "inspection": upload.inspection,
        "links": [{"href": f"/uploads/{upload.id}", "rel": "self", "type": "application/json"}],
    }


def _refused(err: UploadRefused) -> Problem:
    return Problem(err.status, err.message, fix=err.fix or None)


def _inspect(path: Path, filename: str) -> dict[str, Any] | None:
    if path.suffix.lower() == ".toml" and path.name == filename:
        return {"path": filename, "kind": "toml", "kind_label": "TOML settings (criteria)"}
    return inspect_upload(path, filename=filename)


@router.post(
    "/uploads",
    status_code=201,
    summary="Upload a file (streamed; body = the file)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file itself (CSV, XLSX, GPKG, GeoJSON, GeoTIFF, TOML, or a "
            "zipped shapefile).",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
    responses=problem_responses(400, 403, 413, 415, 422),
)
async def create_upload(
    request: Request,
    filename: Annotated[str, Query(min_length=1, max_length=255, description="NAME.EXT")],
    user: ApiUser,
) -> JSONResponse:
    """Stream the body to ``<data>/uploads/<id>/``, read it, return the inspection report."""
    if user.role not in ("city", "district"):
        raise Problem(
            403,
            f"uploading needs the role city or district; you are signed in as "
            f"{user.name!r} ({user.role})",
        )
    limits = limits_of(request)
    try:
        name = safe_filename(filename)
    except UploadRefused as err:
        raise _refused(err) from err
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise Problem(
            413,
            f"upload of {int(declared):,} bytes is larger than the limit of "
            f"{limits.max_bytes:,} bytes",
            fix="split the file, or ask the administrator to raise SITING_UPLOAD_LIMIT",
        )
    settings = request.app.state.settings
    upload_id = new_id()
    folder = Path(settings.uploads_dir) / upload_id
    try:
        stored = await stream_to_file(request.stream(), folder / name, limits=limits)
        target = stored.path
        if name.lower().endswith(".zip"):
            members = await run_in_threadpool(
                unpack_zip, stored.path, folder / "unpacked", limits=limits
            )
            target = readable_path(folder / "unpacked", members)
        inspection = await run_in_threadpool(_inspect, target, name)
    except UploadRefused as err:
        remove_tree(folder)
        raise _refused(err) from err
    except SitingError:
        remove_tree(folder)
        raise
    except BaseException:
        remove_tree(folder)
        raise
    upload = Upload(
        id=upload_id,
        owner_id=user.id,
        district=user.district if user.role == "district" else None,
        filename=name,
        path=target.relative_to(settings.data).as_posix(),
        size=stored.size,
        sha256=stored.sha256,
        content_type=request.headers.get("content-type", "application/octet-stream")[:100],
        inspection=inspection,
    )
    await run_in_threadpool(_save_upload, request, user, upload)
    log.info("upload %s: %s, %d bytes", upload_id, name, stored.size)
    return JSONResponse(
        upload_doc(upload), status_code=201, headers={"Location": f"/uploads/{upload_id}"}
    )


def _save_upload(request: Request, user: User, upload: Upload) -> None:
    """Store the upload's row and its audit entry (in a worker thread, own session)."""
    with get_store(request).session() as session:
        session.add(upload)
        record(
            session,
            user,
            "upload.create",
            "upload",
            upload.id,
            after={"filename": upload.filename, "size": upload.size, "sha256": upload.sha256},
        )
        session.commit()


@router.get("/uploads", summary="Uploads you may read", responses=problem_responses(401))
def list_uploads(
    user: ApiUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Newest first."""
    with route_session(request) as session:
        query = select(Upload).order_by(Upload.created_at.desc(), Upload.id)
        if user.role != "city":
            query = query.where(
                (Upload.owner_id == user.id)
                | ((Upload.district == user.district) & (Upload.district.is_not(None)))
            )
        rows = session.scalars(query.offset(offset).limit(limit)).all()
        return {"uploads": [upload_doc(u) for u in rows]}


@router.get(
    "/uploads/{upload_id}",
    summary="One upload and its inspection report",
    responses=problem_responses(401, 404),
)
def get_upload(upload_id: str, user: ApiUser, request: Request) -> dict[str, Any]:
    """404 for an upload that does not exist or that you may not read."""
    with route_session(request) as session:
        upload = session.get(Upload, upload_id)
        if upload is None or not can_read_upload(user, upload):
            raise Problem(404, f"no upload {upload_id!r} you may read")
        return upload_doc(upload)
