"""Pages of a subsidy round: list, create (city), open/close/score/publish (city), the
districts' requests, and the result with its map, version comparison and downloads.

Every change goes through the round workflow functions of :mod:`service.rounds`
(the same code the JSON API runs: role and district checks, state checks,
audit log); these pages only turn forms into their arguments and their
answers into HTML.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.errors import InputError
from layers.money import parse_krw
from service import rounds as api
from service.db import Store, get_session, get_store
from service.models import RoundVersion, Upload, User
from service.pages.geo import choropleth_values
from service.pages.i18n import Translator
from service.pages.web import (
    PREFIX,
    Formatter,
    NotAllowed,
    PageNotFound,
    PageRoute,
    PageUser,
    district_names,
    lang_of,
    render,
    require_page_role,
)
from service.problems import Problem
from service.round_scoring import ROUND_INPUTS, SETTING_OVERRIDES

__all__ = ["allocation_text", "program_label", "router"]

router = APIRouter(prefix=f"{PREFIX}/rounds", route_class=PageRoute, include_in_schema=False)

CityPage = Annotated[User, Depends(require_page_role("city"))]
DistrictPage = Annotated[User, Depends(require_page_role("district"))]
Db = Annotated[Session, Depends(get_session)]
StoreDep = Annotated[Store, Depends(get_store)]

#: Overridable criteria settings shown on the create form, in order (those the round accepts).
_SETTINGS = tuple(
    k
    for k in ("policy", "top_k", "skip_partials", "rank_population", "missing")
    if k in SETTING_OVERRIDES
)


#: Inspection kinds (``inspection["kind"]`` of an upload) a round input accepts.
INPUT_KINDS: dict[str, tuple[str, ...]] = {
    "districts": ("district_table",),
    "grid": ("risk_grid",),
    "criteria": ("toml",),
}

#: Programmes whose criteria need a per-district count no bundled table holds, and the
#: round inputs of which one must supply it: cctv-new's 위험 격자 D/E cells
#: (``vulnerable_cells``: a statistics table or a graded risk grid), pole's
#: child-protection zones and their accidents (a statistics table).
NEEDED_INPUTS: dict[str, tuple[str, ...]] = {
    "cctv-new": ("districts", "grid"),
    "pole": ("districts",),
}


def input_choices(db: Session, user: User) -> dict[str, list[Upload]]:
    """The uploads this user may read that each round input accepts, newest first."""
    from service.pages.uploads import visible_uploads

    uploads = visible_uploads(db, user)
    return {
        key: [u for u in uploads if (u.inspection or {}).get("kind") in INPUT_KINDS[key]]
        for key in ROUND_INPUTS
    }


def _input_names(keys: tuple[str, ...], t: Translator) -> str:
    """Round inputs by their labels, joined by "or" (``자치구 통계표 (CSV) 또는 위험 격자``)."""
    return t("or_join").join(t(f"round_input_{k}") for k in keys)


def program_label(program: str, t: Translator) -> str:
    """The programme's name in the page language (``노후 CCTV 교체``)."""
    return t("program_" + program.replace("-", "_"))


def _status_texts() -> dict[str, tuple[str, str]]:
    from scoring import allocation as a

    return {
        a.STATUS_FUNDED: ("지원", "funded"),
        a.STATUS_PARTLY: ("일부 지원", "partly funded"),
        a.STATUS_NOT_FUNDED: ("미지원", "not funded"),
        a.REASON_FUNDED: ("시비 분담액 전액 지원", a.REASON_FUNDED),
        a.REASON_PARTIAL: ("예산 소진: 시비 분담액 일부만 지원", a.REASON_PARTIAL),
        a.REASON_INELIGIBLE: ("지원 제외: 구비 매칭 미확보", a.REASON_INELIGIBLE),
        a.REASON_BUDGET: ("예산 소진", a.REASON_BUDGET),
        a.REASON_TOPK: ("상위 K개 자치구 밖", a.REASON_TOPK),
        a.REASON_NOT_APPLIED: ("신청하지 않음", a.REASON_NOT_APPLIED),
        a.REASON_ROUNDED: ("시비 분담액을 천원 단위로 내림", a.REASON_ROUNDED),
    }


