"""행정동 boundary files: reading, validation, and 행정동 names in every location output.

The 행정동 layer here is synthetic (seeded): the bundled 법정동 of Seoul
dissolved in random groups of 1–4 per district, with made-up 10-digit codes
``<sig_cd><5xx>00``, written as GeoPackage in EPSG:5179 (as SGIS ships it) and
as GeoJSON in WGS84. Since every synthetic 행정동 is an exact union of
법정동, the 행정동 of a point is known independently: the group of its 법정동.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import pandas as pd
import pytest
from _dong_fixtures import SEED, synthetic_haengjeongdong
from _maps_fixtures import points_in, synthetic_proposals
from pyproj import Transformer
from typer.testing import CliRunner

from layers import load_districts
from layers.districts import load_dongs
from layers.dong_boundaries import (
    ADMIN_DONG,
    ENV_VAR,
    LEGAL_DONG,
    configured_dongs,
    read_dong_boundaries,
    use_dong_boundaries,
)
from layers.errors import CRSError, EmptyLayerError, InputError, ValidationError
from layers.locate import DONG_DETAIL_COLUMNS, LOCATION_COLUMNS, add_site_location, dong_kind
from siting.cli import app

X0, Y0 = 201_700.0, 555_200.0  # inside 성북구 (EPSG:5186, m)
TO_LONLAT = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)


class Synthetic(NamedTuple):
    """The synthetic 행정동 (EPSG:5186), 법정동 code -> ADM_CD, and the two files."""

    frame: gpd.GeoDataFrame
    map: dict[str, str]
    gpkg: Path
    geojson: Path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthetic:
    root = tmp_path_factory.mktemp("hdong")
    admin, legal_to_admin = synthetic_haengjeongdong()
    gpkg = root / "synthetic_haengjeongdong_epsg5179.gpkg"
    geojson = root / "synthetic_haengjeongdong_wgs84.geojson"
    admin.to_crs("EPSG:5179").to_file(gpkg, layer="bnd_dong", driver="GPKG")
    admin.to_crs("EPSG:4326").to_file(geojson, driver="GeoJSON")
    return Synthetic(admin, legal_to_admin, gpkg, geojson)


@pytest.fixture(autouse=True)
def _no_installation_setting(monkeypatch: pytest.MonkeyPatch) -> object:
    """No 행정동 file unless a test sets one; undone after each test (env and module)."""
    monkeypatch.setenv(ENV_VAR, "")  # restored (unset) after the test, even if the CLI sets it
    use_dong_boundaries(None)
    yield
    use_dong_boundaries(None)


def _write(frame: gpd.GeoDataFrame, path: Path, crs: str = "EPSG:5179") -> Path:
    frame.to_crs(crs).to_file(path)
    return path


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


# reading ------------------------------------------------------------------------------------


def test_gpkg_in_5179_and_geojson_in_wgs84_read_the_same(synthetic: Synthetic) -> None:
    frame = synthetic.frame
    a = read_dong_boundaries(synthetic.gpkg)
    b = read_dong_boundaries(synthetic.geojson)
    assert a.kind == b.kind == ADMIN_DONG and a.code_system == "10-digit 행정기관코드"
    assert a.source == "synthetic_haengjeongdong_epsg5179.gpkg" and a.sha256
    assert a.polygons.crs == b.polygons.crs == "EPSG:5186"
    assert a.polygons["dong_cd"].tolist() == sorted(frame["ADM_CD"])
    assert a.polygons["dong_cd"].tolist() == b.polygons["dong_cd"].tolist()
    # Names lose the 시·구 prefix; each 행정동's district is where it lies, = its code's.
    assert a.polygons["name_ko"].str.fullmatch(r"합성\d+동").all()
    assert (a.polygons["sig_cd"] == a.polygons["dong_cd"].str[:5]).all()
    area = a.polygons.geometry.area.sum()
    assert b.polygons.geometry.area.sum() == pytest.approx(area, rel=1e-6)
    assert frame.geometry.area.sum() == pytest.approx(area, rel=1e-6)


def test_locations_name_the_haengjeongdong_holding_the_point(
    synthetic: Synthetic,
) -> None:
    districts = load_districts()
    sites = points_in(districts, 300, seed=SEED).drop(columns=["sig_cd", "name_ko"])
    legal = add_site_location(sites)
    admin = add_site_location(sites, dongs=synthetic.gpkg)
    assert list(legal.columns[-6:]) == [*LOCATION_COLUMNS, "geometry"]
    assert list(admin.columns[-8:]) == [*LOCATION_COLUMNS, *DONG_DETAIL_COLUMNS, "geometry"]
    assert legal.attrs["dong_kind"] == LEGAL_DONG and admin.attrs["dong_kind"] == ADMIN_DONG
    assert (admin["dong_kind"] == ADMIN_DONG).all()
    assert admin[["lon", "lat", "sig_cd", "district"]].equals(
        legal[["lon", "lat", "sig_cd", "district"]]
    )
    # Independent answer: the synthetic group of the point's 법정동.
    legal_codes = load_dongs()[["emd_cd", "sig_cd", "name_ko"]]
    legal_code = [
        legal_codes[(legal_codes.sig_cd == s) & (legal_codes.name_ko == n)].emd_cd.iloc[0]
        for s, n in zip(legal.sig_cd, legal.dong, strict=True)
    ]
    expected = [synthetic.map[c] for c in legal_code]
    assert admin["dong_cd"].tolist() == expected
    names = dict(zip(synthetic.frame["ADM_CD"], synthetic.frame["ADM_NM"], strict=True))
    assert admin["dong"].tolist() == [names[c].split()[-1] for c in expected]
    assert admin.attrs["dong_summary"]["dong_boundaries"]["dongs"] == len(synthetic.frame)


def test_the_environment_variable_is_the_installation_setting(
    synthetic: Synthetic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site = gpd.GeoDataFrame(geometry=gpd.points_from_xy([X0], [Y0]), crs="EPSG:5186")
    assert dong_kind() == LEGAL_DONG and "dong_cd" not in add_site_location(site)
    monkeypatch.setenv(ENV_VAR, str(synthetic.geojson))
    assert configured_dongs().source == "synthetic_haengjeongdong_wgs84.geojson"
    located = add_site_location(site)
    assert located["dong_kind"].tolist() == [ADMIN_DONG]
    assert located["dong_cd"].iloc[0].startswith("11290")  # 성북구
    monkeypatch.setenv(ENV_VAR, "")
    assert dong_kind() == LEGAL_DONG
    # The process-wide choice (the CLI option) wins over the environment.
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.gpkg"))
    use_dong_boundaries(synthetic.gpkg)
    assert configured_dongs().source == "synthetic_haengjeongdong_epsg5179.gpkg"
    use_dong_boundaries(None)
    with pytest.raises(InputError, match=r"missing.gpkg.*does not exist(?s:.*)SITING_DONG"):
        dong_kind()


# bad files ----------------------------------------------------------------------------------


def test_coordinates_contradicting_the_declared_crs_are_refused(
    synthetic: Synthetic, tmp_path: Path
) -> None:
    frame = synthetic.frame.to_crs("EPSG:5179")
    lying = _write(
        frame.set_crs("EPSG:5186", allow_override=True), tmp_path / "a.gpkg", "EPSG:5186"
    )
    with pytest.raises(CRSError, match=r"(?s)layer 'a.gpkg'.*declares EPSG:5186.*EPSG:5179.*fix:"):
        read_dong_boundaries(lying)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.set_crs(None, allow_override=True).to_file(tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink(missing_ok=True)
    with pytest.raises(CRSError, match=r"(?s)layer 'noprj.shp': has no CRS.*fix: keep the \.prj"):
        read_dong_boundaries(tmp_path / "noprj.shp")


def test_missing_columns_name_what_is_looked_for(synthetic: Synthetic, tmp_path: Path) -> None:
    frame = synthetic.frame.rename(columns={"ADM_CD": "DONG_ID", "ADM_NM": "LABEL"})
    path = _write(frame, tmp_path / "b.geojson", "EPSG:4326")
    with pytest.raises(InputError, match=r"(?s)layer 'b.geojson': has no 행정동 code column.*"
                       r"and no 행정동 name column.*columns are: DONG_ID, LABEL.*fix: rename"):  # fmt: skip
        read_dong_boundaries(path)


def test_every_problem_is_reported_at_once(synthetic: Synthetic, tmp_path: Path) -> None:
    frame = synthetic.frame.copy()
    frame.loc[1, "ADM_CD"] = frame.loc[0, "ADM_CD"]  # rows 1 and 2 share a code
    frame.loc[2, "ADM_NM"] = ""
    frame.loc[3, "ADM_CD"] = "1111"
    gangnam = frame["ADM_CD"].str.startswith("11680")
    frame = frame[~gangnam].reset_index(drop=True)
    busan = frame.iloc[[0]].assign(ADM_CD="2611051000", ADM_NM="부산광역시 중구 중앙동")
    frame = pd.concat([frame, busan], ignore_index=True)  # other provinces are left out
    path = _write(gpd.GeoDataFrame(frame, crs="EPSG:5186"), tmp_path / "c.gpkg")
    with pytest.raises(ValidationError) as caught:
        read_dong_boundaries(path)
    text = str(caught.value)
    assert text.startswith("layer 'c.gpkg': 4 problems found")
    assert re.search(r"duplicate ADM_CD '\d{10}' in rows 1, 2", text)
    assert "no 행정동 name: rows 3" in text
    assert "ADM_CD is not a 10-, 8- or 7-digit code ('1111'): rows 4" in text
    assert "1 of 25 districts are not covered" in text and "강남구 0%" in text
    assert "fix: export Seoul's 행정동 again" in text


def test_a_file_without_seoul_is_empty(synthetic: Synthetic, tmp_path: Path) -> None:
    frame = synthetic.frame.assign(ADM_CD=lambda f: "26" + f["ADM_CD"].str[2:])
    with pytest.raises(EmptyLayerError, match=r"no 행정동 of Seoul: no ADM_CD starts with 11"):
        read_dong_boundaries(_write(frame, tmp_path / "d.gpkg"))


def test_the_cli_option_gives_one_message_and_exit_2(synthetic: Synthetic, tmp_path: Path) -> None:
    frame = synthetic.frame.copy()
    frame.loc[5, "ADM_CD"] = frame.loc[4, "ADM_CD"]
    path = _write(frame, tmp_path / "dup.gpkg")
    code, output = _run(["--dong-boundaries", str(path), "inspect", str(path)])
    assert code == 2, output
    assert "error: layer 'dup.gpkg': 1 problem found" in output and "rows 5, 6" in output
    assert "fix:" in output and "Traceback" not in output


# outputs ------------------------------------------------------------------------------------


@pytest.fixture
def small_case(tmp_path: Path) -> list[str]:
    cand = tmp_path / "poles.csv"
    demand = tmp_path / "demand.csv"
    cand_xy = [(100, 100), (400, 100), (700, 500), (-900, -300)]
    cand.write_text(
        "candidate_id,x,y\n"
        + "".join(f"p{i + 1},{X0 + a},{Y0 + b}\n" for i, (a, b) in enumerate(cand_xy)),
        encoding="utf-8",
    )
    demand_xy = [(400, 100, 5), (420, 100, 4), (700, 500, 3), (-900, -300, 3)]
    demand.write_text(
        "x,y,weight\n" + "".join(f"{X0 + a},{Y0 + b},{w}\n" for a, b, w in demand_xy),
        encoding="utf-8",
    )
    return [
        "propose", "--device", "cctv", "--district", "성북구", "--count", "3",
        "--candidates", str(cand), "--demand", str(demand), "--crs", "EPSG:5186",
    ]  # fmt: skip


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_propose_names_haengjeongdong_with_the_option_and_beopjeongdong_without(
    synthetic: Synthetic, small_case: list[str], tmp_path: Path
) -> None:
    code, output = _run([*small_case, "--out", str(tmp_path / "legal")])
    assert code == 0, output
    legal = _rows(tmp_path / "legal" / "proposals.csv")
    assert legal and not {"dong_cd", "dong_kind"} & set(legal[0])
    legal_names = set(load_dongs(["11290"]).name_ko)
    assert {r["dong"] for r in legal} <= legal_names
    summary = json.loads((tmp_path / "legal" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dong_kind"] == LEGAL_DONG

    args = ["--dong-boundaries", str(synthetic.gpkg), *small_case]
    code, output = _run([*args, "--out", str(tmp_path / "admin")])
    assert code == 0, output
    admin = _rows(tmp_path / "admin" / "proposals.csv")
    assert [r["candidate_id"] for r in admin] == [r["candidate_id"] for r in legal]
    assert {r["dong_kind"] for r in admin} == {ADMIN_DONG}
    assert all(re.fullmatch(r"11290\d{5}", r["dong_cd"]) for r in admin)
    assert all(re.fullmatch(r"합성\d+동", r["dong"]) for r in admin)
    summary = json.loads((tmp_path / "admin" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dong_kind"] == ADMIN_DONG
    assert summary["dong_boundaries"]["source"] == "synthetic_haengjeongdong_epsg5179.gpkg"
    layer = gpd.read_file(tmp_path / "admin" / "proposal.gpkg", layer="proposals")
    assert set(layer["dong_kind"]) == {ADMIN_DONG}


def test_map_popups_and_outlines_say_haengjeongdong(synthetic: Synthetic) -> None:
    from maps import proposals_map, render_offline

    districts = load_districts()
    sites = synthetic_proposals(districts[districts.sig_cd == "11290"], 3, seed=SEED)
    legal_page = render_offline(proposals_map(districts, sites))
    assert "(법정동)" in legal_page and "행정동" not in legal_page
    use_dong_boundaries(synthetic.gpkg)
    located = add_site_location(sites)
    page = render_offline(proposals_map(districts, located))
    for code in located["dong_cd"]:
        assert f"(행정동 {code})" in page or json.dumps(f"(행정동 {code})")[1:-1] in page
    assert "(법정동)" not in page
    assert "행정동 경계" in page or json.dumps("행정동 경계")[1:-1] in page


def test_spawned_worker_processes_inherit_the_installation_setting(
    synthetic: Synthetic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's local executor starts workers with ``spawn``: they see the environment."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    monkeypatch.setenv(ENV_VAR, str(synthetic.gpkg))
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(dong_kind).result(timeout=300) == ADMIN_DONG
    monkeypatch.setenv(ENV_VAR, "")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(dong_kind).result(timeout=300) == LEGAL_DONG


def test_a_cp949_shapefile_with_sgis_columns_reads(synthetic: Synthetic, tmp_path: Path) -> None:
    """SGIS ships EPSG:5179 shapefiles with CP949 attributes, 8-digit ADM_CD and short names.

    SGIS numbers Seoul's districts 11010 … 11250 in SIG_CD order (종로구 11110 is 11010).
    """
    sgis = {sig: f"11{10 * (i + 1):03d}" for i, sig in enumerate(sorted(load_districts().sig_cd))}
    frame = synthetic.frame.assign(
        ADM_CD=lambda f: [sgis[c[:5]] + c[5:8] for c in f["ADM_CD"]],
        ADM_NM=lambda f: f["ADM_NM"].str.split().str[-1],
    )
    path = tmp_path / "bnd_dong_synthetic.shp"
    frame.to_crs("EPSG:5179").to_file(path, encoding="cp949")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    read = read_dong_boundaries(path)
    assert read.code_system == "8-digit 통계청 (SGIS) 행정동 code"
    assert read.polygons["name_ko"].str.fullmatch(r"합성\d+동").all()
    assert len(read.polygons) == len(frame)
    assert read.polygons.set_index("dong_cd")["sig_cd"].to_dict() == {
        sgis[c[:5]] + c[5:8]: c[:5] for c in synthetic.frame["ADM_CD"]
    }


def test_boundaries_shifted_like_a_missing_datum_shift_are_refused(
    synthetic: Synthetic, tmp_path: Path
) -> None:
    """A Bessel-datum file converted without its datum shift lands ~360 m off (KOSTAT 2013 copies)."""
    frame = synthetic.frame.copy()
    frame["geometry"] = frame.geometry.translate(xoff=-250.0, yoff=260.0)  # 361 m
    with pytest.raises(ValidationError, match=r"dongs lie in another 자치구 than their code says"):
        read_dong_boundaries(_write(frame, tmp_path / "shifted.geojson", "EPSG:4326"))


def test_names_without_hangul_point_at_the_encoding(synthetic: Synthetic, tmp_path: Path) -> None:
    """CP949 names read as Latin-1 (a .dbf without .cpg GDAL guessed wrong) become mojibake."""
    frame = synthetic.frame.copy()
    frame["ADM_NM"] = [n.encode("cp949").decode("latin-1") for n in frame["ADM_NM"]]
    with pytest.raises(
        ValidationError, match=r"name\(s\) have no Hangul .*\.cpg file saying CP949"
    ):
        read_dong_boundaries(_write(frame, tmp_path / "latin1.gpkg"))


def test_serve_refuses_to_start_with_a_bad_installed_file(
    synthetic: Synthetic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service checks SITING_DONG_BOUNDARIES at start, before it binds a port."""
    frame = synthetic.frame.drop(columns="ADM_NM")
    monkeypatch.setenv(ENV_VAR, str(_write(frame, tmp_path / "no_names.gpkg")))
    # (an unusable database too: without the check the command fails there, never serves)
    args = ["serve", "--data", str(tmp_path / "data"), "--database", "bogus://nowhere"]
    code, output = _run(args)
    assert code == 2, output
    assert "layer 'no_names.gpkg': has no 행정동 name column" in output
    assert not (tmp_path / "data").exists()


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _after_dong(header: list[str]) -> list[str]:
    at = header.index("dong")
    return header[at + 1 : at + 1 + len(DONG_DETAIL_COLUMNS)]


