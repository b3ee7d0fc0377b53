"""Uploads through a running server: every file type the CLI reads, limits, unsafe archives."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _korean_fixtures as kf
import httpx
import pytest
from _maps_fixtures import synthetic_grid_tif

from service.uploads import UploadLimits, UploadRefused, safe_filename, unpack_zip


def _post(client: httpx.Client, headers: dict[str, str], name: str, data: bytes) -> httpx.Response:
    return client.post("/uploads", params={"filename": name}, content=data, headers=headers)


def _cli_inspect(path: Path) -> dict[str, Any]:
    """What the real command prints (``siting inspect FILE --json``)."""
    siting = Path(sys.executable).parent / "siting"
    out = subprocess.run(
        [str(siting), "inspect", str(path), "--json"], capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout))


@pytest.fixture
def city(make_user: Callable[..., dict[str, Any]]) -> dict[str, str]:
    return dict(make_user("city-staff", "city")["headers"])


def test_csv_upload_returns_the_cli_inspection_report(
    client: httpx.Client, city: dict[str, str], tmp_path: Path
) -> None:
    path = kf.wifi_csv(tmp_path / "서울시_공공와이파이.csv")
    r = _post(client, city, path.name, path.read_bytes())
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/uploads/{body['id']}"
    expected = _cli_inspect(path)
    got = body["inspection"]
    for key in ("kind", "encoding", "crs", "rows_read", "rows_kept", "rows_dropped", "by_district"):
        assert got[key] == expected[key], key
    assert got["encoding"] == "cp949"
    assert got["path"] == path.name  # never the server's folder
    assert body["size"] == path.stat().st_size
    again = client.get(f"/uploads/{body['id']}", headers=city).json()
    assert again["inspection"] == got


@pytest.mark.parametrize(
    "make",
    [
        lambda p: kf.cctv_xlsx_2024(p / "cctv_by_year.xlsx"),
        lambda p: kf.bowtie_geojson(p / "zones.geojson"),
        lambda p: kf.safety_cctv_csv(p / "안심이.csv"),
    ],
    ids=["xlsx", "geojson", "csv-safety"],
)
def test_each_file_type_is_read_with_the_cli_readers(
    client: httpx.Client, city: dict[str, str], tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    r = _post(client, city, path.name, path.read_bytes())
    if r.status_code == 422:  # a layer the readers refuse: the same message as the CLI
        from layers.errors import SitingError
        from layers.readers import read_layer

        with pytest.raises(SitingError) as err:
            read_layer(path)
        problem = r.json()
        assert problem["layer"] == err.value.layer == path.name
        assert problem["detail"] == str(err.value)
        assert problem["fix"] == err.value.fix
        return
    assert r.status_code == 201, r.text
    assert r.json()["inspection"]["kind"] == _cli_inspect(path)["kind"]


def test_gpkg_and_geotiff_uploads(
    client: httpx.Client, city: dict[str, str], tmp_path: Path
) -> None:
    from layers.districts import load_districts

    gpkg = tmp_path / "districts.gpkg"
    load_districts().head(3).to_file(gpkg, layer="districts", engine="pyogrio")
    r = _post(client, city, gpkg.name, gpkg.read_bytes())
    assert r.status_code == 201, r.text
    assert r.json()["inspection"]["rows_kept"] == 3

    tif = synthetic_grid_tif(tmp_path / "grid.tif", load_districts(), cell_m=500.0)
    r = _post(client, city, tif.name, Path(tif).read_bytes())
    assert r.status_code == 201, r.text
    report = r.json()["inspection"]
    assert report["kind"] == "risk_grid"
    assert sum(report["cells_by_grade"].values()) > 0
    assert len(report["vulnerable_cells_by_district"]) == 25


def _zip(entries: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_zipped_shapefile_reads_like_the_cli(
    client: httpx.Client, city: dict[str, str], tmp_path: Path
) -> None:
    shp = kf.cp949_shapefile(tmp_path / "cctv.shp")
    parts = {p.name: p.read_bytes() for p in tmp_path.glob("cctv.*")}
    r = _post(client, city, "cctv.zip", _zip({f"layer/{k}": v for k, v in parts.items()}))
    assert r.status_code == 201, r.text
    got = r.json()["inspection"]
    expected = _cli_inspect(shp)
    assert got["rows_kept"] == expected["rows_kept"] == 2
    assert got["crs"] == expected["crs"]


@pytest.mark.parametrize(
    ("entries", "symlink", "words"),
    [
        ({"../evil.csv": b"a,b\n1,2\n"}, None, "climbs out"),
        ({"/etc/evil.csv": b"a,b\n1,2\n"}, None, "absolute"),
        ({"ok/../../evil.csv": b"a,b\n1,2\n"}, None, "climbs out"),
        ({"a.csv": b"a,b\n1,2\n"}, "link.csv", "symbolic link"),
        ({"inner.zip": b"PK"}, None, "nested archive"),
    ],
    ids=["dotdot", "absolute", "deep-dotdot", "symlink", "nested"],
)
def test_unsafe_zip_members_are_refused(
    client: httpx.Client,
    city: dict[str, str],
    settings: Any,
    entries: dict[str, bytes],
    symlink: str | None,
    words: str,
) -> None:
    r = _post(client, city, "layer.zip", _zip(entries, symlink=symlink))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert words in r.json()["detail"]
    assert not (Path(settings.data) / "evil.csv").exists()
    assert not (Path(settings.data).parent / "evil.csv").exists()
    uploads = Path(settings.uploads_dir)
    assert not any(uploads.iterdir())  # nothing kept of a refused upload


def test_oversized_upload_is_413_and_nothing_is_kept(
    client: httpx.Client, city: dict[str, str], settings: Any
) -> None:
    too_big = b"x" * (settings.upload_limit + 1)
    r = _post(client, city, "big.csv", too_big)
    assert r.status_code == 413
    assert r.json()["status"] == 413
    assert not any(Path(settings.uploads_dir).iterdir())

    def chunks() -> Any:  # no Content-Length: the stream is cut at the limit
        for _ in range(settings.upload_limit // 65536 + 2):
            yield b"y" * 65536

    r = client.post("/uploads", params={"filename": "big.csv"}, content=chunks(), headers=city)
    assert r.status_code == 413
    assert not any(Path(settings.uploads_dir).iterdir())


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.csv", b"0" * (20 * 1024 * 1024))
    limits = UploadLimits(max_bytes=10 * 1024 * 1024, max_unpacked_bytes=50 * 1024 * 1024)
    with pytest.raises(UploadRefused, match="zip bomb") as err:
        unpack_zip(archive, tmp_path / "out", limits=limits)
    assert err.value.status == 422
    small = UploadLimits(max_unpacked_bytes=1024 * 1024, max_ratio=1e9)
    with pytest.raises(UploadRefused, match="unpacks to") as err:
        unpack_zip(archive, tmp_path / "out2", limits=small)
    assert err.value.status == 413
    assert not (tmp_path / "out2" / "zeros.csv").exists()


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(12):
            zf.writestr(f"f{i}.csv", b"a\n")
    with pytest.raises(UploadRefused, match="holds 12 members"):
        unpack_zip(archive, tmp_path / "out", limits=UploadLimits(max_members=10))


def test_file_names_lose_their_folders_and_unknown_types_are_415(
    client: httpx.Client, city: dict[str, str]
) -> None:
    assert safe_filename("../../etc/서울시 CCTV.csv") == "서울시 CCTV.csv"
    r = _post(client, city, "run.exe", b"MZ")
    assert r.status_code == 415
    r = _post(client, city, "..", b"a")
    assert r.status_code in (400, 415)


def test_unreadable_file_gives_the_readers_problem_and_is_not_kept(
    client: httpx.Client, city: dict[str, str], settings: Any
) -> None:
    r = _post(client, city, "empty.geojson", b'{"type":"FeatureCollection","features":[]}')
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["layer"] == "empty.geojson"
    assert problem["fix"]
    assert not any(Path(settings.uploads_dir).iterdir())


def test_uploads_need_a_token_and_a_writing_role(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    assert client.post("/uploads", params={"filename": "a.csv"}, content=b"a").status_code == 401
    viewer = make_user("council", "viewer")["headers"]
    assert _post(client, viewer, "a.csv", b"a,b\n").status_code == 403


def test_a_planner_cannot_read_another_districts_upload(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    nowon = make_user("nowon", "district", "노원구")["headers"]
    gangnam = make_user("gangnam", "district", "강남구")["headers"]
    path = kf.wifi_csv(tmp_path / "wifi.csv")
    upload = _post(client, nowon, path.name, path.read_bytes()).json()
    assert client.get(f"/uploads/{upload['id']}", headers=nowon).status_code == 200
    assert client.get(f"/uploads/{upload['id']}", headers=gangnam).status_code == 404
    assert upload["id"] not in {
        u["id"] for u in client.get("/uploads", headers=gangnam).json()["uploads"]
    }
