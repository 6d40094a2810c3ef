"""Training: time split, features, rankers for both sides, evaluation, bundle.

The timeline of events before ``until`` is cut by event-time quantiles: three
*label windows* (20–40 %, 40–60 % and 60–80 %) and the *test* window (the last 20 %).

1. The text vocabularies are fitted on all seekers and openings (no outcomes).
2. For each label window, the collaborative part is fitted on the events
   before it and training queries come from inside it, so every feature of a
   training pair was known before the pair (rolling origin). A seeker query
   is a seeker on a day of activity with what they began within
   :data:`LOOKAHEAD` of it; an opening query is an opening with every seeker
   who engaged with it.
3. Each side's ranker is fitted on the pairs of every window (labelled pairs
   plus sampled negatives), query by query.
4. For evaluation the collaborative part is refitted on everything before the
   test window, which the model and every baseline then rank.
5. For serving it is refitted on all events before ``until``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matcher.contract import Dataset
from matcher.ranker import SIDES, PairModel
from training import holdout
from training.evaluate import evaluate, evaluate_held_out
from training.queries import (
    CandidatePool,
    held_out_queries,
    opening_queries,
    sample_training_pairs,
    seeker_lookahead_queries,
)

TEST_SHARE = 0.8  # the last 20 % of events is the test window
LABEL_WINDOWS = (0.2, 0.4, 0.6)  # label windows start here and run to the next cut
# Sampled unseen candidates per training query. An opening's real list is every eligible seeker
# (hundreds), a seeker's the openings open that day (tens to hundreds); more negatives bring a
# training list nearer the one it ranks, at a cost in pairs (seeker queries are many).
NEGATIVES: dict[str, int] = {"seeker": 100, "opening": 100}
# Queries kept per window and side (a seeded sample beyond it): bounds training time on large histories.
MAX_QUERIES = 6_000
LOOKAHEAD = pd.Timedelta(days=60)  # a seeker query's pairs: what they begin within this of the query day


@dataclass
class TrainResult:
    """The fitted model, the cut dates and the evaluation report."""

    model: PairModel
    cutoffs: dict[str, str]
    report: dict = field(default_factory=dict)
    training_pairs: dict[str, int] = field(default_factory=dict)


def pipeline_settings() -> dict[str, object]:
    """The fixed settings of training, for the manifest."""
    return {
        "label_windows": list(LABEL_WINDOWS),
        "lookahead_days": LOOKAHEAD.days,
        "n_negatives": NEGATIVES,
        "max_queries": MAX_QUERIES,
    }


def cut_dates(events: pd.DataFrame) -> list[pd.Timestamp]:
    """Window boundaries at event-time quantiles (whole days): label windows, then the test start."""
    times = events["occurred_at"]
    return [times.quantile(q).normalize() for q in (*LABEL_WINDOWS, TEST_SHARE)]


def _training_pairs(
    model: PairModel,
    side: str,
    pairs: pd.DataFrame,
    tables: CandidatePool,
    codes: tuple,
    n_negatives: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, grades and query numbers of a window's labelled pairs plus sampled negatives."""
    labelled = sample_training_pairs(side, pairs, tables, n_negatives, np.random.default_rng(seed), MAX_QUERIES)
    seeker_codes, opening_codes = codes
    x = model.features(seeker_codes, opening_codes, tables.openings, labelled.s, labelled.o, labelled.at)
    return x, labelled.grade, labelled.query


