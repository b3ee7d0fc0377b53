"""Eligibility and allocation of a round's budget (KRW, rounded to 천원).

Eligibility (붙임8 추진방법): a district that applied (``requested_krw > 0``)
is eligible when its secured matching funds cover its share of the requested
cost: ``matching_secured_krw ≥ (1 − matching_ratio) × requested_krw``.
``requested_krw`` is the total project cost; the city's share of it is
``matching_ratio × requested_krw`` (5:5 by default).

Policies (a setting of the criteria file; default ``fill``):

``fill`` (default)
    Walk eligible districts by priority; grant each its city share, capped by
    the remaining budget (the last grant may be partial; with ``skip_partials``
    a district the remainder cannot fully fund gets nothing and the walk goes on).
``topk``
    As ``fill`` over only the first ``top_k`` eligible districts by priority.
``proportional``
    Split the budget among eligible districts in proportion to their total
    points, no district above its city share (surplus re-split among the rest).

Amounts are computed exactly (fractions of KRW), then rounded to 천원 by the
largest-remainder method within caps. Each district's cap is the smaller of

- its city share, ``matching_ratio × requested_krw`` (5:5 → half the cost), and
- what its secured matching can carry, ``matching_secured_krw × ratio / (1 − ratio)``
  (so the grant never requires more matching than the district secured).

Every amount is first rounded down to 천원; the units left to reach the exact
total rounded down to 천원 go one each by largest remainder (ties: better
priority first) to districts whose cap still has room for a whole 천원; a unit
that fits nowhere is not granted. So the total never exceeds the budget and no
grant exceeds its cap. The district share shown is the matching counterpart of
the grant, ``grant × (1 − ratio) / ratio``, rounded the same way and capped by
the secured matching.

Each district gets a ``status`` — ``funded`` (its whole city share),
``partly funded`` or ``not funded`` — and a ``reason`` saying why (budget
exhausted, rounded down to 천원, outside top-K, matching not secured, no
request).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pandas as pd

from layers.errors import ConfigError
from scoring.criteria import RoundSettings

__all__ = [
    "REASON_BUDGET",
    "REASON_ROUNDED",
    "STATUS_FUNDED",
    "STATUS_NOT_FUNDED",
    "STATUS_PARTLY",
    "REASON_FUNDED",
    "REASON_INELIGIBLE",
    "REASON_NOT_APPLIED",
    "REASON_PARTIAL",
    "REASON_TOPK",
    "UNIT_KRW",
    "allocate",
    "round_largest_remainder",
]

#: Rounding unit of every amount: 천원 (KRW 1,000).
UNIT_KRW = 1000

STATUS_FUNDED = "funded"
STATUS_PARTLY = "partly funded"
STATUS_NOT_FUNDED = "not funded"

REASON_FUNDED = "city share of the requested cost in full"
REASON_PARTIAL = "budget exhausted: part of the city share"
REASON_ROUNDED = "city share rounded down to whole 천원"
REASON_INELIGIBLE = "ineligible: matching funds not secured"
REASON_BUDGET = "budget exhausted"
REASON_TOPK = "outside top-K"
REASON_NOT_APPLIED = "no request"

_ALLOCATION_COLUMNS = [
    "required_matching_krw",
    "eligible",
    "city_share_requested_krw",
    "city_share_krw",
    "district_share_krw",
    "status",
    "reason",
]


def _krw(value: object) -> Fraction:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return Fraction(0)
    return Fraction(str(value))


def round_largest_remainder(
    amounts: Sequence[Fraction], *, caps: Sequence[Fraction] | None = None
) -> list[int]:
    """Round amounts (KRW) to 천원 so that they add up to their total rounded down to 천원.

    Parameters
    ----------
    amounts : sequence of Fraction
        Exact amounts in KRW, ordered by priority (earlier wins remainder ties).
    caps : sequence of Fraction, optional
        No rounded amount may exceed its cap (KRW); a unit that fits nowhere is dropped.

    Returns
    -------
    list of int
        Multiples of 1,000 KRW.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> round_largest_remainder([F(500_500), F(500_500)])
    [501000, 500000]
    """
    unit = Fraction(UNIT_KRW)
    base = [int(a // unit) for a in amounts]
    total_units = int(sum(amounts, Fraction(0)) // unit)
    extra = total_units - sum(base)
    remainders = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - base[i] * unit), i))
    for i in remainders:
        if extra <= 0:
            break
        if amounts[i] - base[i] * unit <= 0:
            break
        if caps is not None and (base[i] + 1) * unit > caps[i]:
            continue
        base[i] += 1
        extra -= 1
    return [b * UNIT_KRW for b in base]


def _water_fill(
    budget: Fraction, caps: dict[int, Fraction], weights: dict[int, Fraction]
) -> dict[int, Fraction]:
    """Proportional split of ``budget`` by ``weights``, each at most its cap."""
    grant = dict.fromkeys(caps, Fraction(0))
    active = {i for i in caps if weights[i] > 0 and caps[i] > 0}
    remaining = budget
    while active and remaining > 0:
        total_weight = sum((weights[i] for i in active), Fraction(0))
        share = {i: remaining * weights[i] / total_weight for i in active}
        capped = {i for i in active if share[i] >= caps[i]}
        if not capped:
            for i in active:
                grant[i] = share[i]
            break
        for i in capped:
            grant[i] = caps[i]
            remaining -= caps[i]
        active -= capped
    return grant


def allocate(scored: pd.DataFrame, settings: RoundSettings) -> pd.DataFrame:
    """Decide eligibility and grants for a scored round.

    Parameters
    ----------
    scored : DataFrame
        Output of :func:`scoring.programs.score_table` (needs ``sig_cd``,
        ``priority``, ``total_points``, ``applicant``; ``requested_krw`` and
        ``matching_secured_krw`` in KRW when districts applied).
    settings : RoundSettings
        ``matching_ratio``, ``policy``, ``top_k``, ``skip_partials``, ``budget_krw``.

    Returns
    -------
    DataFrame
        ``scored`` plus ``required_matching_krw`` (district share of the
        requested cost), ``eligible``, ``city_share_requested_krw``,
        ``city_share_krw`` (granted, 천원-rounded KRW), ``district_share_krw``
        (matching counterpart of the grant), ``status`` (funded / partly
        funded / not funded) and ``reason``.
    """
    ratio = Fraction(str(settings.matching_ratio))
    budget = None if settings.budget_krw is None else Fraction(settings.budget_krw)
    if settings.policy == "proportional" and budget is None:
        raise ConfigError(
            "the proportional policy needs a budget to split",
            fix="pass --budget KRW (or set budget_krw in the criteria file), or use --policy fill",
        )
    out = scored.drop(columns=[c for c in _ALLOCATION_COLUMNS if c in scored.columns])
    n = len(out)
    requested = [_krw(v) for v in out.get("requested_krw", pd.Series([None] * n))]
    secured = [_krw(v) for v in out.get("matching_secured_krw", pd.Series([None] * n))]
    applicant = out["applicant"].astype(bool).tolist()
    ranked = out["ranked"].astype(bool).tolist()
    required = [(1 - ratio) * r for r in requested]
    cap = [ratio * r for r in requested]
    eligible = [applicant[i] and ranked[i] and secured[i] >= required[i] for i in range(n)]
    reason = [REASON_NOT_APPLIED if not applicant[i] else REASON_INELIGIBLE for i in range(n)]
    grant = [Fraction(0)] * n
    order = sorted((i for i in range(n) if eligible[i]), key=lambda i: int(out["priority"].iloc[i]))
    if settings.policy in ("fill", "topk"):
        remaining = budget
        considered = 0
        for i in order:
            if settings.policy == "topk" and considered >= settings.top_k:
                reason[i] = REASON_TOPK
                continue
            considered += 1
            amount = cap[i] if remaining is None else min(cap[i], remaining)
            if amount <= 0 or (settings.skip_partials and amount < cap[i]):
                reason[i] = REASON_BUDGET
                continue
            grant[i] = amount
            reason[i] = REASON_FUNDED if amount == cap[i] else REASON_PARTIAL
            if remaining is not None:
                remaining -= amount
    else:
        assert budget is not None
        weights = {i: Fraction(str(float(out["total_points"].iloc[i]))) for i in order}
        split = _water_fill(budget, {i: cap[i] for i in order}, weights)
        for i in order:
            grant[i] = split[i]
            if grant[i] <= 0:
                reason[i] = REASON_BUDGET
            else:
                reason[i] = REASON_FUNDED if grant[i] == cap[i] else REASON_PARTIAL

    rounding_order = order + [i for i in range(n) if not eligible[i]]
    caps = [min(cap[i], _matching_cap(secured[i], ratio)) for i in range(n)]
    city = _rounded(grant, rounding_order, caps=caps)
    counterpart = [Fraction(c) * (1 - ratio) / ratio for c in city]
    district = _rounded(counterpart, rounding_order, caps=secured)
    status = [STATUS_NOT_FUNDED] * n
    for i in range(n):
        if city[i] <= 0:
            if grant[i] > 0:  # a grant below 천원 rounded away
                reason[i] = REASON_BUDGET
            continue
        if city[i] >= cap[i]:
            status[i], reason[i] = STATUS_FUNDED, REASON_FUNDED
            continue
        status[i] = STATUS_PARTLY
        if grant[i] >= cap[i]:  # whole share granted, short only by rounding
            reason[i] = f"{REASON_ROUNDED} ({_as_number(cap[i]):,} → {city[i]:,} KRW)"
    out["required_matching_krw"] = [_as_number(r) for r in required]
    out["eligible"] = eligible
    out["city_share_requested_krw"] = [_as_number(c) for c in cap]
    out["city_share_krw"] = pd.Series(city, index=out.index, dtype="int64")
    out["district_share_krw"] = pd.Series(district, index=out.index, dtype="int64")
    out["status"] = status
    out["reason"] = reason
    return out


def _matching_cap(secured: Fraction, ratio: Fraction) -> Fraction:
    """The largest grant whose matching counterpart the secured funds cover (KRW)."""
    if ratio >= 1:
        return Fraction(10) ** 30  # no matching required
    return secured * ratio / (1 - ratio)


def _rounded(
    amounts: list[Fraction], order: list[int], *, caps: list[Fraction] | None
) -> list[int]:
    ordered = [amounts[i] for i in order]
    ordered_caps = None if caps is None else [caps[i] for i in order]
    rounded = round_largest_remainder(ordered, caps=ordered_caps)
    result = [0] * len(amounts)
    for i, value in zip(order, rounded, strict=True):
        result[i] = value
    return result


def _as_number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)
