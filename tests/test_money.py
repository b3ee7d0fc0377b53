"""The one money parser (layers.money)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers.errors import InputError
from layers.money import parse_krw


@pytest.mark.parametrize(
    ("text", "krw"),
    [
        ("60억", 6_000_000_000),
        ("60억원", 6_000_000_000),
        ("6억 5천만", 650_000_000),
        ("6억5천만원", 650_000_000),
        ("600000천원", 600_000_000),
        ("8,242백만원", 8_242_000_000),
        ("1,350백만원", 1_350_000_000),
        ("6,000,000,000", 6_000_000_000),
        ("6_000_000_000", 6_000_000_000),
        ("6e9", 6_000_000_000),
        ("6.5E8", 650_000_000),
        ("6000000000", 6_000_000_000),
        ("₩6,000,000,000", 6_000_000_000),
        ("6000000000 KRW", 6_000_000_000),
        ("1.5조", 1_500_000_000_000),
        ("2.5억", 250_000_000),
        ("만원", 10_000),
        ("8,162,500천원", 8_162_500_000),
        ("1조 2천억 3백만 원", 1_200_003_000_000),
        (" 500450 ", 500_450),
        (6e9, 6_000_000_000),
        (500_450, 500_450),
    ],
)
def test_planner_forms(text: str | int | float, krw: int) -> None:
    assert parse_krw(text) == krw
    assert isinstance(parse_krw(text), int)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-60억", "negative"),
        ("−6,000", "negative"),
        (-5, "negative"),
        ("nan", "finite"),
        (math.nan, "finite"),
        (math.inf, "finite"),
        ("6bn", "unknown unit"),
        ("60 million", "unknown unit"),
        ("6k", "unknown unit"),
        ("5만 3억", "out of order"),
        ("3백5천", "out of order"),
        ("1.5", "whole number"),
        ("6 5", "two numbers"),
        ("", "empty"),
        ("1,5000", "unknown unit"),
        (True, "yes/no"),
    ],
)
def test_refusals_say_why_and_give_an_example(text: str | float, why: str) -> None:
    with pytest.raises(InputError, match=why) as err:
        parse_krw(text, what="--budget")
    assert "60억" in str(err.value) and "600000천원" in str(err.value)
    assert "--budget" in str(err.value)


@given(st.integers(min_value=0, max_value=10**15))
def test_plain_and_grouped_digits_round_trip(amount: int) -> None:
    assert parse_krw(str(amount)) == amount
    assert parse_krw(f"{amount:,}") == amount
    assert parse_krw(f"{amount:,}원") == amount


@given(st.integers(0, 9999), st.integers(0, 9999), st.integers(0, 9999), st.integers(0, 9999))
def test_korean_groups_round_trip(jo: int, eok: int, man: int, rest: int) -> None:
    amount = jo * 10**12 + eok * 10**8 + man * 10**4 + rest
    parts = [f"{v}{u}" for v, u in ((jo, "조"), (eok, "억"), (man, "만"), (rest, "")) if v]
    text = " ".join(parts) or "0"
    assert parse_krw(text) == amount


@given(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9))
def test_small_units_inside_a_group(c: int, b: int, s: int, one: int) -> None:
    parts = [f"{v}{u}" for v, u in ((c, "천"), (b, "백"), (s, "십")) if v]
    text = "".join(parts) + (str(one) if one else "") + "만"
    if not (c or b or s or one):
        return
    assert parse_krw(text) == (c * 1000 + b * 100 + s * 10 + one) * 10**4
