"""The last demo stage: every map the context allows, and an ``index.html`` of everything.

Maps are self-contained HTML (no CDN, no tiles) so the whole demo folder can be
copied onto a closed network and opened there. The index links every map and
table the earlier stages wrote (``context["artifacts"]``) with its short
explanation, and marks synthetic ones.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.errors import InputError, SitingError
from layers.locate import dong_kind
from maps.choropleth import choropleth_map
from maps.equipment import equipment_map
from maps.grid import grid_map
from maps.offline import external_urls, save_html
from maps.proposals import proposals_map
from maps.rounds import round_map
from scoring.criteria import Criteria, default_criteria
from siting.demo._artifact import Artifact, index_html

__all__ = ["index_html", "maps_stage"]

log = logging.getLogger(__name__)


def _round_maps(
    folder: Path, districts: gpd.GeoDataFrame, rounds: Mapping[str, pd.DataFrame]
) -> list[Artifact]:
    artifacts = []
    for program, table in rounds.items():
        if not isinstance(table, pd.DataFrame) or "sig_cd" not in table.columns:
            log.info("round %s has no per-district table; no map", program)
            continue
        column = "total_points" if "total_points" in table.columns else None
        if column is None:
            log.info("round %s has no total_points column; no map", program)
            continue
        name = f"round_{program}_synthetic.html"
        try:
            criteria: Criteria | None = default_criteria(program)
        except SitingError:
            criteria = None
        m = round_map(
            districts,
            table,
            criteria=criteria,
            title=f"보조금 배점과 지원 결과 {program} (round points and funding)",
            notes=[
                "Points from the official district statistics; requests and matching funds "
                "are EXAMPLE figures (예시)."
            ],
            synthetic=True,
        )
        save_html(m, folder / name)
        artifacts.append(
            Artifact(
                f"maps/{name}",
                f"Map: subsidy scores, {program}",
                "Districts coloured by total points; funded, partly funded, not funded and "
                "ineligible districts drawn by outline or hatch; hover for rank, 재정자립도, "
                "the need indicator and the grant in 천원. Requests are example (synthetic) "
                "figures.",
                synthetic=True,
            )
        )
    return artifacts


def _proposal_sets(proposals: Any) -> dict[str, gpd.GeoDataFrame]:
    items = proposals.items() if isinstance(proposals, Mapping) else [("CCTV", proposals)]
    sets = {}
    for name, frame in items:
        if (
            isinstance(frame, gpd.GeoDataFrame)
            and not frame.empty
            and "order" in frame.columns
            and (frame.geometry.geom_type == "Point").all()
        ):
            sets[str(name)] = frame
        else:
            log.info("proposal set %s is not a point layer with an order; not mapped", name)
    return sets


def maps_stage(stage: Path, context: dict[str, Any]) -> list[Artifact]:
    """Write the demo's maps into ``maps/`` and ``index.html`` linking every output.

    Reads ``districts``, ``rounds``, ``grid_path``, ``wifi_inventory``,
    ``proposals`` and ``artifacts`` from the context; a missing key means that
    map is not drawn.
    """
    folder = stage / "maps"
    folder.mkdir(exist_ok=True)
    districts: gpd.GeoDataFrame = context["districts"]
    made: list[Artifact] = []

    m = choropleth_map(
        districts,
        "cctv_ageing_ratio_pct",
        title="CCTV 노후율 (ageing ratio, official)",
        tooltip_columns=["cctv_total", "cctv_aged", "fiscal_self_reliance_pct"],
        notes=["Cameras installed 2016 or earlier over all in service on 2024-12-31 (OA-2734)."],
    )
    save_html(m, folder / "districts_cctv_ageing.html")
    made.append(
        Artifact(
            "maps/districts_cctv_ageing.html",
            "Map: CCTV ageing ratio by district (official)",
            "The 25 districts coloured by the share of cameras aged ≥ 8 years; hover for "
            "counts and fiscal self-reliance. Opens offline.",
        )
    )

    rounds = context.get("rounds")
    if isinstance(rounds, Mapping):
        made.extend(_round_maps(folder, districts, rounds))

    grid_path = context.get("grid_path")
    if grid_path is not None and Path(grid_path).exists():
        save_html(
            grid_map(
                grid_path,
                districts,
                title="위험 격자 (risk grid, SYNTHETIC incidents)",
                synthetic=True,
            ),
            folder / "risk_grid_synthetic.html",
        )
        made.append(
            Artifact(
                "maps/risk_grid_synthetic.html",
                "Map: risk grid grades A–E",
                "The 100 m risk grid as one image overlay (grades, and the score as a second "
                "layer), reprojected for the web map. Built from synthetic incidents.",
                synthetic=True,
            )
        )

    inventory = context.get("wifi_inventory")
    if isinstance(inventory, gpd.GeoDataFrame) and not inventory.empty:
        save_html(
            equipment_map(
                districts,
                inventory,
                reference_year=2024,
                device_label="Wi-Fi AP",
                aged_min_age=7,
                title="공공와이파이 노후도 (public Wi-Fi by age, SYNTHETIC)",
                synthetic=True,
                layer="wifi inventory",
            ),
            folder / "wifi_age_synthetic.html",
        )
        made.append(
            Artifact(
                "maps/wifi_age_synthetic.html",
                "Map: public Wi-Fi APs by age class",
                "AP counts per 500 m cell and per district by age class (aged ≥ 7 years); "
                "exact positions are hidden, as in every shared map. Synthetic inventory.",
                synthetic=True,
            )
        )

    sets = _proposal_sets(context.get("proposals"))
    if sets:
        save_html(
            proposals_map(
                districts,
                sets,
                title="제안 위치 (proposed sites, SYNTHETIC inputs)",
                synthetic=True,
            ),
            folder / "proposals_synthetic.html",
        )
        made.append(
            Artifact(
                "maps/proposals_synthetic.html",
                "Map: proposed sites",
                "Proposed CCTV sites and smart poles, one layer per district, numbered per plan, "
                "with coverage circles in true metres; click a site for its "
                f"{dong_kind()}, lon/lat and "
                "why it was chosen. The Wi-Fi replacement plan is clustered and off at opening. "
                "Synthetic candidates and demand.",
                synthetic=True,
            )
        )

    earlier: Sequence[Artifact] = context.get("artifacts", [])
    index = Artifact(
        "index.html",
        "Index of the demo",
        "This page: every map and table of the demo with what it shows.",
    )
    page = index_html([*earlier, *made], "siting 데모 결과 (demo outputs)")
    if external_urls(page):
        raise InputError("the demo index links external URLs", layer="index.html")
    (stage / "index.html").write_text(page, encoding="utf-8")
    return [*made, index]
