"""Numbers as a planner reads them: one formatter for the CLI, the maps and the pages.

Thousands separators, fixed decimals, never scientific notation, and a dash for a
missing value (never ``nan``). Money has its own words (원, 천원, 억) in
:mod:`service.pages.fmt`; this module formats plain quantities (m², counts, points,
weights, %).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["MISSING", "format_number"]

#: What a missing value prints as (never ``nan``).
MISSING = "–"

_MISSING_TEXT = frozenset({"nan", "NaN", "<NA>", "NaT", "None"})


def format_number(value: Any, digits: int = 1, *, missing: str = MISSING) -> str:
    """A number with thousands separators and ``digits`` decimals, never in scientific notation.

    Parameters
    ----------
    value : any
        Number (Python or numpy), missing value (None, NaN, pd.NA, NaT) or anything
        else (shown with ``str``).
    digits : int, default 1
        Decimals of a non-integer number. Integers (and booleans' ``str``) print
        without decimals. A non-zero value too small for ``digits`` keeps two
        significant digits instead of printing as zero.
    missing : str, default ``"–"``
        What a missing value prints as.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(77580.123), format_number(1e9), format_number(float("nan"))
    ('77,580.1', '1,000,000,000.0', '–')
    >>> format_number(0.000123, 2), format_number(3), format_number(True)
    ('0.00012', '3', 'True')
    >>> format_number(1.5e-7, 2)
    '0.00000015'
    """
    if value is None:
        return missing
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        text = str(value)
        return missing if text in _MISSING_TEXT else text
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return missing if math.isnan(number) else ("∞" if number > 0 else "-∞")
    if number != 0 and abs(number) < 10 ** (-digits):
        # a small non-zero value keeps two significant digits instead of showing 0.0
        places = -math.floor(math.log10(abs(number))) + 1
        return f"{number:,.{places}f}"
    return f"{number:,.{digits}f}"
