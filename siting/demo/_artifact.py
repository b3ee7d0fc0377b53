"""What a demo stage (or a service job) returns: the files it wrote, described for a planner,
and the index page that lists them by what a planner does with them.

:func:`index_html` is shared by the demo's ``index.html`` and the service's job
pages: Korean first, grouped into 배분 결과 (subsidy rounds), 입지 제안 (proposed
sites and replacement plans), 지도 (maps) and 자료 (data and inputs); each entry
is its title and a sentence; files a browser cannot show (GeoPackage, GeoTIFF,
Excel) are marked as downloads.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["GROUPS", "Artifact", "Stage", "artifact_group", "index_html"]


@dataclass(frozen=True)
class Artifact:
    """One file the demo wrote, with what it is for a planner.

    Parameters
    ----------
    path : str
        Path relative to the demo folder.
    title : str
        Short title.
    description : str
        One or two sentences on what it shows and where it comes from.
    synthetic : bool
        True when the file holds or derives from seeded synthetic data.
    """

    path: str
    title: str
    description: str
    synthetic: bool = False


Stage = Callable[[Path, dict[str, Any]], list[Artifact]]

#: The index's groups, in order: key, Korean heading, English heading, what the group holds.
GROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("rounds", "배분 결과", "Subsidy rounds",
     "자치구별 점수, 순위, 지원 대상 여부와 배분액 (보고서, 엑셀 표, CSV)."),
    ("proposals", "입지 제안", "Proposed sites and replacement plans",
     "새 장비를 둘 위치와 교체할 장비, 선정 이유 (CSV, 공간자료)."),
    ("maps", "지도", "Maps",
     "인터넷 없이 열리는 지도. 자치구 경계가 배경지도입니다."),
    ("data", "자료", "Data and inputs",
     "자치구 통계, 노후도, 위험 격자, 계산에 쓴 입력 자료와 기록."),
)  # fmt: skip

#: Files a browser cannot show: linked as downloads, with the program that opens them.
_DOWNLOADS = {
    ".gpkg": "GeoPackage: QGIS 등 GIS 프로그램에서 열기 (open in QGIS)",
    ".tif": "GeoTIFF: QGIS 등 GIS 프로그램에서 열기 (open in QGIS)",
    ".tiff": "GeoTIFF: QGIS 등 GIS 프로그램에서 열기 (open in QGIS)",
    ".xlsx": "엑셀 통합문서 (Excel workbook)",
    ".parquet": "GeoParquet: GIS 프로그램에서 열기",
    ".zip": "압축 파일 (ZIP)",
}
_KINDS = {
    ".html": "웹 페이지 (opens in the browser)",
    ".csv": "CSV 표 (UTF-8, 엑셀에서 열림)",
    ".json": "JSON 기록 (machine-readable record)",
    ".md": "Markdown 문서",
    ".toml": "설정 파일 (TOML)",
}


def artifact_group(artifact: Artifact) -> str:
    """The index group of a file: ``rounds``, ``proposals``, ``maps`` or ``data``.

    Decided from its path: maps are HTML pages under ``maps/`` (or named ``*map*``);
    round results live under ``scoring/`` (or are named ``*round*``/``*report*``);
    proposals under ``proposals/`` or named for a proposal, replacement or plan;
    inputs and everything else are data.

    Examples
    --------
    >>> artifact_group(Artifact("scoring/wifi/wifi_round.xlsx", "t", "d"))
    'rounds'
    >>> artifact_group(Artifact("proposals/inputs/siting_inputs_synthetic.gpkg", "t", "d"))
    'data'
    """
    path = PurePosixPath(artifact.path)
    parts = [p.lower() for p in path.parts]
    name = path.name.lower()
    if "inputs" in parts[:-1] or name in ("run.json", "artifacts.json", "index.html"):
        return "data"
    if path.suffix.lower() == ".html" and (parts[0] == "maps" or "map" in name):
        return "maps"
    if parts[0] == "scoring" or any(k in name for k in ("_round", "round_", "_report.html")):
        return "rounds"
    if parts[0] == "proposals" or any(
        k in name for k in ("proposal", "replacement", "plan", "sites")
    ):
        return "proposals"
    return "data"


def _entry(artifact: Artifact, lang: str) -> str:
    esc = html.escape
    suffix = PurePosixPath(artifact.path).suffix.lower()
    download = suffix in _DOWNLOADS
    kind = _DOWNLOADS.get(suffix) or _KINDS.get(suffix, suffix.lstrip(".").upper() or "file")
    attrs = f' href="{esc(artifact.path)}"'
    badges = []
    if download:
        attrs += " download"
        badges.append('<span class="dl">내려받기 download</span>')
    if artifact.synthetic:
        badges.append('<span class="syn">예시 SYNTHETIC</span>')
    sentence = artifact.description.strip()
    if sentence and sentence[-1] not in ".!?。":
        sentence += "."
    synthetic_note = (
        (
            " 시드로 생성한 합성(예시) 자료로 만든 것이며 실제 관측이 아닙니다."
            if lang == "ko"
            else " Made from seeded synthetic (example) data, not real observations."
        )
        if artifact.synthetic
        else ""
    )
    return (
        f"<li><a{attrs}>{esc(artifact.title)}</a> {' '.join(badges)}"
        f'<div class="d">{esc(sentence)}{esc(synthetic_note)}</div>'
        f'<div class="p">{esc(artifact.path)} · {esc(kind)}</div></li>'
    )


_STYLE = (
    "body{font-family:'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',sans-serif;"
    "max-width:920px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
    "h2{border-bottom:2px solid #1f4e79;padding-bottom:0.2em;margin-top:1.6em}"
    "h2 small{font-weight:normal;color:#555;font-size:0.6em}"
    ".g{color:#444;font-size:0.92em;margin:0.3em 0 0.6em}"
    "li{margin:0.7em 0}.d{font-size:0.92em}.p{font-size:0.8em;color:#777}"
    ".syn{background:#b00020;color:#fff;font-size:0.75em;padding:1px 5px;border-radius:3px}"
    ".dl{background:#1f4e79;color:#fff;font-size:0.75em;padding:1px 5px;border-radius:3px}"
    ".banner{background:#b00020;color:#fff;font-weight:bold;padding:0.6em 1em}"
)


def index_html(
    artifacts: Sequence[Artifact],
    title: str,
    lang: str = "ko",
    *,
    intro: str | None = None,
) -> str:
    """An offline HTML page listing ``artifacts`` by what a planner does with them.

    Parameters
    ----------
    artifacts : sequence of Artifact
        Files, paths relative to the folder the page is written in.
    title : str
        Page title (``"siting 데모 결과"``, a job's name).
    lang : {"ko", "en"}, default "ko"
        Language of the page's own sentences; headings are always Korean first
        with the English after.
    intro : str, optional
        A sentence under the title (default: how to use the page).

    Returns
    -------
    str
        The page (UTF-8, no external references, every text escaped).

    Examples
    --------
    >>> page = index_html([Artifact("maps/a.html", "지도 A", "자치구별 노후율")], "데모")
    >>> "<h2>지도" in page and 'href="maps/a.html"' in page
    True
    """
    esc = html.escape
    grouped: dict[str, list[Artifact]] = {key: [] for key, *_ in GROUPS}
    for artifact in artifacts:
        if artifact.path == "index.html":
            continue
        grouped[artifact_group(artifact)].append(artifact)
    sections = []
    for key, korean, english, what in GROUPS:
        items = grouped[key]
        if not items:
            continue
        rows = "".join(_entry(a, lang) for a in items)
        sections.append(
            f'<section id="{key}"><h2>{esc(korean)} <small>{esc(english)}</small></h2>'
            f'<p class="g">{esc(what)}</p><ul>{rows}</ul></section>'
        )
    synthetic = any(a.synthetic for a in artifacts)
    banner = (
        '<p class="banner" role="alert">예시 SYNTHETIC — 표시된 항목은 시드로 생성한 합성 '
        "입력으로 만든 것이며 실제 관측이나 신청 자료가 아닙니다. (Items marked SYNTHETIC "
        "come from seeded example data, not real observations.)</p>"
        if synthetic
        else ""
    )
    default_intro = (
        "아래 파일은 모두 인터넷 없이 열립니다. 지도는 스크립트를 파일 안에 담고 있고 배경 "
        "타일을 쓰지 않습니다. 내려받기 표시 파일은 QGIS나 엑셀에서 여십시오. "
        '<a href="artifacts.json">artifacts.json</a>에 같은 목록이, '
        '<a href="run.json">run.json</a>에 실행 기록이 있습니다.'
        if lang == "ko"
        else "Every file below opens without internet. Files marked download open in QGIS "
        'or Excel. <a href="artifacts.json">artifacts.json</a> lists the same files; '
        '<a href="run.json">run.json</a> records the run.'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{banner}"
        f"<p>{esc(intro) if intro is not None else default_intro}</p>"
        f"{''.join(sections)}</body></html>\n"
    )
