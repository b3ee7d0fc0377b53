"""Grades A–E from scores: quantiles hold 20 % within one tie group; kmeans; fixed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import ConfigError
from layers.riskgrid import Grading, grade_scores


def test_quantile_grades_hold_a_fifth_each() -> None:
    scores = np.random.default_rng(1).normal(size=10_000)
    codes = grade_scores(scores)
    assert np.bincount(codes, minlength=6)[1:].tolist() == [2000] * 5


def test_higher_score_never_gets_a_safer_grade() -> None:
    scores = np.random.default_rng(2).exponential(size=5_000)
    codes = grade_scores(scores)
    order = np.argsort(scores, kind="stable")
    assert (np.diff(codes[order].astype(int)) >= 0).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=10, max_size=400),
)
def test_quantile_share_within_one_tie_group(values: list[int]) -> None:
    scores = np.asarray(values, dtype=np.float64)
    if np.unique(scores).size < 2:
        return
    codes = grade_scores(scores)
    n = len(scores)
    largest_tie = np.unique(scores, return_counts=True)[1].max()
    for grade in range(1, 6):
        assert abs(int((codes == grade).sum()) - n / 5) <= largest_tie
    # tied scores share one grade
    for value in np.unique(scores):
        assert np.unique(codes[scores == value]).size == 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=5, max_size=200))
def test_grades_do_not_depend_on_order(values: list[float]) -> None:
    scores = np.asarray(values)
    perm = np.random.default_rng(len(values)).permutation(len(values))
    assert np.array_equal(grade_scores(scores)[perm], grade_scores(scores[perm]))


def test_kmeans_separates_clusters() -> None:
    scores = np.repeat([0.0, 10.0, 20.0, 30.0, 40.0], [50, 10, 300, 5, 20])
    codes = grade_scores(scores, Grading(method="kmeans"))
    assert [int(codes[scores == v][0]) for v in (0, 10, 20, 30, 40)] == [1, 2, 3, 4, 5]


def test_fixed_thresholds() -> None:
    scores = np.array([0.0, 1.0, 1.5, 2.0, 3.0, 9.0])
    codes = grade_scores(scores, Grading(method="fixed", thresholds=(1.0, 2.0, 3.0, 4.0)))
    assert codes.tolist() == [1, 2, 2, 3, 4, 5]


def test_constant_scores_are_grade_c() -> None:
    assert set(grade_scores(np.ones(10)).tolist()) == {3}


def test_big_tie_group_merges_bins_without_warning() -> None:
    scores = np.r_[np.zeros(600), np.arange(1.0, 401.0)]
    codes = grade_scores(scores)  # warnings are errors in this suite
    assert set(codes[:600].tolist()) == {2}  # the tie spans quantiles 0–60 %: its middle is B
    assert codes[-1] == 5
    assert grade_scores(np.r_[np.zeros(7), np.ones(3)]).tolist() == [2] * 7 + [5] * 3


@pytest.mark.parametrize(
    ("grading", "match"),
    [
        (Grading(method="fixed", thresholds=(1.0, 0.5, 2.0, 3.0)), "4 increasing thresholds"),
        (Grading(method="natural"), "not one of quantile"),  # type: ignore[arg-type]
        (Grading(vulnerable=("Z",)), "grade letters"),
    ],
)
def test_bad_grading_is_refused(grading: Grading, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        grade_scores(np.arange(10.0), grading)
