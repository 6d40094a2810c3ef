"""Two-stage ranking (matcher/retrieval.py, matcher/matching.py): the stage-one scorer, its block
features, the shortlist, and lists that keep every hard rule whatever the shortlist size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matcher.contract import Dataset
from matcher.features import content_block_features
from matcher.matching import Matcher
from matcher.pair_views import BlockView
from matcher.ranker import FEATURES, PAIR_HISTORY, RETRIEVAL_FEATURES
from matcher.retrieval import BinnedAdditive, shortlist
from tests.test_matching import DATES, build_rules_world, violations
from training.evaluate import model_scorer
from training.pipeline import TrainResult

AS_OF = pd.Timestamp("2025-03-06")
BLOCK_FEATURES = [name for name in FEATURES if name not in PAIR_HISTORY]


def trade_of(identifier: str) -> int:
    return int(identifier[1])


def block_and_pairs(trained: TrainResult, matcher: Matcher, s: np.ndarray | None, o: np.ndarray | None):
    """Block features of a view and the pair features of the same pairs, both (seekers × openings)."""
    model = trained.model
    view = BlockView(matcher.seeker_codes, matcher.opening_codes, s, o)
    block = content_block_features(view, float(AS_OF.year), BLOCK_FEATURES)
    block.update(model.history_.block_features(view, AS_OF, BLOCK_FEATURES))
    rows_s = np.arange(len(matcher.seekers)) if s is None else s
    rows_o = np.arange(len(matcher.openings)) if o is None else o
    ss, oo = np.meshgrid(rows_s, rows_o, indexing="ij")
    at = np.full(ss.size, AS_OF.to_datetime64())
    x = model.features(matcher.seeker_codes, matcher.opening_codes, matcher.openings, ss.ravel(), oo.ravel(), at)
    return view, block, x.reshape(len(rows_s), len(rows_o), len(FEATURES))


@pytest.mark.parametrize("orientation", ["few seekers, all openings", "all seekers, few openings"])
def test_block_features_equal_pair_features(trained: TrainResult, planted_matcher: Matcher, orientation: str) -> None:
    if orientation.startswith("few seekers"):
        s, o = np.array([0, 13, 40, 71]), None
    else:
        s, o = None, np.array([2, 30, 55])
    _, block, x = block_and_pairs(trained, planted_matcher, s, o)
    assert set(block) == set(BLOCK_FEATURES), "every feature but the pair histories exists for blocks"
    for name, values in block.items():
        expected = x[:, :, FEATURES.index(name)]
        got = np.broadcast_to(values, expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=name)
    assert np.nanstd(x[:, :, FEATURES.index("cf_opening")]) > 0, "the history part is exercised"


@pytest.mark.parametrize("side", ["seeker", "opening"])
def test_stage_one_scores_are_the_additive_model_of_the_pair_features(
    trained: TrainResult, planted_matcher: Matcher, side: str
) -> None:
    model = trained.model
    s, o = (np.array([1, 22, 65]), None) if side == "seeker" else (None, np.array([4, 41]))
    view, _, x = block_and_pairs(trained, planted_matcher, s, o)
    columns = [FEATURES.index(name) for name in model.retrievers_[side].feature_names_]
    assert set(model.retrievers_[side].feature_names_) <= set(RETRIEVAL_FEATURES[side])
    expected = model.retrievers_[side].predict(x.reshape(-1, len(FEATURES))[:, columns]).reshape(x.shape[:2])
    first = model.retrieval_scores(side, view, AS_OF)
    again = model.retrieval_scores(side, view, AS_OF)  # the candidate-only part now comes from the cache
    np.testing.assert_allclose(first, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(first, again)
    later = model.retrieval_scores(side, view, AS_OF + pd.Timedelta(days=20))
    assert not np.array_equal(later, first), "a later moment has other counts, not the cached ones"


def test_the_rankers_best_open_opening_is_in_a_short_stage_one_list(
    trained: TrainResult, planted_matcher: Matcher
) -> None:
    """The distilled scorer keeps what the ranker would put first among the openings open that day."""
    view, _, x = block_and_pairs(trained, planted_matcher, np.arange(72), None)
    open_now = planted_matcher.open_mask(AS_OF)
    stage_one = np.where(open_now, trained.model.retrieval_scores("seeker", view, AS_OF), -np.inf)
    ranker = np.where(open_now, trained.model.score("seeker", x.reshape(-1, len(FEATURES))).reshape(72, -1), -np.inf)
    best = ranker.argmax(axis=1)
    kept = np.argsort(-stage_one, axis=1)[:, :5]
    share = np.mean([b in row for b, row in zip(best, kept, strict=True)])
    assert open_now.sum() > 20
    assert share >= 0.9, f"the ranker's first choice is in stage one's top 5 for only {share:.0%} of seekers"


# -- BinnedAdditive and shortlist -----------------------------------------------------------------
def test_binned_additive_recovers_an_additive_function() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 3))
    x[rng.random(len(x)) < 0.1, 1] = np.nan
    y = np.where(x[:, 0] > 0.5, 2.0, 0.0) + np.nan_to_num(np.abs(x[:, 1]), nan=-1.0) + 0.0 * x[:, 2]
    model = BinnedAdditive(n_bins=32).fit(x, y + rng.normal(scale=0.1, size=len(y)))
    fresh = rng.normal(size=(2000, 3))
    fresh[::7, 1] = np.nan
    truth = np.where(fresh[:, 0] > 0.5, 2.0, 0.0) + np.nan_to_num(np.abs(fresh[:, 1]), nan=-1.0)
    assert np.corrcoef(model.predict(fresh), truth)[0, 1] > 0.98
    assert np.ptp(model.tables_[2]) < 0.1 * np.ptp(model.tables_[0]), "an unused feature gets a flat table"
    blocks = model.predict_columns([fresh[:, :1].T, fresh[:, 1:2].T, fresh[:, 2:3].T])
    np.testing.assert_allclose(blocks.ravel(), model.predict(fresh), rtol=1e-5, atol=1e-5)


def test_binned_additive_follows_estimator_conventions() -> None:
    model = BinnedAdditive(n_bins=8, alpha=2.0)
    assert clone(model).get_params() == {"n_bins": 8, "alpha": 2.0}
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 2)))
    model.fit(np.random.default_rng(1).normal(size=(100, 2)), np.arange(100.0))
    assert model.n_features_in_ == 2 and len(model.tables_) == 2
    with pytest.raises(ValueError, match="feature arrays"):
        model.predict_columns([np.zeros(3)])


def test_shortlist_keeps_the_best_allowed_cells_or_all_of_a_short_row() -> None:
    rng = np.random.default_rng(3)
    scores = rng.random((6, 50)).astype(np.float32)
    allowed = rng.random((6, 50)) < 0.5
    allowed[2] = False
    allowed[3] = False
    allowed[3, [4, 9]] = True  # fewer than n allowed: all kept
    rows, cols = shortlist(scores, allowed, 5)
    assert allowed[rows, cols].all()
    for r in range(6):
        kept = set(cols[rows == r])
        ok = np.flatnonzero(allowed[r])
        best = set(ok[np.argsort(-scores[r, ok])][:5])
        assert kept == best, f"row {r}"
    everything = shortlist(scores, allowed, 50)
    assert set(zip(*everything, strict=True)) == set(zip(*np.nonzero(allowed), strict=True))


def test_shortlist_also_keeps_each_rows_best_cells_by_a_second_score() -> None:
    rng = np.random.default_rng(4)
    scores = rng.random((6, 50))
    allowed = rng.random((6, 50)) < 0.6
    also = np.where(rng.random((6, 50)) < 0.3, rng.random((6, 50)), 0.0)  # most cells have no second score
    also[5] = 0.0  # a query with no history: nothing added
    rows, cols = shortlist(scores, allowed, 5, also, 3)
    assert allowed[rows, cols].all()
    for r in range(6):
        ok = np.flatnonzero(allowed[r])
        best = set(ok[np.argsort(-scores[r, ok])][:5])
        positive = ok[also[r, ok] > 0]
        second = set(positive[np.argsort(-also[r, positive])][:3])
        assert set(cols[rows == r]) == best | second, f"row {r}"
    assert len(second) == 0 and (rows == 5).sum() == 5


# -- the Matcher with a small shortlist -----------------------------------------------------------
@pytest.fixture(scope="module")
def rules_world(planted_data: Dataset):
    return build_rules_world(planted_data)


def _related(matcher: Matcher, pairs: list[tuple[str, str]], as_of: pd.Timestamp) -> np.ndarray:
    """Whether each (seeker id, opening id) pair has a tie where the opening needs one (matcher.fit.unrelated)."""
    s = matcher.seeker_row.get_indexer([seeker for seeker, _ in pairs])
    o = matcher.opening_row.get_indexer([opening for _, opening in pairs])
    model = matcher.model_at(as_of)
    x = model.features(matcher.seeker_codes, matcher.opening_codes, matcher.openings, s, o,
                       np.full(len(s), as_of.to_datetime64()))  # fmt: skip
    return ~model.unrelated(x, matcher.seeker_codes, matcher.opening_codes, s, o)


@pytest.mark.parametrize("as_of", DATES[1:4], ids=lambda d: str(d.date()))
def test_a_small_shortlist_never_lists_a_forbidden_opening(
    trained: TrainResult, rules_world, as_of: pd.Timestamp
) -> None:
    world = rules_world
    small = Matcher(trained.model, world.seekers, world.openings, world.events, shortlist=4)
    exact = Matcher(trained.model, world.seekers, world.openings, world.events, shortlist=None)
    seeker_ids = list(world.seekers["seeker_id"])
    found = small.matches(seeker_ids, as_of, k=3, congestion=False)
    assert found and not violations(found, world.seekers, world.openings, world.ledger, as_of)
    # Stage two is the ranker itself: a listed pair has the score the one-stage Matcher gives it.
    every = exact.matches(seeker_ids, as_of, k=1000, congestion=False, padded=True)
    one_stage = {(m.seeker_id, m.opening_id): m.score for m in every}
    assert all(one_stage[(m.seeker_id, m.opening_id)] == m.score for m in found)
    # No list holds a job its seeker has no tie to (matcher.fit.unrelated), though this world allows some.
    pairs = list(one_stage)
    related = dict(zip(pairs, _related(exact, pairs, as_of), strict=True))
    assert not all(related.values()), "the world allows unrelated pairs"
    assert all(related[(m.seeker_id, m.opening_id)] for m in found)
    # And it is the shortlist's best: nothing in a list scores below an allowed pair that stage one kept out
    # only when that pair was not shortlisted; lists are never longer than k nor empty when related pairs are
    # allowed.
    per_seeker = pd.Series([m.seeker_id for m in found]).value_counts()
    assert per_seeker.max() <= 3
    allowed = pd.Series([s for (s, _), ok in related.items() if ok]).value_counts()
    assert set(per_seeker.index) == set(allowed.index)
    assert (per_seeker == np.minimum(allowed[per_seeker.index], 3)).all()


def test_candidates_with_a_small_shortlist_are_eligible_and_scored_by_the_ranker(
    trained: TrainResult, rules_world
) -> None:
    world = rules_world
    small = Matcher(trained.model, world.seekers, world.openings, world.events, shortlist=6)
    exact = Matcher(trained.model, world.seekers, world.openings, world.events, shortlist=None)
    opening_ids = list(world.openings["opening_id"])
    found = small.candidates(opening_ids, DATES[1], k=4)
    full = {(m.opening_id, m.seeker_id): m.score for m in exact.candidates(opening_ids, DATES[1], k=1000)}
    assert found and all((m.opening_id, m.seeker_id) in full for m in found), "only eligible seekers"
    assert all(full[(m.opening_id, m.seeker_id)] == m.score for m in found)


def test_a_shortlist_longer_than_every_list_gives_the_one_stage_lists(trained: TrainResult, rules_world) -> None:
    world = rules_world
    big = Matcher(trained.model, world.seekers, world.openings, world.events, shortlist=len(world.openings))
    exact = Matcher(trained.model, world.seekers, world.openings, world.events, shortlist=None)
    seeker_ids = list(world.seekers["seeker_id"])
    assert big.matches(seeker_ids, DATES[2], k=5) == exact.matches(seeker_ids, DATES[2], k=5)


@pytest.mark.parametrize("n", [5, 10])
def test_the_planted_answer_survives_a_small_shortlist(trained: TrainResult, planted_data: Dataset, n: int) -> None:
    """Shortlists of 5 of ~30 open openings, and of 10 of 72 seekers (the opening side's stage one is
    weaker on this tiny world: at 5 seekers it keeps the planted one for about three openings in four)."""
    matcher = Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events, shortlist=n)
    seeker_ids = list(planted_data.seekers["seeker_id"])
    top = [m for m in matcher.matches(seeker_ids, AS_OF, k=1)]
    assert len(top) == len(seeker_ids)
    assert np.mean([trade_of(m.seeker_id) == trade_of(m.opening_id) for m in top]) >= 0.9
    if n < 10:
        return
    open_ids = list(planted_data.openings["opening_id"][matcher.open_mask(AS_OF)])
    firsts = matcher.candidates(open_ids, AS_OF, k=1)
    assert np.mean([trade_of(m.seeker_id) == trade_of(m.opening_id) for m in firsts]) >= 0.9


def test_evaluation_scores_only_the_shortlist_with_the_ranker(trained: TrainResult, planted_matcher: Matcher) -> None:
    codes = (planted_matcher.seeker_codes, planted_matcher.opening_codes)
    rows = np.arange(0, 72, 9)
    days = np.full(len(rows), AS_OF.to_datetime64())
    mask = np.ones((len(rows), len(planted_matcher.openings)), dtype=bool)
    mask[:, ::4] = False
    items = np.arange(mask.shape[1])
    two = model_scorer(trained.model, planted_matcher.openings, codes, "seeker", 7, k=5)(rows, items, days, mask)
    one = model_scorer(trained.model, planted_matcher.openings, codes, "seeker", None, k=5)(rows, items, days, mask)
    # Each query's listed pairs carry a score (the rest -inf): at most k, never a forbidden one.
    listed = np.isfinite(two)
    assert (listed.sum(axis=1) >= 1).all() and (listed.sum(axis=1) <= 5).all()
    assert not listed[~mask].any()
    # Stage two is the ranker: a pair listed by both scorers has the same score.
    both = listed & np.isfinite(one)
    assert both.any()
    np.testing.assert_array_equal(two[both], one[both])
