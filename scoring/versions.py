"""Versions of a round: what changed since a previous run of the same programme.

A round re-run with corrected inputs (a district table fixed, a grid
re-imported) is a new version of the same round. :func:`read_previous_round`
reads the earlier output folder (``<program>_round.csv`` and ``run.json``);
:func:`round_differences` lists, per district, every field whose value
changed — inputs, ranks, points, priority, eligibility, grant, status — with
the previous and the new value, so that a planner can tell the council what
moved and why.

Examples
--------
>>> import pandas as pd
>>> old = pd.DataFrame({"sig_cd": ["1"], "name_ko": ["가구"], "total_points": [1.0]})
>>> new = old.assign(total_points=[1.5])
>>> round_differences(old, new, ["total_points"])[["field", "previous", "current"]].values.tolist()
[['total_points', '1', '1.5']]
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from layers.errors import InputError

__all__ = ["DIFFERENCE_COLUMNS", "PreviousRound", "read_previous_round", "round_differences"]

#: Columns of the differences table.
DIFFERENCE_COLUMNS = ["sig_cd", "name_ko", "field", "previous", "current", "change"]


@dataclass
class PreviousRound:
    """An earlier version of a round, read back from its output folder.

    Attributes
    ----------
    table : DataFrame
        Its ``<program>_round.csv``.
    version : int
        Its version number (1 when its ``run.json`` records none).
    folder : Path
        Where it was read from.
    """

    table: pd.DataFrame
    version: int
    folder: Path


def read_previous_round(folder: str | os.PathLike[str], program: str) -> PreviousRound:
    """Read the output folder of an earlier run of the same programme.

    Parameters
    ----------
    folder : path
        A folder written by ``siting score`` (holds ``<program>_round.csv``).
    program : str
        The programme being scored now; the folder must hold the same one.

    Returns
    -------
    PreviousRound

    Raises
    ------
    InputError
        No such folder, or it holds no round of ``program``.
    """
    path = Path(folder)
    csv = path / f"{program}_round.csv"
    if not csv.is_file():
        found = sorted(p.name for p in path.glob("*_round.csv")) if path.is_dir() else []
        raise InputError(
            f"no {csv.name} in {path}" + (f" (it holds {', '.join(found)})" if found else ""),
            layer="--previous",
            fix="pass the output folder of an earlier `siting score` run of the same programme",
        )
    table = pd.read_csv(csv, encoding="utf-8-sig", dtype={"sig_cd": str}, keep_default_na=True)
    version = 1
    manifest = path / "run.json"
    if manifest.is_file():
        try:
            settings = json.loads(manifest.read_text(encoding="utf-8")).get("settings", {})
            version = int(settings.get("version", 1))
        except (ValueError, TypeError, AttributeError):
            version = 1
    return PreviousRound(table=table, version=version, folder=path)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _same(a: Any, b: Any) -> bool:
    ta, tb = _text(a), _text(b)
    if ta == tb:
        return True
    try:
        return math.isclose(float(ta), float(tb), rel_tol=1e-9, abs_tol=1e-9)
    except ValueError:
        return False


def round_differences(
    previous: pd.DataFrame, current: pd.DataFrame, fields: list[str]
) -> pd.DataFrame:
    """Every changed field per district between two versions of a round.

    Parameters
    ----------
    previous, current : DataFrame
        Round tables with ``sig_cd`` (and ``name_ko``).
    fields : list of str
        Fields compared, in the order listed (those absent from both are skipped).

    Returns
    -------
    DataFrame
        :data:`DIFFERENCE_COLUMNS`, one row per changed (district, field),
        sorted by ``sig_cd`` then the order of ``fields``; ``change`` is the
        numeric difference (current − previous) where both are numbers, else
        ``"added"``/``"removed"``/``"changed"``. Values are text as a
        spreadsheet shows them.
    """
    old = previous.astype(object).set_index(previous["sig_cd"].astype(str))
    new = current.astype(object).set_index(current["sig_cd"].astype(str))
    names = {**old.get("name_ko", pd.Series(dtype=object)).to_dict()}
    names.update(new.get("name_ko", pd.Series(dtype=object)).to_dict())
    rows: list[list[Any]] = []
    for sig in sorted(set(old.index) | set(new.index)):
        for field in fields:
            if field not in old.columns and field not in new.columns:
                continue
            a = old.at[sig, field] if sig in old.index and field in old.columns else None
            b = new.at[sig, field] if sig in new.index and field in new.columns else None
            if _same(a, b):
                continue
            ta, tb = _text(a), _text(b)
            try:
                change = f"{float(tb) - float(ta):+.10g}"
            except ValueError:
                change = "added" if not ta else "removed" if not tb else "changed"
            rows.append([sig, names.get(sig, ""), field, ta, tb, change])
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)
