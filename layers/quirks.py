"""The register of known data quirks in the bundled district statistics.

Some official figures shipped in ``layers/data/seoul_districts.csv`` are
reporting artefacts that decide points when used as they are (for example
도봉구 reports 0 cameras installed up to 2015, which makes its ageing ratio
0.1 %). The register ``layers/data/quirks.csv`` lists each one: district,
field (a column of :func:`layers.districts.load_districts`), what is odd in
Korean and English, and the public source. Every report, spreadsheet and map
that shows one of these fields repeats the note next to the affected
districts.

A row whose ``sig_cd`` is ``*`` concerns the field for every district (the
fiscal self-reliance export carries no year label); :func:`load_quirks`
expands it to one row per district unless ``expand=False``.

Examples
--------
>>> q = load_quirks()
>>> sorted(q.loc[q.field == "cctv_ageing_ratio_pct", "name_ko"])
['도봉구', '동대문구']
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from io import StringIO

import pandas as pd

__all__ = [
    "ALL_DISTRICTS",
    "FIELD_ALIASES",
    "QUIRK_COLUMNS",
    "load_quirks",
    "quirk_notes",
    "quirks_for",
]

#: Columns of the register, in order.
QUIRK_COLUMNS = ["sig_cd", "name_ko", "field", "note_ko", "note_en", "source"]
#: The ``sig_cd`` of a register row that concerns every district.
ALL_DISTRICTS = "*"
#: Other names of the same field used downstream (scoring inputs, inventories)
#: mapped to the district-layer column the register uses.
FIELD_ALIASES: dict[str, str] = {
    "ageing_ratio_pct": "cctv_ageing_ratio_pct",
    "cctv_aged": "cctv_ageing_ratio_pct",
}


@cache
def _register() -> pd.DataFrame:
    raw = (files("layers") / "data" / "quirks.csv").read_text(encoding="utf-8")
    table = pd.read_csv(StringIO(raw), dtype=str, keep_default_na=False)
    missing = [c for c in QUIRK_COLUMNS if c not in table.columns]
    if missing:  # a packaging defect, not a user error
        raise RuntimeError(f"layers/data/quirks.csv lacks columns {missing}")
    return table[QUIRK_COLUMNS]


def _district_names() -> pd.DataFrame:
    from layers.districts import _stats

    return _stats()[["sig_cd", "name_ko"]].astype(str)


def load_quirks(*, expand: bool = True) -> pd.DataFrame:
    """The data-quirk register shipped with the bundled district data.

    Parameters
    ----------
    expand : bool, default True
        Expand rows that concern every district (``sig_cd == "*"``) to one row
        per district, so that a join on ``sig_cd`` finds them. With ``False``
        the register is returned as stored.

    Returns
    -------
    pandas.DataFrame
        Columns ``sig_cd, name_ko, field, note_ko, note_en, source`` plus
        ``scope`` (``"district"`` for a quirk of one district, ``"all districts"``
        for a quirk of the whole field), sorted by field then ``sig_cd``.
    """
    table = _register().copy()
    table["scope"] = ["all districts" if s == ALL_DISTRICTS else "district" for s in table.sig_cd]
    if expand:
        whole = table[table.sig_cd == ALL_DISTRICTS]
        single = table[table.sig_cd != ALL_DISTRICTS]
        names = _district_names()
        parts = [single]
        for _, row in whole.iterrows():
            rep = names.copy()
            for column in ("field", "note_ko", "note_en", "source", "scope"):
                rep[column] = row[column]
            parts.append(rep[[*QUIRK_COLUMNS, "scope"]])
        table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["field", "sig_cd"], kind="stable").reset_index(drop=True)


def _canonical(field: str) -> str:
    return FIELD_ALIASES.get(field, field)


def quirks_for(fields: Iterable[str], sig_cds: Iterable[str] | None = None) -> pd.DataFrame:
    """Register rows for some fields (and districts).

    Parameters
    ----------
    fields : iterable of str
        District-layer columns or their aliases (``ageing_ratio_pct`` is
        ``cctv_ageing_ratio_pct``).
    sig_cds : iterable of str, optional
        Keep only these districts.

    Returns
    -------
    pandas.DataFrame
        As :func:`load_quirks` (expanded), with the field named as the caller
        named it in column ``field``.
    """
    wanted: dict[str, str] = {}
    for f in fields:
        wanted.setdefault(_canonical(f), f)
    table = load_quirks()
    table = table[table.field.isin(list(wanted))].copy()
    table["field"] = table.field.map(wanted)
    if sig_cds is not None:
        table = table[table.sig_cd.isin([str(s) for s in sig_cds])]
    return table.reset_index(drop=True)


def quirk_notes(
    fields: Iterable[str],
    sig_cds: Iterable[str],
    *,
    language: str = "ko",
) -> dict[str, str]:
    """One note per district joining every quirk of the given fields.

    Parameters
    ----------
    fields : iterable of str
        The fields a table shows.
    sig_cds : iterable of str
        The districts of the table.
    language : {"ko", "en"}, default "ko"
        Which note to use.

    Returns
    -------
    dict of str to str
        ``{sig_cd: "field: note; field: note"}`` for the districts with a quirk.
    """
    column = "note_ko" if language == "ko" else "note_en"
    table = quirks_for(fields, sig_cds)
    notes: dict[str, list[str]] = {}
    for row in table.itertuples():
        notes.setdefault(str(row.sig_cd), []).append(f"{row.field}: {getattr(row, column)}")
    return {k: "; ".join(v) for k, v in notes.items()}
