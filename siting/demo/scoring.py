"""Demo stage: the subsidy rounds (three 붙임8 CCTV programmes, Wi-Fi, smart poles).

The bundled data has no requests, matching funds, intelligent-CCTV rates,
child-protection zones or commitment ratings, so this stage generates
clearly labelled EXAMPLE values from the demo seed and writes them to
``scoring/inputs/example_requests_synthetic.csv`` (rerun any round on it with
``siting score --districts``). ``cctv-new`` counts D/E cells on the demo grid
when the grid stage ran (``context["grid_path"]``); otherwise it uses example
counts from the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.output import write_csv
from scoring import RoundResult, run_round
from siting.demo._artifact import Artifact
from siting.jobs_score import write_round_outputs

__all__ = ["EXAMPLE_BUDGETS_KRW", "example_requests", "scoring_stage"]

#: EXAMPLE city budgets per round (KRW). The 2024 CCTV programme had 8,162,500천원 in all
#: and the 2024 smart-pole project 1,130,000천원 (Seoul council, 2024 budget review of the
#: Digital Policy Bureau).
EXAMPLE_BUDGETS_KRW = {
    "cctv-new": 3_000_000_000,
    "cctv-replace": 3_000_000_000,
    "cctv-intelligent": 2_162_500_000,
    "wifi": 1_400_000_000,
    "pole": 565_000_000,
}

_INPUT_NAME = "example_requests_synthetic.csv"


def example_requests(layer: pd.DataFrame, seed: int) -> pd.DataFrame:
    """EXAMPLE planner inputs for the 25 districts, generated from ``seed``.

    Parameters
    ----------
    layer : DataFrame
        The district layer (``sig_cd``, ``name_ko``).
    seed : int
        Seed of the example values.

    Returns
    -------
    DataFrame
        ``sig_cd``, ``name_ko``, ``requested_krw`` (total project cost, whole
        백만원 in KRW), ``matching_secured_krw`` (about one district in five short of
        its half), ``intelligent_rate_pct`` (0–60 %, with values on the band
        edges 10 and 30), ``vulnerable_cells`` (used only without a grid),
        ``commitment_rating`` (1–5), ``child_protection_zones``,
        ``child_zone_accidents`` and ``willingness_rating`` (1–5). Not real data.
    """
    rng = np.random.default_rng(seed)
    n = len(layer)
    requested = rng.integers(2, 13, n) * 100_000_000  # 2–12 억원 total project cost
    short = rng.random(n) < 0.2
    matching = np.where(short, requested // 2 - rng.integers(1, 50, n) * 1_000_000, requested // 2)
    rates = np.round(rng.uniform(0, 60, n), 1)
    rates[:2] = [10.0, 30.0]  # band edges on purpose
    return pd.DataFrame(
        {
            "sig_cd": layer["sig_cd"].to_numpy(),
            "name_ko": layer["name_ko"].to_numpy(),
            "requested_krw": requested.astype(np.int64),
            "matching_secured_krw": matching.astype(np.int64),
            "intelligent_rate_pct": rates,
            "vulnerable_cells": rng.integers(0, 400, n),
            "commitment_rating": rng.integers(1, 6, n),
            "child_protection_zones": rng.integers(20, 120, n),
            "child_zone_accidents": rng.integers(0, 25, n),
            "willingness_rating": rng.integers(1, 6, n),
        }
    )


def scoring_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    """Score every round on the bundled data plus EXAMPLE requests; fill ``context["rounds"]``."""
    folder = stage / "scoring"
    (folder / "inputs").mkdir(parents=True, exist_ok=True)
    layer = context.get("districts")
    examples = example_requests(layer if layer is not None else _load_layer(), int(context["seed"]))
    grid_path = context.get("grid_path")
    if grid_path is not None:
        examples = examples.drop(columns="vulnerable_cells")
    csv = write_csv(examples, folder / "inputs" / _INPUT_NAME)
    artifacts = [
        Artifact(
            f"scoring/inputs/{_INPUT_NAME}",
            "EXAMPLE requests, matching funds and rates (SYNTHETIC)",
            "Seeded example values, not real data: requested project cost and secured "
            "matching funds per district (about one in five short of its half), "
            "intelligent-CCTV rates (with the band edges 10 % and 30 %), commitment and "
            "willingness ratings, child-protection zones and accidents"
            + ("" if grid_path is not None else ", D/E cell counts")
            + ". Rerun a round with: siting score --program cctv-replace --districts "
            f"scoring/inputs/{_INPUT_NAME} --out DIR",
            synthetic=True,
        )
    ]
    rounds: dict[str, pd.DataFrame] = {}
    for program, budget in EXAMPLE_BUDGETS_KRW.items():
        result = run_round(
            program,
            districts_csv=csv,
            grid=grid_path if program == "cctv-new" else None,
            layer=layer,
            budget_krw=budget,
        )
        out = folder / program
        out.mkdir()
        write_round_outputs(
            result, out, seed=int(context["seed"]), command="demo", inputs_relative_to=stage
        )
        rounds[program] = result.table
        artifacts += _round_artifacts(program, result, grid_used=grid_path is not None)
    context["rounds"] = rounds
    return artifacts


def _load_layer() -> pd.DataFrame:
    from layers.districts import load_districts

    return load_districts()


def _round_artifacts(program: str, result: RoundResult, *, grid_used: bool) -> list[Artifact]:
    t = result.totals
    need = {
        "cctv-new": "D/E cells "
        + ("on the demo risk grid (SYNTHETIC incidents)" if grid_used else "(EXAMPLE counts)"),
        "cctv-replace": "the official CCTV ageing ratio (≥ 8 years at 2024)",
        "cctv-intelligent": "EXAMPLE intelligent-CCTV rates",
        "wifi": "assumed Wi-Fi criteria (fiscal condition, commitment, residents 65+, "
        "north of the Han)",
        "pole": "assumed smart-pole criteria (child-protection zones, accidents, willingness)",
    }[program]
    summary = (
        f"{result.criteria.title}: official fiscal self-reliance and {need}; EXAMPLE requests "
        f"and an EXAMPLE budget of {t['budget_krw']:,} KRW, {t['eligible']} of "
        f"{t['applicants']} applicants eligible, {t['granted_city_krw']:,} KRW granted."
    )
    return [
        Artifact(
            f"scoring/{program}/{program}_round.csv",
            f"Subsidy round {program}: audit table (CSV; EXAMPLE requests)",
            summary + " Every raw value, rank, points, priority, eligibility and share.",
            synthetic=True,
        ),
        Artifact(
            f"scoring/{program}/{program}_round.xlsx",
            f"Subsidy round {program}: workbook (EXAMPLE requests)",
            "The audit table with criteria, every setting used, totals and input sources.",
            synthetic=True,
        ),
        Artifact(
            f"scoring/{program}/{program}_report.html",
            f"Subsidy round {program}: report (EXAMPLE requests)",
            "Criteria, every choice used, totals and the ranked districts (also as Markdown).",
            synthetic=True,
        ),
    ]
