"""Demand: what the devices should cover, as weighted points or polygons in EPSG:5186.

Three sources:

- risk-grid cells (:func:`grid_demand`): by default only cells graded D or E,
  each weighted by its grid score, placed at the cell centroid;
- any weighted point or polygon layer (:func:`layer_demand`), e.g. a Wi-Fi
  living-area / foot-traffic / public-place layer; the weight is a column
  (default ``weight``), or, when the layer has a ``category`` column with the
  Wi-Fi place categories of ``domain.md`` §3, 1 per place [choice];
- a file (:func:`read_demand`): anything :func:`layers.read_layer` takes,
  including a CSV with ``x,y,weight`` columns in ``--crs``.

Negative or missing weights are refused, naming the rows.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import WORKING_CRS, require_working_crs
from layers.errors import EmptyLayerError, InputError
from siting.candidates import attach_districts

__all__ = ["Demand", "grid_demand", "layer_demand", "read_demand", "restrict_demand"]

log = logging.getLogger(__name__)


@dataclass
class Demand:
    """Weighted demand features.

    Attributes
    ----------
    frame : GeoDataFrame
        ``demand_id`` (str), ``weight`` (float ≥ 0), ``grade`` (``'A'``–``'E'`` or
        missing), ``sig_cd``, ``name_ko``, geometry (points or polygons) in EPSG:5186.
    name : str
        What the demand is (``"risk grid D/E cells"``, a file name).
    weight_source : str
        Where the weights come from (``"grid score"``, ``"column 'weight'"``).
    """

    frame: gpd.GeoDataFrame
    name: str
    weight_source: str

    @property
    def weights(self) -> np.ndarray:
        """Weights as a float array (one per feature)."""
        return self.frame["weight"].to_numpy(dtype=float)

    @property
    def is_points(self) -> bool:
        """True when every feature is a point (fast KD-tree / xy coverage)."""
        return bool((self.frame.geom_type == "Point").all())

    def xy(self) -> np.ndarray:
        """Point coordinates as an ``(n, 2)`` array (m); polygons by representative point."""
        geom = self.frame.geometry
        if not self.is_points:
            geom = geom.representative_point()
        return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])

    def report(self) -> dict[str, Any]:
        """Counts for ``summary.json``."""
        out: dict[str, Any] = {
            "name": self.name,
            "weight_source": self.weight_source,
            "n_features": len(self.frame),
            "total_weight": float(self.weights.sum()),
            "geometry": "points" if self.is_points else "polygons",
        }
        if self.frame["grade"].notna().any():
            out["features_by_grade"] = {
                str(k): int(v) for k, v in self.frame["grade"].value_counts().sort_index().items()
            }
        return out


def _check_weights(
    values: pd.Series, layer: str, column: str, source_rows: pd.Series | None = None
) -> np.ndarray:
    """Weights as floats; missing or negative ones raise, naming the file's data rows."""
    weights = pd.to_numeric(values, errors="coerce").astype(float)
    numbers = (
        pd.to_numeric(source_rows, errors="coerce").to_numpy()
        if source_rows is not None
        else np.arange(1, len(values) + 1)
    )
    bad = ~np.isfinite(weights.to_numpy(dtype=float))
    negative = weights.to_numpy(dtype=float) < 0
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} weight(s) in column {column!r} are missing or not numbers",
            layer=layer,
            rows=[int(r) for r in numbers[bad]],
            fix="give every feature a weight ≥ 0",
        )
    if negative.any():
        raise InputError(
            f"{int(negative.sum())} negative weight(s) in column {column!r}",
            layer=layer,
            rows=[int(r) for r in numbers[negative]],
            fix="weights are amounts of demand (risk, people, visits) and must be ≥ 0",
        )
    return weights.to_numpy(dtype=float)


def _finish(
    frame: gpd.GeoDataFrame, weights: np.ndarray, name: str, source: str, layer: str
) -> Demand:
    out = frame.copy()
    out["weight"] = weights
    if "grade" not in out:
        out["grade"] = pd.NA
    if "demand_id" not in out:
        out["demand_id"] = [f"D{i:07d}" for i in range(1, len(out) + 1)]
    out["demand_id"] = out["demand_id"].astype(str)
    if "sig_cd" not in out or "name_ko" not in out:
        from siting.candidates import study_area

        out = attach_districts(out, study_area(None))
    columns = ["demand_id", "weight", "grade", "sig_cd", "name_ko"]
    extra = [c for c in out.columns if c not in columns and c != out.geometry.name]
    out = out[columns + extra + [out.geometry.name]].reset_index(drop=True)
    if len(out) == 0:
        raise EmptyLayerError(
            "has no demand features",
            layer=layer,
            fix="give a layer with at least one weighted point or polygon in the study area",
        )
    return Demand(
        gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=WORKING_CRS), name, source
    )


