"""Siting runs from the pages: start ``propose`` / ``replace`` (and ``plan`` when the service
offers it) for the own district within its grant, watch progress, see the sites on the
map, adjust (exclude a candidate, force one in, change the count) and run again.

Jobs are created by :func:`service.routes_processes.execute_process`, the code of
``POST /processes/{id}/execution`` (input validation, role and district scoping,
audit log, the durable job runner); these pages only build its inputs and read
the job's artifacts.

City staff publish a successful plan, propose or replace job from its page (the
code of ``POST /jobs/{id}/publication``, :mod:`service.publication`); viewers and
other districts then open it read-only, with its shared view only: no inputs, no
re-run form, sites on existing devices left out of the map, the table and the
downloads.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.dong_boundaries import LEGAL_DONG
from layers.errors import InputError
from layers.money import parse_krw
from service.db import get_session
from service.job_sites import SITE_TABLES, at_existing_device
from service.models import Job, Round, RoundVersion, User
from service.pages.grant_plan import grant_plan_error, grant_round_upload, published_rounds
from service.pages.i18n import Translator
from service.pages.uploads import visible_uploads
from service.pages.web import (
    PREFIX,
    Formatter,
    PageNotFound,
    PageRoute,
    PageUser,
    call_route,
    lang_of,
    render,
    require_page_role,
)
from service.processes import FILES_KEY, PROCESSES, InputSpec
from service.publication import PUBLISHABLE, shared_files, shared_summary
from service.routes_processes import (
    can_read_job,
    can_work_on_job,
    execute_process,
    get_artifact,
    publish_job,
    reads_shared_view,
    unpublish_job,
    visible_jobs_query,
)

__all__ = ["RUN_PROCESSES", "district_grant", "published_jobs", "router", "sites_of"]

router = APIRouter(prefix=f"{PREFIX}/jobs", route_class=PageRoute, include_in_schema=False)

Planner = Annotated[User, Depends(require_page_role("city", "district"))]
CityStaff = Annotated[User, Depends(require_page_role("city"))]
Db = Annotated[Session, Depends(get_session)]

#: Processes offered on the page, with the inputs shown (others keep their defaults).
RUN_PROCESSES: dict[str, tuple[str, ...]] = {
    "propose": ("device", "count", "budget", "radius", "candidates", "demand", "grid", "existing"),
    "replace": ("devices", "device", "count", "budget", "grid", "demand", "candidates"),
    "plan": ("round", "grid", "demand", "candidates", "existing", "matching"),
}
_TERMINAL = ("successful", "failed", "dismissed")
_DEVICE_OF_PROGRAM = {"wifi": "wifi", "pole": "pole"}  # every cctv-* programme → cctv
_SITES_LIMIT = 2000


def district_grant(db: Session, district: str | None) -> dict[str, Any] | None:
    """The district's latest published grant: round, programme, city + district share (KRW).

    Returns ``None`` when no published round funds the district.
    """
    if district is None:
        return None
    rows = db.execute(
        select(RoundVersion, Round)
        .join(Round, Round.id == RoundVersion.round_id)
        .where(RoundVersion.published_at.is_not(None))
        .order_by(RoundVersion.published_at.desc())
    ).all()
    for version, round_ in rows:
        for row in version.table:
            if str(row.get("sig_cd")) != district:
                continue
            city = int(row.get("city_share_krw") or 0)
            if city <= 0:
                break
            own = int(row.get("district_share_krw") or 0)
            return {
                "round_id": round_.id,
                "version": version.version,
                "program": round_.program,
                "title": round_.title,
                "year": round_.year,
                "device": _DEVICE_OF_PROGRAM.get(round_.program, "cctv"),
                "city_krw": city,
                "district_krw": own,
                "total_krw": city + own,
            }
    return None


def _site_cost(device: str) -> float | None:
    """Cost of one site (KRW) of the device's default profile, or None for another device."""
    from siting.profiles import get_profile

    try:
        return float(get_profile(device).site_cost_krw)
    except Exception:  # an unknown device: the process refuses it with its own message
        return None


def _choices(spec: InputSpec) -> list[str]:
    schema = spec.schema()
    options = list(schema.get("enum") or [])
    for part in schema.get("anyOf", []):
        options += [o for o in part.get("enum", []) if o is not None]
    return [str(o) for o in options]


def _fields(process_id: str) -> list[dict[str, Any]]:
    process = PROCESSES[process_id]
    fields = []
    for name in RUN_PROCESSES.get(process_id, ()):
        spec = process.inputs.get(name)
        if spec is None:
            continue
        fields.append(
            {
                "name": name,
                "upload": spec.file in ("upload", "uploads"),
                "many": spec.file == "uploads",
                "required": spec.required,
                "choices": _choices(spec) if not spec.file else [],
                "default": "" if spec.default in (None, ...) else spec.default,
                "description": spec.description,
            }
        )
    return fields


