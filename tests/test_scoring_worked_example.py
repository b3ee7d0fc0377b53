"""The worked example of ../shared/domain.md §2, reproduced exactly, and the spec's edges."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import default_criteria, score_round, score_table

#: domain.md §2 worked example: district, FSR %, D/E cells, ageing %, intelligent %,
#: r_F, P_F, r_G, P_G, S_new, r_A, S_repl, P_I, S_intel.
WORKED = [
    ("A", 60.0, 3, 12.0, 5, 1, 0.5, 1, 0.5, 1.0, 1, 1.0, 50, 50.5),
    ("B", 45.0, 10, 20.0, 12, 2, 1.0, 3, 1.5, 2.5, 3, 2.5, 40, 41.0),
    ("C", 30.0, 7, 15.0, 35, 3, 1.5, 2, 1.0, 2.5, 2, 2.5, 30, 31.5),
    ("D", 25.0, 15, 25.0, 8, 4, 2.0, 5, 2.5, 4.5, 5, 4.5, 50, 52.0),
    ("E", 20.0, 10, 22.0, 30, 5, 2.5, 3, 1.5, 4.0, 4, 4.5, 30, 32.5),
]
COLUMNS = [
    "sig_cd", "fsr", "cells", "ageing", "intel",
    "r_F", "P_F", "r_G", "P_G", "S_new", "r_A", "S_repl", "P_I", "S_intel",
]  # fmt: skip


@pytest.fixture
def example() -> pd.DataFrame:
    return pd.DataFrame(WORKED, columns=COLUMNS)


def _input(example: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sig_cd": example.sig_cd,
            "fiscal_self_reliance_pct": example.fsr,
            "vulnerable_cells": example.cells,
            "ageing_ratio_pct": example.ageing,
            "intelligent_rate_pct": example.intel.astype(float),
        }
    )


def test_new_install_reproduces_the_table(example: pd.DataFrame) -> None:
    got = score_table(_input(example), default_criteria("cctv-new"))
    assert got["fiscal_self_reliance_rank"].tolist() == example.r_F.tolist()
    assert got["fiscal_self_reliance_points"].tolist() == example.P_F.tolist()
    assert got["fiscal_points"].tolist() == example.P_F.tolist()
    assert got["vulnerable_cells_rank"].tolist() == example.r_G.tolist()
    assert got["vulnerable_cells_points"].tolist() == example.P_G.tolist()
    assert got["need_points"].tolist() == example.P_G.tolist()
    assert got["total_points"].tolist() == example.S_new.tolist()


def test_replacement_reproduces_the_table(example: pd.DataFrame) -> None:
    got = score_table(_input(example), default_criteria("cctv-replace"))
    assert got["fiscal_self_reliance_rank"].tolist() == example.r_F.tolist()
    assert got["ageing_ratio_rank"].tolist() == example.r_A.tolist()
    assert got["total_points"].tolist() == example.S_repl.tolist()


def test_intelligent_reproduces_the_table(example: pd.DataFrame) -> None:
    got = score_table(_input(example), default_criteria("cctv-intelligent"))
    assert got["fiscal_self_reliance_points"].tolist() == example.P_F.tolist()
    assert got["intelligent_rate_points"].tolist() == example.P_I.astype(float).tolist()
    assert got["total_points"].tolist() == example.S_intel.tolist()


@pytest.mark.parametrize(
    ("program", "order"),
    [
        # S_new: D 4.5, E 4.0, B = C 2.5 (B has more D/E cells), A 1.0
        ("cctv-new", ["D", "E", "B", "C", "A"]),
        # S_repl: D = E 4.5 (D ages more), B = C 2.5 (B ages more), A 1.0
        ("cctv-replace", ["D", "E", "B", "C", "A"]),
        ("cctv-intelligent", ["D", "A", "B", "E", "C"]),
    ],
)
def test_priority_order_and_tie_breaks(
    example: pd.DataFrame, program: str, order: list[str]
) -> None:
    result = score_round(_input(example), default_criteria(program))
    assert result.table["sig_cd"].tolist() == order
    assert result.table["priority"].tolist() == [1, 2, 3, 4, 5]


def test_equal_total_and_need_falls_back_to_lower_fiscal_self_reliance() -> None:
    table = pd.DataFrame(
        {
            "sig_cd": ["X", "Y", "Z"],
            "fiscal_self_reliance_pct": [30.0, 20.0, 40.0],
            "ageing_ratio_pct": [10.0, 10.0, 10.0],
        }
    )
    scored = score_table(table, default_criteria("cctv-replace"))
    # ages tie (rank 1 each); fiscal ranks 2, 3, 1 → totals 1.5, 2.0, 1.0
    assert scored.set_index("sig_cd")["priority"].to_dict() == {"Y": 1, "X": 2, "Z": 3}


def test_band_edges_use_the_unrounded_rate() -> None:
    rates = [0.0, 9.9999, 10.0, 29.9999, 30.0, 100.0]
    table = pd.DataFrame(
        {
            "sig_cd": [f"d{i}" for i in range(len(rates))],
            "fiscal_self_reliance_pct": [50.0] * len(rates),
            "intelligent_rate_pct": rates,
        }
    )
    scored = score_table(table, default_criteria("cctv-intelligent"))
    assert scored["intelligent_rate_points"].tolist() == [50.0, 50.0, 40.0, 40.0, 30.0, 30.0]
    # all fiscal values tie: RANK.EQ gives everyone rank 1
    assert scored["fiscal_self_reliance_rank"].tolist() == [1.0] * len(rates)


@pytest.mark.parametrize(
    ("method", "ranks"),
    [
        ("min", [1.0, 2.0, 2.0, 4.0]),
        ("average", [1.0, 2.5, 2.5, 4.0]),
        ("max", [1.0, 3.0, 3.0, 4.0]),
    ],
)
def test_tie_methods(method: str, ranks: list[float]) -> None:
    table = pd.DataFrame(
        {"sig_cd": list("abcd"), "fiscal_self_reliance_pct": [50.0, 40.0, 40.0, 10.0],
         "vulnerable_cells": [1, 1, 1, 1]}
    )  # fmt: skip
    criteria = default_criteria("cctv-new").with_settings(tie_method=method)
    scored = score_table(table, criteria)
    assert scored["fiscal_self_reliance_rank"].tolist() == ranks
    assert scored["fiscal_self_reliance_points"].tolist() == [0.5 * r for r in ranks]


def test_point_step_and_rescale_are_settings(example: pd.DataFrame) -> None:
    stepped = score_table(_input(example), default_criteria("cctv-new").with_settings(point_step=1))
    assert stepped["total_points"].tolist() == [2 * s for s in example.S_new]
    rescaled = score_table(
        _input(example), default_criteria("cctv-intelligent").with_settings(combination="rescale")
    )
    # fiscal part scaled to 50 × r_F / 5; P_I already out of 50
    assert rescaled["fiscal_points"].tolist() == [10.0 * r for r in example.r_F]
    assert rescaled["total_points"].tolist() == [
        10.0 * r + p for r, p in zip(example.r_F, example.P_I, strict=True)
    ]


def test_applicants_only_rank_population(example: pd.DataFrame) -> None:
    table = _input(example).assign(
        requested_krw=[1_000_000, 0, 1_000_000, 1_000_000, 0],
        matching_secured_krw=[500_000, 0, 500_000, 500_000, 0],
    )
    scored = score_table(
        table, default_criteria("cctv-new").with_settings(rank_population="applicants")
    )
    ranked = scored.set_index("sig_cd")
    # among A, C, D: fiscal 60 > 30 > 25 → 1, 2, 3; cells 3 < 7 < 15 → 1, 2, 3
    assert ranked.loc[["A", "C", "D"], "total_points"].tolist() == [1.0, 2.0, 3.0]
    assert ranked.loc[["B", "E"], "total_points"].isna().all()
    assert ranked.loc[["B", "E"], "priority"].isna().all()
