"""Queries by time: who was looking when, what they could see, and what happened.

A query is one seeker (seeker side) or one opening (opening side) at one
moment. Its candidates are what the hard rules allowed at that moment: openings
open that day and eligible for the seeker, or seekers eligible for the opening.
Training pairs are the query's labelled pairs plus negatives sampled from its
candidates; evaluation ranks every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher import eligibility
from matcher.history import pair_grades


@dataclass
class CandidatePool:
    """The seekers and openings a split's pairs are drawn from, with the hard rules' row-aligned arrays that say
    which pairs are candidates when (``Tables`` before; ``service.tables`` is the database's tables).

    ``always_open``: every opening counts as open on every day, for histories whose dates cannot
    say when anyone looked (a leave-one-out split, see :mod:`matcher.splits`).
    """

    seekers: pd.DataFrame
    openings: pd.DataFrame
    always_open: bool = False

    def __post_init__(self) -> None:
        self.seeker_row = pd.Index(self.seekers["seeker_id"])
        self.opening_row = pd.Index(self.openings["opening_id"])
        self.birth_year = self.seekers["birth_year"].astype(float).to_numpy()
        self.groups = eligibility.group_matrix(self.seekers["groups"])
        empty = pd.Series([()] * len(self.seekers), index=self.seekers.index, dtype=object)
        self.needs = eligibility.access_bits(self.seekers.get("access_needs", empty))
        self.rules = eligibility.opening_rules(self.openings)
        self.posted, self.last_open = eligibility.opening_days(self.openings)
        if self.always_open:
            self.posted = np.full(len(self.openings), np.datetime64("1700-01-01", "ns"))
            self.last_open = np.full(len(self.openings), pd.Timestamp.max.normalize().to_datetime64())

    def open_block(self, days: np.ndarray) -> np.ndarray:
        """Openings open on each day (rows)."""
        return eligibility.open_block(days, self.posted, self.last_open)

    def with_rows(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """``pairs`` with their seeker and opening table rows as columns ``s`` and ``o``."""
        return pairs.assign(
            s=self.seeker_row.get_indexer(pairs["seeker_id"]), o=self.opening_row.get_indexer(pairs["opening_id"])
        )

    def eligible_block(self, seeker_rows: np.ndarray, opening_rows: np.ndarray | None = None) -> np.ndarray:
        rules = self.rules if opening_rows is None else {k: v[opening_rows] for k, v in self.rules.items()}
        return eligibility.eligible_block(
            self.birth_year[seeker_rows], self.groups[seeker_rows], rules, self.needs[seeker_rows]
        )


@dataclass
class Labelled:
    """Pairs with graded outcomes: rows into the seeker and opening tables."""

    s: np.ndarray
    o: np.ndarray
    at: np.ndarray  # datetime64: the moment features are computed for
    grade: np.ndarray
    query: np.ndarray  # query number of each pair


def _window(pairs: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    """Pairs first seen in [start, end): a pair belongs to the window where it began."""
    keep = np.ones(len(pairs), dtype=bool)
    if start is not None:
        keep &= (pairs["first_at"] >= start).to_numpy()
    if end is not None:
        keep &= (pairs["first_at"] < end).to_numpy()
    return pairs[keep].reset_index(drop=True)


def seeker_queries(
    events: pd.DataFrame, pool: CandidatePool, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One query per seeker and day of activity, with the grades of the pairs first seen that day.

    Grades come from all of ``events`` (a pair's outcome may come weeks after its
    first view); only pairs first seen in [start, end) are kept. A pair's opening
    was open on its first day (the seeker acted on it then), so every labelled
    pair is a candidate of its query, as at ranking time.
    """
    pairs = pool.with_rows(_window(pair_grades(events, side="seeker"), start, end))
    return _seeker_days(pairs.assign(at=pairs["first_at"].dt.normalize()))


def _seeker_days(pairs: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` numbered by query: one per seeker and day ``at``."""
    return pairs.assign(query=pd.factorize(pairs["seeker_id"].astype(str) + "|" + pairs["at"].astype(str))[0])


def opening_queries(
    events: pd.DataFrame, pool: CandidatePool, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One query per opening: its first day in the window and the employer-side grades of its pairs."""
    pairs = pool.with_rows(_window(pair_grades(events, side="opening"), start, end))
    pairs["query"] = pd.factorize(pairs["opening_id"])[0]
    pairs["at"] = pairs.groupby("query")["first_at"].transform("min").dt.normalize()
    return pairs


def sample_training_pairs(
    side: str,
    pairs: pd.DataFrame,
    pool: CandidatePool,
    n_negatives: int,
    rng: np.random.Generator,
    max_queries: int = 20_000,
) -> Labelled:
    """Labelled pairs of each query plus ``n_negatives`` sampled unseen candidates (grade 0).

    At most ``max_queries`` queries are kept (a random subset), which bounds the
    training set on large histories.
    """
    queries = pairs.groupby("query").agg(s=("s", "first"), o=("o", "first"), at=("at", "first"))
    if len(queries) > max_queries:
        queries = queries.loc[np.sort(rng.choice(queries.index.to_numpy(), max_queries, replace=False))]
        pairs = pairs[pairs["query"].isin(queries.index)]
    q_ids = queries.index.to_numpy()
    s_parts, o_parts, at_parts, q_parts = [pairs["s"].to_numpy()], [pairs["o"].to_numpy()], [], []
    at_parts.append(pairs["at"].to_numpy())
    q_parts.append(pairs["query"].to_numpy())
    grade_parts = [pairs["grade"].to_numpy()]
    chunk = 512
    for start in range(0, len(queries), chunk):
        block = queries.iloc[start : start + chunk]
        days = block["at"].to_numpy()
        if side == "seeker":
            allowed = pool.open_block(days) & pool.eligible_block(block["s"].to_numpy())
            rows, partner = _sample_allowed(allowed, n_negatives, rng)
            s_parts.append(block["s"].to_numpy()[rows])
            o_parts.append(partner)
        else:
            rows, partner = _sample_eligible_seekers(pool, block["o"].to_numpy(), n_negatives, rng)
            s_parts.append(partner)
            o_parts.append(block["o"].to_numpy()[rows])
        at_parts.append(days[rows])
        q_parts.append(q_ids[start : start + chunk][rows])
        grade_parts.append(np.zeros(len(rows), dtype=int))
    s, o = np.concatenate(s_parts), np.concatenate(o_parts)
    q = np.concatenate(q_parts)
    # A sampled negative that is also a labelled pair of the query keeps its label only.
    key = pd.DataFrame({"q": q, "s": s, "o": o})
    first = ~key.duplicated(keep="first").to_numpy()
    return Labelled(
        s=s[first],
        o=o[first],
        at=np.concatenate(at_parts)[first],
        grade=np.concatenate(grade_parts)[first],
        query=q[first],
    )


def _sample_allowed(allowed: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` distinct allowed columns of each row, uniformly at random: (row, column) pairs."""
    keys = rng.random(allowed.shape)
    keys[~allowed] = -1.0
    take = min(n, allowed.shape[1])
    picked = np.argpartition(-keys, take - 1, axis=1)[:, :take]
    rows, cols = np.nonzero(np.take_along_axis(keys, picked, axis=1) >= 0)
    return rows, picked[rows, cols]


def _sample_eligible_seekers(
    pool: CandidatePool, openings: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` distinct eligible seekers of each opening, uniformly at random: (opening position, seeker row).

    Seekers are drawn at random and checked pair by pair (checking every seeker against every opening
    costs seekers × openings); an opening whose draws found fewer than ``n`` falls back to the full check.
    """
    draws = rng.integers(len(pool.seekers), size=(len(openings), 4 * n))
    ok = eligibility.eligible(
        pool.birth_year, pool.groups, pool.rules, draws.ravel(), np.repeat(openings, draws.shape[1]), pool.needs
    ).reshape(draws.shape)
    order = np.argsort(draws, axis=1, kind="stable")
    repeated = np.zeros_like(ok)
    ranked = np.take_along_axis(draws, order, axis=1)
    np.put_along_axis(repeated, order[:, 1:], ranked[:, 1:] == ranked[:, :-1], axis=1)  # a later draw of a seeker
    ok &= ~repeated
    ok &= np.cumsum(ok, axis=1) <= n
    short = ok.sum(axis=1) < n
    ok[short] = False
    rows, cols = np.nonzero(ok)
    found = [(rows, draws[rows, cols])]
    if short.any():
        few = np.flatnonzero(short)
        allowed = pool.eligible_block(np.arange(len(pool.seekers)), openings[few]).T
        more_rows, partner = _sample_allowed(allowed, n, rng)
        found.append((few[more_rows], partner))
    return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])


