"""The curated package exports resolve, and ``import siting`` stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import layers
import siting


@pytest.mark.parametrize("package", [layers, siting], ids=lambda p: p.__name__)
def test_every_exported_name_resolves(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    missing = [n for n in names if getattr(package, n, None) is None]
    assert missing == []


def test_new_exports_are_the_library_functions() -> None:
    from layers.money import parse_krw
    from siting.sampling import sample_demand
    from siting.sight import Buildings

    assert layers.parse_krw is parse_krw and layers.parse_krw_or_none("60억") == 6_000_000_000
    assert {"load_quirks", "add_site_location", "parse_krw_or_none"} <= set(layers.__all__)
    assert siting.sample_demand is sample_demand and siting.Buildings is Buildings


def test_importing_siting_loads_no_heavy_library() -> None:
    code = "import sys, siting; print(sorted({'geopandas', 'pandas'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
