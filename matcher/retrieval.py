"""Stage one of ranking: a cheap additive score that shortlists candidates for the ranker.

Scoring every allowed pair with the gradient-boosting ranker costs about 10 µs a
pair, so one seeker against 10,000 openings takes ~100 ms. Stage one scores all
allowed candidates of a query with :class:`BinnedAdditive`, a sum of one lookup
table per feature (features cut at training-data quantiles), fitted at training
time by ridge regression on the ranker's own scores of the training pairs (a
distillation of the ranker). Its features are computed for whole blocks of
queries × candidates at once (:class:`matcher.pair_views.BlockView`), most as
products of precomputed matrices. The ranker, with every pair feature, then
scores only the ``shortlist`` best of each query (:func:`shortlist`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

# Candidates per query that stage one hands to the ranker. Measured on the sample worlds
# (20,000 seekers × 10,000 openings, and the default 2,000 × 600): NDCG@10 of both sides at 150
# is within 0.002 of ranking every allowed pair (300: identical; 50: seeker side -0.6 %), while
# the ranker's cost for one query falls with the shortlist (200 trees over its rows).
SHORTLIST = 150


class BinnedAdditive(RegressorMixin, BaseEstimator):
    """A sum of per-feature step functions: ``intercept_ + Σ_j tables_[j][bin_j(x_j)]``.

    Each feature is cut at up to ``n_bins - 1`` quantiles of its training values;
    missing values (NaN) get a bin of their own. The tables are fitted by ridge
    regression on the one-hot bins, so each is the additive effect of its feature.

    Parameters
    ----------
    n_bins : bins per feature (plus one for missing values).
    alpha : ridge strength.
    """

    def __init__(self, n_bins: int = 16, alpha: float = 1.0) -> None:
        self.n_bins = n_bins
        self.alpha = alpha

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> BinnedAdditive:
        """Learn the bin edges and the per-bin effects."""
        x = np.asarray(x, dtype=np.float32)
        self.edges_ = [self._edges(column) for column in x.T]
        sizes = np.array([len(e) + 2 for e in self.edges_])  # bins below/between/above the edges, and missing
        self.offsets_ = np.concatenate([[0], np.cumsum(sizes)])
        bins = np.column_stack([self._bins(j, x[:, j]) for j in range(x.shape[1])]) + self.offsets_[:-1]
        rows = np.repeat(np.arange(len(x)), x.shape[1])
        design = sp.csr_matrix((np.ones(bins.size), (rows, bins.ravel())), shape=(len(x), self.offsets_[-1]))
        coef, intercept = _ridge(design, np.asarray(y, dtype=np.float64), self.alpha, sample_weight)
        self.intercept_ = intercept
        bounds = zip(self.offsets_[:-1], self.offsets_[1:], strict=True)
        self.tables_ = [coef[a:b].astype(np.float32) for a, b in bounds]
        self.n_features_in_ = x.shape[1]
        return self

    def _edges(self, column: np.ndarray) -> np.ndarray:
        """Cuts near the quantiles, each halfway between two distinct training values, so a value
        computed another way (a block product instead of a pair's) never lands on a cut."""
        finite = column[np.isfinite(column)]
        if finite.size > 200_000:
            finite = finite[:: finite.size // 200_000 + 1]
        distinct = np.unique(finite)
        if distinct.size < 2:
            return np.zeros(0, dtype=np.float32)
        quantiles = np.quantile(finite, np.linspace(0, 1, self.n_bins + 1)[1:-1], method="lower")
        at = np.unique(np.searchsorted(distinct, quantiles))
        at = at[at + 1 < distinct.size]
        return ((distinct[at].astype(np.float64) + distinct[at + 1]) / 2).astype(np.float32)

    def _bins(self, j: int, values: np.ndarray) -> np.ndarray:
        """Bin of each value: the number of edges at or below it; missing values get the last bin."""
        edges = self.edges_[j]
        values = np.asarray(values, dtype=np.float32)
        out = np.zeros(values.shape, dtype=np.intp if len(edges) > 250 else np.uint8)
        for edge in edges:  # a few vectorised comparisons beat a binary search per value
            out += values >= edge
        out[np.isnan(values)] = len(edges) + 1
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores of rows of features (columns in the fitted order)."""
        x = np.asarray(x, dtype=np.float32)
        return self.predict_columns([x[:, j] for j in range(x.shape[1])])

    def predict_columns(self, columns: Sequence[np.ndarray]) -> np.ndarray:
        """Scores from one array per feature, of shapes that broadcast together (e.g. query × candidate
        blocks, with features of the query alone as a column and of the candidate alone as a row)."""
        check_is_fitted(self, "tables_")
        if len(columns) != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} feature arrays, got {len(columns)}")
        return self.intercept_ + self.contributions(dict(enumerate(columns)))

    def contributions(self, columns: dict[int, np.ndarray]) -> np.ndarray:
        """Sum of the table values of some features (feature number → values), without the intercept."""
        check_is_fitted(self, "tables_")
        shape = np.broadcast_shapes(*(np.shape(v) for v in columns.values()))
        out = np.zeros(shape, dtype=np.float32)
        for j, values in columns.items():
            out += self.tables_[j][self._bins(j, np.asarray(values))]
        return out


def _ridge(
    design: sp.csr_matrix, y: np.ndarray, alpha: float, sample_weight: np.ndarray | None
) -> tuple[np.ndarray, float]:
    """Ridge regression with an intercept (as :class:`sklearn.linear_model.Ridge` fits it, on centred
    data) through its normal equations: one-hot designs have a few hundred columns, so the Gram
    matrix is small and one dense solve beats iterative solvers on the sparse design by far."""
    w = np.ones(design.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = w.sum()
    weighted = design.multiply(w[:, None]).tocsr()
    mean_x = np.asarray(weighted.sum(axis=0)).ravel() / total
    mean_y = float(w @ y / total)
    gram = (design.T @ weighted).toarray() - total * np.outer(mean_x, mean_x)
    rhs = weighted.T @ y - total * mean_x * mean_y
    gram[np.diag_indices_from(gram)] += alpha
    coef = scipy.linalg.solve(gram, rhs, assume_a="pos")
    return coef, mean_y - float(mean_x @ coef)


def shortlist(
    scores: np.ndarray, allowed: np.ndarray, n: int, also: np.ndarray | None = None, n_also: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the (at most) ``n`` best allowed cells of each row of ``scores``, and with ``also``
    (a second score of the same shape) each row's ``n_also`` best allowed cells by it where it is positive.

    A row with ``n`` or fewer allowed cells keeps them all, so asking for more
    candidates than stage one would hand over still lists every allowed one.
    """
    if scores.shape[1] > n and (allowed.sum(axis=1) > n).any():
        keep = _best(np.where(allowed, scores, -np.inf), n)
        if also is not None and n_also > 0:
            keep |= _best(np.where(allowed & (also > 0), also, -np.inf), min(n_also, scores.shape[1]))
        allowed = allowed & keep
    rows, columns = np.nonzero(allowed)
    return rows, columns


def _best(keyed: np.ndarray, n: int) -> np.ndarray:
    """Mask of each row's ``n`` highest finite cells."""
    cut = np.argpartition(-keyed, n - 1, axis=1)[:, :n]
    keep = np.zeros(keyed.shape, dtype=bool)
    np.put_along_axis(keep, cut, True, axis=1)
    return keep & np.isfinite(keyed)
