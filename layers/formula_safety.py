"""Text cells that cannot start a formula when a shared table is opened in a spreadsheet.

A candidate layer, a requests table or a note typed by someone else may hold
text such as ``=HYPERLINK("http://…","click")`` or ``+cmd|' /C calc'!A0``.
Written verbatim into a CSV, Excel runs it as a formula when an officer opens
the file (CSV injection, OWASP). Following OWASP's rule, a *text* cell whose
first character is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote ``'`` so the spreadsheet shows it as text.

Numbers stay numbers: numeric columns are never touched, and a text cell that
is a plain number (``-12.5``, ``+3``, ``1,204``) is left as it is (a
spreadsheet reads it as that number, not as a formula).

Examples
--------
>>> neutralise_text('=HYPERLINK("http://x","click")')
'\\'=HYPERLINK("http://x","click")'
>>> neutralise_text("-12.5"), neutralise_text("종로구")
('-12.5', '종로구')
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "is_formula_like", "neutralise_frame", "neutralise_text"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LEADING = re.compile(r"[=+\-@\t\r]")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula.

    Examples
    --------
    >>> is_formula_like("@SUM(A1)"), is_formula_like("-3"), is_formula_like("a=b")
    (True, False, False)
    """
    if not text or text[0] not in FORMULA_PREFIXES:
        return False
    return not (any(c.isdigit() for c in text) and _PLAIN_NUMBER.fullmatch(text))


def neutralise_text(text: str) -> str:
    """``text`` prefixed with ``'`` when it could start a formula, else unchanged."""
    return "'" + text if is_formula_like(text) else text


def _neutralise_value(value: Any) -> Any:
    return neutralise_text(value) if isinstance(value, str) else value


def _one_newline(value: Any) -> Any:
    return re.sub(r"\r\n?", "\n", value) if isinstance(value, str) else value


def neutralise_frame(frame: pd.DataFrame, *, newlines: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a formula.

    Only text columns (object or string dtype) are examined; the work is
    vectorised over each column, and columns with nothing to change are not
    copied.

    Parameters
    ----------
    frame : DataFrame
        Any table about to be written to CSV.
    newlines : bool, default False
        Also turn a carriage return inside text (``\\r`` or ``\\r\\n``) into
        ``\\n``. pandas quotes a CSV field holding ``\\n`` but not one holding
        a bare ``\\r``, which a spreadsheet reads as a new row, whose first
        field could then be a formula.

    Returns
    -------
    DataFrame
        The same values, formula-like text prefixed with ``'``.
    """
    out = frame.copy(deep=False)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        text = column.astype("string")
        suspect = text.str.match(_LEADING).fillna(False).astype(bool)
        carriage = (
            text.str.contains("\r", regex=False).fillna(False).astype(bool)
            if newlines
            else suspect & False
        )
        if not (suspect.any() or carriage.any()):
            continue
        fixed = column.copy()
        fixed[suspect] = column[suspect].map(_neutralise_value)
        if carriage.any():
            fixed[carriage] = fixed[carriage].map(_one_newline)
        out.isetitem(position, fixed.array)
    out.columns = [neutralise_text(c) if isinstance(c, str) else c for c in out.columns]
    return out
