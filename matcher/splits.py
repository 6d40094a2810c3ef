"""How the events are split for fitting and evaluation: by time, or one pair held out per seeker.

A **time split** cuts the timeline of events at event-time quantiles: three *label windows*
(20–40 %, 40–60 % and 60–80 %) and the *test* window (the last 20 %). The rankers learn from
the label windows (each with the history before it) and are evaluated on the test window.

Real exports often carry one date for every event (the export's), or a handful of dates. A time
split then has nothing to cut. Instead each seeker with at least two pairs of interest keeps one
pair, drawn at random, for the test (**leave-one-out**), and the other pairs are dealt into
:data:`FOLDS` label folds: a fold's pairs are labels while the rest of the known history is
history, as each label window is in the time split. Every event of a pair goes with its pair,
so a held-out application is not half known.

Both splits answer the same questions (:data:`Split`): which events are known before the test
(``known``), which are read with their times by the counts and the hard rules (``timeline``),
when the test's queries are asked (``moment``), and whether every opening counts as open
(``always_open``, when the dates cannot say).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from matcher.history import pair_grades

TEST_SHARE = 0.8  # the last 20 % of events is the test window
LABEL_WINDOWS = (0.2, 0.4, 0.6)  # label windows start here and run to the next cut
FOLDS = 3
MIN_DAYS = 20  # distinct event days below which a time split cannot work


@dataclass(frozen=True)
class TimeSplit:
    """Events split by time: the test window from ``test_start``, label windows from each of ``label_starts``
    to the next (the last to ``test_start``)."""

    events: pd.DataFrame
    test_start: pd.Timestamp
    label_starts: tuple[pd.Timestamp, ...] = ()
    always_open: ClassVar[bool] = False

    @property
    def known(self) -> pd.DataFrame:
        """The events before the test window."""
        return self.events[self.events["occurred_at"] < self.test_start]

    @property
    def timeline(self) -> pd.DataFrame:
        """Every event: counts and rules read each one only after its time."""
        return self.events

    @property
    def moment(self) -> pd.Timestamp:
        """When the test starts."""
        return self.test_start

    def label_windows(self) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """(start, end) of each label window."""
        return list(itertools.pairwise((*self.label_starts, self.test_start)))

    def describe(self) -> dict[str, object]:
        """The cut dates, for a manifest."""
        return {
            "split": "time",
            "label_windows": [str(c.date()) for c in self.label_starts],
            "test_start": str(self.test_start.date()),
        }


@dataclass
class HeldOut:
    """A leave-one-out split: the known events, the held-out events and each known event's fold."""

    known: pd.DataFrame
    test: pd.DataFrame
    fold: np.ndarray  # fold of each row of ``known`` (0 .. FOLDS - 1)
    moment: pd.Timestamp  # after every event: when the queries are asked
    always_open: ClassVar[bool] = True

    @property
    def timeline(self) -> pd.DataFrame:
        """The known events: the held-out ones have no time that says when they were known."""
        return self.known

    def fold_events(self, fold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The history (known events outside the fold) and the fold's events."""
        inside = self.fold == fold
        return self.known[~inside], self.known[inside]

    def describe(self) -> dict[str, object]:
        """How the split was made, for a manifest."""
        return {"split": "leave-one-out", "folds": FOLDS, "moment": str(self.moment.date())}


Split = TimeSplit | HeldOut


def cut_dates(events: pd.DataFrame) -> list[pd.Timestamp]:
    """Window boundaries at event-time quantiles (whole days): label windows, then the test start."""
    times = events["occurred_at"]
    return [times.quantile(q).normalize() for q in (*LABEL_WINDOWS, TEST_SHARE)]


def time_split_works(events: pd.DataFrame, cuts: list[pd.Timestamp]) -> bool:
    """Whether the events' days can carry a time split cut at ``cuts``: enough distinct days, and label
    windows and the test window that are not empty."""
    days = events["occurred_at"].dt.normalize()
    if days.nunique() < MIN_DAYS:
        return False
    bounds = [days.min(), *cuts, days.max() + pd.Timedelta(days=1)]
    return all(a < b for a, b in itertools.pairwise(bounds))


def time_split(events: pd.DataFrame) -> TimeSplit:
    """The time split at :func:`cut_dates`."""
    *starts, test_start = cut_dates(events)
    return TimeSplit(events, test_start, tuple(starts))


def choose_split(events: pd.DataFrame, seed: int = 0) -> Split:
    """The time split when the events' dates can carry it, else the seeded leave-one-out split."""
    found = time_split(events)
    if time_split_works(events, [*found.label_starts, found.test_start]):
        return found
    return leave_one_out(events, seed)


def leave_one_out(events: pd.DataFrame, seed: int = 0) -> HeldOut:
    """Hold out one pair of interest per seeker who has two or more, and deal the rest into folds."""
    rng = np.random.default_rng(seed)
    pairs = pair_grades(events, side="seeker")
    pairs = pairs[pairs["grade"] > 0].reset_index(drop=True)
    pairs = pairs.assign(draw=rng.random(len(pairs)))
    order = pairs.sort_values(["seeker_id", "draw"]).index
    pairs = pairs.loc[order].reset_index(drop=True)
    within = pairs.groupby("seeker_id").cumcount().to_numpy()
    size = pairs.groupby("seeker_id")["opening_id"].transform("size").to_numpy()
    held = (within == 0) & (size >= 2)
    # Each seeker's other pairs go round the folds from a random start, so folds are even per seeker.
    start = pairs["seeker_id"].map(pd.Series(rng.integers(FOLDS, size=pairs["seeker_id"].nunique()),
                                             index=pairs["seeker_id"].unique())).to_numpy()  # fmt: skip
    pair_fold = (start + within) % FOLDS
    key = pd.MultiIndex.from_frame(events[["seeker_id", "opening_id"]])
    test_pairs = pd.MultiIndex.from_frame(pairs.loc[held, ["seeker_id", "opening_id"]])
    in_test = key.isin(test_pairs)
    folds = pd.Series(pair_fold, index=pd.MultiIndex.from_frame(pairs[["seeker_id", "opening_id"]]))
    known = events[~in_test].reset_index(drop=True)
    fold = folds.reindex(pd.MultiIndex.from_frame(known[["seeker_id", "opening_id"]])).to_numpy()
    # Pairs with no interest (only views, or a rejection) stay history in every fold.
    fold = np.where(np.isnan(fold.astype(float)), -1, fold).astype(int)
    moment = events["occurred_at"].max().normalize() + pd.Timedelta(days=1)
    return HeldOut(known, events[in_test].reset_index(drop=True), fold, moment)
