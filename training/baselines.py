"""Classic recommenders that the learned ranker is measured against.

Every baseline implements :class:`Recommender`: ``fit`` on a sparse
``(n_queries, n_items)`` matrix of graded interaction weights plus the Korean text
of every query and item, then ``score`` any query ids against any item ids. The
same interface serves both sides of the market:

* seeker side: queries = seekers, items = openings, ``interactions`` as is;
* opening side: queries = openings, items = seekers, pass ``interactions.T`` and
  swap the two text lists.

``interactions`` covers the whole id space, so items created after the history
have all-zero columns. The history-based models (popularity, item-kNN, ALS, EASE)
score such cold items 0: they cannot rank them, and the comparison should show it.
The text models (TF-IDF, BM25) need no history.

The classes follow scikit-learn conventions: ``__init__`` only stores its
parameters, ``fit`` returns ``self``, fitted attributes end in ``_`` and ``score``
raises :class:`sklearn.exceptions.NotFittedError` before ``fit``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Self

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from matcher.history import ease_weights, item_neighbours

__all__ = [
    "ALSRecommender",
    "BM25Recommender",
    "EASERecommender",
    "ItemKNNRecommender",
    "PopularityRecommender",
    "RandomRecommender",
    "Recommender",
    "TfidfCosineRecommender",
    "baselines",
]

Analyzer = str | Callable[[str], list[str]]


class Recommender(BaseEstimator, ABC):
    """Scores (query, item) pairs; higher = better.

    Subclasses implement :meth:`_fit` and :meth:`_score`; the base class checks
    shapes and ids and records ``n_queries_`` and ``n_items_``.
    """

    name: str = "recommender"

    def fit(
        self,
        interactions: sp.spmatrix | sp.sparray | ArrayLike,
        query_text: Sequence[str],
        item_text: Sequence[str],
    ) -> Self:
        """Fit on the interaction history and the text of all queries and items.

        Parameters
        ----------
        interactions : sparse matrix, shape (n_queries, n_items)
            Non-negative graded weights (e.g. viewed 1 … hired 4); all-zero rows
            and columns are allowed.
        query_text, item_text : sequence of str
            Text of every query and item (empty strings allowed).

        Returns
        -------
        Self
        """
        x = sp.csr_matrix(interactions, dtype=np.float64)
        x.sum_duplicates()
        if not np.isfinite(x.data).all() or (x.data < 0).any():
            raise ValueError("interactions must be finite and non-negative")
        queries, items = _clean_texts(query_text), _clean_texts(item_text)
        if x.shape != (len(queries), len(items)):
            raise ValueError(
                f"interactions has shape {x.shape} but there are {len(queries)} query texts and {len(items)} item texts"
            )
        self._fit(x, queries, items)
        self.n_queries_, self.n_items_ = x.shape
        return self

    def score(self, queries: ArrayLike, items: ArrayLike) -> np.ndarray:
        """Score every query in ``queries`` against every item in ``items``.

        Parameters
        ----------
        queries, items : array_like of int
            Row / column ids into the fitted id space; any order, repeats allowed.

        Returns
        -------
        numpy.ndarray
            Dense float64 array of shape ``(len(queries), len(items))``.
        """
        check_is_fitted(self)
        q = _check_ids(queries, self.n_queries_, "queries")
        i = _check_ids(items, self.n_items_, "items")
        out = np.asarray(self._score(q, i), dtype=np.float64)
        assert out.shape == (q.size, i.size)
        return out

    @abstractmethod
    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        """Set the model's fitted attributes."""

    @abstractmethod
    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Dense scores for validated id arrays."""

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "n_items_")


def _clean_texts(texts: Sequence[str]) -> list[str]:
    """Texts as ``str``; ``None`` and non-strings (e.g. pandas NaN) become ``""``."""
    return [t if isinstance(t, str) else "" for t in texts]


def _check_ids(ids: ArrayLike, n: int, name: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of ids, got shape {arr.shape}")
    if arr.size == 0:
        return arr.astype(np.intp)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be integer ids, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= n:
        raise IndexError(f"{name} ids must lie in [0, {n})")
    return arr.astype(np.intp)


def _analyzer_params(analyzer: Analyzer, ngram_range: tuple[int, int]) -> dict[str, object]:
    """Vectoriser arguments; a callable analyzer makes its own terms, so no n-gram range."""
    if callable(analyzer):
        return {"analyzer": analyzer}
    return {"analyzer": analyzer, "ngram_range": tuple(ngram_range)}


def _fit_transform_or_empty(vectorizer: CountVectorizer, corpus: list[str]) -> sp.csr_matrix:
    """``vectorizer.fit_transform(corpus)``, or an ``(n, 0)`` matrix if it has no terms."""
    try:
        return sp.csr_matrix(vectorizer.fit_transform(corpus), dtype=np.float64)
    except ValueError as error:  # sklearn refuses an empty vocabulary
        if "empty vocabulary" not in str(error):
            raise
        return sp.csr_matrix((len(corpus), 0), dtype=np.float64)


def _row_ids(m: sp.csr_matrix) -> np.ndarray:
    """Row index of every stored entry of a CSR matrix."""
    return np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))


# --------------------------------------------------------------------------- baselines


class RandomRecommender(Recommender):
    """Uniform random scores in [0, 1), a fixed function of ``(seed, query, item)``.

    The score of a pair does not depend on which other ids are scored with it, so
    results are reproducible however the evaluation is batched.

    Parameters
    ----------
    seed : int
        Different seeds give independent scores.
    """

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        self.seed_ = np.uint64(int(self.seed) % 2**64)

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        q_hash = _splitmix64(self.seed_ ^ _splitmix64(queries.astype(np.uint64)))
        pair = _splitmix64(q_hash[:, None] ^ items.astype(np.uint64)[None, :])
        return (pair >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, elementwise on uint64 (wrap-around arithmetic)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class PopularityRecommender(Recommender):
    """Item popularity: column sums of the interaction weights, same for every query."""

    name = "popularity"

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        self.popularity_ = np.asarray(x.sum(axis=0), dtype=np.float64).ravel()

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity_[items], (queries.size, items.size)).copy()


class TfidfCosineRecommender(Recommender):
    """Cosine similarity of TF-IDF vectors of query text and item text.

    The vectoriser is fitted on query and item texts together. Character n-grams
    within word boundaries (``"char_wb"``) handle Korean without a tokenizer.

    Parameters
    ----------
    analyzer : str or callable
        Passed to :class:`~sklearn.feature_extraction.text.TfidfVectorizer`.
    ngram_range : tuple of int
        N-gram sizes (ignored when ``analyzer`` is callable).
    """

    name = "tfidf"

    def __init__(self, analyzer: Analyzer = "char_wb", ngram_range: tuple[int, int] = (2, 3)) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        vectorizer = TfidfVectorizer(**_analyzer_params(self.analyzer, self.ngram_range))
        vectors = _fit_transform_or_empty(vectorizer, query_text + item_text)  # L2-normalised
        self.query_vectors_ = vectors[: len(query_text)]
        self.item_vectors_ = vectors[len(query_text) :]

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        return (self.query_vectors_[queries] @ self.item_vectors_[items].T).toarray()


class BM25Recommender(Recommender):
    r"""Okapi BM25 with each query's text as the query over the item documents.

    .. math::

        \mathrm{score}(q, d) = \sum_{t \in q} \mathrm{idf}(t)\,
            \frac{f_{t,d}\,(k_1 + 1)}{f_{t,d} + k_1 (1 - b + b\,|d| / \mathrm{avgdl})},
        \qquad \mathrm{idf}(t) = \ln\!\left(1 + \frac{N - n_t + 0.5}{n_t + 0.5}\right)

    ``f_{t,d}`` counts term ``t`` in item ``d``, ``|d|`` is the item's number of
    terms, ``avgdl`` their mean over all ``N`` items and ``n_t`` the number of items
    containing ``t``. The IDF is the non-negative (Lucene) variant. Each distinct
    query term counts once. Computed as one sparse product: binary query-term
    matrix times the item term-weight matrix.

    Parameters
    ----------
    k1 : float
        Term-frequency saturation.
    b : float
        Length normalisation, 0 (none) to 1 (full).
    analyzer : str or callable
        Passed to :class:`~sklearn.feature_extraction.text.CountVectorizer`.
    ngram_range : tuple of int
        N-gram sizes (ignored when ``analyzer`` is callable).
    """

    name = "bm25"

    def __init__(
        self,
        k1: float = 1.2,
        b: float = 0.75,
        analyzer: Analyzer = "char_wb",
        ngram_range: tuple[int, int] = (2, 3),
    ) -> None:
        self.k1 = k1
        self.b = b
        self.analyzer = analyzer
        self.ngram_range = ngram_range

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        if self.k1 < 0 or not 0 <= self.b <= 1:
            raise ValueError(f"need k1 >= 0 and 0 <= b <= 1, got k1={self.k1}, b={self.b}")
        vectorizer = CountVectorizer(**_analyzer_params(self.analyzer, self.ngram_range))
        counts = _fit_transform_or_empty(vectorizer, query_text + item_text)
        query_terms = counts[: len(query_text)]
        tf = counts[len(query_text) :].tocsr()

        n_docs = tf.shape[0]
        doc_freq = np.bincount(tf.indices, minlength=tf.shape[1])
        idf = np.log1p((n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        doc_len = np.asarray(tf.sum(axis=1)).ravel()
        avg_len = doc_len.mean() if n_docs and doc_len.mean() > 0 else 1.0

        norm = self.k1 * (1.0 - self.b + self.b * doc_len / avg_len)
        weights = tf.copy()
        weights.data = idf[tf.indices] * tf.data * (self.k1 + 1.0) / (tf.data + norm[_row_ids(tf)])
        weights.eliminate_zeros()
        query_terms.data[:] = 1.0
        self.query_terms_ = query_terms
        self.item_weights_ = weights
        self.idf_ = idf

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        return (self.query_terms_[queries] @ self.item_weights_[items].T).toarray()


class ItemKNNRecommender(Recommender):
    r"""Item-item collaborative filtering with cosine similarity: :func:`matcher.history.item_neighbours`
    (the item-kNN the ranker's history features use in large key spaces) on the interactions.

    Parameters
    ----------
    k : int
        Neighbours kept per item.
    shrink : float
        Added to the cosine denominator; damps similarities of rare items.
    binary : bool
        Use 0/1 interactions instead of the graded weights.
    """

    name = "item_knn"

    def __init__(self, k: int = 100, shrink: float = 0.0, binary: bool = False) -> None:
        self.k = k
        self.shrink = shrink
        self.binary = binary

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        if self.binary:
            x = x.copy()
            x.data = (x.data > 0).astype(np.float64)
        self.similarity_ = item_neighbours(x, self.k, self.shrink)
        self.history_ = x

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        return (self.history_[queries] @ self.similarity_[items].T).toarray()


class EASERecommender(Recommender):
    r"""EASE, the embarrassingly shallow autoencoder (Steck 2019).

    .. math::

        G = X^\top X + \lambda I, \quad P = G^{-1}, \quad
        B_{ij} = -P_{ij} / P_{jj}, \quad B_{jj} = 0, \quad \mathrm{score} = X B

    An item whose column of ``X`` is all zero has a zero row and column in ``B``
    (``G`` is block-diagonal there), so the closed form is solved only on the
    ``n_warm`` items with any interaction, exactly; cold items score 0.

    Memory: ``B`` is a dense float64 ``(n_warm, n_warm)`` array, 8·n_warm² bytes:
    3.2 GB for 20,000 warm items (0.8 GB for 10,000). The inverse is taken in place
    (LU, ``overwrite_a``), so fitting peaks at about one such array plus the sparse
    ``XᵀX`` and LAPACK workspace; time is O(n_warm³) (about 6 s for 8,000 warm items
    on a laptop-class CPU, so minutes at 20,000). Scoring allocates a dense
    ``(len(queries), n_warm)`` temporary.

    Parameters
    ----------
    l2 : float
        Ridge penalty λ on ``B``.
    max_items : int
        Refuse to fit when more items than this have interactions.
    """

    name = "ease"

    def __init__(self, l2: float = 250.0, max_items: int = 20_000) -> None:
        self.l2 = l2
        self.max_items = max_items

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        n_warm = int((np.diff(x.tocsc().indptr) > 0).sum())
        if n_warm > self.max_items:
            raise ValueError(
                f"{n_warm} items have interactions, more than max_items={self.max_items}; "
                f"EASE would need {8 * n_warm**2 / 1e9:.1f} GB"
            )
        p, warm = ease_weights(x, self.l2)
        x_warm = x[:, warm]
        position = np.full(x.shape[1], -1, dtype=np.intp)
        position[warm] = np.arange(warm.size)
        self.weights_ = p
        self.warm_position_ = position
        self.history_ = x_warm

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        out = np.zeros((queries.size, items.size))
        pos = self.warm_position_[items]
        is_warm = pos >= 0
        if is_warm.any():
            out[:, is_warm] = (self.history_[queries] @ self.weights_)[:, pos[is_warm]]
        return out


class ALSRecommender(Recommender):
    r"""Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren and Volinsky 2008), fitted
    by :class:`implicit.als.AlternatingLeastSquares` on the CPU.

    Each query and item gets ``factors`` latent numbers; an interaction of weight ``w`` counts with confidence
    ``alpha · w`` that the pair is of interest, every other pair with confidence 1 that it is not. The score is
    the dot product of the two factor rows. Queries and items without interactions get zero factors and score 0.

    The fit is reproducible: seeded factors, ``threads`` solver threads (one by default) and BLAS on one
    thread while it runs (the conjugate-gradient solver orders its sums by thread).

    Parameters
    ----------
    factors : int
        Latent dimensions.
    regularization : float
        Ridge penalty on the factors.
    alpha : float
        Confidence per unit of interaction weight.
    iterations : int
        Alternating sweeps over queries and items.
    random_state : int
        Seed of the initial factors.
    threads : int
        Solver threads (0: every core; results may then differ in the last bits from run to run).
    """

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 10.0,
        iterations: int = 15,
        random_state: int = 0,
        threads: int = 1,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.threads = threads

    def _fit(self, x: sp.csr_matrix, query_text: list[str], item_text: list[str]) -> None:
        with threadpool_limits(limits=1, user_api="blas"):
            als = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                use_gpu=False,
                num_threads=self.threads,
                random_state=self.random_state,
            )
            als.fit(x.astype(np.float32), show_progress=False)
        self.query_factors_ = np.asarray(als.user_factors, dtype=np.float64)
        self.item_factors_ = np.asarray(als.item_factors, dtype=np.float64)

    def _score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.query_factors_[queries] @ self.item_factors_[items].T


def baselines(seed: int = 0) -> list[Recommender]:
    """All baselines with default parameters.

    Parameters
    ----------
    seed : int
        Seed of :class:`RandomRecommender` and of :class:`ALSRecommender`'s initial factors.

    Returns
    -------
    list of Recommender
        Random, popularity, TF-IDF, BM25, item-kNN, EASE, ALS (unfitted).
    """
    return [
        RandomRecommender(seed),
        PopularityRecommender(),
        TfidfCosineRecommender(),
        BM25Recommender(),
        ItemKNNRecommender(),
        EASERecommender(),
        ALSRecommender(random_state=seed),
    ]
