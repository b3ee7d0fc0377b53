"""Layers: everything that reads or writes files, and the shapes data takes inside.

District layer, equipment inventories, readers of the Korean open-data files,
coordinate recognition, money amounts (6억, 600,000천원), per-district data
quirks, site location (자치구, 동), distance bands to existing devices, atomic output. All layers leave here in EPSG:5186.
"""

import logging

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
