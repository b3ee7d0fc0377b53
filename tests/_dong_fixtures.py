"""A synthetic 행정동 boundary layer built from the bundled 법정동 (seeded; for tests only).

The bundled 법정동 of Seoul are dissolved in random groups of 1–4 per district
and given made-up 10-digit codes ``<sig_cd><5xx>00`` and names ``합성<n>동``.
Since every synthetic 행정동 is an exact union of 법정동, the 행정동 of a point
is known independently: the group of its 법정동.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from layers.districts import load_dongs

SEED = 13


def synthetic_haengjeongdong(seed: int = SEED) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Synthetic 행정동 (ADM_CD, ADM_NM, EPSG:5186) and the 법정동 code -> ADM_CD map."""
    rng = np.random.default_rng(seed)
    legal = load_dongs().sort_values("emd_cd", ignore_index=True)
    groups: list[int] = []
    for _, count in legal.groupby("sig_cd", sort=True).size().items():
        sizes: list[int] = []
        while sum(sizes) < count:
            sizes.append(int(rng.integers(1, 5)))
        groups += [g for g, size in enumerate(sizes) for _ in range(size)][:count]
    legal["group"] = groups
    admin = legal.dissolve(by=["sig_cd", "group"], as_index=False).sort_values(["sig_cd", "group"])
    admin["ADM_CD"] = [
        f"{s}{510 + g:03d}00" for s, g in zip(admin.sig_cd, admin.group, strict=True)
    ]
    admin["ADM_NM"] = [f"서울특별시 합성구 합성{i + 1}동" for i in range(len(admin))]
    lookup = legal.merge(admin[["sig_cd", "group", "ADM_CD"]], on=["sig_cd", "group"])
    out = gpd.GeoDataFrame(admin[["ADM_CD", "ADM_NM", "geometry"]], crs=legal.crs)
    return out.reset_index(drop=True), dict(zip(lookup.emd_cd, lookup.ADM_CD, strict=True))
