"""Camera sites: how many cameras a site holds, how many a proposal adds, what that costs.

A CCTV *site* is one pole (a streetlight, a security light, an existing CCTV
pole, or a new pole on a lattice point) carrying several cameras: the 2023
programme placed 2,138 cameras at 574 sites, about 3.7 a site (2023 business
report of the Digital Policy Bureau). The model, every part of it a setting
[choice]:

- a proposal installs ``cameras_per_site`` cameras at a site (default 4, the
  device profile's cameras a site);
- a pole holds at most ``site_capacity`` cameras (default 6); an existing CCTV
  pole already carrying ``k`` cameras takes ``min(cameras_per_site,
  site_capacity − k)`` more, and is no candidate (removed and counted) when
  that is below ``min_cameras_added`` (default: a full set, ``cameras_per_site``);
- cost is **per camera**: ``cameras added × camera_cost_krw`` (default
  5,000,000 KRW, the per-camera prior of the 2024 budget review, pole and
  installation included). A new site therefore costs 20,000,000 KRW and
  topping up a 5-camera pole with one camera 5,000,000 KRW. A candidate layer
  with its own ``cost_krw`` column keeps it.

Coverage of a chosen site is its whole disc (the optimiser's coverage matrix is
0/1), credited with the demand weight existing devices leave unwatched. Under
the camera model of existing CCTV (:mod:`siting.existing_cover`, default) a
pole with ``n`` cameras of ``θ`` watches ``min(1, n·θ/360°)`` of its disc, so
a top-up of ``k`` cameras makes it watch ``min(1, (n+k)·θ/360°)`` and adds the
marginal share ``min(1, (n+k)·θ/360°) − min(1, n·θ/360°)``
(:func:`top_up_shares`). Since a pole holds at least ``cameras_per_site``
cameras, every top-up offered leaves ``n + k = min(n + cameras_per_site,
site_capacity) ≥ cameras_per_site`` cameras: at the default 4 cameras of 90°
the pole then watches its whole disc, and its marginal share is exactly the
``1 − min(1, n·θ/360°)`` its own cameras left, which is the weight the 0/1
coverage credits once the pole is in the existing layer. So partial top-ups
(``min_cameras_added`` below ``cameras_per_site``, cheaper) are credited
their marginal share, not a whole disc bought for part of its price, on two
conditions the summary states (:func:`top_up_rule`): the pole's cameras are
given as existing devices (else nothing is deducted for them), and they are
not aged (a partial top-up is credited as if it renewed the aged cameras'
directions too).

Examples
--------
>>> model = CameraSiteModel()
>>> model.site_cost_krw
20000000.0
>>> model.cameras_added([0, 2, 5, 6]).tolist()
[4, 4, 0, 0]
>>> CameraSiteModel(min_cameras_added=1).cameras_added([0, 2, 5, 6]).tolist()
[4, 4, 1, 0]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Self

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputError
from siting.existing_cover import camera_share
from siting.profiles import DeviceProfile

__all__ = ["SITE_COLUMNS", "CameraSiteModel", "apply_site_model", "top_up_rule", "top_up_shares"]

#: Columns :func:`apply_site_model` adds to a candidate frame.
SITE_COLUMNS = ["existing_cameras", "site_capacity", "cameras_added", "cost_krw"]


@dataclass(frozen=True)
class CameraSiteModel:
    """Cameras a site gets, cameras a pole holds, and the cost of a camera.

    Parameters
    ----------
    cameras_per_site : int, default 4
        Cameras a proposal installs at a site (2023: 2,138 cameras at 574 sites ≈ 3.7).
    site_capacity : int, default 6
        Most cameras one pole can hold [choice].
    camera_cost_krw : float, default 5,000,000
        Cost of one camera, installed (KRW).
    min_cameras_added : int, optional
        Fewest cameras worth adding at a pole; default ``cameras_per_site`` (a
        full set, so every site's cost matches the disc it is credited with).
    """

    cameras_per_site: int = 4
    site_capacity: int = 6
    camera_cost_krw: float = 5_000_000.0
    min_cameras_added: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.cameras_per_site < 1:
            problems.append(f"cameras per site must be ≥ 1, got {self.cameras_per_site}")
        if self.site_capacity < self.cameras_per_site:
            problems.append(
                f"a site's capacity ({self.site_capacity}) is below the cameras a new site gets "
                f"({self.cameras_per_site})"
            )
        if self.min_cameras_added is not None and not (
            1 <= self.min_cameras_added <= self.cameras_per_site
        ):
            problems.append(
                f"fewest cameras added must lie in 1–{self.cameras_per_site}, got "
                f"{self.min_cameras_added}"
            )
        if not np.isfinite(self.camera_cost_krw) or self.camera_cost_krw <= 0:
            problems.append(
                f"camera cost must be a positive KRW amount, got {self.camera_cost_krw}"
            )
        if problems:
            raise InputError(
                "; ".join(problems),
                layer="site model",
                fix="give --cameras-per-site ≥ 1, --site-capacity ≥ it, and a camera cost > 0 KRW",
            )

    @classmethod
    def from_profile(cls, profile: DeviceProfile, *, site_capacity: int | None = None) -> Self:
        """The model of a device profile: its cameras a site and unit cost."""
        per = int(profile.devices_per_site)
        capacity = max(6, per) if site_capacity is None else int(site_capacity)
        return cls(per, capacity, float(profile.unit_cost_krw))

    @property
    def site_cost_krw(self) -> float:
        """Cost of a new site: ``cameras_per_site × camera_cost_krw`` (KRW)."""
        return float(self.cameras_per_site * self.camera_cost_krw)

    def cameras_added(self, existing: Iterable[int] | np.ndarray) -> np.ndarray:
        """Cameras a proposal adds at sites already holding ``existing`` cameras (0 = no room)."""
        have = np.asarray(list(existing) if not isinstance(existing, np.ndarray) else existing)
        have = np.clip(have.astype(np.int64), 0, None)
        added = np.clip(np.minimum(self.cameras_per_site, self.site_capacity - have), 0, None)
        least = self.cameras_per_site if self.min_cameras_added is None else self.min_cameras_added
        return np.where(added >= least, added, 0)

    def settings(self) -> dict[str, Any]:
        """The model as a JSON-ready dict, with the site cost, the cost and top-up rules."""
        return asdict(self) | {
            "site_cost_krw": self.site_cost_krw,
            "cost_rule": "cameras added × camera cost (KRW); a cost_krw column wins",
            "top_up_rule": top_up_rule(self),
        }


def top_up_shares(
    existing: Iterable[int] | np.ndarray, added: Iterable[int] | np.ndarray, fov_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """Share of its disc a pole watches before and after a top-up (camera model).

    Parameters
    ----------
    existing, added : array-like of int
        Cameras on each pole, and cameras a proposal adds.
    fov_deg : float
        Horizontal field of view of one camera (degrees).

    Returns
    -------
    (ndarray, ndarray)
        ``min(1, n·θ/360)`` and ``min(1, (n+k)·θ/360)``; the top-up's marginal
        share is their difference.

    Examples
    --------
    >>> before, after = top_up_shares([1, 3, 5], [4, 3, 1], 90.0)
    >>> before.tolist(), after.tolist()
    ([0.25, 0.75, 1.0], [1.0, 1.0, 1.0])
    """
    n = np.asarray(list(existing) if not isinstance(existing, np.ndarray) else existing)
    k = np.asarray(list(added) if not isinstance(added, np.ndarray) else added)
    return camera_share(n, fov_deg), camera_share(n + k, fov_deg)


def top_up_rule(model: CameraSiteModel) -> str:
    """How a top-up on an existing pole is credited, in one sentence for ``summary.json``."""
    per, cap = model.cameras_per_site, model.site_capacity
    least = per if model.min_cameras_added is None else model.min_cameras_added
    whole = 360.0 / per
    return (
        f"a top-up adds min({per}, {cap} − n) cameras to a pole with n (none when fewer than "
        f"{least}), so the pole ends with n + k ≥ {per} cameras; under the camera model it "
        f"then watches min(1, (n + k) × fov / 360°) of its disc, its whole disc for a field "
        f"of view ≥ {whole:g}°, and is credited the demand its existing cameras left: "
        "min(1, (n + k) × fov / 360°) − min(1, n × fov / 360°) of the disc, exactly, when the "
        "pole is among the existing devices given (else its own cameras are not deducted) "
        "and its cameras are not aged (a top-up of fewer than a full set is credited as if it "
        f"renewed the aged cameras' directions too); below {whole:g}° a site, new or topped "
        "up, is credited its whole disc though its cameras see less (the optimiser's "
        "coverage is 0/1 per site and demand point)"
    )


def apply_site_model(
    frame: gpd.GeoDataFrame, model: CameraSiteModel, *, existing_column: str | None = None
) -> tuple[gpd.GeoDataFrame, int]:
    """Add the site columns to candidates and drop poles with no room left.

    Parameters
    ----------
    frame : GeoDataFrame
        Candidates (``candidate_id`` …).
    model : CameraSiteModel
        Cameras a site, capacity, camera cost.
    existing_column : str, optional
        Column holding the cameras already on each pole (existing CCTV poles:
        ``n_devices``); default none, i.e. every candidate is a bare pole.

    Returns
    -------
    (GeoDataFrame, int)
        Candidates with ``existing_cameras``, ``site_capacity``,
        ``cameras_added`` and ``cost_krw`` (KRW; an existing ``cost_krw`` is
        kept), and the number of full poles removed.
    """
    out = frame.copy()
    if existing_column is not None and existing_column in out:
        have = pd.to_numeric(out[existing_column], errors="coerce").fillna(0).clip(lower=0)
        existing = have.to_numpy().astype(np.int64)
    elif "existing_cameras" in out:
        have = pd.to_numeric(out["existing_cameras"], errors="coerce").fillna(0).clip(lower=0)
        existing = have.to_numpy().astype(np.int64)
    else:
        existing = np.zeros(len(out), dtype=np.int64)
    added = model.cameras_added(existing)
    out["existing_cameras"] = existing
    out["site_capacity"] = np.int64(model.site_capacity)
    out["cameras_added"] = added
    if "cost_krw" not in out:
        out["cost_krw"] = added.astype(float) * model.camera_cost_krw
    full = added == 0
    kept = gpd.GeoDataFrame(
        out[~full].reset_index(drop=True), geometry=out.geometry.name, crs=out.crs
    )
    return kept, int(full.sum())
