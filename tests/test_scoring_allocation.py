"""Eligibility, the three allocation policies, 천원 rounding, and their properties."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.errors import ConfigError
from scoring import default_criteria, round_largest_remainder, score_round
from scoring.allocation import (
    REASON_BUDGET,
    REASON_FUNDED,
    REASON_INELIGIBLE,
    REASON_NOT_APPLIED,
    REASON_PARTIAL,
    REASON_ROUNDED,
    REASON_TOPK,
    STATUS_FUNDED,
    STATUS_NOT_FUNDED,
    STATUS_PARTLY,
)

M = 1_000_000  # 백만원 in KRW


def _table() -> pd.DataFrame:
    # priorities under cctv-replace: D 4.5, E 4.5 (D ages more), B, C, A
    return pd.DataFrame(
        {
            "sig_cd": list("ABCDE"),
            "fiscal_self_reliance_pct": [60.0, 45.0, 30.0, 25.0, 20.0],
            "ageing_ratio_pct": [12.0, 20.0, 15.0, 25.0, 22.0],
            "requested_krw": [200 * M, 400 * M, 300 * M, 600 * M, 100 * M],
            "matching_secured_krw": [100 * M, 200 * M, 150 * M, 300 * M, 49 * M],
        }
    )


def _round(**settings: object) -> pd.DataFrame:
    criteria = default_criteria("cctv-replace").with_settings(**settings)
    return score_round(_table(), criteria).table.set_index("sig_cd")


def test_eligibility_is_matching_at_least_the_district_share() -> None:
    got = _round()
    assert got["required_matching_krw"].to_dict() == {
        "D": 300 * M, "E": 50 * M, "B": 200 * M, "C": 150 * M, "A": 100 * M
    }  # fmt: skip
    assert got["eligible"].to_dict() == {"D": True, "E": False, "B": True, "C": True, "A": True}
    assert got.loc["E", "reason"] == REASON_INELIGIBLE
    assert got.loc["E", "city_share_krw"] == 0


def test_fill_walks_priority_and_the_last_grant_is_partial() -> None:
    got = _round(budget_krw=600 * M)
    # D 300, (E ineligible), B 200, C gets the remaining 100 of its 150, A nothing
    assert got["city_share_krw"].to_dict() == {
        "D": 300 * M,
        "E": 0,
        "B": 200 * M,
        "C": 100 * M,
        "A": 0,
    }
    assert got["district_share_krw"].to_dict() == got["city_share_krw"].to_dict()
    assert got.loc["C", "reason"] == REASON_PARTIAL
    assert got.loc["A", "reason"] == REASON_BUDGET
    assert got.loc["D", "reason"] == REASON_FUNDED


def test_fill_can_skip_partials_and_go_on() -> None:
    got = _round(budget_krw=600 * M, skip_partials=True)
    # C (150) does not fit the remaining 100 → skipped; A (100) fits
    assert got["city_share_krw"].to_dict() == {
        "D": 300 * M,
        "E": 0,
        "B": 200 * M,
        "C": 0,
        "A": 100 * M,
    }
    assert got.loc["C", "reason"] == REASON_BUDGET


def test_no_budget_funds_every_eligible_district_in_full() -> None:
    got = _round()
    assert got["city_share_krw"].sum() == (300 + 200 + 150 + 100) * M


def test_topk_funds_the_first_k_eligible_districts() -> None:
    got = _round(policy="topk", top_k=2, budget_krw=10_000 * M)
    assert got["city_share_krw"].to_dict() == {"D": 300 * M, "E": 0, "B": 200 * M, "C": 0, "A": 0}
    assert got.loc["C", "reason"] == REASON_TOPK and got.loc["A", "reason"] == REASON_TOPK


def test_proportional_splits_by_score_within_caps() -> None:
    got = _round(policy="proportional", budget_krw=500 * M)
    # eligible D 4.5, B 2.5, C 2.5, A 1.0 (sum 10.5): D's share 214.3 < cap 300 → no caps bind
    shares = got["city_share_krw"]
    assert shares.sum() == 500 * M
    assert shares["E"] == 0
    assert abs(shares["D"] - 500 * M * 4.5 / 10.5) < 1000
    assert abs(shares["B"] - shares["C"]) == 1000  # equal scores: the remainder 천원 goes to B
    assert all(v % 1000 == 0 for v in shares)


def test_proportional_caps_and_re_splits() -> None:
    got = _round(policy="proportional", budget_krw=700 * M)
    shares = got["city_share_krw"]
    # A's proportional share (66.7) is below its cap, D's (300) reaches its cap
    assert shares.sum() == 700 * M
    assert shares["D"] <= 300 * M and shares["B"] <= 200 * M and shares["C"] <= 150 * M


def test_proportional_needs_a_budget() -> None:
    with pytest.raises(ConfigError, match="needs a budget"):
        _round(policy="proportional")


def test_no_request_means_no_money() -> None:
    table = _table().assign(requested_krw=[0, 400 * M, 300 * M, 600 * M, 100 * M])
    got = score_round(table, default_criteria("cctv-replace")).table.set_index("sig_cd")
    assert got.loc["A", "reason"] == REASON_NOT_APPLIED and not got.loc["A", "eligible"]


def test_largest_remainder_adds_up_and_prefers_priority_on_ties() -> None:
    F = Fraction
    assert round_largest_remainder([F(500_500), F(500_500)]) == [501_000, 500_000]
    assert round_largest_remainder([F(1_400), F(1_700), F(900)]) == [1_000, 2_000, 1_000]
    assert round_largest_remainder([F(1_499), F(1_499)]) == [1_000, 1_000]  # total 2,998 → 2,000


def test_odd_thousands_never_round_above_the_city_share() -> None:
    """Half of 2,001,000 is 1,000,500: rounding up would grant more than the city's half."""
    table = _table().assign(requested_krw=[2_001_000, 4_001_000, 3_001_000, 6_001_000, 1_001_000])
    table["matching_secured_krw"] = table["requested_krw"]
    got = score_round(table, default_criteria("cctv-replace")).table.set_index("sig_cd")
    assert got["city_share_krw"].to_dict() == {
        "A": 1_000_000, "B": 2_000_000, "C": 1_500_000, "D": 3_000_000, "E": 500_000
    }  # fmt: skip
    assert (got["status"] == STATUS_PARTLY).all()
    assert got["reason"].str.startswith(REASON_ROUNDED).all()
    assert "1,000,500 → 1,000,000 KRW" in got.loc["A", "reason"]


