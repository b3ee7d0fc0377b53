"""The round's report (Markdown and HTML) and workbook (XLSX) for the council.

Both reports are rendered from one list of blocks, so they always say the
same thing: the criteria, every choice used, where each input came from, the
totals and the ranked table.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import pandas as pd

from layers.output import (
    display_path,
    synthetic_banner_html,
    synthetic_banner_markdown,
    write_xlsx,
)
from scoring.criteria import Criteria
from scoring.rounds import RoundResult

__all__ = ["district_notes", "report_blocks", "round_html", "round_markdown", "write_round_xlsx"]

_CHOICE_TEXT = {
    "rank_population": "rank population ('all' districts in the table, or 'applicants' only)",
    "tie_method": "ties ('min' = Excel RANK.EQ smallest rank, 'average' = RANK.AVG, 'max')",
    "point_step": "points per rank",
    "combination": "combination ('sum' = literal sum; 'rescale' = each criterion scaled to rescale_to)",
    "rescale_to": "maximum of each criterion under 'rescale'",
    "ageing_min_age": "CCTV ageing threshold (years; aged = reference year − install year ≥ this)",
    "reference_year": "year ages are measured at",
    "vulnerable_grades": "risk-grid grades counted as vulnerable cells",
    "tie_break": "priority tie-break after the total (needier first), then lower SIG_CD",
    "matching_ratio": "city share of the project cost (0.5 = 시·구 5:5 매칭)",
    "policy": "allocation policy ('fill' rank-order, 'proportional' to score, 'topk')",
    "skip_partials": "skip a district the remaining budget cannot fully fund and go on to the next",
    "top_k": "districts considered under 'topk'",
    "budget_krw": "city budget of the round (KRW; none = unlimited)",
    "missing": "a ranked district without data: 'refuse' (stop, naming it) or 'zero' (scored as 0)",
}

Block = tuple[Any, ...]


def _krw(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return f"{int(value):,} KRW ({int(value) / 1000:,.0f}천원)"


def _fmt(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:,.10g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _criteria_rows(criteria: Criteria) -> list[list[str]]:
    rows = []
    for c in criteria.criteria:
        if c.points == "rank":
            how = f"{c.weight:g} × {criteria.settings.point_step:g} × rank"
        elif c.points == "bands":
            how = "; ".join(f"{b.label()} → {c.weight * b.points:g}" for b in c.bands)
        else:
            how = f"{c.weight:g} × value" + (" (min-max scaled 0–1)" if c.scale == "minmax" else "")
        more = "higher values" if c.direction == "higher" else "lower values"
        rows.append(
            [
                c.name,
                c.label + (" **[assumption]**" if c.assumption else ""),
                c.column,
                c.group,
                f"{more} earn more points",
                how,
            ]
        )
    return rows


def report_blocks(result: RoundResult) -> list[Block]:
    """The report's content as blocks: ``("h1"|"h2"|"p", text)``, ``("ul", items)``,
    ``("table", headers, rows)``."""
    c = result.criteria
    t = result.totals
    blocks: list[Block] = [("h1", f"{c.title} — subsidy round ({c.program})")]
    blocks.append(("p", c.basis_text()))
    if result.version > 1 or result.differences is not None:
        blocks.append(("p", f"Version {result.version} of this round."))
    if c.assumptions:
        blocks.append(("h2", "Assumptions (not written policy)"))
        blocks.append(("ul", [f"ASSUMPTION: {a}" for a in c.assumptions]))
    blocks.append(("h2", "Criteria"))
    blocks.append(
        (
            "p",
            "Each rank-based criterion ranks districts so that rank 1 is the least needy; "
            "points grow by the point step per rank. Total = fiscal points + need points "
            f"({'literal sum' if c.settings.combination == 'sum' else 'each criterion rescaled'}). "
            "Priority: higher total first; equal totals broken by "
            + ", then ".join(c.settings.tie_break or ["—"])
            + " (needier first), then lower SIG_CD.",
        )
    )
    blocks.append(
        (
            "table",
            ["criterion", "what", "column", "group", "direction", "points"],
            _criteria_rows(c),
        )
    )
    blocks.append(("h2", "Every choice used"))
    blocks.append(
        (
            "table",
            ["setting", "value", "meaning"],
            [
                [k, "none" if v is None else str(v), _CHOICE_TEXT.get(k, "")]
                for k, v in c.choices().items()
            ],
        )
    )
    blocks.append(
        (
            "p",
            "Eligibility: a district that applied (requested_krw > 0; requested_krw is the "
            "total project cost) is eligible when matching_secured_krw ≥ "
            f"(1 − {c.settings.matching_ratio:g}) × requested_krw. Amounts are rounded to 천원 "
            "by largest remainder and add up exactly to the granted total; district_share_krw "
            "is the matching counterpart of the city grant.",
        )
    )
    if result.sources or result.inputs:
        blocks.append(("h2", "Inputs"))
        used = {cr.column for cr in c.criteria} | {"requested_krw", "matching_secured_krw"}
        items = [f"{k}: {v}" for k, v in sorted(result.sources.items()) if k in used]
        items += [f"file: {display_path(p)}" for p in result.inputs]
        blocks.append(("ul", items))
    blocks += _data_blocks(result)
    blocks += _difference_blocks(result)
    blocks.append(("h2", "Totals"))
    blocks.append(
        (
            "ul",
            [
                f"districts in the table: {t['districts']}, ranked: {t['ranked']}",
                f"applicants: {t['applicants']}, eligible: {t['eligible']}",
                f"funded in full: {t['funded_in_full']}, in part: {t['funded_in_part']}",
                f"budget: {_krw(t['budget_krw']) if t['budget_krw'] is not None else 'not set (unlimited)'}",
                f"granted (city): {_krw(t['granted_city_krw'])}",
                f"matching (districts): {_krw(t['granted_district_krw'])}",
                f"unspent: {_krw(t['unspent_krw'])}",
            ],
        )
    )
    columns = [
        col
        for col in [
            "priority",
            "sig_cd",
            "name_ko",
            "fiscal_points",
            "need_points",
            "total_points",
            "eligible",
            "requested_krw",
            "city_share_krw",
            "district_share_krw",
            "status",
            "reason",
        ]
        if col in result.table.columns
    ]
    notes = district_notes(result.table)
    rows = [
        [_fmt(v) for v in row] + [note]
        for row, note in zip(result.table[columns].itertuples(index=False), notes, strict=True)
    ]
    columns = [*columns, "notes"]
    blocks.append(("h2", "Ranked districts"))
    blocks.append(("table", columns, rows))
    return blocks


def district_notes(table: pd.DataFrame) -> list[str]:
    """Per district: overrides, values scored as 0 for lack of data, and data-quirk notes.

    A quirk of the whole field (every district) is shortened to a pointer to the
    report's Data notes section; the full text stays in the table's ``data_notes``.
    """
    from layers.quirks import load_quirks

    whole = load_quirks(expand=False)
    whole = whole[whole.scope == "all districts"]
    notes: list[str] = []
    for _, row in table.iterrows():
        parts: list[str] = []
        if str(row.get("overrides") or ""):
            parts.append(f"OVERRIDE {row['overrides']}")
        if str(row.get("missing_filled_zero") or ""):
            parts.append(f"NO DATA, scored as 0: {row['missing_filled_zero']}")
        data = str(row.get("data_notes") or "")
        for quirk in whole.itertuples():
            for field in {str(quirk.field), *_aliases(str(quirk.field))}:
                data = data.replace(
                    f"{field}: {quirk.note_ko}", f"{field}: all districts, see Data notes"
                )
        if data:
            parts.append(f"DATA NOTE {data}")
        notes.append(" | ".join(parts))
    return notes


def _difference_blocks(result: RoundResult) -> list[Block]:
    """What changed since the previous version (every changed field per district)."""
    diff = result.differences
    if diff is None:
        return []
    title = f"Changes since version {result.version - 1}"
    if diff.empty:
        return [("h2", title), ("p", f"No value changed since {result.previous}.")]
    districts = diff["sig_cd"].nunique()
    return [
        ("h2", title),
        (
            "p",
            f"Compared with {result.previous}: {len(diff)} value(s) changed in {districts} "
            "district(s). The full list is in the differences table (CSV and XLSX sheet).",
        ),
        ("table", list(diff.columns), [[str(v) for v in row] for row in diff.values.tolist()]),
    ]


def _aliases(field: str) -> list[str]:
    from layers.quirks import FIELD_ALIASES

    return [alias for alias, canonical in FIELD_ALIASES.items() if canonical == field]


def _data_blocks(result: RoundResult) -> list[Block]:
    """Missing data scored as 0, overrides, and the quirk register's notes (English)."""
    from layers.quirks import quirks_for

    t = result.table
    blocks: list[Block] = []
    if "missing_filled_zero" in t.columns and t["missing_filled_zero"].astype(bool).any():
        hit = t[t["missing_filled_zero"].astype(bool)]
        blocks.append(("h2", "Districts without data, scored as 0 (--missing zero)"))
        blocks.append(
            (
                "p",
                f"{len(hit)} district(s) of the round had no value for a criterion; with "
                "missing = 'zero' they were scored as if the value were 0, which ranks them "
                "as least needy on that criterion. Without this setting the round is refused.",
            )
        )
        blocks.append(
            ("ul", [f"{r.name_ko} ({r.sig_cd}): {r.missing_filled_zero}" for r in hit.itertuples()])
        )
    if "overrides" in t.columns and t["overrides"].astype(bool).any():
        hit = t[t["overrides"].astype(bool)]
        blocks.append(("h2", "Overrides of the bundled data"))
        blocks.append(
            ("ul", [f"{r.name_ko} ({r.sig_cd}): {r.overrides}" for r in hit.itertuples()])
        )
    columns = list(dict.fromkeys(c.column for c in result.criteria.criteria))
    register = quirks_for(columns, t["sig_cd"].astype(str))
    if "data_notes" in t.columns and t["data_notes"].astype(bool).any() and not register.empty:
        notes_by_sig = dict(zip(t["sig_cd"].astype(str), t["data_notes"].astype(str), strict=True))
        register = register[
            [
                f"{row.field}: " in notes_by_sig.get(str(row.sig_cd), "")
                for row in register.itertuples()
            ]
        ]
        blocks.append(("h2", "Data notes (known quirks of the bundled data)"))
        items = []
        for (field, note, source), group in register.groupby(
            ["field", "note_en", "source"], sort=True
        ):
            where = (
                "every district"
                if len(group) >= 25
                else ", ".join(f"{r.name_ko} ({r.sig_cd})" for r in group.itertuples())
            )
            items.append(f"{field} — {where}: {note} (source: {source})")
        blocks.append(("ul", items))
    return blocks


