"""Where a site is, in words a planner can use on the street: lon/lat, 자치구 and 동.

:func:`add_site_location` gives each point its WGS84 longitude and latitude
(6 decimals, about 0.1 m), the district's SIG_CD and Korean name, and the name
of the 동 it lies in. Districts come from the bundled national boundaries
(:func:`layers.districts.load_districts`). Dongs come from the boundaries in
use (:func:`layers.dong_boundaries.configured_dongs`): the bundled 법정동
(legal dong, 8-digit code such as 11110101 청운동) unless an installation
행정동 file is configured, in which case each site also carries the 행정동's
code (``dong_cd``) and the word ``행정동`` (``dong_kind``). :func:`dong_kind`
names what was used, for every label.

Points are matched with a spatial join (point in polygon). The district and
dong layers are generalised independently, so a point on a river bank or a
bridge can fall in a sliver between polygons: such a point takes the nearest
polygon within :data:`NEAREST_MAX_M` metres, and beyond that its names stay
blank and the count is logged (never silently).
"""

from __future__ import annotations

import logging
import os
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import require_working_crs
from layers.districts import load_districts
from layers.dong_boundaries import (
    LEGAL_DONG,
    DongBoundaries,
    configured_dongs,
    read_dong_boundaries,
)
from layers.errors import InputError

__all__ = [
    "DONG_DETAIL_COLUMNS",
    "DONG_KIND",
    "LOCATION_COLUMNS",
    "NEAREST_MAX_M",
    "add_site_location",
    "dong_kind",
    "location_columns",
]

log = logging.getLogger(__name__)

#: Which dong the *bundled* boundaries hold (법정동); what a run used is :func:`dong_kind`.
DONG_KIND = LEGAL_DONG
#: A point outside every polygon takes the nearest one within this distance (m).
NEAREST_MAX_M = 100.0
#: Columns :func:`add_site_location` adds, in order (bundled 법정동).
LOCATION_COLUMNS = ["lon", "lat", "sig_cd", "district", "dong"]
#: Columns added after ``dong`` when an installation's 행정동 file is used.
DONG_DETAIL_COLUMNS = ["dong_cd", "dong_kind"]

DongsArg = DongBoundaries | str | os.PathLike[str] | None


def _boundaries(dongs: DongsArg) -> DongBoundaries:
    if dongs is None:
        return configured_dongs()
    if isinstance(dongs, DongBoundaries):
        return dongs
    return read_dong_boundaries(dongs)


def dong_kind(dongs: DongsArg = None) -> str:
    """``"법정동"`` or ``"행정동"``: what :func:`add_site_location` names with ``dongs``.

    Parameters
    ----------
    dongs : DongBoundaries or path, optional
        As for :func:`add_site_location` (default: the configured boundaries).

    Examples
    --------
    >>> from layers.dong_boundaries import bundled_dongs
    >>> dong_kind(bundled_dongs())
    '법정동'
    """
    return _boundaries(dongs).kind


def location_columns(dongs: DongsArg = None) -> list[str]:
    """The columns :func:`add_site_location` adds with ``dongs``, in order.

    :data:`LOCATION_COLUMNS` for the bundled 법정동; with a 행정동 file also
    :data:`DONG_DETAIL_COLUMNS` (``dong_cd``, ``dong_kind``).
    """
    boundaries = _boundaries(dongs)
    return LOCATION_COLUMNS + ([] if boundaries.bundled else DONG_DETAIL_COLUMNS)


@cache
def _districts() -> gpd.GeoDataFrame:
    return load_districts()[["sig_cd", "name_ko", "geometry"]]


def _match(
    points: gpd.GeoSeries, polygons: gpd.GeoDataFrame, key: str, value: str
) -> tuple[pd.Series, int]:
    """``value`` of the polygon holding each point, else of the nearest within the limit.

    Returns the values (index of ``points``, NaN where none) and how many
    points needed the nearest-polygon fallback.
    """
    frame = gpd.GeoDataFrame(geometry=points)
    polygons = polygons[list(dict.fromkeys([key, value, "geometry"]))]
    inside = gpd.sjoin(frame, polygons, predicate="within", how="inner")
    # A point on a shared edge lies within neither; one within two overlapping
    # polygons keeps the smaller key, so the answer never depends on row order.
    inside = inside.sort_values(key, kind="stable")
    found = inside[~inside.index.duplicated(keep="first")][value]
    rest = frame.loc[~frame.index.isin(found.index)]
    near_count = 0
    if len(rest):
        near = gpd.sjoin_nearest(
            rest,
            polygons,
            how="inner",
            max_distance=NEAREST_MAX_M,
        ).sort_values(key, kind="stable")
        near_values = near[~near.index.duplicated(keep="first")][value]
        near_count = len(near_values)
        found = pd.concat([found, near_values])
    return found.reindex(points.index), near_count