def test_the_dong_code_and_kind_follow_dong_in_every_site_table(
    synthetic: Synthetic, small_case: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """propose, plan and replace: ``dong_cd, dong_kind`` right after ``dong`` with a 행정동
    file; without one the tables keep exactly the 법정동 columns (nothing else moves)."""
    inventory = tmp_path / "cctv.csv"
    inventory.write_text(
        "device_id,x,y,install_year,n_devices\n"
        f"one,{X0 + 50},{Y0 + 50},2010,1\nfour,{X0 + 450},{Y0 + 50},2011,4\n",
        encoding="utf-8",
    )
    places = tmp_path / "places_synthetic.csv"
    places.write_text(
        f"x,y,weight\n{X0 + 60},{Y0 + 50},5\n{X0 + 460},{Y0 + 50},2\n", encoding="utf-8"
    )
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    pd.DataFrame(
        [
            {"sig_cd": "11290", "name_ko": "성북구", "priority": 1, "requested_krw": 80_000_000,
             "matching_secured_krw": 40_000_000, "city_share_krw": 40_000_000,
             "district_share_krw": 40_000_000, "status": "funded"}
        ]
    ).to_csv(round_dir / "cctv-new_round.csv", index=False, encoding="utf-8-sig")  # fmt: skip
    commands = {
        "proposals.csv": small_case,
        "plan_sites.csv": ["plan", str(round_dir), "--demand", str(places), "--crs", "EPSG:5186"],
        "replacement.csv": [
            "replace", str(inventory), "--device", "cctv", "--demand", str(places),
            "--crs", "EPSG:5186", "--reference-year", "2024",
        ],
    }  # fmt: skip
    for table, args in commands.items():
        headers = {}
        for kind, option in (("legal", []), ("admin", ["--dong-boundaries", str(synthetic.gpkg)])):
            out = tmp_path / f"{table}-{kind}"
            code, output = _run([*option, *args, "--out", str(out)])
            monkeypatch.setenv(ENV_VAR, "")  # the option is the installation setting: undo it
            use_dong_boundaries(None)
            assert code == 0, output
            headers[kind] = _header(out / table)
        assert _after_dong(headers["admin"]) == DONG_DETAIL_COLUMNS, table
        assert not set(DONG_DETAIL_COLUMNS) & set(headers["legal"]), table
        assert [c for c in headers["admin"] if c not in DONG_DETAIL_COLUMNS] == headers["legal"]
        at = headers["legal"].index("lon")
        assert headers["legal"][at : at + len(LOCATION_COLUMNS)] == LOCATION_COLUMNS, table


def test_without_a_haengjeongdong_file_the_proposal_columns_are_ids_location_rest(
    small_case: list[str], tmp_path: Path
) -> None:
    code, output = _run([*small_case, "--out", str(tmp_path / "o")])
    assert code == 0, output
    header = _header(tmp_path / "o" / "proposals.csv")
    assert header[:7] == ["order", "candidate_id", *LOCATION_COLUMNS]
    assert header.count("dong") == 1 and "dong_cd" not in header
