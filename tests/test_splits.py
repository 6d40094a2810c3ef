"""Splits of the events (matcher/splits.py): the time split's fallback for histories without dates, the
leave-one-out split, and training on a snapshot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher import splits
from matcher.contract import Dataset
from matcher.history import pair_grades
from matcher.matching import Matcher
from matcher.splits import cut_dates
from training.pipeline import train


@pytest.fixture(scope="module")
def snapshot(planted_data: Dataset) -> Dataset:
    """The planted world with every event moved to one day, as real exports often are."""
    day = planted_data.events["occurred_at"].max().normalize()
    return Dataset(planted_data.seekers, planted_data.openings, planted_data.events.assign(occurred_at=day))


def test_one_day_of_events_cannot_carry_a_time_split_but_a_year_can(snapshot: Dataset, planted_data: Dataset) -> None:
    assert not splits.time_split_works(snapshot.events, cut_dates(snapshot.events))
    assert splits.time_split_works(planted_data.events, cut_dates(planted_data.events))


def test_the_split_holds_out_one_pair_per_seeker_with_all_its_events(snapshot: Dataset) -> None:
    held = splits.leave_one_out(snapshot.events, seed=3)
    interest = pair_grades(snapshot.events)
    interest = interest[interest["grade"] > 0]
    per_seeker = interest.groupby("seeker_id").size()
    test_pairs = held.test[["seeker_id", "opening_id"]].drop_duplicates()
    assert test_pairs.groupby("seeker_id").size().eq(1).all()
    assert set(test_pairs["seeker_id"]) == set(per_seeker.index[per_seeker >= 2])
    known_pairs = set(map(tuple, held.known[["seeker_id", "opening_id"]].to_numpy()))
    assert not known_pairs & set(map(tuple, test_pairs.to_numpy())), "a held-out pair has no event left in history"
    assert len(held.known) + len(held.test) == len(snapshot.events)
    assert set(np.unique(held.fold)) <= {-1, *range(splits.FOLDS)}
    # Every fold holds labels, and a fold's events never sit in its own history.
    for fold in range(splits.FOLDS):
        history, labels = held.fold_events(fold)
        assert len(labels) and len(history) + len(labels) == len(held.known)
    assert held.moment > snapshot.events["occurred_at"].max()


def test_the_split_is_the_same_for_the_same_seed(snapshot: Dataset) -> None:
    a, b = splits.leave_one_out(snapshot.events, seed=5), splits.leave_one_out(snapshot.events, seed=5)
    pd.testing.assert_frame_equal(a.test, b.test)
    np.testing.assert_array_equal(a.fold, b.fold)


def test_a_snapshot_trains_evaluates_on_held_out_pairs_and_recommends(snapshot: Dataset) -> None:
    said: list[str] = []
    result = train(snapshot, with_baselines=True, progress=said.append)
    assert result.cutoffs["split"] == "leave-one-out"
    assert any("leave-one-out" in line for line in said), "training says why it did not split by time"
    seeker = result.report["seeker"]["systems"]
    assert seeker["jobmatch"]["queries"] >= 30
    # The planted world's trades are plain in the history: the ranker finds held-out pairs at least as EASE does.
    assert seeker["jobmatch"]["recall@10"] >= seeker["ease"]["recall@10"]
    assert 0 <= result.report["seeker"]["stage_one"]["truth"] <= 1
    day = snapshot.events["occurred_at"].max()
    found = Matcher(result.model, snapshot.seekers, snapshot.openings, snapshot.events).matches(["S000", "S104"], day)
    assert found and all(m.seeker_id in {"S000", "S104"} for m in found)
