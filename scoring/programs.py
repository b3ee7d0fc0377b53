"""Scoring a round: every criterion's rank and points, totals and priority.

The 붙임8 CCTV programmes (「CCTV 사업별 보조금지원 및 대상지선정 기준」, 2024 budget
review of the Seoul council), with the default settings::

    r_F  rank by fiscal self-reliance, descending (highest = 1)
    r_G  rank by D/E cells, ascending (fewest = 1)
    r_A  rank by CCTV ageing ratio, ascending (lowest = 1)
    P    = 0.5 × r   (ties share the smallest rank, RANK.EQ)
    P_I  = 50 if 0 ≤ R < 10, 40 if 10 ≤ R < 30, 30 if 30 ≤ R ≤ 100
    cctv-new          S = P_F + P_G
    cctv-replace      S = P_F + P_A
    cctv-intelligent  S = P_F + P_I
    priority          higher S first; equal S: the needier by the need indicator,
                      then lower fiscal self-reliance, then lower SIG_CD

The Wi-Fi and smart-pole rounds use the same machinery with their own criteria.
Scoring is pure: a table in, the same table with every intermediate column out.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from layers.errors import ConfigError, ValidationError
from scoring.criteria import Criteria, Criterion
from scoring.ranking import band_index, band_points, rank_points, rank_values, value_points

__all__ = ["applicant_mask", "score_table"]

_SCORE_DIGITS = 9  # totals compared after rounding away float noise of weighted sums


def applicant_mask(table: pd.DataFrame) -> pd.Series:
    """Districts that applied: ``requested_krw > 0`` (none when no column holds requests)."""
    if "requested_krw" not in table.columns:
        return pd.Series(False, index=table.index)
    requested = pd.to_numeric(table["requested_krw"], errors="coerce")
    return requested.gt(0).fillna(False).astype(bool)


def _label(table: pd.DataFrame, mask: pd.Series) -> list[str]:
    """``종로구 (11110)`` for the rows of ``mask`` (the code alone without names)."""
    codes = table.loc[mask, "sig_cd"].astype(str).tolist()
    if "name_ko" not in table.columns:
        return codes
    names = table.loc[mask, "name_ko"].tolist()
    return [
        f"{n} ({c})" if isinstance(n, str) and n else c for n, c in zip(names, codes, strict=True)
    ]


def _fill_missing(table: pd.DataFrame, criteria: Criteria, ranked: pd.Series) -> pd.DataFrame:
    """``missing = "zero"``: missing criterion values of ranked districts become 0.

    The columns filled are listed per district in ``missing_filled_zero``.
    """
    filled = pd.Series("", index=table.index, dtype=object)
    out = table.copy()
    for column in dict.fromkeys(c.column for c in criteria.criteria):
        if column not in out.columns:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        gap = ranked & values.isna()
        if gap.any():
            out[column] = values.where(~gap, 0.0)
            filled = filled.where(~gap, filled.map(lambda f, c=column: f"{f}, {c}" if f else c))
    out["missing_filled_zero"] = filled
    return out


def _check(table: pd.DataFrame, criteria: Criteria, ranked: pd.Series) -> None:
    problems: list[str] = []
    if "sig_cd" not in table.columns:
        problems.append("the table has no sig_cd column")
    elif table["sig_cd"].duplicated().any():
        dups = sorted(table.loc[table["sig_cd"].duplicated(), "sig_cd"].astype(str).unique())
        problems.append(f"duplicate districts: {', '.join(dups)}")
    for c in criteria.criteria:
        if c.column not in table.columns:
            problems.append(f"criterion {c.name!r} needs column {c.column!r}, which is missing")
            continue
        values = pd.to_numeric(table[c.column], errors="coerce")
        missing = _label(table, ranked & values.isna())
        if missing:
            problems.append(
                f"{c.column} is missing for {len(missing)} district(s) of the round: "
                f"{_ids(missing)}"
            )
        if c.points == "bands":
            outside = ranked & values.notna() & band_index(values, c.bands).eq(-1)
            if outside.any():
                bad = [
                    f"{sig} ({v:g})"
                    for sig, v in zip(table.loc[outside, "sig_cd"], values[outside], strict=True)
                ]
                bands = "; ".join(b.label() for b in c.bands)
                problems.append(f"{c.column} outside every band ({bands}): {_ids(bad)}")
    if problems:
        raise ValidationError(
            "round table",
            problems,
            fix="supply the missing values with --districts FILE (a table with sig_cd or name_ko "
            "and the columns named above) or a grid that covers those districts, rank only the "
            "districts that applied (--rank-population applicants), or score missing values as "
            "0 with --missing zero (the report then lists them)",
        )


def _ids(items: list[str], limit: int = 25) -> str:
    text = ", ".join(items[:limit])
    return text + (f", … and {len(items) - limit} more" if len(items) > limit else "")


def _criterion_points(
    values: pd.Series, c: Criterion, criteria: Criteria
) -> tuple[pd.Series, pd.Series]:
    s = criteria.settings
    nan = pd.Series(np.nan, index=values.index)
    if c.points == "rank":
        ranks = rank_values(values, direction=c.direction, method=s.tie_method)
        return ranks, rank_points(ranks, step=s.point_step, weight=c.weight)
    if c.points == "bands":
        return nan, band_points(values, c.bands, weight=c.weight)
    return nan, value_points(values, direction=c.direction, scale=c.scale, weight=c.weight)


def score_table(table: pd.DataFrame, criteria: Criteria) -> pd.DataFrame:
    """Score one round: ranks, points, totals and priority per district.

    Parameters
    ----------
    table : DataFrame
        One row per district with ``sig_cd`` (any unique identifier), the
        criteria's source columns and, optionally, ``requested_krw`` (total
        project cost, KRW) and ``matching_secured_krw`` (KRW).
    criteria : Criteria
        The programme's criteria and settings.

    Returns
    -------
    DataFrame
        The input columns (row order kept) plus ``applicant``, ``ranked``
        (in the rank population), per criterion ``<name>_rank`` (rank-based
        criteria) and ``<name>_points`` (``<name>_band`` for bands),
        ``fiscal_points``, ``need_points``, ``total_points`` and ``priority``
        (1 = funded first; empty outside the rank population).

    Raises
    ------
    ValidationError
        A source column or value is missing for a ranked district, a banded
        value lies outside every band, or a district appears twice.

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring.criteria import default_criteria
    >>> t = pd.DataFrame({"sig_cd": ["A", "B", "C"],
    ...                   "fiscal_self_reliance_pct": [60.0, 45.0, 30.0],
    ...                   "vulnerable_cells": [3, 10, 7]})
    >>> score_table(t, default_criteria("cctv-new"))["total_points"].tolist()
    [1.0, 2.5, 2.5]
    """
    s = criteria.settings
    out = table.copy()
    applicant = applicant_mask(out)
    if s.rank_population == "applicants":
        if "requested_krw" not in out.columns:
            raise ConfigError(
                "rank_population = 'applicants' needs requested_krw to tell who applied",
                layer="round table",
                fix="add a requested_krw column (total project cost, KRW) to --districts, "
                "or set rank_population = 'all'",
            )
        ranked = applicant
    else:
        ranked = pd.Series(True, index=out.index)
    if s.missing == "zero":
        out = _fill_missing(out, criteria, ranked)
    _check(out, criteria, ranked)
    out["applicant"] = applicant
    out["ranked"] = ranked

    n_ranked = int(ranked.sum())
    fiscal = pd.Series(0.0, index=out.index)
    need = pd.Series(0.0, index=out.index)
    for c in criteria.criteria:
        values = pd.to_numeric(out[c.column], errors="coerce").astype(float).where(ranked)
        ranks, points = _criterion_points(values[ranked], c, criteria)
        ranks = ranks.reindex(out.index)
        points = points.reindex(out.index)
        if s.combination == "rescale" and n_ranked:
            points = points * (s.rescale_to / c.max_points(n_ranked, s.point_step))
        if c.points == "rank":
            out[f"{c.name}_rank"] = ranks
        if c.points == "bands":
            idx = band_index(values, c.bands)
            out[f"{c.name}_band"] = [
                c.bands[i].label() if i >= 0 and r else None
                for i, r in zip(idx, ranked, strict=True)
            ]
        out[f"{c.name}_points"] = points
        if c.group == "fiscal":
            fiscal = fiscal + points.fillna(0.0)
        else:
            need = need + points.fillna(0.0)
    out["fiscal_points"] = fiscal.where(ranked)
    out["need_points"] = need.where(ranked)
    out["total_points"] = (fiscal + need).where(ranked)
    out["priority"] = _priority(out, criteria, ranked)
    return out


def _priority(out: pd.DataFrame, criteria: Criteria, ranked: pd.Series) -> pd.Series:
    """1, 2, … over the ranked districts: higher total first, then the tie-break."""
    entries: list[tuple[tuple[float | str, ...], int]] = []
    for position, (is_ranked, (_, row)) in enumerate(zip(ranked, out.iterrows(), strict=True)):
        if not is_ranked:
            continue
        key: list[float | str] = [-round(float(row["total_points"]), _SCORE_DIGITS)]
        for name in criteria.settings.tie_break:
            c = criteria.criterion(name)
            value = float(pd.to_numeric(row[c.column]))
            value = 0.0 if math.isnan(value) else value
            key.append(-value if c.direction == "higher" else value)
        key.append(str(row["sig_cd"]))
        entries.append((tuple(key), position))
    values: list[int | None] = [None] * len(out)
    for rank, (_, position) in enumerate(sorted(entries), start=1):
        values[position] = rank
    return pd.Series(values, index=out.index, dtype="Int64")
