"""Shared tables give distance bands to existing devices, never their ids (layers.privacy)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import maps.privacy
from layers.privacy import band_distances, distance_band


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c"],
            "nearest_existing_m": [12.5, 73.4, np.nan],
            "nearest_existing_id": ["CCTV-1", "CCTV-2", None],
            "cost_krw": [1, 2, 3],
        }
    )


def test_band_distances_drops_exact_distances_and_ids_by_default() -> None:
    shared = band_distances(_table())
    assert list(shared.columns) == ["candidate_id", "nearest_existing_band", "cost_krw"]
    assert shared["nearest_existing_band"].tolist() == ["50 m 이내", "50–100 m", "—"]


def test_band_distances_keeps_them_when_asked_and_runs_twice() -> None:
    internal = band_distances(_table(), exact_positions=True)
    assert list(internal.columns) == [
        "candidate_id",
        "nearest_existing_m",
        "nearest_existing_band",
        "nearest_existing_id",
        "cost_krw",
    ]
    again = band_distances(internal)
    assert "nearest_existing_m" not in again and "nearest_existing_id" not in again
    assert again["nearest_existing_band"].tolist() == ["50 m 이내", "50–100 m", "—"]


def test_maps_use_the_same_banding() -> None:
    assert maps.privacy.distance_band is distance_band
