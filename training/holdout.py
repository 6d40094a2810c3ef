"""Splitting a history whose dates cannot order it: one pair held out per seeker, the rest in folds.

Real exports often carry one date for every event (the export's), or a handful of dates. A time
split then has nothing to cut. Instead each seeker with at least two pairs of interest keeps one
pair, drawn at random, for the test (leave-one-out), and the other pairs are dealt into
:data:`FOLDS` label folds: a fold's pairs are labels while the rest of the known history is
history, as each label window is in the time split (:mod:`training.pipeline`).

Every event of a pair goes with its pair, so a held-out application is not half known.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.history import pair_grades

FOLDS = 3
MIN_DAYS = 20  # distinct event days below which a time split cannot work


@dataclass
class HeldOut:
    """A leave-one-out split: the known events, the held-out events and each known event's fold."""

    known: pd.DataFrame
    test: pd.DataFrame
    fold: np.ndarray  # fold of each row of ``known`` (0 .. FOLDS - 1)
    moment: pd.Timestamp  # after every event: when the queries are asked

    def fold_events(self, fold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The history (known events outside the fold) and the fold's events."""
        inside = self.fold == fold
        return self.known[~inside], self.known[inside]


def time_split_works(events: pd.DataFrame, cuts: list[pd.Timestamp]) -> bool:
    """Whether the events' days can carry a time split cut at ``cuts``: enough distinct days, and label
    windows and the test window that are not empty."""
    days = events["occurred_at"].dt.normalize()
    if days.nunique() < MIN_DAYS:
        return False
    bounds = [days.min(), *cuts, days.max() + pd.Timedelta(days=1)]
    return all(a < b for a, b in itertools.pairwise(bounds))


def split(events: pd.DataFrame, seed: int = 0) -> HeldOut:
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
