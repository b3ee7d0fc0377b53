"""Coordinates as they come in Korean open data: recognise, repair, report, reproject.

Coordinates are recognised by value, using the Seoul boxes of
:data:`layers.crs.ENVELOPES`: degrees (EPSG:4326), EPSG:5186 metres, EPSG:5179
(UTM-K) metres. EPSG:5181 and EPSG:5174 put Seoul about 100 km south of
EPSG:5186 and cannot be told apart from each other by value, so they are never
guessed: :func:`detect_crs` raises :class:`~layers.errors.CRSError` asking for
``--crs``, and a file declared EPSG:5186 whose values sit 100 km south is
refused with the same hint.

Each row is then judged on its own (:func:`clean_points`):

=====================================  =========================================
row                                    outcome
=====================================  =========================================
blank, not a number, infinite          dropped: ``missing coordinate``
x or y exactly 0                       dropped: ``zero coordinate``
inside the box                         kept
inside the box with x and y swapped    swapped back, kept, counted
metres in degree columns (or degrees   dropped: ``metres in degree columns`` /
in a metres file)                      ``degrees in a metres file``
anything else                          dropped: ``out of range for EPSG:NNNN``
=====================================  =========================================

Kept rows are reprojected to EPSG:5186; a non-finite result (what a swapped
lat/lon becomes in PROJ) is dropped as ``reprojection failed``, so infinity
never reaches a frame. Finally each point gets its district (``sig_cd``,
``name_ko``) by a spatial join with :func:`layers.districts.load_districts`.
Points up to :data:`BOUNDARY_TOLERANCE_M` (100 m) outside the city boundary
are given the nearest district: the NGII boundaries are generalised and
addresses on boundary roads geocode to either side. Points farther out are
dropped as ``outside Seoul``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from layers.crs import ENVELOPES, SEOUL_LATLON, WORKING_CRS
from layers.district_raster import StoredDistricts, district_raster, stored_districts
from layers.districts import load_districts
from layers.errors import CRSError, EmptyLayerError

__all__ = [
    "BOUNDARY_TOLERANCE_M",
    "REASON_DEGREES_IN_METRES",
    "REASON_METRES_IN_DEGREES",
    "REASON_MISSING",
    "REASON_OUTSIDE",
    "REASON_REPROJECTION",
    "REASON_ZERO",
    "CleanedPoints",
    "CleanedXY",
    "assign_districts",
    "clean_points",
    "clean_xy",
    "crs_label",
    "detect_crs",
    "district_index",
    "district_table",
    "tagged_frame",
    "to_float",
    "to_float_plain",
]

#: Points this close to Seoul's boundary (m, EPSG:5186) count as inside and
#: get the nearest district.
BOUNDARY_TOLERANCE_M = 100.0

REASON_MISSING = "missing coordinate (blank or not a number)"
REASON_ZERO = "zero coordinate"
REASON_METRES_IN_DEGREES = "projected metres in degree columns"
REASON_DEGREES_IN_METRES = "degrees in a metres file"
REASON_REPROJECTION = "reprojection failed (infinite result)"
REASON_OUTSIDE = "outside Seoul"

_AMBIGUOUS_SOUTH = ("EPSG:5181", "EPSG:5174")
_METRIC = ("EPSG:5186", "EPSG:5179", "EPSG:5181", "EPSG:5174")


def crs_label(crs: object) -> str:
    """``"EPSG:NNNN"`` for anything pyproj understands (its name when it has no code)."""
    parsed = CRS.from_user_input(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.name


#: A plain decimal (ASCII digits, at most one point): with at most
#: :data:`_FAST_MAX_CHARS` characters it has at most 15 significant digits, which
#: every correctly rounded parser turns into the same double.
_FAST_MAX_CHARS = 15


def _parse_text(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def to_float(values: pd.Series) -> np.ndarray:
    """Parse a column of coordinates to float; blanks and text become NaN.

    Plain decimals of up to 15 characters (nearly every coordinate) are parsed
    by Arrow's vectorised cast and blank cells are NaN; a column holding other
    cells (thousands separators, spaces, signs, exponents, words) is parsed by
    ``pandas.to_numeric`` after stripping spaces and commas, as a whole.
    """
    return to_float_plain(values)[0]


def to_float_plain(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`to_float`, and a mask of the cells that were plain decimals.

    A plain cell's float is also what ``pandas.to_numeric`` gives it, so a
    caller that needs ``to_numeric``'s stricter reading of the other cells can
    skip the parse when those are all blank.

    Returns
    -------
    (ndarray of float, ndarray of bool)
        The values (NaN for blanks and text) and the plain-decimal mask.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan), np.ones(len(values), dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if isinstance(values.array, pd.arrays.ArrowStringArray):
            text = values.array.__arrow_array__()  # the column's own Arrow strings
        else:
            text = pa.array(values, from_pandas=True, type=pa.string())
    except (TypeError, ValueError, pa.ArrowException):  # cells that are not all text
        return _parse_text(values), np.zeros(len(values), dtype=bool)
    # digits with at most one point (cheaper than the regex); signed decimals take the
    # slow path below, which parses them to the same doubles
    plain = pc.and_(
        pc.ascii_is_decimal(pc.replace_substring(text, ".", "", max_replacements=1)),
        pc.less_equal(pc.binary_length(text), _FAST_MAX_CHARS),
    ).fill_null(False)
    mask = plain.to_numpy(zero_copy_only=False).astype(bool)
    out = np.full(len(values), np.nan)
    out[mask] = pc.cast(text.filter(plain), pa.float64()).to_numpy(zero_copy_only=False)
    if not mask.all() and _has_text(values.iloc[np.flatnonzero(~mask)]):
        # pandas reads a column as a whole (an integer beyond 2**53 rounds one way next
        # to decimals, another alone): a column with other text gets its whole reading
        return _parse_text(values), mask
    return out, mask


def _has_text(values: pd.Series) -> bool:
    """Whether any cell holds more than white space and commas (blank cells are NaN)."""
    cleaned = values.astype("string").str.strip().str.replace(",", "", regex=False)
    return bool((cleaned.fillna("").str.len() > 0).any())


def _usable(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & np.isfinite(y) & (x != 0) & (y != 0)


def _scores(x: np.ndarray, y: np.ndarray) -> dict[str, int]:
    return {
        label: int((env.contains(x, y) | env.contains(y, x)).sum())
        for label, env in ENVELOPES.items()
    }


def _sample(x: np.ndarray, y: np.ndarray) -> str:
    ok = np.flatnonzero(_usable(x, y))[:3]
    return "; ".join(f"({x[i]:g}, {y[i]:g})" for i in ok) or "none usable"


def detect_crs(
    x: np.ndarray,
    y: np.ndarray,
    *,
    declared: str | CRS | None = None,
    layer: str,
    prefer: str | None = None,
) -> str:
    """Decide the CRS of coordinate columns from their values (and check a declared one).

    Parameters
    ----------
    x, y : ndarray of float
        Easting/longitude and northing/latitude as the file holds them (some
        rows may be swapped; they still count).
    declared : str, optional
        The CRS the user declared (``--crs``) or the file's metadata says.
    layer : str
        Name for messages.
    prefer : str, optional
        The CRS the dataset is documented in (``"EPSG:4326"`` for 위도/경도
        columns); wins ties.

    Returns
    -------
    str
        ``"EPSG:NNNN"``.

    Raises
    ------
    CRSError
        Values that fit EPSG:5181/5174 (which are not guessed between), a
        declared CRS the values contradict, or values that fit nothing.
    """
    usable = _usable(x, y)
    n_usable = int(usable.sum())
    scores = _scores(x, y)
    if declared is not None:
        label = crs_label(declared)
        if label not in ENVELOPES or n_usable == 0:
            return label
        best = max(scores, key=lambda k: scores[k])
        if scores[label] * 2 >= n_usable or scores[best] <= scores[label]:
            return label
        if label == "EPSG:5186" and best in _AMBIGUOUS_SOUTH:
            raise CRSError(
                f"declared EPSG:5186 but {scores[best]} of {n_usable} points sit about 100 km "
                "south of Seoul in that CRS: the coordinates look like EPSG:5181 "
                "(Korea 2000 / Central Belt, false northing 500 km) or EPSG:5174 "
                f"(Korean 1985 Bessel); sample {_sample(x, y)}",
                layer=layer,
                fix="pass --crs EPSG:5181 or --crs EPSG:5174 (ask the data provider which)",
            )
        raise CRSError(
            f"declared {label} but {scores[best]} of {n_usable} points only make sense as "
            f"{best}; sample {_sample(x, y)}",
            layer=layer,
            fix=f"pass --crs {best} (or check the declared CRS with the data provider)",
        )
    if n_usable == 0:
        raise EmptyLayerError(
            "no row has usable coordinates (all blank, 0 or not numbers)",
            layer=layer,
            rows=list(range(1, min(len(x), 20) + 1)),
            fix="check the coordinate columns of the file",
        )
    best_score = max(scores.values())
    if best_score == 0:
        raise CRSError(
            f"the coordinates fit no CRS used for Seoul (degrees, EPSG:5186, 5179, 5181, 5174); "
            f"sample {_sample(x, y)}",
            layer=layer,
            fix="pass --crs EPSG:NNNN with the file's CRS",
        )
    candidates = [k for k, v in scores.items() if v == best_score]
    if prefer in candidates:
        return prefer
    if any(c in _AMBIGUOUS_SOUTH for c in candidates):
        raise CRSError(
            f"{best_score} of {n_usable} points fit EPSG:5181 (Korea 2000 / Central Belt) or "
            "EPSG:5174 (Korean 1985 Bessel), which lie about 100 km south of EPSG:5186 and "
            f"differ from each other by only ~300 m, so they are not guessed; sample {_sample(x, y)}",
            layer=layer,
            fix="pass --crs EPSG:5181 or --crs EPSG:5174 (ask the data provider which)",
        )
    return candidates[0]


@dataclass
class CleanedPoints:
    """Points read from two coordinate columns, with what happened to each row.

    Attributes
    ----------
    frame : GeoDataFrame
        Kept rows in EPSG:5186 with ``sig_cd``, ``name_ko`` and ``source_row``
        (1-based data row in the file); the input's other columns are kept.
    crs : str
        The CRS the coordinates were recognised in.
    dropped : dict of str to list of int
        Reason -> row numbers dropped.
    swapped : list of int
        Row numbers whose x/y were swapped back.
    """

    frame: gpd.GeoDataFrame
    crs: str
    dropped: dict[str, list[int]] = field(default_factory=dict)
    swapped: list[int] = field(default_factory=list)


@dataclass
class CleanedXY:
    """Coordinate arrays judged row by row (:func:`clean_xy`): no frame, no geometry.

    Attributes
    ----------
    keep : ndarray of intp
        Positions (into the input arrays) of the rows kept, ascending.
    x, y : ndarray of float
        Their easting and northing in EPSG:5186 (m).
    district : ndarray of intp
        Their district, as a position in :func:`district_table`.
    crs : str
        The CRS the coordinates were recognised in.
    dropped : dict of str to list of int
        Reason -> row numbers dropped (ascending).
    swapped : list of int
        Row numbers whose x/y were swapped back (kept rows only, ascending).
    """

    keep: np.ndarray
    x: np.ndarray
    y: np.ndarray
    district: np.ndarray
    crs: str
    dropped: dict[str, list[int]] = field(default_factory=dict)
    swapped: list[int] = field(default_factory=list)


def _add(dropped: dict[str, list[int]], reason: str, rows: np.ndarray) -> None:
    if len(rows):
        dropped.setdefault(reason, []).extend(np.asarray(rows).tolist())


def clean_xy(
    x: np.ndarray,
    y: np.ndarray,
    *,
    layer: str,
    crs: str | CRS | None = None,
    prefer: str | None = None,
    row_numbers: np.ndarray | None = None,
    tolerance_m: float = BOUNDARY_TOLERANCE_M,
    chunk_rows: int | None = None,
) -> CleanedXY:
    """Judge each row of coordinate arrays, reproject the kept ones, tag their district.

    The rules of the module's table, on arrays only (one pass, no Python
    object per row): what :func:`clean_points` and the CSV readers share.

    Parameters
    ----------
    x, y : ndarray of float
        Longitude/easting and latitude/northing as the file holds them (NaN
        for blanks and text).
    layer : str
        Name for messages.
    crs : str, optional
        Declared CRS; otherwise recognised by value (:func:`detect_crs`).
    prefer : str, optional
        The CRS the dataset is documented in; wins ties in recognition.
    row_numbers : ndarray of int, optional
        1-based row numbers to report (default ``1..len(x)``).
    tolerance_m : float, default 100
        Distance outside the city boundary still accepted (m).
    chunk_rows : int, optional
        Points sent to the exact polygon test at a time (bounds its memory).

    Returns
    -------
    CleanedXY
        Every input row is either kept or listed under one reason.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    rows = np.arange(1, len(x) + 1) if row_numbers is None else np.asarray(row_numbers)
    source = detect_crs(x, y, declared=crs, layer=layer, prefer=prefer)
    dropped: dict[str, list[int]] = {}
    missing = ~(np.isfinite(x) & np.isfinite(y))
    zero = ~missing & ((x == 0) | (y == 0))
    _add(dropped, REASON_MISSING, rows[missing])
    _add(dropped, REASON_ZERO, rows[zero])
    pending = ~missing & ~zero
    swapped = np.zeros(len(x), dtype=bool)
    if source in ENVELOPES:
        env = ENVELOPES[source]
        direct = pending & env.contains(x, y)
        swapped = pending & ~direct & env.contains(y, x)
        bad = pending & ~direct & ~swapped
        x, y = np.where(swapped, y, x), np.where(swapped, x, y)
        if source == "EPSG:4326":
            metres = np.zeros(len(x), dtype=bool)
            at = np.flatnonzero(bad)  # only rows out of the box can be metres
            for label in _METRIC:
                e = ENVELOPES[label]
                metres[at] |= e.contains(x[at], y[at]) | e.contains(y[at], x[at])
            _add(dropped, REASON_METRES_IN_DEGREES, rows[metres])
        else:
            metres = bad & (SEOUL_LATLON.contains(x, y) | SEOUL_LATLON.contains(y, x))
            _add(dropped, REASON_DEGREES_IN_METRES, rows[metres])
        _add(dropped, f"out of range for {source}", rows[bad & ~metres])
        pending &= ~bad
    else:
        with np.errstate(invalid="ignore"):
            wild = pending & ((np.abs(x) > 1e8) | (np.abs(y) > 1e8))
        _add(dropped, f"out of range for {source}", rows[wild])
        pending &= ~wild
    keep = np.flatnonzero(pending)
    # a declared CRS without an EPSG code is labelled by name: transform from the CRS itself
    transform_from = CRS.from_user_input(crs) if crs is not None else source
    tx, ty = Transformer.from_crs(transform_from, WORKING_CRS, always_xy=True).transform(
        x[keep], y[keep]
    )
    tx, ty = np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)
    finite = np.isfinite(tx) & np.isfinite(ty)
    _add(dropped, REASON_REPROJECTION, rows[keep[~finite]])
    keep, tx, ty = keep[finite], tx[finite], ty[finite]
    district = district_index(tx, ty, tolerance_m=tolerance_m, chunk_rows=chunk_rows)
    inside = district >= 0
    _add(dropped, REASON_OUTSIDE, rows[keep[~inside]])
    keep, tx, ty, district = keep[inside], tx[inside], ty[inside], district[inside]
    swapped_rows = np.unique(rows[keep[swapped[keep]]]).tolist()
    return CleanedXY(
        keep, tx, ty, district, source, {k: sorted(v) for k, v in dropped.items()}, swapped_rows
    )


