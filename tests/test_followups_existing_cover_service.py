"""The plan and replace processes take existing_cover and camera_fov like propose does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from service.jobs import JobContext
from service.processes import (
    FILES_KEY,
    ProcessInputError,
    get_process,
    run_plan_process,
    run_replace_process,
    validate_inputs,
)

# A box wholly inside 성북구 (EPSG:5186, m); SYNTHETIC inventory, places and round.
X0, Y0 = 201_700.0, 555_200.0
BASES: dict[str, dict[str, Any]] = {
    "propose": {"device": "cctv", "count": 3},
    "plan": {"round": "0" * 32},
    "replace": {"devices": "0" * 32},
}


@pytest.mark.parametrize("process_id", sorted(BASES))
def test_processes_validate_and_document_the_existing_cover_inputs(process_id: str) -> None:
    process = get_process(process_id)
    base = BASES[process_id]
    assert validate_inputs(process, base)["existing_cover"] == "cameras"
    assert validate_inputs(process, base)["camera_fov"] is None
    chosen = validate_inputs(process, base | {"existing_cover": "disc", "camera_fov": 120})
    assert (chosen["existing_cover"], chosen["camera_fov"]) == ("disc", 120.0)
    with pytest.raises(ProcessInputError, match="existing_cover"):
        validate_inputs(process, base | {"existing_cover": "sectors"})
    with pytest.raises(ProcessInputError, match="camera_fov"):
        validate_inputs(process, base | {"camera_fov": 400})
    with pytest.raises(ProcessInputError, match="camera_fov"):
        validate_inputs(process, base | {"camera_fov": 0})
    doc = process.description_doc()["inputs"]
    assert doc["existing_cover"]["schema"]["enum"] == ["cameras", "disc"]
    assert doc["existing_cover"]["schema"]["default"] == "cameras"
    assert "camera_fov / 360°" in doc["existing_cover"]["description"]
    fov = doc["camera_fov"]["schema"]["anyOf"][0]
    assert (fov["exclusiveMinimum"], fov["maximum"]) == (0, 360)
    assert doc["camera_fov"]["minOccurs"] == 0


def _uploads(tmp_path: Path) -> None:
    (tmp_path / "cctv.csv").write_text(
        "device_id,x,y,install_year,n_devices\n"
        f"one,{X0 + 50},{Y0 + 50},2010,1\nfour,{X0 + 450},{Y0 + 50},2011,4\n",
        encoding="utf-8",
    )
    (tmp_path / "places_synthetic.csv").write_text(
        f"x,y,weight\n{X0 + 60},{Y0 + 50},5\n{X0 + 460},{Y0 + 50},2\n", encoding="utf-8"
    )


def _ctx(tmp_path: Path, name: str) -> JobContext:
    return JobContext(name, tmp_path / name, tmp_path, lambda _pct, _msg: None)


def test_replace_process_counts_existing_cameras_as_told(tmp_path: Path) -> None:
    _uploads(tmp_path)
    process = get_process("replace")
    covered = {}
    for model in ("cameras", "disc"):
        inputs = validate_inputs(
            process,
            {
                "devices": "0" * 32,
                "device": "cctv",
                "reference_year": 2024,
                "crs": "EPSG:5186",
                "existing_cover": model,
            },
        )
        inputs[FILES_KEY] = {"devices": "cctv.csv", "demand": "places_synthetic.csv"}
        summary, _files = run_replace_process(_ctx(tmp_path, model), inputs)
        assert summary["existing_cover"]["model"] == model
        covered[model] = summary["covered_weight_selected"]
    # one camera watches a quarter of its place (5 × 0.25), four cameras all of theirs (2)
    assert covered == {"cameras": 3.25, "disc": 7.0}


def test_plan_process_states_the_existing_cover_model_it_ran(tmp_path: Path) -> None:
    _uploads(tmp_path)
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 600, (30, 2))
    pd.DataFrame(
        {"x": X0 + xy[:, 0], "y": Y0 + xy[:, 1], "weight": rng.gamma(2.0, 1.0, 30).round(3)}
    ).to_csv(tmp_path / "demand_synthetic.csv", index=False)
    round_table = pd.DataFrame(
        [
            {
                "sig_cd": "11290",
                "name_ko": "성북구",
                "priority": 1,
                "requested_krw": 95_000_000,
                "matching_secured_krw": 47_500_000,
                "city_share_krw": 47_500_000,
                "district_share_krw": 47_500_000,
                "status": "funded",
            }
        ]
    )
    round_table.to_csv(tmp_path / "cctv-new_round.csv", index=False, encoding="utf-8-sig")
    process = get_process("plan")
    settings = {}
    for name, chosen in {"disc": {"existing_cover": "disc"}, "fov": {"camera_fov": 120}}.items():
        inputs = validate_inputs(process, {"round": "0" * 32, "crs": "EPSG:5186"} | chosen)
        inputs[FILES_KEY] = {
            "round": "cctv-new_round.csv",
            "demand": "demand_synthetic.csv",
            "existing": "cctv.csv",
        }
        summary, _files = run_plan_process(_ctx(tmp_path, name), inputs)
        settings[name] = summary["settings"]
    assert settings["disc"]["profile"]["existing_cover"] == "disc"
    assert settings["disc"]["existing_cover"].startswith("disc model")
    assert settings["fov"]["profile"]["existing_cover"] == "cameras"
    assert settings["fov"]["profile"]["camera_fov_deg"] == 120.0
    assert "min(1, n × 120° / 360°)" in settings["fov"]["existing_cover"]
