"""`grid import` of a graded grid on the 100 m 국가지점번호 lattice (EPSG:5179): every source
cell's area lands once on the EPSG:5186 lattice; per-district D/E counts match an exact
polygon overlay of the source cells with the district polygons."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from layers.districts import load_districts
from layers.errors import ConfigError
from layers.riskgrid import grade_counts_by_district, import_grid

DISTRICT = "종로구"


def _source_5179(tmp_path: Path, *, rotate_deg: float, seed: int) -> tuple[Path, gpd.GeoDataFrame]:
    """A SYNTHETIC seeded random-grade 100 m grid in EPSG:5179 over a district.

    With ``rotate_deg`` the lattice is turned further about its origin (a rotated
    geotransform), on top of the ~0.3° between EPSG:5179 and EPSG:5186 at Seoul.
    """
    d = load_districts().to_crs("EPSG:5179")
    x0, y0, x1, y1 = d[d.name_ko == DISTRICT].total_bounds
    pad = 300.0
    ox, oy = np.floor((x0 - pad) / 100) * 100, np.ceil((y1 + pad) / 100) * 100
    width, height = int((x1 - ox + pad) // 100) + 1, int((oy - y0 + pad) // 100) + 1
    rng = np.random.default_rng(seed)
    grades = rng.choice(np.arange(1, 6, dtype=np.uint8), size=(height, width),
                        p=[0.3, 0.25, 0.2, 0.15, 0.1])  # fmt: skip
    grades[rng.random((height, width)) < 0.05] = 0  # some ungraded cells
    transform = Affine.translation(ox, oy) @ Affine.rotation(rotate_deg) @ Affine.scale(100, -100)
    path = tmp_path / f"national_grid_synthetic_{rotate_deg:g}.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
        crs="EPSG:5179", transform=transform, nodata=0,
    ) as dst:  # fmt: skip
        dst.write(grades, 1)
    rows, cols = np.nonzero(grades)
    corners = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    rings = np.stack(
        [np.column_stack(transform @ (cols + dc, rows + dr)) for dc, dr in corners], axis=1
    )
    cells = gpd.GeoDataFrame(
        {"grade": grades[rows, cols]}, geometry=shapely.polygons(rings), crs="EPSG:5179"
    )
    return path, cells


def _exact_overlay_de(cells: gpd.GeoDataFrame) -> dict[str, float]:
    """D/E cells per district polygon by exact overlay (cell-area units), via geopandas."""
    de = cells[cells.grade >= 4].to_crs("EPSG:5186")
    districts = load_districts()[["sig_cd", "geometry"]]
    pieces = gpd.overlay(de, districts, how="intersection", keep_geom_type=True)
    return (pieces.geometry.area / 100.0**2).groupby(pieces.sig_cd).sum().to_dict()


def _exact_overlay_on_counted_cells(cells: gpd.GeoDataFrame, grid: object, sig_cd: str) -> float:
    """D/E area (cell units) inside the lattice cells counted for a district (centroid rule),
    by exact polygon overlay of the source cells with those cells, via geopandas."""
    from layers.riskgrid.grid import district_membership

    transform, shape = grid.transform, grid.shape  # type: ignore[attr-defined]
    index = list(load_districts().sig_cd).index(sig_cd)
    rows, cols = np.nonzero(district_membership(transform, shape) == index)
    size = transform.a
    x0, y1 = transform.c + cols * size, transform.f - rows * size
    counted = gpd.GeoDataFrame(geometry=shapely.box(x0, y1 - size, x0 + size, y1), crs="EPSG:5186")
    de = cells[cells.grade >= 4].to_crs("EPSG:5186")
    pieces = gpd.overlay(de, counted, how="intersection", keep_geom_type=True)
    return float(pieces.geometry.area.sum() / size**2)


@pytest.mark.parametrize("rotate_deg", [0.0, 7.5])
def test_rotated_national_grid_keeps_de_counts_of_an_exact_overlay(
    tmp_path: Path, rotate_deg: float
) -> None:
    path, cells = _source_5179(tmp_path, rotate_deg=rotate_deg, seed=11)
    grid = import_grid(path)
    assert grid.tags["grade_rule"] == "balanced"
    # no source cell lost or counted twice: mapped area = source area
    source = float(grid.tags["source_area_km2"])
    assert float(grid.tags["mapped_area_km2"]) == pytest.approx(source, rel=1e-9)
    assert source == pytest.approx(cells.to_crs("EPSG:5186").area.sum() / 1e6, rel=1e-6)
    counts = grade_counts_by_district(grid).set_index("sig_cd")
    target = load_districts().set_index("name_ko").loc[DISTRICT, "sig_cd"]
    got = counts.loc[target, "vulnerable_cells"]
    # the district's counted cells (centroid rule, as for a built grid) overlaid exactly
    assert got == pytest.approx(_exact_overlay_on_counted_cells(cells, grid, target), rel=0.005)
    # the district polygon overlaid exactly: differs only by the centroid rule at its edge
    assert got == pytest.approx(_exact_overlay_de(cells)[target], rel=0.01)


def test_centroid_sampling_would_lose_and_double_count_cells(tmp_path: Path) -> None:
    """Why the overlay: sampling the source at target centroids misses and repeats cells."""
    path, cells = _source_5179(tmp_path, rotate_deg=0.0, seed=11)
    grid = import_grid(path)
    centroids = gpd.GeoDataFrame(geometry=grid.cells().geometry, crs="EPSG:5186")
    hits = gpd.sjoin(centroids, cells.to_crs("EPSG:5186"), predicate="within")
    per_source = hits.index_right.value_counts()
    lost = len(cells) - len(per_source)
    doubled = int((per_source > 1).sum())
    assert lost > 0 and doubled > 0  # what the old centroid rule did on this grid


def test_grade_rules_are_a_setting(tmp_path: Path) -> None:
    path, _ = _source_5179(tmp_path, rotate_deg=0.0, seed=3)
    balanced = import_grid(path)
    worst = import_grid(path, grade_rule="worst")
    majority = import_grid(path, grade_rule="majority")
    de = {
        name: int(np.isin(g.grade, (4, 5)).sum())
        for name, g in (("balanced", balanced), ("worst", worst), ("majority", majority))
    }
    assert de["worst"] > de["balanced"]  # conservative: any D/E overlap makes the cell D/E
    assert worst.tags["grade_rule"] == "worst" and majority.tags["grade_rule"] == "majority"
    with pytest.raises(ConfigError, match="unknown grade rule"):
        import_grid(path, grade_rule="mean")


def test_polygon_cells_in_5179_import_like_the_raster(tmp_path: Path) -> None:
    path, cells = _source_5179(tmp_path, rotate_deg=0.0, seed=5)
    gpkg = tmp_path / "national_grid_synthetic.gpkg"
    cells.to_file(gpkg)
    from_raster = import_grid(path)
    from_polygons = import_grid(gpkg, grade_column="grade")
    assert np.array_equal(from_raster.grade, from_polygons.grade)
