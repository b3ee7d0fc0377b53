"""Candidate sites: a user layer (streetlights, security lights, poles) or a generated lattice.

Candidates are points in EPSG:5186 inside the study area (the chosen
districts, or all of Seoul). Candidates outside it, or inside an excluded area
(a polygon layer the planner supplies: private land, protected areas …), are
removed and *counted*, never dropped silently; the counts travel with the
result (:class:`CandidateSet`) into ``summary.json``.

Examples
--------
>>> area = study_area(["성북구"])  # doctest: +SKIP
>>> cands = lattice_candidates(area, spacing_m=50)  # doctest: +SKIP
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
import shapely

from layers.crs import WORKING_CRS, require_working_crs
from layers.districts import district_code, load_districts
from layers.errors import EmptyLayerError, InputError

__all__ = [
    "ID_COLUMNS",
    "CandidateSet",
    "attach_districts",
    "lattice_candidates",
    "prepare_candidates",
    "read_candidates",
    "resolve_districts",
    "study_area",
]

log = logging.getLogger(__name__)

#: Columns recognised as a candidate's own identifier, in order of preference.
ID_COLUMNS = ("candidate_id", "device_id", "관리번호", "id", "ID")


def resolve_districts(names: Sequence[str] | None) -> list[str]:
    """SIG_CD codes of district names or codes; every unknown name in one error.

    Parameters
    ----------
    names : sequence of str or None
        ``["성북구", "Gangnam-gu", "11110"]``; ``None`` or empty = all 25 districts.

    Returns
    -------
    list of str
        SIG_CD codes in the order given, without repeats (all 25 when none given).

    Raises
    ------
    InputError
        Naming every unknown district.
    """
    if not names:
        return load_districts()["sig_cd"].tolist()
    codes: list[str] = []
    unknown = []
    for name in names:
        code = district_code(str(name))
        if code is None:
            unknown.append(str(name))
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise InputError(
            f"unknown district name(s): {', '.join(repr(u) for u in unknown)}",
            layer="districts",
            fix="use a Seoul 자치구 name such as 성북구, 성북 or Seongbuk-gu, or its SIG_CD "
            "(siting districts lists them)",
        )
    return codes


def study_area(districts: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """The chosen districts' polygons (``sig_cd``, ``name_ko``, geometry) in EPSG:5186.

    Parameters
    ----------
    districts : sequence of str, optional
        District names or codes; default all of Seoul.
    """
    codes = resolve_districts(districts)
    layer = load_districts()
    area = layer[layer["sig_cd"].isin(codes)][["sig_cd", "name_ko", "geometry"]]
    return gpd.GeoDataFrame(area.reset_index(drop=True), geometry="geometry", crs=WORKING_CRS)


def attach_districts(frame: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Set ``sig_cd`` and ``name_ko`` of each feature from the district it lies in.

    A point on a shared border takes the first district (by SIG_CD); a
    polygon is placed by its representative point. Features outside every
    district get missing values.

    Parameters
    ----------
    frame : GeoDataFrame
        Features in EPSG:5186.
    area : GeoDataFrame
        District polygons with ``sig_cd`` and ``name_ko``.

    Returns
    -------
    GeoDataFrame
        A copy of ``frame`` with ``sig_cd`` and ``name_ko`` (replacing any present).
    """
    out = frame.drop(columns=[c for c in ("sig_cd", "name_ko") if c in frame]).copy()
    probe = gpd.GeoDataFrame(
        {"_row": np.arange(len(out))},
        geometry=out.geometry.representative_point().to_numpy(),
        crs=out.crs,
    )
    hits = gpd.sjoin(
        probe, area[["sig_cd", "name_ko", "geometry"]].sort_values("sig_cd"), predicate="intersects"
    )
    hits = hits.sort_values(["_row", "sig_cd"]).drop_duplicates("_row")
    sig = pd.Series(pd.NA, index=range(len(out)), dtype=object)
    name = pd.Series(pd.NA, index=range(len(out)), dtype=object)
    sig.loc[hits["_row"].to_numpy()] = hits["sig_cd"].to_numpy()
    name.loc[hits["_row"].to_numpy()] = hits["name_ko"].to_numpy()
    out["sig_cd"] = sig.to_numpy()
    out["name_ko"] = name.to_numpy()
    return out


