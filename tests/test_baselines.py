"""Baseline recommenders on generated worlds whose right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matcher.history import item_neighbours, knn_weights
from training.baselines import (
    ALSRecommender,
    BM25Recommender,
    EASERecommender,
    ItemKNNRecommender,
    PopularityRecommender,
    RandomRecommender,
    Recommender,
    TfidfCosineRecommender,
    baselines,
)

N_BLOCKS, QUERIES_PER_BLOCK, ITEMS_PER_BLOCK = 3, 8, 6


def block_world(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Queries of block b interacted (graded 1-4) with about half the items of block b.

    Returns the interactions, each query's block and each item's block.
    """
    rng = np.random.default_rng(seed)
    query_block = np.repeat(np.arange(N_BLOCKS), QUERIES_PER_BLOCK)
    item_block = np.repeat(np.arange(N_BLOCKS), ITEMS_PER_BLOCK)
    same_block = query_block[:, None] == item_block[None, :]
    picked = rng.random(same_block.shape) < 0.5
    # every query keeps at least one seen and one unseen item of its block
    rows = np.arange(query_block.size)
    start = query_block * ITEMS_PER_BLOCK
    picked[rows, start + rows % ITEMS_PER_BLOCK] = True
    picked[rows, start + (rows + 1) % ITEMS_PER_BLOCK] = False
    weights = rng.integers(1, 5, size=same_block.shape)
    return (
        sp.csr_matrix(np.where(same_block & picked, weights, 0).astype(float)),
        query_block,
        item_block,
    )


# query i shares distinctive words with item i only; every text shares the filler.
TEXT_PAIRS = [
    ("수제화 갑피 제작 경력 성동구 구직", "수제화 갑피 숙련공 모집 성동구"),
    ("미싱 재봉 경력 성동구 구직", "봉제 공장 미싱 재봉사 채용 성동구"),
    ("지게차 운전 면허 보유 성동구 구직", "물류센터 지게차 운전원 성동구"),
    ("바리스타 커피 제조 성동구 구직", "카페 바리스타 커피 매장 성동구"),
    ("요양보호사 자격 돌봄 성동구 구직", "재가 요양보호사 방문 돌봄 성동구"),
]


def text_world() -> tuple[sp.csr_matrix, list[str], list[str]]:
    queries = [q for q, _ in TEXT_PAIRS]
    items = [i for _, i in TEXT_PAIRS]
    return sp.csr_matrix((len(queries), len(items))), queries, items


def empty_text(n: int) -> list[str]:
    return [""] * n


def fit_block(model: Recommender) -> tuple[Recommender, sp.csr_matrix, np.ndarray, np.ndarray]:
    x, query_block, item_block = block_world()
    model.fit(x, empty_text(x.shape[0]), empty_text(x.shape[1]))
    return model, x, query_block, item_block


@pytest.mark.parametrize(
    "model",
    [EASERecommender(l2=1.0), ItemKNNRecommender(k=3), ALSRecommender(factors=N_BLOCKS, alpha=1.0)],
    ids=lambda m: m.name,
)
def test_collaborative_models_recommend_unseen_items_of_own_block(model: Recommender) -> None:
    model, x, query_block, item_block = fit_block(model)
    scores = model.score(np.arange(x.shape[0]), np.arange(x.shape[1]))
    scores[x.toarray() > 0] = -np.inf  # recommend unseen items only
    assert (item_block[scores.argmax(axis=1)] == query_block).all()


def test_ease_matches_full_closed_form_and_scores_cold_items_zero() -> None:
    x, _, _ = block_world()
    cold = 4
    x = sp.hstack([x, sp.csr_matrix((x.shape[0], cold))]).tocsr()  # openings with no history
    model = EASERecommender(l2=5.0).fit(x, empty_text(x.shape[0]), empty_text(x.shape[1]))
    dense = x.toarray()
    p = np.linalg.inv(dense.T @ dense + 5.0 * np.eye(dense.shape[1]))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    items = np.array([x.shape[1] - 1, 0, 5, x.shape[1] - 2, 5])
    np.testing.assert_allclose(model.score(np.arange(x.shape[0]), items), (dense @ b)[:, items])
    assert (model.score(np.arange(x.shape[0]), np.arange(x.shape[1] - cold, x.shape[1])) == 0).all()


