"""Device profiles: what a CCTV camera, a Wi-Fi AP and a smart pole cover, and what they cost.

A profile gathers every **[choice]** the siting of one device type depends on
(서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023); 행정안전부
공공빅데이터 표준분석모델 CCTV, 2016), so that each is a visible setting with
a default, passed to the library and written into ``summary.json``:

======== ============== ================================ ======================= ===========
device   radius (m)     demand                           unit cost (KRW)         ageing (y)
======== ============== ================================ ======================= ===========
cctv     50             risk-grid cells graded D/E,      5,000,000 a camera × 4  8
                        weighted by the grid score       cameras a site
wifi     60 (outdoor)   living-area / foot-traffic /     4,070,000 an AP         7
                        public-place layer (2024 places)
pole     per service    weighted sum of each service's   53,800,000 a pole       —
                        uncovered gain (CCTV + Wi-Fi)
======== ============== ================================ ======================= ===========

The smart pole also has two optional behaviours: candidates restricted to a
buffer around child-protection zones (어린이 보호구역), and *clutter
consolidation*: groups of existing separate devices within a few metres of
each other, found with :class:`sklearn.cluster.DBSCAN`, that one pole could
replace (:func:`find_clutter`).

Examples
--------
>>> p = get_profile("cctv", radius_m=75)
>>> p.radius_m, p.site_cost_krw
(75.0, 20000000.0)
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN

from layers.crs import WORKING_CRS, require_working_crs
from layers.errors import ConfigError, InputError
from layers.riskgrid import GRADES
from siting.existing_cover import (
    DEFAULT_CAMERA_FOV_DEG,
    DEFAULT_EXISTING_COVER,
    check_existing_cover,
)

__all__ = [
    "DEMAND_SPACING_FRACTION",
    "DEVICES",
    "WIFI_PLACE_CATEGORIES",
    "DeviceProfile",
    "ServiceSpec",
    "find_clutter",
    "get_profile",
]

log = logging.getLogger(__name__)

Device = Literal["cctv", "wifi", "pole"]
#: Default spacing of demand samples below a grid cell, as a fraction of the radius
#: (12.5 m for a 50 m CCTV radius) [choice: fine enough that a 50 m disc holds ~50 samples].
DEMAND_SPACING_FRACTION = 0.25
#: Device types a profile exists for.
DEVICES: tuple[str, ...] = ("cctv", "wifi", "pole")

#: Public Wi-Fi place categories and their 2024 AP counts
#: (서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023)), used
#: as default relative weights of a place layer's ``category`` column [choice].
WIFI_PLACE_CATEGORIES: dict[str, dict[str, Any]] = {
    "main_street": {"name_ko": "주요거리", "setting": "outdoor", "aps_2024": 3694},
    "traditional_market": {"name_ko": "전통시장", "setting": "outdoor", "aps_2024": 751},
    "park_stream": {"name_ko": "공원·하천", "setting": "outdoor", "aps_2024": 3243},
    "bus_stop": {"name_ko": "버스정류소", "setting": "outdoor", "aps_2024": 2522},
    "culture_tourism": {"name_ko": "문화관광", "setting": "indoor", "aps_2024": 1952},
    "welfare": {"name_ko": "복지시설", "setting": "indoor", "aps_2024": 4738},
    "public_facility": {"name_ko": "공공시설", "setting": "indoor", "aps_2024": 5297},
}


@dataclass(frozen=True)
class ServiceSpec:
    """One service a smart pole carries.

    Parameters
    ----------
    name : str
        ``"cctv"`` or ``"wifi"``; its demand and existing devices are those of that device.
    radius_m : float
        Coverage radius of the service on a pole (m).
    weight : float
        Relative importance in the pole's objective (dimensionless). Each
        service's demand is first normalised to a total of 1 (see
        :attr:`DeviceProfile.normalise_services`), so weights 1 and 1 make a
        pole value "share of remaining CCTV risk + share of remaining Wi-Fi
        demand" equally.
    """

    name: str
    radius_m: float
    weight: float = 1.0


@dataclass(frozen=True)
class DeviceProfile:
    """Every setting the siting of one device type uses, with its default.

    Parameters
    ----------
    device : {"cctv", "wifi", "pole"}
        Device type.
    radius_m : float
        Coverage radius (m): CCTV 50 (행정안전부 공공빅데이터 표준분석모델
        CCTV, 2016), Wi-Fi 60
        outdoor [choice; the Gimpo inspection measured ~100 m]. For a pole, the
        largest service radius (used for spacing and the lattice).
    demand_grades : tuple of str
        Risk-grid grades that are demand (CCTV and the pole's CCTV service);
        default ``("D", "E")``, the 붙임8 vulnerable cells.
    unit_cost_krw : float
        Cost of one device (KRW): CCTV camera 5,000,000, Wi-Fi AP replacement
        4,070,000, smart pole 53,800,000 (priors from
        서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023):
        2,849,000천원 for 700 APs, 1,130,000천원 for 21 poles; editable).
    devices_per_site : int
        Devices installed at one site: CCTV 4 cameras [choice; 2023 placed 2,138
        cameras at 574 sites ≈ 3.7], otherwise 1.
    ageing_min_age : int or None
        Years after which a device is aged (CCTV 8, Wi-Fi 7).
    aged_credit : float
        Share of its coverage an *aged* existing device still counts for
        (0–1); default 1.0 = an aged device covers fully [choice; 0.5 credits
        half, so that replacing it is worth something].
    existing_cover : {"cameras", "disc"}
        How much of its disc an existing CCTV site watches
        (:mod:`siting.existing_cover`): ``cameras`` (default [choice]) the
        expected share ``min(1, cameras × camera_fov_deg / 360)``; ``disc``
        the whole disc whatever its camera count (the earlier model).
    camera_fov_deg : float
        Horizontal field of view of one camera (degrees); default 90 [choice:
        an assumption].
    services : tuple of ServiceSpec
        For the pole: the services it carries (default CCTV 50 m + Wi-Fi 60 m,
        weight 1 each). Empty for single devices.
    normalise_services : bool
        Pole: scale each service's demand to a total of 1 before weighting.
    child_zone_buffer_m : float
        Pole: when a child-protection-zone layer is given, keep only
        candidates within this distance of a zone (m); default 300 [choice].
    clutter_eps_m : float
        Pole: DBSCAN neighbourhood for clutter consolidation (m); default 15.
    clutter_min_devices : int
        Pole: smallest group of separate devices worth consolidating; default 3.
    lattice_spacing_m : float or None
        Spacing of generated candidate lattices (m); ``None`` = the radius.
    demand_spacing_m : float or None
        Spacing of demand sample points below a risk-grid cell (m); ``None`` =
        the CCTV radius / 4 (12.5 m), ``0`` = one point per cell centroid.
    """

    device: str
    radius_m: float
    demand_grades: tuple[str, ...] = ("D", "E")
    unit_cost_krw: float = 5_000_000.0
    devices_per_site: int = 1
    ageing_min_age: int | None = None
    aged_credit: float = 1.0
    existing_cover: str = DEFAULT_EXISTING_COVER
    camera_fov_deg: float = DEFAULT_CAMERA_FOV_DEG
    services: tuple[ServiceSpec, ...] = field(default_factory=tuple)
    normalise_services: bool = True
    child_zone_buffer_m: float = 300.0
    clutter_eps_m: float = 15.0
    clutter_min_devices: int = 3
    lattice_spacing_m: float | None = None
    demand_spacing_m: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not np.isfinite(self.radius_m) or self.radius_m <= 0:
            problems.append(f"radius must be a positive number of metres, got {self.radius_m}")
        for spec in self.services:
            if not np.isfinite(spec.radius_m) or spec.radius_m <= 0:
                problems.append(
                    f"service {spec.name!r} radius must be positive, got {spec.radius_m}"
                )
            if not np.isfinite(spec.weight) or spec.weight < 0:
                problems.append(f"service {spec.name!r} weight must be ≥ 0, got {spec.weight}")
        if not 0.0 <= self.aged_credit <= 1.0:
            problems.append(f"aged credit must lie in 0–1, got {self.aged_credit}")
        problems += check_existing_cover(self.existing_cover, self.camera_fov_deg)
        if self.unit_cost_krw < 0 or self.devices_per_site < 1:
            problems.append("unit cost must be ≥ 0 KRW and devices per site ≥ 1")
        bad_grades = [g for g in self.demand_grades if g not in GRADES]
        if bad_grades or not self.demand_grades:
            problems.append(f"demand grades must be letters A–E, got {list(self.demand_grades)}")
        if self.lattice_spacing_m is not None and self.lattice_spacing_m <= 0:
            problems.append(f"lattice spacing must be positive, got {self.lattice_spacing_m}")
        if self.demand_spacing_m is not None and (
            not np.isfinite(self.demand_spacing_m) or self.demand_spacing_m < 0
        ):
            problems.append(
                f"demand spacing must be ≥ 0 m (0 = one point per cell), got {self.demand_spacing_m}"
            )
        if problems:
            raise InputError(
                "; ".join(problems),
                layer=f"{self.device} profile",
                fix="give a radius above 0 m (--radius), grades among A–E, weights ≥ 0 and "
                "a camera field of view in (0, 360] degrees (--camera-fov)",
            )

    @property
    def site_cost_krw(self) -> float:
        """Cost of one site (KRW): unit cost × devices per site."""
        return float(self.unit_cost_krw * self.devices_per_site)

    @property
    def lattice_spacing(self) -> float:
        """Spacing of a generated candidate lattice (m)."""
        return float(self.lattice_spacing_m or self.radius_m)

    @property
    def demand_spacing(self) -> float:
        """Spacing of grid demand samples (m): the setting, else the CCTV radius / 4.

        ``0`` means one demand point per cell centroid (the cell-centroid model).
        """
        if self.demand_spacing_m is not None:
            return float(self.demand_spacing_m)
        radius = next((s.radius_m for s in self.services if s.name == "cctv"), self.radius_m)
        return float(radius) * DEMAND_SPACING_FRACTION

    def settings(self) -> dict[str, Any]:
        """Every setting as a JSON-ready dict (for ``summary.json`` and ``run.json``)."""
        out = asdict(self)
        out["services"] = [asdict(s) for s in self.services]
        out["demand_grades"] = list(self.demand_grades)
        out["site_cost_krw"] = self.site_cost_krw
        out["lattice_spacing_m"] = self.lattice_spacing
        out["demand_spacing_m"] = self.demand_spacing
        return out


_DEFAULTS: dict[str, DeviceProfile] = {
    "cctv": DeviceProfile(
        device="cctv",
        radius_m=50.0,
        unit_cost_krw=5_000_000.0,
        devices_per_site=4,
        ageing_min_age=8,
    ),
    "wifi": DeviceProfile(
        device="wifi",
        radius_m=60.0,
        unit_cost_krw=4_070_000.0,
        devices_per_site=1,
        ageing_min_age=7,
    ),
    "pole": DeviceProfile(
        device="pole",
        radius_m=60.0,
        unit_cost_krw=53_800_000.0,
        devices_per_site=1,
        services=(ServiceSpec("cctv", 50.0, 1.0), ServiceSpec("wifi", 60.0, 1.0)),
    ),
}


def get_profile(device: str, **overrides: Any) -> DeviceProfile:
    """The default profile of a device type, with some settings changed.

    Parameters
    ----------
    device : {"cctv", "wifi", "pole"}
        Device type.
    **overrides
        Any :class:`DeviceProfile` field (``radius_m=75``). ``None`` values are
        ignored, so CLI options can be passed through unchanged. For a pole,
        ``radius_m`` sets every service's radius.

    Returns
    -------
    DeviceProfile

    Raises
    ------
    ConfigError
        For an unknown device or setting.
    InputError
        For an invalid value (radius 0, …).
    """
    key = str(device).lower()
    if key not in _DEFAULTS:
        raise ConfigError(
            f"unknown device {device!r}",
            fix=f"choose one of {', '.join(DEVICES)}",
        )
    base = _DEFAULTS[key]
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(set(given) - set(DeviceProfile.__dataclass_fields__))
    if unknown:
        raise ConfigError(f"unknown profile setting(s): {', '.join(unknown)}", layer=key)
    if "radius_m" in given:
        given["radius_m"] = float(given["radius_m"])
        if key == "pole" and "services" not in given:
            given["services"] = tuple(replace(s, radius_m=given["radius_m"]) for s in base.services)
    if "demand_grades" in given:
        given["demand_grades"] = tuple(str(g).upper() for g in given["demand_grades"])
    return replace(base, **given)


def find_clutter(
    devices: gpd.GeoDataFrame,
    *,
    eps_m: float = 15.0,
    min_devices: int = 3,
    type_column: str = "device_type",
) -> gpd.GeoDataFrame:
    """Groups of existing separate devices that one smart pole could replace.

    Devices (one row per site; ``n_devices`` counts equipment at the site, if
    present) are clustered with :class:`sklearn.cluster.DBSCAN` on their
    EPSG:5186 coordinates, neighbourhood ``eps_m``, each site weighted by its
    device count. A group qualifies when it holds at least ``min_devices``
    devices on at least two separate locations (rows at the same coordinate,
    e.g. several APs of one site, count as one location).

    Parameters
    ----------
    devices : GeoDataFrame
        Point layer in EPSG:5186 (``device_id``, ``device_type``, ``n_devices``,
        ``sig_cd``, ``name_ko`` are used when present).
    eps_m : float, default 15
        DBSCAN neighbourhood radius (m).
    min_devices : int, default 3
        Smallest number of devices in a group.
    type_column : str
        Column holding the device type.

    Returns
    -------
    GeoDataFrame
        One row per group, largest first: ``cluster_id``, ``n_sites``,
        ``n_devices``, ``device_types`` (e.g. ``"cctv×2, wifi×1"``),
        ``device_ids``, ``spread_m`` (largest distance to the group centre),
        ``sig_cd``, ``name_ko``, point geometry at the centre.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame({"device_type": ["cctv", "wifi", "cctv"]},
    ...     geometry=gpd.points_from_xy([0, 5, 9], [0, 0, 3]), crs="EPSG:5186")
    >>> find_clutter(pts).n_devices.tolist()
    [3]
    """
    require_working_crs(devices, "existing devices")
    if eps_m <= 0 or min_devices < 2:
        raise InputError(
            f"clutter needs eps > 0 m and at least 2 devices, got eps={eps_m}, min={min_devices}",
            layer="existing devices",
            fix="use e.g. --clutter-eps 15 and a minimum of 3 devices",
        )
    columns = [
        "cluster_id",
        "n_sites",
        "n_devices",
        "device_types",
        "device_ids",
        "spread_m",
        "sig_cd",
        "name_ko",
    ]
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WORKING_CRS)
    points = devices[devices.geometry.notna() & ~devices.geometry.is_empty]
    if len(points) < 2:
        return empty
    xy = np.column_stack([points.geometry.x.to_numpy(), points.geometry.y.to_numpy()])
    counts = (
        pd.to_numeric(points["n_devices"], errors="coerce").fillna(1).clip(lower=1).to_numpy()
        if "n_devices" in points
        else np.ones(len(points))
    )
    labels = DBSCAN(eps=eps_m, min_samples=min_devices).fit(xy, sample_weight=counts).labels_
    types = (
        points[type_column].astype(str).to_numpy()
        if type_column in points
        else np.full(len(points), "device")
    )
    ids = (
        points["device_id"].astype(str).to_numpy()
        if "device_id" in points
        else np.array([str(i) for i in points.index])
    )
    rows = []
    for label in sorted(set(labels.tolist()) - {-1}):
        members = np.flatnonzero(labels == label)
        n_sites = len(np.unique(np.round(xy[members], 1), axis=0))
        if n_sites < 2:
            continue  # one site with many devices (rows at one coordinate) is not clutter
        centre = np.average(xy[members], axis=0, weights=counts[members])
        per_type: dict[str, int] = {}
        for t, c in zip(types[members], counts[members], strict=True):
            per_type[t] = per_type.get(t, 0) + int(c)
        first = points.iloc[members[0]]
        rows.append(
            {
                "n_sites": n_sites,
                "n_devices": int(counts[members].sum()),
                "device_types": ", ".join(f"{t}×{n}" for t, n in sorted(per_type.items())),
                "device_ids": ", ".join(sorted(ids[members])),
                "spread_m": float(np.hypot(*(xy[members] - centre).T).max()),
                "sig_cd": first.get("sig_cd"),
                "name_ko": first.get("name_ko"),
                "x": centre[0],
                "y": centre[1],
            }
        )
    if not rows:
        return empty
    table = pd.DataFrame(rows).sort_values(
        ["n_devices", "n_sites", "x", "y"], ascending=[False, False, True, True], ignore_index=True
    )
    table.insert(0, "cluster_id", np.arange(1, len(table) + 1))
    geometry = gpd.points_from_xy(table.pop("x"), table.pop("y"))
    log.info("clutter: %d groups of separate devices within %.0f m", len(table), eps_m)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=WORKING_CRS)
