"""The whole demo, end to end: reproducible tables, every artifact listed, every map offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser import ARTIFACTS, check_map, korean_names, launch_browser, needs_chromium
from _demo_run import DemoRun

from siting.demo import run_demo

#: Files whose content legitimately changes between runs: they record wall-clock seconds.
_TIMED = {"summary.json", "summaries.json"}


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(tuple(_TIMED))
    }


@pytest.mark.slow
def test_same_seed_gives_byte_identical_outputs(demo_run: DemoRun, tmp_path: Path) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    again = tmp_path / "again"
    run_demo(again)
    first, second = _files(demo_run.out), _files(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_every_artifact_is_listed_and_exists(demo_run: DemoRun) -> None:
    artifacts = json.loads((demo_run.out / "artifacts.json").read_text(encoding="utf-8"))
    assert len(artifacts) > 20
    for artifact in artifacts:
        assert (demo_run.out / artifact["path"]).is_file(), artifact["path"]
        if "synthetic" in Path(artifact["path"]).name:
            assert artifact["synthetic"], artifact["path"]
    index = (demo_run.out / "index.html").read_text(encoding="utf-8")
    for artifact in artifacts:
        if artifact["path"].endswith(".html") and artifact["path"] != "index.html":
            assert artifact["path"] in index, artifact["path"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.mark.browser
@needs_chromium
def test_every_map_of_the_real_demo_opens_offline(browser: Any, demo_run: DemoRun) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    maps = sorted((demo_run.out / "maps").glob("*.html"))
    assert len(maps) >= 9
    korean = korean_names()
    for path in maps:
        check_map(browser, path, korean)


def test_index_page_groups_by_task_and_marks_downloads() -> None:
    from siting.demo._artifact import Artifact, index_html

    artifacts = [
        Artifact("districts/districts.gpkg", "District layer", "25 districts with statistics"),
        Artifact("scoring/wifi/wifi_round.xlsx", "Wi-Fi round", "Scores and grants.", True),
        Artifact("maps/round_wifi_synthetic.html", "Map: Wi-Fi round", "Scores by district.", True),
        Artifact("proposals/pole/proposals.csv", "Smart poles", "7 sites.", True),
        Artifact("grid/risk.tif", "Risk grid", "Grades A–E."),
        Artifact("proposals/inputs/x_synthetic.gpkg", '<img src=x onerror="alert(1)">', "Inputs."),
        Artifact("index.html", "Index", "This page."),
    ]
    page = index_html(artifacts, "데모 결과")
    headings = [h for h in ("배분 결과", "입지 제안", "지도", "자료") if f"<h2>{h} " in page]
    assert headings == ["배분 결과", "입지 제안", "지도", "자료"]
    assert [page.index(f"<h2>{h} ") for h in headings] == sorted(
        page.index(f"<h2>{h} ") for h in headings
    )
    for download in ("districts/districts.gpkg", "grid/risk.tif", "scoring/wifi/wifi_round.xlsx"):
        assert f'href="{download}" download>' in page
    assert 'href="maps/round_wifi_synthetic.html">' in page
    assert "25 districts with statistics." in page  # each entry a sentence
    assert "<img" not in page and "&lt;img" in page
    assert page.count('class="syn"') == 3 and 'class="banner"' in page
    assert 'href="index.html"' not in page
    assert "http://" not in page and "https://" not in page
