"""Training: the one fit of both rankers (:class:`matcher.model.JobMatchModel`), then its evaluation on the
split's test part beside the baselines (:mod:`training.evaluate`), and what a bundle's manifest records.

The fit uses only the split's label windows (or folds) for its labels, so the test part is unseen by the
rankers; its collaborative history, refitted on every event for serving, is refitted on the events before
the test for the evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from matcher.contract import Dataset
from matcher.model import JobMatchModel
from matcher.ranker import PairModel
from matcher.splits import HeldOut
from training.evaluate import evaluate


@dataclass
class TrainResult:
    """The fitted model, the cut dates and the evaluation report."""

    model: PairModel
    cutoffs: dict[str, object]
    report: dict = field(default_factory=dict)
    training_pairs: dict[str, int] = field(default_factory=dict)
    estimator: JobMatchModel | None = None


def train(
    data: Dataset,
    *,
    until: pd.Timestamp | str | None = None,
    model: JobMatchModel | None = None,
    with_baselines: bool = True,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Fit both rankers on the events before ``until`` and evaluate them on the fit's split: by time, or
    leave-one-out when the events' dates cannot carry one (:mod:`matcher.splits`)."""
    say = progress or (lambda message: None)
    estimator = (model or JobMatchModel(random_state=seed)).fit(data, until=until, progress=say)
    split = estimator.split_
    if isinstance(split, HeldOut):
        say(f"evaluating on {split.test['seeker_id'].nunique():,} held-out pairs")
    else:
        say("evaluating on the test window")
    report = evaluate(
        estimator.pair_model_,
        data.seekers,
        data.openings,
        split,
        with_baselines=with_baselines,
        seed=seed,
        progress=say,
        codes=estimator.codes_,
    )
    cutoffs = split.describe() | {"until": str(pd.Timestamp(until).date()) if until is not None else ""}
    return TrainResult(estimator.pair_model_, cutoffs, report, estimator.training_pairs_, estimator)
