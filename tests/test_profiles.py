"""Device profiles and clutter consolidation."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from layers.errors import ConfigError, InputError
from siting.profiles import WIFI_PLACE_CATEGORIES, find_clutter, get_profile


def test_defaults_follow_the_domain_brief() -> None:
    cctv, wifi, pole = get_profile("cctv"), get_profile("wifi"), get_profile("pole")
    assert (cctv.radius_m, cctv.demand_grades, cctv.ageing_min_age) == (50.0, ("D", "E"), 8)
    assert cctv.site_cost_krw == 5_000_000 * 4
    assert (wifi.radius_m, wifi.ageing_min_age, wifi.unit_cost_krw) == (60.0, 7, 4_070_000)
    assert pole.unit_cost_krw == 53_800_000
    assert [(s.name, s.radius_m) for s in pole.services] == [("cctv", 50.0), ("wifi", 60.0)]
    assert (
        sum(c["aps_2024"] for c in WIFI_PLACE_CATEGORIES.values() if c["setting"] == "outdoor")
        == 10_210
    )


def test_overrides_and_settings_are_visible() -> None:
    p = get_profile("pole", radius_m=80, lattice_spacing_m=None)
    assert p.radius_m == 80.0
    assert {s.radius_m for s in p.services} == {80.0}
    settings = p.settings()
    json.dumps(settings)  # JSON-ready for summary.json
    assert settings["services"][0]["radius_m"] == 80.0
    assert settings["lattice_spacing_m"] == 80.0
    assert get_profile("cctv", demand_grades=["e"]).demand_grades == ("E",)


def test_bad_profiles_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown device 'drone'"):
        get_profile("drone")
    with pytest.raises(ConfigError, match="unknown profile setting"):
        get_profile("cctv", colour="red")
    with pytest.raises(InputError, match="radius must be a positive number of metres, got 0"):
        get_profile("wifi", radius_m=0)
    with pytest.raises(InputError, match="aged credit must lie in 0–1"):
        get_profile("cctv", aged_credit=1.5)
    with pytest.raises(InputError, match="grades must be letters A–E"):
        get_profile("cctv", demand_grades=["F"])


def _devices(xy: list[tuple[float, float]], types: list[str], n: list[int]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "device_id": [f"d{i}" for i in range(len(xy))],
            "device_type": types,
            "n_devices": n,
            "sig_cd": "11290",
            "name_ko": "성북구",
        },
        geometry=gpd.points_from_xy([200_000 + a for a, _ in xy], [555_000 + b for _, b in xy]),
        crs="EPSG:5186",
    )


def test_clutter_groups_separate_devices_close_together() -> None:
    devices = _devices(
        [(0, 0), (8, 0), (4, 6), (500, 500), (1000, 0), (1000, 5), (2000, 0)],
        ["cctv", "wifi", "streetlight", "cctv", "cctv", "wifi", "cctv"],
        [1, 1, 1, 9, 2, 1, 1],
    )
    clutter = find_clutter(devices, eps_m=15, min_devices=3)
    assert clutter["n_devices"].tolist() == [3, 3]
    first, second = clutter.iloc[0], clutter.iloc[1]  # equal devices: more sites first
    assert first["device_ids"] == "d0, d1, d2"
    assert first["device_types"] == "cctv×1, streetlight×1, wifi×1"
    assert first["spread_m"] < 15
    assert first["name_ko"] == "성북구"
    assert second["device_types"] == "cctv×2, wifi×1"  # 2 cameras on d4, 1 AP on d5
    assert second["n_sites"] == 2
    # one site holding many devices (d3: 9 cameras) is not clutter; an isolated device neither
    assert "d3" not in " ".join(clutter["device_ids"]) and "d6" not in " ".join(
        clutter["device_ids"]
    )
    assert find_clutter(devices, eps_m=15, min_devices=4).empty
    # three APs listed as three rows at one coordinate are one site, not clutter
    same = _devices([(3000, 0)] * 3, ["wifi"] * 3, [1, 1, 1])
    assert find_clutter(same).empty


def test_clutter_is_deterministic_under_row_order() -> None:
    devices = _devices(
        [(0, 0), (8, 0), (4, 6), (900, 0), (905, 0), (903, 4)], ["cctv"] * 6, [1] * 6
    )
    a = find_clutter(devices)
    b = find_clutter(devices.iloc[::-1])
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert a.geometry.geom_equals_exact(b.geometry, 1e-6).all()
