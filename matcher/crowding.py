"""Congestion: a day's lists share the openings, so no few openings fill them all.

An opening has a few positions and an employer reads only so many applications. Lists ranked one
seeker at a time by that seeker's own chance of acting send everyone to the same attractive
openings; most applicants are then turned down while openings that would have hired them go
unseen (Su, Bayoumi and Joachims, *Optimizing Rankings for Recommendation in Matching Markets*,
2022; LinkedIn's application redistribution works the same way). So a day's lists share them:

- per position left, the ``E``-th list to hold an opening with ``p`` positions left costs about
  ``log(1 + APPLY_RATE · E / p)`` on the log scale of the score, the odds that a position is still
  there when its applicant comes (a staircase with steps at E/p = 2, 4, 8, …; :func:`congestion`);
- no opening is in more than :data:`MAX_SHARE` of a day's lists, nor blocked below
  :data:`SHARE_FREE_LISTS` lists (:func:`share_cap`). A seeker whose fitting openings are all that
  full gets a shorter list rather than one padded with openings that miss what they said
  (:mod:`matcher.lists`).

A batch of lists (``jobmatch recommend --seekers all``, one day's lists) is chosen jointly:
:func:`joint_lists` maximises the summed log scores less these costs, a min-cost flow from seekers
to openings solved as a linear program (its constraint matrix is a network matrix, so the optimum
is whole lists). A list served alone (the service) pays the same costs for the lists of the day
already shown, which :class:`Exposure` counts.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import scipy.optimize
import scipy.sparse as sp

APPLY_RATE = 0.25  # share of a list's openings a seeker goes on to apply to (about 2 of 10)
MAX_SHARE = 0.2  # no opening in more than a fifth of a day's lists, unless fit demands it
FILL = 100.0  # what listing a pair is worth beyond its log score: more than any cost, so lists fill
SHARE_FREE_LISTS = 10  # an opening may be in this many lists of a day whatever their number
STEPS = 2.0 ** np.arange(1, 13)  # lists per position left where the per-position cost steps up
POOL = 50  # candidates per seeker, best by score, that the joint lists choose from


def _position_steps(positions_left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item, the exposures where the per-position cost steps up (whole lists) and the cost after each."""
    positions = np.maximum(np.asarray(positions_left, dtype=float), 1.0)
    at = np.ceil(positions[:, None] * STEPS[None, :])
    return at, np.log1p(APPLY_RATE * STEPS)[None, :].repeat(len(positions), axis=0)


def share_cap(n_lists: float) -> float:
    """How many of a day's ``n_lists`` lists one opening may be in."""
    return float(max(np.floor(MAX_SHARE * n_lists), SHARE_FREE_LISTS))


def congestion(exposure: np.ndarray, positions_left: np.ndarray) -> np.ndarray:
    """Log factor (≤ 0) on the score of showing each opening in one more list of a day in which
    ``exposure`` other lists already hold it: the per-position cost of the module docstring."""
    exposure = np.asarray(exposure, dtype=float)
    out = np.zeros(len(exposure))
    # Positions count as at least one, so no cost starts below STEPS[0] lists: most openings of a day are in
    # fewer, and only the others are looked at (a cold list's day holds 10,000 openings).
    some = np.flatnonzero(exposure >= STEPS[0])
    if len(some):
        at, cost = _position_steps(np.broadcast_to(positions_left, exposure.shape)[some])
        reached = exposure[some, None] >= at
        out[some] = -np.where(reached.any(axis=1), cost[np.arange(len(at)), reached.sum(axis=1) - 1], 0.0)
    return out


def full(exposure: np.ndarray, n_lists: float) -> np.ndarray:
    """Openings already in as many of the day's ``n_lists`` lists as :func:`share_cap` allows."""
    return np.asarray(exposure, dtype=float) >= share_cap(n_lists)


