"""What the events before a list's moment say about a pair, for reasons about the past: the openings
(and their employers and occupations) a seeker showed interest in, and whom each employer interviewed
or hired. Built once per moment over table rows (sparse matrices); looked up for the rows a list shows.

Two occupation names are the same occupation when their keys are equal (:func:`occupation_key`): the
KSCO code the dictionary gives the name exactly, else the name itself. No nearest-name guess: a reason
must be certain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matcher import reference

# Events that show a seeker's interest in an opening, and an employer's in a seeker.
INTEREST_EVENTS = ("viewed", "applied", "interviewed", "hired", "retained", "rejected", "declined")
EMPLOYER_EVENTS = ("interviewed", "hired", "retained")
FEW_PICKS = 64  # up to this many lookups are searched row by row


@cache
def _ksco_codes() -> dict[str, str]:
    return reference.ksco_occupations()["code"].to_dict()


@lru_cache(maxsize=100_000)
def occupation_key(name: str) -> str:
    """Two names are the same occupation when their keys are equal: the KSCO code the dictionary gives the
    name exactly, else the name itself (normalised). No nearest-name guess: a reason must be certain."""
    term = reference.normalize_term(name)
    return _ksco_codes().get(term, f"~{term}")


def occupation_family(name: str) -> str | None:
    """The KSCO family (first three digits) of a name the dictionary knows exactly."""
    key = occupation_key(name)
    return None if key.startswith("~") else key[:3]


@dataclass(frozen=True)
class Interest:
    """What the events before one moment say, over table rows: who showed interest in what, and whom each
    employer interviewed or hired. Reasons about the past rest on these only."""

    liked: sp.csr_matrix  # seekers × openings: the seeker viewed, applied, ... before the moment
    liked_t: sp.csr_matrix  # its transpose (openings × seekers)
    employer_of: np.ndarray  # opening row → employer number
    kinds: sp.csr_matrix  # seekers × occupation keys of the openings they showed interest in
    employers: sp.csr_matrix  # seekers × employers they showed interest in
    picked: sp.csr_matrix  # employers × seekers interviewed or hired
    picked_keys: sp.csr_matrix  # employers × past-occupation keys of the seekers they picked
    seeker_keys: sp.csr_matrix  # seekers × keys of their own past occupations
    key_index: dict[str, int]


def interest_at(events: pd.DataFrame, seekers: pd.DataFrame, openings: pd.DataFrame, moment: pd.Timestamp) -> Interest:
    """The :class:`Interest` of the events strictly before ``moment`` (rows of these tables)."""
    before = events[events["occurred_at"] < moment]
    n_s, n_o = len(seekers), len(openings)
    s = pd.Index(seekers["seeker_id"]).get_indexer(before["seeker_id"])
    o = pd.Index(openings["opening_id"]).get_indexer(before["opening_id"])
    known = (s >= 0) & (o >= 0)
    kind = before["event"].to_numpy()

    def matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
        out = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        out.data[:] = 1.0
        return out

    keys: dict[str, int] = {}
    opening_keys = np.array([keys.setdefault(occupation_key(n), len(keys)) if n else -1
                             for n in openings["occupation"].fillna("")])  # fmt: skip
    past = [
        [keys.setdefault(occupation_key(n), len(keys)) for n in (v if isinstance(v, (list, tuple)) else ()) if n]
        for v in seekers["occupations"]
    ]
    employer_of, employer_names = pd.factorize(openings["employer_id"])
    n_e, n_k = len(employer_names), len(keys)
    like = known & np.isin(kind, INTEREST_EVENTS)
    liked = matrix(s[like], o[like], (n_s, n_o))
    has_key = opening_keys >= 0
    to_keys = matrix(np.flatnonzero(has_key), opening_keys[has_key], (n_o, n_k))
    to_employers = matrix(np.arange(n_o), employer_of, (n_o, n_e))
    pick = known & np.isin(kind, EMPLOYER_EVENTS)
    picked = matrix(employer_of[o[pick]], s[pick], (n_e, n_s))
    seeker_keys = matrix(np.repeat(np.arange(n_s), [len(p) for p in past]),
                         np.array([k for p in past for k in p], dtype=np.intp), (n_s, n_k))  # fmt: skip
    found = Interest(
        liked=liked,
        liked_t=liked.T.tocsr(),
        employer_of=employer_of,
        kinds=(liked @ to_keys).tocsr(),
        employers=(liked @ to_employers).tocsr(),
        picked=picked,
        picked_keys=(picked @ seeker_keys).tocsr(),
        seeker_keys=seeker_keys,
        key_index=keys,
    )
    for part in (found.liked, found.liked_t, found.kinds, found.employers, found.picked, found.picked_keys,
                 found.seeker_keys):  # fmt: skip
        part.sum_duplicates()  # canonical: each row's columns sorted once (products leave them unsorted)
    return found


def _gather(matrix: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """The column indices of these rows of a CSR matrix, one after another."""
    starts, lengths = matrix.indptr[rows], matrix.indptr[rows + 1] - matrix.indptr[rows]
    at = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    return matrix.indices[at]


def pick(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """matrix[rows[i], cols[i]] for each i, as a dense vector (searches each row's sorted columns)."""
    rows, cols = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
    out = np.zeros(len(rows))
    if not len(rows) or not matrix.nnz:
        return out
    starts, ends = matrix.indptr[rows], matrix.indptr[rows + 1]
    if len(rows) <= FEW_PICKS:  # one list's rows: a search in each row beats a pass over the whole matrix
        for i, (a, b, c) in enumerate(zip(starts, ends, cols, strict=True)):
            j = a + int(np.searchsorted(matrix.indices[a:b], c))
            if j < b and matrix.indices[j] == c:
                out[i] = matrix.data[j]
        return out
    # Column indices are sorted within each row (canonical CSR), so row * width + column is sorted overall.
    width = matrix.shape[1]
    flat = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr)) * width + matrix.indices
    at = np.searchsorted(flat, rows.astype(np.int64) * width + cols)
    hit = (at < ends) & (at >= starts)
    hit[hit] &= matrix.indices[at[hit]] == cols[hit]
    out[hit] = matrix.data[at[hit]]
    return out


def co_interest(interest: Interest, s: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Whether another seeker who showed interest in one of the seeker's openings also did in this one."""
    out = np.zeros(len(s), bool)
    for seeker in np.unique(s):
        others = _gather(interest.liked_t, _gather(interest.liked, np.array([seeker])))
        others = np.unique(others[others != seeker])
        if len(others):
            rows = np.flatnonzero(s == seeker)
            out[rows] = np.isin(o[rows], _gather(interest.liked, others))
    return out