def allocation_text(text: str | None, lang: str) -> str:
    """A status or reason of the allocation in the page language (unknown text unchanged).

    >>> allocation_text("no request", "ko")
    '신청하지 않음'
    """
    if not text:
        return ""
    texts = _status_texts()
    index = 0 if lang == "ko" else 1
    if text in texts:
        return texts[text][index]
    for key, pair in texts.items():  # "city share rounded down … (1,234 → 1,000 KRW)"
        if text.startswith(key):
            return pair[index] + text[len(key) :]
    return text


def _round_or_404(db: Session, user: User, round_id: int) -> api.RoundOut:
    try:
        return api.get_round(round_id, user, db)
    except Problem as err:
        raise PageNotFound from err


def _round_title(r: api.RoundOut, t: Translator) -> str:
    return r.title or f"{r.year} {program_label(r.program, t)}"


def _settings_rows(program: str) -> list[tuple[str, Any]]:
    from scoring import default_criteria

    return sorted(default_criteria(program).choices().items())


@router.get("", response_class=HTMLResponse)
def rounds_list(request: Request, user: PageUser, db: Db) -> Response:
    """Rounds this user may see, newest first."""
    rounds = api.list_rounds(user, db)
    return render(request, "rounds.html", {"rounds": rounds}, user=user)


def _form_defaults(program: str) -> dict[str, Any]:
    from scoring import default_criteria

    settings = default_criteria(program).settings
    return {k: getattr(settings, k) for k in _SETTINGS}


