"""Job behind ``siting score``: run one subsidy round and write its outputs atomically.

The round is computed first (every input error surfaces before any file is
touched), then the audit table (CSV with BOM, XLSX), the report (Markdown,
HTML) and ``run.json`` are staged and moved into place together.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd

from layers.output import run_manifest, staged_outputs, write_csv, write_json
from layers.progress import step as progress_step
from scoring import RoundResult, round_html, round_markdown, run_round, write_round_xlsx

__all__ = ["SCORE_SUMMARY_COLUMNS", "score_job", "write_round_outputs"]

#: Columns printed by ``siting score``.
SCORE_SUMMARY_COLUMNS = [
    "priority",
    "sig_cd",
    "name_ko",
    "total_points",
    "eligible",
    "city_share_krw",
    "status",
    "reason",
]


def write_round_outputs(
    result: RoundResult,
    stage: Path,
    *,
    seed: int | None = None,
    command: str = "score",
    inputs_relative_to: Path | None = None,
) -> list[str]:
    """Write a round's files into a staging folder; return their names.

    Files: ``<program>_round.csv`` (UTF-8 with BOM), ``<program>_round.xlsx``,
    ``<program>_report.md``, ``<program>_report.html`` and ``run.json``
    (inputs with sha256, every setting, totals, versions). Input paths under
    ``inputs_relative_to`` (the demo's staging folder) are recorded relative to it.
    """
    program = result.program
    names = [
        f"{program}_round.csv",
        f"{program}_round.xlsx",
        f"{program}_report.md",
        f"{program}_report.html",
        "run.json",
    ]
    if result.differences is not None:
        names.insert(4, f"{program}_differences.csv")
        write_csv(result.differences, stage / names[4])
    write_csv(result.table, stage / names[0])
    write_round_xlsx(result, stage / names[1])
    (stage / names[2]).write_text(round_markdown(result), encoding="utf-8")
    (stage / names[3]).write_text(round_html(result), encoding="utf-8")
    settings: dict[str, Any] = {
        "program": program,
        **result.criteria.choices(),
        "criteria": [c.model_dump() for c in result.criteria.criteria],
        "sources": result.sources,
        "totals": result.totals,
        "version": result.version,
        "previous": result.previous,
        "synthetic": result.synthetic,
    }
    manifest = run_manifest(
        f"{command} --program {program}",
        inputs=result.inputs,
        settings=settings,
        seed=seed,
        layers={f"{program}_round": result.table},
    )
    if inputs_relative_to is not None:
        for entry in manifest["inputs"]:
            path = Path(entry["path"])
            if path.is_relative_to(inputs_relative_to):
                entry["path"] = path.relative_to(inputs_relative_to).as_posix()
    write_json(manifest, stage / "run.json")
    return names


def score_job(
    program: str,
    out_dir: str | os.PathLike[str],
    *,
    districts_csv: str | os.PathLike[str] | None = None,
    grid: str | os.PathLike[str] | None = None,
    criteria: str | os.PathLike[str] | None = None,
    budget_krw: int | None = None,
    policy: str | None = None,
    top_k: int | None = None,
    skip_partials: bool | None = None,
    rank_population: str | None = None,
    missing: str | None = None,
    previous: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    layer: gpd.GeoDataFrame | None = None,
) -> tuple[RoundResult, list[str]]:
    """Score one programme's round and write its outputs into ``out_dir``.

    Parameters
    ----------
    program : str
        ``cctv-new``, ``cctv-replace``, ``cctv-intelligent``, ``wifi`` or ``pole``.
    out_dir : path
        Output folder.
    districts_csv : path, optional
        Planner's CSV (UTF-8, UTF-8 BOM or CP949) overriding the district layer.
    grid : path, optional
        Graded risk grid giving D/E cells per district.
    criteria : path, optional
        Criteria TOML (default: the shipped file of ``program``).
    budget_krw : int, optional
        City budget (KRW); overrides the criteria file.
    policy : {"fill", "proportional", "topk"}, optional
        Allocation policy; overrides the criteria file.
    top_k : int, optional
        K for ``topk``.
    skip_partials : bool, optional
        Skip districts the remaining budget cannot fully fund.
    rank_population : {"all", "applicants"}, optional
        Who is ranked; overrides the criteria file.
    missing : {"refuse", "zero"}, optional
        A ranked district without data: refuse (default, exit 2 naming it) or
        score it as 0 (stated in the report).
    previous : path, optional
        Output folder of an earlier run of the same programme: this run becomes
        its next version and writes ``<program>_differences.csv`` (every changed
        field per district), also listed in the report and the workbook.
    overwrite : bool, default False
        Replace existing outputs.
    layer : GeoDataFrame, optional
        District layer already loaded.

    Returns
    -------
    (RoundResult, list of str)
        The round and the names of the files written.
    """
    progress_step(0.05, "scoring the round")
    result = run_round(
        program,
        criteria=criteria,
        districts_csv=districts_csv,
        grid=grid,
        layer=layer,
        budget_krw=budget_krw,
        policy=policy,
        top_k=top_k,
        skip_partials=skip_partials,
        rank_population=rank_population,
        missing=missing,
    )
    if previous is not None:
        from layers.output import display_path
        from scoring.versions import read_previous_round

        before = read_previous_round(previous, program)
        result.compare_with(
            before.table,
            version=before.version,
            where=f"version {before.version} in {display_path(before.folder)}",
        )
    progress_step(0.80, "writing the outputs")
    protected = [p for p in (districts_csv, grid, criteria) if p is not None]
    with staged_outputs(out_dir, overwrite=overwrite, protected=protected) as stage:
        files = write_round_outputs(result, stage)
    return result, files
