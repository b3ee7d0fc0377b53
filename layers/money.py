"""One parser for amounts of money as planners write them (KRW).

Every command that takes an amount (``siting score --budget``, ``propose
--budget``, ``replace --budget``, ``plan``), the requests table's KRW columns
and the service read amounts through :func:`parse_krw`, so that the same text
means the same number everywhere.

Accepted forms (all give whole won, KRW):

===========================  =================
text                         KRW
===========================  =================
``6000000000``               6,000,000,000
``6,000,000,000`` / ``6_000_000_000``  6,000,000,000
``6e9`` / ``6.5E8``          6,000,000,000 / 650,000,000
``60억`` / ``60억원``        6,000,000,000
``6억 5천만`` / ``6억5천만원``  650,000,000
``600000천원``               600,000,000
``8,242백만원``              8,242,000,000
``1.5조``                    1,500,000,000,000
``₩6,000,000,000`` / ``6000000000 KRW`` / ``6000000000원``  6,000,000,000
===========================  =================

Korean units: 십 (10), 백 (100), 천 (1,000) inside a group, closed by 만 (10⁴),
억 (10⁸) or 조 (10¹²), largest first. Refused, with an example of what works:
negatives, NaN or infinity, fractions of a won, unknown units (``6bn``,
``60 million``, ``6k``), units out of order (``5만 3억``).

Examples
--------
>>> parse_krw("60억")
6000000000
>>> parse_krw("6억 5천만")
650000000
>>> parse_krw("600000천원")
600000000
>>> parse_krw("6e9")
6000000000
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from numbers import Real

from layers.errors import InputError

__all__ = ["MONEY_EXAMPLES", "format_krw", "parse_krw", "parse_krw_or_none"]

#: Examples quoted in every refusal.
MONEY_EXAMPLES = "6000000000, 6,000,000,000, 6e9, 60억, 6억 5천만, 600000천원 or 8,242백만원"

_SMALL = {"십": 10, "백": 100, "천": 1000}
_LARGE = {"만": 10**4, "억": 10**8, "조": 10**12}
_NUMBER = re.compile(
    r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:_\d+)*)(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
)
_CURRENCY_PREFIX = re.compile(r"^(?:₩|￦|KRW)\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:원|KRW|won)$", re.IGNORECASE)


def _refuse(text: object, why: str, what: str) -> InputError:
    return InputError(
        f"{what} {str(text)!r} is not an amount of money: {why}",
        layer=what,
        fix=f"write an amount in KRW, e.g. {MONEY_EXAMPLES}",
    )


def _from_number(value: Real, what: str) -> int:
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise _refuse(value, "not a finite number", what)
    exact = Decimal(str(value)) if not isinstance(value, int) else Decimal(value)
    return _whole(exact, value, what)


def _whole(amount: Decimal, text: object, what: str) -> int:
    if amount < 0:
        raise _refuse(text, "amounts cannot be negative", what)
    if amount != amount.to_integral_value():
        raise _refuse(text, f"{amount:f} KRW is not a whole number of won", what)
    return int(amount)


def parse_krw(value: str | int | float, *, what: str = "amount") -> int:
    """Read an amount of money written as a planner writes it; return whole KRW.

    Parameters
    ----------
    value : str, int or float
        ``"60억"``, ``"6억 5천만"``, ``"600000천원"``, ``"6,000,000,000"``,
        ``"6e9"``, or a number (KRW). See the module docstring for every form.
    what : str, default "amount"
        What the amount is, for messages (``"--budget"``, ``"requested_krw"``).

    Returns
    -------
    int
        The amount in KRW (won), ≥ 0.

    Raises
    ------
    InputError
        Negative, NaN/infinite, fractional won, unknown unit or malformed text;
        the message gives examples that work.
    """
    if isinstance(value, bool):
        raise _refuse(value, "a yes/no value is not an amount", what)
    if isinstance(value, Real):
        return _from_number(value, what)
    text = str(value).strip()
    if not text:
        raise _refuse(value, "it is empty", what)
    if text[0] in "-−–":
        raise _refuse(value, "amounts cannot be negative", what)
    body = text.lstrip("+")
    body = _CURRENCY_SUFFIX.sub("", _CURRENCY_PREFIX.sub("", body))
    if body.lower() in ("nan", "inf", "infinity"):
        raise _refuse(value, "not a finite number", what)
    tokens: list[str] = []
    pos = 0
    compact = re.sub(r"\s+", " ", body).strip()
    while pos < len(compact):
        if compact[pos] == " ":
            pos += 1
            continue
        match = _NUMBER.match(compact, pos)
        if match:
            tokens.append(match.group(0))
            pos = match.end()
            continue
        char = compact[pos]
        if char in _SMALL or char in _LARGE:
            tokens.append(char)
            pos += 1
            continue
        rest = compact[pos:]
        raise _refuse(value, f"unknown unit or character {rest!r}", what)
    if not tokens:
        raise _refuse(value, "no number in it", what)
    return _whole(_evaluate(tokens, value, what), value, what)


def _evaluate(tokens: list[str], text: object, what: str) -> Decimal:
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    last_large: int | None = None
    last_small: int | None = None
    for token in tokens:
        if token in _SMALL:
            unit = _SMALL[token]
            if last_small is not None and unit >= last_small:
                raise _refuse(text, f"units out of order at {token!r}", what)
            section += (Decimal(1) if current is None else current) * unit
            current, last_small = None, unit
        elif token in _LARGE:
            unit = _LARGE[token]
            if last_large is not None and unit >= last_large:
                raise _refuse(text, f"units out of order at {token!r} (largest first)", what)
            group = section + (Decimal(0) if current is None else current)
            total += (group if group != 0 else Decimal(1)) * unit
            section, current, last_large, last_small = Decimal(0), None, unit, None
        else:
            if current is not None:
                raise _refuse(text, "two numbers without a unit between them", what)
            try:
                current = Decimal(token.replace(",", "").replace("_", ""))
            except InvalidOperation:
                raise _refuse(text, f"{token!r} is not a number", what) from None
            if not current.is_finite():
                raise _refuse(text, "not a finite number", what)
    return total + section + (Decimal(0) if current is None else current)


def parse_krw_or_none(value: str | int | float | None, *, what: str = "amount") -> int | None:
    """:func:`parse_krw`, with ``None`` (an option not given) passed through."""
    return None if value is None else parse_krw(value, what=what)


def format_krw(amount: int) -> str:
    """``6,000,000,000 KRW (6,000,000천원)`` for reports.

    Parameters
    ----------
    amount : int
        KRW.

    Returns
    -------
    str
    """
    return f"{amount:,} KRW ({amount / 1000:,.0f}천원)"
