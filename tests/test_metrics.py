"""Ranking metrics: hand-computed values, edge cases and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from training.metrics import (
    catalogue_coverage,
    exposure_counts,
    gini,
    hit_at_k,
    mrr,
    ndcg_at_k,
    pad_ragged,
    recall_at_k,
)

# Wikipedia's DCG example with exponential gain 2^g - 1:
# ranked gains 3,2,3,0,1,2 -> 7,3,7,0,1,3; discounts 1/log2(r+1) for r = 1..6 are
# 1, .63093, .5, .43068, .38685, .35621 -> DCG@6 = 13.84826.
# All relevant items of the query: 3,3,3,2,2,2,1 -> ideal top 6 is 7,7,7,3,3,3
# -> IDCG@6 = 18.43772; NDCG@6 = 13.84826 / 18.43772 = 0.75108.
WIKI_GAINS = [3, 2, 3, 0, 1, 2]
WIKI_IDEAL = [3, 3, 3, 2, 2, 2, 1]


def test_ndcg_matches_hand_computed_example() -> None:
    gains = np.array([WIKI_GAINS, [0, 1, 0, 0, 0, 0]], dtype=float)
    ideal = [WIKI_IDEAL, [1]]
    result = ndcg_at_k(gains, ideal, k=6)
    # second query: one relevant item at rank 2 -> (2^1 - 1) / log2(3) / 1
    np.testing.assert_allclose(result, [0.7510834, 1 / np.log2(3)], rtol=1e-6)


def test_ndcg_padded_and_ragged_ideal_agree_and_order_does_not_matter() -> None:
    gains = np.array([WIKI_GAINS, [0, 1, 0, 0, 0, 0]], dtype=float)
    padded = np.array([WIKI_IDEAL, [1, 0, 0, 0, 0, 0, 0]], dtype=float)
    shuffled = [[1, 2, 3, 2, 3, 2, 3], [1]]
    expected = ndcg_at_k(gains, padded, k=6)
    np.testing.assert_allclose(ndcg_at_k(gains, shuffled, k=6), expected)
    np.testing.assert_allclose(ndcg_at_k(gains, pad_ragged(shuffled), k=6), expected)


def test_ndcg_cutoff_and_short_lists() -> None:
    gains = np.array([[0, 0, 2]], dtype=float)
    assert ndcg_at_k(gains, [[2]], k=2)[0] == 0.0
    np.testing.assert_allclose(ndcg_at_k(gains, [[2]], k=3), [0.5])  # 1 / log2(4)
    np.testing.assert_allclose(ndcg_at_k(gains, [[2]], k=50), [0.5])  # k > n_ranked


def test_ndcg_is_nan_for_queries_without_relevant_items() -> None:
    gains = np.array([[1, 0], [0, 0]], dtype=float)
    result = ndcg_at_k(gains, [[1], []], k=10)
    assert result[0] == 1.0
    assert np.isnan(result[1])
    assert np.nanmean(result) == 1.0


def test_ndcg_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="queries"):
        ndcg_at_k(np.zeros((2, 3)), [[1]], k=3)
    with pytest.raises(ValueError, match="k must be"):
        ndcg_at_k(np.zeros((1, 3)), [[1]], k=0)
    with pytest.raises(ValueError, match="2-D"):
        ndcg_at_k(np.zeros(3), [[1]], k=3)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 12)), elements=st.integers(0, 4)),
    st.integers(1, 15),
    st.randoms(use_true_random=False),
)
def test_ndcg_is_one_for_perfect_ranking_and_bounded_otherwise(relevance: np.ndarray, k: int, rnd) -> None:
    ideal = -np.sort(-relevance, axis=1).astype(float)
    perfect = ndcg_at_k(ideal, relevance, k=k)
    has_relevant = (relevance > 0).any(axis=1)
    np.testing.assert_allclose(perfect[has_relevant], 1.0)
    assert np.isnan(perfect[~has_relevant]).all()

    shuffled = relevance.astype(float)
    for row in shuffled:
        rnd.shuffle(row)
    result = ndcg_at_k(shuffled, relevance, k=k)[has_relevant]
    assert ((result >= 0) & (result <= 1 + 1e-12)).all()


def test_recall_at_k() -> None:
    hits = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 0]])
    n_relevant = np.array([4, 0, 1])
    np.testing.assert_allclose(recall_at_k(hits, n_relevant, k=2), [0.25, np.nan, 1.0])
    np.testing.assert_allclose(recall_at_k(hits, n_relevant, k=4), [0.5, np.nan, 1.0])
    with pytest.raises(ValueError, match="more hits"):
        recall_at_k(hits, [1, 0, 1], k=2)


def test_mrr_and_hit_at_k() -> None:
    hits = np.array([[0, 0, 1], [1, 0, 1], [0, 0, 0]])
    np.testing.assert_allclose(mrr(hits), [1 / 3, 1.0, 0.0])
    np.testing.assert_allclose(mrr(hits[:, :2]), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(hit_at_k(hits, k=2), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(hit_at_k(hits, k=3), [1.0, 1.0, 0.0])
    # graded gains work as hits
    np.testing.assert_allclose(mrr(np.array([[0.0, 3.0]])), [0.5])
    assert mrr(np.zeros((2, 0))).tolist() == [0.0, 0.0]


def test_catalogue_coverage_and_exposure_counts() -> None:
    top_k = np.array([[0, 1], [1, 2], [2, -1]])  # -1 pads a short list
    assert catalogue_coverage(top_k, n_items=10) == pytest.approx(0.3)
    np.testing.assert_array_equal(exposure_counts(top_k, n_items=5), [1, 2, 2, 0, 0])
    with pytest.raises(ValueError, match="out of range"):
        catalogue_coverage(top_k, n_items=2)
    assert catalogue_coverage(np.zeros((0, 5), dtype=int), n_items=4) == 0.0


def test_gini_known_values() -> None:
    assert gini(np.full(7, 3)) == pytest.approx(0.0, abs=1e-12)
    for n in (1, 2, 5, 100):
        counts = np.zeros(n)
        counts[-1] = 42
        assert gini(counts) == pytest.approx((n - 1) / n)
    # sorted 1,2,3,4: 2 * (1 + 4 + 9 + 16) / (4 * 10) - 5 / 4 = 0.25
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)
    assert gini([]) == 0.0
    assert gini([0, 0, 0]) == 0.0
    with pytest.raises(ValueError):
        gini([1, -1])


@settings(max_examples=50, deadline=None)
@given(arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 50)))
def test_gini_equals_mean_absolute_difference_form(counts: np.ndarray) -> None:
    x = counts.astype(float)
    expected = 0.0 if x.sum() == 0 else np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size * x.sum())
    assert gini(x) == pytest.approx(expected, abs=1e-12)
