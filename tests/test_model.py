"""matcher/model.py: one fit and one recommend, the same lists as the fitting sequence spelled out step by step;
and the evaluation of a split given as a value (training/evaluate.py)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matcher.contract import Dataset
from matcher.matching import Matcher
from matcher.model import JobMatchModel, match_frame
from matcher.queries import CandidatePool, opening_queries, sample_training_pairs, seeker_lookahead_queries
from matcher.ranker import SIDES, PairModel
from matcher.splits import HeldOut, TimeSplit, choose_split, cut_dates
from training.evaluate import evaluate
from training.pipeline import TrainResult, train

AS_OF = pd.Timestamp("2025-03-06")
SEEKERS = ["S000", "S104", "S207", "S311", "S500"]
OPENINGS = ["O005", "O306"]


def fitted_step_by_step(data: Dataset, seed: int = 0) -> PairModel:
    """The fitting sequence as training/pipeline.py ran it before JobMatchModel: vocabularies, then per label
    window the history before it and its labelled pairs, the rankers, then the history of every event."""
    seekers, openings, events = data.seekers, data.openings, data.events
    model = PairModel(random_state=seed)
    codes = model.fit_encode(seekers, openings)
    cuts = cut_dates(events)
    known = events[events["occurred_at"] < cuts[-1]]
    pool = CandidatePool(seekers, openings)
    parts: dict[str, list] = {side: [] for side in SIDES}
    for fold, (start, end) in enumerate(itertools.pairwise(cuts)):
        model.fit_history(events[events["occurred_at"] < start], seekers, openings, count_events=known, codes=codes)
        for i, side in enumerate(SIDES):
            if side == "seeker":
                pairs = seeker_lookahead_queries(known, pool, start, end, pd.Timedelta(days=60))
            else:
                pairs = opening_queries(known, pool, start, end)
            rng = np.random.default_rng(seed + 10 * fold + i)
            labelled = sample_training_pairs(side, pairs, pool, 100, rng, 6_000)
            x = model.features(*codes, openings, labelled.s, labelled.o, labelled.at)
            parts[side].append((x, labelled.grade, labelled.query))
    for side in SIDES:
        offsets = np.cumsum([0, *[int(p[2].max()) + 1 for p in parts[side][:-1]]])
        queries = np.concatenate([p[2] + offset for p, offset in zip(parts[side], offsets, strict=True)])
        x, grades = np.vstack([p[0] for p in parts[side]]), np.concatenate([p[1] for p in parts[side]])
        model.fit_ranker(side, x, grades, queries)
    model.fit_history(events, seekers, openings, codes=codes)
    return model


def test_one_fit_recommends_the_lists_of_the_step_by_step_sequence(trained: TrainResult, planted_data: Dataset) -> None:
    estimator = trained.estimator
    assert isinstance(estimator, JobMatchModel)
    reference = fitted_step_by_step(planted_data)
    for side in SIDES:
        ours = estimator.pair_model_.rankers_[side].model_to_string()
        assert ours == reference.rankers_[side].model_to_string(), f"the {side}-side trees differ"
    matcher = Matcher(reference, planted_data.seekers, planted_data.openings, planted_data.events)
    seeker_lists = estimator.recommend(SEEKERS, AS_OF, k=10)
    assert list(seeker_lists.columns) == ["seeker_id", "rank", "opening_id", "score", "reasons", "cautions"]
    assert set(seeker_lists["seeker_id"]) == set(SEEKERS) and seeker_lists.groupby("seeker_id").size().le(10).all()
    pd.testing.assert_frame_equal(seeker_lists, match_frame(matcher.matches(SEEKERS, AS_OF, k=10), "seeker"))
    candidate_lists = estimator.recommend(OPENINGS, AS_OF, k=10, side="opening")
    assert list(candidate_lists.columns[:3]) == ["opening_id", "rank", "seeker_id"] and len(candidate_lists)
    pd.testing.assert_frame_equal(candidate_lists, match_frame(matcher.candidates(OPENINGS, AS_OF, k=10), "opening"))


def test_the_fit_records_its_split_and_training_pairs(trained: TrainResult, planted_data: Dataset) -> None:
    estimator = trained.estimator
    assert isinstance(estimator, JobMatchModel) and isinstance(estimator.split_, TimeSplit)
    assert estimator.split_.test_start == cut_dates(planted_data.events)[-1]
    assert estimator.training_pairs_ == trained.training_pairs and min(estimator.training_pairs_.values()) > 0
    assert estimator.pair_model_ is trained.model
    assert estimator.pair_model_.history_.last_event_ == planted_data.events["occurred_at"].max()


def test_recommend_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        JobMatchModel().recommend(SEEKERS, AS_OF)


def test_parameters_follow_the_estimator_contract() -> None:
    model = JobMatchModel(n_trees=20, seeker_negatives=30)
    assert model.get_params()["n_trees"] == 20
    copy = clone(model.set_params(random_state=4))
    assert copy.get_params() == model.get_params() and copy.random_state == 4
    assert model.settings()["n_negatives"] == {"seeker": 30, "opening": 100}
    assert not hasattr(copy, "pair_model_")


def test_a_side_that_is_not_one_is_refused(trained: TrainResult) -> None:
    with pytest.raises(ValueError, match="side"):
        trained.estimator.recommend(SEEKERS, AS_OF, side="employer")


def test_until_keeps_later_events_out_of_the_fit(planted_data: Dataset) -> None:
    until = pd.Timestamp("2025-03-01")
    model = JobMatchModel(n_trees=20).fit(planted_data, until=until)
    assert model.until_ == until and model.data_.events["occurred_at"].max() < until
    assert model.pair_model_.history_.last_event_ < until
    assert model.split_.events["occurred_at"].max() < until


@pytest.fixture(scope="module")
def snapshot(planted_data: Dataset) -> Dataset:
    """The planted world with every event on one day: a leave-one-out split."""
    day = planted_data.events["occurred_at"].max().normalize()
    return Dataset(planted_data.seekers, planted_data.openings, planted_data.events.assign(occurred_at=day))


@pytest.mark.parametrize("world", ["planted", "snapshot"])
def test_evaluating_the_bundle_on_the_same_split_gives_the_training_figures(
    world: str, request: pytest.FixtureRequest
) -> None:
    """One evaluation for both kinds of split: `jobmatch evaluate` (the split chosen again from the events and the
    seed, the saved model, whose history saw every event) reproduces what training reported, and leaves the
    model's own history alone."""
    data = request.getfixturevalue("planted_data" if world == "planted" else "snapshot")
    result = train(data, with_baselines=False, seed=2, model=JobMatchModel(n_trees=30, random_state=2))
    split = choose_split(data.events, seed=2)
    assert isinstance(split, TimeSplit if world == "planted" else HeldOut)
    history = result.model.history_
    report = evaluate(result.model, data.seekers, data.openings, split, with_baselines=False, seed=2)
    assert result.model.history_ is history
    for side in SIDES:
        figures = report[side]["systems"]["jobmatch"]
        assert figures["queries"] > 0
        assert _same(figures, result.report[side]["systems"]["jobmatch"])
    assert _same(report["seeker"]["day"], result.report["seeker"]["day"])


def _same(a: object, b: object) -> bool:
    """Equal figures, NaN equal to NaN."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
