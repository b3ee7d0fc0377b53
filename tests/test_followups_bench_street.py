"""benchmarks/bench_street.py counts existing CCTV by camera count, the product's default."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from affine import Affine

from layers.riskgrid import RiskGrid
from siting.existing_cover import DEFAULT_EXISTING_COVER, camera_share

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(BENCH))  # the benchmarks import each other by name
    module = importlib.import_module("bench_street")
    yield module
    sys.modules.pop("bench_street", None)
    sys.modules.pop("bench_existing_cover", None)


def test_existing_sites_watch_their_camera_share(bench: ModuleType) -> None:
    cameras = np.array([1, 2, 3, 4, 6])
    assert DEFAULT_EXISTING_COVER == "cameras"
    assert bench._camera_shares(cameras).tolist() == camera_share(cameras, 90.0).tolist()
    assert bench._camera_shares(cameras).tolist() == [0.25, 0.5, 0.75, 1.0, 1.0]
    assert "camera count" in bench.__doc__ and "min(1, n × 90° / 360°)" in bench.__doc__


def test_existing_sites_are_those_of_the_existing_cover_bench(bench: ModuleType) -> None:
    """Same SYNTHETIC sites as bench_existing_cover.py: 1–6 cameras, 113,000 in all."""
    rng = np.random.default_rng(1)
    score = rng.gamma(2.0, 1.0, size=(20, 20)).astype(np.float32)
    grid = RiskGrid(
        score, np.full((20, 20), 4, np.uint8), Affine(100, 0, 200_000, 0, -100, 552_000)
    )
    xy, cameras = bench._existing_sites(grid, None)
    assert xy.shape == (cameras.shape[0], 2)
    assert set(np.unique(cameras)) <= {1, 2, 3, 4, 5, 6}
    assert 113_000 <= cameras.sum() < 113_006
