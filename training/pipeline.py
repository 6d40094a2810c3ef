"""Training: time split, features, rankers for both sides, evaluation, bundle.

The timeline of events before ``until`` is cut in three: *history* (the first
60 %), *labels* (the next 20 %) and *test* (the last 20 %), by event time.

1. The text vocabularies are fitted on all seekers and openings (no outcomes).
2. The collaborative part is fitted on *history*; training queries come from
   *labels*, so every feature of a training pair was known before the pair.
3. Each side's ranker is fitted on those pairs (labelled + sampled negatives).
4. For evaluation the collaborative part is refitted on history + labels and
   the *test* window is ranked by the model and every baseline.
5. For serving it is refitted on all events before ``until``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matcher.contract import Dataset
from matcher.ranker import SIDES, PairModel
from training.evaluate import evaluate
from training.queries import Tables, opening_queries, sample_training_pairs, seeker_queries

HISTORY_SHARE = 0.6
LABEL_SHARE = 0.8


@dataclass
class TrainResult:
    """The fitted model, the cut dates and the evaluation report."""

    model: PairModel
    cutoffs: dict[str, str]
    report: dict = field(default_factory=dict)
    training_pairs: dict[str, int] = field(default_factory=dict)


def cut_dates(events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """History/labels and labels/test boundaries, at event-time quantiles (whole days)."""
    times = events["occurred_at"].sort_values()
    label_start = times.quantile(HISTORY_SHARE).normalize()
    test_start = times.quantile(LABEL_SHARE).normalize()
    return label_start, test_start


def _training_pairs(
    model: PairModel, side: str, events: pd.DataFrame, tables: Tables, n_negatives: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    build = seeker_queries if side == "seeker" else opening_queries
    labelled = sample_training_pairs(side, build(events, tables), tables, n_negatives, np.random.default_rng(seed))
    featurizer = model.featurizer_
    seeker_codes = featurizer.encode_seekers(tables.seekers)
    opening_codes = featurizer.encode_openings(tables.openings)
    x = model.features(seeker_codes, opening_codes, tables.openings, labelled.s, labelled.o, labelled.at)
    return x, labelled.grade


def train(
    data: Dataset,
    *,
    until: pd.Timestamp | str | None = None,
    model: PairModel | None = None,
    n_negatives: int = 30,
    with_baselines: bool = True,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Fit both rankers on the events before ``until`` and evaluate them on a time split."""
    say = progress or (lambda message: None)
    model = model or PairModel(random_state=seed)
    events = data.events
    if until is not None:
        events = events[events["occurred_at"] < pd.Timestamp(until)]
    seekers, openings = data.seekers, data.openings
    tables = Tables(seekers, openings)
    say("fitting text vocabularies")
    model.fit_content(seekers, openings)
    if len(events) < 10:
        raise ValueError(
            "too few events to learn from (need at least 10 before the cut date); "
            "add events.csv with history, or use the content-only baselines"
        )
    label_start, test_start = cut_dates(events)
    history = events[events["occurred_at"] < label_start]
    labels = events[(events["occurred_at"] >= label_start) & (events["occurred_at"] < test_start)]
    test = events[events["occurred_at"] >= test_start]
    say(f"collaborative part on {len(history):,} history events")
    model.fit_history(history, seekers, openings, count_events=events)
    pair_counts = {}
    for i, side in enumerate(SIDES):
        say(f"{side}-side ranker on {len(labels):,} label-window events")
        x, grades = _training_pairs(model, side, labels, tables, n_negatives, seed + i)
        model.fit_ranker(side, x, grades)
        pair_counts[side] = len(grades)
    say("evaluating on the test window")
    model.fit_history(pd.concat([history, labels]), seekers, openings, count_events=events)
    report = evaluate(model, seekers, openings, pd.concat([history, labels]), test,
                      with_baselines=with_baselines, seed=seed, progress=say)  # fmt: skip
    say("refitting the collaborative part on all events for serving")
    model.fit_history(events, seekers, openings)
    cutoffs = {
        "label_start": str(label_start.date()),
        "test_start": str(test_start.date()),
        "until": str(pd.Timestamp(until).date()) if until is not None else "",
    }
    return TrainResult(model, cutoffs, report, pair_counts)
