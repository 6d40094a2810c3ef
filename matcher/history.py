"""What history says about a pair: collaborative similarity and time-aware counts.

Openings live three to eight weeks, so most openings at ranking time have no
history of their own. History is therefore carried over through keys that
outlive an opening — its employer and its occupation — as well as through the
opening id itself and through content: the openings a seeker engaged with form
a content profile, and the seekers an employer interviewed or hired form one
too. Collaborative scores in each key space come from EASE (Steck 2019) when
the space is small enough for a dense solve, else from item-kNN cosine.

Counts (applications and hires of an opening, activity of a seeker) are taken
strictly before each pair's own time, so training features only use what was
known at that moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from matcher.domain import EVENT_GRADE
from matcher.encoded import Encoded
from matcher.pair_views import BlockView, PairView, finite_float32
from matcher.sparse_rows import take_rows

HISTORY_FEATURES: tuple[str, ...] = (
    "cf_opening",
    "cf_employer",
    "cf_occupation",
    "history_profile_cos",
    "employer_profile_cos",
    "seeker_history_size",
    "opening_applications",
    "opening_hires",
    "positions_left",
    "employer_applications",
    "seeker_applications",
    "days_since_posted",
    "days_to_deadline",
    "pair_viewed_before",
    "pair_applied_before",
    "seeker_days_since_active",
    "seeker_events_30d",
    "seeker_hires",
    "seeker_success_rate",
    "employer_hire_rate",
    "text_cooccurrence",
)
# Smoothing of success rates: a prior of PRIOR_RATE over PRIOR_WEIGHT applications.
PRIOR_RATE, PRIOR_WEIGHT = 0.3, 5.0

# Employer-side interest: the employer acted on the seeker (interview, hire).
EMPLOYER_GRADE: dict[str, int] = {"applied": 1, "interviewed": 3, "hired": 4, "retained": 4}
NEGATIVE_EVENTS = ("rejected", "declined")
EASE_MAX_ITEMS = 6000


def pair_grades(events: pd.DataFrame, side: str = "seeker") -> pd.DataFrame:
    """One row per (seeker, opening) with its graded outcome and first event time.

    The grade is the best event of the pair (hired/retained 4, interviewed 3,
    applied 2, viewed 1 on the seeker side; viewed counts 0 on the opening side);
    a pair that ended rejected or declined is a negative (grade 0).
    """
    grades = EVENT_GRADE if side == "seeker" else {**dict.fromkeys(EVENT_GRADE, 0), **EMPLOYER_GRADE}
    frame = events.assign(grade=events["event"].map(grades).fillna(0).astype(int))
    frame["negative"] = events["event"].isin(NEGATIVE_EVENTS)
    out = frame.groupby(["seeker_id", "opening_id"], sort=True).agg(
        grade=("grade", "max"), negative=("negative", "any"), first_at=("occurred_at", "min")
    )
    out.loc[out["negative"], "grade"] = 0
    return out.drop(columns="negative").reset_index()


def ease_weights(x: sp.csr_matrix, l2: float, repeat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """EASE item-item weights (Steck 2019) among the items with any interaction.

    ``B = -P / diag(P)`` with ``P = (XᵀX + λI)⁻¹`` and ``diag(B) = 0``. An item with
    an empty column has an empty row and column in ``B``, so the solve runs on the
    ``warm`` items only, exactly. Returns ``(B_warm, warm)``: float64, in place
    (8·n_warm² bytes; 0.8 GB at 10,000 warm items), O(n_warm³) time.

    ``repeat=True`` drops the zero-diagonal constraint: the plain ridge solution
    ``B = (XᵀX + λI)⁻¹XᵀX = I - λP``, for items taken again and again (an employer,
    an occupation), where having taken an item is the best sign of taking it again.
    """
    if l2 <= 0:
        raise ValueError(f"l2 must be positive, got {l2}")
    warm = np.flatnonzero(np.diff(x.tocsc().indptr) > 0)
    x_warm = x[:, warm]
    weights = (x_warm.T @ x_warm).toarray(order="F").astype(np.float64)  # Fortran order: LAPACK works in place
    weights[np.diag_indices_from(weights)] += l2
    if warm.size:
        weights = scipy.linalg.inv(weights, overwrite_a=True, check_finite=False).T  # P is symmetric
        if repeat:
            weights *= -l2
            weights[np.diag_indices_from(weights)] += 1.0
        else:
            weights /= -np.diag(weights)  # column j divided by -P_jj
            weights[np.diag_indices_from(weights)] = 0.0
    return weights, warm


def item_neighbours(x: sp.spmatrix, k: int = 100, shrink: float = 0.0) -> sp.csr_matrix:
    r"""Item-kNN: cosine similarity of the columns of ``x``, keeping each item's ``k`` most similar others.

    .. math::

        s_{ij} = \frac{x_i \cdot x_j}{\lVert x_i \rVert \lVert x_j \rVert + \mathrm{shrink}},
        \qquad \mathrm{score}(q, j) = \sum_{i \in N_k(j)} X_{qi}\, s_{ij}

    Row ``j`` of the result holds ``N_k(j)`` (positive similarities only, ``s_jj = 0``), so the scores are
    ``X @ S.T`` (:func:`knn_weights`). ``shrink`` damps the similarities of rare items. Ties at the ``k``-th
    neighbour go to the earlier item. Sparse throughout, in ``x``'s precision.
    """
    if k < 1 or shrink < 0:
        raise ValueError(f"need k >= 1 and shrink >= 0, got k={k}, shrink={shrink}")
    gram = (x.T @ x).tocoo()
    col_norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    off_diagonal = gram.row != gram.col
    rows, cols, dots = gram.row[off_diagonal], gram.col[off_diagonal], gram.data[off_diagonal]
    sims = dots / (col_norm[rows] * col_norm[cols] + shrink)
    return _top_k_per_row(rows, cols, sims, x.shape[1], k)


def _top_k_per_row(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int, k: int) -> sp.csr_matrix:
    """An ``(n, n)`` CSR matrix keeping, in each row, the ``k`` largest positive values."""
    positive = values > 0
    rows, cols, values = rows[positive], cols[positive], values[positive]
    order = np.lexsort((-values, rows))  # by row, then by value descending
    rows, cols, values = rows[order], cols[order], values[order]
    starts = np.searchsorted(rows, np.arange(n))
    rank = np.arange(rows.size) - starts[rows]
    top = rank < k
    return sp.csr_matrix((values[top], (rows[top], cols[top])), shape=(n, n))


def knn_weights(x: sp.csr_matrix, k: int = 100, repeat: bool = False) -> sp.csr_matrix:
    """Item-kNN weights ``W`` (float32) for scores ``X @ W``: :func:`item_neighbours` transposed; an item is its
    own neighbour (weight 1) only with ``repeat`` (see :func:`ease_weights`)."""
    weights = item_neighbours(x, k).T.astype(np.float32)
    if repeat:
        weights = weights + sp.diags((np.diff(x.tocsc().indptr) > 0).astype(np.float32))
    return weights.tocsr()


@dataclass
class _KeySpace:
    """Seeker × key interest and item-item weights in one key space."""

    interest: sp.csr_matrix  # history seekers × keys (one extra empty row at the end)
    weights: np.ndarray | sp.csr_matrix  # keys × keys (one extra empty key at the end)

    def scores(self, seeker_rows: np.ndarray, key_rows: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """interest[s] · weights[:, key] for every pair, computed per distinct seeker."""
        out = np.zeros(len(seeker_rows), dtype=np.float32)
        unique, inverse = np.unique(seeker_rows, return_inverse=True)
        for start in range(0, len(unique), chunk):
            block = unique[start : start + chunk]
            dense = take_rows(self.interest, block) @ self.weights
            dense = dense.toarray() if sp.issparse(dense) else np.asarray(dense)
            mask = (inverse >= start) & (inverse < start + len(block))
            out[mask] = dense[inverse[mask] - start, key_rows[mask]]
        return out

    def block_scores(self, seeker_rows: np.ndarray, key_rows: np.ndarray) -> np.ndarray:
        """interest[s] · weights[:, key] for every seeker row against every key (a dense block)."""
        interest = take_rows(self.interest, seeker_rows)
        if len(seeker_rows) <= len(key_rows):
            dense = interest @ self.weights
            dense = dense.toarray() if sp.issparse(dense) else np.asarray(dense)
            return dense[:, key_rows].astype(np.float32, copy=False)
        dense = interest @ self.weights[:, key_rows]
        return (dense.toarray() if sp.issparse(dense) else np.asarray(dense)).astype(np.float32, copy=False)


def _cooccurrence(x: sp.csr_matrix, seeker_latent: np.ndarray, opening_latent: np.ndarray) -> np.ndarray:
    """Which seeker text goes with which opening text in the history, beyond chance.

    ``M = Sᵀ X O / |X| - (Sᵀ X 1)(1ᵀ X O) / |X|²`` over the latent text of seekers
    (S) and openings (O): the lift of engaging pairs over independence. A new
    seeker and a new opening meet through it: score = s M oᵀ. So a trait written
    only in self-introductions ('오전만 가능') can meet the openings such seekers
    took, though no column says so.
    """
    total = x.sum()
    if total == 0 or (seeker_latent.shape[1] != opening_latent.shape[1] and 0):
        return np.zeros((seeker_latent.shape[1], opening_latent.shape[1]), dtype=np.float32)
    joint = seeker_latent.T @ (x @ opening_latent)
    seeker_mass = seeker_latent.T @ np.asarray(x.sum(axis=1)).ravel()
    opening_mass = opening_latent.T @ np.asarray(x.sum(axis=0)).ravel()
    return ((joint - np.outer(seeker_mass, opening_mass) / total) / total).astype(np.float32)


def _with_empty_dense_row(m: np.ndarray) -> np.ndarray:
    return np.vstack([np.asarray(m, dtype=np.float32), np.zeros((1, m.shape[1]), dtype=np.float32)])


def _with_empty_row(m: sp.csr_matrix) -> sp.csr_matrix:
    return sp.vstack([m, sp.csr_matrix((1, m.shape[1]), dtype=m.dtype)]).tocsr()


def _key_space(interest: sp.csr_matrix, l2: float, repeat: bool = False) -> _KeySpace:
    n = interest.shape[1]
    interest = sp.hstack([interest, sp.csr_matrix((interest.shape[0], 1))]).tocsr()
    if n + 1 <= EASE_MAX_ITEMS:
        warm_weights, warm = ease_weights(interest, l2, repeat)
        weights = np.zeros((n + 1, n + 1), dtype=np.float32)
        weights[np.ix_(warm, warm)] = warm_weights
    else:
        weights = knn_weights(interest, repeat=repeat)
    return _KeySpace(_with_empty_row(interest.astype(np.float32)), weights)


class _Counter:
    """Counts of events per key strictly before a time, by binary search.

    A (key, time) pair is packed into one int64 — the key in the high bits, the
    seconds since 1970 in the low 32 — so one exact search finds the position of
    a time within its key's run. Keys must be below 2**31.
    """

    def __init__(self, keys: np.ndarray, times: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        known = keys >= 0
        self.packed = np.sort(_pack(keys[known], np.asarray(times)[known]))

    def _positions(self, keys: np.ndarray, times: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        keys = np.asarray(keys, dtype=np.int64)
        first = np.searchsorted(self.packed, _pack(np.maximum(keys, 0), np.zeros(len(keys))), side="left")
        at = np.searchsorted(self.packed, _pack(np.maximum(keys, 0), times), side="left")
        return first, at

    def before(self, keys: np.ndarray, times: np.ndarray | float) -> np.ndarray:
        first, at = self._positions(keys, times)
        return np.where(np.asarray(keys) >= 0, at - first, 0)

    def last_before(self, keys: np.ndarray, times: np.ndarray | float) -> np.ndarray:
        """Time of each key's last event strictly before ``times`` (NaN if none)."""
        first, at = self._positions(keys, times)
        found = (np.asarray(keys) >= 0) & (at > first)
        last = self.packed[np.maximum(at - 1, 0)] & TIME_MASK if len(self.packed) else np.zeros(len(at), np.int64)
        return np.where(found, last, np.nan)


