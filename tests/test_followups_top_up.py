"""Top-ups of existing CCTV poles under the camera model: credited their marginal share."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from siting.candidates import prepare_candidates, study_area
from siting.demand import layer_demand
from siting.profiles import get_profile
from siting.propose import propose
from siting.site_capacity import CameraSiteModel, top_up_shares

# Inside 성북구 (EPSG:5186, m); SYNTHETIC poles and demand.
X0, Y0 = 201_700.0, 555_200.0
WEIGHT = 8.0


@given(
    per=st.integers(1, 6),
    extra=st.integers(0, 4),
    least=st.one_of(st.none(), st.integers(1, 6)),
    n=st.integers(0, 12),
)
def test_every_top_up_leaves_the_pole_at_least_a_new_sites_cameras(
    per: int, extra: int, least: int | None, n: int
) -> None:
    least = None if least is None else min(least, per)
    model = CameraSiteModel(per, per + extra, min_cameras_added=least)
    k = int(model.cameras_added([n])[0])
    if k:
        assert n + k >= per
        fov = 360.0 / per  # the narrowest lens with which a new site watches its whole disc
        before, after = top_up_shares([n], [k], fov)
        assert after[0] == pytest.approx(1.0) and before[0] <= after[0]


def _propose(n_cameras: int, *, in_existing: bool, cover: str = "cameras") -> tuple[float, dict]:
    """One pole with ``n_cameras``, topped up (fewest added 1), over one demand point."""
    pole = gpd.GeoDataFrame(
        {"device_id": ["POLE-1"], "n_devices": [n_cameras], "install_year": [2023]},
        geometry=gpd.points_from_xy([X0 + 300], [Y0 + 300]),
        crs="EPSG:5186",
    )
    area = study_area(["11290"])
    model = CameraSiteModel(min_cameras_added=1)
    candidates = prepare_candidates(
        pole.assign(candidate_id=pole["device_id"], existing_cameras=pole["n_devices"]),
        area,
        source="SYNTHETIC existing CCTV pole",
        candidate_source="cctv_pole",
        site_model=model,
    )
    demand = layer_demand(
        gpd.GeoDataFrame(
            {"weight": [WEIGHT]}, geometry=gpd.points_from_xy([X0 + 310], [Y0 + 300]), crs=5186
        ),
        name="SYNTHETIC demand point",
    )
    proposal = propose(
        "cctv",
        candidates,
        demand,
        count=1,
        existing=pole if in_existing else None,
        profile=get_profile("cctv", existing_cover=cover),
        reference_year=2024,
    )
    if not len(proposal.sites):  # the top-up adds nothing: not placed
        return 0.0, proposal.summary | {"reason": ""}
    site = proposal.sites.iloc[0]
    assert int(site["existing_cameras"]) == n_cameras
    return float(site["marginal_weight"]), proposal.summary | {"reason": site["reason"]}


@pytest.mark.parametrize("n_cameras", [1, 2, 3, 5])
def test_a_partial_top_up_is_credited_its_marginal_share(n_cameras: int) -> None:
    k = int(CameraSiteModel(min_cameras_added=1).cameras_added([n_cameras])[0])
    assert k < 4 or n_cameras < 3  # 3 → 3 cameras, 5 → 1 camera: partial top-ups
    before, after = top_up_shares([n_cameras], [k], 90.0)
    credited, summary = _propose(n_cameras, in_existing=True)
    assert credited == pytest.approx(WEIGHT * float(after[0] - before[0]))
    rule = summary["candidates"]["site_model"]["top_up_rule"]
    assert "n + k ≥ 4" in rule and "whole disc for a field of view ≥ 90°" in rule
    assert "pole is among the existing devices" in rule
    if after[0] > before[0]:
        assert "기존 지주 증설은 (기존+추가) 대수로 계산" in summary["reason"]
    else:  # a 5-camera pole already watches its whole disc: a 1-camera top-up buys nothing
        assert summary["n_selected"] == 0


def test_the_credit_needs_the_pole_among_the_existing_devices() -> None:
    """The stated condition: a pole left out of the existing layer is not deducted."""
    credited, _ = _propose(3, in_existing=False)
    assert credited == pytest.approx(WEIGHT)
    credited, _ = _propose(3, in_existing=True, cover="disc")
    assert credited == pytest.approx(0.0)  # disc model: the pole already watched it all
    assert np.isfinite(credited)