def test_als_finds_held_out_items_of_the_planted_blocks_where_random_does_not() -> None:
    """One interaction per query is hidden; ALS ranks it among the query's unseen items far above chance."""
    x, _, _ = block_world(seed=1)
    dense = x.toarray()
    rng = np.random.default_rng(0)
    hidden = np.array([rng.choice(np.flatnonzero(row)) for row in dense])
    rows = np.arange(dense.shape[0])
    known = dense.copy()
    known[rows, hidden] = 0
    hit_rates = {}
    # As many factors as planted blocks; a confidence of 1 per unit of weight suits a world this small.
    for model in (ALSRecommender(factors=N_BLOCKS, alpha=1.0), RandomRecommender(seed=0)):
        scores = model.fit(sp.csr_matrix(known), *map(empty_text, known.shape)).score(rows, np.arange(x.shape[1]))
        scores[known > 0] = -np.inf
        top3 = np.argsort(-scores, axis=1, kind="stable")[:, :3]
        hit_rates[model.name] = float((top3 == hidden[:, None]).any(axis=1).mean())
    assert hit_rates["als"] >= 0.8
    assert hit_rates["als"] >= hit_rates["random"] + 0.4


def test_als_is_reproducible_per_seed_and_scores_cold_items_zero() -> None:
    x, _, _ = block_world()
    x = sp.hstack([x, sp.csr_matrix((x.shape[0], 2))]).tocsr()  # items with no history
    texts = map(empty_text, x.shape)
    query_text, item_text = list(texts)
    queries, items = np.arange(x.shape[0]), np.arange(x.shape[1])
    first = ALSRecommender(factors=8, random_state=4).fit(x, query_text, item_text).score(queries, items)
    again = ALSRecommender(factors=8, random_state=4).fit(x, query_text, item_text).score(queries, items)
    other = ALSRecommender(factors=8, random_state=5).fit(x, query_text, item_text).score(queries, items)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert (first[:, -2:] == 0).all()


def test_the_ranker_history_and_the_baseline_share_one_item_knn() -> None:
    """matcher.history's item-kNN weights (large key spaces) are the baseline's neighbours, transposed; ``repeat``
    adds each item with interactions as its own neighbour; ties at the k-th neighbour go to the earlier item."""
    x, _, _ = block_world()
    x = sp.hstack([x, sp.csr_matrix((x.shape[0], 1))]).tocsr()  # one item without interactions
    texts = empty_text(x.shape[0]), empty_text(x.shape[1])
    neighbours = ItemKNNRecommender(k=2).fit(x, *texts).similarity_.toarray()
    np.testing.assert_allclose(knn_weights(x, k=2).toarray(), neighbours.T, rtol=1e-6)
    diagonal = np.diag(knn_weights(x, k=2, repeat=True).toarray())
    np.testing.assert_array_equal(diagonal, [1.0] * (x.shape[1] - 1) + [0.0])
    tied = sp.csr_matrix(np.array([[1.0, 1.0, 1.0, 1.0]]))  # every pair of items equally similar
    assert item_neighbours(tied, k=2).toarray().tolist() == [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 0, 0]]


def test_ease_refuses_too_many_warm_items() -> None:
    x, _, _ = block_world()
    with pytest.raises(ValueError, match="max_items"):
        EASERecommender(max_items=5).fit(x, empty_text(x.shape[0]), empty_text(x.shape[1]))