def test_issue_case_500450_share_is_not_granted_501000() -> None:
    """The reported defect: a share of 500,450 KRW was granted 501,000 KRW."""
    table = pd.DataFrame(
        {
            "sig_cd": ["A", "B"],
            "fiscal_self_reliance_pct": [60.0, 20.0],
            "ageing_ratio_pct": [12.0, 30.0],
            "requested_krw": [1_000_900, 1_000_900],
            "matching_secured_krw": [500_450, 500_450],
        }
    )
    got = score_round(table, default_criteria("cctv-replace")).table.set_index("sig_cd")
    assert (got["city_share_krw"] <= 500_450).all()
    assert (got["district_share_krw"] <= 500_450).all()
    assert got["city_share_krw"].to_dict() == {"A": 500_000, "B": 500_000}
    assert (got["status"] == STATUS_PARTLY).all()


def test_status_funded_partly_not_funded() -> None:
    got = _round(budget_krw=600 * M)
    assert got["status"].to_dict() == {
        "D": STATUS_FUNDED, "E": STATUS_NOT_FUNDED, "B": STATUS_FUNDED,
        "C": STATUS_PARTLY, "A": STATUS_NOT_FUNDED,
    }  # fmt: skip


# --- properties ---------------------------------------------------------------

_district = st.tuples(
    st.integers(0, 20).map(lambda v: v * 5.0),  # fiscal self-reliance with many ties
    st.integers(0, 8).map(float),  # D/E cells with ties
    st.one_of(
        st.integers(0, 10).map(lambda v: v * 100_500),  # requested (odd 천원 amounts)
        st.integers(0, 3_000_000),  # any won amount (e.g. 1,000,900 → share 500,450)
    ),
    st.one_of(st.floats(0, 1.2), st.just(1.0)),  # matching secured / district share
    st.sampled_from([0.0, 9.99, 10.0, 29.99, 30.0, 55.5, 100.0]),  # intelligent rate, band edges
    st.integers(0, 6).map(lambda v: v * 2.5),  # ageing ratio with ties
)


