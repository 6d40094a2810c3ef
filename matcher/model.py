"""One estimator from a data folder to ranked lists: ``JobMatchModel(**params).fit(data, until=...)``, then
``.recommend(ids, as_of, k, side=...)``.

Fitting runs, in this order (rolling origin: every feature of a training pair was known before it):

1. the text vocabularies on every seeker and opening (no outcomes);
2. the split of the events before ``until`` (:func:`matcher.splits.choose_split`): label windows by
   time, or leave-one-out folds when the dates cannot carry a time split;
3. for each label window (or fold): the collaborative part on the events before it, and training
   queries from inside it, labelled pairs plus sampled negatives (:mod:`matcher.queries`). A seeker
   query is a seeker on a day of activity with what they began within ``lookahead_days`` of it; an
   opening query is an opening with every seeker who engaged with it. Labels never come from the
   split's test part;
4. each side's ranker on the pairs of every window (:meth:`matcher.ranker.PairModel.fit_ranker`);
5. the collaborative part again, on every event before ``until``, for serving.

The fitted :class:`~matcher.ranker.PairModel` (``pair_model_``) is what a bundle holds and a
:class:`~matcher.matching.Matcher` serves; the split (``split_``) is what an evaluation of the fit
tests on (``training.evaluate``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from matcher.contract import Dataset
from matcher.encoded import Encoded
from matcher.matching import Match, Matcher
from matcher.queries import (
    CandidatePool,
    held_out_queries,
    opening_queries,
    sample_training_pairs,
    seeker_lookahead_queries,
)
from matcher.ranker import SIDES, PairModel, check_is_fitted
from matcher.splits import FOLDS, LABEL_WINDOWS, HeldOut, Split, TimeSplit, choose_split

MIN_EVENTS = 10  # fewer events before ``until`` leave nothing to learn from
TrainingPairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # features, grades and query numbers of pairs


class JobMatchModel(BaseEstimator):
    """The whole fit of both rankers on a :class:`~matcher.contract.Dataset`, and their ranked lists.

    Parameters
    ----------
    analyzer, l2, n_trees, learning_rate, num_leaves, min_child_samples, retrieval_bins,
    retrieval_min_effect : the :class:`~matcher.ranker.PairModel`'s.
    seeker_negatives, opening_negatives : sampled unseen candidates per training query of each side.
        An opening's real list is every eligible seeker (hundreds), a seeker's the openings open that
        day (tens to hundreds); more negatives bring a training list nearer the one it ranks, at a cost
        in pairs (seeker queries are many).
    max_queries : training queries kept per window and side (a seeded sample beyond it).
    lookahead_days : a seeker query's pairs are what the seeker begins within this many days of it.
    random_state : seed of the rankers, of the negatives and of a leave-one-out split.
    """

    def __init__(
        self,
        analyzer: str = "char",
        l2: float = 200.0,
        n_trees: int = 150,
        learning_rate: float = 0.1,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        retrieval_bins: int = 16,
        retrieval_min_effect: float = 0.03,
        seeker_negatives: int = 100,
        opening_negatives: int = 100,
        max_queries: int = 6_000,
        lookahead_days: int = 60,
        random_state: int = 0,
    ) -> None:
        self.analyzer = analyzer
        self.l2 = l2
        self.n_trees = n_trees
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.retrieval_bins = retrieval_bins
        self.retrieval_min_effect = retrieval_min_effect
        self.seeker_negatives = seeker_negatives
        self.opening_negatives = opening_negatives
        self.max_queries = max_queries
        self.lookahead_days = lookahead_days
        self.random_state = random_state

    def fit(
        self,
        data: Dataset,
        until: pd.Timestamp | str | None = None,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> Self:
        """Fit both rankers on the events before ``until`` (all of them by default); ``progress`` hears each step.

        Sets ``pair_model_`` (the servable model), ``codes_`` (the seekers' and openings' encodings),
        ``split_``, ``training_pairs_`` (pairs per side), ``until_`` and ``data_`` (the tables and the
        events before ``until``, which :meth:`recommend` ranks from).
        """
        say = progress or _silent
        events = data.events
        if until is not None:
            events = events[events["occurred_at"] < pd.Timestamp(until)]
        seekers, openings = data.seekers, data.openings
        pair_model = PairModel(**self._pair_model_params())
        say("fitting text vocabularies")
        codes = pair_model.fit_encode(seekers, openings)
        if len(events) < MIN_EVENTS:
            raise ValueError(
                f"too few events to learn from (need at least {MIN_EVENTS} before the cut date); "
                "add events.csv with history, or use the content-only baselines"
            )
        split = choose_split(events, self.random_state)
        if isinstance(split, HeldOut):
            days = events["occurred_at"].dt.normalize().nunique()
            say(
                f"the events fall on {days:,} distinct day(s), too few to split them by time: holding out one "
                "application per seeker instead (leave-one-out) and learning from the rest in folds"
            )
        parts = self._label_pairs(pair_model, split, seekers, openings, codes, say)
        self.training_pairs_ = _fit_rankers(pair_model, parts, say)
        say("refitting the collaborative part on all events for serving")
        pair_model.fit_history(events, seekers, openings, codes=codes)
        self.pair_model_ = pair_model
        self.codes_ = codes
        self.split_ = split
        self.until_ = None if until is None else pd.Timestamp(until)
        self.data_ = Dataset(seekers, openings, events)
        self._matcher: Matcher | None = None
        return self

    def recommend(
        self,
        ids: Sequence[str],
        as_of: pd.Timestamp | str,
        k: int = 10,
        *,
        side: str = "seeker",
        consented_only: bool = True,
    ) -> pd.DataFrame:
        """Top ``k`` per query for ``as_of``, from what the fitted data knew by its end: openings for seeker
        ids (``side="seeker"``), or seekers for opening ids (``side="opening"``; ``consented_only`` lists only
        seekers who let employers see their profile). One row per ranked pair (:func:`match_frame`)."""
        check_is_fitted(self, "pair_model_")
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}")
        if self._matcher is None:
            self._matcher = Matcher(self.pair_model_, self.data_.seekers, self.data_.openings, self.data_.events)
        if side == "seeker":
            found = self._matcher.matches(list(ids), as_of, k)
        else:
            found = self._matcher.candidates(list(ids), as_of, k, consented_only=consented_only)
        return match_frame(found, side)

    def settings(self) -> dict[str, object]:
        """The parameters as a bundle's manifest records them: the pair model's, then the fitting sequence's."""
        return self._pair_model_params() | {
            "label_windows": list(LABEL_WINDOWS),
            "lookahead_days": self.lookahead_days,
            "n_negatives": {"seeker": self.seeker_negatives, "opening": self.opening_negatives},
            "max_queries": self.max_queries,
        }

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "pair_model_")

    def _pair_model_params(self) -> dict[str, Any]:
        names = ("analyzer", "l2", "n_trees", "learning_rate", "num_leaves", "min_child_samples", "random_state")
        return {name: getattr(self, name) for name in (*names, "retrieval_bins", "retrieval_min_effect")}

    def _label_pairs(
        self,
        pair_model: PairModel,
        split: Split,
        seekers: pd.DataFrame,
        openings: pd.DataFrame,
        codes: tuple[Encoded, Encoded],
        say: Callable[[str], None],
    ) -> dict[str, list[TrainingPairs]]:
        """Training pairs of every label window (time split) or fold (leave-one-out), per side."""
        pool = CandidatePool(seekers, openings, always_open=split.always_open)
        negatives = {"seeker": self.seeker_negatives, "opening": self.opening_negatives}
        parts: dict[str, list[TrainingPairs]] = {side: [] for side in SIDES}
        for fold, (history, counted, labels) in enumerate(self._label_folds(split, say)):
            # Counts read the events with their times; labels may come after the window, never from the test.
            pair_model.fit_history(history, seekers, openings, count_events=counted, codes=codes)
            for i, side in enumerate(SIDES):
                pairs = labels(side, pool)
                rng = np.random.default_rng(self.random_state + 10 * fold + i)
                labelled = sample_training_pairs(side, pairs, pool, negatives[side], rng, self.max_queries)
                x = pair_model.features(*codes, pool.openings, labelled.s, labelled.o, labelled.at)
                parts[side].append((x, labelled.grade, labelled.query))
        return parts

    def _label_folds(
        self, split: Split, say: Callable[[str], None]
    ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, Labels]]:
        """Each label window's (or fold's) history, the events its counts read, and its labelled query pairs."""
        if isinstance(split, TimeSplit):
            known = split.known
            lookahead = pd.Timedelta(days=self.lookahead_days)
            for start, end in split.label_windows():
                history = split.events[split.events["occurred_at"] < start]
                say(f"label window {start.date()}..{end.date()}, history of {len(history):,} events")
                yield history, known, partial(_window_labels, known, start, end, lookahead)
            return
        for fold in range(FOLDS):
            history, labels = split.fold_events(fold)
            say(f"fold {fold + 1} of {FOLDS}: {len(labels):,} events as labels, history of {len(history):,}")
            # Counts come from the fold's history alone: the labels' own applications are not known.
            yield history, history, partial(_fold_labels, labels, split.moment)