def test_item_knn_equals_cosine_and_keeps_k_neighbours() -> None:
    x, _, _ = block_world()
    texts = empty_text(x.shape[0]), empty_text(x.shape[1])
    dense = x.toarray()
    norms = np.linalg.norm(dense, axis=0)
    cosine = (dense.T @ dense) / np.outer(norms, norms)
    np.fill_diagonal(cosine, 0.0)
    full = ItemKNNRecommender(k=1000).fit(x, *texts)
    np.testing.assert_allclose(full.similarity_.toarray(), cosine)
    np.testing.assert_allclose(full.score(np.arange(x.shape[0]), np.arange(x.shape[1])), dense @ cosine)

    pruned = ItemKNNRecommender(k=2, shrink=1.0, binary=True).fit(x, *texts)
    assert np.diff(pruned.similarity_.indptr).max() <= 2
    binary = (dense > 0).astype(float)
    b_norms = np.linalg.norm(binary, axis=0)
    shrunk = (binary.T @ binary) / (np.outer(b_norms, b_norms) + 1.0)
    np.fill_diagonal(shrunk, 0.0)
    kept = pruned.similarity_.tocoo()
    np.testing.assert_allclose(kept.data, shrunk[kept.row, kept.col])
    for row in range(shrunk.shape[0]):
        candidates = np.sort(shrunk[row][shrunk[row] > 0])[::-1]
        kept_row = kept.data[kept.row == row]
        assert kept_row.size == min(2, candidates.size)
        np.testing.assert_allclose(np.sort(kept_row)[::-1], candidates[:2])


@pytest.mark.parametrize("model", [TfidfCosineRecommender(), BM25Recommender()])
def test_text_models_match_query_to_item_sharing_its_words(model: Recommender) -> None:
    x, queries, items = text_world()
    model.fit(x, queries, items)
    scores = model.score(np.arange(len(queries)), np.arange(len(items)))
    np.testing.assert_array_equal(scores.argmax(axis=1), np.arange(len(queries)))
    # the opening side: same model class on the transposed problem
    model_t = clone(model).fit(x.T, items, queries)
    scores_t = model_t.score(np.arange(len(items)), np.arange(len(queries)))
    np.testing.assert_array_equal(scores_t.argmax(axis=1), np.arange(len(items)))


def test_tfidf_cosine_of_identical_texts_is_one() -> None:
    model = TfidfCosineRecommender().fit(sp.csr_matrix((2, 1)), ["미싱 재봉", "지게차"], ["미싱 재봉"])
    np.testing.assert_allclose(model.score([0, 1], [0]), [[1.0], [0.0]], atol=1e-12)


def test_bm25_matches_hand_computed_scores() -> None:
    # Items (documents): d0 = 사과 배 (|d|=2), d1 = 사과 사과 포도 (|d|=3), d2 = 포도 (|d|=1).
    # N = 3, avgdl = 2; n(사과) = 2, n(배) = 1.
    # idf(사과) = ln(1 + (3 - 2 + .5) / (2 + .5)) = ln 1.6    = 0.4700036
    # idf(배)  = ln(1 + (3 - 1 + .5) / (1 + .5)) = ln(8 / 3) = 0.9808293
    # k1 = 1.2, b = .75: K(d) = k1 (1 - b + b |d| / avgdl) -> K(d0) = 1.2, K(d1) = 1.65
    # query 사과:    d0: .4700036 * 1 * 2.2 / (1 + 1.2)  = .4700036
    #               d1: .4700036 * 2 * 2.2 / (2 + 1.65) = .4700036 * 1.2054795 = .5665797
    # query 사과 배: d0: .4700036 + .9808293 * 2.2 / 2.2  = 1.4508329
    items = ["사과 배", "사과 사과 포도", "포도"]
    queries = ["사과", "사과 배", "사과 사과", "없음"]
    model = BM25Recommender(analyzer=str.split).fit(sp.csr_matrix((4, 3)), queries, items)
    expected = [
        [0.4700036, 0.5665797, 0.0],
        [1.4508329, 0.5665797, 0.0],
        [0.4700036, 0.5665797, 0.0],  # each distinct query term counts once
        [0.0, 0.0, 0.0],  # no shared term
    ]
    np.testing.assert_allclose(model.score(np.arange(4), np.arange(3)), expected, rtol=1e-6)
    assert model.idf_[model.item_weights_.indices].min() > 0
    # b = 0 switches length normalisation off: d1 then gets tf saturation only
    flat = BM25Recommender(b=0.0, analyzer=str.split).fit(sp.csr_matrix((4, 3)), queries, items)
    assert flat.score([0], [1])[0, 0] == pytest.approx(math.log(1.6) * 2 * 2.2 / (2 + 1.2))


