"""``siting score``: one subsidy round (붙임8 CCTV programmes, Wi-Fi, smart poles)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from siting.cli._app import app
from siting.cli._common import OutDir, Overwrite, print_table, print_written, stdout


class Program(StrEnum):
    """Programmes with shipped criteria."""

    cctv_new = "cctv-new"
    cctv_replace = "cctv-replace"
    cctv_intelligent = "cctv-intelligent"
    wifi = "wifi"
    pole = "pole"


class RankPopulation(StrEnum):
    """Who is ranked."""

    all = "all"
    applicants = "applicants"


class Missing(StrEnum):
    """What to do with a ranked district that has no data."""

    refuse = "refuse"
    zero = "zero"


class Policy(StrEnum):
    """Allocation policies."""

    fill = "fill"
    proportional = "proportional"
    topk = "topk"


@app.command()
def score(
    program: Annotated[Program, typer.Option("--program", "-p", help="Programme to score.")],
    out: OutDir,
    districts: Annotated[
        Path | None,
        typer.Option(
            "--districts",
            "--requests",
            help="District/requests table, CSV (UTF-8, UTF-8 BOM or CP949) or XLSX, with "
            "sig_cd or name_ko (자치구) and any of fiscal_self_reliance_pct (재정자립도), "
            "vulnerable_cells, ageing_ratio_pct (노후율), intelligent_rate_pct, requested_krw "
            "(총사업비, total project cost), matching_secured_krw (확보 구비); amounts as 6억, "
            "600,000천원 or 600000000; overrides the bundled data (shown as overrides).",
        ),
    ] = None,
    grid: Annotated[
        Path | None,
        typer.Option("--grid", help="Graded risk grid (GeoTIFF); D/E cells per district."),
    ] = None,
    criteria: Annotated[
        Path | None,
        typer.Option("--criteria", help="Criteria TOML (default: the shipped one)."),
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            help="City budget of the round: 6000000000, 6,000,000,000, 6e9, 60억, "
            "6억 5천만 or 600000천원 (KRW).",
        ),
    ] = None,
    policy: Annotated[
        Policy | None,
        typer.Option("--policy", help="Allocation policy (default from the criteria: fill)."),
    ] = None,
    top_k: Annotated[
        int | None, typer.Option("--top-k", help="Districts funded under --policy topk.", min=1)
    ] = None,
    skip_partials: Annotated[
        bool | None,
        typer.Option(
            "--skip-partials/--allow-partials",
            help="Skip a district the remaining budget cannot fully fund (default: allow).",
        ),
    ] = None,
    rank_population: Annotated[
        RankPopulation | None,
        typer.Option(
            "--rank-population",
            help="Rank all districts in the table (default) or only applicants "
            "(requested_krw > 0).",
        ),
    ] = None,
    missing: Annotated[
        Missing | None,
        typer.Option(
            "--missing",
            help="A district of the round without data (a grid or table that does not cover "
            "it): 'refuse' (default; exit 2 naming the districts) or 'zero' (scored as 0, "
            "listed in the report).",
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="Output folder of an earlier run of this round: the new run becomes its next "
            "version and lists every changed value in PROGRAM_differences.csv and the report.",
        ),
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Score a subsidy round, decide eligibility and allocate the budget (CSV, XLSX, report).

    Example:  siting score --program cctv-replace --districts requests.xlsx
    --budget 20억 --out out/replace-v2 --previous out/replace
    """
    from layers.money import parse_krw_or_none
    from siting.jobs_score import SCORE_SUMMARY_COLUMNS, score_job

    budget_krw = parse_krw_or_none(budget, what="--budget")
    result, files = score_job(
        program.value,
        out,
        districts_csv=districts,
        grid=grid,
        criteria=criteria,
        budget_krw=budget_krw,
        policy=policy.value if policy else None,
        top_k=top_k,
        skip_partials=skip_partials,
        rank_population=rank_population.value if rank_population else None,
        missing=missing.value if missing else None,
        previous=previous,
        overwrite=overwrite,
    )
    print_table(result.table, SCORE_SUMMARY_COLUMNS, title=result.criteria.title)
    totals = result.totals
    stdout.print(
        f"eligible {totals['eligible']} of {totals['applicants']} applicants; "
        f"granted {totals['granted_city_krw']:,} KRW"
    )
    if result.differences is not None:
        stdout.print(
            f"version {result.version}: {len(result.differences)} value(s) changed in "
            f"{result.differences['sig_cd'].nunique()} district(s) since {result.previous}"
        )
    print_written(out, files)