Labels = Callable[[str, CandidatePool], pd.DataFrame]  # a side's labelled query pairs of one window or fold


def _window_labels(
    known: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, lookahead: pd.Timedelta, side: str, pool: CandidatePool
) -> pd.DataFrame:
    if side == "seeker":
        return seeker_lookahead_queries(known, pool, start, end, lookahead)
    return opening_queries(known, pool, start, end)


def _fold_labels(labels: pd.DataFrame, moment: pd.Timestamp, side: str, pool: CandidatePool) -> pd.DataFrame:
    return held_out_queries(labels, pool, side, moment)


def match_frame(matches: list[Match], side: str = "seeker") -> pd.DataFrame:
    """Ranked pairs as a frame: the query's id, ``rank``, the candidate's id, ``score``, ``reasons`` and
    ``cautions`` (tuples of Korean sentences); seeker side: seeker → openings, opening side: opening → seekers."""
    query, candidate = ("seeker_id", "opening_id") if side == "seeker" else ("opening_id", "seeker_id")
    rows = [(getattr(m, query), m.rank, getattr(m, candidate), m.score, m.reasons, m.cautions) for m in matches]
    return pd.DataFrame(rows, columns=[query, "rank", candidate, "score", "reasons", "cautions"])


def _fit_rankers(
    pair_model: PairModel, parts: dict[str, list[TrainingPairs]], say: Callable[[str], None]
) -> dict[str, int]:
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
        pair_model.fit_ranker(side, x, grades, queries)
        pair_counts[side] = len(grades)
    return pair_counts


def _silent(message: str) -> None:
    """A progress that says nothing."""