@dataclass
class CandidateSet:
    """Candidate sites and how many were removed on the way.

    Attributes
    ----------
    frame : GeoDataFrame
        Kept candidates: ``candidate_id`` (str), ``sig_cd``, ``name_ko``, any
        original attributes, point geometry in EPSG:5186.
    source : str
        Where they came from (a file path, or ``"lattice 50 m"``).
    n_input : int
        Candidates read or generated.
    n_outside : int
        Removed because they lie outside the study area.
    n_excluded : int
        Removed because they lie inside an excluded area.
    n_outside_zones : int
        Removed because they are farther than the buffer from every
        child-protection zone (smart poles only).
    n_not_points : int
        Lines or polygons turned into their representative point.
    """

    frame: gpd.GeoDataFrame
    source: str
    n_input: int
    n_outside: int = 0
    n_excluded: int = 0
    n_outside_zones: int = 0
    n_not_points: int = 0

    def report(self) -> dict[str, Any]:
        """Counts for ``summary.json``."""
        return {
            "source": self.source,
            "n_input": self.n_input,
            "n_outside_study_area": self.n_outside,
            "n_in_excluded_areas": self.n_excluded,
            "n_outside_child_zone_buffer": self.n_outside_zones,
            "n_not_points_converted": self.n_not_points,
            "n_kept": len(self.frame),
        }


