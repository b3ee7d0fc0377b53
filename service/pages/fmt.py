"""Numbers, money and dates as Korean officials write them (and their English forms).

Money is whole KRW inside the service. Pages show it three ways:

* :func:`won` — ``1,234,567,000원``: exact, for single amounts.
* :func:`cheon_won` — ``1,234,567천원``: the unit of budget tables (예산서, 배부내역);
  amounts that are not whole thousands keep their decimals (``1,234.5천원``) so
  nothing is silently rounded.
* :func:`money` — ``81억 6,250만원``: the way a headline or a sentence reads;
  exact (a remainder below 만 is written out: ``3억 500원``).

Dates are stored in UTC and shown in Korean Standard Time (UTC+9, no daylight
saving): ``2026. 12. 2. 14:43`` in Korean, ``2 Dec 2026 14:43`` in English,
each followed by ``KST``.

Examples
--------
>>> money(8_162_500_000)
'81억 6,250만원'
>>> cheon_won(8_162_500_000)
'8,162,500천원'
>>> won(2_500_000, "en")
'KRW 2,500,000'
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from layers.numbers import MISSING, format_number

__all__ = ["KST", "cheon_won", "kst", "kst_date", "money", "num", "pct", "won"]

#: Korean Standard Time (UTC+9; Korea keeps no daylight saving time).
KST = timezone(timedelta(hours=9), "KST")

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def won(krw: int | None, lang: str = "ko") -> str:
    """Exact amount with thousands separators: ``1,234,567원`` / ``KRW 1,234,567``."""
    if krw is None:
        return MISSING
    return f"{int(krw):,}원" if lang == "ko" else f"KRW {int(krw):,}"


def cheon_won(krw: int | None, lang: str = "ko") -> str:
    """Amount in thousands of won (천원), the unit of Korean budget tables.

    Whole thousands print without decimals; other amounts keep as many
    decimals as they need (at most 3), so the figure stays exact.

    >>> cheon_won(1_234_500)
    '1,234.5천원'
    >>> cheon_won(2_000_000, "en")
    'KRW 2,000 thousand'
    """
    if krw is None:
        return MISSING
    krw = int(krw)
    whole, rest = divmod(abs(krw), 1000)
    sign = "-" if krw < 0 else ""
    text = f"{sign}{whole:,}"
    if rest:
        text += f".{rest:03d}".rstrip("0")
    return f"{text}천원" if lang == "ko" else f"KRW {text} thousand"


def money(krw: int | None, lang: str = "ko") -> str:
    """Amount as it reads in a sentence: ``81억 6,250만원`` (exact).

    English keeps the exact figure (``KRW 8,162,500,000``): billions with
    decimals would round.

    >>> money(650_000_000)
    '6억 5,000만원'
    >>> money(300_000_500)
    '3억 500원'
    >>> money(0)
    '0원'
    """
    if krw is None:
        return MISSING
    krw = int(krw)
    if lang != "ko":
        return won(krw, lang)
    sign = "-" if krw < 0 else ""
    rest = abs(krw)
    jo, rest = divmod(rest, 10**12)
    eok, rest = divmod(rest, 10**8)
    man, one = divmod(rest, 10**4)
    parts = []
    if jo:
        parts.append(f"{jo:,}조")
    if eok:
        parts.append(f"{eok:,}억")
    if man:
        parts.append(f"{man:,}만")
    if one or not parts:
        parts.append(f"{one:,}")
    return sign + " ".join(parts) + "원"


def num(value: float | int | None, decimals: int = 0) -> str:
    """A number with thousands separators (``12,345``; ``12,345.7`` with ``decimals=1``).

    :func:`layers.numbers.format_number`: never scientific notation, ``–`` when missing.
    """
    return format_number(value, decimals)


def pct(value: float | None, decimals: int = 1) -> str:
    """A percentage: ``12.3%`` (the value is already in %)."""
    text = format_number(value, decimals)
    return text if text == MISSING else f"{text}%"


def kst(moment: datetime | None, lang: str = "ko") -> str:
    """A UTC time shown in KST: ``2026. 12. 2. 14:43 KST`` / ``2 Dec 2026 14:43 KST``.

    Naive datetimes are taken as UTC (the store's convention).

    >>> kst(datetime(2026, 12, 2, 5, 43, tzinfo=UTC))
    '2026. 12. 2. 14:43 KST'
    >>> kst(datetime(2026, 12, 2, 5, 43, tzinfo=UTC), "en")
    '2 Dec 2026 14:43 KST'
    """
    if moment is None:
        return MISSING
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(KST)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if lang == "ko":
        return f"{local.year}. {local.month}. {local.day}. {clock} KST"
    return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year} {clock} KST"


def kst_date(moment: datetime | date | None, lang: str = "ko") -> str:
    """The KST calendar date: ``2026. 12. 2.`` / ``2 Dec 2026``."""
    if moment is None:
        return MISSING
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(KST).date()
    if lang == "ko":
        return f"{moment.year}. {moment.month}. {moment.day}."
    return f"{moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}"
