"""Existing CCTV sites watch by their camera count (camera model), or their whole disc (disc)."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import InputError
from siting.coverage import uncovered_weights, unwatched_share
from siting.demand import grid_demand
from siting.existing_cover import camera_share, existing_shares
from siting.profiles import get_profile
from siting.propose import propose
from siting.sampling import sample_demand

# 100 m cells wholly inside 성북구 (EPSG:5186, m); corner of the block.
X0, Y0, SIZE = 201_700.0, 555_200.0, 100.0
POLE = (X0 + 50.0, Y0 + 50.0)  # centre of cell (0, 0): its 50 m disc lies inside the cell
FAR = (X0 + 350.0, Y0 + 50.0)  # centre of cell (3, 0)


def _cells(scores: dict[tuple[int, int], float]) -> gpd.GeoDataFrame:
    keys = sorted(scores)
    return gpd.GeoDataFrame(
        {
            "cell_id": [f"{int(X0 + i * SIZE)}_{int(Y0 + j * SIZE)}" for i, j in keys],
            "score": [scores[k] for k in keys],
            "grade": "E",
            "sig_cd": "11290",
            "name_ko": "성북구",
        },
        geometry=gpd.points_from_xy(
            [X0 + (i + 0.5) * SIZE for i, _ in keys], [Y0 + (j + 0.5) * SIZE for _, j in keys]
        ),
        crs="EPSG:5186",
    )


def _points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        dict(columns),
        geometry=gpd.points_from_xy([a for a, _ in xy], [b for _, b in xy]),
        crs="EPSG:5186",
    )


def _disc_weight(cells: gpd.GeoDataFrame, centre: tuple[float, float]) -> float:
    """Demand weight of the 12.5 m samples within 50 m of ``centre``."""
    fine = sample_demand(grid_demand(cells), SIZE, 12.5)
    assert fine.samples is not None
    inside = np.hypot(*(fine.samples.xy - np.array(centre)).T) <= 50.0
    return float(fine.samples.weight[inside].sum())


def _propose(n_cameras: float | None, model: str = "cameras", **extra: object) -> object:
    cells = _cells({(0, 0): 8.0, (3, 0): 1.0})
    columns: dict[str, object] = {"device_id": ["pole-1"], "device_type": ["cctv"]}
    if n_cameras is not None:
        columns["n_devices"] = [n_cameras]
    existing = _points([POLE], **columns)
    candidates = _points([POLE, FAR], candidate_id=["at-pole", "far"])
    return propose(
        "cctv",
        candidates,
        grid_demand(cells),
        count=1,
        existing=existing,
        profile=get_profile("cctv", existing_cover=model, **extra),
        solver="exact",
    )


@pytest.mark.parametrize(("n", "left"), [(1, 0.75), (2, 0.5), (3, 0.25), (4, 0.0), (6, 0.0)])
def test_a_pole_leaves_the_share_of_its_disc_its_cameras_do_not_watch(n: int, left: float) -> None:
    """θ = 90°: 1 camera watches 1/4 of the disc, 4 cameras all of it."""
    p = _propose(n)
    disc = _disc_weight(_cells({(0, 0): 8.0, (3, 0): 1.0}), POLE)
    service = p.summary["services"][0]  # type: ignore[attr-defined]
    assert service["covered_by_existing_weight"] == pytest.approx((1 - left) * disc, rel=1e-9)
    assert service["existing_cover"]["model"] == "cameras"
    assert service["existing_cover"]["sites_by_cameras"] == {str(n): 1}
    sites = p.sites  # type: ignore[attr-defined]
    far_gain = _disc_weight(_cells({(0, 0): 8.0, (3, 0): 1.0}), FAR)
    if left * disc > far_gain:  # a new site next to a 1-3 camera pole is worth it
        assert sites["candidate_id"].tolist() == ["at-pole"]
        assert sites["marginal_weight"].iloc[0] == pytest.approx(left * disc, rel=1e-9)
    else:
        assert sites["candidate_id"].tolist() == ["far"]


def test_disc_model_counts_a_single_camera_pole_as_watching_its_whole_disc() -> None:
    p = _propose(1, model="disc")
    disc = _disc_weight(_cells({(0, 0): 8.0, (3, 0): 1.0}), POLE)
    service = p.summary["services"][0]  # type: ignore[attr-defined]
    assert service["covered_by_existing_weight"] == pytest.approx(disc, rel=1e-9)
    assert service["existing_cover"]["model"] == "disc"
    assert p.sites["candidate_id"].tolist() == ["far"]  # type: ignore[attr-defined]


def test_field_of_view_changes_the_share() -> None:
    p = _propose(2, camera_fov_deg=120.0)  # 2 × 120° = 240° → 2/3 watched
    disc = _disc_weight(_cells({(0, 0): 8.0, (3, 0): 1.0}), POLE)
    service = p.summary["services"][0]  # type: ignore[attr-defined]
    assert service["covered_by_existing_weight"] == pytest.approx(disc * 2 / 3, rel=1e-9)
    assert service["existing_cover"]["camera_fov_deg"] == 120.0


def test_the_interpretation_is_in_summary_reason_and_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="siting.existing_cover"):
        p = _propose(1)
    summary = p.summary  # type: ignore[attr-defined]
    text = summary["services"][0]["existing_cover"]["interpretation"]
    assert "min(1, n × 90° / 360°)" in text and "1 − Π(1 − share × aged credit)" in text
    assert summary["settings"]["profile"]["existing_cover"] == "cameras"
    assert summary["settings"]["profile"]["camera_fov_deg"] == 90.0
    assert "카메라 대수×90°/360°" in p.sites["reason"].iloc[0]  # type: ignore[attr-defined]
    assert any("camera model" in r.getMessage() for r in caplog.records)
    disc = _propose(1, model="disc")
    assert "반경 전체 감시" in disc.sites["reason"].iloc[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("count", [None, 0, float("nan")])
def test_missing_or_zero_camera_counts_count_as_one_and_are_reported(
    count: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="siting.existing_cover"):
        p = _propose(count)
    watch = p.summary["services"][0]["existing_cover"]  # type: ignore[attr-defined]
    assert watch["n_sites_count_assumed"] == 1
    assert watch["sites_by_cameras"] == {"1": 1}
    assert any("counted as 1 camera" in r.getMessage() for r in caplog.records)
    one = _propose(1).summary["services"][0]  # type: ignore[attr-defined]
    assert watch == one["existing_cover"] | {
        "n_sites_count_assumed": 1,
        "count_column": None if count is None else "n_devices",
    }


def test_wifi_access_points_always_watch_their_whole_disc() -> None:
    shares, report = existing_shares(
        _points([POLE], n_devices=[1]), None, service="wifi", model="cameras"
    )
    assert shares is None and report["model"] == "disc"
    shares, report = existing_shares(
        _points([POLE], n_devices=[1]), np.array([0.5]), service="wifi", model="cameras"
    )
    assert shares is not None and shares.tolist() == [0.5]


def test_aged_credit_multiplies_the_camera_share() -> None:
    shares, report = existing_shares(
        _points([POLE, FAR], n_devices=[2, 6]), np.array([0.5, 1.0]), service="cctv"
    )
    assert shares is not None and shares.tolist() == [0.25, 1.0]
    assert report["cameras"] == 8 and report["mean_watched_share"] == pytest.approx(0.625)


def test_a_bad_field_of_view_is_refused_naming_the_setting() -> None:
    with pytest.raises(InputError, match="field of view"):
        get_profile("cctv", camera_fov_deg=0.0)
    with pytest.raises(InputError, match="existing cover"):
        get_profile("cctv", existing_cover="sectors")
    with pytest.raises(InputError, match="field of view"):
        camera_share([1], 400.0)


def test_overlapping_partial_credits_combine_as_independent_watchers() -> None:
    """Two half-credited devices over one unit leave a quarter (the earlier rule left half)."""
    cover = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0]], dtype=np.uint8))
    out = uncovered_weights(np.array([4.0, 4.0, 4.0]), cover, partial_credit=np.array([0.5, 0.5]))
    assert out.tolist() == [2.0, 1.0, 4.0]
    assert unwatched_share(cover).tolist() == [0.0, 0.0, 1.0]


@st.composite
def _fleets(draw: st.DrawFn) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, float]:
    n_dev = draw(st.integers(1, 6))
    n_dem = draw(st.integers(1, 12))
    cells = draw(st.lists(st.booleans(), min_size=n_dev * n_dem, max_size=n_dev * n_dem))
    cover = sp.csr_matrix(np.array(cells, dtype=np.uint8).reshape(n_dev, n_dem))
    weights = np.array(draw(st.lists(st.floats(0, 1e6), min_size=n_dem, max_size=n_dem)))
    cameras = np.array(draw(st.lists(st.integers(1, 8), min_size=n_dev, max_size=n_dev)))
    credit = np.array(draw(st.lists(st.floats(0, 1), min_size=n_dev, max_size=n_dev)))
    fov = draw(st.floats(1.0, 360.0))
    return cover, weights, cameras, credit, fov


def _residual(
    cover: sp.csr_matrix, w: np.ndarray, cameras: np.ndarray, credit: np.ndarray, fov: float
) -> np.ndarray:
    return uncovered_weights(w, cover, partial_credit=camera_share(cameras, fov) * credit)


@settings(max_examples=150, deadline=None)
@given(fleet=_fleets(), which=st.integers(0, 5), more=st.integers(1, 4), extra=st.floats(0, 1))
def test_residual_lies_in_0_weight_and_falls_with_cameras_and_credit(
    fleet: tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, float],
    which: int,
    more: int,
    extra: float,
) -> None:
    cover, w, cameras, credit, fov = fleet
    base = _residual(cover, w, cameras, credit, fov)
    assert (base >= 0).all() and (base <= w).all()
    i = which % len(cameras)
    more_cams = cameras.copy()
    more_cams[i] += more
    assert (_residual(cover, w, more_cams, credit, fov) <= base).all()
    more_credit = credit.copy()
    more_credit[i] = credit[i] + (1 - credit[i]) * extra
    assert (_residual(cover, w, cameras, more_credit, fov) <= base).all()
    # no credit: nothing is removed; full shares: the disc rule (0 wherever a device reaches)
    assert (_residual(cover, w, cameras, np.zeros_like(credit), fov) == w).all()
    reached = np.asarray(cover.sum(axis=0)).ravel() > 0
    full = uncovered_weights(w, cover, partial_credit=np.ones(len(cameras)))
    assert (full == np.where(reached, 0.0, w)).all()
    # the rule does not depend on the order of the devices
    order = np.arange(len(cameras))[::-1]
    flipped = _residual(cover[order], w, cameras[order], credit[order], fov)
    np.testing.assert_allclose(flipped, base, rtol=1e-12, atol=1e-9)


def _replacement_fleet() -> tuple[gpd.GeoDataFrame, object]:
    from siting.demand import layer_demand

    devices = _points(
        [(X0, Y0), (X0 + 300, Y0), (X0 + 330, Y0)],
        device_id=["one", "two", "six"],
        install_year=[2010, 2010, 2010],
        n_devices=[1, 2, 6],
        sig_cd="11290",
        name_ko="성북구",
    )
    places = _points([(X0 + 10, Y0), (X0 + 300, Y0 + 10), (X0 + 320, Y0)], weight=[4.0, 2.0, 8.0])
    return devices, layer_demand(places)


@pytest.mark.parametrize(
    ("model", "covered", "sole"),
    [
        # disc: each site watches its whole disc; "sole" = weight no other site reaches
        ("disc", {"one": 4.0, "two": 10.0, "six": 10.0}, {"one": 4.0, "two": 0.0, "six": 0.0}),
        # cameras: 1/4, 1/2, 1; "two" watches alone only where "six" (share 1) does not reach
        ("cameras", {"one": 1.0, "two": 5.0, "six": 10.0}, {"one": 1.0, "two": 0.0, "six": 5.0}),
    ],
)
def test_replacement_ranks_by_the_weight_a_site_expects_to_watch(
    model: str, covered: dict[str, float], sole: dict[str, float]
) -> None:
    from siting.replace import plan_replacement

    devices, demand = _replacement_fleet()
    plan = plan_replacement(
        devices,
        demand,  # type: ignore[arg-type]
        device="cctv",
        reference_year=2024,
        profile=get_profile("cctv", existing_cover=model),
    )
    table = plan.plan.set_index("device_id")
    assert table["covered_weight"].to_dict() == pytest.approx(covered)
    assert table["sole_weight"].to_dict() == pytest.approx(sole)
    assert plan.summary["existing_cover"]["model"] == model
