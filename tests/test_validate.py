"""validate_layer: every problem at once, repairs only on request and counted."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from layers.errors import ValidationError
from layers.validate import validate_layer

BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])


def _layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["a", "b", "b", "c"]},
        geometry=[box(0, 0, 1, 1), BOWTIE, box(2, 2, 3, 3), BOWTIE],
        crs="EPSG:5186",
    )


def test_reports_everything_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        validate_layer(_layer(), layer="sites", id_column="id")
    err = info.value
    assert len(err.problems) == 2
    assert "Self-intersection" in err.problems[0] and "rows 2, 4" in err.problems[0]
    assert err.problems[1] == "duplicate id 'b' in rows 2, 3"
    assert "layer 'sites'" in str(err) and "fix:" in str(err)


def test_repair_is_explicit_and_counted() -> None:
    frame = _layer().iloc[[0, 1, 3]]
    fixed, repaired = validate_layer(frame, layer="sites", rows=[1, 2, 4], repair=True)
    assert repaired == [2, 4]
    assert fixed.geometry.is_valid.all()
    _, none = validate_layer(fixed, layer="sites")
    assert none == []
