"""Seekers and openings lined up for pair features: pair by pair (:class:`PairView`, 1-d results) or every
seeker against every opening (:class:`BlockView`, 2-d blocks), so each feature is written once for both."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.encoded import Encoded
from matcher.sparse_rows import SMALL_SIDE, rowwise_dot, take_rows

TIMED_ENTRIES = 64  # per-time measures remembered per encoding


def _per_row(
    encoded: Encoded,
    rows: np.ndarray | None,
    fn: Callable[..., np.ndarray],
    at: float,
    per_row: tuple[np.ndarray, ...],
    key: object,
) -> np.ndarray:
    """``fn`` of the selected rows at ``at``; remembered in the encoding when it covers all rows."""

    def compute() -> np.ndarray:
        picked = [_pick(values, rows) for values in per_row]
        return np.asarray(fn(*picked, np.full(len(picked[0]), at)))

    if key is None or rows is not None:
        return compute()
    return remember(encoded, key, at, compute)


def remember(encoded: Encoded, key: object, at: float, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()`` remembered in the encoding's cache per ``(key, at)`` (a bounded number of moments)."""
    timed = encoded.cache.setdefault("timed", {})
    found = timed.get((key, at))
    if found is None:
        found = compute()
        if len(timed) >= TIMED_ENTRIES:
            timed.clear()
        timed[(key, at)] = found
    return found


def _pick(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return values if rows is None else values[rows]


class PairView:
    """Seeker and opening values lined up pair by pair: pair i is (s[i], o[i]); results are 1-d."""

    def __init__(self, seekers: Encoded, openings: Encoded, s: np.ndarray, o: np.ndarray) -> None:
        self.seekers, self.openings, self.s, self.o = seekers, openings, s, o

    def seeker(self, values: np.ndarray) -> np.ndarray:
        return values[self.s]

    def opening(self, values: np.ndarray) -> np.ndarray:
        return values[self.o]

    def pick_seeker(self, values: np.ndarray) -> np.ndarray:
        return values[self.s]

    def pick_opening(self, values: np.ndarray) -> np.ndarray:
        return values[self.o]

    def seeker_apply(
        self, fn: Callable[..., np.ndarray], at: np.ndarray, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        """``fn(*values_of_each_pair's_seeker, at)``: a per-seeker measure at each pair's time (``key`` unused)."""
        return fn(*(values[self.s] for values in per_row), at)

    def opening_apply(
        self, fn: Callable[..., np.ndarray], at: np.ndarray, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        return fn(*(values[self.o] for values in per_row), at)

    def bilinear(
        self,
        seeker_table: np.ndarray,
        opening_table: np.ndarray,
        seeker_rows: np.ndarray | None = None,
        opening_rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Dot of a seeker vector and an opening vector per pair: ``table[rows][s] · table[rows][o]``."""
        a = seeker_table[self.s if seeker_rows is None else seeker_rows[self.s]]
        b = opening_table[self.o if opening_rows is None else opening_rows[self.o]]
        return np.einsum("ij,ij->i", a, b)

    def dot(self, seeker_matrix: str, opening_matrix: str) -> np.ndarray:
        """Row products of the named matrices of the two encodings."""
        return rowwise_dot(getattr(self.seekers, seeker_matrix), getattr(self.openings, opening_matrix), self.s, self.o)


class BlockView:
    """Every seeker row against every opening row: results are (seekers × openings) blocks.

    ``s`` / ``o`` select rows of each encoding; ``None`` takes them all without copying
    (the side with many rows should be passed whole: its transposed matrices are cached).
    """

    def __init__(
        self, seekers: Encoded, openings: Encoded, s: np.ndarray | None = None, o: np.ndarray | None = None
    ) -> None:
        self.seekers, self.openings, self.s, self.o = seekers, openings, s, o

    def seeker(self, values: np.ndarray) -> np.ndarray:
        return (values if self.s is None else values[self.s])[:, None]

    def opening(self, values: np.ndarray) -> np.ndarray:
        return (values if self.o is None else values[self.o])[None, :]

    @property
    def shape(self) -> tuple[int, int]:
        return (
            len(self.seekers) if self.s is None else len(self.s),
            len(self.openings) if self.o is None else len(self.o),
        )

    def pick_seeker(self, values: np.ndarray) -> np.ndarray:
        return _pick(values, self.s)

    def pick_opening(self, values: np.ndarray) -> np.ndarray:
        return _pick(values, self.o)

    def seeker_apply(
        self, fn: Callable[..., np.ndarray], at: float, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        """``fn(*values_of_each_seeker, at)`` as a column: a per-seeker measure at the block's time.

        With a ``key``, a measure of a whole encoding is remembered per ``(key, at)`` in its cache.
        """
        return _per_row(self.seekers, self.s, fn, at, per_row, key)[:, None]

    def opening_apply(
        self, fn: Callable[..., np.ndarray], at: float, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        """``fn(*values_of_each_opening, at)`` as a row (see :meth:`seeker_apply`)."""
        return _per_row(self.openings, self.o, fn, at, per_row, key)[None, :]

    def bilinear(
        self,
        seeker_table: np.ndarray,
        opening_table: np.ndarray,
        seeker_rows: np.ndarray | None = None,
        opening_rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Dots of every seeker vector with every opening vector (rows as in :meth:`PairView.bilinear`)."""
        a = _pick(seeker_table, _pick(seeker_rows, self.s) if seeker_rows is not None else self.s)
        b = _pick(opening_table, _pick(opening_rows, self.o) if opening_rows is not None else self.o)
        if min(len(a), len(b)) <= SMALL_SIDE:
            # One query against many: a plain loop beats BLAS, whose threads cost more than the product
            # (and stall behind other thread pools, such as the ranker's OpenMP, under load).
            return np.einsum("ik,jk->ij", a, b)
        return a @ b.T

    def dot(self, seeker_matrix: str, opening_matrix: str) -> np.ndarray:
        """Dense block of products of the named matrices of the two encodings."""
        a = getattr(self.seekers, seeker_matrix)
        left = a if self.s is None else take_rows(a, self.s)
        single = self.openings.single_column(opening_matrix) if left.shape[0] <= SMALL_SIDE else None
        if single is not None:  # each opening has at most one entry (its occupation, family, industry)
            column, value = (part if self.o is None else part[self.o] for part in single)
            dense = np.hstack([left.toarray(), np.zeros((left.shape[0], 1), dtype=left.dtype)])
            return (dense[:, column] * value).astype(np.float32, copy=False)
        if self.o is None:
            right = self.openings.transposed(opening_matrix)
        else:
            right = getattr(self.openings, opening_matrix)[self.o].T.tocsr()
        return np.asarray((left @ right).toarray(), dtype=np.float32)


def finite_float32(values: object) -> np.ndarray:
    """``values`` as a new float32 array with every non-finite value NaN."""
    out = np.array(values, dtype=np.float32)
    out[~np.isfinite(out)] = np.nan
    return out