def _new_form(
    request: Request,
    db: Session,
    user: User,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    from scoring.criteria import PROGRAMS

    t = Translator(lang_of(request))
    program = values.get("program", "cctv-replace")
    if program not in PROGRAMS:
        program = "cctv-replace"
    return render(
        request,
        "round_new.html",
        {
            "programs": PROGRAMS,
            "values": values,
            "errors": errors,
            "defaults": _form_defaults(program),
            "all_defaults": {p: _settings_rows(p) for p in PROGRAMS},
            "program": program,
            "round_inputs": ROUND_INPUTS,
            "input_choices": input_choices(db, user),
            "needed_notes": [
                t("round_input_needs", program=program_label(p, t), inputs=_input_names(keys, t))
                for p, keys in NEEDED_INPUTS.items()
            ],
        },
        user=user,
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def round_new_form(
    request: Request, user: CityPage, db: Db, program: str = "cctv-replace"
) -> Response:
    """The create-a-round form with every default shown."""
    from datetime import datetime

    from scoring.criteria import PROGRAMS
    from service.pages.fmt import KST

    if program not in PROGRAMS:
        program = "cctv-replace"
    values = {"program": program, "year": datetime.now(KST).year, "title": "", "budget": ""}
    values |= _form_defaults(program)
    return _new_form(request, db, user, values, {})


def _amount(
    raw: str, field: str, t: Translator, errors: dict[str, str], key: str, *, required: bool
) -> int | None:
    text = raw.strip()
    if not text:
        if required:
            errors[key] = t("err_amount_required", field=field)
        return None
    try:
        return parse_krw(text, what=field)
    except InputError:
        errors[key] = t("err_amount_unreadable", field=field, value=text)
        return None


def _chosen_inputs(
    db: Session,
    user: User,
    values: dict[str, Any],
    program: str,
    t: Translator,
    errors: dict[str, str],
) -> dict[str, str]:
    """The round inputs chosen on the form (``input_<key>``: an upload id), checked against
    the uploads this user may read of the kind each input accepts."""
    choices = input_choices(db, user)
    inputs: dict[str, str] = {}
    for key in ROUND_INPUTS:
        chosen = str(values.get(f"input_{key}", "")).strip()
        if not chosen:
            continue
        if chosen not in {u.id for u in choices[key]}:
            errors[f"input_{key}"] = t("err_round_input_kind", input=t(f"round_input_{key}"))
            continue
        inputs[key] = chosen
    needed = NEEDED_INPUTS.get(program, ())
    if needed and not any(k in inputs for k in needed) and f"input_{needed[0]}" not in errors:
        errors[f"input_{needed[0]}"] = t(
            "err_round_input_needed",
            program=program_label(program, t),
            inputs=_input_names(needed, t),
        )
    return inputs


@router.post("/new", response_class=HTMLResponse)
async def round_create(request: Request, user: CityPage, db: Db) -> Response:
    """Create the round through :func:`service.rounds.create_round`."""
    from scoring.criteria import PROGRAMS

    t = Translator(lang_of(request))
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    program = values.get("program", "")
    if program not in PROGRAMS:
        errors["program"] = t("form_has_errors")
        program = "cctv-replace"
    try:
        year = int(values.get("year", ""))
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = t("err_year")
        year = 0
    budget = _amount(
        values.get("budget", ""), t("round_budget"), t, errors, "budget", required=False
    )
    defaults = _form_defaults(program)
    criteria: dict[str, Any] = {}
    policy = values.get("policy", defaults["policy"])
    if policy != defaults["policy"]:
        criteria["policy"] = policy
    try:
        top_k = int(values.get("top_k", defaults["top_k"]))
        if not 1 <= top_k <= 25:
            raise ValueError
        if top_k != defaults["top_k"]:
            criteria["top_k"] = top_k
    except ValueError:
        errors["top_k"] = t("err_top_k")
    skip = values.get("skip_partials") == "on"
    values["skip_partials"] = skip  # type: ignore[assignment]
    if skip != defaults["skip_partials"]:
        criteria["skip_partials"] = skip
    for choice in ("rank_population", "missing"):
        if choice not in defaults:
            continue
        value = values.get(choice, defaults[choice])
        if value != defaults[choice]:
            criteria[choice] = value
    inputs = _chosen_inputs(db, user, values, program, t, errors)
    if errors:
        return _new_form(request, db, user, values, errors, status_code=422)
    body = api.RoundCreate(
        program=program,  # type: ignore[arg-type]
        year=year,
        title=values.get("title", "").strip()[:200],
        budget_krw=budget,
        criteria=criteria,
        inputs=inputs,
    )
    created = api.create_round(body, user, db)
    return RedirectResponse(f"{PREFIX}/rounds/{created.id}", status_code=303)


def _submission_rows(db: Session, user: User, round_id: int) -> dict[str, api.SubmissionOut]:
    return {s.district: s for s in api.list_submissions(round_id, user, db)}


@router.get("/{round_id}", response_class=HTMLResponse)
def round_page(request: Request, round_id: int, user: PageUser, db: Db) -> Response:
    """A round: facts, the city's workflow buttons, submissions, versions."""
    round_ = _round_or_404(db, user, round_id)
    submissions = _submission_rows(db, user, round_id)
    versions = api.list_versions(round_id, user, db)
    t = Translator(lang_of(request))
    return render(
        request,
        "round.html",
        {
            "r": round_,
            "title": _round_title(round_, t),
            "program_label": program_label(round_.program, t),
            "submissions": submissions,
            "submitted": sum(1 for s in submissions.values() if s.status == "submitted"),
            "districts": sorted(district_names()),
            "versions": versions,
            "inputs": _round_inputs(db, round_, t),
        },
        user=user,
    )


def _round_inputs(db: Session, round_: api.RoundOut, t: Translator) -> list[dict[str, str]]:
    """The round's input files: label, upload id and file name (``–`` for a gone upload)."""
    out = []
    for key in ROUND_INPUTS:
        upload_id = round_.inputs.get(key)
        if upload_id:
            upload = db.get(Upload, upload_id)
            name = upload.filename if upload is not None else "–"
            out.append({"label": t(f"round_input_{key}"), "id": upload_id, "filename": name})
    return out


@router.get("/{round_id}/submissions-table", response_class=HTMLResponse)
def submissions_table(request: Request, round_id: int, user: PageUser, db: Db) -> Response:
    """The submissions table alone (htmx refreshes it on the officer's page while open)."""
    round_ = _round_or_404(db, user, round_id)
    submissions = _submission_rows(db, user, round_id)
    return render(
        request,
        "_submissions.html",
        {
            "r": round_,
            "submissions": submissions,
            "submitted": sum(1 for s in submissions.values() if s.status == "submitted"),
            "districts": sorted(district_names()),
        },
        user=user,
    )


@router.post("/{round_id}/{action}", response_class=HTMLResponse)
async def round_action(
    request: Request, round_id: int, action: str, user: CityPage, db: Db, store: StoreDep
) -> Response:
    """Open, close, score (a new version) or publish, by the round workflow functions."""
    if action == "open":
        api.open_round(round_id, user, db)
    elif action == "close":
        api.close_round(round_id, user, db)
    elif action == "score":
        form = await request.form()
        reason = str(form.get("reason") or "")[:2000]
        version = api.score(round_id, user, db, store, api.ScoreIn(reason=reason))
        return RedirectResponse(
            f"{PREFIX}/rounds/{round_id}/results/{version.version}", status_code=303
        )
    elif action == "publish":
        version = api.publish(round_id, user, db)
        return RedirectResponse(
            f"{PREFIX}/rounds/{round_id}/results/{version.version}", status_code=303
        )
    else:
        raise PageNotFound
    return RedirectResponse(f"{PREFIX}/rounds/{round_id}", status_code=303)


# --- a district's request ---------------------------------------------------------------


def _own_uploads(db: Session, user: User, district: str) -> list[Upload]:
    query = select(Upload).order_by(Upload.created_at.desc())
    if user.role != "city":
        query = query.where((Upload.district == district) | (Upload.owner_id == user.id))
    else:
        query = query.where(Upload.district == district)
    return list(db.scalars(query.limit(200)))


def _submission_form(
    request: Request,
    db: Session,
    user: User,
    round_: api.RoundOut,
    code: str,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    notice: str = "",
    warning: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    t = Translator(lang_of(request))
    writable = (user.role == "district" and round_.status == "open") or (
        user.role == "city" and round_.status != "draft"
    )
    share = float(round_.settings.get("matching_ratio", 0.5))
    return render(
        request,
        "submission.html",
        {
            "r": round_,
            "title": _round_title(round_, t),
            "code": code,
            "values": values,
            "errors": errors,
            "writable": writable,
            "uploads": _own_uploads(db, user, code) if writable else [],
            "district_share_pct": round(100 * (1 - share)),
            "notice": notice,
            "warning": warning,
        },
        user=user,
        status_code=status_code,
    )


def _district_or_404(district: str) -> str:
    from layers.districts import district_code

    code = district_code(district)
    if code is None:
        raise PageNotFound
    return code


@router.get("/{round_id}/submissions/{district}", response_class=HTMLResponse)
def submission_page(
    request: Request, round_id: int, district: str, user: PageUser, db: Db, saved: str = ""
) -> Response:
    """A district's request: the form for its planner while open, read-only otherwise.

    Another district's planner gets the 404 page (it does not learn whether it exists);
    viewers read results, not requests (the "not allowed" page).
    """
    if user.role == "viewer":
        raise NotAllowed
    round_ = _round_or_404(db, user, round_id)
    code = _district_or_404(district)
    mine = user.role == "city" or (user.role == "district" and user.district == code)
    try:
        existing: api.SubmissionOut | None = api.get_submission(round_id, code, user, db)
    except Problem as err:
        if not mine:
            raise PageNotFound from err
        existing = None
    if not mine and existing is None:
        raise PageNotFound
    values: dict[str, Any] = {}
    if existing is not None:
        values = {
            "requested": f"{existing.requested_krw:,}",
            "matching": f"{existing.matching_secured_krw:,}",
            "commitment": ""
            if existing.commitment_rating is None
            else f"{existing.commitment_rating:g}",
            "note": existing.note,
            "attachments": existing.attachments,
            "status": existing.status,
            "updated_at": existing.updated_at,
        }
    t = Translator(lang_of(request))
    notice = {"submitted": t("saved_submitted"), "draft": t("saved_draft")}.get(saved, "")
    if not mine:  # published: others read, never write
        return render(
            request,
            "submission.html",
            {
                "r": round_,
                "title": _round_title(round_, t),
                "code": code,
                "values": values,
                "errors": {},
                "writable": False,
                "uploads": [],
                "district_share_pct": 50,
                "notice": "",
                "warning": "",
            },
            user=user,
        )
    return _submission_form(request, db, user, round_, code, values, {}, notice=notice)


@router.post("/{round_id}/submissions/{district}", response_class=HTMLResponse)
async def submission_save(
    request: Request, round_id: int, district: str, user: PageUser, db: Db
) -> Response:
    """Check the form (messages in the page language), then :func:`service.rounds.put_submission`."""
    if user.role == "viewer":
        raise NotAllowed
    round_ = _round_or_404(db, user, round_id)
    code = _district_or_404(district)
    if not (user.role == "city" or (user.role == "district" and user.district == code)):
        raise PageNotFound
    t = Translator(lang_of(request))
    f = Formatter(t.lang)
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    values["attachments"] = [str(v) for v in form.getlist("attachments") if isinstance(v, str)]
    errors: dict[str, str] = {}
    requested = _amount(
        str(values.get("requested", "")),
        t("field_requested"),
        t,
        errors,
        "requested",
        required=True,
    )
    matching = _amount(
        str(values.get("matching", "")), t("field_matching"), t, errors, "matching", required=True
    )
    if requested is not None and requested <= 0:
        errors["requested"] = t("err_amount_zero", field=t("field_requested"))
    if requested is not None and matching is not None and matching > requested:
        errors["matching"] = t(
            "err_matching_exceeds", matching=f.money(matching), requested=f.money(requested)
        )
    commitment: float | None = None
    raw_commitment = str(values.get("commitment", "")).strip()
    if raw_commitment:
        try:
            commitment = float(raw_commitment)
            if not (0 <= commitment <= 100) or math.isnan(commitment):
                raise ValueError
        except ValueError:
            errors["commitment"] = t("err_commitment")
    if errors:
        return _submission_form(request, db, user, round_, code, values, errors, status_code=422)
    assert requested is not None and matching is not None
    submit = values.get("action") != "draft"
    body = api.SubmissionIn(
        requested_krw=requested,
        matching_secured_krw=matching,
        commitment_rating=commitment,
        note=str(values.get("note", ""))[:2000],
        attachments=values["attachments"][:20],
        submit=submit,
    )
    api.put_submission(round_id, code, body, user, db)
    share = float(round_.settings.get("matching_ratio", 0.5))
    required = math.ceil(requested * (1 - share))
    saved = "submitted" if submit else "draft"
    if matching < required:
        # Saved, but say plainly that it is ineligible as it stands.
        values["status"] = saved
        return _submission_form(
            request,
            db,
            user,
            round_,
            code,
            values,
            {},
            notice=t("saved_submitted") if submit else t("saved_draft"),
            warning=t("warn_matching_short", required=f.money(required)),
        )
    return RedirectResponse(
        f"{PREFIX}/rounds/{round_id}/submissions/{code}?saved={saved}", status_code=303
    )


# --- results ----------------------------------------------------------------------------


def _criterion_columns(
    program: str, table: list[dict[str, Any]], t: Translator
) -> list[dict[str, str]]:
    """The criteria's rank/points/value columns present in a result table."""
    from scoring import default_criteria

    keys = set(table[0]) if table else set()
    columns = []
    for c in default_criteria(program).criteria:
        short = c.label.split(" (")[0].split(":")[0].strip()
        columns.append(
            {
                "name": c.name,
                "label": short,
                "full": c.label,
                "value": c.column if c.column in keys else "",
                "rank": f"{c.name}_rank" if f"{c.name}_rank" in keys else "",
                "points": f"{c.name}_points" if f"{c.name}_points" in keys else "",
            }
        )
    return columns


def _version_row(db: Session, round_id: int, number: int) -> RoundVersion | None:
    return db.scalar(
        select(RoundVersion).where(
            RoundVersion.round_id == round_id, RoundVersion.version == number
        )
    )


def _changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Districts whose priority, points, eligibility, grant or status changed."""
    before = {str(r["sig_cd"]): r for r in old}
    fields = ("priority", "total_points", "eligible", "city_share_krw", "status")
    out = []
    for row in new:
        code = str(row["sig_cd"])
        prev = before.get(code)
        if prev is None:
            continue
        changed = {f: (prev.get(f), row.get(f)) for f in fields if prev.get(f) != row.get(f)}
        if changed:
            out.append({"sig_cd": code, "changed": changed})
    return out


def _result_context(
    request: Request, db: Session, user: User, round_: api.RoundOut, version: api.VersionOut
) -> dict[str, Any]:
    t = Translator(lang_of(request))
    f = Formatter(t.lang)
    table = sorted(version.table, key=lambda r: (r.get("priority") or 99, str(r["sig_cd"])))
    values = {str(r["sig_cd"]): r.get("total_points") for r in table}
    labels = {
        str(r["sig_cd"]): (
            f"{f.district(str(r['sig_cd']))}: {t('col_total_points')} "
            f"{f.num(r.get('total_points'), 1)} · {t('col_priority')} {r.get('priority')} · "
            f"{t('col_city_share')} {f.cheon(r.get('city_share_krw'))}"
        )
        for r in table
    }
    map_config = {
        "geojson": f"{PREFIX}/geo/districts.geojson",
        **choropleth_values(values, labels, unit_label=t("map_points_caption")),
        "tile_url": request.app.state.settings.tile_url or "",
        "tile_note": t("map_no_tiles"),
        "highlight": user.district,
        "sites": [],
    }
    versions = api.list_versions(round_.id, user, db)
    numbers = [v.version for v in versions]
    previous = max((n for n in numbers if n < version.version), default=None)
    changes = None
    if previous is not None:
        old = api.result(round_.id, previous, user, db)
        changes = _changes(old.table, version.table)
    files = list(version.files)
    return {
        "r": round_,
        "title": _round_title(round_, t),
        "v": version,
        "table": table,
        "criteria": _criterion_columns(round_.program, table, t),
        "map_config": map_config,
        "versions": versions,
        "previous": previous,
        "changes": changes,
        "files": files,
        "reason_text": lambda text: allocation_text(text, t.lang),
    }


@router.get("/{round_id}/results/{number}", response_class=HTMLResponse)
def result_page(request: Request, round_id: int, number: int, user: PageUser, db: Db) -> Response:
    """The 25-district table beside the choropleth, comparison and downloads."""
    round_ = _round_or_404(db, user, round_id)
    try:
        version = api.result(round_id, number, user, db)
    except Problem as err:
        raise PageNotFound from err
    return render(
        request, "result.html", _result_context(request, db, user, round_, version), user=user
    )


@router.get("/{round_id}/results", response_class=HTMLResponse)
def latest_result_page(request: Request, round_id: int, user: PageUser, db: Db) -> Response:
    """The latest result this user may read."""
    _round_or_404(db, user, round_id)
    try:
        version = api.latest_result(round_id, user, db)
    except Problem as err:
        raise PageNotFound from err
    return RedirectResponse(
        f"{PREFIX}/rounds/{round_id}/results/{version.version}", status_code=303
    )


def _gpkg(store: Store, round_: api.RoundOut, version: RoundVersion) -> Path:
    """The result as a GeoPackage (districts in EPSG:5186 with every table column), cached."""
    import pandas as pd

    from layers.districts import load_districts
    from layers.output import staged_outputs, write_gpkg

    folder = store.settings.data / "web-cache" / "rounds" / str(round_.id) / f"v{version.version}"
    name = f"{round_.program}_round.gpkg"
    path = folder / name
    if path.is_file():
        return path
    table = pd.DataFrame(version.table)
    table["sig_cd"] = table["sig_cd"].astype(str)
    layer = load_districts()[["sig_cd", "geometry"]].merge(table, on="sig_cd", how="left")
    for column in layer.columns:
        if layer[column].dtype == object and column != "geometry":
            layer[column] = layer[column].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            )
    with staged_outputs(folder, overwrite=True) as stage:
        write_gpkg({"round_result": layer}, stage / name)
    return path


@router.get("/{round_id}/results/{number}/files/{name}")
def result_download(
    round_id: int, number: int, name: str, user: PageUser, db: Db, store: StoreDep
) -> Response:
    """Download a file of a result version (XLSX, CSV, report, run.json, GPKG)."""
    round_ = _round_or_404(db, user, round_id)
    try:
        api.result(round_id, number, user, db)  # the reader's check
    except Problem as err:
        raise PageNotFound from err
    if name == f"{round_.program}_round.gpkg":
        row = _version_row(db, round_id, number)
        if row is None:
            raise PageNotFound
        return FileResponse(
            _gpkg(store, round_, row), media_type="application/geopackage+sqlite3", filename=name
        )
    try:
        return api.result_file(round_id, number, name, user, db, store)
    except Problem as err:
        raise PageNotFound from err