def clean_points(
    table: pd.DataFrame,
    x_col: str,
    y_col: str,
    *,
    layer: str,
    crs: str | CRS | None = None,
    prefer: str | None = None,
    row_numbers: np.ndarray | None = None,
    tolerance_m: float = BOUNDARY_TOLERANCE_M,
) -> CleanedPoints:
    """Turn a table with coordinate columns into district-tagged points in EPSG:5186.

    Parameters
    ----------
    table : DataFrame
        Rows as read (all columns are kept on the output).
    x_col, y_col : str
        Longitude/easting and latitude/northing columns as the file labels them.
    layer : str
        Name for messages.
    crs : str, optional
        Declared CRS; otherwise recognised by value (:func:`detect_crs`).
    prefer : str, optional
        The CRS the dataset is documented in; wins ties in recognition.
    row_numbers : ndarray of int, optional
        1-based row numbers to report (default ``1..len(table)``).
    tolerance_m : float, default 100
        Distance outside the city boundary still accepted (m).

    Returns
    -------
    CleanedPoints
        Kept points plus dropped and swapped row numbers; every input row is
        either kept or listed under one reason.
    """
    rows = np.arange(1, len(table) + 1) if row_numbers is None else np.asarray(row_numbers)
    cleaned = clean_xy(
        to_float(table[x_col]), to_float(table[y_col]), layer=layer, crs=crs, prefer=prefer,
        row_numbers=rows, tolerance_m=tolerance_m,
    )  # fmt: skip
    frame = tagged_frame(table, cleaned, rows=rows, geometry=True)
    return CleanedPoints(frame, cleaned.crs, cleaned.dropped, cleaned.swapped)


