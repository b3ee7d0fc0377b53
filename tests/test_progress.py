"""Progress points and the reporter hook: nesting, cancellation, no effect on outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from _maps_fixtures import synthetic_grid_tif
from _outputs import comparable_outputs
from hypothesis import given
from hypothesis import strategies as st

from layers.districts import load_districts
from layers.output import staged_outputs, write_json
from layers.progress import Cancelled, current_reporter, reporting, step, track
from siting.jobs_propose import run_propose


def _recorder() -> tuple[list[tuple[float, str]], object]:
    seen: list[tuple[float, str]] = []
    return seen, lambda fraction, message: seen.append((fraction, message))


def test_without_a_reporter_track_is_a_plain_iteration(capsys: pytest.CaptureFixture[str]) -> None:
    assert current_reporter() is None
    assert list(track(iter("abc"), "letters")) == ["a", "b", "c"]
    step(0.5, "nobody listens")  # no reporter: nothing happens
    assert capsys.readouterr() == ("", "")


def test_a_reporter_draws_no_bar(capsys: pytest.CaptureFixture[str]) -> None:
    seen, reporter = _recorder()
    with reporting(reporter):  # type: ignore[arg-type]
        assert list(track(range(4), "cells")) == [0, 1, 2, 3]
    assert [f for f, _ in seen] == [0.0, 0.25, 0.5, 0.75]
    assert [m for _, m in seen] == ["cells 1/4", "cells 2/4", "cells 3/4", "cells 4/4"]
    assert capsys.readouterr() == ("", "")  # the CLI's bars stay behind progress=True
    assert current_reporter() is None


def test_steps_and_loops_nest_into_the_range_their_caller_gave() -> None:
    seen, reporter = _recorder()
    with reporting(reporter):  # type: ignore[arg-type]
        step(0.1, "reading")
        step(0.2, "districts", until=0.6)
        for _ in track(["a", "b"], "district"):
            step(0.5, "half of one district", until=1.0)  # 0.5 of the item's share
            for _ in track(range(2), "sites"):
                pass
        step(0.9, "writing")
    fractions = [round(f, 6) for f, _ in seen]
    assert fractions == [0.1, 0.2, 0.2, 0.3, 0.3, 0.35, 0.4, 0.5, 0.5, 0.55, 0.9]
    assert fractions == sorted(fractions)


def test_a_loop_without_length_reports_its_start_only() -> None:
    seen, reporter = _recorder()
    with reporting(reporter):  # type: ignore[arg-type]
        step(0.3, "scanning", until=0.7)
        assert list(track((i for i in range(3)), "rows")) == [0, 1, 2]
    assert [f for f, _ in seen] == [0.3, 0.3, 0.3, 0.3]


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=3),
    start=st.floats(min_value=0, max_value=0.5),
    span=st.floats(min_value=0, max_value=0.5),
)
def test_nested_loops_never_go_back(sizes: list[int], start: float, span: float) -> None:
    seen: list[float] = []

    def walk(depth: int) -> None:
        if depth == len(sizes):
            return
        for _ in track(range(sizes[depth]), f"level {depth}"):
            walk(depth + 1)

    with reporting(lambda fraction, _: seen.append(fraction)):
        step(start, "work", until=start + span)
        walk(0)
    assert all(b >= a - 1e-12 for a, b in zip(seen, seen[1:], strict=False))
    assert all(start - 1e-12 <= f <= start + span + 1e-12 for f in seen)


def test_cancelled_passes_except_exception_and_leaves_no_outputs(tmp_path: Path) -> None:
    def stop_at_second(fraction: float, message: str) -> None:
        if message in ("parts 2/3", "stop here"):
            raise Cancelled("dismissed")

    with reporting(stop_at_second), pytest.raises(Cancelled):
        try:  # library code that catches errors does not swallow a stop
            step(0.5, "stop here")
        except Exception:
            pytest.fail("Cancelled was caught as an Exception")
    out = tmp_path / "out"
    written = []
    with (
        pytest.raises(Cancelled),
        reporting(stop_at_second),
        staged_outputs(out) as stage,
    ):
        for i in track(range(3), "parts"):
            written.append(write_json({"part": i}, stage / f"part-{i}.json"))
    assert len(written) == 1
    assert list(out.iterdir()) == []  # nothing moved, staging folder removed


@pytest.fixture(scope="module")
def nowon_grid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic risk grid over 노원구 (100 m cells, seed 3), the service tests' demo size."""
    districts = load_districts()
    folder = tmp_path_factory.mktemp("grid")
    return synthetic_grid_tif(
        folder / "grid_synthetic.tif", districts[districts.name_ko == "노원구"], seed=3
    )


def test_propose_reports_its_stages_and_writes_the_same_bytes(
    nowon_grid: Path, tmp_path: Path
) -> None:
    options = {"device": "cctv", "districts": ["노원구"], "count": 5, "grid_path": nowon_grid}
    run_propose(tmp_path / "quiet", seed=1, **options)  # type: ignore[arg-type]
    seen, reporter = _recorder()
    with reporting(reporter):  # type: ignore[arg-type]
        run_propose(tmp_path / "reported", seed=1, **options)  # type: ignore[arg-type]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert len({f for f in fractions if 0 < f < 1}) >= 4
    assert seen[-1][1] == "writing the outputs"
    assert comparable_outputs(tmp_path / "reported") == comparable_outputs(tmp_path / "quiet")


def test_the_solver_reports_inside_the_range_its_caller_gave_and_can_be_stopped() -> None:
    import numpy as np
    import scipy.sparse as sp

    from siting.solvers import solve_mclp

    rng = np.random.default_rng(7)
    cover = sp.random(200, 1500, density=0.01, random_state=3, format="csr")
    cover.data[:] = 1.0
    weights = rng.random(1500)
    seen, reporter = _recorder()
    with reporting(reporter):  # type: ignore[arg-type]
        step(0.4, "choosing the sites", until=0.9)
        quiet = solve_mclp(cover, weights, count=15, solver="greedy", seed=1)
    fractions = [f for f, _ in seen]
    inner = [f for f, m in seen if m.startswith("improving the sites")]
    assert len(inner) > 10 and all(0.4 <= f <= 0.9 for f in fractions)
    assert fractions == sorted(fractions)  # never goes back
    assert np.array_equal(
        quiet.selected, solve_mclp(cover, weights, count=15, solver="greedy", seed=1).selected
    )

    def stop_midway(fraction: float, message: str) -> None:
        if message.startswith("improving the sites 3/"):
            raise Cancelled

    with pytest.raises(Cancelled), reporting(stop_midway):
        solve_mclp(cover, weights, count=15, solver="greedy", seed=1)