def _plans_on_grant(process_id: str, user: User) -> bool:
    """A district planner's plan runs on its grant's round (:mod:`service.pages.grant_plan`)."""
    return process_id == "plan" and user.role == "district"


def _form_fields(process_id: str, user: User) -> list[dict[str, Any]]:
    """The inputs of the run form (a plan runs on a published round, not a round file)."""
    fields = _fields(process_id)
    if process_id == "plan":
        fields = [fd for fd in fields if fd["name"] != "round"]
    return fields


def _plan_round(
    db: Session, user: User, t: Translator, grant: dict[str, Any] | None, chosen: str
) -> tuple[dict[str, Any] | None, str]:
    """The published round a plan runs on, or why there is none (in the page's language).

    A district planner's is its grant's round; city staff pick one (``chosen``, a round id).
    """
    if user.role == "district":
        refusal = grant_plan_error(grant, t)
        return (grant, "") if refusal is None else (None, refusal)
    for item in published_rounds(db):
        if str(item["round_id"]) == chosen:
            return item, ""
    return None, t("err_plan_pick_round")


def _visible_jobs(db: Session, user: User) -> list[Job]:
    return list(db.scalars(visible_jobs_query(user, published=False).limit(100)))


def published_jobs(db: Session, limit: int = 50) -> list[Job]:
    """Published jobs, most recently published first (every signed-in user reads them)."""
    query = (
        select(Job)
        .where(Job.published_at.is_not(None))
        .order_by(Job.published_at.desc(), Job.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def _run_form(
    request: Request,
    db: Session,
    user: User,
    process_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    offered = [p for p in RUN_PROCESSES if p in PROCESSES]
    grant = district_grant(db, user.district)
    if not values and grant is not None:
        values = {"device": grant["device"], "budget": f"{grant['total_krw']:,}"}
    return render(
        request,
        "jobs.html",
        {
            "processes": offered,
            "process_id": process_id,
            "fields": _form_fields(process_id, user),
            "plan_on_grant": _plans_on_grant(process_id, user),
            "plan_rounds": published_rounds(db)
            if process_id == "plan" and not _plans_on_grant(process_id, user)
            else None,
            "uploads": visible_uploads(db, user),
            "jobs": _visible_jobs(db, user),
            "grant": grant,
            "values": values,
            "errors": errors,
        },
        user=user,
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
def jobs_page(request: Request, user: Planner, db: Db, process: str = "propose") -> Response:
    """The runs of this district and the form to start one."""
    if process not in PROCESSES or process not in RUN_PROCESSES:
        process = "propose"
    return _run_form(request, db, user, process, {}, {})


async def _start(
    request: Request, db: Session, user: User, process_id: str, inputs: dict[str, Any]
) -> str:
    response = await call_route(
        execute_process,
        process_id=process_id,
        request=request,
        user=user,
        session=db,
        body={"inputs": inputs},
        prefer="respond-async",
    )
    doc = json.loads(bytes(response.body))
    job_id: str = doc["jobID"]
    return job_id


@router.post("", response_class=HTMLResponse)
async def start_run(request: Request, user: Planner, db: Db) -> Response:
    """Check the form (Korean messages, the grant as the cap), then start the job."""
    t = Translator(lang_of(request))
    f = Formatter(t.lang)
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    process_id = str(values.get("process", "propose"))
    if process_id not in PROCESSES or process_id not in RUN_PROCESSES:
        raise PageNotFound
    errors: dict[str, str] = {}
    inputs: dict[str, Any] = {}
    for field in _form_fields(process_id, user):
        name = field["name"]
        raw = str(values.get(name, "")).strip()
        if not raw:
            if field["required"]:
                errors[name] = t("err_field_required")
            continue
        if field["many"]:
            inputs[name] = [raw]
        elif field["upload"] or field["choices"]:
            inputs[name] = raw
        elif name == "budget":
            try:
                inputs[name] = parse_krw(raw, what="budget")
            except InputError:
                errors[name] = t("err_amount_unreadable", field=t("field_budget"), value=raw)
        elif name == "count":
            if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
                errors[name] = t("err_count")
            else:
                inputs[name] = int(raw)
        else:
            try:
                inputs[name] = float(raw)
            except ValueError:
                errors[name] = t("err_number", field=name)
    sized = {"count", "budget"} & set(PROCESSES[process_id].inputs)
    if sized and "count" not in inputs and "budget" not in inputs and not errors:
        errors["count" if "count" in sized else "budget"] = t("err_count_or_budget")
    grant = district_grant(db, user.district)
    if grant is not None and inputs.get("budget", 0) > grant["total_krw"]:
        errors["budget"] = t("err_over_grant", grant=f.money(grant["total_krw"]))
    if "count" in inputs and "budget" in inputs and not errors:
        # Both given: the run is by count, and the count must fit the budget.
        cost = _site_cost(str(inputs.get("device") or "cctv"))
        if cost is not None and inputs["count"] * cost > inputs["budget"]:
            errors["count"] = t(
                "err_count_over_budget",
                n=inputs["count"],
                unit=f.money(round(cost)),
                total=f.money(round(inputs["count"] * cost)),
                budget=f.money(inputs["budget"]),
            )
        del inputs["budget"]
    if process_id == "plan" and not errors:
        planned, refusal = _plan_round(db, user, t, grant, str(values.get("round", "")))
        if planned is None:
            errors["round"] = refusal
        else:
            settings = request.app.state.settings
            inputs["round"] = await run_in_threadpool(
                grant_round_upload, db, settings, user, planned
            )
    if errors:
        return _run_form(request, db, user, process_id, values, errors, status_code=422)
    job_id = await _start(request, db, user, process_id, inputs)
    return RedirectResponse(f"{PREFIX}/jobs/{job_id}", status_code=303)


def _job_or_404(db: Session, user: User, job_id: str, *, work: bool = False) -> Job:
    """The job if the user may read it (``work``: re-run it too); else the 404 page."""
    job = db.get(Job, job_id)
    allowed = can_work_on_job if work else can_read_job
    if job is None or not allowed(user, job):
        raise PageNotFound
    return job


def sites_of(
    data_dir: Path, job: Job, *, shared: bool = False
) -> tuple[list[dict[str, Any]], str | None, int]:
    """The sites of a finished job (rows of its first CSV with lon/lat), that file's name,
    and how many rows were left out.

    With ``shared`` (a reader of the published job only) only the site tables are read
    (:data:`service.job_sites.SITE_TABLES`) and rows on existing devices are left out.
    """
    if job.status != "successful" or not job.artifacts_dir:
        return [], None, 0
    root = (data_dir / job.artifacts_dir).resolve()
    for name in (job.results or {}).get("files", []):
        if not str(name).endswith(".csv") or (shared and str(name) not in SITE_TABLES):
            continue
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not {"lon", "lat"} <= set(reader.fieldnames or []):
                continue
            rows: list[dict[str, Any]] = []
            hidden = 0
            for row in reader:
                if shared and at_existing_device(row):
                    hidden += 1
                elif len(rows) < _SITES_LIMIT:
                    rows.append(row)
            return rows, str(name), hidden
    return [], None, 0


def site_location(row: dict[str, Any]) -> str:
    """``자치구 동 (kind code)`` of a site row: ``dong_kind`` and ``dong_cd`` when the row has
    them (a 행정동 file was installed), else 법정동 (rows without them name bundled 법정동)."""
    dong = str(row.get("dong") or "")
    kind = " ".join(str(x) for x in (row.get("dong_kind") or LEGAL_DONG, row.get("dong_cd")) if x)
    return " ".join(x for x in (str(row.get("district") or ""), dong) if x) + (
        f" ({kind})" if dong else ""
    )


def _site_label(row: dict[str, Any]) -> str:
    parts = [
        f"{row.get('order') or row.get('rank') or ''}".strip(),
        str(row.get("candidate_id") or row.get("device_id") or row.get("site_id") or ""),
        site_location(row),
        f"{row.get('lon')}, {row.get('lat')}",
        str(row.get("reason") or ""),
    ]
    return " · ".join(p for p in parts if p)


def _job_context(request: Request, job: Job, user: User) -> dict[str, Any]:
    t = Translator(lang_of(request))
    data_dir = Path(request.app.state.settings.data)
    shared = reads_shared_view(user, job)
    sites, sites_file, hidden = sites_of(data_dir, job, shared=shared)
    radius_default = float(job.inputs.get("radius") or 50.0)
    excluded = set(job.inputs.get("exclude_candidate") or [])
    map_sites = []
    for row in sites:
        row["location"] = site_location(row)
        try:
            lon, lat = float(row["lon"]), float(row["lat"])
        except (TypeError, ValueError):
            continue
        radius = row.get("radius_m")
        map_sites.append(
            {
                "lon": lon,
                "lat": lat,
                "radius_m": float(radius) if radius not in (None, "") else radius_default,
                "label": _site_label(row),
                "kind": "site",
            }
        )
    map_config: dict[str, Any] = {
        "geojson": f"{PREFIX}/geo/districts.geojson",
        "districts": {},
        "legend": {},
        "tile_url": request.app.state.settings.tile_url or "",
        "tile_note": t("map_no_tiles"),
        "highlight": job.district,
        "sites": map_sites,
    }
    inputs = {k: v for k, v in job.inputs.items() if k != FILES_KEY}
    summary = (job.results or {}).get("summary", {})
    publishable = job.process in PUBLISHABLE and job.status == "successful"
    return {
        "job": job,
        "shared": shared,
        "inputs": {} if shared else inputs,
        "summary": shared_summary(summary) if shared else summary,
        "files": shared_files(job) if shared else (job.results or {}).get("files", []),
        "sites": sites,
        "sites_file": sites_file,
        "sites_hidden": hidden,
        "map_config": map_config,
        "excluded": [] if shared else sorted(excluded),
        "must_include": "" if shared else ", ".join(job.inputs.get("must_include") or []),
        "terminal": job.status in _TERMINAL,
        "can_rerun": not shared
        and user.role != "viewer"
        and job.process in RUN_PROCESSES
        and job.status in _TERMINAL,
        "publishable": publishable,
        "can_publish": publishable and user.role == "city",
    }


@router.get("/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, user: PageUser, db: Db) -> Response:
    """Progress while it runs; then the sites on the map, the table and the adjust form
    (read-only, without the form, for a reader of the published job only)."""
    job = _job_or_404(db, user, job_id)
    return render(request, "job.html", _job_context(request, job, user), user=user)


@router.post("/{job_id}/publication", response_class=HTMLResponse)
async def job_publication(request: Request, job_id: str, user: CityStaff) -> Response:
    """Publish (``action=publish``) or withdraw (``action=unpublish``) a job, then back to it.

    The API route's own checks apply (404 for an unknown job, 409 for one that is not a
    successful plan, propose or replace job); its problems become pages.
    """
    form = await request.form()
    action = str(form.get("action") or "")
    if action not in ("publish", "unpublish"):
        raise PageNotFound
    route = publish_job if action == "publish" else unpublish_job
    await run_in_threadpool(call_route, route, job_id=job_id, request=request, user=user)
    return RedirectResponse(f"{PREFIX}/jobs/{job_id}", status_code=303)


@router.get("/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, job_id: str, user: PageUser, db: Db) -> Response:
    """The progress fragment htmx polls; a finished job reloads the whole page."""
    job = _job_or_404(db, user, job_id)
    response = render(request, "_job_status.html", {"job": job}, user=user)
    if job.status in _TERMINAL:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/{job_id}/rerun", response_class=HTMLResponse)
async def rerun(request: Request, job_id: str, user: Planner, db: Db) -> Response:
    """Run again with candidates excluded or forced in, or another count."""
    t = Translator(lang_of(request))
    job = _job_or_404(db, user, job_id, work=True)
    if job.process not in RUN_PROCESSES or job.process not in PROCESSES:
        raise PageNotFound
    form = await request.form()
    inputs = {k: v for k, v in job.inputs.items() if k != FILES_KEY}
    exclude = list(inputs.get("exclude_candidate") or [])
    exclude += [str(v) for v in form.getlist("exclude") if isinstance(v, str) and v not in exclude]
    forced_text = str(form.get("must_include") or "")
    forced = [x.strip() for x in forced_text.replace("\n", ",").split(",") if x.strip()]
    process = PROCESSES[job.process]
    if "exclude_candidate" in process.inputs:
        inputs["exclude_candidate"] = exclude or None
    if "must_include" in process.inputs:
        inputs["must_include"] = forced or None
    count = str(form.get("count") or "").strip()
    if count:
        if not count.isdigit() or not 1 <= int(count) <= 100_000:
            context = _job_context(request, job, user) | {"errors": {"count": t("err_count")}}
            return render(request, "job.html", context, user=user, status_code=422)
        inputs["count"] = int(count)
    new_id = await _start(request, db, user, job.process, inputs)
    return RedirectResponse(f"{PREFIX}/jobs/{new_id}", status_code=303)


@router.get("/{job_id}/files/{name}")
def job_file(request: Request, job_id: str, name: str, user: PageUser, db: Db) -> Response:
    """Download one artifact of a successful job (the API's own checks: a reader of the
    published job gets the shared files only)."""
    _job_or_404(db, user, job_id)
    response: Response = call_route(
        get_artifact, job_id=job_id, name=name, request=request, user=user, session=db
    )
    return response