def lattice_candidates(area: gpd.GeoDataFrame, spacing_m: float) -> gpd.GeoDataFrame:
    """A square lattice of candidate points inside the study area.

    Points sit at ``(i + ½) × spacing`` in EPSG:5186, so lattices from
    different runs line up. Useful when no streetlight or pole layer is at hand.

    Parameters
    ----------
    area : GeoDataFrame
        District polygons (``sig_cd``, ``name_ko``) in EPSG:5186.
    spacing_m : float
        Distance between neighbouring points (m).

    Returns
    -------
    GeoDataFrame
        ``candidate_id`` (``"L<x>_<y>"`` in metres), ``sig_cd``, ``name_ko``, geometry.
    """
    require_working_crs(area, "study area")
    if not np.isfinite(spacing_m) or spacing_m <= 0:
        raise InputError(
            f"lattice spacing must be positive, got {spacing_m} m",
            layer="candidates",
            fix="give a spacing in metres, e.g. 50",
        )
    frames = []
    for row in area.sort_values("sig_cd").itertuples():
        xmin, ymin, xmax, ymax = row.geometry.bounds
        xs = (np.arange(np.floor(xmin / spacing_m), np.ceil(xmax / spacing_m)) + 0.5) * spacing_m
        ys = (np.arange(np.floor(ymin / spacing_m), np.ceil(ymax / spacing_m)) + 0.5) * spacing_m
        mesh_x, mesh_y = np.meshgrid(xs, ys)
        shapely.prepare(row.geometry)
        inside = shapely.contains_xy(row.geometry, mesh_x.ravel(), mesh_y.ravel())
        gx, gy = mesh_x.ravel()[inside], mesh_y.ravel()[inside]
        frames.append(
            pd.DataFrame(
                {
                    "candidate_id": [f"L{x:.0f}_{y:.0f}" for x, y in zip(gx, gy, strict=True)],
                    "sig_cd": row.sig_cd,
                    "name_ko": row.name_ko,
                    "x": gx,
                    "y": gy,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).drop_duplicates("candidate_id", ignore_index=True)
    geometry = gpd.points_from_xy(table.pop("x"), table.pop("y"))
    return gpd.GeoDataFrame(table, geometry=geometry, crs=WORKING_CRS)


def _ids(frame: gpd.GeoDataFrame) -> pd.Series:
    for column in ID_COLUMNS:
        if column in frame and frame[column].notna().all() and frame[column].is_unique:
            return frame[column].astype(str)
    return pd.Series([f"C{i:06d}" for i in range(1, len(frame) + 1)], index=frame.index)


def prepare_candidates(
    frame: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame,
    *,
    excluded: gpd.GeoDataFrame | None = None,
    child_zones: gpd.GeoDataFrame | None = None,
    zone_buffer_m: float = 300.0,
    source: str = "candidates",
) -> CandidateSet:
    """Keep candidates inside the study area and outside excluded areas, counting removals.

    Parameters
    ----------
    frame : GeoDataFrame
        Candidate sites in EPSG:5186 (points; lines and polygons become their
        representative point, counted).
    area : GeoDataFrame
        Study-area district polygons (``sig_cd``, ``name_ko``).
    excluded : GeoDataFrame, optional
        Polygons where no site may go.
    child_zones : GeoDataFrame, optional
        Child-protection zones (points or polygons); when given, only
        candidates within ``zone_buffer_m`` of a zone are kept.
    zone_buffer_m : float, default 300
        Buffer around child-protection zones (m).
    source : str
        Description of where the candidates came from.

    Returns
    -------
    CandidateSet

    Raises
    ------
    EmptyLayerError
        When no candidate is left (the message gives each count).
    """
    require_working_crs(frame, "candidates")
    n_input = len(frame)
    if n_input == 0:
        raise EmptyLayerError(
            "has no candidate sites",
            layer="candidates",
            fix="give a layer with at least one point (--candidates) or omit it to use a lattice",
        )
    work = frame[frame.geometry.notna() & ~frame.geometry.is_empty].copy()
    not_points = ~work.geom_type.isin(["Point"])
    n_not_points = int(not_points.sum())
    if n_not_points:
        work.loc[not_points, work.geometry.name] = work.geometry[not_points].representative_point()
    work["candidate_id"] = _ids(work)
    n_missing_geom = n_input - len(work)
    work = attach_districts(work, area)
    outside = work["sig_cd"].isna().to_numpy()
    n_outside = int(outside.sum()) + n_missing_geom
    work = work[~outside]
    n_excluded = 0
    if excluded is not None and len(excluded):
        require_working_crs(excluded, "excluded areas")
        hit = work.geometry.intersects(excluded.geometry.union_all())
        n_excluded = int(hit.sum())
        work = work[~hit.to_numpy()]
    n_zones = 0
    if child_zones is not None:
        require_working_crs(child_zones, "child-protection zones")
        near = work.geometry.dwithin(child_zones.geometry.union_all(), zone_buffer_m)
        n_zones = int((~near).sum())
        work = work[near.to_numpy()]
    work = gpd.GeoDataFrame(
        work.reset_index(drop=True), geometry=work.geometry.name, crs=WORKING_CRS
    )
    columns = ["candidate_id", "sig_cd", "name_ko"]
    work = work[columns + [c for c in work.columns if c not in columns]]
    result = CandidateSet(work, source, n_input, n_outside, n_excluded, n_zones, n_not_points)
    log.info("candidates: %s", result.report())
    if len(work) == 0:
        raise EmptyLayerError(
            f"no candidate site is left: {n_input} given, {n_outside} outside the study area, "
            f"{n_excluded} in excluded areas, {n_zones} beyond {zone_buffer_m:g} m of a "
            "child-protection zone",
            layer="candidates",
            fix="check that the candidates lie in the chosen districts (--district) and in the "
            "right CRS (--crs)",
        )
    return result


def read_candidates(
    path: str | os.PathLike[str],
    area: gpd.GeoDataFrame,
    *,
    crs: str | None = None,
    excluded: gpd.GeoDataFrame | None = None,
    child_zones: gpd.GeoDataFrame | None = None,
    zone_buffer_m: float = 300.0,
) -> CandidateSet:
    """Read a candidate layer with the foundation's readers and prepare it.

    Parameters
    ----------
    path : path
        Any layer :func:`layers.read_layer` takes (가로등 / 보안등 CSV, GeoPackage,
        a CSV with ``x,y`` in ``crs`` or ``lon,lat`` …).
    area : GeoDataFrame
        Study-area district polygons.
    crs : str, optional
        CRS of CSV coordinates (``"EPSG:5186"``).
    excluded, child_zones, zone_buffer_m
        See :func:`prepare_candidates`.
    """
    from layers.readers import read_layer

    read = read_layer(path, crs=crs, layer_name="candidates")
    return prepare_candidates(
        read.frame,
        area,
        excluded=excluded,
        child_zones=child_zones,
        zone_buffer_m=zone_buffer_m,
        source=str(path),
    )
