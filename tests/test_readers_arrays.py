"""The readers' array paths (what ``siting inspect`` runs on big files) keep the old answers."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import _korean_fixtures as fx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.coords import to_float_plain
from layers.readers import read_layer
from layers.readers._common import _SPACE, _starts_with_seoul, has_repeats, seoul_rows
from layers.readers.report import format_row_ranges, row_ranges


def test_space_class_is_pythons_whitespace() -> None:
    """The RE2 class used by Arrow matches exactly the characters Python's ``\\s`` matches."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    arrow = pc.match_substring_regex(pa.array(chars), f"^{_SPACE}$").to_numpy(zero_copy_only=False)
    python = np.array([re.match(r"\s", c) is not None for c in chars])
    assert arrow.sum() == python.sum() > 20
    np.testing.assert_array_equal(arrow, python)


_name_text = st.text(
    alphabet=st.sampled_from([" ", "\t", "\u3000", "\xa0", "서", "울", "시", "특", "별", "a", "1"]),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(_name_text, min_size=1, max_size=20))
def test_property_seoul_prefix_equals_python_match(cells: list[str]) -> None:
    """Arrow's regex gives what ``str.match(r"\\s*서\\s*울")`` gave, cell by cell."""
    values = pd.Series(cells, dtype="str")
    expected = np.array([re.match(r"\s*서\s*울", c) is not None for c in cells])
    np.testing.assert_array_equal(_starts_with_seoul(values), expected)


_coordinate_text = st.one_of(
    st.floats(120, 135, allow_nan=False).map(lambda v: f"{v:.6f}"),
    st.floats(30, 40, allow_nan=False).map(lambda v: f"{v:.6f}"),
    st.sampled_from(["", " 37.5", "127,0", "1,26.9", "126.9e0", "3.75e1", "없음", "+37.55", "."]),
)


@settings(max_examples=150, deadline=None)
@given(
    xs=st.lists(_coordinate_text, min_size=1, max_size=25),
    data=st.data(),
)
def test_property_seoul_filter_with_parsed_coordinates(xs: list[str], data: Any) -> None:
    """The Seoul filter fed with already parsed coordinates keeps the same rows."""
    ys = data.draw(st.lists(_coordinate_text, min_size=len(xs), max_size=len(xs)))
    names = data.draw(st.lists(st.sampled_from(["서울특별시 중구청", "부산광역시청", ""]), min_size=len(xs), max_size=len(xs)))  # fmt: skip
    frame = pd.DataFrame({"관리기관명": names, "경도": xs, "위도": ys}, dtype="str")
    parsed = (to_float_plain(frame["경도"]), to_float_plain(frame["위도"]))
    np.testing.assert_array_equal(
        seoul_rows(frame, "경도", "위도", parsed=parsed), seoul_rows(frame, "경도", "위도")
    )


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["A", "B", "C"], False),
        (["A", "", "", "B"], False),  # blanks are no identifier
        (["A", "B", "A"], True),
        ([], False),
    ],
)
def test_has_repeats(cells: list[str], expected: bool) -> None:
    for dtype in ("str", object):
        assert has_repeats(pd.Series(cells, dtype=dtype)) is expected


def test_row_ranges_unsorted_and_limited() -> None:
    assert row_ranges([9, 3, 4, 4, 5, 1]) == [(1, 1), (3, 5), (9, 9)]
    assert row_ranges(list(range(1, 100, 2)), 2) == [(1, 1), (3, 3)]
    assert row_ranges([]) == []
    assert format_row_ranges([]) == ""


@pytest.mark.parametrize(
    "make",
    [fx.safety_cctv_csv, fx.cctv_standard_csv, fx.wifi_csv, fx.streetlight_csv,
     fx.security_light_csv],
)  # fmt: skip
def test_without_geometry_the_report_is_the_same(tmp_path: Path, make: Any) -> None:
    """``geometry=False`` (inspect) reports exactly what a full read reports."""
    path = make(tmp_path / "f.csv")
    full = read_layer(path)
    light = read_layer(path, geometry=False, keep_columns=False)
    assert light.report.to_dict() == full.report.to_dict() | {
        "notes": light.report.notes  # the light read notes the columns it skipped
    }
    assert [n for n in light.report.notes if not n.startswith("read ")] == full.report.notes
    assert "geometry" not in light.frame.columns
    shared = [c for c in light.frame.columns if c in full.frame.columns]
    assert {"source_row", "sig_cd", "name_ko", "device_id"} <= set(shared)
    pd.testing.assert_frame_equal(
        pd.DataFrame(light.frame[shared]), pd.DataFrame(full.frame[shared])
    )


