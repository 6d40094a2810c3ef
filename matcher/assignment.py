"""Placing seekers into limited slots: the placement with the largest total match score.

Each seeker takes at most one slot; each opening at most its positions left.
A pair may be placed only where its score is finite and positive (the caller
marks ineligible, closed and excluded pairs with NaN). Pins are placed first.
The optimum comes from ``scipy.optimize.linear_sum_assignment`` on the slot
matrix: one column per remaining position of each opening, plus one "unplaced"
column per seeker worth 0, so leaving a seeker out is always allowed and never
rewarded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

# Far below any real score; a pair at this value is never chosen over the unplaced column.
FORBIDDEN = -1e12


class AssignmentError(ValueError):
    """A request that cannot be honoured as given (e.g. a pin breaking a rule)."""


@dataclass(frozen=True)
class Placement:
    """Row indices of the placed pairs (into the caller's seeker and opening lists) and their scores."""

    seekers: np.ndarray
    openings: np.ndarray
    scores: np.ndarray
    pinned: np.ndarray

    @property
    def total(self) -> float:
        return float(self.scores.sum())


def _check_pins(score: np.ndarray, capacity: np.ndarray, pins: np.ndarray) -> None:
    if len(pins) == 0:
        return
    s, o = pins[:, 0], pins[:, 1]
    if len(np.unique(s)) < len(s):
        raise AssignmentError("a seeker is pinned to more than one opening")
    if not np.all(np.isfinite(score[s, o])):
        raise AssignmentError("a pinned pair breaks an eligibility rule, is excluded, or the opening is closed")
    over = np.bincount(o, minlength=len(capacity)) > capacity
    if over.any():
        raise AssignmentError("more pins than positions left on an opening")


def _usable(score: np.ndarray) -> np.ndarray:
    return np.isfinite(score) & (score > 0)


def optimal(score: np.ndarray, capacity: np.ndarray, pins: np.ndarray | None = None) -> Placement:
    """The placement that maximises the total score.

    Parameters
    ----------
    score : (seekers, openings) match scores; NaN or -inf where the pair may not be placed.
    capacity : positions left per opening.
    pins : (n, 2) array of (seeker row, opening row) pairs that must be placed.
    """
    score = np.asarray(score, dtype=float)
    capacity = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    pins = np.zeros((0, 2), dtype=np.int64) if pins is None or len(pins) == 0 else np.asarray(pins, dtype=np.int64)
    _check_pins(score, capacity, pins)
    n_seekers = score.shape[0]
    free = np.setdiff1d(np.arange(n_seekers), pins[:, 0])
    left = capacity - np.bincount(pins[:, 1], minlength=len(capacity))
    # A column per position, but never more columns for one opening than there are free seekers.
    slots = np.repeat(np.arange(len(left)), np.minimum(left, len(free)))
    value = np.where(_usable(score[np.ix_(free, slots)]), score[np.ix_(free, slots)], FORBIDDEN)
    matrix = np.hstack([value, np.full((len(free), len(free)), FORBIDDEN)])
    matrix[np.arange(len(free)), len(slots) + np.arange(len(free))] = 0.0  # each seeker's own "unplaced" column
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    placed = (cols < len(slots)) & (matrix[rows, cols] > FORBIDDEN)
    seekers = np.concatenate([pins[:, 0], free[rows[placed]]])
    openings = np.concatenate([pins[:, 1], slots[cols[placed]]])
    pinned = np.concatenate([np.ones(len(pins), dtype=bool), np.zeros(int(placed.sum()), dtype=bool)])
    return Placement(seekers, openings, score[seekers, openings], pinned)


def greedy(score: np.ndarray, capacity: np.ndarray, pins: np.ndarray | None = None) -> Placement:
    """The one-by-one reference: repeatedly place the best-scoring pair still possible."""
    score = np.asarray(score, dtype=float)
    capacity = np.maximum(np.asarray(capacity, dtype=np.int64), 0).copy()
    pins = np.zeros((0, 2), dtype=np.int64) if pins is None or len(pins) == 0 else np.asarray(pins, dtype=np.int64)
    _check_pins(score, capacity, pins)
    taken = np.zeros(score.shape[0], dtype=bool)
    taken[pins[:, 0]] = True
    np.subtract.at(capacity, pins[:, 1], 1)
    s_idx, o_idx = np.nonzero(_usable(score))
    order = np.lexsort((o_idx, s_idx, -score[s_idx, o_idx]))
    chosen_s, chosen_o = list(pins[:, 0]), list(pins[:, 1])
    for s, o in zip(s_idx[order], o_idx[order], strict=True):
        if not taken[s] and capacity[o] > 0:
            taken[s] = True
            capacity[o] -= 1
            chosen_s.append(s)
            chosen_o.append(o)
    seekers, openings = np.asarray(chosen_s, dtype=np.int64), np.asarray(chosen_o, dtype=np.int64)
    pinned = np.arange(len(seekers)) < len(pins)
    return Placement(seekers, openings, score[seekers, openings], pinned)


def unplaced_reasons(score: np.ndarray, placed_seekers: np.ndarray) -> dict[int, str]:
    """Why each seeker row without a placement was left out, in Korean."""
    placed = np.zeros(score.shape[0], dtype=bool)
    placed[placed_seekers] = True
    usable = np.asarray(_usable(np.asarray(score, dtype=float)).any(axis=1))
    finite = np.asarray(np.isfinite(np.asarray(score, dtype=float)).any(axis=1))
    out = {}
    for row in np.flatnonzero(~placed):
        if not finite[row]:
            out[int(row)] = "자격 요건에 맞고 자리가 남은 공고가 없음 (또는 모두 제외됨)"
        elif not usable[row]:
            out[int(row)] = "자격은 되지만 적합도 점수가 낮아 배정하지 않음"
        else:
            out[int(row)] = "맞는 자리가 모두 총점이 더 높은 다른 구직자에게 배정됨"
    return out
