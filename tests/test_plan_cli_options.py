"""``siting plan --district / --must-include / --exclude-candidate``: one funded district,
candidates forced in or left out, and exit 2 for a district the round does not fund or an
unknown candidate id."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from typer.testing import CliRunner

from siting.cli import app

#: Boxes wholly inside 성북구 (11290) and 종로구 (11110), EPSG:5186 (m).
ORIGINS = {"11290": (201_700.0, 555_200.0), "11110": (197_600.0, 553_400.0)}
NAMES = {"11290": "성북구", "11110": "종로구"}


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A cctv-new round funding 성북구 and 종로구, SYNTHETIC demand and SYNTHETIC street
    lights (관리번호 SYN-<sig_cd>-NN) in both, WGS84 (seeded)."""
    folder = tmp_path / "round"
    folder.mkdir()
    rows = [
        {
            "sig_cd": code,
            "name_ko": NAMES[code],
            "priority": i,
            "requested_krw": 2 * share,
            "matching_secured_krw": share,
            "city_share_krw": share,
            "district_share_krw": share,
            "status": "funded",
        }
        for i, (code, share) in enumerate({"11290": 40_000_000, "11110": 40_000_000}.items(), 1)
    ]
    pd.DataFrame(rows).to_csv(folder / "cctv-new_round.csv", index=False, encoding="utf-8-sig")
    rng = np.random.default_rng(11)
    to_wgs = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)
    demand, lights = ["lon,lat,weight"], ["관리번호,위도,경도"]
    for code, (x0, y0) in ORIGINS.items():
        for x, y in rng.uniform(0, 600, (30, 2)):
            lon, lat = to_wgs.transform(x0 + x, y0 + y)
            demand.append(f"{lon:.7f},{lat:.7f},{rng.integers(1, 6)}")
        for n, (x, y) in enumerate(rng.uniform(0, 600, (20, 2))):
            lon, lat = to_wgs.transform(x0 + x, y0 + y)
            lights.append(f"SYN-{code}-{n:02d},{lat:.7f},{lon:.7f}")
    (tmp_path / "demand_synthetic.csv").write_text("\n".join(demand) + "\n", encoding="utf-8")
    (tmp_path / "lights_synthetic.csv").write_text("\n".join(lights) + "\n", encoding="utf-8")
    return {
        "round": folder,
        "demand": tmp_path / "demand_synthetic.csv",
        "lights": tmp_path / "lights_synthetic.csv",
    }


def _plan(inputs: dict[str, Path], out: Path, *extra: str) -> tuple[int, str]:
    args = ["plan", str(inputs["round"]), "--demand", str(inputs["demand"])]
    args += ["--candidates", str(inputs["lights"]), "--seed", "1"]
    result = CliRunner().invoke(app, [*args, *extra, "--out", str(out)])
    return result.exit_code, " ".join(result.output.split())


def _sites(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "plan_sites.csv", encoding="utf-8-sig", dtype={"sig_cd": str})


def test_one_district_with_a_forced_and_an_excluded_candidate(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    code, output = _plan(inputs, tmp_path / "base")
    assert code == 0, output
    base = _sites(tmp_path / "base")
    assert set(base["sig_cd"]) == {"11290", "11110"}
    jongno = base.loc[base["sig_cd"] == "11110", "candidate_id"].astype(str).tolist()
    every = {f"SYN-11110-{n:02d}" for n in range(20)}
    spare = sorted(every - set(jongno))[0]
    out = tmp_path / "jongno"
    code, output = _plan(
        inputs,
        out,
        "--district",
        "종로구",
        "--must-include",
        spare,
        "--exclude-candidate",
        jongno[0],
    )
    assert code == 0, output
    sites = _sites(out)
    assert set(sites["sig_cd"]) == {"11110"}
    chosen = set(sites["candidate_id"].astype(str))
    assert spare in chosen and jongno[0] not in chosen
    table = pd.read_csv(out / "plan_districts.csv", encoding="utf-8-sig", dtype={"sig_cd": str})
    assert table["sig_cd"].tolist() == ["11110", "11000"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--district", "강남구"], "강남구: not funded in this round"),
        (["-d", "종로구", "-d", "11680"], "not funded in this round"),
        (["--must-include", "NOPE-1"], "not among the candidates: NOPE-1"),
        (["--exclude-candidate", "NOPE-2"], "not among the candidates: NOPE-2"),
    ],
    ids=["unfunded-name", "unfunded-code", "unknown-forced", "unknown-excluded"],
)
def test_bad_district_or_candidate_exits_2_and_writes_nothing(
    inputs: dict[str, Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    out = tmp_path / "plan"
    code, output = _plan(inputs, out, *extra)
    assert code == 2, output
    assert message in output
    assert not out.exists()


def test_help_names_the_options_with_an_example() -> None:
    result = CliRunner().invoke(app, ["plan", "--help"])
    text = " ".join(result.output.split())
    assert result.exit_code == 0
    for option in ("--district", "--must-include", "--exclude-candidate"):
        assert option in text
    assert "Example: siting plan siting-demo/scoring/cctv-new --district 노원구" in text
