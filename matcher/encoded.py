"""One side (seekers or openings) encoded for matching: the matrices and vectors of its rows, row-aligned with
its table, and per-encoding lookups computed once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

T = TypeVar("T")


@dataclass
class Encoded:
    """Matrices and vectors of one side (seekers or openings), row-aligned with its table."""

    ids: np.ndarray
    profile: sp.csr_matrix  # TF-IDF of the whole profile
    occupation_text: sp.csr_matrix  # TF-IDF of occupation names (and title)
    free_text: sp.csr_matrix  # TF-IDF of intro / description
    skills: sp.csr_matrix  # seekers: held; openings: required
    preferred: sp.csr_matrix | None  # openings only
    occupation_codes: sp.csr_matrix  # seekers: desired; openings: own
    past_codes: sp.csr_matrix | None  # seekers only
    families: sp.csr_matrix  # seekers: desired ∪ past; openings: own
    industries: sp.csr_matrix
    latent: np.ndarray  # low-rank projection of profile + free text, rows of unit length
    numbers: dict[str, np.ndarray]
    employer_ids: np.ndarray | None = None  # openings only
    cache: dict = field(default_factory=dict)  # per-model lookups of these rows (history rows)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray) -> Encoded:
        """The encoding of the given rows, in that order (a new object with an empty cache)."""
        rows = np.asarray(rows, dtype=np.intp)
        return Encoded(**{name: _take(value, rows) for name, value in self._parts().items()})

    @staticmethod
    def concat(parts: list[Encoded]) -> Encoded:
        """Rows of several encodings of the same side and vocabulary, one after the other."""
        first = parts[0]._parts()
        joined: dict[str, Any] = {}
        for name, value in first.items():
            values = [p._parts()[name] for p in parts]
            if value is None:
                joined[name] = None
            elif isinstance(value, dict):
                joined[name] = {k: np.concatenate([v[k] for v in values]) for k in value}
            elif sp.issparse(value):
                joined[name] = sp.vstack(values, format="csr")
            else:
                joined[name] = np.concatenate(values)
        return Encoded(**joined)

    def _parts(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "cache"}

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """``compute()`` once per encoding and ``key``, remembered in :attr:`cache` (a ``None`` result too)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def single_column(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """For a matrix with at most one entry per row: each row's column (the width for an empty row)
        and value; ``None`` when some row has more. Computed once per encoding."""

        def compute() -> tuple[np.ndarray, np.ndarray] | None:
            matrix = getattr(self, name)
            counts = np.diff(matrix.indptr)
            if counts.max(initial=0) > 1:
                return None
            column = np.full(matrix.shape[0], matrix.shape[1], dtype=np.intp)
            value = np.zeros(matrix.shape[0], dtype=matrix.dtype)
            rows = np.flatnonzero(counts)
            column[rows] = matrix.indices[matrix.indptr[rows]]
            value[rows] = matrix.data[matrix.indptr[rows]]
            return column, value

        return self.memo(("single", name), compute)

    def row_sums(self, name: str) -> np.ndarray:
        """Sum of each row of a matrix as float32, computed once per encoding."""
        return self.memo(
            ("row sums", name), lambda: np.asarray(getattr(self, name).sum(axis=1), dtype=np.float32).ravel()
        )

    def transposed(self, name: str) -> sp.csr_matrix:
        """``getattr(self, name).T`` as CSR, computed once per encoding (for block products)."""
        return self.memo(("T", name), lambda: getattr(self, name).T.tocsr())


def _take(value: Any, rows: np.ndarray) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: v[rows] for k, v in value.items()}
    return value[rows]