def seeker_lookahead_queries(
    events: pd.DataFrame, pool: CandidatePool, start: pd.Timestamp, end: pd.Timestamp, lookahead: pd.Timedelta
) -> pd.DataFrame:
    """Seeker queries as lists are served: a seeker on each day of activity in [start, end), with
    every pair the seeker begins from that day within ``lookahead`` whose opening is open that day.

    A list is read once and acted on over the following weeks, so its pairs are what the seeker
    goes on to do, not only what they did that day (:func:`seeker_queries`).
    """
    pairs = pair_grades(events, side="seeker")
    began = pairs[(pairs["first_at"] >= start) & (pairs["first_at"] < end)]
    days = began.assign(at=began["first_at"].dt.normalize())[["seeker_id", "at"]].drop_duplicates()
    pairs = pairs.merge(days, on="seeker_id")
    ahead = (pairs["first_at"] >= pairs["at"]) & (pairs["first_at"] < pairs["at"] + lookahead)
    pairs = pool.with_rows(pairs[ahead].reset_index(drop=True))
    o = pairs["o"].to_numpy()
    is_open = eligibility.open_pairs(pairs["at"].to_numpy(), pool.posted[o], pool.last_open[o])
    return _seeker_days(pairs[is_open].reset_index(drop=True))


def held_out_queries(events: pd.DataFrame, pool: CandidatePool, side: str, at: pd.Timestamp) -> pd.DataFrame:
    """Queries of a history without usable dates: one per seeker (or opening) with the grades of its pairs
    in ``events``, all at the moment ``at``."""
    pairs = pool.with_rows(pair_grades(events, side="seeker" if side == "seeker" else "opening"))
    pairs = pairs.assign(at=pd.Timestamp(at))
    return pairs.assign(query=pd.factorize(pairs["seeker_id" if side == "seeker" else "opening_id"])[0])
