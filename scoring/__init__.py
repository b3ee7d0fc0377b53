"""Subsidy rounds: the 붙임8 CCTV criteria, Wi-Fi and smart-pole rounds, matching and allocation.

Criteria are data (TOML, :mod:`scoring.criteria`); scoring is pure and
table-driven (:mod:`scoring.programs`): a table in, the same table with every
raw value, rank and points out, so a planner can recheck it in Excel.
Eligibility and allocation follow in :mod:`scoring.allocation`; the report and
workbook in :mod:`scoring.report`. The CCTV rules are 붙임8 「CCTV 사업별 보조금지원 및
대상지선정 기준」 of the Seoul council's 2024 budget review; Wi-Fi and smart-pole
criteria are assumptions (``Criteria.basis``).

Examples
--------
>>> from scoring import default_criteria
>>> default_criteria("cctv-replace").settings.ageing_min_age
8
"""

import logging

from scoring.allocation import allocate, round_largest_remainder
from scoring.criteria import (
    CCTV_PROGRAMS,
    PROGRAMS,
    Band,
    Criteria,
    Criterion,
    RoundSettings,
    default_criteria,
    load_criteria,
)
from scoring.inputs import RoundInputs, build_round_table, read_district_csv
from scoring.programs import score_table
from scoring.ranking import band_points, rank_points, rank_values
from scoring.report import round_html, round_markdown, write_round_xlsx
from scoring.rounds import RoundResult, run_round, score_round

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "CCTV_PROGRAMS",
    "PROGRAMS",
    "Band",
    "Criteria",
    "Criterion",
    "RoundInputs",
    "RoundResult",
    "RoundSettings",
    "allocate",
    "band_points",
    "build_round_table",
    "default_criteria",
    "load_criteria",
    "rank_points",
    "rank_values",
    "read_district_csv",
    "round_html",
    "round_largest_remainder",
    "round_markdown",
    "run_round",
    "score_round",
    "score_table",
    "write_round_xlsx",
]
