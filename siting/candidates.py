"""Candidate sites: poles that exist on the street, or a generated lattice where none do.

The natural candidates are poles already standing: streetlights (서울시 가로등
위치 정보), security lights (전국 보안등 표준데이터) and existing CCTV poles (안심이
CCTV, 전국 CCTV 표준데이터), read with the foundation's readers. Each kept
candidate carries ``candidate_source`` (:data:`CANDIDATE_SOURCES`); an existing
CCTV pole also its cameras (``existing_cameras``), and with a
:class:`~siting.site_capacity.CameraSiteModel` how many cameras a proposal adds
there and what that costs. Several layers combine into one set
(:func:`combine_candidates`).

The lattice is the fallback: :func:`lattice_near_demand` generates points only
within reach of demand (a lattice point farther than the radius from every
demand point could cover nothing), and :func:`fill_with_lattice` adds such
points only where no street candidate reaches the demand.

Candidates are points in EPSG:5186 inside the study area (the chosen
districts, or all of Seoul). Candidates outside it, or inside an excluded area
(a polygon layer the planner supplies: private land, protected areas …), are
removed and *counted*, never dropped silently; the counts, and the candidates
kept by source, travel with the result (:class:`CandidateSet`) into
``summary.json``.

Examples
--------
>>> area = study_area(["성북구"])  # doctest: +SKIP
>>> cands, n_far = lattice_near_demand(area, 50, demand_xy, reach_m=50)  # doctest: +SKIP
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
from scipy.spatial import cKDTree

from layers.crs import WORKING_CRS, require_working_crs
from layers.districts import district_code, load_districts
from layers.errors import EmptyLayerError, InputError
from siting.site_capacity import CameraSiteModel, apply_site_model

__all__ = [
    "CANDIDATE_SOURCES",
    "ID_COLUMNS",
    "CandidateSet",
    "attach_districts",
    "combine_candidates",
    "fill_with_lattice",
    "lattice_candidates",
    "lattice_near_demand",
    "prepare_candidates",
    "read_candidates",
    "resolve_districts",
    "study_area",
]

log = logging.getLogger(__name__)

#: Columns recognised as a candidate's own identifier, in order of preference.
ID_COLUMNS = ("candidate_id", "device_id", "관리번호", "id", "ID")

#: ``candidate_source`` values and what they are.
CANDIDATE_SOURCES: dict[str, str] = {
    "streetlight": "가로등 (streetlight pole)",
    "security_light": "보안등 (security-light pole)",
    "cctv_pole": "기존 CCTV 지주 (existing CCTV pole, more cameras)",
    "lattice": "격자점 (generated lattice point, new pole)",
    "candidates": "candidate layer (kind not recognised)",
}

#: Reader dataset kinds (:data:`layers.readers.KIND_LABELS`) that are poles, by source.
_KIND_SOURCE = {
    "streetlight": "streetlight",
    "security_light": "security_light",
    "cctv_safety": "cctv_pole",
    "cctv_standard": "cctv_pole",
}


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
    n_full_sites : int
        Existing CCTV poles removed because they hold no more cameras.
    n_far_from_demand : int
        Lattice points not generated because no demand lies within reach.
    site_model : dict or None
        Settings of the camera-site model applied (cameras a site, capacity, cost).
    """

    frame: gpd.GeoDataFrame
    source: str
    n_input: int
    n_outside: int = 0
    n_excluded: int = 0
    n_outside_zones: int = 0
    n_not_points: int = 0
    n_full_sites: int = 0
    n_far_from_demand: int = 0
    site_model: dict[str, Any] | None = None

    def by_source(self) -> dict[str, int]:
        """Kept candidates per ``candidate_source`` (all under ``candidates`` when absent)."""
        if "candidate_source" not in self.frame:
            return {"candidates": len(self.frame)}
        counts = self.frame["candidate_source"].astype(str).value_counts().sort_index()
        return {str(k): int(v) for k, v in counts.items()}

    def report(self) -> dict[str, Any]:
        """Counts for ``summary.json``."""
        return {
            "source": self.source,
            "n_input": self.n_input,
            "n_outside_study_area": self.n_outside,
            "n_in_excluded_areas": self.n_excluded,
            "n_outside_child_zone_buffer": self.n_outside_zones,
            "n_not_points_converted": self.n_not_points,
            "n_full_sites_removed": self.n_full_sites,
            "n_lattice_far_from_demand": self.n_far_from_demand,
            "n_kept": len(self.frame),
            "kept_by_source": self.by_source(),
            "site_model": self.site_model,
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
        ``candidate_id`` (``"L<x>_<y>"`` in metres), ``sig_cd``, ``name_ko``,
        ``candidate_source`` (``"lattice"``), geometry.
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
    table["candidate_source"] = "lattice"
    return gpd.GeoDataFrame(table, geometry=geometry, crs=WORKING_CRS)


def _within_reach(xy: np.ndarray, targets: np.ndarray, reach_m: float) -> np.ndarray:
    """Whether each point of ``xy`` lies within ``reach_m`` of some target point."""
    if len(xy) == 0 or len(targets) == 0:
        return np.zeros(len(xy), dtype=bool)
    dist, _ = cKDTree(targets).query(xy, k=1, distance_upper_bound=reach_m * (1 + 1e-12))
    return np.asarray(np.isfinite(dist))


def _check_reach(reach_m: float) -> None:
    if not np.isfinite(reach_m) or reach_m <= 0:
        raise InputError(
            f"reach (coverage radius) must be positive, got {reach_m} m",
            layer="candidates",
            fix="give the device's coverage radius in metres, e.g. 50",
        )


def lattice_near_demand(
    area: gpd.GeoDataFrame, spacing_m: float, demand_xy: np.ndarray, *, reach_m: float
) -> tuple[gpd.GeoDataFrame, int]:
    """Lattice points that can cover demand: within ``reach_m`` of a demand point.

    A lattice point farther than the coverage radius from every demand point
    would cover nothing; generating it only slows the solver. Points are those
    of :func:`lattice_candidates` (same ids), filtered with a KD-tree.

    Parameters
    ----------
    area : GeoDataFrame
        District polygons (``sig_cd``, ``name_ko``) in EPSG:5186.
    spacing_m : float
        Lattice spacing (m).
    demand_xy : ndarray, shape (n, 2)
        Demand point coordinates (m, EPSG:5186); polygons by a representative point.
    reach_m : float
        Coverage radius (m).

    Returns
    -------
    (GeoDataFrame, int)
        The kept lattice points and how many were left out (far from demand).
    """
    _check_reach(reach_m)
    lattice = lattice_candidates(area, spacing_m)
    xy = np.column_stack([lattice.geometry.x.to_numpy(), lattice.geometry.y.to_numpy()])
    near = _within_reach(xy, np.asarray(demand_xy, dtype=float).reshape(-1, 2), reach_m)
    kept = gpd.GeoDataFrame(lattice[near].reset_index(drop=True), crs=WORKING_CRS)
    log.info(
        "lattice %g m: %d of %d points within %g m of demand",
        spacing_m,
        len(kept),
        len(xy),
        reach_m,
    )
    return kept, int((~near).sum())


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
    candidate_source: str | None = None,
    site_model: CameraSiteModel | None = None,
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
    candidate_source : str, optional
        A :data:`CANDIDATE_SOURCES` key for every row; default the frame's
        ``candidate_source`` column, else ``"candidates"``.
    site_model : CameraSiteModel, optional
        Camera sites (CCTV): adds ``existing_cameras`` (from that column when
        present), ``site_capacity``, ``cameras_added`` and ``cost_krw``, and
        removes poles with no room left (counted).

    Returns
    -------
    CandidateSet

    Raises
    ------
    EmptyLayerError
        When no candidate is left (the message gives each count).
    """
    require_working_crs(frame, "candidates")
    if candidate_source is not None and candidate_source not in CANDIDATE_SOURCES:
        raise InputError(
            f"unknown candidate source {candidate_source!r}",
            layer="candidates",
            fix="use one of: " + ", ".join(CANDIDATE_SOURCES),
        )
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
    if candidate_source is not None or "candidate_source" not in work:
        work["candidate_source"] = candidate_source or "candidates"
    n_full = 0
    if site_model is not None:
        work, n_full = apply_site_model(work, site_model)
    columns = ["candidate_id", "sig_cd", "name_ko", "candidate_source"]
    work = work[columns + [c for c in work.columns if c not in columns]]
    result = CandidateSet(
        work,
        source,
        n_input,
        n_outside,
        n_excluded,
        n_zones,
        n_not_points,
        n_full_sites=n_full,
        site_model=None if site_model is None else site_model.settings(),
    )
    log.info("candidates: %s", result.report())
    if len(work) == 0:
        raise EmptyLayerError(
            f"no candidate site is left: {n_input} given, {n_outside} outside the study area, "
            f"{n_excluded} in excluded areas, {n_zones} beyond {zone_buffer_m:g} m of a "
            f"child-protection zone, {n_full} poles already holding "
            f"{site_model.site_capacity if site_model else '-'} cameras",
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
    site_model: CameraSiteModel | None = None,
) -> CandidateSet:
    """Read a candidate layer with the foundation's readers and prepare it.

    The dataset kind the readers recognise names the source: 가로등 →
    ``streetlight``, 보안등 → ``security_light``, 안심이 CCTV / CCTV 표준데이터 →
    ``cctv_pole`` (its ``n_devices``, the cameras already on the pole, become
    ``existing_cameras``). Another layer keeps its own ``candidate_source``
    column, else is ``candidates``.

    Parameters
    ----------
    path : path
        Any layer :func:`layers.read_layer` takes (가로등 / 보안등 CSV, CCTV
        CSV, GeoPackage, a CSV with ``x,y`` in ``crs`` or ``lon,lat`` …).
    area : GeoDataFrame
        Study-area district polygons.
    crs : str, optional
        CRS of CSV coordinates (``"EPSG:5186"``).
    excluded, child_zones, zone_buffer_m, site_model
        See :func:`prepare_candidates`.
    """
    from layers.readers import KIND_LABELS, read_layer

    read = read_layer(path, crs=crs, layer_name="candidates")
    frame = read.frame
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"is a {KIND_LABELS.get(read.report.kind, read.report.kind)} table, not a layer "
            "of candidate sites",
            layer=str(path),
            fix="give a point layer: 가로등 / 보안등 / CCTV CSV, or a GeoPackage of points",
        )
    kind_source = _KIND_SOURCE.get(read.report.kind)
    if kind_source == "cctv_pole":
        frame = frame.assign(existing_cameras=frame["n_devices"].astype("int64"))
    label = KIND_LABELS.get(read.report.kind, read.report.kind)
    return prepare_candidates(
        frame,
        area,
        excluded=excluded,
        child_zones=child_zones,
        zone_buffer_m=zone_buffer_m,
        source=f"{path} ({label})",
        candidate_source=kind_source,
        site_model=site_model,
    )


def combine_candidates(sets: Sequence[CandidateSet]) -> CandidateSet:
    """One candidate set from several layers (streetlights + security lights + CCTV poles …).

    Identifiers that repeat across layers are prefixed with their source
    (``streetlight:123``) so every candidate stays addressable; the counts add up.

    Parameters
    ----------
    sets : sequence of CandidateSet
        Prepared sets (same study area).

    Returns
    -------
    CandidateSet
    """
    if not sets:
        raise EmptyLayerError("no candidate layer was given", layer="candidates")
    if len(sets) == 1:
        return sets[0]
    frames = []
    for cset in sets:
        frame = cset.frame.copy()
        if "candidate_source" not in frame:
            frame["candidate_source"] = "candidates"
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    ids = table["candidate_id"].astype(str)
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        table.loc[repeated, "candidate_id"] = table.loc[repeated, "candidate_source"] + ":" + ids
    if table["candidate_id"].duplicated().any():
        dup = table.loc[table["candidate_id"].duplicated(), "candidate_id"].head(5).tolist()
        raise InputError(
            f"candidate ids repeat within one layer: {', '.join(map(str, dup))}",
            layer="candidates",
            fix="give each candidate a unique candidate_id",
        )
    frame = gpd.GeoDataFrame(table, geometry=sets[0].frame.geometry.name, crs=WORKING_CRS)
    models = [c.site_model for c in sets if c.site_model is not None]
    return CandidateSet(
        frame,
        " + ".join(c.source for c in sets),
        sum(c.n_input for c in sets),
        sum(c.n_outside for c in sets),
        sum(c.n_excluded for c in sets),
        sum(c.n_outside_zones for c in sets),
        sum(c.n_not_points for c in sets),
        n_full_sites=sum(c.n_full_sites for c in sets),
        n_far_from_demand=sum(c.n_far_from_demand for c in sets),
        site_model=models[0] if models else None,
    )


def fill_with_lattice(
    cset: CandidateSet | None,
    area: gpd.GeoDataFrame,
    demand_xy: np.ndarray,
    *,
    spacing_m: float,
    reach_m: float,
    excluded: gpd.GeoDataFrame | None = None,
    child_zones: gpd.GeoDataFrame | None = None,
    zone_buffer_m: float = 300.0,
    site_model: CameraSiteModel | None = None,
) -> CandidateSet:
    """Add lattice points where no street candidate reaches demand (or the lattice alone).

    Demand points with no candidate of ``cset`` within ``reach_m`` are the
    gaps; lattice points within ``reach_m`` of a gap are added with
    ``candidate_source = "lattice"`` (a new pole). With ``cset`` None the
    result is the lattice near demand (:func:`lattice_near_demand`).

    Parameters
    ----------
    cset : CandidateSet or None
        Street candidates already prepared.
    area : GeoDataFrame
        Study-area district polygons.
    demand_xy : ndarray, shape (n, 2)
        Demand coordinates (m).
    spacing_m, reach_m : float
        Lattice spacing and coverage radius (m).
    excluded : GeoDataFrame, optional
        Polygons where no site may go.
    child_zones : GeoDataFrame, optional
        Child-protection zones: only lattice points within ``zone_buffer_m`` (m) are kept.
    zone_buffer_m : float, default 300
        Buffer around child-protection zones (m).
    site_model : CameraSiteModel, optional
        Camera sites (see :func:`prepare_candidates`).

    Returns
    -------
    CandidateSet
        ``source`` says what was used (``"… + lattice 50 m where none reaches demand"``).
    """
    _check_reach(reach_m)
    demand_xy = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    gaps = demand_xy
    if cset is not None and len(cset.frame):
        geom = cset.frame.geometry
        cxy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
        gaps = demand_xy[~_within_reach(demand_xy, cxy, reach_m)]
    lattice, n_far = lattice_near_demand(area, spacing_m, gaps, reach_m=reach_m)
    label = f"lattice {spacing_m:g} m within {reach_m:.4g} m of demand"
    if cset is None:
        if len(lattice) == 0:
            raise EmptyLayerError(
                f"no lattice point lies within {reach_m:g} m of demand",
                layer="candidates",
                fix="check that demand lies inside the study area, or give candidates",
            )
        out = prepare_candidates(
            lattice,
            area,
            excluded=excluded,
            child_zones=child_zones,
            zone_buffer_m=zone_buffer_m,
            source=label,
            site_model=site_model,
        )
        out.n_far_from_demand = n_far
        return out
    log.info("%d demand points out of reach of the street candidates", len(gaps))
    if len(lattice) == 0:
        return cset
    try:
        added = prepare_candidates(
            lattice,
            area,
            excluded=excluded,
            child_zones=child_zones,
            zone_buffer_m=zone_buffer_m,
            source=f"{label} where no street candidate reaches it",
            site_model=site_model,
        )
    except EmptyLayerError:  # every gap-filling point excluded: the street candidates stand
        log.info("no lattice point near the gaps is left after exclusions")
        return cset
    added.n_far_from_demand = n_far
    return combine_candidates([cset, added])
