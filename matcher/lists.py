"""From scored pairs to lists: what a list may hold, and a day's lists chosen together.

A seeker's list holds up to ``k`` openings. Pairs that miss a stated preference
(:func:`matcher.fit.misses`) appear only among its first :data:`matcher.fit.SHORT_LIST` entries:
past those, the list holds only openings that respect what the seeker said, and is shorter rather
than padded. The lists of one day are chosen together (:func:`joint`) so that they share the
openings (:mod:`matcher.crowding`). Candidate lists of an opening are its ``k`` best seekers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher import crowding
from matcher.fit import SHORT_LIST


@dataclass(frozen=True)
class Scored:
    """Scored pairs: seeker and opening table rows, pair features (FEATURES order), scores and misses."""

    s: np.ndarray
    o: np.ndarray
    x: np.ndarray
    score: np.ndarray
    miss: np.ndarray  # the pair misses a stated preference (matcher.fit.misses)

    def take(self, rows: np.ndarray) -> Scored:
        return Scored(self.s[rows], self.o[rows], self.x[rows], self.score[rows], self.miss[rows])

    def with_score(self, score: np.ndarray) -> Scored:
        return Scored(self.s, self.o, self.x, score, self.miss)

    def query(self, side: str) -> np.ndarray:
        """Each pair's query: its seeker on the seeker side, its opening on the other."""
        return self.s if side == "seeker" else self.o

    @staticmethod
    def concat(parts: list[Scored], n_features: int) -> Scored:
        if not parts:
            empty = np.zeros(0, np.intp)
            return Scored(empty, empty, np.zeros((0, n_features), np.float32), np.zeros(0), np.zeros(0, bool))
        fields = ("s", "o", "x", "score", "miss")
        return Scored(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def pools(found: Scored, side: str, k: int, padded: bool = False) -> Scored:
    """What each query's list can be made of: its ``k`` best pairs, and on the seeker side (unless
    ``padded``) its ``k`` best pairs that miss nothing and :data:`SHORT_LIST` best that miss something."""
    query = found.query(side)
    if side == "seeker" and not padded:
        keep = crowding.top_k(query, np.where(found.miss, -np.inf, found.score), k) & ~found.miss
        keep |= crowding.top_k(query, np.where(found.miss, found.score, -np.inf), SHORT_LIST) & found.miss
    else:
        keep = crowding.top_k(query, found.score, k)
    return found if keep.all() else found.take(np.flatnonzero(keep))


def ranked(found: Scored, side: str, k: int, padded: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each query's list from its pairs, best score first: the pairs' positions in ``found`` (query by
    query) and their ranks (1 ..). Misses past :data:`SHORT_LIST` are left out on the seeker side unless
    ``padded``."""
    query = found.query(side)
    order = np.lexsort((-found.score, query))
    if side == "seeker" and not padded:
        order = order[(_within(query[order]) < SHORT_LIST) | ~found.miss[order]]
    within = _within(query[order])
    return order[within < k], within[within < k] + 1


def joint(found: Scored, positions_left: np.ndarray, k: int, padded: bool = False) -> Scored:
    """The seekers' lists of one day chosen together (:func:`matcher.crowding.joint_lists`): the listed
    pairs of ``found`` (seeker side), their scores times their congestion. Unless ``padded``, misses take
    only a list's first :data:`SHORT_LIST` entries."""
    if not len(found.s):
        return found
    listed, score = joint_choice(found, positions_left, k, padded)
    return found.take(listed).with_score(score)


def joint_choice(
    found: Scored, positions_left: np.ndarray, k: int, padded: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`joint` as positions in ``found`` and their scores: what it reads of ``found`` is its seekers,
    openings, scores and misses, never the pair features (whose pairs may be kept elsewhere, matcher.batch)."""
    head = k if padded else SHORT_LIST
    listed, crowd = crowding.joint_lists(found.s, found.o, np.log(found.score), positions_left, k, found.miss, head)
    keep = np.flatnonzero(listed)
    return keep, found.score[keep] * np.exp(crowd[keep])


def _within(sorted_queries: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal values (values sorted)."""
    return np.arange(len(sorted_queries)) - np.searchsorted(sorted_queries, sorted_queries, side="left")
