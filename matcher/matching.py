"""Ranked matches both ways over the current tables, hard rules first.

:class:`Matcher` encodes the current seekers and openings once (rows added
later are encoded on the next build) and answers:

- :meth:`Matcher.matches`: for seekers, the openings open on the as-of date that
  they are eligible for, with positions left, not already applied to;
- :meth:`Matcher.candidates`: for openings, the eligible seekers.

No list ever holds an ineligible or closed opening: the rules are masks applied
before scoring, not penalties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher import eligibility
from matcher.explain import reasons_for
from matcher.features import Encoded
from matcher.ranker import FEATURES, PairModel

# Events that mean the seeker already applied: rejected and declined imply an application too.
APPLIED_EVENTS = ("applied", "interviewed", "hired", "retained", "rejected", "declined")


@dataclass(frozen=True)
class Match:
    """One ranked pair with its score and Korean reasons."""

    rank: int
    seeker_id: str
    opening_id: str
    score: float
    reasons: tuple[str, ...]


class Matcher:
    """The model applied to one snapshot of seekers, openings and events."""

    def __init__(
        self,
        model: PairModel,
        seekers: pd.DataFrame,
        openings: pd.DataFrame,
        events: pd.DataFrame,
    ) -> None:
        self.model = model
        self.seekers = seekers.reset_index(drop=True)
        self.openings = openings.reset_index(drop=True)
        self.events = events
        featurizer = model.featurizer_
        self.seeker_codes: Encoded = featurizer.encode_seekers(self.seekers)
        self.opening_codes: Encoded = featurizer.encode_openings(self.openings)
        self.rules = eligibility.opening_rules(self.openings)
        self.seeker_row = pd.Index(self.seekers["seeker_id"])
        self.opening_row = pd.Index(self.openings["opening_id"])
        self.birth_year = self.seekers["birth_year"].astype(float).to_numpy()
        self.groups = self.seeker_codes.numbers["groups"]

    # -- hard rules --------------------------------------------------------------------------
    def _before(self, as_of: pd.Timestamp, kinds: tuple[str, ...]) -> pd.DataFrame:
        ev = self.events
        return ev[ev["event"].isin(kinds) & (ev["occurred_at"] < as_of)]

    def positions_left(self, as_of: pd.Timestamp) -> np.ndarray:
        """Positions of each opening minus hires recorded before ``as_of``."""
        hires = self._before(as_of, ("hired",)).drop_duplicates(["seeker_id", "opening_id"])
        counts = hires["opening_id"].value_counts()
        hired = counts.reindex(self.openings["opening_id"]).fillna(0).to_numpy()
        return self.openings["positions"].astype(float).fillna(1).to_numpy() - hired

    def open_mask(self, as_of: pd.Timestamp) -> np.ndarray:
        """Openings open on ``as_of`` with at least one position left."""
        return eligibility.open_on(self.openings, as_of) & (self.positions_left(as_of) > 0)

    def _applied_pairs(self, as_of: pd.Timestamp) -> pd.DataFrame:
        return self._before(as_of, APPLIED_EVENTS)[["seeker_id", "opening_id"]].drop_duplicates()

    # -- ranking -----------------------------------------------------------------------------
    def _rank_block(
        self, side: str, s: np.ndarray, o: np.ndarray, query: np.ndarray, as_of: pd.Timestamp, k: int
    ) -> list[Match]:
        """Score pairs, keep the top ``k`` per query (query = s or o), attach reasons."""
        if len(s) == 0:
            return []
        at = np.full(len(s), as_of.to_datetime64())
        x = self.model.features(self.seeker_codes, self.opening_codes, self.openings, s, o, at)
        score = self.model.score(side, x)
        order = np.lexsort((-score, query))
        query_sorted = query[order]
        starts = np.searchsorted(query_sorted, query_sorted, side="left")
        within = np.arange(len(order)) - starts
        keep = order[within < k]
        ranks = within[within < k] + 1
        reasons = reasons_for(x[keep], self.seekers.iloc[s[keep]], self.openings.iloc[o[keep]], side)
        seeker_ids = self.seekers["seeker_id"].to_numpy()[s[keep]]
        opening_ids = self.openings["opening_id"].to_numpy()[o[keep]]
        return [
            Match(int(r), str(si), str(oi), round(float(v), 6), tuple(why))
            for r, si, oi, v, why in zip(ranks, seeker_ids, opening_ids, score[keep], reasons, strict=True)
        ]

    def matches(
        self,
        seeker_ids: list[str],
        as_of: pd.Timestamp | str,
        k: int = 10,
        *,
        exclude_applied: bool = True,
        opening_mask: np.ndarray | None = None,
        chunk_pairs: int = 400_000,
    ) -> list[Match]:
        """Top ``k`` openings for each seeker, ranked by the seeker-side model."""
        as_of = pd.Timestamp(as_of)
        rows = self._rows(self.seeker_row, seeker_ids, "seeker")
        allowed = self.open_mask(as_of)
        if opening_mask is not None:
            allowed &= opening_mask
        candidates = np.flatnonzero(allowed)
        applied = self._applied_pairs(as_of) if exclude_applied else None
        out: list[Match] = []
        per_chunk = max(1, chunk_pairs // max(len(candidates), 1))
        for start in range(0, len(rows), per_chunk):
            block = rows[start : start + per_chunk]
            ok = eligibility.eligible_block(self.birth_year[block], self.groups[block], self._rules(candidates))
            if applied is not None and len(applied):
                ok &= ~self._pair_mask(applied, block, candidates)
            bi, oi = np.nonzero(ok)
            s, o = block[bi], candidates[oi]
            out.extend(self._rank_block("seeker", s, o, s, as_of, k))
        return out

    def candidates(
        self,
        opening_ids: list[str],
        as_of: pd.Timestamp | str | None = None,
        k: int = 10,
        *,
        seeker_mask: np.ndarray | None = None,
        chunk_pairs: int = 400_000,
    ) -> list[Match]:
        """Top ``k`` eligible seekers for each opening, ranked by the opening-side model."""
        rows = self._rows(self.opening_row, opening_ids, "opening")
        pool = np.flatnonzero(seeker_mask) if seeker_mask is not None else np.arange(len(self.seekers))
        out: list[Match] = []
        per_chunk = max(1, chunk_pairs // max(len(pool), 1))
        for start in range(0, len(rows), per_chunk):
            block = rows[start : start + per_chunk]
            ok = eligibility.eligible_block(self.birth_year[pool], self.groups[pool], self._rules(block)).T
            oi, si = np.nonzero(ok)
            o, s = block[oi], pool[si]
            when = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now().normalize()
            out.extend(self._rank_block("opening", s, o, o, when, k))
        return out

    def _rules(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {name: values[rows] for name, values in self.rules.items()}

    def _pair_mask(self, pairs: pd.DataFrame, seeker_rows: np.ndarray, opening_rows: np.ndarray) -> np.ndarray:
        """Block mask of (seeker, opening) pairs present in ``pairs``."""
        s = pd.Index(self.seekers["seeker_id"].to_numpy()[seeker_rows]).get_indexer(pairs["seeker_id"])
        o = pd.Index(self.openings["opening_id"].to_numpy()[opening_rows]).get_indexer(pairs["opening_id"])
        hit = (s >= 0) & (o >= 0)
        mask = np.zeros((len(seeker_rows), len(opening_rows)), dtype=bool)
        mask[s[hit], o[hit]] = True
        return mask

    @staticmethod
    def _rows(index: pd.Index, ids: list[str], kind: str) -> np.ndarray:
        rows = index.get_indexer(list(ids))
        if (rows < 0).any():
            missing = [i for i, r in zip(ids, rows, strict=True) if r < 0][:10]
            raise KeyError(f"unknown {kind} id(s): {', '.join(map(str, missing))}")
        return rows


__all__ = ["FEATURES", "Match", "Matcher"]