TIME_MASK = np.int64(2**32 - 1)


def _pack(keys: np.ndarray, times: np.ndarray | float) -> np.ndarray:
    seconds = np.clip(np.asarray(times, dtype=np.float64), 0, 2**32 - 1).astype(np.int64)
    return (np.asarray(keys, dtype=np.int64) << 32) | seconds


def _rate(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Success rate shrunk towards a prior, so two applications say little."""
    return (successes + PRIOR_RATE * PRIOR_WEIGHT) / (trials + PRIOR_WEIGHT)


def _seconds(values: pd.Series | np.ndarray) -> np.ndarray:
    """Seconds since the epoch, whatever the datetime resolution."""
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[s]").astype(np.int64)


class History:
    """Collaborative signals fitted on the events before a cutoff.

    Parameters
    ----------
    l2 : EASE ridge strength.
    """

    def __init__(self, l2: float = 200.0) -> None:
        self.l2 = l2

    def fit(
        self,
        events: pd.DataFrame,
        seekers: pd.DataFrame,
        openings: pd.DataFrame,
        seeker_codes: Encoded,
        opening_codes: Encoded,
        count_events: pd.DataFrame | None = None,
    ) -> History:
        """Fit on ``events`` (all before the cutoff); tables give ids, employers and content.

        ``count_events`` (default: ``events``) feed the time-aware counts; they may run
        past the cutoff because every count only looks before each pair's own time.
        """
        self.token_ = uuid.uuid4().hex  # names this fit in the row caches of encodings
        interest = pair_grades(events.assign(event=events["event"].replace({"rejected": "viewed"})))
        interest = interest[interest["grade"] > 0]
        employer_side = pair_grades(events, side="employer")
        employer_side = employer_side[employer_side["grade"] >= 3]

        self.seeker_index_ = pd.Index(seekers["seeker_id"])
        self.opening_index_ = pd.Index(openings["opening_id"])
        self.employer_index_ = pd.Index(pd.unique(openings["employer_id"]))
        s = self.seeker_index_.get_indexer(interest["seeker_id"])
        o = self.opening_index_.get_indexer(interest["opening_id"])
        shape = (len(self.seeker_index_), len(self.opening_index_))
        x = sp.csr_matrix((interest["grade"].to_numpy(np.float32), (s, o)), shape=shape)
        opening_employer = self.employer_index_.get_indexer(openings["employer_id"])
        self._opening_employers = opening_employer
        to_employer = sp.csr_matrix(
            (np.ones(len(openings), np.float32), (np.arange(len(openings)), opening_employer)),
            shape=(len(openings), len(self.employer_index_)),
        )
        self.opening_space_ = _key_space(x, self.l2)
        # A seeker applies to one opening once, but to an employer or an occupation again and again.
        self.employer_space_ = _key_space((x @ to_employer).tocsr(), self.l2, repeat=True)
        self.occupation_space_ = _key_space((x @ opening_codes.occupation_codes).tocsr(), self.l2, repeat=True)
        # Content profiles live in the low-rank text space: dense and short, so a
        # pair's cosine costs a few dozen multiplications whatever the pair pattern.
        self.seeker_profile_ = _with_empty_dense_row(normalize(x @ opening_codes.latent))
        self.cooccurrence_ = _cooccurrence(x, seeker_codes.latent, opening_codes.latent)
        self.seeker_history_size_ = np.append(np.asarray((x > 0).sum(axis=1)).ravel(), 0)

        es = self.seeker_index_.get_indexer(employer_side["seeker_id"])
        eo = self.opening_index_.get_indexer(employer_side["opening_id"])
        hired = sp.csr_matrix(
            (employer_side["grade"].to_numpy(np.float32), (opening_employer[eo], es)),
            shape=(len(self.employer_index_), len(self.seeker_index_)),
        )
        self.employer_profile_ = _with_empty_dense_row(normalize(hired @ seeker_codes.latent))
        self.employer_applications_ = np.append(np.asarray(to_employer.T @ (x.T > 0).sum(axis=1)).ravel(), 0)

        counted = events if count_events is None else count_events
        # The newest event this fit has seen: a list for an earlier moment must not use it (matcher.matching).
        self.last_event_ = pd.Timestamp(pd.concat([events["occurred_at"], counted["occurred_at"]]).max())
        applied = counted[counted["event"].isin(("applied", "interviewed", "hired"))]
        applied = applied.sort_values("occurred_at").drop_duplicates(["seeker_id", "opening_id"])
        self._fit_counters(counted, applied)
        return self

    @staticmethod
    def _employer_rows(employer_of: pd.Series, opening_ids: pd.Series) -> np.ndarray:
        return employer_of.reindex(opening_ids.to_numpy()).fillna(-1).to_numpy(dtype=np.int64)

    def _raw_pair_codes(self, seeker_rows: np.ndarray, opening_rows: np.ndarray) -> np.ndarray:
        known = (seeker_rows >= 0) & (opening_rows >= 0)
        return np.where(known, seeker_rows.astype(np.int64) * len(self.opening_index_) + opening_rows, -1)

    def _pair_codes(self, seeker_rows: np.ndarray, opening_rows: np.ndarray) -> np.ndarray:
        """A small integer per (seeker, opening) pair seen in the events; -1 otherwise.

        ``pair_index_`` holds sorted distinct codes, so a binary search finds what ``get_indexer`` would.
        """
        codes = self._raw_pair_codes(seeker_rows, opening_rows)
        known = self.pair_index_.to_numpy()
        if not len(known):
            return np.full(codes.shape, -1, dtype=np.intp)
        at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
        return np.where(known[at] == codes, at, -1).astype(np.intp, copy=False)

    def _fit_counters(self, events: pd.DataFrame, applied: pd.DataFrame) -> None:
        looked = events[events["event"].isin(("viewed", "recommended"))]
        seen = self._raw_pair_codes(
            self.seeker_index_.get_indexer(events["seeker_id"]), self.opening_index_.get_indexer(events["opening_id"])
        )
        self.pair_index_ = pd.Index(np.unique(seen[seen >= 0]))
        self.pair_views_ = _Counter(
            self._pair_codes(
                self.seeker_index_.get_indexer(looked["seeker_id"]),
                self.opening_index_.get_indexer(looked["opening_id"]),
            ),
            _seconds(looked["occurred_at"]),
        )
        self.pair_applications_ = _Counter(
            self._pair_codes(
                self.seeker_index_.get_indexer(applied["seeker_id"]),
                self.opening_index_.get_indexer(applied["opening_id"]),
            ),
            _seconds(applied["occurred_at"]),
        )
        hires = events[events["event"] == "hired"]
        interviews = events[events["event"].isin(("interviewed", "hired"))].drop_duplicates(["seeker_id", "opening_id"])
        self.seeker_interviews_ = _Counter(
            self.seeker_index_.get_indexer(interviews["seeker_id"]), _seconds(interviews["occurred_at"])
        )
        employer_of = pd.Series(self._opening_employers, index=self.opening_index_)
        self.employer_applied_ = _Counter(
            self._employer_rows(employer_of, applied["opening_id"]), _seconds(applied["occurred_at"])
        )
        self.employer_hired_ = _Counter(
            self._employer_rows(employer_of, hires["opening_id"]), _seconds(hires["occurred_at"])
        )
        self.seeker_events_ = _Counter(
            self.seeker_index_.get_indexer(events["seeker_id"]), _seconds(events["occurred_at"])
        )
        self.seeker_hires_ = _Counter(
            self.seeker_index_.get_indexer(hires["seeker_id"]), _seconds(hires["occurred_at"])
        )
        self.applications_ = _Counter(
            self.opening_index_.get_indexer(applied["opening_id"]), _seconds(applied["occurred_at"])
        )
        self.hires_ = _Counter(self.opening_index_.get_indexer(hires["opening_id"]), _seconds(hires["occurred_at"]))
        self.seeker_applications_ = _Counter(
            self.seeker_index_.get_indexer(applied["seeker_id"]), _seconds(applied["occurred_at"])
        )

    def _encoded_rows(self, encoded: Encoded, index: pd.Index, kind: str) -> np.ndarray:
        """History row of each encoded row (-1 if unknown), looked up once per encoding and history."""
        ids = encoded.employer_ids if kind == "employer" else encoded.ids
        return encoded.memo((self.token_, kind), lambda: index.get_indexer(ids))

    def _filled(self, encoded: Encoded, raw: np.ndarray, empty: int, kind: str) -> np.ndarray:
        """History rows with unknown ids (-1) sent to the ``empty`` row, once per encoding and fit."""
        return encoded.memo((self.token_, kind, "filled"), lambda: np.where(raw < 0, empty, raw))

    def _cooccurrence_of(self, seekers: Encoded) -> np.ndarray:
        """``latent @ cooccurrence_`` of every encoded seeker, computed once per encoding and fit."""
        return seekers.memo((self.token_, "cooccurrence"), lambda: seekers.latent @ self.cooccurrence_)

    def _employer_profiles_of(self, openings: Encoded) -> np.ndarray:
        """The profile of each encoded opening's employer (rows of ``employer_profile_``), once per encoding."""

        def compute() -> np.ndarray:
            rows = self._encoded_rows(openings, self.employer_index_, "employer")
            return self.employer_profile_[np.where(rows < 0, len(self.employer_index_), rows)]

        return openings.memo((self.token_, "employer_profiles"), compute)

    def _columns(self, view: PairView | BlockView, at: Any) -> dict[str, Callable[[], Any]]:
        """Each history feature as a function of a view (pairs or blocks), so both share one definition.

        ``at`` is seconds since the epoch: one per pair for a :class:`PairView` (an array), one number for a
        block (so typed Any: the view it goes with decides).
        """
        seekers, openings = view.seekers, view.openings
        raw_seeker = self._encoded_rows(seekers, self.seeker_index_, "seeker")
        raw_opening = self._encoded_rows(openings, self.opening_index_, "opening")
        raw_employer = self._encoded_rows(openings, self.employer_index_, "employer")
        # Unknown ids point at the empty row/key appended at the end of each space.
        seeker_rows = self._filled(seekers, raw_seeker, len(self.seeker_index_), "seeker")
        opening_rows = self._filled(openings, raw_opening, len(self.opening_index_), "opening")
        employer_rows = self._filled(openings, raw_employer, len(self.employer_index_), "employer")
        numbers = openings.numbers
        block = isinstance(view, BlockView)

        def cf(space: _KeySpace, key_rows: np.ndarray) -> np.ndarray:
            if block:
                return space.block_scores(view.pick_seeker(seeker_rows), view.pick_opening(key_rows))
            return space.scores(view.pick_seeker(seeker_rows), view.pick_opening(key_rows))

        token = self.token_

        def seeker_count(counter: _Counter, name: str) -> np.ndarray:
            return view.seeker_apply(counter.before, at, raw_seeker, key=(token, name))

        def opening_count(counter: _Counter, raw: np.ndarray, name: str) -> np.ndarray:
            return view.opening_apply(counter.before, at, raw, key=(token, name))

        def pair_count(counter: _Counter) -> np.ndarray:
            codes = self._pair_codes(view.pick_seeker(raw_seeker), view.pick_opening(raw_opening))
            return counter.before(codes, at)

        def idle_days(rows: np.ndarray, t: np.ndarray) -> np.ndarray:
            return (t - self.seeker_events_.last_before(rows, t)) / 86400.0

        def events_30d(rows: np.ndarray, t: np.ndarray) -> np.ndarray:
            return self.seeker_events_.before(rows, t) - self.seeker_events_.before(rows, t - 30 * 86400)

        def success(rows: np.ndarray, t: np.ndarray) -> np.ndarray:
            return _rate(self.seeker_interviews_.before(rows, t), self.seeker_applications_.before(rows, t))

        def hire_rate(rows: np.ndarray, t: np.ndarray) -> np.ndarray:
            return _rate(self.employer_hired_.before(rows, t), self.employer_applied_.before(rows, t))

        def positions_left(positions: np.ndarray, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
            return np.nan_to_num(positions, nan=1.0) - self.hires_.before(rows, t)

        def to_deadline() -> np.ndarray:
            deadline = view.opening(numbers["deadline_s"])
            return np.where(np.isnan(deadline), np.nan, (deadline - at) / 86400.0)

        columns: dict[str, Callable[[], Any]] = {
            "cf_opening": lambda: cf(self.opening_space_, opening_rows),
            "cf_employer": lambda: cf(self.employer_space_, employer_rows),
            "cf_occupation": lambda: cf(self.occupation_space_, numbers["occupation_key"]),
            "history_profile_cos": lambda: view.bilinear(self.seeker_profile_, openings.latent, seeker_rows),
            "employer_profile_cos": lambda: view.bilinear(seekers.latent, self._employer_profiles_of(openings)),
            "seeker_history_size": lambda: view.seeker(self.seeker_history_size_[seeker_rows]),
            "opening_applications": lambda: np.log1p(opening_count(self.applications_, raw_opening, "applications")),
            "opening_hires": lambda: opening_count(self.hires_, raw_opening, "hires"),
            "positions_left": lambda: view.opening_apply(
                positions_left, at, numbers["positions"], raw_opening, key=(token, "positions_left")
            ),
            "employer_applications": lambda: view.opening(np.log1p(self.employer_applications_[employer_rows])),
            "seeker_applications": lambda: np.log1p(seeker_count(self.seeker_applications_, "applications")),
            "days_since_posted": lambda: (at - view.opening(numbers["posted_s"])) / 86400.0,
            "days_to_deadline": to_deadline,
            "pair_viewed_before": lambda: pair_count(self.pair_views_),
            "pair_applied_before": lambda: pair_count(self.pair_applications_),
            "seeker_days_since_active": lambda: view.seeker_apply(idle_days, at, raw_seeker, key=(token, "idle")),
            "seeker_events_30d": lambda: view.seeker_apply(events_30d, at, raw_seeker, key=(token, "30d")),
            "seeker_hires": lambda: seeker_count(self.seeker_hires_, "hires"),
            "seeker_success_rate": lambda: view.seeker_apply(success, at, raw_seeker, key=(token, "success")),
            "employer_hire_rate": lambda: view.opening_apply(hire_rate, at, raw_employer, key=(token, "hire_rate")),
            "text_cooccurrence": lambda: view.bilinear(self._cooccurrence_of(seekers), openings.latent),
        }
        if block:  # pair histories are sparse; blocks leave them out
            del columns["pair_viewed_before"], columns["pair_applied_before"]
        return columns

    def pair_features(
        self,
        seekers: Encoded,
        openings: Encoded,
        opening_table: pd.DataFrame,
        s: np.ndarray,
        o: np.ndarray,
        at: np.ndarray,
    ) -> np.ndarray:
        """History features (HISTORY_FEATURES order) for pairs (s[i], o[i]) at times ``at``."""
        at_seconds = _seconds(at) if not np.issubdtype(np.asarray(at).dtype, np.integer) else at
        columns = self._columns(PairView(seekers, openings, s, o), at_seconds)
        assert list(columns) == list(HISTORY_FEATURES)
        return np.column_stack([np.asarray(columns[name](), dtype=np.float32) for name in HISTORY_FEATURES])

    def pair_subset(
        self,
        seekers: Encoded,
        openings: Encoded,
        s: np.ndarray,
        o: np.ndarray,
        at: np.ndarray,
        names: tuple[str, ...] | list[str],
    ) -> dict[str, np.ndarray]:
        """The named history features (those that are history features) for pairs (s[i], o[i])."""
        at_seconds = _seconds(at) if not np.issubdtype(np.asarray(at).dtype, np.integer) else at
        columns = self._columns(PairView(seekers, openings, s, o), at_seconds)
        return {
            name: np.broadcast_to(np.asarray(columns[name](), dtype=np.float32), s.shape).copy()
            for name in names
            if name in columns
        }

    def block_features(
        self, view: BlockView, at: pd.Timestamp, names: tuple[str, ...] | list[str]
    ) -> dict[str, np.ndarray]:
        """The named history features for every (seeker, opening) of a block at one moment.

        Each is an array broadcastable to (seekers × openings), as in :func:`content_block_features`.

        Pair-history counts (``pair_viewed_before``, ``pair_applied_before``) are not
        available in blocks and are left out of the result.
        """
        at_seconds = int(pd.Timestamp(at).to_datetime64().astype("datetime64[s]").astype(np.int64))
        columns = self._columns(view, at_seconds)
        return {name: finite_float32(columns[name]()) for name in names if name in columns}
