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
        self._index_events()

    # -- hard rules --------------------------------------------------------------------------
    @staticmethod
    def rules_time(as_of: pd.Timestamp) -> np.datetime64:
        """The moment the hard rules look at: a bare date means its whole day, so an
        application or hire recorded earlier that day already counts."""
        as_of = pd.Timestamp(as_of)
        end = as_of + pd.Timedelta(days=1) if as_of == as_of.normalize() else as_of
        return end.to_datetime64()

    def _index_events(self) -> None:
        """Sorted arrays of applications and hires, so rules at any as-of date are quick lookups."""
        ev = self.events
        applied = ev[ev["event"].isin(APPLIED_EVENTS)]
        applied = applied.groupby(["seeker_id", "opening_id"], as_index=False)["occurred_at"].min()
        s = self.seeker_row.get_indexer(applied["seeker_id"])
        o = self.opening_row.get_indexer(applied["opening_id"])
        t = applied["occurred_at"].to_numpy()
        known = (s >= 0) & (o >= 0)
        order = np.argsort(s[known], kind="stable")
        self._applied = (s[known][order], o[known][order], t[known][order])
        hires = ev[ev["event"] == "hired"].drop_duplicates(["seeker_id", "opening_id"])
        self._hires = (self.opening_row.get_indexer(hires["opening_id"]), hires["occurred_at"].to_numpy())
        self._open_cache: dict[pd.Timestamp, np.ndarray] = {}

    def positions_left(self, as_of: pd.Timestamp) -> np.ndarray:
        """Positions of each opening minus hires recorded before ``as_of``."""
        rows, times = self._hires
        before = (times < self.rules_time(as_of)) & (rows >= 0)
        hired = np.bincount(rows[before], minlength=len(self.openings))
        return self.openings["positions"].astype(float).fillna(1).to_numpy() - hired

    def open_mask(self, as_of: pd.Timestamp) -> np.ndarray:
        """Openings open on ``as_of`` with at least one position left (cached per date)."""
        as_of = pd.Timestamp(as_of)
        if as_of not in self._open_cache:
            if len(self._open_cache) > 16:
                self._open_cache.clear()
            self._open_cache[as_of] = eligibility.open_on(self.openings, as_of) & (self.positions_left(as_of) > 0)
        return self._open_cache[as_of]

    def _applied_block(self, seeker_rows: np.ndarray, opening_rows: np.ndarray, as_of: pd.Timestamp) -> np.ndarray:
        """Block mask: the seeker applied to the opening before ``as_of``."""
        s, o, t = self._applied
        lo = np.searchsorted(s, seeker_rows, side="left")
        hi = np.searchsorted(s, seeker_rows, side="right")
        mask = np.zeros((len(seeker_rows), len(opening_rows)), dtype=bool)
        if not (hi > lo).any():
            return mask
        which = np.repeat(np.arange(len(seeker_rows)), hi - lo)
        picks = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True) if b > a])
        early = t[picks] < self.rules_time(as_of)
        column = pd.Index(opening_rows).get_indexer(o[picks])
        hit = early & (column >= 0)
        mask[which[hit], column[hit]] = True
        return mask

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
        allowed = self.open_mask(as_of).copy()
        if opening_mask is not None:
            allowed &= opening_mask
        candidates = np.flatnonzero(allowed)
        out: list[Match] = []
        per_chunk = max(1, chunk_pairs // max(len(candidates), 1))
        for start in range(0, len(rows), per_chunk):
            block = rows[start : start + per_chunk]
            ok = eligibility.eligible_block(self.birth_year[block], self.groups[block], self._rules(candidates))
            if exclude_applied:
                ok &= ~self._applied_block(block, candidates, as_of)
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
        consented_only: bool = True,
        seeker_mask: np.ndarray | None = None,
        chunk_pairs: int = 400_000,
    ) -> list[Match]:
        """Top ``k`` eligible seekers for each opening, ranked by the opening-side model.

        By default only seekers who agreed that employers may see their profile
        (``consent_employer_view``) are candidates; staff may ask for all.
        """
        rows = self._rows(self.opening_row, opening_ids, "opening")
        allowed = np.ones(len(self.seekers), dtype=bool) if seeker_mask is None else seeker_mask.copy()
        if consented_only:
            allowed &= self.seekers["consent_employer_view"].fillna(False).astype(bool).to_numpy()
        pool = np.flatnonzero(allowed)
        when = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now().normalize()
        out: list[Match] = []
        per_chunk = max(1, chunk_pairs // max(len(pool), 1))
        for start in range(0, len(rows), per_chunk):
            block = rows[start : start + per_chunk]
            ok = eligibility.eligible_block(self.birth_year[pool], self.groups[pool], self._rules(block)).T
            oi, si = np.nonzero(ok)
            o, s = block[oi], pool[si]
            out.extend(self._rank_block("opening", s, o, o, when, k))
        return out

    def _rules(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {name: values[rows] for name, values in self.rules.items()}

    @staticmethod
    def _rows(index: pd.Index, ids: list[str], kind: str) -> np.ndarray:
        ids = list(dict.fromkeys(ids))  # each id once, in the order given
        rows = index.get_indexer(ids)
        if (rows < 0).any():
            missing = [i for i, r in zip(ids, rows, strict=True) if r < 0][:10]
            raise KeyError(f"unknown {kind} id(s): {', '.join(map(str, missing))}")
        return rows


__all__ = ["FEATURES", "Match", "Matcher"]
