"""Job behind ``siting ageing``: read an equipment file, count aged devices per district.

:func:`run_ageing` reads the file with any reader the foundation has, takes the
per-year CCTV table (서울시 자치구 연도별 CCTV 설치현황) as it is or turns a device
list into an inventory, computes the per-district ageing table and, given an output
folder, writes it atomically (CSV, read report, run.json). The CLI and the
service's ``ageing`` process both call it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from layers.output import staged_outputs
from layers.readers import LayerRead, read_layer

__all__ = ["AgeingRun", "run_ageing"]


@dataclass
class AgeingRun:
    """What :func:`run_ageing` computed.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per district; ``attrs`` hold ``device_type``, ``min_age_years``,
        ``reference_year`` and ``reference_year_source``.
    read : LayerRead
        The file as read (its report counts the rows read, kept and dropped).
    files : list of str
        Names written into ``out`` (empty without ``out``).
    """

    table: pd.DataFrame
    read: LayerRead
    files: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """``DEVICE_ageing_by_district`` (the stem of the written table)."""
        return f"{self.table.attrs['device_type']}_ageing_by_district"


def run_ageing(
    file: str | os.PathLike[str],
    *,
    device: str | None = None,
    min_age: int | None = None,
    reference_year: int | None = None,
    kind: str = "auto",
    crs: str | None = None,
    id_column: str | None = None,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> AgeingRun:
    """Per-district ageing ratio (aged / devices with a known install year) of a file.

    Parameters
    ----------
    file : path
        Equipment file (안심이 CCTV, 공공와이파이, 보안등, …) or the per-year CCTV table.
    device : str, optional
        Device type (``cctv``, ``wifi``, …); default: from the dataset.
    min_age : int, optional
        Aged when age >= this many years; default: the device type's.
    reference_year : int, optional
        Year ages are measured at; default: the data's as-of year.
    kind, crs, id_column : optional
        Reader options (:func:`layers.readers.read_layer`).
    out : path, optional
        Folder for ``DEVICE_ageing_by_district.csv``, its read report and ``run.json``,
        written atomically.
    overwrite : bool
        Replace an existing ``out``.

    Returns
    -------
    AgeingRun
    """
    from layers.inventory import (
        ageing_by_district,
        ageing_from_year_table,
        to_inventory,
        write_ageing_outputs,
    )

    read = read_layer(file, kind=kind, crs=crs, id_column=id_column)
    if read.report.kind == "cctv_by_year" and device in (None, "cctv"):
        table = ageing_from_year_table(read, min_age=min_age, reference_year=reference_year)
    else:
        table = ageing_by_district(
            to_inventory(read, device), min_age=min_age, reference_year=reference_year
        )
    run = AgeingRun(table, read)
    if out is not None:
        with staged_outputs(out, overwrite=overwrite, protected=[file]) as stage:
            run.files = write_ageing_outputs(
                table,
                stage,
                name=run.name,
                read=read,
                inputs=[Path(file)],
                extra={"source_kind": read.report.kind},
            )
    return run
