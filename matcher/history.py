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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from matcher.domain import EVENT_GRADE
from matcher.features import Encoded

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


def ease_weights(x: sp.csr_matrix, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """EASE item-item weights (Steck 2019) among the items with any interaction.

    ``B = -P / diag(P)`` with ``P = (XᵀX + λI)⁻¹`` and ``diag(B) = 0``. An item with
    an empty column has an empty row and column in ``B``, so the solve runs on the
    ``warm`` items only, exactly. Returns ``(B_warm, warm)``: float64, in place
    (8·n_warm² bytes; 0.8 GB at 10,000 warm items), O(n_warm³) time.
    """
    if l2 <= 0:
        raise ValueError(f"l2 must be positive, got {l2}")
    warm = np.flatnonzero(np.diff(x.tocsc().indptr) > 0)
    x_warm = x[:, warm]
    weights = (x_warm.T @ x_warm).toarray(order="F").astype(np.float64)  # Fortran order: LAPACK works in place
    weights[np.diag_indices_from(weights)] += l2
    if warm.size:
        weights = scipy.linalg.inv(weights, overwrite_a=True, check_finite=False).T  # P is symmetric
        weights /= -np.diag(weights)  # column j divided by -P_jj
        weights[np.diag_indices_from(weights)] = 0.0
    return weights, warm


def knn_weights(x: sp.csr_matrix, k: int = 100) -> sp.csr_matrix:
    """Item-item cosine similarity keeping the top ``k`` neighbours per item."""
    items = normalize(x.T.tocsr().astype(np.float32))
    sims = (items @ items.T).tocsr()
    sims.setdiag(0)
    sims.eliminate_zeros()
    for i in range(sims.shape[0]):  # one pass per item at fit time, not per pair
        start, end = sims.indptr[i], sims.indptr[i + 1]
        if end - start > k:
            cut = np.argpartition(sims.data[start:end], -k)[:-k]
            sims.data[start:end][cut] = 0
    sims.eliminate_zeros()
    return sims.T.tocsr()


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
            dense = self.interest[block] @ self.weights
            dense = dense.toarray() if sp.issparse(dense) else np.asarray(dense)
            mask = (inverse >= start) & (inverse < start + len(block))
            out[mask] = dense[inverse[mask] - start, key_rows[mask]]
        return out


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


def _key_space(interest: sp.csr_matrix, l2: float) -> _KeySpace:
    n = interest.shape[1]
    interest = sp.hstack([interest, sp.csr_matrix((interest.shape[0], 1))]).tocsr()
    if n + 1 <= EASE_MAX_ITEMS:
        warm_weights, warm = ease_weights(interest, l2)
        weights = np.zeros((n + 1, n + 1), dtype=np.float32)
        weights[np.ix_(warm, warm)] = warm_weights
    else:
        weights = knn_weights(interest)
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

    def _positions(self, keys: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = np.asarray(keys, dtype=np.int64)
        first = np.searchsorted(self.packed, _pack(np.maximum(keys, 0), np.zeros(len(keys))), side="left")
        at = np.searchsorted(self.packed, _pack(np.maximum(keys, 0), times), side="left")
        return first, at

    def before(self, keys: np.ndarray, times: np.ndarray) -> np.ndarray:
        first, at = self._positions(keys, times)
        return np.where(np.asarray(keys) >= 0, at - first, 0)

    def last_before(self, keys: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Time of each key's last event strictly before ``times`` (NaN if none)."""
        first, at = self._positions(keys, times)
        found = (np.asarray(keys) >= 0) & (at > first)
        last = self.packed[np.maximum(at - 1, 0)] & TIME_MASK if len(self.packed) else np.zeros(len(at), np.int64)
        return np.where(found, last, np.nan)


TIME_MASK = np.int64(2**32 - 1)


def _pack(keys: np.ndarray, times: np.ndarray) -> np.ndarray:
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
        self.employer_space_ = _key_space((x @ to_employer).tocsr(), self.l2)
        self.occupation_space_ = _key_space((x @ opening_codes.occupation_codes).tocsr(), self.l2)
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
        """A small integer per (seeker, opening) pair seen in the events; -1 otherwise."""
        return self.pair_index_.get_indexer(self._raw_pair_codes(seeker_rows, opening_rows))

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
        key = (self.token_, kind)
        if key not in encoded.cache:
            ids = encoded.employer_ids if kind == "employer" else encoded.ids
            encoded.cache[key] = index.get_indexer(ids)
        return encoded.cache[key]

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
        raw_seeker = self._encoded_rows(seekers, self.seeker_index_, "seeker")[s]
        raw_opening = self._encoded_rows(openings, self.opening_index_, "opening")[o]
        raw_employer = self._encoded_rows(openings, self.employer_index_, "employer")[o]
        # Unknown ids point at the empty row/key appended at the end of each space.
        seeker_rows = np.where(raw_seeker < 0, len(self.seeker_index_), raw_seeker)
        opening_rows = np.where(raw_opening < 0, len(self.opening_index_), raw_opening)
        employer_rows = np.where(raw_employer < 0, len(self.employer_index_), raw_employer)
        occupation_key = openings.numbers["occupation_key"][o]
        at_seconds = _seconds(at) if not np.issubdtype(np.asarray(at).dtype, np.integer) else at
        applications = self.applications_.before(raw_opening, at_seconds)
        seeker_applied = self.seeker_applications_.before(raw_seeker, at_seconds)
        hires = self.hires_.before(raw_opening, at_seconds)
        positions = openings.numbers["positions"][o]
        posted = openings.numbers["posted_s"][o]
        deadline_seconds = openings.numbers["deadline_s"][o]
        has_deadline = ~np.isnan(deadline_seconds)
        columns = [
            self.opening_space_.scores(seeker_rows, opening_rows),
            self.employer_space_.scores(seeker_rows, employer_rows),
            self.occupation_space_.scores(seeker_rows, occupation_key),
            np.einsum("ij,ij->i", self.seeker_profile_[seeker_rows], openings.latent[o]),
            np.einsum("ij,ij->i", self.employer_profile_[employer_rows], seekers.latent[s]),
            self.seeker_history_size_[seeker_rows],
            np.log1p(applications),
            hires,
            np.nan_to_num(positions, nan=1.0) - hires,
            np.log1p(self.employer_applications_[employer_rows]),
            np.log1p(seeker_applied),
            (at_seconds - posted) / 86400.0,
            np.where(has_deadline, (deadline_seconds - at_seconds) / 86400.0, np.nan),
            self.pair_views_.before(self._pair_codes(raw_seeker, raw_opening), at_seconds),
            self.pair_applications_.before(self._pair_codes(raw_seeker, raw_opening), at_seconds),
            (at_seconds - self.seeker_events_.last_before(raw_seeker, at_seconds)) / 86400.0,
            self.seeker_events_.before(raw_seeker, at_seconds)
            - self.seeker_events_.before(raw_seeker, at_seconds - 30 * 86400),
            self.seeker_hires_.before(raw_seeker, at_seconds),
            _rate(self.seeker_interviews_.before(raw_seeker, at_seconds), seeker_applied),
            _rate(
                self.employer_hired_.before(raw_employer, at_seconds),
                self.employer_applied_.before(raw_employer, at_seconds),
            ),
            np.einsum("ij,ij->i", seekers.latent[s] @ self.cooccurrence_, openings.latent[o]),
        ]
        assert len(columns) == len(HISTORY_FEATURES)
        return np.column_stack([np.asarray(c, dtype=np.float32) for c in columns])