def train(
    data: Dataset,
    *,
    until: pd.Timestamp | str | None = None,
    model: PairModel | None = None,
    n_negatives: dict[str, int] | None = None,
    with_baselines: bool = True,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Fit both rankers on the events before ``until`` and evaluate them on a time split, or on a
    leave-one-out split when the events' dates cannot carry one (:mod:`training.holdout`)."""
    say = progress or (lambda message: None)
    n_negatives = {**NEGATIVES, **(n_negatives or {})}
    model = model or PairModel(random_state=seed)
    events = data.events
    if until is not None:
        events = events[events["occurred_at"] < pd.Timestamp(until)]
    seekers, openings = data.seekers, data.openings
    say("fitting text vocabularies")
    codes = model.fit_encode(seekers, openings)
    if len(events) < 10:
        raise ValueError(
            "too few events to learn from (need at least 10 before the cut date); "
            "add events.csv with history, or use the content-only baselines"
        )
    settings = {"with_baselines": with_baselines, "seed": seed, "progress": say, "codes": codes}
    cuts = cut_dates(events)
    if holdout.time_split_works(events, cuts):
        parts, report, cutoffs = _time_split(model, data, events, cuts, codes, n_negatives, seed, say, settings)
    else:
        days = events["occurred_at"].dt.normalize().nunique()
        say(
            f"the events fall on {days:,} distinct day(s), too few to split them by time: holding out one "
            "application per seeker instead (leave-one-out) and learning from the rest in folds"
        )
        parts, report, cutoffs = _held_out(model, data, events, codes, n_negatives, seed, say, settings)
    pair_counts = _fit_rankers(model, parts, say)
    report = report()
    say("refitting the collaborative part on all events for serving")
    model.fit_history(events, seekers, openings, codes=codes)
    cutoffs["until"] = str(pd.Timestamp(until).date()) if until is not None else ""
    return TrainResult(model, cutoffs, report, pair_counts)


def _time_split(model, data, events, cuts, codes, n_negatives, seed, say, settings):
    """Training pairs of the label windows, and the evaluation on the test window (run once the rankers fit)."""
    seekers, openings = data.seekers, data.openings
    tables = CandidatePool(seekers, openings)
    test_start = cuts[-1]
    known = events[events["occurred_at"] < test_start]
    parts: dict[str, list] = {side: [] for side in SIDES}
    for fold, (start, end) in enumerate(itertools.pairwise(cuts)):
        history = events[events["occurred_at"] < start]
        say(f"label window {start.date()}..{end.date()}, history of {len(history):,} events")
        # Labels may use outcomes after the window, but never from the test window.
        model.fit_history(history, seekers, openings, count_events=known, codes=codes)
        for i, side in enumerate(SIDES):
            if side == "seeker":
                pairs = seeker_lookahead_queries(known, tables, start, end, LOOKAHEAD)
            else:
                pairs = opening_queries(known, tables, start, end)
            parts[side].append(
                _training_pairs(model, side, pairs, tables, codes, n_negatives[side], seed + 10 * fold + i)
            )

    def report() -> dict:
        say("evaluating on the test window")
        model.fit_history(known, seekers, openings, count_events=events, codes=codes)
        return evaluate(model, seekers, openings, events, test_start, **settings)

    cutoffs = {
        "split": "time",
        "label_windows": [str(c.date()) for c in cuts[:-1]],
        "test_start": str(test_start.date()),
    }
    return parts, report, cutoffs


def _held_out(model, data, events, codes, n_negatives, seed, say, settings):
    """Training pairs of the leave-one-out folds, and the evaluation on the held-out pairs."""
    seekers, openings = data.seekers, data.openings
    tables = CandidatePool(seekers, openings, always_open=True)
    held = holdout.split(events, seed)
    parts: dict[str, list] = {side: [] for side in SIDES}
    for fold in range(holdout.FOLDS):
        history, labels = held.fold_events(fold)
        say(f"fold {fold + 1} of {holdout.FOLDS}: {len(labels):,} events as labels, history of {len(history):,}")
        # Counts come from the fold's history alone: the labels' own applications are not known.
        model.fit_history(history, seekers, openings, count_events=history, codes=codes)
        for i, side in enumerate(SIDES):
            pairs = held_out_queries(labels, tables, side, held.moment)
            parts[side].append(
                _training_pairs(model, side, pairs, tables, codes, n_negatives[side], seed + 10 * fold + i)
            )

    def report() -> dict:
        say(f"evaluating on {held.test['seeker_id'].nunique():,} held-out pairs")
        model.fit_history(held.known, seekers, openings, count_events=held.known, codes=codes)
        return evaluate_held_out(model, seekers, openings, held, **settings)

    cutoffs = {"split": "leave-one-out", "folds": holdout.FOLDS, "moment": str(held.moment.date())}
    return parts, report, cutoffs


def _fit_rankers(model: PairModel, parts: dict[str, list], say: Callable[[str], None]) -> dict[str, int]:
    """Each side's ranker on the pairs of every window or fold; the number of pairs of each."""
    pair_counts = {}
    for side in SIDES:
        say(f"fitting the {side}-side ranker")
        x = np.vstack([p[0] for p in parts[side]])
        grades = np.concatenate([p[1] for p in parts[side]])
        if not (grades > 0).any():
            raise ValueError(f"no {side}-side outcome to learn from: the history holds no applications or hires")
        # Query numbers restart in each window; each window's are moved past the ones before.
        sizes = [int(p[2].max()) + 1 if len(p[2]) else 0 for p in parts[side]]
        offsets = np.cumsum([0, *sizes[:-1]])
        queries = np.concatenate([p[2] + offset for p, offset in zip(parts[side], offsets, strict=True)])
        model.fit_ranker(side, x, grades, queries)
        pair_counts[side] = len(grades)
    return pair_counts