def tagged_frame(
    table: pd.DataFrame,
    cleaned: CleanedXY,
    *,
    rows: np.ndarray,
    positions: np.ndarray | None = None,
    geometry: bool = True,
) -> pd.DataFrame:
    """The kept rows of ``table`` with ``source_row``, the points and their district.

    Parameters
    ----------
    table : DataFrame
        The rows :func:`clean_xy` judged (in the same order), or a bigger
        table holding them at ``positions``.
    cleaned : CleanedXY
        Its verdict.
    rows : ndarray of int
        1-based row numbers of the judged rows.
    positions : ndarray of int, optional
        Positions of the judged rows in ``table`` (default: all its rows).
    geometry : bool, default True
        Build point geometries (a GeoDataFrame in EPSG:5186); False leaves
        them out (a DataFrame: the same columns but ``geometry``).

    Returns
    -------
    DataFrame or GeoDataFrame
        ``table``'s columns, ``source_row``, ``geometry`` (when asked),
        ``sig_cd`` and ``name_ko``.
    """
    take = cleaned.keep if positions is None else np.asarray(positions)[cleaned.keep]
    out = _take_rows(table, take).drop(
        columns=[c for c in ("sig_cd", "name_ko") if c in table.columns]
    )
    out.index = pd.RangeIndex(len(out))
    out["source_row"] = rows[cleaned.keep]
    if geometry:
        out = gpd.GeoDataFrame(
            out, geometry=gpd.points_from_xy(cleaned.x, cleaned.y), crs=WORKING_CRS
        )
    out["sig_cd"] = _district_column(0, cleaned.district, out.index)
    out["name_ko"] = _district_column(1, cleaned.district, out.index)
    return out


