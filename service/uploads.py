"""Uploaded files: streamed to disk under a size limit, zip archives unpacked safely,
read with the same readers as the CLI and described by the same inspection report.

Nothing here knows about HTTP: the routes turn :class:`UploadRefused` into a problem
response with its ``status`` (413 for too large, 400/422 otherwise).

Safety rules for ``.zip`` uploads (a shapefile and its side files, or a grid config
bundle ``grid.toml`` + its layers):

- at most ``max_members`` members, directories included;
- no absolute member names, no drive letters, no ``..`` component, no backslashes;
- no symbolic links (Unix mode in the external attributes) and no nested archives;
- the declared uncompressed total must stay under ``max_unpacked_bytes`` and each
  member's ratio (uncompressed / compressed) under ``max_ratio``; the bytes actually
  written are counted again while unpacking, so a lying header cannot get past the limit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import stat
import zipfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = [
    "ALLOWED_SUFFIXES",
    "StoredFile",
    "UploadLimits",
    "UploadRefused",
    "inspect_upload",
    "readable_path",
    "safe_filename",
    "stream_to_file",
    "unpack_zip",
]

log = logging.getLogger(__name__)

MiB = 1024 * 1024

#: File types the CLI reads (tables, vector layers, risk grids, grid configs, zipped shapefiles).
ALLOWED_SUFFIXES = (
    ".csv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".gpkg",
    ".geojson",
    ".json",
    ".parquet",
    ".geoparquet",
    ".fgb",
    ".tif",
    ".tiff",
    ".toml",
    ".zip",
)

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on one upload.

    Attributes
    ----------
    max_bytes : int
        Largest upload as sent (bytes); default 200 MiB.
    max_unpacked_bytes : int
        Largest total size of a zip archive's members once unpacked (bytes); default 1 GiB.
    max_ratio : float
        Largest compression ratio of one zip member (uncompressed / compressed); default 200.
    max_members : int
        Most members in a zip archive; default 1000.
    """

    max_bytes: int = 200 * MiB
    max_unpacked_bytes: int = 1024 * MiB
    max_ratio: float = 200.0
    max_members: int = 1000


