"""Ageing replacement plans (library and ``siting replace``)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from layers.errors import EmptyLayerError, InputError
from siting.cli import app
from siting.demand import layer_demand
from siting.replace import plan_replacement

X0, Y0 = 201_700.0, 555_200.0  # inside 성북구 (EPSG:5186, m)


def _points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        dict(columns),
        geometry=gpd.points_from_xy([X0 + a for a, _ in xy], [Y0 + b for _, b in xy]),
        crs="EPSG:5186",
    )


@pytest.fixture
def devices() -> gpd.GeoDataFrame:
    return _points(
        [(0, 0), (300, 0), (600, 0), (900, 0), (300, 400)],
        device_id=["a", "b", "c", "d", "e"],
        install_year=[2010, 2012, 2014, 2022, 2021],
        n_devices=[1, 2, 1, 1, 1],
        카메라화소수=[200, 200, 200, 41, 200],
        sig_cd="11290",
        name_ko="성북구",
    )


@pytest.fixture
def demand() -> object:
    # a: 1 place, b: 3 places, c: 2 places (one shared with nobody), d: 1, e: none;
    # a heavy cluster 70 m east of a that a is too far from
    xy = [(0, 10), (300, 0), (305, 0), (300, 10), (600, 0), (600, 20), (900, 0), (70, 0), (75, 5)]
    return layer_demand(_points(xy, weight=[1, 1, 1, 1, 1, 1, 1, 5, 5]))


def test_ranks_eligible_devices_by_covered_weight(
    devices: gpd.GeoDataFrame, demand: object
) -> None:
    plan = plan_replacement(devices, demand, device="cctv", count=2)  # type: ignore[arg-type]
    table = plan.plan
    # eligible: a, b, c aged ≥ 8 y at 2024; d low-resolution (41 만 화소); e neither
    assert table["device_id"].tolist() == ["b", "c", "a", "d"]
    # expected weight watched: places × min(1, cameras × 90° / 360°) (camera model)
    assert table["covered_weight"].tolist() == pytest.approx([1.5, 0.5, 0.25, 0.25])
    assert table["reason"].tolist() == [
        "노후(8년 이상)",
        "노후(8년 이상)",
        "노후(8년 이상)",
        "저화소",
    ]
    assert table["selected"].tolist() == [True, True, False, False]
    assert table["action"].tolist() == ["replace", "replace", "not funded", "not funded"]
    assert table["cost_krw"].tolist() == [10_000_000, 5_000_000, 0, 0]  # b has 2 cameras
    s = plan.summary
    assert (s["n_aged"], s["n_low_resolution"], s["n_eligible"], s["n_selected"]) == (3, 1, 4, 2)
    assert plan.districts.set_index("sig_cd").loc["11290", "selected"] == 2


def test_threshold_and_budget(devices: gpd.GeoDataFrame, demand: object) -> None:
    plan = plan_replacement(devices, demand, min_age=11, budget=6_000_000)  # type: ignore[arg-type]
    # aged ≥ 11 y: a, b; b (10 M KRW) does not fit 6 M, a does; d is low-res
    assert plan.plan.loc[plan.plan["selected"], "device_id"].tolist() == ["a"]
    assert plan.summary["cost_krw"] <= 6_000_000
    assert plan.summary["settings"]["min_age_years"] == 11


def test_poorly_placed_device_moves_to_a_better_candidate(
    devices: gpd.GeoDataFrame, demand: object
) -> None:
    candidates = _points([(60, 0), (300, 30), (2000, 0)], candidate_id=["k1", "k2", "k3"])
    plan = plan_replacement(
        devices,
        demand,  # type: ignore[arg-type]
        count=3,
        candidates=candidates,
        move_within_m=100,
    )
    row = plan.plan.set_index("device_id").loc["a"]
    assert row["action"] == "move"
    assert row["new_candidate_id"] == "k1"
    assert row["move_m"] == pytest.approx(60.0)
    # the cluster (10), watched by a's one camera (1/4); (0, 10) is 61 m away
    assert row["gain_if_moved"] == pytest.approx(2.5)
    # b already covers its cells best: k2 (30 m away) would not gain 20 %
    assert plan.plan.set_index("device_id").loc["b", "action"] == "replace"
    assert plan.summary["fleet_covered_weight_after"] > plan.summary["fleet_covered_weight_before"]


def test_bad_requests(devices: gpd.GeoDataFrame, demand: object) -> None:
    with pytest.raises(InputError, match="a count or a budget, not both"):
        plan_replacement(devices, demand, count=1, budget=1.0)  # type: ignore[arg-type]
    with pytest.raises(EmptyLayerError, match="no device is aged ≥ 30 years"):
        plan_replacement(devices.drop(columns="카메라화소수"), demand, min_age=30)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="has no install_year column"):
        plan_replacement(devices.drop(columns="install_year"), demand)  # type: ignore[arg-type]


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_cli_replace_writes_plan(tmp_path: Path) -> None:
    inv = _csv(
        tmp_path / "wifi.csv",
        "device_id,x,y,install_year",
        [f"w{i},{X0 + 100 * i},{Y0},{2012 + i}" for i in range(6)],
    )
    places = _csv(
        tmp_path / "places.csv",
        "x,y,weight",
        [f"{X0 + 100 * i + 5},{Y0},{i + 1}" for i in range(6)],
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "replace", str(inv), "--device", "wifi", "--demand", str(places),
            "--crs", "EPSG:5186", "--count", "2", "--reference-year", "2024", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # aged ≥ 7 y at 2024: installed 2012–2017 → w0..w5; the two covering most weight: w5, w4
    assert summary["n_eligible"] == 6 and summary["n_selected"] == 2
    assert summary["settings"]["reference_year_source"] == "given"
    plan = gpd.read_file(out / "replacement.gpkg", layer="replacement")
    assert plan.loc[plan["selected"], "device_id"].tolist() == ["w5", "w4"]
    assert (out / "replacement.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # every device row says where it is in words a planner uses on the street
    assert set(plan["district"]) == {"성북구"} and plan["dong"].str.contains("동").all()
    assert plan["lat"].between(37.4, 37.8).all() and plan["lon"].between(126.7, 127.2).all()


def test_replace_job_and_algorithm_live_apart() -> None:
    """plan_replacement computes from frames; the job module reads and writes (jobs convention)."""
    import siting.jobs_replace as job
    import siting.replace as algorithm

    assert "run_replace" not in algorithm.__all__ and "write_replacement" not in algorithm.__all__
    assert {"run_replace", "write_replacement"} <= set(job.__all__)
    assert algorithm.run_replace is job.run_replace  # the old import path still works


def test_cli_replace_bad_input_exits_2(tmp_path: Path) -> None:
    inv = _csv(tmp_path / "cctv.csv", "device_id,x,y,install_year", [f"a,{X0},{Y0},2010"])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["replace", str(inv), "--count", "1", "--out", str(out)])
    assert result.exit_code == 2
    assert "either a risk grid (--grid) or a demand layer" in result.output
    assert not out.exists()
