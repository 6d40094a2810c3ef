"""Vectorised ranking metrics for evaluating recommenders offline.

Conventions
-----------
A batch of ``n_queries`` ranked lists is a 2-D array of shape
``(n_queries, n_ranked)``: row ``q``, column ``r`` describes the item that the
model put at rank ``r + 1`` for query ``q``.

* ``gains`` holds the graded gain of each ranked item (0 = not relevant).
* ``hits`` holds relevance indicators; any value ``> 0`` counts as a hit, so
  ``gains`` can be passed wherever ``hits`` is expected.
* Lists shorter than ``n_ranked`` are padded on the right with 0 (not relevant).
* ``ideal`` holds, per query, the gains of *all* relevant items of that query.
  Pass it either as a padded 2-D array (zeros as padding) or as a list of 1-D
  arrays of varying length, which :func:`pad_ragged` turns into the former. It is
  sorted descending here, so the caller need not sort it.

Per-query functions return a float array of length ``n_queries``; average it with
:func:`numpy.nanmean`. Queries without any relevant item have an undefined NDCG
and recall: those functions return ``NaN`` for them, so that ``nanmean``
*excludes* them (plain ``mean`` then gives ``NaN`` loudly instead of silently
counting them as 0). :func:`mrr` and :func:`hit_at_k` cannot know whether a query
has relevant items outside the list, so they return 0 for such queries; filter
those queries out before averaging (e.g. with ``n_relevant > 0``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "catalogue_coverage",
    "exposure_counts",
    "gini",
    "hit_at_k",
    "mrr",
    "ndcg_at_k",
    "pad_ragged",
    "recall_at_k",
]


def pad_ragged(rows: Sequence[ArrayLike], fill: float = 0.0) -> np.ndarray:
    """Stack 1-D arrays of varying length into a right-padded 2-D float array.

    Parameters
    ----------
    rows : sequence of array_like
        One 1-D array per query.
    fill : float
        Padding value.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(rows), max_len)``; ``max_len`` is 0 when every row is empty.
    """
    parts = [np.asarray(r, dtype=np.float64) for r in rows]
    if any(p.ndim != 1 for p in parts):
        raise ValueError("every row must be a 1-D array")
    lengths = np.fromiter((p.size for p in parts), dtype=np.intp, count=len(parts))
    width = int(lengths.max()) if lengths.size else 0
    out = np.full((len(parts), width), fill, dtype=np.float64)
    if width:
        mask = np.arange(width) < lengths[:, None]
        out[mask] = np.concatenate(parts)
    return out


def _as_2d(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_queries, n_ranked), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def _discounts(n: int) -> np.ndarray:
    """``1 / log2(rank + 1)`` for ranks ``1 .. n``."""
    return 1.0 / np.log2(np.arange(2, n + 2, dtype=np.float64))


def ndcg_at_k(gains: ArrayLike, ideal: ArrayLike | Sequence[ArrayLike], k: int = 10) -> np.ndarray:
    r"""Normalised discounted cumulative gain at ``k``, per query.

    .. math::

        \mathrm{DCG@k} = \sum_{r=1}^{k} \frac{2^{g_r} - 1}{\log_2(r + 1)}, \qquad
        \mathrm{NDCG@k} = \frac{\mathrm{DCG@k}}{\mathrm{IDCG@k}}

    where ``g_r`` is the gain at rank ``r`` and IDCG@k is the DCG@k of ``ideal``
    sorted descending.

    Parameters
    ----------
    gains : array_like, shape (n_queries, n_ranked)
        Gain of each ranked item, in ranked order; 0 = not relevant.
    ideal : array_like, shape (n_queries, n_max) or list of 1-D arrays
        Gains of all relevant items of each query (zero-padded or ragged).
    k : int
        Cut-off; ranks beyond ``n_ranked`` count as gain 0.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_queries,)`` with values in [0, 1] when ``gains`` is consistent
        with ``ideal``; ``NaN`` for queries whose ``ideal`` has no positive gain.
    """
    k = _check_k(k)
    g = _as_2d(gains, "gains")
    ig = _as_2d(ideal if isinstance(ideal, np.ndarray) else pad_ragged(ideal), "ideal")
    if ig.shape[0] != g.shape[0]:
        raise ValueError(f"gains has {g.shape[0]} queries but ideal has {ig.shape[0]}")
    if (g < 0).any() or (ig < 0).any():
        raise ValueError("gains must be non-negative")
    ig = -np.sort(-ig, axis=1)[:, :k]
    g = g[:, :k]
    dcg = np.expm1(g * np.log(2.0)) @ _discounts(g.shape[1])
    idcg = np.expm1(ig * np.log(2.0)) @ _discounts(ig.shape[1])
    out = np.full(g.shape[0], np.nan)
    defined = idcg > 0
    out[defined] = dcg[defined] / idcg[defined]
    return out


def _hits_2d(hits: ArrayLike) -> np.ndarray:
    return _as_2d(hits, "hits") > 0


def recall_at_k(hits: ArrayLike, n_relevant: ArrayLike, k: int) -> np.ndarray:
    r"""Recall at ``k``, per query: ``|relevant ∩ top-k| / |relevant|``.

    Parameters
    ----------
    hits : array_like, shape (n_queries, n_ranked)
        Relevance in ranked order; values ``> 0`` are hits.
    n_relevant : array_like, shape (n_queries,)
        Number of relevant items of each query (in or out of the list).
    k : int
        Cut-off.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_queries,)``; ``NaN`` where ``n_relevant == 0``.
    """
    k = _check_k(k)
    h = _hits_2d(hits)
    n_rel = np.asarray(n_relevant, dtype=np.float64)
    if n_rel.shape != (h.shape[0],):
        raise ValueError(f"n_relevant must have shape ({h.shape[0]},), got {n_rel.shape}")
    if (n_rel < 0).any():
        raise ValueError("n_relevant must be non-negative")
    if (h.sum(axis=1) > n_rel).any():
        raise ValueError("a query has more hits in its list than n_relevant")
    found = h[:, :k].sum(axis=1, dtype=np.float64)
    out = np.full(h.shape[0], np.nan)
    defined = n_rel > 0
    out[defined] = found[defined] / n_rel[defined]
    return out


def mrr(hits: ArrayLike) -> np.ndarray:
    r"""Reciprocal rank of the first hit, per query: ``1 / rank_first``.

    Averaging the result over queries gives the mean reciprocal rank.

    Parameters
    ----------
    hits : array_like, shape (n_queries, n_ranked)
        Relevance in ranked order; values ``> 0`` are hits. Truncate the columns
        to get MRR@k.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_queries,)``; 0 for queries with no hit in the list.
    """
    h = _hits_2d(hits)
    if h.shape[1] == 0:
        return np.zeros(h.shape[0])
    first = h.argmax(axis=1)
    return np.where(h.any(axis=1), 1.0 / (first + 1.0), 0.0)


def hit_at_k(hits: ArrayLike, k: int) -> np.ndarray:
    """Hit rate at ``k``, per query: 1 if any of the top ``k`` is relevant, else 0.

    Parameters
    ----------
    hits : array_like, shape (n_queries, n_ranked)
        Relevance in ranked order; values ``> 0`` are hits.
    k : int
        Cut-off.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_queries,)`` of 0.0 / 1.0.
    """
    k = _check_k(k)
    return _hits_2d(hits)[:, :k].any(axis=1).astype(np.float64)


def _item_ids(recommended_item_ids: ArrayLike, n_items: int) -> np.ndarray:
    if n_items < 1:
        raise ValueError(f"n_items must be positive, got {n_items}")
    ids = np.asarray(recommended_item_ids).ravel()
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"item ids must be integers, got dtype {ids.dtype}")
    ids = ids[ids >= 0].astype(np.intp)
    if ids.size and ids.max() >= n_items:
        raise ValueError(f"item id {ids.max()} is out of range for n_items={n_items}")
    return ids


def exposure_counts(recommended_item_ids: ArrayLike, n_items: int) -> np.ndarray:
    """How often each item appears in the recommended lists.

    Parameters
    ----------
    recommended_item_ids : array_like of int
        Item ids of all top-k lists, any shape (typically ``(n_queries, k)``);
        negative ids are padding and ignored.
    n_items : int
        Catalogue size; ids must lie in ``[0, n_items)``.

    Returns
    -------
    numpy.ndarray
        Integer counts of shape ``(n_items,)``, zeros for items never shown;
        ready for :func:`gini`.
    """
    return np.bincount(_item_ids(recommended_item_ids, n_items), minlength=n_items)


def catalogue_coverage(recommended_item_ids: ArrayLike, n_items: int) -> float:
    """Share of the catalogue that appears in at least one top-k list.

    ``coverage = |unique ids shown| / n_items``.

    Parameters
    ----------
    recommended_item_ids : array_like of int
        Item ids of all top-k lists, any shape; negative ids are padding.
    n_items : int
        Catalogue size (the items eligible for recommendation).

    Returns
    -------
    float
        In [0, 1].
    """
    ids = _item_ids(recommended_item_ids, n_items)
    return float(np.unique(ids).size / n_items)


def gini(exposure_counts: ArrayLike) -> float:
    r"""Gini coefficient of exposure over items (0 = perfectly equal).

    With counts sorted ascending :math:`x_{(1)} \le \dots \le x_{(n)}`:

    .. math::

        G = \frac{2 \sum_{i=1}^{n} i\, x_{(i)}}{n \sum_i x_i} - \frac{n + 1}{n}

    Equal counts give 0; one item taking all exposure gives ``(n - 1) / n``.
    Pass the full count vector (see :func:`exposure_counts`) so that items never
    shown count as zeros.

    Parameters
    ----------
    exposure_counts : array_like, shape (n_items,)
        Non-negative exposure of each item.

    Returns
    -------
    float
        In [0, (n - 1) / n]; 0 for an empty vector or all-zero counts.
    """
    x = np.asarray(exposure_counts, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"exposure_counts must be 1-D, got shape {x.shape}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("exposure_counts must be finite and non-negative")
    n = x.size
    total = x.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * (ranks @ np.sort(x)) / (n * total) - (n + 1) / n)