class UploadRefused(Exception):
    """An upload the service will not keep.

    Parameters
    ----------
    message : str
        What is wrong, in the user's words.
    status : int
        HTTP status the routes answer with (413 too large, 415 unsupported type,
        422 unsafe or unreadable archive).
    fix : str
        What to do about it.
    """

    def __init__(self, message: str, *, status: int = 422, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.fix = fix


@dataclass
class StoredFile:
    """A file written to disk by :func:`stream_to_file`.

    Attributes
    ----------
    path : Path
        Where it is.
    size : int
        Bytes written.
    sha256 : str
        Hex digest of the content.
    """

    path: Path
    size: int
    sha256: str
    members: list[str] = field(default_factory=list)


_UNSAFE_NAME = re.compile(r"[^\w.\-가-힣ㄱ-ㅎㅏ-ㅣ ()]+")


def safe_filename(name: str) -> str:
    """A file name safe to join to a folder: the last component, no control characters.

    Raises
    ------
    UploadRefused
        If nothing usable is left, or the type is not one the service reads (415).

    Examples
    --------
    >>> safe_filename("../../etc/서울시 CCTV.csv")
    '서울시 CCTV.csv'
    """
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    if not base or base in {".", ".."}:
        raise UploadRefused(
            f"file name {name!r} is empty once path parts are removed",
            status=400,
            fix="send ?filename=NAME.EXT with one of " + ", ".join(ALLOWED_SUFFIXES),
        )
    suffix = Path(base).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused(
            f"file type {suffix or '(none)'!r} of {base!r} is not one the service reads",
            status=415,
            fix="upload one of " + ", ".join(ALLOWED_SUFFIXES) + " (a shapefile as a .zip)",
        )
    return base[:200]


def _too_large(limit: int) -> UploadRefused:
    return UploadRefused(
        f"upload is larger than the limit of {limit:,} bytes ({limit / MiB:,.0f} MiB)",
        status=413,
        fix="split the file by district, or ask the administrator to raise SITING_UPLOAD_LIMIT",
    )


async def stream_to_file(
    chunks: AsyncIterator[bytes], dest: Path, *, limits: UploadLimits
) -> StoredFile:
    """Write an async byte stream to ``dest``, refusing it once it exceeds ``max_bytes``.

    The partial file is removed when the stream is refused or breaks off.

    Raises
    ------
    UploadRefused
        413 when larger than ``limits.max_bytes``; 400 when empty.
    """
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with dest.open("wb") as handle:
            async for chunk in chunks:
                size += len(chunk)
                if size > limits.max_bytes:
                    raise _too_large(limits.max_bytes)
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    if size == 0:
        dest.unlink(missing_ok=True)
        raise UploadRefused("upload is empty", status=400, fix="send the file as the body")
    return StoredFile(dest, size, digest.hexdigest())


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\\" in name:
        return "has a backslash in its name"
    posix = PurePosixPath(name)
    if posix.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    if ".." in posix.parts:
        return "climbs out of the archive ('..')"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if not info.is_dir() and posix.suffix.lower() in {".zip", ".gz", ".7z", ".rar", ".tar"}:
        return "is a nested archive"
    return None


def unpack_zip(archive: Path, dest: Path, *, limits: UploadLimits) -> list[str]:
    """Unpack a zip archive into ``dest`` after checking every member; return the files.

    Raises
    ------
    UploadRefused
        422 naming the offending members (absolute, ``..``, symlink, nested archive, too
        many members, bad ratio); 413 when the unpacked total exceeds the limit.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise UploadRefused(
            f"{archive.name} is not a readable zip archive ({err})",
            fix="zip the shapefile's .shp, .shx, .dbf, .prj (and .cpg) files again",
        ) from err
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise UploadRefused(
                f"{archive.name} holds {len(infos):,} members; the limit is {limits.max_members:,}",
                fix="zip only the files of one layer",
            )
        bad = [(i.filename, p) for i in infos if (p := _member_problem(i))]
        if bad:
            listed = "; ".join(f"{n!r} {p}" for n, p in bad[:10])
            raise UploadRefused(
                f"{archive.name} has unsafe members: {listed}",
                fix="zip the files with relative names inside one folder, without links",
            )
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_unpacked_bytes:
            raise UploadRefused(
                f"{archive.name} unpacks to {declared:,} bytes; the limit is "
                f"{limits.max_unpacked_bytes:,}",
                status=413,
                fix="split the layer, or ask the administrator to raise the limit",
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MiB and ratio > limits.max_ratio:
                raise UploadRefused(
                    f"{archive.name} member {info.filename!r} compresses {ratio:,.0f}:1 "
                    f"(limit {limits.max_ratio:,.0f}:1), which looks like a zip bomb",
                    fix="upload the layer itself, or zip it without padding",
                )
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        written = 0
        files: list[str] = []
        for info in infos:
            target = (dest / info.filename).resolve()
            if not target.is_relative_to(root):
                raise UploadRefused(
                    f"{archive.name} member {info.filename!r} leaves the archive folder",
                    fix="zip the files with relative names",
                )
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    if written > limits.max_unpacked_bytes:
                        raise UploadRefused(
                            f"{archive.name} unpacks to more than "
                            f"{limits.max_unpacked_bytes:,} bytes",
                            status=413,
                            fix="split the layer, or ask the administrator to raise the limit",
                        )
                    out.write(chunk)
            files.append(info.filename)
    return files


_PRIMARY = (".shp", ".gpkg", ".geojson", ".json", ".csv", ".xlsx", ".tif", ".tiff")


def readable_path(folder: Path, members: Iterable[str]) -> Path:
    """The file of an unpacked archive the readers should open.

    A grid config (``.toml``) wins; else a single ``.shp``; else a single file of
    another readable type.

    Raises
    ------
    UploadRefused
        When the archive holds no readable file, or several candidates.
    """
    names = [m for m in members if not PurePosixPath(m).name.startswith(".")]
    if "__MACOSX" in {PurePosixPath(m).parts[0] for m in names}:
        names = [m for m in names if PurePosixPath(m).parts[0] != "__MACOSX"]
    tomls = [m for m in names if m.lower().endswith(".toml")]
    if len(tomls) == 1:
        return folder / tomls[0]
    for suffix in _PRIMARY:
        found = [m for m in names if m.lower().endswith(suffix)]
        if len(found) == 1:
            if suffix == ".shp":
                _check_shapefile_parts(folder, found[0])
            return folder / found[0]
        if len(found) > 1:
            raise UploadRefused(
                f"the archive holds {len(found)} {suffix} files: " + ", ".join(found[:10]),
                fix="upload one layer per archive",
            )
    raise UploadRefused(
        "the archive holds no file the service reads (" + ", ".join(names[:10]) + ")",
        fix="zip a shapefile (.shp, .shx, .dbf, .prj) or a grid.toml with its layers",
    )


def _check_shapefile_parts(folder: Path, shp: str) -> None:
    stem = folder / shp[: -len(".shp")]
    present = {p.suffix.lower() for p in stem.parent.glob(stem.name + ".*")}
    missing = [s for s in (".shx", ".dbf") if s not in present]
    if missing:
        raise UploadRefused(
            f"shapefile {shp!r} comes without its {', '.join(missing)} file",
            fix="zip the .shp together with its .shx, .dbf and .prj",
        )


def inspect_upload(
    path: Path, *, filename: str, kind: str = "auto", crs: str | None = None, repair: bool = False
) -> dict[str, Any]:
    """The inspection report of a stored file: what ``siting inspect --json`` prints.

    A GeoTIFF is described by what ``siting grid summarize`` reads (cells by grade
    per district); a grid config by its name, cell size and indicator layers.

    Raises
    ------
    layers.errors.SitingError
        As the readers raise it (bad encoding, CRS, empty layer …).
    """
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        return _inspect_grid(path, filename)
    if suffix == ".toml":
        return _inspect_config(path, filename)
    from layers.errors import SitingError
    from layers.readers import read_layer

    try:
        read = read_layer(
            path, kind=kind, crs=crs, layer_name=filename, repair=repair, geometry=False
        )
    except SitingError as err:
        if kind != "auto" or suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
            raise
        table = _round_table(path, filename) or _district_table(path, filename)
        if table is None:
            raise err from None
        return table
    report = read.report.to_dict()
    report["path"] = filename
    return report


def _round_table(path: Path, filename: str) -> dict[str, Any] | None:
    """A scored round (``<program>_round.csv`` of ``siting score``; the plan's round)."""
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    from layers.errors import SitingError
    from scoring.round_table import describe_round_table

    try:
        return describe_round_table(path, filename)
    except SitingError:  # the reader's own message says more
        return None


def _district_table(path: Path, filename: str) -> dict[str, Any] | None:
    """A per-district table (``siting score --districts``), read by the scoring reader."""
    from layers.errors import SitingError
    from scoring.inputs import read_district_csv

    try:
        table = read_district_csv(path)
    except SitingError:
        return None
    columns = [c for c in table.columns if c not in ("sig_cd", "csv_row")]
    return {
        "path": filename,
        "kind": "district_table",
        "kind_label": "per-district values and requests (siting score --districts)",
        "rows_read": len(table),
        "rows_kept": len(table),
        "rows_dropped": 0,
        "columns": columns,
        "districts": sorted(table["sig_cd"].astype(str)),
    }


def _inspect_grid(path: Path, filename: str) -> dict[str, Any]:
    from layers.riskgrid import grade_counts_by_district, read_grid

    grid = read_grid(path)
    table = grade_counts_by_district(grid)
    graded = int((grid.grade > 0).sum())
    return {
        "path": filename,
        "kind": "risk_grid",
        "kind_label": "graded risk grid (GeoTIFF, grades A–E)",
        "crs": grid.crs,
        "output_crs": "EPSG:5186",
        "cell_size_m": grid.cell_size,
        "shape": list(grid.grade.shape),
        "cells_graded": graded,
        "cells_by_grade": {
            letter: int(table[f"cells_{letter}"].sum()) for letter in ("A", "B", "C", "D", "E")
        },
        "vulnerable_cells_by_district": {
            str(name): int(count)
            for name, count in zip(table["name_ko"], table["vulnerable_cells"], strict=True)
        },
    }


def _inspect_config(path: Path, filename: str) -> dict[str, Any]:
    from layers.errors import ConfigError
    from layers.riskgrid.config import load_config

    config = load_config(path)
    root = path.parent.resolve()
    paths = [e.path for e in config.entries]
    if config.learn and isinstance(config.learn.get("incidents"), str):
        paths.append(config.learn["incidents"])
    outside = [
        p
        for p in paths
        if not p.startswith("builtin:") and not config.resolve(p).resolve().is_relative_to(root)
    ]
    if outside:
        raise ConfigError(
            "indicator paths leave the uploaded bundle: " + ", ".join(outside),
            layer=filename,
            fix="zip grid.toml with its layers and give their paths relative to it",
        )
    return {
        "path": filename,
        "kind": "grid_config",
        "kind_label": "risk-grid configuration (TOML with its layers)",
        "name": config.name,
        "cell_size_m": config.cell_size,
        "districts": config.districts,
        "indicators": [e.path for e in config.entries],
    }


def remove_tree(path: Path) -> None:
    """Remove a folder the service wrote, ignoring one that is already gone."""
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():  # pragma: no cover - permissions
        log.warning("could not remove %s", os.fspath(path))
