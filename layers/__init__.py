"""Layers: everything that reads or writes files, and the shapes data takes inside.

District layer, equipment inventories, readers of the Korean open-data files,
coordinate recognition, money amounts (6억, 600,000천원), per-district data
quirks, site location (자치구, 동), distance bands to existing devices, atomic output. All layers leave here in EPSG:5186.

The names below are imported on first use (PEP 562 module ``__getattr__``), so
``import layers`` (and ``import layers.readers``) does not pull in scikit-learn,
scipy and the risk-grid builder for a command that only reads a file.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layers.crs import WORKING_CRS, require_working_crs, to_working_crs
    from layers.districts import (
        district_code,
        load_districts,
        load_dongs,
        normalise_district_name,
        seoul_boundary,
    )
    from layers.errors import (
        ConfigError,
        CRSError,
        EmptyLayerError,
        EncodingError,
        InfeasibleError,
        InputError,
        OutputExistsError,
        SitingError,
        ValidationError,
    )
    from layers.inventory import (
        DEVICE_TYPES,
        ageing_by_district,
        ageing_from_year_table,
        to_inventory,
    )
    from layers.locate import add_site_location
    from layers.money import parse_krw, parse_krw_or_none
    from layers.output import run_manifest, staged_outputs, write_csv, write_gpkg, write_json
    from layers.privacy import band_distances, distance_band
    from layers.quirks import load_quirks
    from layers.readers import KIND_LABELS, LayerRead, ReadReport, detect_kind, read_layer
    from layers.riskgrid import RiskGrid, grade_counts_by_district, read_grid, write_grid

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Public name -> the module that defines it (imported on first access).
_EXPORTS: dict[str, str] = {
    "WORKING_CRS": "layers.crs",
    "require_working_crs": "layers.crs",
    "to_working_crs": "layers.crs",
    "district_code": "layers.districts",
    "load_districts": "layers.districts",
    "load_dongs": "layers.districts",
    "normalise_district_name": "layers.districts",
    "seoul_boundary": "layers.districts",
    "ConfigError": "layers.errors",
    "CRSError": "layers.errors",
    "EmptyLayerError": "layers.errors",
    "EncodingError": "layers.errors",
    "InfeasibleError": "layers.errors",
    "InputError": "layers.errors",
    "OutputExistsError": "layers.errors",
    "SitingError": "layers.errors",
    "ValidationError": "layers.errors",
    "DEVICE_TYPES": "layers.inventory",
    "ageing_by_district": "layers.inventory",
    "ageing_from_year_table": "layers.inventory",
    "to_inventory": "layers.inventory",
    "add_site_location": "layers.locate",
    "parse_krw": "layers.money",
    "parse_krw_or_none": "layers.money",
    "run_manifest": "layers.output",
    "staged_outputs": "layers.output",
    "write_csv": "layers.output",
    "write_gpkg": "layers.output",
    "write_json": "layers.output",
    "band_distances": "layers.privacy",
    "distance_band": "layers.privacy",
    "load_quirks": "layers.quirks",
    "KIND_LABELS": "layers.readers",
    "LayerRead": "layers.readers",
    "ReadReport": "layers.readers",
    "detect_kind": "layers.readers",
    "read_layer": "layers.readers",
    "RiskGrid": "layers.riskgrid",
    "grade_counts_by_district": "layers.riskgrid",
    "read_grid": "layers.riskgrid",
    "write_grid": "layers.riskgrid",
}

__all__ = [
    "distance_band",
    "band_distances",
    "load_quirks",
    "parse_krw_or_none",
    "parse_krw",
    "add_site_location",
    "DEVICE_TYPES",
    "KIND_LABELS",
    "WORKING_CRS",
    "CRSError",
    "ConfigError",
    "EmptyLayerError",
    "EncodingError",
    "InfeasibleError",
    "InputError",
    "LayerRead",
    "OutputExistsError",
    "ReadReport",
    "RiskGrid",
    "SitingError",
    "ValidationError",
    "ageing_by_district",
    "ageing_from_year_table",
    "detect_kind",
    "district_code",
    "grade_counts_by_district",
    "load_districts",
    "load_dongs",
    "normalise_district_name",
    "read_grid",
    "read_layer",
    "require_working_crs",
    "run_manifest",
    "seoul_boundary",
    "staged_outputs",
    "to_inventory",
    "to_working_crs",
    "write_csv",
    "write_gpkg",
    "write_grid",
    "write_json",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'layers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
