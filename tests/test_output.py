"""Atomic, non-clobbering outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.errors import InputError, OutputExistsError
from layers.output import (
    display_path,
    file_sha256,
    run_manifest,
    staged_outputs,
    write_csv,
    write_gpkg,
    write_xlsx,
)


def test_files_appear_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), staged_outputs(out) as stage:
        (stage / "a.csv").write_text("half")
        raise RuntimeError("boom")
    assert list(out.iterdir()) == []  # nothing moved in, staging removed


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("old")
    with pytest.raises(OutputExistsError, match="--overwrite"), staged_outputs(tmp_path) as stage:
        (stage / "a.csv").write_text("new")
        (stage / "b.csv").write_text("new")
    assert (tmp_path / "a.csv").read_text() == "old"
    assert not (tmp_path / "b.csv").exists()  # conflict found before anything moved
    with staged_outputs(tmp_path, overwrite=True) as stage:
        (stage / "a.csv").write_text("new")
    assert (tmp_path / "a.csv").read_text() == "new"


def test_inputs_are_never_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "input.csv"
    source.write_text("precious")
    with (
        pytest.raises(InputError, match="overwrite an input"),
        staged_outputs(tmp_path, overwrite=True, protected=[source]) as stage,
    ):
        (stage / "input.csv").write_text("x")
    assert source.read_text() == "precious"


def test_out_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(InputError, match="is a file"), staged_outputs(target):
        pass


def test_csv_has_bom_and_is_deterministic(tmp_path: Path) -> None:
    table = pd.DataFrame({"name_ko": ["종로구", "중구"], "value": [1 / 3, 2.5]})
    write_csv(table, tmp_path / "a.csv")
    write_csv(table.copy(), tmp_path / "b.csv")
    raw = (tmp_path / "a.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw == (tmp_path / "b.csv").read_bytes()
    assert "종로구" in raw.decode("utf-8-sig")


def test_manifest_records_inputs(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"abc")
    manifest = run_manifest("x", inputs=[source], settings={"k": 1}, seed=3)
    assert manifest["inputs"][0]["sha256"] == file_sha256(source)
    assert manifest["settings"] == {"k": 1} and manifest["seed"] == 3
    assert {"GDAL", "PROJ", "GEOS"} <= set(manifest["versions"])


def test_display_path_hides_the_staging_folder(tmp_path: Path) -> None:
    with staged_outputs(tmp_path / "out") as stage:
        inner = stage / "grid" / "a.toml"
        assert display_path(inner) == "grid/a.toml"
    assert display_path(tmp_path / "x.csv") == str(tmp_path / "x.csv")


def test_gpkg_and_xlsx_are_byte_identical_across_runs(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely import Point

    layer = gpd.GeoDataFrame({"name_ko": ["종로구"]}, geometry=[Point(0, 0)], crs="EPSG:5186")
    table = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        write_gpkg({"layer": layer}, tmp_path / name / "t.gpkg")
        write_xlsx({"sheet": table, "other": table}, tmp_path / name / "t.xlsx")
    assert (tmp_path / "one/t.gpkg").read_bytes() == (tmp_path / "two/t.gpkg").read_bytes()
    assert (tmp_path / "one/t.xlsx").read_bytes() == (tmp_path / "two/t.xlsx").read_bytes()
    back = pd.read_excel(tmp_path / "one/t.xlsx", sheet_name="other", header=1)
    pd.testing.assert_frame_equal(back, table)