def round_markdown(result: RoundResult) -> str:
    """The report as Markdown; a synthetic round opens with the SYNTHETIC / 예시 banner."""
    lines: list[str] = [synthetic_banner_markdown()] if result.synthetic else []
    for block in report_blocks(result):
        kind = block[0]
        if kind == "h1":
            lines += [f"# {block[1]}", ""]
        elif kind == "h2":
            lines += [f"## {block[1]}", ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines.append("| " + " | ".join(headers) + " |")
            lines.append("|" + "---|" * len(headers))
            for row in rows:
                lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
            lines.append("")
    return "\n".join(lines)


def round_html(result: RoundResult) -> str:
    """The report as a self-contained HTML page; a synthetic round opens with the red banner."""
    e = html.escape
    body: list[str] = [synthetic_banner_html()] if result.synthetic else []
    for block in report_blocks(result):
        kind = block[0]
        if kind in ("h1", "h2", "p"):
            text = e(block[1]).replace("**[assumption]**", "<strong>[assumption]</strong>")
            body.append(f"<{kind}>{text}</{kind}>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in block[1])
            rows = "".join(
                "<tr>"
                + "".join(
                    f"<td>{e(str(v)).replace('**[assumption]**', '<strong>[assumption]</strong>')}</td>"
                    for v in row
                )
                + "</tr>"
                for row in block[2]
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    title = e(str(report_blocks(result)[0][1]))
    style = (
        "body{font-family:'Noto Sans KR',sans-serif;margin:2em;max-width:80em}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:2px 6px;font-size:90%}th{background:#eee}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="ko"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_round_xlsx(result: RoundResult, path: str | os.PathLike[str]) -> Path:
    """Write the round as an Excel workbook: the table, criteria, settings, totals, inputs."""
    out = Path(path)
    criteria = pd.DataFrame(
        _criteria_rows(result.criteria),
        columns=["criterion", "what", "column", "group", "direction", "points"],
    )
    settings = pd.DataFrame(
        [
            [k, "none" if v is None else str(v), _CHOICE_TEXT.get(k, "")]
            for k, v in result.criteria.choices().items()
        ],
        columns=["setting", "value", "meaning"],
    )
    totals = pd.DataFrame(list(result.totals.items()), columns=["total", "value"])
    used = {c.column for c in result.criteria.criteria} | {"requested_krw", "matching_secured_krw"}
    sources = pd.DataFrame(
        sorted((k, v) for k, v in result.sources.items() if k in used), columns=["column", "source"]
    )
    table = result.table.astype(object).where(result.table.notna(), None)
    sheets = {
        "round": table,
        "criteria": criteria,
        "settings": settings,
        "totals": totals,
        "inputs": sources,
    }
    if result.differences is not None:
        sheets["differences"] = result.differences
    about = _about(result)
    notes = [item for block in _data_blocks(result) if block[0] == "ul" for item in block[1]]
    if notes:
        about["data notes (also in the round sheet's data_notes and overrides columns)"] = notes
    return write_xlsx(
        sheets,
        out,
        title=f"{result.criteria.title} — subsidy round ({result.program}), "
        f"version {result.version}: 배분표 (allocation table)",
        about=about,
        synthetic=result.synthetic,
    )


def _about(result: RoundResult) -> dict[str, Any]:
    """The workbook's About facts: the criteria, their basis and source, every setting, inputs."""
    c = result.criteria
    about: dict[str, Any] = {
        "criteria": [
            f"{cr.name}: {cr.label}" + (" [assumption]" if cr.assumption else "")
            for cr in c.criteria
        ],
        "basis": "written policy (the city's written criteria)"
        if c.basis == "written"
        else "ASSUMED — not the city's written rules (none are published for this round)",
        "source document": c.source or "none published",
    }
    if c.assumptions:
        about["assumptions"] = [f"ASSUMPTION: {a}" for a in c.assumptions]
    about["settings"] = {
        k: "none" if v is None else ", ".join(map(str, v)) if isinstance(v, list) else v
        for k, v in c.choices().items()
    }
    if result.inputs:
        about["input files"] = [display_path(p) for p in result.inputs]
    if result.version > 1 or result.differences is not None:
        about["version"] = f"{result.version}" + (
            f" (compared with {result.previous})" if result.previous else ""
        )
    return about