@st.composite
def _rounds(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, object]]:
    rows = draw(st.lists(_district, min_size=1, max_size=12))
    table = pd.DataFrame(
        {
            "sig_cd": [f"{11000 + i}" for i in range(len(rows))],
            "fiscal_self_reliance_pct": [r[0] for r in rows],
            "vulnerable_cells": [r[1] for r in rows],
            "requested_krw": [r[2] for r in rows],
            "matching_secured_krw": [int(Fraction(r[2]) / 2 * Fraction(r[3])) for r in rows],
            "intelligent_rate_pct": [r[4] for r in rows],
            "ageing_ratio_pct": [r[5] for r in rows],
        }
    )
    policy = draw(st.sampled_from(["fill", "proportional", "topk"]))
    options: dict[str, object] = {
        "policy": policy,
        "budget_krw": draw(st.integers(0, 3_000_000)),
        "skip_partials": draw(st.booleans()),
        "top_k": draw(st.integers(1, 5)),
        "tie_method": draw(st.sampled_from(["min", "average", "max"])),
        "matching_ratio": draw(st.sampled_from([0.5, 0.6, 0.7])),
        "rank_population": draw(st.sampled_from(["all", "applicants"])),
        "program": draw(st.sampled_from(["cctv-new", "cctv-replace", "cctv-intelligent"])),
    }
    return table, options


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rounds(), st.randoms())
def test_results_do_not_depend_on_row_order(
    case: tuple[pd.DataFrame, dict[str, object]], rnd
) -> None:  # type: ignore[no-untyped-def]
    table, options = case[0], dict(case[1])
    program = str(options.pop("program"))
    criteria = default_criteria(program).with_settings(**options)
    shuffled = table.sample(frac=1.0, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
    a = score_round(table, criteria).table.reset_index(drop=True)
    b = score_round(shuffled, criteria).table.reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rounds())
