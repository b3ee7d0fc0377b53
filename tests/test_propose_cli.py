"""``siting propose`` on small CSV fixtures (EPSG:5186 x/y and lon/lat), including bad input."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from typer.testing import CliRunner

from siting.cli import app

X0, Y0 = 201_700.0, 555_200.0  # inside 성북구 (EPSG:5186, m)
TO_LONLAT = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    cand_xy = [(100, 100), (400, 100), (700, 500)]
    demand_xy = [(400, 100, 5), (420, 100, 4), (400, 120, 4), (700, 500, 3), (720, 500, 3)]
    lonlat = [TO_LONLAT.transform(X0 + a, Y0 + b) for a, b in cand_xy]
    return {
        "cand": _csv(
            tmp_path / "poles.csv",
            "candidate_id,x,y",
            [f"p{i + 1},{X0 + a},{Y0 + b}" for i, (a, b) in enumerate(cand_xy)],
        ),
        "cand_lonlat": _csv(
            tmp_path / "poles_lonlat.csv",
            "candidate_id,lon,lat",
            [f"p{i + 1},{lon:.8f},{lat:.8f}" for i, (lon, lat) in enumerate(lonlat)],
        ),
        "cand_degrees_as_metres": _csv(
            tmp_path / "poles_bad.csv",
            "candidate_id,x,y",
            [f"p{i + 1},{lon:.8f},{lat:.8f}" for i, (lon, lat) in enumerate(lonlat)],
        ),
        "demand": _csv(
            tmp_path / "demand.csv",
            "x,y,weight",
            [f"{X0 + a},{Y0 + b},{w}" for a, b, w in demand_xy],
        ),
        "existing": _csv(
            tmp_path / "cctv.csv",
            "device_id,x,y,install_year,n_devices",
            [f"old1,{X0 + 705},{Y0 + 505},2020,4"],
        ),
    }


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_propose_cctv_from_xy_csv_writes_every_output(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, output = _run(
        [
            "propose", "--device", "cctv", "--district", "성북구", "--count", "2",
            "--candidates", str(files["cand"]), "--demand", str(files["demand"]),
            "--existing", str(files["existing"]), "--crs", "EPSG:5186", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    assert "gap" in output and "outputs in:" in output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in (
        "covered_weight",
        "total_weight",
        "upper_bound",
        "gap",
        "n_selected",
        "solver",
        "seconds",
    ):
        assert key in summary
    # p3's cells are covered by old1 already: only p2 adds anything
    assert summary["total_weight"] == pytest.approx(13.0)
    assert summary["covered_weight"] == pytest.approx(13.0)
    assert summary["candidates"]["n_kept"] == 3
    layers = gpd.list_layers(out / "proposal.gpkg")["name"].tolist()
    assert {"proposals", "covered", "candidates"} <= set(layers)
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    assert sites["candidate_id"].iloc[0] == "p2"
    assert sites["name_ko"].iloc[0] == "성북구"
    assert sites.crs.to_epsg() == 5186
    table = (out / "proposals.csv").read_text(encoding="utf-8-sig")
    header = table.splitlines()[0]
    assert "nearest_existing_band" in header and "1번째 선정" in table
    # shared by default: no exact distance to, nor id of, an existing camera
    assert "nearest_existing_m" not in header and "nearest_existing_id" not in header
    assert "old1" not in table and "old1" not in sites.to_string()
    assert summary["settings"]["exact_positions"] is False
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["settings"]["exact_positions"] is False
    assert run["command"] == "propose" and len(run["inputs"]) == 3
    assert (out / "districts.csv").exists()
    # refused without --overwrite, accepted with it
    code, output = _run(
        [
            "propose", "--device", "cctv", "--count", "1", "--candidates", str(files["cand"]),
            "--demand", str(files["demand"]), "--crs", "EPSG:5186", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 2 and "--overwrite" in output


def test_propose_with_lonlat_candidates_and_a_lattice(
    files: dict[str, Path], tmp_path: Path
) -> None:
    # one --crs applies to every CSV; without it each file's CRS is recognised by value
    out = tmp_path / "lonlat"
    code, output = _run(
        [
            "propose", "--device", "wifi", "--count", "1", "--candidates", str(files["cand_lonlat"]),
            "--demand", str(files["demand"]), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    assert sites["candidate_id"].tolist() == ["p2"]
    assert sites.geometry.x.iloc[0] == pytest.approx(X0 + 400, abs=0.01)
    code, output = _run(
        [
            "propose", "--device", "wifi", "--count", "2", "--candidates", str(files["cand_lonlat"]),
            "--demand", str(files["demand"]), "--must-include", "p1", "--exclude-candidate", "p2",
            "--out", str(tmp_path / "forced"),
        ]
    )  # fmt: skip
    assert code == 0, output
    forced = gpd.read_file(tmp_path / "forced" / "proposal.gpkg", layer="proposals")
    assert forced["candidate_id"].tolist() == ["p1", "p3"]
    out = tmp_path / "lattice"
    code, output = _run(
        [
            "propose", "--device", "wifi", "--district", "성북", "--budget", "8140000",
            "--demand", str(files["demand"]), "--crs", "EPSG:5186", "--lattice-spacing", "40",
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_selected"] == 2 and summary["cost_krw"] <= 8_140_000
    # the lattice is generated only where it can cover demand, and the summary says so
    cands = summary["candidates"]
    assert cands["source"] == "lattice 40 m within 60 m of demand"
    assert cands["kept_by_source"] == {"lattice": cands["n_kept"]}
    assert cands["n_lattice_far_from_demand"] > 100 * cands["n_kept"]
    assert summary["settings"]["profile"]["radius_m"] == 60.0


BAD = {
    "different CRS": (
        ["--candidates", "{cand_degrees_as_metres}", "--count", "1"],
        "only make sense as EPSG:4326",
    ),
    "zero candidates": (
        ["--candidates", "{cand}", "--count", "1", "--district", "종로구", "--district", "성북구",
         "--excluded", "{excluded}"],
        "no candidate site is left",
    ),
    "count above candidates": (
        ["--candidates", "{cand}", "--count", "4"],
        "4 sites requested but only 3 candidate sites",
    ),
    "negative weights": (
        ["--candidates", "{cand}", "--count", "1", "--demand", "{negative}"],
        "negative weight",
    ),
    "radius 0": (["--candidates", "{cand}", "--count", "1", "--radius", "0"], "radius must be"),
    "unknown district": (
        ["--candidates", "{cand}", "--count", "1", "--district", "강북시"],
        "unknown district name(s): '강북시'",
    ),
    "count and budget": (
        ["--candidates", "{cand}", "--count", "1", "--budget", "1000"],
        "either a number of sites or a budget",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_and_writes_nothing(
    case: str, files: dict[str, Path], tmp_path: Path
) -> None:
    negative = _csv(tmp_path / "neg.csv", "x,y,weight", [f"{X0},{Y0},1", f"{X0 + 5},{Y0},-2"])
    excluded = tmp_path / "excluded.gpkg"
    box = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([X0 + 400], [Y0 + 300]).buffer(600), crs=5186
    )
    box.to_file(excluded, driver="GPKG")
    names = {k: str(v) for k, v in files.items()} | {
        "negative": str(negative),
        "excluded": str(excluded),
    }
    args, message = BAD[case]
    out = tmp_path / "out"
    base = ["propose", "--device", "cctv", "--crs", "EPSG:5186", "--out", str(out)]
    if "--demand" not in args:
        base += ["--demand", str(files["demand"])]
    code, output = _run(base + [a.format(**names) for a in args])
    assert code == 2, output
    assert message in output
    assert "Traceback" not in output
    assert not out.exists()


def test_help_has_an_example() -> None:
    code, output = _run(["propose", "--help"])
    assert code == 0 and "Example:" in output and "--min-spacing" in output
    code, output = _run(["replace", "--help"])
    assert code == 0 and "Example:" in output


def test_budget_is_read_by_the_money_parser(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "won"
    common = ["propose", "--device", "wifi", "--candidates", str(files["cand"]), "--crs",
              "EPSG:5186", "--demand", str(files["demand"])]  # fmt: skip
    code, output = _run([*common, "--budget", "60억", "--out", str(out)])
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["settings"]["budget_krw"] == 6_000_000_000
    refused = tmp_path / "refused"
    code, output = _run([*common, "--budget", "-5", "--out", str(refused)])
    assert code == 2, output
    assert "--budget '-5' is not an amount of money" in output
    assert "60억" in output  # the message shows amounts that work
    assert not refused.exists()


def test_exact_positions_keeps_distances_and_ids(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "internal"
    code, output = _run(
        [
            "propose", "--device", "cctv", "--district", "성북구", "--count", "2",
            "--candidates", str(files["cand"]), "--demand", str(files["demand"]),
            "--existing", str(files["existing"]), "--crs", "EPSG:5186", "--exact-positions",
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals").set_index("candidate_id")
    # old1 stands at (705, 505) from the origin, the chosen p2 at (400, 100)
    assert sites.loc["p2", "nearest_existing_id"] == "old1"
    assert sites.loc["p2", "nearest_existing_m"] == pytest.approx(np.hypot(305, 405), abs=1e-6)
    assert sites.loc["p2", "nearest_existing_band"] == "100 m 이상"
    table = (out / "proposals.csv").read_text(encoding="utf-8-sig")
    assert f"{np.hypot(305, 405):.0f} m" in table  # the reason quotes the exact distance
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["settings"]["exact_positions"] is True


def test_propose_fills_gaps_with_lattice_and_sizes_camera_sites(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """Street candidates first, lattice points only near demand none of them reaches."""
    far = (1500.0, 1500.0)  # demand no pole reaches (the nearest is ~1.1 km away)
    demand = _csv(
        tmp_path / "demand_far.csv",
        "x,y,weight",
        [
            *files["demand"].read_text(encoding="utf-8").splitlines()[1:],
            f"{X0 + far[0]},{Y0 + far[1]},7",
        ],
    )
    out = tmp_path / "filled"
    code, output = _run(
        [
            "propose", "--device", "cctv", "--district", "성북구", "--count", "3",
            "--candidates", str(files["cand"]), "--demand", str(demand), "--lattice-fill",
            "--crs", "EPSG:5186", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    cands = summary["candidates"]
    assert cands["kept_by_source"]["candidates"] == 3 and cands["kept_by_source"]["lattice"] >= 1
    assert "where no street candidate reaches it" in cands["source"]
    layer = gpd.read_file(out / "proposal.gpkg", layer="candidates")
    lattice = layer[layer["candidate_source"] == "lattice"]
    radius = summary["settings"]["profile"]["radius_m"]
    gap = np.hypot(lattice.geometry.x - (X0 + far[0]), lattice.geometry.y - (Y0 + far[1]))
    assert (gap <= radius + 1e-6).all()  # generated only where it can cover the gap
    # CCTV candidates are camera sites: the site model is applied and reported
    assert cands["site_model"]["cameras_per_site"] >= 1
    sites = gpd.read_file(out / "proposal.gpkg", layer="proposals")
    assert set(sites["candidate_source"]) == {"candidates", "lattice"}
    assert summary["sites_by_source"] == sites["candidate_source"].value_counts().to_dict()
    assert (sites["cameras_added"] == cands["site_model"]["cameras_per_site"]).all()
