"""The demo says how it counts existing CCTV: by camera count, n·θ/360° of the disc."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest

from siting.demo.proposals import DEMO_AGED_CREDIT, existing_cctv_note
from siting.profiles import get_profile


@pytest.mark.parametrize(
    ("options", "expected", "absent"),
    [
        (
            {"aged_credit": 0.5},
            ["camera count", "n cameras of 90°", "directions unknown", "min(1, n·90°/360°)",
             "50 m disc", "1 camera 25%", "4 or more", "≥ 8 years) counts 50% of that"],
            ["whole"],
        ),
        (
            {"camera_fov_deg": 60.0, "radius_m": 40.0},
            ["min(1, n·60°/360°)", "40 m disc", "1 camera 17%", "6 or more all of it)."],
            ["aged"],
        ),
        ({"existing_cover": "disc"}, ["whole 50 m disc"], ["camera count", "360"]),
    ],
    ids=["demo", "fov-60", "disc"],
)  # fmt: skip
def test_the_note_follows_the_profile(
    options: dict[str, Any], expected: list[str], absent: list[str]
) -> None:
    note = existing_cctv_note(get_profile("cctv", **options))
    for text in expected:
        assert text in note
    for text in absent:
        assert text not in note


def test_demo_artifacts_and_index_say_how_existing_cctv_is_counted(demo_run: Any) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    artifacts = json.loads((demo_run.out / "artifacts.json").read_text(encoding="utf-8"))
    texts = [a["description"] for a in artifacts if a["path"].endswith("plan_sites.csv")]
    assert len(texts) == 1
    note = existing_cctv_note(get_profile("cctv", aged_credit=DEMO_AGED_CREDIT))
    assert texts[0].endswith(note) and "camera count" in note
    index = html.unescape((demo_run.out / "index.html").read_text(encoding="utf-8"))
    assert note in index
    assert "count for half" not in index
    summary = json.loads(
        (demo_run.out / "proposals" / "cctv" / "summary.json").read_text(encoding="utf-8")
    )
    assert summary["settings"]["existing_cover"].startswith("camera model")