def test_allocations_respect_budget_requests_eligibility_and_add_up(
    case: tuple[pd.DataFrame, dict[str, object]],
) -> None:
    table, options = case[0], dict(case[1])
    program = str(options.pop("program"))
    criteria = default_criteria(program).with_settings(**options)
    got = score_round(table, criteria).table
    city = got["city_share_krw"]
    ratio = Fraction(str(options["matching_ratio"]))
    assert city.sum() <= int(options["budget_krw"])  # type: ignore[call-overload]
    for row in got.itertuples():
        granted, district = Fraction(int(row.city_share_krw)), int(row.district_share_krw)
        # never above the city's ratio of the requested cost, after rounding
        assert granted <= ratio * Fraction(int(row.requested_krw))
        # never requires more matching than the district secured
        assert granted * (1 - ratio) / ratio <= Fraction(int(row.matching_secured_krw))
        assert district <= int(row.matching_secured_krw)
    assert (city[~got["eligible"]] == 0).all()
    assert (city % 1000 == 0).all() and (got["district_share_krw"] % 1000 == 0).all()
    # largest remainder within caps: each rounded grant is within 천원 of its exact grant,
    # the total is at most the exact total rounded down to 천원, and a unit is left out
    # only when no district with a remainder had room for it under its cap
    exact = _exact_grants(got, options)
    total = sum(exact.values(), Fraction(0))
    assert city.sum() <= int(total // 1000) * 1000
    room = 0
    for sig, value in exact.items():
        got_sig = Fraction(int(city[got["sig_cd"] == sig].iloc[0]))
        assert abs(got_sig - value) < 1000
        row = got[got["sig_cd"] == sig].iloc[0]
        cap = ratio * Fraction(int(row["requested_krw"]))
        if got_sig < value and got_sig + 1000 <= cap:
            room += 1
    if city.sum() < int(total // 1000) * 1000:
        assert room == 0
    # status and reason agree with the amounts
    share = [ratio * Fraction(int(r)) for r in got["requested_krw"]]
    for value, s, status in zip(city, share, got["status"], strict=True):
        if value == 0:
            assert status == STATUS_NOT_FUNDED
        elif value == s:
            assert status == STATUS_FUNDED
        else:
            assert status == STATUS_PARTLY
    funded = got["reason"].isin([REASON_FUNDED, REASON_PARTIAL]) | got["reason"].str.startswith(
        REASON_ROUNDED
    )
    assert ((city > 0) <= funded).all()


def _exact_grants(got: pd.DataFrame, options: dict[str, object]) -> dict[str, Fraction]:
    ratio = Fraction(str(options["matching_ratio"]))
    budget = Fraction(int(options["budget_krw"]))  # type: ignore[call-overload]
    grants = {str(s): Fraction(0) for s in got["sig_cd"]}
    eligible = []
    for row in got.sort_values("priority").itertuples():
        requested = Fraction(int(row.requested_krw))
        if requested > 0 and Fraction(int(row.matching_secured_krw)) >= (1 - ratio) * requested:
            eligible.append((str(row.sig_cd), ratio * requested, float(row.total_points)))
    if options["policy"] == "proportional":
        caps = {s: c for s, c, _ in eligible}
        weights = {s: Fraction(str(w)) for s, _, w in eligible}
        active = {s for s in caps if caps[s] > 0}
        remaining = budget
        while active and remaining > 0:
            w = sum((weights[s] for s in active), Fraction(0))
            share = {s: remaining * weights[s] / w for s in active}
            capped = {s for s in active if share[s] >= caps[s]}
            if not capped:
                grants.update(share)
                break
            for s in capped:
                grants[s] = caps[s]
                remaining -= caps[s]
            active -= capped
        return grants
    if options["policy"] == "topk":
        eligible = eligible[: int(options["top_k"])]  # type: ignore[call-overload]
    remaining = budget
    for sig, cap, _ in eligible:
        amount = min(cap, remaining)
        if options["skip_partials"] and amount < cap:
            continue
        grants[sig] = amount
        remaining -= amount
    return grants


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5_000_000), st.integers(0, 999), st.integers(0, 3_000)),
        min_size=1,
        max_size=15,
    )
)
def test_capped_largest_remainder_never_passes_a_cap(
    rows: list[tuple[int, int, int]],
) -> None:
    """Awkward won amounts (e.g. 500,450): rounded grants stay within floor and cap."""
    amounts = [Fraction(a) + Fraction(f, 1000) for a, f, _ in rows]
    caps = [a + Fraction(extra) for a, (_, _, extra) in zip(amounts, rows, strict=True)]
    got = round_largest_remainder(amounts, caps=caps)
    total_floor = int(sum(amounts, Fraction(0)) // 1000) * 1000
    assert sum(got) <= total_floor
    for value, amount, cap in zip(got, amounts, caps, strict=True):
        assert value % 1000 == 0
        assert value <= cap
        assert int(amount // 1000) * 1000 <= value <= int(amount // 1000) * 1000 + 1000
    # a unit is left out only when no district with a remainder had room under its cap
    if sum(got) < total_floor:
        for value, amount, cap in zip(got, amounts, caps, strict=True):
            assert not (value < amount and value + 1000 <= cap)