def _take_rows(table: pd.DataFrame, take: np.ndarray) -> pd.DataFrame:
    """``table.iloc[take]`` for ascending positions.

    A table of Arrow-backed text columns (what the CSV readers load) is
    filtered column by column with a boolean mask: Arrow filters each chunk
    of a column where a take would first gather the chunks.
    """
    arrow_text = table.columns.is_unique and all(
        isinstance(table[c].array, pd.arrays.ArrowStringArray) for c in table.columns
    )
    if not arrow_text or (len(take) > 1 and not bool((np.diff(take) > 0).all())):
        return table.iloc[take]
    mask = np.zeros(len(table), dtype=bool)
    mask[take] = True
    out = pd.DataFrame({c: table[c].array[mask] for c in table.columns}, index=table.index[mask])
    out.attrs = dict(table.attrs)
    return out


def _district_column(which: int, district: np.ndarray, index: pd.Index) -> pd.Series:
    """District codes (``which=0``) or names (1) per point, as a pandas ``str`` column.

    Taken from the 25 values by Arrow: no Python string per row.
    """
    import pyarrow as pa

    values = pa.array(list(district_table()[which]), type=pa.large_string())
    taken = values.take(pa.array(np.asarray(district, dtype=np.int64)))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


#: From this many points on, points well inside a district are tagged from the
#: raster (:mod:`layers.district_raster`); fewer points go straight to the exact
#: polygon test.
RASTER_MIN_POINTS = 20_000