def grid_demand(cells: gpd.GeoDataFrame, *, grades: Sequence[str] = ("D", "E")) -> Demand:
    """Demand from risk-grid cells: cells of the chosen grades, weighted by score.

    Parameters
    ----------
    cells : GeoDataFrame
        ``RiskGrid.cells(geometry="centroid")``: ``cell_id``, ``score``,
        ``grade`` ('A'–'E'), ``sig_cd``, ``name_ko``, geometry in EPSG:5186.
    grades : sequence of str, default ("D", "E")
        Grades that count as demand (the 붙임8 vulnerable cells).

    Returns
    -------
    Demand
        ``demand_id`` = the cell id.

    Raises
    ------
    InputError
        A cell of a chosen grade has a negative or missing score.
    """
    require_working_crs(cells, "risk grid")
    chosen = cells[cells["grade"].astype(str).isin([str(g).upper() for g in grades])]
    chosen = chosen.rename(columns={"cell_id": "demand_id"})
    weights = _check_weights(chosen["score"], "risk grid", "score")
    label = "/".join(sorted(str(g).upper() for g in grades))
    return _finish(chosen, weights, f"risk grid {label} cells", "grid score", "risk grid")


def layer_demand(
    frame: gpd.GeoDataFrame,
    *,
    weight_column: str | None = "weight",
    layer: str = "demand",
    name: str | None = None,
) -> Demand:
    """Demand from any point or polygon layer with a weight column.

    Parameters
    ----------
    frame : GeoDataFrame
        Features in EPSG:5186.
    weight_column : str or None, default "weight"
        Column holding each feature's weight (people, visits, risk…). When it is
        ``None`` or absent, each feature weighs 1 [choice], and the summary says so.
    layer : str
        Layer name for messages.
    name : str, optional
        Description (default: the layer name).

    Returns
    -------
    Demand

    Raises
    ------
    InputError
        Negative or missing weights, naming the rows (1-based).
    """
    require_working_crs(frame, layer)
    if len(frame) == 0:
        raise EmptyLayerError("has no demand features", layer=layer, fix="give a non-empty layer")
    if weight_column is not None and weight_column in frame:
        weights = _check_weights(
            frame[weight_column], layer, weight_column, frame.get("source_row")
        )
        source = f"column {weight_column!r}"
    else:
        weights = np.ones(len(frame))
        source = "1 per feature (no weight column)"
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        raise InputError(
            f"{int(empty.sum())} feature(s) have no geometry",
            layer=layer,
            rows=(np.flatnonzero(empty.to_numpy()) + 1).tolist(),
            fix="remove them or give their coordinates",
        )
    out = frame.drop(columns=["weight"]) if "weight" in frame else frame
    return _finish(out, weights, name or layer, source, layer)


def read_demand(
    path: str | os.PathLike[str], *, crs: str | None = None, weight_column: str | None = "weight"
) -> Demand:
    """Read a demand layer (any format the readers take, or CSV ``x,y,weight`` in ``crs``).

    Parameters
    ----------
    path : path
        The file.
    crs : str, optional
        CRS of CSV coordinates (``"EPSG:5186"``).
    weight_column : str or None, default "weight"
        Weight column; features weigh 1 when it is absent.
    """
    from layers.readers import read_layer

    read = read_layer(path, crs=crs, layer_name="demand")
    return layer_demand(read.frame, weight_column=weight_column, layer="demand", name=str(path))


def restrict_demand(demand: Demand, sig_cds: Sequence[str]) -> Demand:
    """Keep only demand in the given districts.

    Raises
    ------
    EmptyLayerError
        When no demand lies in those districts.
    """
    keep = demand.frame["sig_cd"].isin(list(sig_cds))
    if not keep.any():
        raise EmptyLayerError(
            f"none of the {len(demand.frame)} demand features lies in the chosen districts",
            layer="demand",
            fix="check --district and the demand layer's coordinates (--crs)",
        )
    frame = gpd.GeoDataFrame(demand.frame[keep.to_numpy()].reset_index(drop=True), crs=WORKING_CRS)
    return Demand(frame, demand.name, demand.weight_source)
