"""The learned ranker (matcher/ranker.py) on the planted world, whose right answer is known.

In the planted world seekers of trade t apply, interview and get hired only at
trade-t openings, so a working ranker puts a trade-t opening first for a
trade-t seeker, and a trade-t seeker first for a trade-t opening.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from matcher.contract import Dataset
from matcher.features import CONTENT_FEATURES, Featurizer
from matcher.matching import Matcher
from matcher.ranker import FEATURES, SIDES, PairModel
from tests.worlds import TRADES
from training.pipeline import TrainResult

# Mid-timeline: five openings of every trade are open, and the model has history for everyone.
AS_OF = pd.Timestamp("2025-03-06")
MIN_SHARE = 0.9
TEXT_COLUMNS = [i for i, name in enumerate(FEATURES) if name.startswith("text_")]
COSINE_COLUMNS = [
    FEATURES.index(name) for name in ("text_profile_cos", "text_occupation_cos", "text_intro_description_cos")
]


def trade_of(identifier: str) -> int:
    """The trade of a planted seeker (``S{t}{j:02d}``) or opening (``O{t}{j:02d}``)."""
    return int(identifier[1])


def pair_features(model: PairModel, matcher: Matcher, s: np.ndarray, o: np.ndarray) -> np.ndarray:
    at = np.full(len(s), AS_OF.to_datetime64())
    return model.features(matcher.seeker_codes, matcher.opening_codes, matcher.openings, s, o, at)


def all_pairs(n_seekers: int, n_openings: int) -> tuple[np.ndarray, np.ndarray]:
    s, o = np.meshgrid(np.arange(n_seekers), np.arange(n_openings), indexing="ij")
    return s.ravel(), o.ravel()


def test_features_list_is_content_then_history() -> None:
    assert FEATURES[: len(CONTENT_FEATURES)] == CONTENT_FEATURES
    assert len(set(FEATURES)) == len(FEATURES), "feature names must be unique"
    assert set(COSINE_COLUMNS) <= set(TEXT_COLUMNS)


def test_openings_of_every_trade_are_open_on_as_of(planted_matcher: Matcher) -> None:
    open_ids = planted_matcher.openings["opening_id"][planted_matcher.open_mask(AS_OF)]
    assert {trade_of(i) for i in open_ids} == set(range(len(TRADES)))
    assert open_ids.map(trade_of).value_counts().min() >= 3


def test_top_match_of_a_seeker_is_an_opening_of_its_trade(planted_matcher: Matcher) -> None:
    seeker_ids = list(planted_matcher.seekers["seeker_id"])
    found = planted_matcher.matches(seeker_ids, AS_OF, k=5)
    top = {m.seeker_id: m.opening_id for m in found if m.rank == 1}
    assert set(top) == set(seeker_ids), "every planted seeker has open openings of its trade to rank"
    wrong = {s: o for s, o in top.items() if trade_of(s) != trade_of(o)}
    share = 1 - len(wrong) / len(top)
    assert share >= MIN_SHARE, f"only {share:.0%} of seekers get an own-trade opening first; wrong: {wrong}"


def test_top_match_is_of_its_trade_just_after_the_last_event(planted_matcher: Matcher) -> None:
    """Serving happens after the training data ends; the planted answer does not change then."""
    after = pd.Timestamp("2025-04-15")
    assert planted_matcher.events["occurred_at"].max() < after
    open_ids = planted_matcher.openings["opening_id"][planted_matcher.open_mask(after)]
    assert {trade_of(i) for i in open_ids} == set(range(len(TRADES)))
    found = planted_matcher.matches(list(planted_matcher.seekers["seeker_id"]), after, k=1)
    wrong = {m.seeker_id: m.opening_id for m in found if trade_of(m.seeker_id) != trade_of(m.opening_id)}
    share = 1 - len(wrong) / len(found)
    assert share >= MIN_SHARE, (
        f"on {after.date()}, 3 days after the last event, only {share:.0%} of seekers get an own-trade opening "
        f"first; wrong: {dict(list(wrong.items())[:8])}"
    )


def test_top_candidate_of_an_opening_is_a_seeker_of_its_trade(planted_matcher: Matcher) -> None:
    openings = planted_matcher.openings
    open_ids = list(openings["opening_id"][planted_matcher.open_mask(AS_OF)])
    found = planted_matcher.candidates(open_ids, AS_OF, k=5)
    top = {m.opening_id: m.seeker_id for m in found if m.rank == 1}
    assert set(top) == set(open_ids)
    wrong = {o: s for o, s in top.items() if trade_of(s) != trade_of(o)}
    share = 1 - len(wrong) / len(top)
    assert share >= MIN_SHARE, f"only {share:.0%} of openings get an own-trade seeker first; wrong: {wrong}"


def test_ranks_are_one_to_k_in_score_order(planted_matcher: Matcher) -> None:
    # k=3: S301 has three open jobs of its trade that day; the others are jobs it has no tie to (never listed)
    found = planted_matcher.matches(["S000", "S301", "S511"], AS_OF, k=3)
    for seeker in ("S000", "S301", "S511"):
        mine = [m for m in found if m.seeker_id == seeker]
        assert [m.rank for m in mine] == list(range(1, len(mine) + 1))
        assert len(mine) == 3
        scores = [m.score for m in mine]
        assert scores == sorted(scores, reverse=True)
        assert len({m.opening_id for m in mine}) == len(mine)


def test_features_shape_and_no_nan_in_text_columns(trained: TrainResult, planted_matcher: Matcher) -> None:
    n_s, n_o = len(planted_matcher.seekers), len(planted_matcher.openings)
    s, o = all_pairs(n_s, n_o)
    x = pair_features(trained.model, planted_matcher, s, o)
    assert x.shape == (n_s * n_o, len(FEATURES))
    assert not np.isnan(x[:, TEXT_COLUMNS]).any(), "text cosine columns must be numbers, never NaN"
    assert np.isfinite(x[:, TEXT_COLUMNS]).all()
    cosines = x[:, COSINE_COLUMNS]
    assert ((cosines >= -1e-6) & (cosines <= 1 + 1e-5)).all(), "cosines of tf-idf vectors lie in [0, 1]"


def test_features_are_vectorised_over_repeated_rows(trained: TrainResult, planted_matcher: Matcher) -> None:
    n_o = len(planted_matcher.openings)
    n_pairs = 2000
    s = np.zeros(n_pairs, dtype=int)  # one seeker against every opening, over and over
    o = np.arange(n_pairs) % n_o
    x = pair_features(trained.model, planted_matcher, s, o)
    assert x.shape == (n_pairs, len(FEATURES))
    once = pair_features(trained.model, planted_matcher, s[:n_o], o[:n_o])
    np.testing.assert_array_equal(x, once[o], err_msg="a repeated pair must get the same feature row")


def test_fit_encode_equals_fit_then_encode(planted_data: Dataset) -> None:
    """Training reuses the matrices read while fitting; serving encodes anew. Both must agree bit for bit."""
    seekers, openings = planted_data.seekers, planted_data.openings
    fitted = Featurizer().fit(seekers, openings)
    once = Featurizer().fit_encode(seekers, openings)
    for read, encoded in zip(once, (fitted.encode_seekers(seekers), fitted.encode_openings(openings)), strict=True):
        for name, value in encoded._parts().items():
            other = getattr(read, name)
            if sp.issparse(value):
                assert np.array_equal(value.indptr, other.indptr), name
                assert np.array_equal(value.indices, other.indices), name
                assert np.array_equal(value.data, other.data), name
            elif isinstance(value, dict):
                for key in value:
                    np.testing.assert_array_equal(value[key], other[key], err_msg=f"{name}.{key}")
            elif value is not None:
                np.testing.assert_array_equal(value, other, err_msg=name)
    assert once[0].profile.nnz > 0 and once[1].skills.nnz > 0


def test_features_of_a_block_equal_features_pair_by_pair(trained: TrainResult, planted_matcher: Matcher) -> None:
    rng = np.random.default_rng(3)
    s = rng.integers(len(planted_matcher.seekers), size=40)
    o = rng.integers(len(planted_matcher.openings), size=40)
    block = pair_features(trained.model, planted_matcher, s, o)
    single = np.vstack([pair_features(trained.model, planted_matcher, s[i : i + 1], o[i : i + 1]) for i in range(40)])
    np.testing.assert_allclose(block, single, rtol=1e-5, atol=1e-6, equal_nan=True)


def with_gender(seekers: pd.DataFrame, seeker_id: str, gender: str, new_id: str | None = None) -> pd.DataFrame:
    row = seekers[seekers["seeker_id"] == seeker_id].copy()
    row["gender"] = gender
    if new_id is not None:
        row["seeker_id"] = new_id
        return pd.concat([seekers, row], ignore_index=True)
    out = seekers.copy()
    out.loc[out["seeker_id"] == seeker_id, "gender"] = gender
    return out


@pytest.mark.parametrize("seeker_id", ["S000", "S207", "S411"])
def test_gender_never_changes_features_or_scores(trained: TrainResult, planted_data: Dataset, seeker_id: str) -> None:
    """The same seeker (same id, so the same history) as F, M and X: identical rows, scores and lists."""
    model = trained.model
    rows, scores, lists = [], [], []
    for gender in ("F", "M", "X"):
        seekers = with_gender(planted_data.seekers, seeker_id, gender)
        matcher = Matcher(model, seekers, planted_data.openings, planted_data.events)
        row = matcher.seeker_row.get_loc(seeker_id)
        o = np.arange(len(matcher.openings))
        x = pair_features(model, matcher, np.full(len(o), row), o)
        rows.append(x)
        scores.append({side: model.score(side, x) for side in SIDES})
        lists.append(matcher.matches([seeker_id], AS_OF, k=10))
    for x, score, found in zip(rows[1:], scores[1:], lists[1:], strict=True):
        np.testing.assert_array_equal(x, rows[0])
        for side in SIDES:
            np.testing.assert_array_equal(score[side], scores[0][side])
        assert found == lists[0]


def test_two_copies_differing_only_in_gender_score_identically(trained: TrainResult, planted_data: Dataset) -> None:
    """Two new seekers (no history) copied from one profile, one F and one M, in the same table."""
    seekers = with_gender(planted_data.seekers, "S305", "F", new_id="NEW_F")
    seekers = with_gender(seekers, "S305", "M", new_id="NEW_M")
    matcher = Matcher(trained.model, seekers, planted_data.openings, planted_data.events)
    o = np.arange(len(matcher.openings))
    f_row, m_row = matcher.seeker_row.get_loc("NEW_F"), matcher.seeker_row.get_loc("NEW_M")
    x_f = pair_features(trained.model, matcher, np.full(len(o), f_row), o)
    x_m = pair_features(trained.model, matcher, np.full(len(o), m_row), o)
    np.testing.assert_array_equal(x_f, x_m)
    for side in SIDES:
        np.testing.assert_array_equal(trained.model.score(side, x_f), trained.model.score(side, x_m))
    for padded, length in ((False, 5), (True, 10)):  # past five, the default list holds only what fits
        found = matcher.matches(["NEW_F", "NEW_M"], AS_OF, k=10, padded=padded)
        as_f = [(m.rank, m.opening_id, m.score, m.reasons) for m in found if m.seeker_id == "NEW_F"]
        as_m = [(m.rank, m.opening_id, m.score, m.reasons) for m in found if m.seeker_id == "NEW_M"]
        assert as_f == as_m and len(as_f) >= length


def test_score_before_fit_raises_not_fitted() -> None:
    x = np.zeros((3, len(FEATURES)))
    with pytest.raises(NotFittedError):
        PairModel().score("seeker", x)


def test_features_and_history_before_fit_raise_not_fitted(planted_data: Dataset) -> None:
    with pytest.raises(NotFittedError):
        PairModel().fit_history(planted_data.events, planted_data.seekers, planted_data.openings)
    model = PairModel().fit_content(planted_data.seekers, planted_data.openings)
    codes_s = model.featurizer_.encode_seekers(planted_data.seekers)
    codes_o = model.featurizer_.encode_openings(planted_data.openings)
    with pytest.raises(NotFittedError):
        model.features(codes_s, codes_o, planted_data.openings, np.zeros(1, int), np.zeros(1, int), [AS_OF])


def test_unknown_side_is_refused(trained: TrainResult) -> None:
    x = np.zeros((2, len(FEATURES)))
    with pytest.raises(ValueError, match="side"):
        trained.model.score("employer", x)
    with pytest.raises(ValueError, match="side"):
        PairModel().fit_ranker("employer", x, np.zeros(2), np.zeros(2))


def test_both_sides_are_fitted_and_scores_are_finite(trained: TrainResult, planted_matcher: Matcher) -> None:
    s, o = all_pairs(len(planted_matcher.seekers), len(planted_matcher.openings))
    x = pair_features(trained.model, planted_matcher, s, o)
    for side in SIDES:
        score = trained.model.score(side, x)
        assert score.shape == (len(s),)
        assert np.isfinite(score).all()
        assert score.std() > 0, f"the {side}-side ranker gives every pair the same score"
