"""Upload pages: send a file (plain fetch, streamed by the service) and read its inspection report.

The file goes through :func:`service.routes_uploads.create_upload`, the code of
``POST /uploads`` (size limit → 413, zip-bomb and path-traversal checks, the
same readers as ``siting inspect``, audit log); the report page shows what the
reader kept and dropped, with reasons and row numbers, and which rows had
their coordinates swapped back.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import get_session
from service.models import Upload, User
from service.pages.web import (
    PREFIX,
    PageNotFound,
    PageRoute,
    call_route,
    lang_of,
    render,
    require_page_role,
)
from service.routes_uploads import can_read_upload, create_upload

__all__ = ["reason_text", "router", "visible_uploads"]

router = APIRouter(prefix=f"{PREFIX}/uploads", route_class=PageRoute, include_in_schema=False)

Planner = Annotated[User, Depends(require_page_role("city", "district"))]
Db = Annotated[Session, Depends(get_session)]

#: Readers' drop reasons in Korean (the readers write them in English).
_REASONS_KO: dict[str, str] = {
    "missing coordinate (blank or not a number)": "좌표 없음 (빈칸이거나 숫자가 아님)",
    "zero coordinate": "좌표가 0",
    "projected metres in degree columns": "위도·경도 열에 미터 좌표가 들어 있음",
    "degrees in a metres file": "미터 좌표 파일에 도(°) 값이 들어 있음",
    "reprojection failed (infinite result)": "좌표 변환 실패 (무한대 결과)",
    "outside Seoul": "서울 밖의 위치",
    "not a Seoul district": "서울 자치구가 아님",
    "not a district (소계 or city office)": "자치구 행이 아님 (소계 또는 시 본청)",
    "no value (blank or '-')": "값 없음 (빈칸 또는 '-')",
    "other region (not Seoul)": "다른 시도 (서울 아님)",
    "city total row (계), checked against the district sum": "서울시 합계 행(계): 자치구 합과 대조함",
    "empty or missing geometry": "도형이 비어 있거나 없음",
}


def reason_text(reason: str, lang: str) -> str:
    """A reader's drop reason in the page language (unknown reasons unchanged)."""
    if lang != "ko":
        return reason
    if reason.startswith("out of range for "):
        return f"{reason.removeprefix('out of range for ')} 좌표 범위 밖 (서울 밖이거나 잘못된 값)"
    return _REASONS_KO.get(reason, reason)


def _ranges(ranges: list[list[int]], limit: int = 40) -> str:
    shown = [f"{a:,}" if a == b else f"{a:,}–{b:,}" for a, b in ranges[:limit]]
    text = ", ".join(shown)
    if len(ranges) > limit:
        text += ", …"
    return text


def _runs(rows: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return runs


def visible_uploads(db: Session, user: User) -> list[Upload]:
    """Uploads this user may read (city: all; a planner: its own and its district's), newest first."""
    query = select(Upload).order_by(Upload.created_at.desc(), Upload.id)
    if user.role != "city":
        query = query.where(
            (Upload.owner_id == user.id)
            | ((Upload.district == user.district) & Upload.district.is_not(None))
        )
    return list(db.scalars(query.limit(200)))


@router.get("", response_class=HTMLResponse)
def uploads_page(request: Request, user: Planner, db: Db) -> Response:
    """The upload form and the uploads this user may read."""
    limit = int(request.app.state.settings.upload_limit)
    return render(
        request,
        "uploads.html",
        {"uploads": visible_uploads(db, user), "limit_mb": limit / 1024 / 1024},
        user=user,
    )


@router.post("/raw")
async def upload_raw(
    request: Request,
    user: Planner,
    db: Db,
    filename: Annotated[str, Query(min_length=1, max_length=255)],
) -> Response:
    """Receive the file (raw body) through the API's upload code; answer where its report is."""
    response = await call_route(
        create_upload, request=request, filename=filename, user=user, session=db
    )
    doc = json.loads(bytes(response.body))
    return JSONResponse({"id": doc["id"], "location": f"{PREFIX}/uploads/{doc['id']}"}, 201)


def inspection_view(inspection: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The inspection report arranged for the page (reasons translated, rows as ranges)."""
    if not inspection:
        return None
    dropped = []
    for reason, info in (inspection.get("dropped") or {}).items():
        ranges = info.get("ranges") or _runs(info.get("rows") or [])
        dropped.append(
            {
                "reason": reason_text(reason, lang),
                "count": info.get("count", 0),
                "rows": _ranges(ranges),
            }
        )
    swapped = inspection.get("swapped_row_numbers") or []
    return {
        **inspection,
        "dropped_list": dropped,
        "swapped_text": _ranges(_runs(list(swapped))) if swapped else "",
        "by_district_list": sorted((inspection.get("by_district") or {}).items()),
    }


@router.get("/{upload_id}", response_class=HTMLResponse)
def upload_page(request: Request, upload_id: str, user: Planner, db: Db) -> Response:
    """One upload and its inspection report (404 for another district's upload)."""
    upload = db.get(Upload, upload_id)
    if upload is None or not can_read_upload(user, upload):
        raise PageNotFound
    return render(
        request,
        "upload.html",
        {"u": upload, "report": inspection_view(upload.inspection, lang_of(request))},
        user=user,
    )
