"""How much of its coverage disc an existing CCTV site watches: the camera-count model.

An existing CCTV site (one pole, one row of the 전국 CCTV 표준데이터 with its
``카메라대수``, read into ``n_devices`` by :func:`layers.inventory.to_inventory`)
carries ``n`` fixed cameras, each with a horizontal field of view ``θ``
(default 90° [choice: an assumption; no public Seoul figure for the fleet's
lenses]). The inventories do not say where the cameras point (촬영방면정보 is
free text, mostly blank), so the direction of each is unknown and a point of
the site's disc (radius 50 m, 행정안전부 공공빅데이터 표준분석모델 CCTV, 2016)
is watched with the *expected* share

    f = min(1, n · θ / 360°)

(the cameras' sectors taken as not overlapping, the most a site can see).
A 1-camera pole therefore watches a quarter of its disc, a 4-camera pole the
whole of it, and a new site with the default 4 cameras a site
(:class:`siting.site_capacity.CameraSiteModel`) its whole disc too.

An aged site counts for ``f × aged credit`` (``--aged-credit``). Several sites
over one demand point combine as independent watchers,
``1 − Π(1 − f_i · credit_i)`` (:func:`siting.coverage.unwatched_share`).

``model="disc"`` keeps the earlier model: every existing site watches its
whole disc whatever its camera count (``f = 1``). Wi-Fi access points radiate
all round and always take their whole disc.

A site whose camera count is missing or 0 is counted as 1 camera [choice: the
reader's convention for a blank count] and the number of such sites is
reported (``n_sites_count_assumed``), never silently.

Examples
--------
>>> camera_share([1, 2, 4, 6], 90.0).tolist()
[0.25, 0.5, 1.0, 1.0]
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from layers.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DEFAULT_CAMERA_FOV_DEG",
    "DEFAULT_EXISTING_COVER",
    "EXISTING_COVER_MODELS",
    "camera_share",
    "describe_existing_cover",
    "existing_shares",
    "reason_note",
]

log = logging.getLogger(__name__)

#: How existing sites' coverage is counted: by their cameras, or their whole disc.
EXISTING_COVER_MODELS: tuple[str, ...] = ("cameras", "disc")
#: Default model [choice].
DEFAULT_EXISTING_COVER = "cameras"
#: Horizontal field of view of one fixed camera (degrees) [choice: assumption].
DEFAULT_CAMERA_FOV_DEG = 90.0
#: Column of an inventory holding the cameras at a site (:mod:`layers.inventory`).
COUNT_COLUMN = "n_devices"


def check_existing_cover(model: str, fov_deg: float) -> list[str]:
    """Problems with an existing-cover setting, in the planner's words (empty when fine)."""
    problems = []
    if model not in EXISTING_COVER_MODELS:
        problems.append(
            f"existing cover must be one of {', '.join(EXISTING_COVER_MODELS)}, got {model!r}"
        )
    if not np.isfinite(fov_deg) or not 0.0 < fov_deg <= 360.0:
        problems.append(f"camera field of view must lie in (0, 360] degrees, got {fov_deg}")
    return problems


def camera_share(n_cameras: Iterable[float] | np.ndarray, fov_deg: float) -> np.ndarray:
    """Expected share of its disc a site with ``n`` cameras of unknown direction watches.

    Parameters
    ----------
    n_cameras : array-like
        Cameras at each site (≥ 1).
    fov_deg : float
        Horizontal field of view of one camera (degrees, 0–360).

    Returns
    -------
    ndarray of float
        ``min(1, n · fov / 360)`` per site, in (0, 1].

    Examples
    --------
    >>> camera_share([1, 3], 60.0).tolist()
    [0.16666666666666666, 0.5]
    """
    problems = check_existing_cover(DEFAULT_EXISTING_COVER, float(fov_deg))
    if problems:
        raise InputError("; ".join(problems), layer="existing", fix="give --camera-fov in degrees")
    n = np.asarray(n_cameras, dtype=np.float64)
    return np.minimum(1.0, n * float(fov_deg) / 360.0)


