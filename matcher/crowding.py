"""Crowding: keep a few popular openings from filling everyone's list (``spread=true`` on match lists).

A list ranked by fit alone shows the same handful of attractive openings to
most seekers, though each can hire only its positions left. Spreading lowers an
opening's score by how much it has already been shown: its exposure (how many
match lists held it in the last ``WINDOW_DAYS`` days) per position still open,

    spread score = score × (1 + exposure / positions left) ^ (−strength)

so an opening already shown to 40 seekers for one position sinks, the same
exposure over 20 positions barely moves it, and an opening nobody has seen yet
keeps its score. The power keeps the penalty gentle: one more showing matters
when there were two, hardly when there were fifty. Scores are expected grades
(positive), so the penalty is a share of the score whatever the score's scale;
spread scores stay positive, as slot assignment needs. Exposure is counted by
the process that serves the lists (:class:`Exposure`).

(A first version penalised recent applications instead; on the sample world
it moved lists onto the newest openings and raised concentration, so exposure
in our own lists is what is counted.)
"""

from __future__ import annotations

import threading
from collections import Counter

import numpy as np
import pandas as pd

from matcher.matching import Match

WINDOW_DAYS = 14
STRENGTH = 0.2  # benchmarks/bench_spread.py: lowers Gini for 1 % of NDCG; stronger settings cost NDCG, not Gini
POOL_FACTOR = 5  # rank this many times k by fit, then spread and keep k


class Exposure:
    """How often each opening was shown in match lists, per day, over a sliding window. Thread-safe.

    Counts are kept per day and opening, so memory is bounded by the openings shown in the
    window, however many lists are served.
    """

    def __init__(self, window_days: int = WINDOW_DAYS) -> None:
        self.window = pd.Timedelta(days=window_days)
        self._shown: dict[pd.Timestamp, Counter[str]] = {}
        self._lock = threading.Lock()

    def add(self, opening_ids: list[str] | np.ndarray, day: pd.Timestamp) -> None:
        day = pd.Timestamp(day).normalize()
        with self._lock:
            self._shown.setdefault(day, Counter()).update(opening_ids)
            newest = max(self._shown)
            for old in [d for d in self._shown if d < newest - self.window]:
                del self._shown[old]

    def counts(self, opening_ids: pd.Index, as_of: pd.Timestamp) -> np.ndarray:
        """Showings of each opening in the window before ``as_of`` (the as-of day included)."""
        day = pd.Timestamp(as_of).normalize()
        out = np.zeros(len(opening_ids))
        with self._lock:
            shown = [(list(c), np.fromiter(c.values(), float, len(c))) for d, c in self._shown.items()
                     if day - self.window < d <= day]  # fmt: skip
        for ids, times in shown:
            rows = opening_ids.get_indexer(ids)
            np.add.at(out, rows[rows >= 0], times[rows >= 0])
        return out


def spread_scores(scores: np.ndarray, exposure: np.ndarray, positions_left: np.ndarray, strength: float = STRENGTH):
    """Scores lowered by exposure per position left (vectorised; shapes broadcast)."""
    crowd = np.asarray(exposure, dtype=float) / np.maximum(np.asarray(positions_left, dtype=float), 1.0)
    return np.asarray(scores, dtype=float) * np.power(1.0 + crowd, -strength)


def spread_matches(
    found: list[Match], exposure: np.ndarray, positions_left: np.ndarray, k: int, strength: float = STRENGTH
) -> list[Match]:
    """Re-rank one seeker's matches (ranked by fit, ideally ``POOL_FACTOR × k``; ``exposure`` and
    ``positions_left`` aligned with them) and keep ``k``, ranks renumbered."""
    if not found:
        return []
    adjusted = spread_scores(np.array([m.score for m in found]), exposure, positions_left, strength)
    order = np.argsort(-adjusted, kind="stable")[:k]
    return [
        Match(rank, found[i].seeker_id, found[i].opening_id, round(float(adjusted[i]), 6), found[i].reasons)
        for rank, i in enumerate(order, start=1)
    ]
