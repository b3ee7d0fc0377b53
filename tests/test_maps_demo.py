"""The demo index page: every artifact linked once, grouped, synthetic ones marked."""

from __future__ import annotations

import re

from maps import external_urls
from siting.demo._artifact import Artifact
from siting.demo.maps import index_html


def test_index_groups_and_marks_synthetic() -> None:
    artifacts = [
        Artifact("scoring/r_report.html", "Round report", "Criteria.", True),
        Artifact("maps/a.html", "Map A", "Shows <A>.", False),
        Artifact("tables/t.csv", "Table", "Rows.", True),
        Artifact("grid/g.tif", "Grid", "Cells.", True),
        Artifact("run.json", "Run", "Manifest."),
    ]
    page = index_html(artifacts, title="demo")
    assert external_urls(page) == []
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings == ["지도 Maps", "보고서 Reports", "표 Tables", "공간자료 Layers", "기타 Other"]
    assert page.index('href="maps/a.html"') < page.index('href="scoring/r_report.html"')
    for a in artifacts:
        assert page.count(f'<li><a href="{a.path}">') == 1
    assert page.count('class="syn"') == 3
    assert "Shows &lt;A&gt;." in page
    assert '<meta charset="utf-8">' in page
