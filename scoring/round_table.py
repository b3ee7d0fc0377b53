"""Recognise and describe a scored round table, the ``<program>_round.csv`` of ``siting score``.

The table holds one row per district with its criteria, ``total_points`` and
``priority``, and, when the round had a budget, the allocation: ``city_share_krw``
(the grant, KRW) and ``district_share_krw`` (its matching counterpart, KRW).
``siting plan`` takes it as its round; the service's inspector reports it with
:func:`describe_round_table` so that an uploaded round can be checked before a plan
runs on it.

Examples
--------
>>> is_round_table(["sig_cd", "name_ko", "total_points", "priority", "city_share_krw"])
True
>>> is_round_table(["sig_cd", "vulnerable_cells"])
False
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["ROUND_TABLE_SIGNATURE", "describe_round_table", "is_round_table", "round_program"]

#: Columns every round table of ``siting score`` holds (with or without a budget).
ROUND_TABLE_SIGNATURE = ("sig_cd", "name_ko", "total_points", "priority")
#: Allocation columns, written when the round was scored with grants.
_ALLOCATION = ("city_share_krw", "district_share_krw")


def is_round_table(columns: list[str]) -> bool:
    """True when ``columns`` are those of a scored round (:data:`ROUND_TABLE_SIGNATURE`)."""
    return all(c in columns for c in ROUND_TABLE_SIGNATURE)


def round_program(columns: list[str], filename: str) -> str | None:
    """The programme of a round table: from its name ``<program>_round.csv``, else the one
    programme whose criteria's ``<criterion>_points`` columns it holds (``None`` if unclear).

    >>> round_program([], "cctv-new_round.csv")
    'cctv-new'
    >>> round_program(["fiscal_self_reliance_points", "ageing_ratio_points"], "r.csv")
    'cctv-replace'
    """
    from scoring.criteria import PROGRAMS, default_criteria

    stem = Path(filename).name.removesuffix(".csv").removesuffix("_round")
    if stem in PROGRAMS:
        return stem
    held = set(columns)
    matches = [
        p for p in PROGRAMS if all(f"{c.name}_points" in held for c in default_criteria(p).criteria)
    ]
    return matches[0] if len(matches) == 1 else None


def describe_round_table(path: str | os.PathLike[str], filename: str) -> dict[str, Any] | None:
    """The inspection report of a scored round table, or ``None`` when the CSV is not one.

    Parameters
    ----------
    path : path
        The CSV (UTF-8 with BOM as ``siting score`` writes it, UTF-8 or CP949).
    filename : str
        Its name as uploaded (``cctv-new_round.csv``): the programme is read from it.

    Returns
    -------
    dict or None
        ``None`` for a CSV without the round's columns or not a CSV at all; else
        ``kind`` ``round_table``, ``program`` (``None`` when neither the name nor the
        criteria columns tell), ``rows_read``, ``columns``, ``districts`` (SIG_CD),
        ``allocated`` (whether the round was scored with grants), ``districts_funded``
        (SIG_CD with a grant > 0, by priority), ``funded_names`` and
        ``granted_city_krw`` (sum of the grants, KRW), and ``notes``.

    Raises
    ------
    layers.errors.EmptyLayerError, layers.errors.EncodingError
        The file is empty, or in no Korean encoding.
    """
    from layers.encoding import read_text

    text, encoding = read_text(path, layer=filename)
    try:
        header = pd.read_csv(io.StringIO(text), nrows=0).columns.astype(str).tolist()
        if not is_round_table(header):
            return None
        table = pd.read_csv(io.StringIO(text), dtype={"sig_cd": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    program = round_program(header, filename)
    notes: list[str] = []
    if program is None:
        notes.append(
            "the programme is neither in the file name nor told by its criteria columns: "
            "name the file <program>_round.csv (e.g. cctv-new_round.csv) for siting plan"
        )
    elif Path(filename).name != f"{program}_round.csv":
        notes.append(
            f"siting plan reads the programme from the file name: name it {program}_round.csv"
        )
    allocated = all(c in header for c in _ALLOCATION)
    funded = pd.DataFrame(columns=["sig_cd", "name_ko", "city_share_krw"])
    granted = 0
    if allocated:
        grants = pd.to_numeric(table["city_share_krw"], errors="coerce").fillna(0)
        order = pd.to_numeric(table["priority"], errors="coerce")
        funded = table.assign(_grant=grants, _order=order)
        funded = funded[funded["_grant"] > 0].sort_values(["_order", "sig_cd"])
        granted = int(grants.sum())
    else:
        notes.append(
            "no allocation (city_share_krw, district_share_krw): the round was scored without "
            "a budget, so siting plan has no grants to spend"
        )
    return {
        "path": filename,
        "kind": "round_table",
        "kind_label": "scored subsidy round (siting score <program>_round.csv; the round "
        "siting plan spends)",
        "encoding": encoding,
        "program": program,
        "rows_read": len(table),
        "rows_kept": len(table),
        "rows_dropped": 0,
        "columns": header,
        "districts": sorted(table["sig_cd"].astype(str)),
        "allocated": allocated,
        "districts_funded": funded["sig_cd"].astype(str).tolist(),
        "funded_names": funded["name_ko"].astype(str).tolist(),
        "granted_city_krw": granted,
        "notes": notes,
    }