@functools.lru_cache(maxsize=1)
def _district_polygons() -> gpd.GeoDataFrame:
    return load_districts()[["sig_cd", "name_ko", "geometry"]]


@functools.lru_cache(maxsize=1)
def _district_layer() -> StoredDistricts:
    """The district polygons, codes, names and raster, once per process.

    The stored copy (:func:`layers.district_raster.stored_districts`) when it
    was made from the installed boundary data; else the district layer itself.
    """
    stored = stored_districts()
    if stored is not None:
        return stored
    polygons = _district_polygons()
    geoms = polygons.geometry.to_numpy()
    return StoredDistricts(
        district_raster(geoms),
        geoms,
        polygons["sig_cd"].astype(str).to_numpy(dtype=str),
        polygons["name_ko"].astype(str).to_numpy(dtype=str),
    )


@functools.lru_cache(maxsize=1)
def _polygon_frame() -> gpd.GeoDataFrame:
    """The district polygons as a GeoDataFrame (``sig_cd``, ``name_ko``) for the joins."""
    layer = _district_layer()
    return gpd.GeoDataFrame(
        {"sig_cd": layer.codes.astype(object), "name_ko": layer.names.astype(object)},
        geometry=layer.geoms,
        crs=WORKING_CRS,
    )


@functools.lru_cache(maxsize=1)
def district_table() -> tuple[np.ndarray, np.ndarray]:
    """District codes (``sig_cd``) and names (``name_ko``), in the polygons' order.

    :attr:`CleanedXY.district` and :func:`district_index` are positions in these.
    """
    layer = _district_layer()
    return layer.codes.astype(object), layer.names.astype(object)