def test_popularity_ranks_most_interacted_item_first() -> None:
    x = sp.csr_matrix(np.array([[1, 0, 4, 0], [0, 0, 2, 1], [1, 0, 3, 0]], dtype=float))
    model = PopularityRecommender().fit(x, empty_text(3), empty_text(4))
    scores = model.score(np.array([0, 1, 2, 2]), np.arange(4))
    np.testing.assert_array_equal(scores, np.tile([2.0, 0.0, 9.0, 1.0], (4, 1)))


def test_random_is_deterministic_per_seed_and_independent_of_batching() -> None:
    x = sp.csr_matrix((50, 40))
    texts = empty_text(50), empty_text(40)
    a = RandomRecommender(seed=7).fit(x, *texts).score(np.arange(50), np.arange(40))
    b = RandomRecommender(seed=7).fit(x, *texts).score(np.arange(50), np.arange(40))
    c = RandomRecommender(seed=8).fit(x, *texts).score(np.arange(50), np.arange(40))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert ((a >= 0) & (a < 1)).all() and 0.4 < a.mean() < 0.6
    part = RandomRecommender(seed=7).fit(x, *texts).score(np.array([9, 3]), np.array([5, 0, 5]))
    np.testing.assert_array_equal(part, a[np.ix_([9, 3], [5, 0, 5])])
    # rankings of different queries are not all the same
    assert len({tuple(row) for row in a.argsort(axis=1)[:, :3]}) > 40


def test_registry_order_and_names() -> None:
    names = [model.name for model in baselines(seed=3)]
    assert names == ["random", "popularity", "tfidf", "bm25", "item_knn", "ease", "als"]
    assert baselines(seed=3)[0].get_params() == {"seed": 3}


@pytest.mark.parametrize("model", baselines(seed=0), ids=lambda m: m.name)
def test_score_before_fit_raises(model: Recommender) -> None:
    with pytest.raises(NotFittedError):
        model.score(np.array([0]), np.array([0]))


@pytest.mark.parametrize("model", baselines(seed=0), ids=lambda m: m.name)
def test_shapes_and_no_nan_with_empty_rows_columns_and_texts(model: Recommender) -> None:
    x, _, _ = block_world()
    x = sp.vstack([x, sp.csr_matrix((2, x.shape[1]))])  # queries with no history
    x = sp.hstack([x, sp.csr_matrix((x.shape[0], 3))]).tocsr()  # items with no history
    n_q, n_i = x.shape
    query_text = ["수제화 갑피"] * (n_q - 1) + [""]
    item_text = ["", *["미싱 재봉"] * (n_i - 1)]
    for texts in ((query_text, item_text), (empty_text(n_q), empty_text(n_i))):
        fitted = clone(model).fit(x, *texts)
        for queries, items in [
            (np.arange(n_q), np.arange(n_i)),
            (np.array([n_q - 1, 0, 0]), np.array([n_i - 1])),
            (np.array([], dtype=int), np.arange(4)),
            (np.array([1]), np.array([], dtype=int)),
        ]:
            scores = fitted.score(queries, items)
            assert scores.shape == (queries.size, items.size)
            assert scores.dtype == np.float64
            assert np.isfinite(scores).all()


@pytest.mark.parametrize("model", baselines(seed=0), ids=lambda m: m.name)
def test_fit_and_score_validate_their_input(model: Recommender) -> None:
    x = sp.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match="shape"):
        clone(model).fit(x, empty_text(2), empty_text(3))
    fitted = clone(model).fit(x, empty_text(3), empty_text(3))
    with pytest.raises(IndexError):
        fitted.score(np.array([3]), np.array([0]))
    with pytest.raises(ValueError, match="integer"):
        fitted.score(np.array([0.5]), np.array([0]))
