"""Ranked matches both ways over the current tables, hard rules first.

:class:`Matcher` encodes the current seekers and openings once and answers:

- :meth:`Matcher.matches`: for seekers, the openings open on the as-of date that
  they are eligible for, with positions left, not already applied to;
- :meth:`Matcher.candidates`: for openings, the eligible seekers.

No list ever holds an ineligible or closed opening: the rules are masks applied
before scoring, not penalties.

Ranking has two stages. Stage one (:mod:`matcher.retrieval`) scores every
allowed candidate of a query with a cheap additive model computed for whole
blocks; the ``shortlist`` best (default :data:`matcher.retrieval.SHORTLIST`)
go to stage two, every pair feature and the gradient-boosting ranker, which
orders them and attaches reasons. A query with no more allowed candidates than
the shortlist (or than ``k``) skips stage one, so its list is exactly the
ranker's.

A list for a day uses only what was known that day: the hard rules count the events before the end of
the day (or before the moment, for a time), and when the model's collaborative history has seen events
at or after that moment (a bundle trained past the day), it is refitted on the Matcher's events before
it (:meth:`Matcher.model_at`), so a list equals the list computed from the data cut at that moment.

Changes to the tables do not need a rebuild: :meth:`Matcher.upsert_seekers`,
:meth:`Matcher.upsert_openings`, :meth:`Matcher.remove_seekers`,
:meth:`Matcher.remove_openings` and :meth:`Matcher.add_events` return a *new*
Matcher (copy-on-write) that encodes only the changed rows and shares every
unchanged array with the old one, which stays valid: requests running on the
old Matcher keep working while the new one is swapped in.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from matcher import crowding, eligibility, explain, lists
from matcher.encoded import Encoded
from matcher.interest import Interest, interest_at
from matcher.lists import Scored
from matcher.pair_views import BlockView
from matcher.ranker import FEATURES, PairModel
from matcher.retrieval import SHORTLIST

# Parts the events are kept in before the newer ones are joined into one (Matcher.add_events).
EVENT_PARTS = 64
FEW_IDS = 8  # up to this many ids are looked up one by one
CHUNK_PAIRS = 400_000  # pairs scored together in one block, at most (a block's features fit in memory)
# Events that mean the seeker already applied: rejected and declined imply an application too.
APPLIED_EVENTS = ("applied", "interviewed", "hired", "retained", "rejected", "declined")


@dataclass(frozen=True)
class _OpenView:
    """Openings open on one day with a position left: their rows and encodings (cached per day)."""

    mask: np.ndarray
    rows: np.ndarray
    codes: Encoded
    rules: dict[str, np.ndarray]


@dataclass(frozen=True)
class Match:
    """One ranked pair with its score, Korean reasons (what raised the score) and cautions (stated
    preferences the pair misses)."""

    rank: int
    seeker_id: str
    opening_id: str
    score: float
    reasons: tuple[str, ...]
    cautions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """Ranked lists and what they were chosen from: every opening the ranker scored for them (stage two's
    shortlist, or every allowed opening when stage one was skipped). An opening leaving the open set (e.g. a
    hire fills it) alters these lists only if it is one of them (see :meth:`Matcher.match_lists`)."""

    matches: list[Match]
    considered: frozenset[str]


class Matcher:
    """The model applied to one snapshot of seekers, openings and events.

    ``shortlist`` is how many candidates per query stage one hands to the ranker
    (``None``: the ranker scores every allowed pair, the slow exact path).
    A Matcher is never changed in place after construction; the update methods
    return new ones, so one Matcher may serve concurrent requests.
    """

    def __init__(
        self,
        model: PairModel,
        seekers: pd.DataFrame,
        openings: pd.DataFrame,
        events: pd.DataFrame,
        *,
        shortlist: int | None = SHORTLIST,
    ) -> None:
        self.model = model
        self.shortlist = shortlist
        self.seekers = seekers.reset_index(drop=True)
        self.openings = openings.reset_index(drop=True)
        self._event_parts: tuple[pd.DataFrame, ...] = (events,)
        featurizer = model.featurizer_
        self.seeker_codes: Encoded = featurizer.encode_seekers(self.seekers)
        self.opening_codes: Encoded = featurizer.encode_openings(self.openings)
        self.rules = eligibility.opening_rules(self.openings)
        self._applied_pairs = _first_times(events, APPLIED_EVENTS)
        self._hire_pairs = _first_times(events, ("hired",))
        self._history_tables = (self.seekers, self.openings, self.seeker_codes, self.opening_codes)
        self._models_at: dict[pd.Timestamp, PairModel] = {}
        self._interest_at: dict[pd.Timestamp, Interest] = {}
        self._guest = False  # a search profile: no history of its own
        self._seeker_state()
        self._opening_state()
        self._index_applied()
        self._index_hires()

    @property
    def events(self) -> pd.DataFrame:
        """Every event known. :meth:`add_events` appends a part without copying the others; the parts are
        joined here, on the first read that needs them whole (a refitted history, a deletion), and kept joined."""
        parts = self._event_parts
        if len(parts) == 1:
            return parts[0]
        joined = pd.concat(parts, ignore_index=True)
        self._event_parts = (joined,)  # the same events: this Matcher is still unchanged for its readers
        return joined

    def _seeker_state(self) -> None:
        self.seeker_row = pd.Index(self.seekers["seeker_id"])
        self.birth_year = self.seekers["birth_year"].astype(float).to_numpy()
        self.groups = self.seeker_codes.numbers["groups"]
        self.needs = self.seeker_codes.numbers["access_needs"]
        self._consent = self.seekers["consent_employer_view"].fillna(False).astype(bool).to_numpy()
        self._seeker_fields: tuple | None = None  # what the reasons read, made on first use

    def _opening_state(self) -> None:
        self.opening_row = pd.Index(self.openings["opening_id"])
        self._positions = self.openings["positions"].astype(float).fillna(1).to_numpy()
        self._posted, self._last_open = eligibility.opening_days(self.openings)
        self._opening_fields: tuple | None = None  # what the reasons read, made on first use

    def _derive(self, **changes: object) -> Matcher:
        """A new Matcher with some state replaced: what follows from it is recomputed, the rest shared.

        The cache of open openings per day is shared unless the openings or hires changed.
        """
        if "events" in changes:
            changes["_event_parts"] = (changes.pop("events"),)
        new = copy.copy(self)
        new.__dict__.update(changes)
        if "seekers" in changes:
            new._seeker_state()
        if "openings" in changes:
            new._opening_state()
        if changes.keys() & {"seekers", "openings", "_applied_pairs"} and "_applied" not in changes:
            new._index_applied()
        if changes.keys() & {"openings", "_hire_pairs"}:
            new._index_hires()
        if changes.keys() & {"_event_parts", "seekers", "openings"} and "_history_tables" not in changes:
            new._history_tables = (new.seekers, new.openings, new.seeker_codes, new.opening_codes)
            new._models_at = {}  # refitted histories read the events and tables
        if changes.keys() & {"_event_parts", "seekers", "openings"}:
            new._interest_at = {}
        return new

    def model_at(self, as_of: pd.Timestamp | str) -> PairModel:
        """The model as of a moment: the bundle's, unless its history has seen events at or after the
        moment (see :meth:`rules_time`); then a copy whose history is refitted on the events before it."""
        moment = pd.Timestamp(self.rules_time(pd.Timestamp(as_of)))
        last = getattr(self.model.history_, "last_event_", pd.Timestamp.max)  # older bundles: assume it may
        if pd.isna(last) or last < moment:
            return self.model
        found = self._models_at.get(moment)
        if found is None:
            seekers, openings, seeker_codes, opening_codes = self._history_tables
            events = self.events[self.events["occurred_at"] < moment]
            events = events[
                events["seeker_id"].isin(seekers["seeker_id"]) & events["opening_id"].isin(openings["opening_id"])
            ]
            found = copy.copy(self.model)
            found.fit_history(events, seekers, openings, codes=(seeker_codes, opening_codes))
            if len(self._models_at) >= 8:
                self._models_at.clear()
            self._models_at[moment] = found
        return found

    def matches_for_profiles(
        self,
        profiles: pd.DataFrame,
        as_of: pd.Timestamp | str,
        k: int = 10,
        *,
        opening_mask: np.ndarray | None = None,
    ) -> list[Match]:
        """Top ``k`` openings for seeker rows that are not in the tables (e.g. a self-search), stored nowhere.

        Each is ranked as a registered seeker without history; only its own rows are encoded.
        """
        profiles = profiles.reset_index(drop=True)
        guest = self._derive(
            seekers=profiles,
            seeker_codes=self.model.featurizer_.encode_seekers(profiles),
            _applied_pairs=self._applied_pairs.iloc[:0],
            _history_tables=self._history_tables,  # the guest has no history of its own to refit
            _guest=True,
        )
        return guest.matches(list(profiles["seeker_id"]), as_of, k, opening_mask=opening_mask)

    # -- updates (copy-on-write) ---------------------------------------------------------------
    def upsert_seekers(self, seekers: pd.DataFrame) -> Matcher:
        """A Matcher with these seeker rows added, or replacing the rows of the same ``seeker_id``.

        Only these rows are encoded. Replaced rows keep their position; new ones come last.
        """
        table, order = self._upsert(self.seekers, seekers, "seeker_id")
        new_codes = self.model.featurizer_.encode_seekers(table.iloc[len(self.seekers) :])
        codes = _combine(self.seeker_codes, new_codes, order)
        return self._derive(seekers=_rows_of(table, order), seeker_codes=codes)

    def upsert_openings(self, openings: pd.DataFrame) -> Matcher:
        """A Matcher with these opening rows added, or replacing the rows of the same ``opening_id``.

        Only these rows are encoded and have their eligibility rules derived.
        """
        table, order = self._upsert(self.openings, openings, "opening_id")
        added = table.iloc[len(self.openings) :]
        new_codes = self.model.featurizer_.encode_openings(added)
        rules = {
            name: np.concatenate([old, new])[order]
            for (name, old), new in zip(self.rules.items(), eligibility.opening_rules(added).values(), strict=True)
        }
        codes = _combine(self.opening_codes, new_codes, order)
        return self._derive(openings=_rows_of(table, order), opening_codes=codes, rules=rules)

    def remove_seekers(self, seeker_ids: list[str]) -> Matcher:
        """A Matcher without these seekers (unknown ids are ignored); their events stay recorded."""
        keep = ~self.seeker_row.isin(list(seeker_ids))
        if keep.all():
            return self
        rows = np.flatnonzero(keep)
        return self._derive(seekers=_rows_of(self.seekers, rows), seeker_codes=self.seeker_codes.take(rows))

    def drop_events(self, seeker_ids: list[str]) -> Matcher:
        """A Matcher that no longer knows these seekers' events (erased with them): their applications and
        hires stop counting, so an opening they filled has its positions back."""
        erased = self.events["seeker_id"].isin(list(seeker_ids))
        if not erased.any():
            return self
        gone = list(seeker_ids)
        return self._derive(
            events=self.events[~erased].reset_index(drop=True),
            _applied_pairs=self._applied_pairs[~self._applied_pairs["seeker_id"].isin(gone)],
            _hire_pairs=self._hire_pairs[~self._hire_pairs["seeker_id"].isin(gone)],
        )

    def remove_openings(self, opening_ids: list[str]) -> Matcher:
        """A Matcher without these openings (unknown ids are ignored); their events stay recorded."""
        keep = ~self.opening_row.isin(list(opening_ids))
        if keep.all():
            return self
        rows = np.flatnonzero(keep)
        rules = {name: values[rows] for name, values in self.rules.items()}
        return self._derive(
            openings=_rows_of(self.openings, rows), opening_codes=self.opening_codes.take(rows), rules=rules
        )

    def add_events(self, events: pd.DataFrame) -> Matcher:
        """A Matcher that also knows these events: applications and hires apply to the hard rules at once.

        Events may name seekers or openings not (yet) in the tables; they count once those rows arrive.
        The collaborative history of the model is what it was at training and is not refitted.
        """
        if events.empty:
            return self
        events = events.assign(occurred_at=pd.to_datetime(events["occurred_at"]))
        parts = (*self._event_parts, events)
        if len(parts) > EVENT_PARTS:  # many small parts cost more to join later than the recent ones cost now
            parts = (parts[0], pd.concat(parts[1:], ignore_index=True))
        changes: dict[str, object] = {"_event_parts": parts}
        # Only what the new events touch is recomputed: views leave the hard rules (and the cached
        # view of each day's open openings) as they were.
        for name, kinds in (("_applied_pairs", APPLIED_EVENTS), ("_hire_pairs", ("hired",))):
            if events["event"].isin(kinds).any():
                added = _first_times(events, kinds)
                appended = self._applications_appended(added) if name == "_applied_pairs" else None
                if appended is not None:
                    changes.update(appended)
                else:
                    changes[name] = _first_times(pd.concat([getattr(self, name), added]))
        new = self._derive(**changes)
        if "_hire_pairs" in changes:
            # A day's open openings lose only those the hires fill: a day whose openings all keep a position keeps
            # its view, and with it what stage one remembered of them (ranking the first list of a day again
            # cost some 180 ms for 10,000 openings).
            new._open_cache = {
                day: view
                for day, view in list(self._open_cache.items())  # (a list at once: other threads add days)
                if (new.positions_left(day)[view.rows] > 0).all()
            }
        if self._interest_at and events["occurred_at"].min() >= max(self._interest_at):
            new._interest_at = dict(self._interest_at)  # the new events are after every day it holds
        return new

    def _applications_appended(self, added: pd.DataFrame) -> dict[str, object] | None:
        """The applications' state with ``added`` (first times of pairs) appended, as recomputing it from all
        applications would give, without that recomputation (a groupby over every application, then sorting
        them all again); None when a pair was already applied to or names a seeker or opening not in the tables
        (the caller recomputes)."""
        s = self.seeker_row.get_indexer(added["seeker_id"])
        o = self.opening_row.get_indexer(added["opening_id"])
        if (s < 0).any() or (o < 0).any():
            return None
        rows, columns, times = self._applied
        low, high = np.searchsorted(rows, s, side="left"), np.searchsorted(rows, s, side="right")
        if any((columns[a:b] == c).any() for a, b, c in zip(low, high, o, strict=True)):
            return None
        # After the seeker's pairs already known: where a stable sort of the appended table puts them.
        when = added["occurred_at"].to_numpy()
        applied = (np.insert(rows, high, s), np.insert(columns, high, o), np.insert(times, high, when))
        return {"_applied_pairs": pd.concat([self._applied_pairs, added], ignore_index=True), "_applied": applied}

    @staticmethod
    def _upsert(table: pd.DataFrame, rows: pd.DataFrame, key: str) -> tuple[pd.DataFrame, np.ndarray]:
        """The old table followed by the given rows (last copy of each id), and the order of the result."""
        rows = rows.drop_duplicates(key, keep="last").reset_index(drop=True)
        n = len(table)
        known = pd.Index(table[key]).get_indexer(rows[key])
        order = np.arange(n)
        order[known[known >= 0]] = n + np.flatnonzero(known >= 0)
        order = np.concatenate([order, n + np.flatnonzero(known < 0)])
        return pd.concat([table, rows], ignore_index=True), order

    # -- hard rules --------------------------------------------------------------------------
    @staticmethod
    def rules_time(as_of: pd.Timestamp) -> np.datetime64:
        """The moment the hard rules look at: a bare date means its whole day, so an
        application or hire recorded earlier that day already counts."""
        return _rules_time(pd.Timestamp(as_of))

    def _index_applied(self) -> None:
        """Applications as arrays sorted by seeker row, so the rules at any as-of date are quick lookups."""
        applied = self._applied_pairs
        s = self.seeker_row.get_indexer(applied["seeker_id"])
        o = self.opening_row.get_indexer(applied["opening_id"])
        t = applied["occurred_at"].to_numpy()
        known = (s >= 0) & (o >= 0)
        order = np.argsort(s[known], kind="stable")
        self._applied = (s[known][order], o[known][order], t[known][order])

    def _index_hires(self) -> None:
        """Hires by opening row; the per-day cache of open openings starts again."""
        hires = self._hire_pairs
        self._hires = (self.opening_row.get_indexer(hires["opening_id"]), hires["occurred_at"].to_numpy())
        self._open_cache: dict[pd.Timestamp, _OpenView] = {}

    def positions_left(self, as_of: pd.Timestamp) -> np.ndarray:
        """Positions of each opening minus hires recorded before ``as_of``."""
        rows, times = self._hires
        before = (times < self.rules_time(as_of)) & (rows >= 0)
        hired = np.bincount(rows[before], minlength=len(self.openings))
        return self._positions - hired

    def _open_view(self, as_of: pd.Timestamp) -> _OpenView:
        """Openings open on ``as_of`` with a position left, with their encodings (cached per date)."""
        as_of = pd.Timestamp(as_of)
        found = self._open_cache.get(as_of)
        if found is None:
            day = np.array([as_of.normalize().to_datetime64()])
            mask = eligibility.open_block(day, self._posted, self._last_open)[0] & (self.positions_left(as_of) > 0)
            rows = np.flatnonzero(mask)
            found = _OpenView(mask, rows, self.opening_codes.take(rows), self._rules(rows))
            if len(self._open_cache) > 16:
                self._open_cache.clear()
            self._open_cache[as_of] = found
        return found

    def open_mask(self, as_of: pd.Timestamp) -> np.ndarray:
        """Openings open on ``as_of`` with at least one position left (cached per date)."""
        return self._open_view(as_of).mask

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

    def _allowed(self, rows: np.ndarray, open_now: _OpenView, as_of: pd.Timestamp, exclude_applied: bool) -> np.ndarray:
        """Block mask over (seeker rows × the day's open openings): eligible, and not applied to before."""
        ok = eligibility.eligible_block(self.birth_year[rows], self.groups[rows], open_now.rules, self.needs[rows])
        if exclude_applied:
            ok &= ~self._applied_block(rows, open_now.rows, as_of)
        return ok

    def allowed(self, seeker_ids: list[str], as_of: pd.Timestamp | str) -> tuple[np.ndarray, np.ndarray]:
        """What the hard rules let each seeker's list hold on ``as_of``: the open openings' table rows
        and a (seekers × those openings) mask of the pairs that are eligible and not applied to."""
        as_of = pd.Timestamp(as_of)
        open_now = self._open_view(as_of)
        rows = self._rows(self.seeker_row, seeker_ids, "seeker")
        return open_now.rows, self._allowed(rows, open_now, as_of, exclude_applied=True)

    # -- ranking -----------------------------------------------------------------------------
    def interest(self, as_of: pd.Timestamp | str) -> Interest:
        """What the events before the lists' day say, for reasons about the past (kept per day).

        The day's start, not the end the hard rules count to: a reason about the past then rests on a part
        of what the list knows (never on more), and the events recorded during the day, which a service
        writes all day long, leave it as it was (:meth:`add_events`)."""
        moment = pd.Timestamp(as_of).normalize()
        found = self._interest_at.get(moment)
        if found is None:
            found = interest_at(self.events, self.seekers, self.openings, moment)
            if len(self._interest_at) >= 8:
                self._interest_at.clear()
            self._interest_at[moment] = found
        return found

    def _reason_fields(self) -> tuple[tuple, tuple]:
        """What the reasons read of the seekers and of the openings (one object array per table), made on first use."""
        if self._seeker_fields is None:
            self._seeker_fields = explain.record_fields(self.seekers, explain.SEEKER_FIELDS)
        if self._opening_fields is None:
            self._opening_fields = explain.record_fields(self.openings, explain.OPENING_FIELDS)
        return self._seeker_fields, self._opening_fields

    def _explain(
        self, x: np.ndarray, s: np.ndarray, o: np.ndarray, side: str, as_of: pd.Timestamp
    ) -> tuple[list[list[str]], list[list[str]]]:
        """Reasons and cautions for pairs (s[i], o[i]) of table rows (only the rows a list shows), from the
        fields they read (taken once per Matcher as one object array per table) rather than pandas rows."""
        seeker_fields, opening_fields = self._reason_fields()
        ages = self.rules["age_min"][o], self.rules["age_max"][o]
        pairs = explain.Pairs(
            side=side,
            model=self.model_at(as_of),
            x=x,
            s=s,
            o=o,
            seekers=self.seeker_codes,
            openings=self.opening_codes,
            seeker_records=explain.records(seeker_fields, s),
            opening_records=explain.records(opening_fields, o),
            age_min=np.where(ages[0] > eligibility.NO_AGE_MIN, ages[0], np.nan),
            age_max=np.where(ages[1] < eligibility.NO_AGE_MAX, ages[1], np.nan),
            interest=None if self._guest or not len(s) else self.interest(as_of),
        )
        return explain.explain(pairs)

    def _scored(
        self,
        side: str,
        view: BlockView,
        allowed: np.ndarray,
        as_of: pd.Timestamp,
        k: int,
        seeker_rows: np.ndarray,
        opening_rows: np.ndarray,
        offset: np.ndarray | float = 0.0,
        padded: bool = False,
        considered: list[np.ndarray] | None = None,
    ) -> Scored:
        """Both stages over a block (view positions map to table rows through ``*_rows``): the best ``k``
        scored pairs of each query (a seeker on the seeker side, an opening on the other). The opening rows
        the ranker scored are appended to ``considered`` when given."""
        n = None if self.shortlist is None else max(self.shortlist, k)
        si, oi, x, score = self.model_at(as_of).rank_block(side, view, as_of, allowed, n, offset)
        s_codes = si if view.s is None else view.s[si]
        o_codes = oi if view.o is None else view.o[oi]
        if considered is not None:
            considered.append(opening_rows[oi])
        miss = self.model.misses(x, view.seekers, view.openings, s_codes, o_codes)
        if side == "seeker" and not padded:
            # a job the seeker has no tie to (matcher.fit.unrelated) never pads a list
            keep = ~self.model.unrelated(x, view.seekers, view.openings, s_codes, o_codes)
            si, oi, x, score, miss = si[keep], oi[keep], x[keep], score[keep], miss[keep]
        return lists.pools(Scored(seeker_rows[si], opening_rows[oi], x, score, miss), side, k, padded)

    def _listed(self, side: str, found: Scored, k: int, as_of: pd.Timestamp, padded: bool = False) -> list[Match]:
        """The top ``k`` of each query of scored pairs, ranked, with reasons. A seeker's list holds pairs
        that miss a stated preference only among its first :data:`matcher.fit.SHORT_LIST` entries, unless
        ``padded``."""
        keep, ranks = lists.ranked(found, side, k, padded)
        reasons, cautions = self._explain(found.x[keep], found.s[keep], found.o[keep], side, as_of)
        seeker_ids = self.seeker_codes.ids[found.s[keep]]
        opening_ids = self.opening_codes.ids[found.o[keep]]
        return [
            Match(int(r), str(si), str(oi), round(float(v), 6), tuple(why), tuple(but))
            for r, si, oi, v, why, but in zip(
                ranks, seeker_ids, opening_ids, found.score[keep], reasons, cautions, strict=True
            )
        ]

    def matches(
        self,
        seeker_ids: list[str],
        as_of: pd.Timestamp | str,
        k: int = 10,
        *,
        exclude_applied: bool = True,
        opening_mask: np.ndarray | None = None,
        shown: tuple[np.ndarray, int] | None = None,
        congestion: bool = True,
        padded: bool = False,
        chunk_pairs: int = CHUNK_PAIRS,
    ) -> list[Match]:
        """Top ``k`` openings for each seeker (:meth:`match_lists`' matches; same arguments)."""
        return self.match_lists(
            seeker_ids,
            as_of,
            k,
            exclude_applied=exclude_applied,
            opening_mask=opening_mask,
            shown=shown,
            congestion=congestion,
            padded=padded,
            chunk_pairs=chunk_pairs,
        ).matches

    def match_lists(
        self,
        seeker_ids: list[str],
        as_of: pd.Timestamp | str,
        k: int = 10,
        *,
        exclude_applied: bool = True,
        opening_mask: np.ndarray | None = None,
        shown: tuple[np.ndarray, int] | None = None,
        congestion: bool = True,
        padded: bool = False,
        chunk_pairs: int = CHUNK_PAIRS,
    ) -> Listing:
        """Top ``k`` openings for each seeker, ranked by the seeker-side model and the pair's fit, and the
        openings they were chosen from.

        With ``congestion`` (the default), the lists asked for together are one day's lists, chosen
        jointly so that no few openings fill them all (:func:`matcher.crowding.joint_lists`).
        ``shown`` instead gives the lists of the day already shown elsewhere, as the service counts
        them: how many hold each opening (per opening table row) and how many there are; each list
        asked for then pays for those (:func:`matcher.crowding.congestion`).

        A list shows openings that miss a stated preference only among its first five entries
        (:mod:`matcher.lists`); ``padded`` lists every allowed opening up to ``k`` instead (with
        ``congestion=False``: exactly the allowed openings, best first).

        ``considered``: the openings the ranker scored. Another opening leaving the open set leaves these lists
        as they are: stage one scores each opening on its own, so the shortlist keeps its members, and fewer
        positions left only lower that opening's score (:func:`matcher.crowding.congestion`).
        """
        as_of = pd.Timestamp(as_of)
        rows = self._rows(self.seeker_row, seeker_ids, "seeker")
        open_now = self._open_view(as_of)
        candidates = open_now.rows
        # A caller's filter is one more mask on the cached view of the day's open openings: taking a
        # subset of their encodings would cost more than scoring the few extra pairs it excludes.
        wanted = None if opening_mask is None else opening_mask[candidates][None, :]
        left = self.positions_left(as_of)
        offset: np.ndarray | float = 0.0
        if congestion and shown is not None:
            exposure = np.asarray(shown[0], dtype=float)[candidates]
            offset = crowding.congestion(exposure, left[candidates])[None, :]
            full = crowding.full(exposure, shown[1] + 1)[None, :]
            wanted = ~full if wanted is None else wanted & ~full
        joint = congestion and shown is None and len(rows) > 1
        pool = max(k, crowding.POOL) if joint else k
        considered: list[np.ndarray] = []
        found = self._pools(rows, as_of, pool, exclude_applied, wanted, offset, padded, considered, chunk_pairs)
        listed = self._listed("seeker", lists.joint(found, left, k, padded) if joint else found, k, as_of, padded)
        scored = np.unique(np.concatenate(considered)) if considered else np.zeros(0, dtype=np.intp)
        return Listing(listed, frozenset(self.opening_codes.ids[scored].tolist()))

    def _pools(
        self,
        rows: np.ndarray,
        as_of: pd.Timestamp,
        pool: int,
        exclude_applied: bool = True,
        wanted: np.ndarray | None = None,
        offset: np.ndarray | float = 0.0,
        padded: bool = False,
        considered: list[np.ndarray] | None = None,
        chunk_pairs: int = CHUNK_PAIRS,
    ) -> Scored:
        """Both stages for the seekers of table ``rows``, block by block: the ``pool`` best pairs of each list."""
        open_now = self._open_view(as_of)
        parts: list[Scored] = []
        per_chunk = self.block_queries("seeker", as_of, chunk_pairs=chunk_pairs)
        for start in range(0, len(rows), per_chunk):
            block = rows[start : start + per_chunk]
            ok = self._allowed(block, open_now, as_of, exclude_applied)
            if wanted is not None:
                ok &= wanted
            view = BlockView(self.seeker_codes, open_now.codes, block, None)
            parts.append(
                self._scored("seeker", view, ok, as_of, pool, block, open_now.rows, offset, padded, considered)
            )
        return Scored.concat(parts, len(FEATURES))

    # -- one day's lists in parts (matcher.batch), each part where its chunk of seekers is ----------------
    def block_queries(
        self, side: str, as_of: pd.Timestamp | str, *, consented_only: bool = True, chunk_pairs: int = CHUNK_PAIRS
    ) -> int:
        """Queries (seekers, or openings on the other side) scored together in one block of at most
        ``chunk_pairs`` pairs: lists asked for in groups of a multiple of it are scored in the same blocks
        as when asked for at once (:meth:`match_lists`, :meth:`candidates`)."""
        if side == "seeker":
            width = len(self._open_view(pd.Timestamp(as_of)).rows)
        else:
            width = int(self._candidate_pool(consented_only, None).sum())
        return _queries_per_block(width, chunk_pairs)

    def prepare(self, as_of: pd.Timestamp | str) -> None:
        """Builds now what every list of the day reads (the day's open openings, the model as of it, what the
        events before it say, the fields the reasons read), kept as this Matcher's caches: copies of it made
        afterwards (a cluster's workers, matcher.batch) start with them instead of each building its own."""
        as_of = pd.Timestamp(as_of)
        self._open_view(as_of)
        self.model_at(as_of)
        self.interest(as_of)
        self._reason_fields()

    def joint_pools(
        self, seeker_ids: list[str], as_of: pd.Timestamp | str, k: int = 10, *, chunk_pairs: int = CHUNK_PAIRS
    ) -> Scored:
        """What each of these seekers' lists of one day can be chosen from when the day's lists are chosen
        together (:meth:`match_lists` with its defaults, stage one and the ranker): the first part of the work."""
        rows = self._rows(self.seeker_row, seeker_ids, "seeker")
        return self._pools(rows, pd.Timestamp(as_of), max(k, crowding.POOL), chunk_pairs=chunk_pairs)

    def listed_pairs(self, found: Scored, as_of: pd.Timestamp | str, k: int = 10) -> list[Match]:
        """Seekers' lists of the pairs chosen for them (:func:`matcher.lists.joint` over their pools), ranked and
        explained: the last part of the work. Each seeker's list needs only its own pairs."""
        return self._listed("seeker", found, k, pd.Timestamp(as_of))

    def candidates(
        self,
        opening_ids: list[str],
        as_of: pd.Timestamp | str | None = None,
        k: int = 10,
        *,
        consented_only: bool = True,
        seeker_mask: np.ndarray | None = None,
        chunk_pairs: int = CHUNK_PAIRS,
    ) -> list[Match]:
        """Top ``k`` eligible seekers for each opening, ranked by the opening-side model.

        By default only seekers who agreed that employers may see their profile
        (``consent_employer_view``) are candidates; staff may ask for all.
        """
        rows = self._rows(self.opening_row, opening_ids, "opening")
        pool = np.flatnonzero(self._candidate_pool(consented_only, seeker_mask))
        whole = len(pool) == len(self.seekers)
        when = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now().normalize()
        out: list[Match] = []
        per_chunk = _queries_per_block(len(pool), chunk_pairs)
        for start in range(0, len(rows), per_chunk):
            block = rows[start : start + per_chunk]
            ok = eligibility.eligible_block(
                self.birth_year[pool], self.groups[pool], self._rules(block), self.needs[pool]
            )
            view = BlockView(self.seeker_codes, self.opening_codes, None if whole else pool, block)
            out.extend(self._listed("opening", self._scored("opening", view, ok, when, k, pool, block), k, when))
        return out

    def _candidate_pool(self, consented_only: bool, seeker_mask: np.ndarray | None) -> np.ndarray:
        """Mask of the seekers an opening's candidates are chosen from."""
        allowed = np.ones(len(self.seekers), dtype=bool) if seeker_mask is None else seeker_mask.copy()
        return allowed & self._consent if consented_only else allowed

    # -- pairs chosen by the caller (assignment of program slots) ------------------------------
    def eligible_seekers(self, opening_ids: list[str], as_of: pd.Timestamp | str) -> list[str]:
        """Seekers eligible (program, age, groups) for at least one of the openings, in table order."""
        rows = self._rows(self.opening_row, opening_ids, "opening")
        if len(rows) == 0:
            return []
        ok = eligibility.eligible_block(self.birth_year, self.groups, self._rules(rows), self.needs).any(axis=1)
        return self.seekers["seeker_id"][ok].tolist()

    def score_matrix(self, seeker_ids: list[str], opening_ids: list[str], as_of: pd.Timestamp | str) -> np.ndarray:
        """Seeker-side scores of every (seeker, opening) pair, NaN where a hard rule forbids the pair
        (ineligible, opening closed or full on ``as_of``, already applied). Every pair is scored by the ranker."""
        as_of = pd.Timestamp(as_of)
        s_rows = self._rows(self.seeker_row, seeker_ids, "seeker")
        o_rows = self._rows(self.opening_row, opening_ids, "opening")
        out = np.full((len(s_rows), len(o_rows)), np.nan)
        if not out.size:
            return out
        ok = eligibility.eligible_block(
            self.birth_year[s_rows], self.groups[s_rows], self._rules(o_rows), self.needs[s_rows]
        )
        ok &= self.open_mask(as_of)[o_rows][None, :] & ~self._applied_block(s_rows, o_rows, as_of)
        bi, oi = np.nonzero(ok)
        if len(bi):
            at = np.full(len(bi), as_of.to_datetime64())
            model, s, o = self.model_at(as_of), s_rows[bi], o_rows[oi]
            x = model.features(self.seeker_codes, self.opening_codes, self.openings, s, o, at)
            out[bi, oi] = model.fitted_score("seeker", x, self.seeker_codes, self.opening_codes, s, o)
        return out

    def explain_pairs(self, seeker_ids: list[str], opening_ids: list[str], as_of: pd.Timestamp | str) -> list[Match]:
        """One :class:`Match` (seeker-side score and reasons, rank 1) per pair ``(seeker_ids[i], opening_ids[i])``."""
        if len(seeker_ids) != len(opening_ids):
            raise ValueError("seeker_ids and opening_ids must pair up (same length)")
        if not seeker_ids:
            return []
        as_of = pd.Timestamp(as_of)
        s = self.seeker_row.get_indexer(seeker_ids)
        o = self.opening_row.get_indexer(opening_ids)
        if (s < 0).any() or (o < 0).any():
            unknown = [i for i, r in zip([*seeker_ids, *opening_ids], [*s, *o], strict=True) if r < 0][:10]
            raise KeyError(f"unknown id(s): {', '.join(map(str, unknown))}")
        model = self.model_at(as_of)
        x = model.features(
            self.seeker_codes, self.opening_codes, self.openings, s, o, np.full(len(s), as_of.to_datetime64())
        )
        score = model.fitted_score("seeker", x, self.seeker_codes, self.opening_codes, s, o)
        reasons, cautions = self._explain(x, s, o, "seeker", as_of)
        return [
            Match(1, str(si), str(oi), round(float(v), 6), tuple(why), tuple(but))
            for si, oi, v, why, but in zip(seeker_ids, opening_ids, score, reasons, cautions, strict=True)
        ]

    def _rules(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {name: values[rows] for name, values in self.rules.items()}

    @staticmethod
    def _rows(index: pd.Index, ids: list[str], kind: str) -> np.ndarray:
        ids = list(dict.fromkeys(ids))  # each id once, in the order given
        if len(ids) <= FEW_IDS:  # a hash lookup per id; building an indexer costs far more for one list
            rows = np.array([index.get_loc(i) if i in index else -1 for i in ids], dtype=np.intp)
        else:
            rows = index.get_indexer(ids)
        if (rows < 0).any():
            missing = [i for i, r in zip(ids, rows, strict=True) if r < 0][:10]
            raise KeyError(f"unknown {kind} id(s): {', '.join(map(str, missing))}")
        return rows


def _queries_per_block(width: int, chunk_pairs: int) -> int:
    """Queries of ``width`` candidates each that one block of at most ``chunk_pairs`` pairs holds (at least one)."""
    return max(1, chunk_pairs // max(width, 1))


@lru_cache(maxsize=64)
def _rules_time(as_of: pd.Timestamp) -> np.datetime64:
    end = as_of + pd.Timedelta(days=1) if as_of == as_of.normalize() else as_of
    return end.to_datetime64()


def _first_times(events: pd.DataFrame, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """First time of each (seeker, opening) pair, among events of these kinds if given."""
    if kinds is not None:
        events = events[events["event"].isin(kinds)]
    return events.groupby(["seeker_id", "opening_id"], as_index=False, sort=False)["occurred_at"].min()


def _rows_of(table: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    return table.iloc[rows].reset_index(drop=True)


def _combine(old: Encoded, added: Encoded, order: np.ndarray) -> Encoded:
    """Rows of ``old`` followed by ``added``, taken in ``order``."""
    joined = Encoded.concat([old, added])
    return joined if np.array_equal(order, np.arange(len(joined))) else joined.take(order)


__all__ = ["FEATURES", "Match", "Matcher"]