def test_district_columns_are_text_columns(tmp_path: Path) -> None:
    """``sig_cd``/``name_ko`` keep the dtype they had (pandas ``str``)."""
    frame = read_layer(fx.streetlight_csv(tmp_path / "s.csv")).frame
    expected = pd.Series(["x"], dtype=object).astype(str).dtype
    assert frame["sig_cd"].dtype == expected and frame["name_ko"].dtype == expected
    assert frame["sig_cd"].str.fullmatch(r"11\d{3}").all()


def test_stored_district_raster_is_current() -> None:
    """The shipped raster is the rasterisation of the bundled districts (else regenerate it:
    ``d = _district_polygons(); write_district_raster(d.geometry.to_numpy(), d.sig_cd,
    d.name_ko)``)."""
    from layers import district_raster as dr
    from layers.coords import _district_polygons

    polygons = _district_polygons()
    geoms = polygons.geometry.to_numpy()
    # the stored polygons are the district layer's, and are used with this boundary data
    kept = dr.stored_districts()
    assert kept is not None, "layers/data/district_raster_20m.npz is from other boundary data"
    assert dr.polygons_digest(kept.geoms) == dr.polygons_digest(geoms)
    assert kept.codes.tolist() == polygons["sig_cd"].astype(str).tolist()
    assert kept.names.tolist() == polygons["name_ko"].astype(str).tolist()
    stored = dr._stored(dr.polygons_digest(geoms))
    assert stored is not None, "layers/data/district_raster_20m.npz is missing or stale"
    fresh = dr.rasterise_districts(geoms)
    np.testing.assert_array_equal(stored.labels, fresh.labels)
    assert (stored.left, stored.top, stored.cell) == (fresh.left, fresh.top, fresh.cell)
    # other polygons never get this raster
    assert dr._stored(dr.polygons_digest(geoms[::-1])) is None
    assert (stored.labels > 0).mean() > 0.3


@pytest.mark.parametrize(
    "cells",
    [
        ["0.0000000", "+100000000000000010"],  # pandas reads the big integer by column mode
        ["37.5", "", " "],
        ["37.5", "1,234.5", "없음"],
        ["", "+100000000000000010"],
    ],
)
def test_to_float_reads_a_column_as_pandas_does(cells: list[str]) -> None:
    from layers.coords import _parse_text

    for dtype in ("str", object):
        values = pd.Series(cells, dtype=dtype)
        np.testing.assert_array_equal(to_float_plain(values)[0], _parse_text(values))
        frame = pd.DataFrame({"경도": values, "위도": values})
        parsed = (to_float_plain(frame["경도"]), to_float_plain(frame["위도"]))
        np.testing.assert_array_equal(
            seoul_rows(frame, "경도", "위도", parsed=parsed), seoul_rows(frame, "경도", "위도")
        )


def test_districts_from_other_boundary_data_are_not_the_stored_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another boundary bundle (or PROJ) gives another key: the polygons are loaded instead."""
    from layers import coords
    from layers import district_raster as dr

    assert dr.boundary_source_key() == dr.boundary_source_key()
    assert dr.boundary_source_key(10.0) != dr.boundary_source_key()
    monkeypatch.setattr(dr, "boundary_source_key", lambda cell=dr.RASTER_CELL_M: "other")
    assert dr.stored_districts() is None
    coords._district_layer.cache_clear()
    try:
        layer = coords._district_layer()
        polygons = coords._district_polygons()
        assert layer.codes.tolist() == polygons["sig_cd"].astype(str).tolist()
        raster = dr._stored(dr.polygons_digest(polygons.geometry.to_numpy()))
        assert raster is not None
        np.testing.assert_array_equal(layer.raster.labels, raster.labels)
    finally:
        coords._district_layer.cache_clear()
