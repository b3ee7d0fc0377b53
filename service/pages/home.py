"""The start page of each role, the council's per-district comparison, and the district GeoJSON."""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service.db import get_session
from service.pages.geo import choropleth_values, districts_geojson
from service.pages.i18n import Translator
from service.pages.web import PREFIX, PageRoute, PageUser, lang_of, render

__all__ = ["comparison_rows", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, user: PageUser, db: Annotated[Session, Depends(get_session)]
) -> Response:
    """What this role can do: rounds needing attention, the district's grant, the
    published plans (every role reads them), links."""
    from service import rounds as api
    from service.pages.jobs import district_grant, published_jobs

    rounds = api.list_rounds(user, db)
    if user.role == "district":
        shown = [r for r in rounds if r.status == "open"]
    elif user.role == "viewer":
        shown = [r for r in rounds if r.published_version is not None]
    else:
        shown = [r for r in rounds if r.status != "published"]
    return render(
        request,
        "home.html",
        {
            "rounds": shown[:10],
            "grant": district_grant(db, user.district),
            "published_plans": published_jobs(db, limit=20),
        },
        user=user,
    )


@router.get("/geo/districts.geojson")
def districts_geo(user: PageUser) -> Response:
    """District boundaries in WGS84 for the pages' maps (signed-in users)."""
    return Response(
        districts_geojson(),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=3600"},
    )


@cache
def comparison_rows() -> tuple[list[dict[str, Any]], int, int]:
    """Per-district CCTV figures of the bundled district table (OA-2734, 2024-12-31).

    Returns
    -------
    (rows, ageing_min_age, reference_year)
        Rows sorted by ageing ratio (highest first): ``sig_cd``, ``cctv_total``,
        ``cctv_aged``, ``cctv_ageing_ratio_pct`` (%), ``cctv_per_km2``,
        ``fiscal_self_reliance_pct`` (%), ``population_2024q4``.
    """
    from layers.districts import load_districts
    from scoring import default_criteria

    layer = load_districts()
    rules = default_criteria("cctv-replace").settings
    rows: list[dict[str, Any]] = []
    for record in layer.drop(columns="geometry").to_dict("records"):
        rows.append(
            {
                "sig_cd": str(record["sig_cd"]),
                "cctv_total": int(record["cctv_total"]),
                "cctv_aged": int(record["cctv_aged"]),
                "cctv_ageing_ratio_pct": float(record["cctv_ageing_ratio_pct"]),
                "cctv_per_km2": float(record["cctv_per_km2"]),
                "fiscal_self_reliance_pct": float(record["fiscal_self_reliance_pct"]),
                "population_2024q4": int(record["population_2024q4"]),
            }
        )
    rows.sort(key=lambda r: (-float(r["cctv_ageing_ratio_pct"]), str(r["sig_cd"])))
    return rows, rules.ageing_min_age, rules.reference_year


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, user: PageUser) -> Response:
    """Aged CCTV by district, table beside a choropleth (open to every signed-in role)."""
    from layers.quirks import quirk_notes
    from service.pages.web import Formatter

    rows, age, year = comparison_rows()
    t = Translator(lang_of(request))
    f = Formatter(t.lang)
    values = {
        r["sig_cd"]: (
            r["cctv_ageing_ratio_pct"] if not math.isnan(r["cctv_ageing_ratio_pct"]) else None
        )
        for r in rows
    }
    labels = {
        r["sig_cd"]: f"{f.district(r['sig_cd'])}: {t('col_ageing_ratio')} "
        f"{f.pct(r['cctv_ageing_ratio_pct'])} ({f.num(r['cctv_aged'])} / {f.num(r['cctv_total'])})"
        for r in rows
    }
    map_config = {
        "geojson": f"{PREFIX}/geo/districts.geojson",
        **choropleth_values(values, labels, unit_label=f"{t('col_ageing_ratio')} (%)"),
        "tile_url": request.app.state.settings.tile_url or "",
        "tile_note": t("map_no_tiles"),
        "highlight": user.district,
        "sites": [],
    }
    return render(
        request,
        "compare.html",
        {
            "rows": rows,
            "age": age,
            "year": year,
            "map_config": map_config,
            "notes": quirk_notes(
                ["cctv_ageing_ratio_pct"], [r["sig_cd"] for r in rows], language=t.lang
            ),
        },
        user=user,
    )
