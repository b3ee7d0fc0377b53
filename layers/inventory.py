"""Equipment inventories: one point-layer form for devices, and ageing by district.

Any point reader's output becomes an inventory (:func:`to_inventory`) with the
columns

==============  ==============================================================
device_id       identifier from the file (관리번호, X_SWIFI_MGR_NO), else
                ``<file>-<row>``
device_type     ``cctv``, ``wifi``, ``streetlight``, ``security_light`` or ``pole``
install_year    Int64, <NA> when unknown
sig_cd/name_ko  district (spatial join, EPSG:5186)
n_devices       devices at the site (CCTV 수량, 카메라대수, 설치개수; else 1)
geometry        point, EPSG:5186
==============  ==============================================================

plus every original column. :func:`ageing_by_district` then counts aged
devices per district: age = reference year − install year, aged when
age ≥ ``min_age``; the ratio's denominator is the devices with a known
install year (the CCTV ageing ratio of
서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023), 붙임8 「CCTV 사업별 보조금지원 및 대상지선정 기준」), and the unknown-year devices are shown beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.age import DEFAULT_MIN_AGE, installed_after, is_aged, resolve_reference_year
from layers.crs import WORKING_CRS, require_working_crs
from layers.districts import load_districts
from layers.errors import ConfigError, EmptyLayerError, InputError
from layers.output import run_manifest, write_csv, write_json
from layers.readers.report import KIND_LABELS, LayerRead

__all__ = [
    "DEFAULT_MIN_AGE",
    "DEVICE_TYPES",
    "INVENTORY_COLUMNS",
    "AGEING_SUMMARY_COLUMNS",
    "ageing_by_district",
    "ageing_from_year_table",
    "resolve_reference_year",
    "to_inventory",
    "write_ageing_outputs",
]

DEVICE_TYPES = ("cctv", "wifi", "streetlight", "security_light", "pole")


INVENTORY_COLUMNS = [
    "device_id",
    "device_type",
    "install_year",
    "sig_cd",
    "name_ko",
    "n_devices",
    "geometry",
]

_KIND_DEVICE = {
    "cctv_safety": "cctv",
    "cctv_standard": "cctv",
    "wifi": "wifi",
    "wifi_openapi": "wifi",
    "streetlight": "streetlight",
    "security_light": "security_light",
}


def to_inventory(read: LayerRead, device_type: str | None = None) -> gpd.GeoDataFrame:
    """Turn a point layer read by :func:`layers.read_layer` into a device inventory.

    Parameters
    ----------
    read : LayerRead
        Output of ``read_layer`` for a point dataset.
    device_type : str, optional
        ``cctv``, ``wifi``, ``streetlight``, ``security_light`` or ``pole``;
        taken from the dataset kind when omitted, required for generic point
        files. A type contradicting the dataset is refused.

    Returns
    -------
    GeoDataFrame
        Inventory columns first (see module doc), then the original ones,
        EPSG:5186. ``attrs["as_of"]`` holds the data's as-of date if known.
    """
    report = read.report
    layer = Path(report.path).name
    if device_type is not None and device_type not in DEVICE_TYPES:
        raise ConfigError(
            f"unknown device type {device_type!r}", fix="use one of: " + ", ".join(DEVICE_TYPES)
        )
    native = _KIND_DEVICE.get(report.kind)
    if native is None and report.kind not in ("points", "vector"):
        raise InputError(
            f"is a {KIND_LABELS.get(report.kind, report.kind)} table, not a device inventory",
            layer=layer,
            fix="give a file with one row per device or site (e.g. 안심이 CCTV, 공공와이파이)",
        )
    if native is not None and device_type is not None and device_type != native:
        raise InputError(
            f"holds {native} devices ({KIND_LABELS[report.kind]}), not {device_type}",
            layer=layer,
            fix=f"use --device {native}, or give a {device_type} file",
        )
    kind_type = native or device_type
    if kind_type is None:
        raise InputError(
            "a generic point file does not say which devices it holds",
            layer=layer,
            fix="pass --device (" + ", ".join(DEVICE_TYPES) + ")",
        )
    frame = read.frame
    if not isinstance(frame, gpd.GeoDataFrame) or not (frame.geom_type == "Point").all():
        raise InputError(
            "is not a point layer", layer=layer, fix="give one point per device or site"
        )
    require_working_crs(frame, layer)
    out = frame.copy()
    if "install_year" not in out.columns:
        from layers.readers.points import SPECS, add_standard_columns

        add_standard_columns(out, SPECS["points"], report, layer)
    out["device_type"] = kind_type
    out["install_year"] = out["install_year"].astype("Int64")
    out["n_devices"] = out["n_devices"].astype("int64")
    originals = [c for c in out.columns if c not in INVENTORY_COLUMNS]
    inventory = gpd.GeoDataFrame(
        out[INVENTORY_COLUMNS[:-1] + originals + ["geometry"]], geometry="geometry", crs=WORKING_CRS
    )
    inventory.attrs["as_of"] = report.as_of
    inventory.attrs["device_type"] = kind_type
    inventory.attrs["source"] = report.path
    return inventory


def ageing_by_district(
    inventory: gpd.GeoDataFrame | pd.DataFrame,
    *,
    min_age: int | None = None,
    reference_year: int | None = None,
) -> pd.DataFrame:
    """Aged devices per district.

    Parameters
    ----------
    inventory : GeoDataFrame
        From :func:`to_inventory`.
    min_age : int, optional
        Aged when ``reference_year - install_year >= min_age`` (years); default
        per device type (:data:`DEFAULT_MIN_AGE`: CCTV 8, Wi-Fi 7).
    reference_year : int, optional
        Year ages are measured at; default the data's as-of year, else the
        current year (see ``attrs["reference_year_source"]`` of the result).

    Returns
    -------
    DataFrame
        One row per district (all 25, by ``sig_cd``): ``records`` (file rows: sites or devices),
        ``devices`` (sum of ``n_devices``), ``devices_known_year``,
        ``devices_unknown_year``, ``devices_aged``, ``ageing_ratio_pct`` (%,
        aged / known year; NaN without known years), ``min_age_years``,
        ``reference_year``, plus a last row ``서울 합계`` (sig_cd ``11000``).
        ``attrs`` carries the settings and where the reference year came from.

    Examples
    --------
    >>> table = ageing_by_district(inventory, min_age=7)  # doctest: +SKIP
    """
    if inventory.empty:
        raise EmptyLayerError("the inventory has no devices", layer="inventory")
    device = str(inventory.attrs.get("device_type") or inventory["device_type"].iloc[0])
    age_min = DEFAULT_MIN_AGE.get(device, 8) if min_age is None else min_age
    if age_min < 0:
        raise ConfigError(f"--min-age {age_min} is negative", fix="give a number of years >= 0")
    year, source = resolve_reference_year(inventory, reference_year)
    years = inventory["install_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    n = inventory["n_devices"].to_numpy(dtype=np.int64)
    known = np.isfinite(years)
    future = installed_after(years, year)
    aged = is_aged(years, year, age_min)
    work = pd.DataFrame(
        {
            "sig_cd": inventory["sig_cd"].astype(str).to_numpy(),
            "records": 1,
            "devices": n,
            "devices_known_year": np.where(known, n, 0),
            "devices_unknown_year": np.where(known, 0, n),
            "devices_aged": np.where(aged, n, 0),
            "devices_installed_after_reference": np.where(future, n, 0),
        }
    )
    grouped = work.groupby("sig_cd").sum()
    districts = load_districts()[["sig_cd", "name_ko"]]
    table = districts.merge(grouped, left_on="sig_cd", right_index=True, how="left")
    count_cols = [c for c in work.columns if c != "sig_cd"]
    table[count_cols] = table[count_cols].fillna(0).astype("int64")
    total = pd.DataFrame([{"sig_cd": "11000", "name_ko": "서울 합계", **table[count_cols].sum()}])
    table = pd.concat([table, total], ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = 100.0 * table["devices_aged"] / table["devices_known_year"].replace(0, np.nan)
    table["ageing_ratio_pct"] = ratio.astype(float)
    table["min_age_years"] = age_min
    table["reference_year"] = year
    table["device_type"] = device
    table = pd.DataFrame(table.reset_index(drop=True))
    table.attrs.update(
        device_type=device,
        min_age_years=age_min,
        reference_year=year,
        reference_year_source=source,
        installed_after_reference=int(future.sum()),
    )
    return table


def ageing_from_year_table(
    read: LayerRead, *, min_age: int | None = None, reference_year: int | None = None
) -> pd.DataFrame:
    """Aged cameras per district from the CCTV-by-install-year workbook (OA-2734).

    Same columns as :func:`ageing_by_district`. ``devices`` is the file's
    total column, ``devices_known_year`` the sum of its year columns (the
    denominator), ``devices_unknown_year`` any excess of the total over that
    sum (older releases), ``devices_aged`` the cameras in year columns (and
    the open-ended bucket) installed in ``reference_year - min_age`` or earlier.

    Raises
    ------
    InputError
        When the cut-off year falls inside the open-ended bucket, which cannot be split.
    """
    frame = read.frame
    layer = Path(read.report.path).name
    if read.report.kind != "cctv_by_year":
        raise InputError(
            "is not a CCTV-by-install-year table", layer=layer, fix="give the OA-2734 workbook"
        )
    age_min = DEFAULT_MIN_AGE["cctv"] if min_age is None else min_age
    if age_min < 0:
        raise ConfigError(f"--min-age {age_min} is negative", fix="give a number of years >= 0")
    as_of = frame.attrs.get("as_of_year")
    if reference_year is not None:
        year, source = reference_year, "given"
    elif as_of is not None:
        year, source = int(as_of), f"data as-of year {as_of} (last year column)"
    else:
        year, source = dt.date.today().year, "current year (the file states no as-of year)"
    cutoff = year - age_min
    bucket_last = frame.attrs.get("bucket_last_year")
    columns: list[str] = list(frame.attrs.get("year_columns", []))
    aged_cols = []
    for column in columns:
        if column.endswith("_or_earlier"):
            if bucket_last is not None and cutoff < int(bucket_last):
                raise InputError(
                    f"aged = installed in {cutoff} or earlier, but the table only knows "
                    f"'installed {bucket_last} or earlier' as one bucket, which cannot be split",
                    layer=layer,
                    fix=f"use --min-age {year - int(bucket_last)} or less at {year}, or an "
                    "inventory with install years",
                )
            aged_cols.append(column)
        elif int(column.removeprefix("cctv_")) <= cutoff:
            aged_cols.append(column)
    known = frame["cctv_year_sum"].fillna(0).astype("int64")
    total = frame["cctv_total"].fillna(0).astype("int64")
    table = pd.DataFrame(
        {
            "sig_cd": frame["sig_cd"].astype(str),
            "name_ko": frame["name_ko"].astype(str),
            "records": 1,
            "devices": total,
            "devices_known_year": known,
            "devices_unknown_year": (total - known).clip(lower=0),
            "devices_aged": frame[aged_cols].fillna(0).sum(axis=1).astype("int64"),
            "devices_installed_after_reference": 0,
        }
    )
    count_cols = [c for c in table.columns if c not in ("sig_cd", "name_ko")]
    totals = pd.DataFrame([{"sig_cd": "11000", "name_ko": "서울 합계", **table[count_cols].sum()}])
    table = pd.concat([table, totals], ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = 100.0 * table["devices_aged"] / table["devices_known_year"].replace(0, np.nan)
    table["ageing_ratio_pct"] = ratio.astype(float)
    table["min_age_years"] = age_min
    table["reference_year"] = year
    table["device_type"] = "cctv"
    table.attrs.update(
        device_type="cctv",
        min_age_years=age_min,
        reference_year=year,
        reference_year_source=source,
        installed_after_reference=0,
    )
    return table


#: Columns ``siting ageing`` prints.
AGEING_SUMMARY_COLUMNS = [
    "sig_cd",
    "name_ko",
    "devices",
    "devices_known_year",
    "devices_unknown_year",
    "devices_aged",
    "ageing_ratio_pct",
]


def write_ageing_outputs(
    table: pd.DataFrame,
    stage: Path,
    *,
    name: str,
    read: LayerRead,
    inputs: list[Path] | None = None,
    extra: Mapping[str, Any] | None = None,
    manifest: bool = True,
) -> list[str]:
    """Write an ageing table (CSV, UTF-8 with BOM), its read report and ``run.json``.

    Parameters
    ----------
    table : DataFrame
        From :func:`ageing_by_district`.
    stage : Path
        A staging folder (from :func:`layers.output.staged_outputs`).
    name : str
        File stem, e.g. ``"wifi_ageing_by_district"``.
    read : LayerRead
        The read the inventory came from (its report is written too).
    inputs : list of Path, optional
        Input files for the manifest (sha256).
    extra : mapping, optional
        More settings for the manifest.
    manifest : bool, default True
        Write ``run.json`` (the demo writes one manifest for all stages).

    Returns
    -------
    list of str
        File names written, relative to ``stage``.
    """
    write_csv(table, stage / f"{name}.csv")
    write_json(read.report.to_dict(), stage / f"{name}_read_report.json")
    settings = {
        "device_type": table.attrs.get("device_type"),
        "min_age_years": table.attrs.get("min_age_years"),
        "reference_year": table.attrs.get("reference_year"),
        "reference_year_source": table.attrs.get("reference_year_source"),
        "ratio_denominator": "devices with a known install year",
        **(extra or {}),
    }
    files = [f"{name}.csv", f"{name}_read_report.json"]
    if manifest:
        write_json(
            run_manifest("ageing", inputs=inputs or [], settings=settings, layers={name: table}),
            stage / "run.json",
        )
        files.append("run.json")
    return files
