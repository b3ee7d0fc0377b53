"""Validation that reports every problem of a layer at once.

:func:`validate_layer` inspects a whole layer and raises one
:class:`~layers.errors.ValidationError` listing each problem with its rows:
invalid polygons with their reason (``shapely.is_valid_reason``), empty or
missing geometries, duplicate identifiers with their values. Invalid polygons
are repaired only when asked (``repair=True``, ``shapely.make_valid``, never
``buffer(0)``), and the repaired rows are returned so the report counts them.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import ValidationError, format_rows

__all__ = ["duplicate_problems", "invalid_geometry_problems", "validate_layer"]


def invalid_geometry_problems(geoms: gpd.GeoSeries, rows: Sequence[int]) -> list[str]:
    """One line per distinct invalidity reason, with its rows (``Self-intersection``: rows 3, 9)."""
    values = np.asarray(geoms.values, dtype=object)
    present = ~pd.isna(values)
    valid = np.ones(len(values), dtype=bool)
    valid[present] = shapely.is_valid(values[present])
    if valid.all():
        return []
    reasons = shapely.is_valid_reason(values[~valid])
    grouped: dict[str, list[int]] = {}
    for reason, row in zip(reasons, np.asarray(rows)[~valid], strict=True):
        grouped.setdefault(str(reason), []).append(int(row))
    return [
        f"invalid geometry ({reason}): {len(r)} row(s), rows {format_rows(r)}"
        for reason, r in grouped.items()
    ]


def duplicate_problems(values: pd.Series, column: str, rows: Sequence[int]) -> list[str]:
    """One line per duplicated identifier value, with the rows holding it."""
    series = pd.Series(np.asarray(values, dtype=object), index=np.asarray(rows))
    series = series[series.notna() & (series.astype(str).str.len() > 0)]
    dup = series[series.duplicated(keep=False)]
    problems = []
    for value, group in dup.groupby(dup.astype(str), sort=True):
        problems.append(
            f"duplicate {column} {value!r} in rows {format_rows([int(i) for i in group.index])}"
        )
    return problems


def validate_layer(
    frame: gpd.GeoDataFrame,
    *,
    layer: str,
    rows: Sequence[int] | None = None,
    id_column: str | None = None,
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, list[int]]:
    """Check a layer's geometries and identifiers; report every problem at once.

    Parameters
    ----------
    frame : GeoDataFrame
        The layer as read.
    layer : str
        Its name for the message.
    rows : sequence of int, optional
        1-based row numbers of ``frame`` (default ``1..len``).
    id_column : str, optional
        Column that must hold unique values.
    repair : bool, default False
        Repair invalid geometries with ``shapely.make_valid`` instead of
        reporting them.

    Returns
    -------
    (GeoDataFrame, list of int)
        The layer (repaired if asked) and the rows repaired.

    Raises
    ------
    ValidationError
        Listing every invalid geometry (with ``is_valid_reason``) and every
        duplicated identifier.
    """
    numbers = list(range(1, len(frame) + 1)) if rows is None else list(rows)
    problems: list[str] = []
    repaired: list[int] = []
    geoms = frame.geometry
    invalid = invalid_geometry_problems(geoms, numbers)
    if invalid and repair:
        values = np.asarray(geoms.values, dtype=object)
        present = ~pd.isna(values)
        bad = np.zeros(len(values), dtype=bool)
        bad[present] = ~shapely.is_valid(values[present])
        fixed = values.copy()
        fixed[bad] = shapely.make_valid(values[bad])
        frame = frame.set_geometry(gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs))
        repaired = [numbers[i] for i in np.flatnonzero(bad)]
    else:
        problems.extend(invalid)
    duplicates: list[str] = []
    if id_column is not None and id_column in frame.columns:
        duplicates = duplicate_problems(frame[id_column], id_column, numbers)
        problems.extend(duplicates)
    if problems:
        fix = []
        if invalid and not repair:
            fix.append(
                "repair the polygons in QGIS (Vector > Geometry Tools > Fix Geometries) or "
                "pass --repair to apply shapely.make_valid (repairs are counted)"
            )
        if duplicates:
            fix.append(f"make '{id_column}' unique")
        raise ValidationError(layer, problems, fix="; ".join(fix) or None)
    return frame, repaired
