"""Scoring a round in the service: submissions → requests CSV → ``score_job`` → a new version.

The service calls the same job function as ``siting score``
(:func:`siting.jobs_score.score_job`): the submitted requests (total project
cost and matching funds secured, KRW; commitment rating) are written as a
planner's district CSV next to the version's outputs and passed as
``districts_csv``; an uploaded district CSV, graded risk grid or criteria TOML
named in the round's ``inputs`` is passed through unchanged. Each scoring
writes into its own folder ``<data>/rounds/<round>/v<version>/`` so earlier
versions stay as they were.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from layers.errors import ConfigError
from layers.output import write_csv
from service.models import Round, RoundVersion, Submission, Upload, User
from service.settings import Settings

__all__ = ["ROUND_INPUTS", "SETTING_OVERRIDES", "effective_settings", "score_round_version"]

log = logging.getLogger(__name__)

#: Criteria settings a round may override (the rest come from the programme's criteria file).
SETTING_OVERRIDES = ("policy", "top_k", "skip_partials", "rank_population", "missing")
#: Uploaded files a round may use: district statistics CSV, graded risk grid, criteria TOML.
ROUND_INPUTS = ("districts", "grid", "criteria")


def effective_settings(
    program: str, budget_krw: int | None, overrides: dict[str, Any]
) -> dict[str, Any]:
    """The programme's default criteria settings with the round's overrides (validated).

    Raises
    ------
    ConfigError
        Unknown programme, unknown setting or a value the criteria refuse.
    """
    from scoring.criteria import default_criteria

    unknown = sorted(set(overrides) - set(SETTING_OVERRIDES))
    if unknown:
        raise ConfigError(
            f"unknown criteria settings {unknown}",
            layer="round",
            fix=f"use any of {', '.join(SETTING_OVERRIDES)}; upload a criteria TOML "
            "(inputs.criteria) for other changes",
        )
    criteria = default_criteria(program).with_settings(budget_krw=budget_krw, **overrides)
    return criteria.choices()


def _upload_path(session: Session, settings: Settings, upload_id: str, what: str) -> Path:
    upload = session.get(Upload, upload_id)
    if upload is None:
        raise ConfigError(
            f"no upload {upload_id!r} for the round's {what}",
            layer="round",
            fix="upload the file first (POST /uploads) and use the id it returns",
        )
    return settings.data / upload.path


def _requests_table(submissions: list[Submission], districts_csv: Path | None) -> pd.DataFrame:
    from scoring.inputs import read_district_csv

    rows = [
        {
            "sig_cd": s.district,
            "requested_krw": s.requested_krw,
            "matching_secured_krw": s.matching_secured_krw,
            "commitment_rating": s.commitment_rating,
        }
        for s in submissions
    ]
    requests = pd.DataFrame(
        rows, columns=["sig_cd", "requested_krw", "matching_secured_krw", "commitment_rating"]
    )
    if districts_csv is None:
        return requests
    stats = read_district_csv(districts_csv).drop(
        columns=["csv_row", "requested_krw", "matching_secured_krw", "commitment_rating"],
        errors="ignore",
    )
    return stats.merge(requests, on="sig_cd", how="outer")


def _write_requests_csv(table: pd.DataFrame, path: Path) -> None:
    out = table.copy()
    for column in ("requested_krw", "matching_secured_krw"):
        out[column] = out[column].astype("Int64")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(out, path)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON values; KRW columns as whole numbers (blank stays null)."""
    records: list[dict[str, Any]] = json.loads(
        table.to_json(orient="records", force_ascii=False, double_precision=15)
    )
    for row in records:
        for key, value in row.items():
            if key.endswith("_krw") and isinstance(value, float) and value.is_integer():
                row[key] = int(value)
    return records


def score_round_version(
    session: Session, settings: Settings, round_: Round, user: User, reason: str = ""
) -> RoundVersion:
    """Score and allocate ``round_`` from its submitted requests; add and return a new version.

    Only submissions with status ``submitted`` count. The caller commits.
    """
    from siting.jobs_score import score_job

    submissions = list(
        session.scalars(
            select(Submission)
            .where(Submission.round_id == round_.id, Submission.status == "submitted")
            .order_by(Submission.district)
        )
    )
    latest = session.scalar(
        select(func.max(RoundVersion.version)).where(RoundVersion.round_id == round_.id)
    )
    version = (latest or 0) + 1
    inputs = round_.criteria_overrides.get("inputs", {}) if round_.criteria_overrides else {}
    paths = {key: _upload_path(session, settings, value, key) for key, value in inputs.items()}
    overrides = {
        k: v for k, v in (round_.criteria_overrides or {}).items() if k in SETTING_OVERRIDES
    }
    base = settings.rounds_dir / str(round_.id)
    requests_csv = base / "inputs" / f"v{version}_requests.csv"
    _write_requests_csv(_requests_table(submissions, paths.get("districts")), requests_csv)
    out_dir = base / f"v{version}"
    result, files = score_job(
        round_.program,
        out_dir,
        districts_csv=requests_csv,
        grid=paths.get("grid"),
        criteria=paths.get("criteria"),
        budget_krw=round_.budget_krw,
        # the folder of an uncommitted attempt at this version number is not a result: replace it
        overwrite=True,
        **overrides,
    )
    log.info(
        "round %d scored as version %d: %d districts funded, %s KRW granted",
        round_.id,
        version,
        result.totals["funded_in_full"] + result.totals["funded_in_part"],
        f"{result.totals['granted_city_krw']:,}",
    )
    record = RoundVersion(
        round_id=round_.id,
        version=version,
        reason=reason,
        settings=json.loads(json.dumps(result.criteria.choices(), default=str)),
        table=_records(result.table),
        totals=json.loads(json.dumps(result.totals, default=str)),
        files=files,
        artifacts_dir=out_dir.relative_to(settings.data).as_posix(),
        created_by=user.id,
    )
    session.add(record)
    session.flush()
    return record
