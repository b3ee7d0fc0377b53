"""The demo index page as the maps stage writes it: every artifact linked once, offline."""

from __future__ import annotations

from maps import external_urls
from siting.demo._artifact import Artifact
from siting.demo.maps import index_html


def test_index_links_every_artifact_once_and_marks_synthetic() -> None:
    artifacts = [
        Artifact("scoring/r_report.html", "Round report", "Criteria.", True),
        Artifact("maps/a.html", "Map A", "Shows <A>.", False),
        Artifact("tables/t.csv", "Table", "Rows.", True),
        Artifact("grid/g.tif", "Grid", "Cells.", True),
        Artifact("run.json", "Run", "Manifest."),
    ]
    page = index_html(artifacts, title="demo")
    assert external_urls(page) == []
    for a in artifacts:
        assert page.count(f'<a href="{a.path}"') >= 1, a.path
    assert page.count('class="syn"') == 3
    assert "Shows &lt;A&gt;." in page
    assert '<meta charset="utf-8">' in page