def _exact_positions(
    geoms: np.ndarray, polygons: gpd.GeoDataFrame, tolerance_m: float
) -> np.ndarray:
    """District position per geometry by the polygon rule (-1 when outside).

    A geometry intersecting a district gets the first such district (``sig_cd``
    order); one within ``tolerance_m`` of the city gets the nearest district.
    """
    found = np.full(len(geoms), -1, dtype=np.intp)
    if not len(geoms):
        return found
    # the query geopandas' sjoin runs (its spatial index is this tree), without the frames;
    # a point on a shared boundary keeps its first hit, as sjoin + duplicated(keep="first")
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    points, districts = tree.query(geoms, predicate="intersects")
    first = np.unique(points, return_index=True)[1]
    found[points[first]] = districts[first]
    missing = np.flatnonzero(found < 0)
    if len(missing):
        geom = gpd.GeoDataFrame(geometry=geoms, crs=WORKING_CRS)
        position = pd.Series(np.arange(len(polygons)), index=polygons.index)
        near = gpd.sjoin_nearest(
            geom.iloc[missing], polygons, how="inner", max_distance=tolerance_m
        )
        near = near[~near.index.duplicated(keep="first")]
        found[near.index.to_numpy()] = position[near["index_right"]].to_numpy()
    return found


def _exact_districts(
    points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, tolerance_m: float
) -> tuple[pd.Series, pd.Series]:
    """District code and name per point by the polygon rule (NaN when outside)."""
    found = _exact_positions(points.geometry.to_numpy(), polygons, tolerance_m)
    inside = found >= 0
    codes = polygons["sig_cd"].to_numpy(dtype=object)
    names = polygons["name_ko"].to_numpy(dtype=object)
    sig = np.full(len(found), np.nan, dtype=object)
    name = np.full(len(found), np.nan, dtype=object)
    sig[inside] = codes[found[inside]]
    name[inside] = names[found[inside]]
    return pd.Series(sig, index=points.index), pd.Series(name, index=points.index)


