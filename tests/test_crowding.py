"""Crowding (matcher/crowding.py): exposure counted per day in a window, scores lowered by exposure per position."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.crowding import Exposure, spread_scores

IDS = pd.Index(["O1", "O2", "O3"])
DAY = pd.Timestamp("2025-06-10")


def test_exposure_counts_showings_inside_the_window_only() -> None:
    exposure = Exposure(window_days=14)
    exposure.add(["O1", "O2", "O1"], DAY - pd.Timedelta(days=20))  # outside the window of DAY
    exposure.add(["O1", "O2"], DAY - pd.Timedelta(days=3))
    exposure.add(["O2", "O9"], DAY)  # O9 is not among the ids asked about
    exposure.add(["O3"], DAY + pd.Timedelta(days=1))  # after DAY: not counted for DAY
    np.testing.assert_array_equal(exposure.counts(IDS, DAY), [1, 2, 0])


def test_many_lists_on_one_day_keep_one_count_per_opening() -> None:
    exposure = Exposure()
    for _ in range(10_000):
        exposure.add(["O1", "O2"], DAY)
    np.testing.assert_array_equal(exposure.counts(IDS, DAY), [10_000, 10_000, 0])
    assert sum(len(c) for c in exposure._shown.values()) == 2, "memory grows with openings, not with lists"


def test_days_older_than_the_window_are_dropped() -> None:
    exposure = Exposure(window_days=14)
    exposure.add(["O1"], DAY - pd.Timedelta(days=30))
    exposure.add(["O2"], DAY)
    assert list(exposure._shown) == [DAY]


def test_spread_lowers_scores_by_exposure_per_position_left_and_keeps_them_positive() -> None:
    scores = np.array([2.0, 2.0, 2.0, 0.5])
    adjusted = spread_scores(scores, exposure=[0, 40, 40, 40], positions_left=[1, 1, 20, 1], strength=0.2)
    assert adjusted[0] == 2.0, "an opening nobody was shown keeps its score"
    assert adjusted[1] < adjusted[2] < adjusted[0], "the same exposure weighs less over more positions"
    assert np.all(adjusted > 0)
    np.testing.assert_allclose(adjusted[3] / scores[3], adjusted[1] / scores[1])  # a share, whatever the scale