def add_site_location(sites: gpd.GeoDataFrame, *, dongs: DongsArg = None) -> gpd.GeoDataFrame:
    """Add lon/lat (WGS84), district code and name, and 동 name to point sites.

    Parameters
    ----------
    sites : GeoDataFrame
        Points in EPSG:5186 (proposed sites, candidates, replacement plans).
        A ``sig_cd`` column, when present and filled, is kept as the site's
        district (it is the key budgets are counted by) and the dong is then
        looked up inside that district; blank codes are filled from the
        location.
    dongs : DongBoundaries or path, optional
        The dong boundaries to name sites by: a
        :class:`~layers.dong_boundaries.DongBoundaries`, or a 행정동 file
        (:func:`~layers.dong_boundaries.read_dong_boundaries`). Default: the
        configured ones (:func:`~layers.dong_boundaries.configured_dongs`:
        ``use_dong_boundaries``, else ``SITING_DONG_BOUNDARIES``, else the
        bundled 법정동).

    Returns
    -------
    GeoDataFrame
        A copy with the columns of :func:`location_columns` (replacing any of
        the same name except a filled ``sig_cd``):

        - ``lon``, ``lat``: WGS84 degrees rounded to 6 decimals (about 0.1 m);
        - ``sig_cd``: 5-digit 행정표준코드 of the 자치구;
        - ``district``: the 자치구's Korean name (``"종로구"``);
        - ``dong``: the Korean name of the dong (법정동, or 행정동 with a 행정동
          file) holding the point, or of the nearest one within
          :data:`NEAREST_MAX_M` m;
        - with a 행정동 file only: ``dong_cd``, the 행정동's code as the file
          gives it (10-digit 행정기관코드 or 통계청 code), and ``dong_kind``,
          ``"행정동"`` on every row.

        ``attrs["dong_kind"]`` is :func:`dong_kind` in both cases, and
        ``attrs["dong_summary"]`` what a ``summary.json`` records of the
        boundaries (:meth:`~layers.dong_boundaries.DongBoundaries.summary`).

        Names are ``""`` for points more than :data:`NEAREST_MAX_M` m from
        Seoul's polygons (their count is logged as a warning); coordinates are
        NaN only for empty geometries (also logged).

    Raises
    ------
    CRSError
        ``sites`` is not in EPSG:5186.
    InputError
        Rows that are not points; a 행정동 file that cannot be used (see
        :func:`~layers.dong_boundaries.read_dong_boundaries`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> site = gpd.GeoDataFrame(geometry=[Point(198_000, 552_000)], crs="EPSG:5186")
    >>> add_site_location(site)[["district", "dong"]].iloc[0].tolist()  # doctest: +SKIP
    ['종로구', '세종로']
    """
    require_working_crs(sites, "sites")
    boundaries = _boundaries(dongs)
    kind = boundaries.kind
    out = sites.copy()
    geometry = out.geometry
    empty = geometry.isna() | geometry.is_empty
    not_point = ~empty & (geometry.geom_type != "Point")
    if not_point.any():
        raise InputError(
            "has rows that are not points",
            layer="sites",
            rows=[int(i) + 1 for i in np.flatnonzero(not_point.to_numpy())],
            fix="give one point per site (use the polygon's representative point)",
        )
    n = len(out)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    has = ~empty.to_numpy()
    if has.any():
        degrees = geometry[has].to_crs("EPSG:4326")
        lon[has] = np.round(degrees.x.to_numpy(), 6)
        lat[has] = np.round(degrees.y.to_numpy(), 6)
    if empty.any():
        log.warning("%d site(s) have no geometry: lon/lat NaN, names blank", int(empty.sum()))

    points = gpd.GeoSeries(geometry[has].to_numpy(), crs=geometry.crs)
    located, near_district = _match(points, _districts(), "sig_cd", "sig_cd")
    names = dict(zip(_districts()["sig_cd"], _districts()["name_ko"], strict=True))
    sig_cd = np.full(n, "", dtype=object)
    if "sig_cd" in out.columns:
        given = out["sig_cd"].astype("string").fillna("").str.replace(r"\.0$", "", regex=True)
        sig_cd[:] = given.to_numpy(dtype=object)
    from_location = np.full(n, "", dtype=object)
    from_location[has] = located.fillna("").to_numpy(dtype=object)
    blank = ~np.isin(sig_cd, list(names))
    sig_cd[blank] = from_location[blank]
    district = np.array([names.get(code, "") for code in sig_cd], dtype=object)

    dong = np.full(n, "", dtype=object)
    dong_cd = np.full(n, "", dtype=object)
    near_dong = 0
    polygons = boundaries.polygons
    names_by_code = dict(zip(polygons["dong_cd"], polygons["name_ko"], strict=True))
    rows = np.flatnonzero(has & (sig_cd != ""))
    for code in sorted(set(sig_cd[rows])):
        in_code = rows[sig_cd[rows] == code]
        found, near = _match(
            gpd.GeoSeries(geometry.iloc[in_code].to_numpy(), index=in_code, crs=geometry.crs),
            polygons[polygons["sig_cd"] == code],
            "dong_cd",
            "dong_cd",
        )
        dong_cd[in_code] = found.fillna("").to_numpy(dtype=object)
        near_dong += near
    dong[:] = [names_by_code.get(c, "") for c in dong_cd]

    no_district = int((has & (sig_cd == "")).sum())
    no_dong = int((has & (sig_cd != "") & (dong == "")).sum())
    if near_district or near_dong:
        log.info(
            "%d site(s) took the nearest district and %d the nearest %s within %g m "
            "(between generalised boundaries)",
            near_district,
            near_dong,
            kind,
            NEAREST_MAX_M,
        )
    if no_district or no_dong:
        log.warning(
            "%d site(s) are more than %g m from any Seoul district and %d from any %s of "
            "their district: names left blank",
            no_district,
            NEAREST_MAX_M,
            no_dong,
            kind,
        )
    out["lon"] = lon
    out["lat"] = lat
    out["sig_cd"] = sig_cd
    out["district"] = district
    out["dong"] = dong
    if not boundaries.bundled:
        out["dong_cd"] = dong_cd
        out["dong_kind"] = kind
    added = location_columns(boundaries)
    columns = [c for c in out.columns if c not in (*added, out.geometry.name)]
    out = out[[*columns, *added, out.geometry.name]]
    out.attrs.update(sites.attrs)
    out.attrs["dong_kind"] = kind
    out.attrs["dong_summary"] = boundaries.summary()
    return out