def district_index(
    x: np.ndarray,
    y: np.ndarray,
    *,
    tolerance_m: float = BOUNDARY_TOLERANCE_M,
    chunk_rows: int | None = None,
    geoms: np.ndarray | None = None,
) -> np.ndarray:
    """The district of each point (EPSG:5186, m): a position in :func:`district_table`.

    A point intersecting a district polygon gets that district (the first in
    ``sig_cd`` order on a shared boundary); a point outside every polygon but
    within ``tolerance_m`` of one gets the nearest district; the others get -1.
    For :data:`RASTER_MIN_POINTS` points or more, points in raster cells
    (:data:`layers.district_raster.RASTER_CELL_M`) lying wholly inside one district, away from every
    boundary, are tagged by array lookup; only the rest go through the polygon
    test, so the result is the same as testing every point.

    Parameters
    ----------
    x, y : ndarray of float
        Easting and northing in EPSG:5186 (m).
    tolerance_m : float, default 100
        Points this far (m) outside every district get the nearest one.
    chunk_rows : int, optional
        Points sent to the polygon test at a time (default: all at once).
    geoms : ndarray of shapely geometries, optional
        The points themselves, when the caller has them (else made from x/y
        for the points the raster leaves undecided).

    Returns
    -------
    ndarray of intp
        District position per point, -1 outside Seoul.
    """
    if len(x) >= RASTER_MIN_POINTS:
        found = _district_layer().raster.lookup(x, y).astype(np.intp) - 1
    else:
        found = np.full(len(x), -1, dtype=np.intp)
    exact = np.flatnonzero(found < 0)
    step = max(chunk_rows or len(exact), 1)
    for start in range(0, len(exact), step):
        part = exact[start : start + step]
        points = geoms[part] if geoms is not None else shapely.points(x[part], y[part])
        found[part] = _exact_positions(points, _polygon_frame(), tolerance_m)
    return found


def assign_districts(
    points: gpd.GeoDataFrame, *, tolerance_m: float = BOUNDARY_TOLERANCE_M
) -> tuple[gpd.GeoDataFrame, list[int]]:
    """Tag points (EPSG:5186, with a ``_row`` column) with their district.

    Points by :func:`district_index`; other geometries by the polygon rule alone.

    Parameters
    ----------
    points : GeoDataFrame
        Points in EPSG:5186 with a ``_row`` column of row numbers.
    tolerance_m : float, default 100
        Points this far (m) outside every district get the nearest one.

    Returns
    -------
    (GeoDataFrame, list of int)
        The points inside Seoul with ``sig_cd`` and ``name_ko`` (any such
        columns of the input are replaced), and the row numbers of the others.
    """
    polygons = _polygon_frame()
    base = points.drop(columns=[c for c in ("sig_cd", "name_ko") if c in points.columns])
    base = base.reset_index(drop=True)
    if base.empty:
        out = base.assign(sig_cd=pd.Series(dtype=str), name_ko=pd.Series(dtype=str))
        return gpd.GeoDataFrame(out, geometry=base.geometry.name, crs=WORKING_CRS), []
    geoms = base.geometry.to_numpy()
    if bool((shapely.get_type_id(geoms) == 0).all()):
        found = district_index(
            shapely.get_x(geoms), shapely.get_y(geoms), tolerance_m=tolerance_m, geoms=geoms
        )
    else:
        found = _exact_positions(geoms, polygons, tolerance_m)
    inside = found >= 0
    outside_rows = base.loc[~inside, "_row"].astype(int).tolist()
    out = base.loc[inside].copy()
    codes, names = district_table()
    out["sig_cd"] = pd.Series(codes[found[inside]], index=out.index, dtype=object).astype(str)
    out["name_ko"] = pd.Series(names[found[inside]], index=out.index, dtype=object).astype(str)
    return gpd.GeoDataFrame(out, geometry=base.geometry.name, crs=WORKING_CRS), outside_rows