def describe_existing_cover(model: str, fov_deg: float, service: str = "cctv") -> str:
    """One sentence saying how existing coverage is counted (for logs and ``summary.json``)."""
    if service != "cctv":
        return f"existing {service} devices watch their whole disc (they radiate all round)"
    if model == "disc":
        return (
            "disc model: every existing CCTV site watches its whole disc whatever its camera "
            "count (--existing-cover disc); aged sites count their aged credit"
        )
    return (
        f"camera model: an existing CCTV site with n cameras of {fov_deg:g}° each, directions "
        f"unknown, watches the expected share min(1, n × {fov_deg:g}° / 360°) of its disc "
        f"(1 camera {min(1.0, fov_deg / 360.0):.0%}, 4 cameras "
        f"{min(1.0, 4 * fov_deg / 360.0):.0%}); sites over one point combine as "
        "1 − Π(1 − share × aged credit); missing or 0 camera counts count as 1"
    )


def reason_note(model: str, fov_deg: float) -> str:
    """Short Korean note for a site's ``reason``: how the existing cameras were counted."""
    if model == "disc":
        return "기존 CCTV는 반경 전체 감시로 계산"
    return (
        f"기존 CCTV 감시 = 카메라 대수×{fov_deg:g}°/360°(방향 미상, 기대값), "
        "기존 지주 증설은 (기존+추가) 대수로 계산"
    )


def _camera_counts(devices: pd.DataFrame) -> tuple[np.ndarray, int, str | None]:
    """Cameras per site (≥ 1), how many were assumed 1 (missing or ≤ 0), the column read."""
    if COUNT_COLUMN not in devices:
        return np.ones(len(devices)), len(devices), None
    counts = pd.to_numeric(devices[COUNT_COLUMN], errors="coerce").to_numpy(dtype=np.float64)
    assumed = ~np.isfinite(counts) | (counts <= 0)
    return np.where(assumed, 1.0, counts), int(assumed.sum()), COUNT_COLUMN


def existing_shares(
    devices: pd.DataFrame | None,
    credit: np.ndarray | None,
    *,
    service: str,
    model: str = DEFAULT_EXISTING_COVER,
    fov_deg: float = DEFAULT_CAMERA_FOV_DEG,
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Share of its disc each existing device watches, and a report for ``summary.json``.

    Parameters
    ----------
    devices : DataFrame or None
        Existing devices of one service (``n_devices`` = cameras at the site).
    credit : ndarray or None
        Aged credit of each device (0–1; :func:`layers.age.aged_credit`), or
        ``None`` for full credit.
    service : {"cctv", "wifi"}
        The camera model applies to CCTV only.
    model : {"cameras", "disc"}
        ``cameras``: ``min(1, n · fov / 360) × credit``; ``disc``: ``credit``.
    fov_deg : float
        Horizontal field of view of one camera (degrees).

    Returns
    -------
    (ndarray or None, dict)
        One share in [0, 1] per device for
        :func:`siting.coverage.uncovered_weights` (``None`` = every device
        watches its whole disc), and the report: ``model``, ``camera_fov_deg``,
        ``interpretation``, ``n_sites``, ``sites_by_cameras``, ``cameras``,
        ``n_sites_count_assumed`` (missing or 0 counts taken as 1),
        ``mean_watched_share`` (mean share of a disc, aged credit included).
    """
    problems = check_existing_cover(model, float(fov_deg))
    if problems:
        raise InputError(
            "; ".join(problems),
            layer="existing",
            fix="use --existing-cover cameras|disc and --camera-fov between 1 and 360 degrees",
        )
    applies = service == "cctv" and model == "cameras"
    report: dict[str, Any] = {
        "model": model if service == "cctv" else "disc",
        "camera_fov_deg": float(fov_deg) if applies else None,
        "interpretation": describe_existing_cover(model, float(fov_deg), service),
        "n_sites": 0 if devices is None else len(devices),
    }
    if devices is None or len(devices) == 0:
        return credit, report
    if service == "cctv":
        counts, assumed, column = _camera_counts(devices)
        values, tally = np.unique(counts, return_counts=True)
        report["count_column"] = column
        report["cameras"] = int(counts.sum())
        report["sites_by_cameras"] = {f"{v:g}": int(c) for v, c in zip(values, tally, strict=True)}
        report["n_sites_count_assumed"] = assumed
        if assumed and applies:
            log.warning(
                "%d of %d existing CCTV sites have no camera count (missing or 0 in %s): "
                "counted as 1 camera each",
                assumed,
                len(devices),
                column or "a missing n_devices column",
            )
    full = np.ones(len(devices)) if credit is None else np.asarray(credit, dtype=np.float64)
    shares = camera_share(counts, fov_deg) * full if applies else credit
    report["mean_watched_share"] = float(np.mean(full if shares is None else shares))
    log.info("existing %s: %s", service, report["interpretation"])
    return shares, report
