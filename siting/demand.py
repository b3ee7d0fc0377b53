"""Demand: what the devices should cover, as weighted points or polygons in EPSG:5186.

Three sources:

- risk-grid cells (:func:`grid_demand`): by default only cells graded D or E,
  each weighted by its grid score, placed at the cell centroid;
- any weighted point or polygon layer (:func:`layer_demand`), e.g. a Wi-Fi
  living-area / foot-traffic / public-place layer; the weight is a column
  (default ``weight``), or, when the layer has a ``category`` column with the
  Wi-Fi place categories of the 2024 AP inventory
  (:data:`siting.profiles.WIFI_PLACE_CATEGORIES`), 1 per place [choice];
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

__all__ = [
    "Demand",
    "DemandSamples",
    "grid_demand",
    "layer_demand",
    "read_demand",
    "restrict_demand",
]

log = logging.getLogger(__name__)


@dataclass
class DemandSamples:
    """Demand below the feature: sample points, each carrying a share of one feature's weight.

    Plain numpy arrays (about 36 bytes a sample), so 1.5 million samples take
    about 55 MB; nothing per sample is a GeoDataFrame row.

    Attributes
    ----------
    xy : ndarray, shape (n, 2)
        Sample coordinates (m, EPSG:5186).
    weight : ndarray, shape (n,)
        Each sample's share of its feature's weight (the shares of one feature
        sum to the feature's weight: a cell's score is conserved).
    measure : ndarray, shape (n,)
        What the sample stands for, in ``unit``: m² of area (sub-grid or
        polygon samples, ``spacing²`` each), m of line (its length share) or
        1 place (snapped points).
    feature : ndarray, shape (n,)
        Row of :attr:`Demand.frame` (the cell) each sample belongs to.
    spacing_m : float
        Actual spacing of the samples (m), at most the spacing asked for.
    unit : {"m²", "m", "places"}
        Unit of ``measure``.
    how : str
        How the samples were made (for ``summary.json``).
    """

    xy: np.ndarray
    weight: np.ndarray
    measure: np.ndarray
    feature: np.ndarray
    spacing_m: float
    unit: str
    how: str

    def __len__(self) -> int:
        return int(self.weight.shape[0])


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
    samples : DemandSamples, optional
        Sample points below the features (:mod:`siting.sampling`); coverage is
        then computed on them, not on the features.
    dropped : dict, optional
        Demand left out on purpose (cells a ``--where`` layer does not reach,
        samples inside building footprints), with counts and weights.
    cell_size_m : float, optional
        Grid demand: the cell edge (m), so that cells can be sampled.
    """

    frame: gpd.GeoDataFrame
    name: str
    weight_source: str
    samples: DemandSamples | None = None
    dropped: dict[str, Any] | None = None
    cell_size_m: float | None = None

    @property
    def weights(self) -> np.ndarray:
        """Weights as a float array (one per feature)."""
        return self.frame["weight"].to_numpy(dtype=float)

    # -- units: what coverage is computed on (samples when present, else features)
    @property
    def n_units(self) -> int:
        """Number of demand units coverage is computed on."""
        return len(self.samples) if self.samples is not None else len(self.frame)

    def unit_weights(self) -> np.ndarray:
        """Weight of each unit (sample, or feature when not sampled)."""
        return self.samples.weight if self.samples is not None else self.weights

    def unit_feature(self) -> np.ndarray:
        """Feature row of each unit."""
        if self.samples is not None:
            return self.samples.feature
        return np.arange(len(self.frame), dtype=np.int64)

    def unit_measure(self) -> np.ndarray | None:
        """m² / m / places each unit stands for (``None`` when not sampled)."""
        return None if self.samples is None else self.samples.measure

    @property
    def measure_unit(self) -> str | None:
        """Unit of :meth:`unit_measure` (``"m²"``, ``"m"``, ``"places"``) or ``None``."""
        return None if self.samples is None else self.samples.unit

    @property
    def is_points(self) -> bool:
        """True when every feature is a point (fast KD-tree / xy coverage)."""
        return bool((self.frame.geom_type == "Point").all())

    def unit_xy(self) -> np.ndarray:
        """Coordinates of each unit as an ``(n, 2)`` array (m)."""
        return self.samples.xy if self.samples is not None else self.xy()

    def xy(self) -> np.ndarray:
        """Feature coordinates as an ``(n, 2)`` array (m); polygons by representative point."""
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
        if self.samples is not None:
            s = self.samples
            out["samples"] = {
                "n_samples": len(s),
                "spacing_m": s.spacing_m,
                "how": s.how,
                "unit": s.unit,
                "total_measure": float(s.measure.sum()),
            }
        if self.dropped:
            out["dropped"] = dict(self.dropped)
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


def _cell_size_from_ids(cells: gpd.GeoDataFrame) -> float | None:
    """Cell edge (m) from ``RiskGrid.cells`` ids (lower-left corner ``"x_y"``) and centroids."""
    if len(cells) == 0 or "cell_id" not in cells:
        return None
    first = str(cells["cell_id"].iloc[0]).split("_")
    geom = cells.geometry.iloc[0]
    if len(first) != 2 or geom is None or geom.geom_type != "Point":
        return None
    try:
        corner = float(first[0])
    except ValueError:
        return None
    size = 2.0 * (float(geom.x) - corner)
    return size if size > 0 else None


def grid_demand(
    cells: gpd.GeoDataFrame,
    *,
    grades: Sequence[str] = ("D", "E"),
    cell_size: float | None = None,
) -> Demand:
    """Demand from risk-grid cells: cells of the chosen grades, weighted by score.

    Parameters
    ----------
    cells : GeoDataFrame
        ``RiskGrid.cells(geometry="centroid")``: ``cell_id``, ``score``,
        ``grade`` ('A'–'E'), ``sig_cd``, ``name_ko``, geometry in EPSG:5186.
    grades : sequence of str, default ("D", "E")
        Grades that count as demand (the 붙임8 vulnerable cells).
    cell_size : float, optional
        Cell edge (m); read from ``RiskGrid.cells`` ids when omitted. Lets
        :func:`siting.propose.propose` sample the cells below their centroid.

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
    out = _finish(chosen, weights, f"risk grid {label} cells", "grid score", "risk grid")
    out.cell_size_m = cell_size if cell_size is not None else _cell_size_from_ids(cells)
    return out


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
    mask = keep.to_numpy()
    frame = gpd.GeoDataFrame(demand.frame[mask].reset_index(drop=True), crs=WORKING_CRS)
    samples = None
    if demand.samples is not None:
        from siting.sampling import subset_samples

        samples = subset_samples(demand.samples, mask)
    return Demand(
        frame, demand.name, demand.weight_source, samples, demand.dropped, demand.cell_size_m
    )