def joint_lists(
    query: np.ndarray,
    item: np.ndarray,
    log_score: np.ndarray,
    positions_left: np.ndarray,
    k: int,
    miss: np.ndarray | None = None,
    head: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The day's lists chosen together: which candidate pairs are listed, and each pair's congestion.

    Pairs are (``query[i]``, ``item[i]``) with the log of their score (fit included); items are
    numbered ``0 .. len(positions_left) - 1``. Each query lists up to ``k`` items, at most
    ``head`` of them pairs flagged in ``miss``, as many as the items' share caps allow
    (:func:`share_cap`), every list its first ``head`` entries before any its later ones; among
    such lists, they maximise the summed log scores less the per-position
    costs (:func:`congestion`). This is a min-cost flow (query → item arcs of capacity 1, item →
    sink arcs one per cost step, capped in all at the share cap) solved as a linear program, whose
    optimum is whole lists. Returns the listed mask and each pair's log congestion (≤ 0): the cost
    of the step its item's last list used.
    """
    n = len(query)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    miss = np.zeros(n, dtype=bool) if miss is None else np.asarray(miss, dtype=bool)
    queries, q = np.unique(query, return_inverse=True)
    items, i = np.unique(item, return_inverse=True)
    ends, prices = _segments(np.asarray(positions_left, dtype=float)[items], share_cap(len(queries)))
    n_seg = ends.shape[1]
    widths = np.diff(np.concatenate([np.zeros((len(items), 1)), ends], axis=1), axis=1).ravel()
    seg_item = np.repeat(np.arange(len(items)), n_seg)
    pairs, segments, nq, ni = np.arange(n), np.arange(len(seg_item)), len(queries), len(items)
    head = min(k, head)
    # Variables: the pairs; each query's first ``head`` entries and the rest; each item's cost segments.
    # Each listed entry earns more than any cost, the first ``head`` of a list most: lists are as long as
    # the caps let them be, and every list gets its first entries before any gets its last ones.
    cost = np.concatenate(
        [-np.asarray(log_score, dtype=float), np.full(nq, -2 * FILL), np.full(nq, -FILL), prices.ravel()]
    )
    bounds = np.concatenate([np.ones(n), np.full(nq, head), np.full(nq, k - head), widths])
    eye = sp.identity(nq, format="csr")
    balance = sp.vstack([
        sp.hstack([sp.csr_matrix((np.ones(n), (q, pairs)), shape=(nq, n)), -eye, -eye,
                   sp.csr_matrix((nq, len(seg_item)))]),
        sp.hstack([sp.csr_matrix((np.ones(n), (i, pairs)), shape=(ni, n)), sp.csr_matrix((ni, 2 * nq)),
                   sp.csr_matrix((-np.ones(len(seg_item)), (seg_item, segments)), shape=(ni, len(seg_item)))]),
    ])  # fmt: skip
    misses = sp.csr_matrix((np.ones(miss.sum()), (q[miss], pairs[miss])), shape=(nq, len(cost)))
    result = scipy.optimize.linprog(
        cost,
        A_ub=misses.tocsc(),
        b_ub=np.full(nq, head),
        A_eq=balance.tocsc(),
        b_eq=np.zeros(nq + ni),
        bounds=np.column_stack([np.zeros(len(cost)), bounds]),
        method="highs-ds",
    )
    if result.status != 0:
        raise RuntimeError(f"joint lists: the flow problem failed ({result.message})")
    chosen = result.x[:n] > 0.5
    last = np.maximum(np.bincount(i[chosen], minlength=ni) - 1, 0)  # the last list each item took
    segment = np.minimum((last[:, None] >= ends).sum(axis=1), n_seg - 1)
    return chosen, -prices[np.arange(ni), segment][i]


def _segments(positions_left: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray]:
    """Per item, the upper ends of its cost segments (in lists, the last at the share cap) and their prices."""
    steps, step_costs = _position_steps(positions_left)
    ends = np.sort(np.concatenate([np.minimum(steps, cap), np.full((len(steps), 1), cap)], axis=1), axis=1)
    starts = np.concatenate([np.zeros((len(ends), 1)), ends[:, :-1]], axis=1)
    reached = (starts[:, :, None] >= steps[:, None, :]).sum(axis=2)
    prices = np.where(reached > 0, np.take_along_axis(step_costs, np.maximum(reached - 1, 0), axis=1), 0.0)
    return ends, prices


def top_k(query: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """Whether each pair is among the ``k`` best values of its query (ties: the earlier pair)."""
    order = np.lexsort((-value, query))
    within = np.arange(len(order)) - np.searchsorted(query[order], query[order], side="left")
    out = np.zeros(len(query), dtype=bool)
    out[order[within < k]] = True
    return out


class Exposure:
    """The lists a service showed each day: for each day, each seeker's latest list. Thread-safe.

    A seeker's new list of the same day replaces their old one, so reading a list again counts once,
    and a list never counts against its own seeker. Days before ``as_of`` are forgotten as lists of
    a later day arrive. The counts per opening are kept as lists come and go, so asking for them costs
    the same however many lists the day holds.
    """

    def __init__(self) -> None:
        self._day: pd.Timestamp | None = None
        self._lists: dict[str, tuple[str, ...]] = {}
        self._held: dict[str, int] = {}  # opening id → lists of the day holding it
        self._aligned: tuple[pd.Index, np.ndarray] | None = None  # _held along the last index asked for
        self._lock = threading.Lock()

    @property
    def day(self) -> pd.Timestamp | None:
        """The day whose lists are kept (the latest seen)."""
        return self._day

    def show(self, seeker_id: str, opening_ids: list[str] | tuple[str, ...], day: pd.Timestamp) -> None:
        """Record the list shown to ``seeker_id`` on ``day`` (replacing their earlier one of that day)."""
        day = pd.Timestamp(day).normalize()
        shown = tuple(opening_ids)
        with self._lock:
            if self._day is None or day > self._day:
                self._day, self._lists, self._held, self._aligned = day, {}, {}, None
            if day != self._day:
                return
            before = self._lists.get(seeker_id)
            self._lists[seeker_id] = shown
            if before != shown:
                self._move(before or (), -1)
                self._move(shown, 1)

    def _move(self, opening_ids: tuple[str, ...], step: int) -> None:
        for opening_id in opening_ids:
            held = self._held.get(opening_id, 0) + step
            if held:
                self._held[opening_id] = held
            else:
                del self._held[opening_id]
        if self._aligned is not None and opening_ids:
            rows = self._aligned[0].get_indexer(list(opening_ids))
            np.add.at(self._aligned[1], rows[rows >= 0], step)

    def counts(self, opening_ids: pd.Index, day: pd.Timestamp, seeker_id: str | None = None) -> tuple[np.ndarray, int]:
        """How many lists of ``day`` (other than ``seeker_id``'s) hold each opening, and how many lists there are."""
        day = pd.Timestamp(day).normalize()
        with self._lock:
            if day != self._day or not self._lists:
                return np.zeros(len(opening_ids)), 0
            if self._aligned is None or self._aligned[0] is not opening_ids:
                held = np.zeros(len(opening_ids))
                rows = opening_ids.get_indexer(list(self._held))
                found = rows >= 0
                held[rows[found]] = np.fromiter(self._held.values(), dtype=float, count=len(rows))[found]
                self._aligned = (opening_ids, held)
            out = self._aligned[1].copy()
            own = self._lists.get(seeker_id) if seeker_id is not None else None
            n_lists = len(self._lists)
        if own is not None:
            rows = opening_ids.get_indexer(list(own))
            np.add.at(out, rows[rows >= 0], -1.0)
            n_lists -= 1
        return out, n_lists
