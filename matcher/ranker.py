"""The learned ranker: pair features → graded relevance, one model per side.

``seeker`` side: for a seeker, how likely an opening is applied to and ends in
a hire. ``opening`` side: for an opening, how likely its employer interviews
and hires a seeker. Both use the same pair features and a LightGBM
LambdaMART model fitted on graded outcomes within each query (it optimises
NDCG, the order within a list, directly), followed by a one-variable Poisson
regression that turns its raw score into an expected grade: positive and in the
grade's units, as slot assignment and crowding need, without changing the order.
"""

from __future__ import annotations

import lightgbm
import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import PoissonRegressor

from matcher.encoded import Encoded
from matcher.features import (
    CONTENT_FEATURES,
    Featurizer,
    content_block_features,
    content_pair_features,
    content_pair_subset,
)
from matcher.fit import FIT_FEATURES, log_fit, misses, unrelated
from matcher.history import HISTORY_FEATURES, History
from matcher.pair_views import BlockView, PairView, remember
from matcher.retrieval import BinnedAdditive, shortlist
from matcher.sparse_rows import SMALL_SIDE

FEATURES: tuple[str, ...] = CONTENT_FEATURES + HISTORY_FEATURES
SIDES: tuple[str, ...] = ("seeker", "opening")
SMALL_BATCH = 20_000  # pair rows scored on one thread (see PairModel.score)
COLLABORATIVE_FIRST = 10  # each query's best candidates by the collaborative score, always kept by stage one
RETRIEVER_PAIRS = 200_000  # training pairs (a seeded sample) the stage-one scorer is fitted on

# Measures of how active the query itself is are the same for every candidate of
# a query, so they cannot order its list; left in, they only let the trees
# extrapolate badly when a query falls outside the activity seen in training
# (a seeker ranked weeks after their last event). Each side leaves out its own.
QUERY_CONSTANT: dict[str, tuple[str, ...]] = {
    "seeker": (
        "seeker_history_size",
        "seeker_applications",
        "seeker_days_since_active",
        "seeker_events_30d",
        "seeker_hires",
        "seeker_success_rate",
    ),
    "opening": (
        "opening_applications",
        "opening_hires",
        "positions_left",
        "employer_applications",
        "days_since_posted",
        "days_to_deadline",
        "employer_hire_rate",
    ),
}
# More similar, better covered or nearer never ranks lower, all else equal. Besides
# encoding what a counselor would expect, this keeps the content signals in force
# where training data is thin (old openings, long-idle seekers, new districts).
MONOTONE: dict[str, int] = {
    "text_profile_cos": 1,
    "text_occupation_cos": 1,
    "text_intro_description_cos": 1,
    "required_skill_coverage": 1,
    "required_skills_held": 1,
    "preferred_skill_coverage": 1,
    "desired_occupation_match": 1,
    "past_occupation_match": 1,
    "occupation_family_match": 1,
    "industry_match": 1,
    "distance_km": -1,
    "distance_over_tolerance": -1,
    "cf_opening": 1,
    "cf_employer": 1,
    "cf_occupation": 1,
    "history_profile_cos": 1,
    "employer_profile_cos": 1,
    "text_cooccurrence": 1,
}

# Stage one (matcher/retrieval.py) scores whole blocks additively, so it leaves out what
# is the same for every candidate of a query (it cannot reorder a list) and the pair
# histories, which exist for few pairs and are not computed for blocks.
PAIR_HISTORY: tuple[str, ...] = ("pair_viewed_before", "pair_applied_before")
PER_QUERY: dict[str, tuple[str, ...]] = {
    "seeker": (*QUERY_CONSTANT["seeker"], "seeker_age"),
    "opening": (
        *QUERY_CONSTANT["opening"],
        "required_skill_count",
        "opening_wage_hourly",
        "program",
        "opening_hires",
    ),
}
# Features of the candidate alone, per side: the same for every query at one moment.
CANDIDATE_ONLY: dict[str, frozenset[str]] = {
    "seeker": frozenset(PER_QUERY["opening"]),
    "opening": frozenset(PER_QUERY["seeker"]),
}
# Dense dot products take their last bit from how they are computed (BLAS on a block, a loop per
# pair); stage two always takes them pair by pair, so a pair's score does not depend on whether
# stage one ran. Every other block feature equals its pair value exactly (sparse products sum
# their terms in the same order both ways).
PATH_SENSITIVE: frozenset[str] = frozenset({"history_profile_cos", "employer_profile_cos", "text_cooccurrence"})
COLLABORATIVE: frozenset[str] = frozenset({"cf_opening", "cf_employer", "cf_occupation"})
# Features of the seeker alone or of the opening alone.
ROW_ONLY: frozenset[str] = CANDIDATE_ONLY["seeker"] | CANDIDATE_ONLY["opening"]
RETRIEVAL_FEATURES: dict[str, tuple[str, ...]] = {
    side: tuple(name for name in FEATURES if name not in PAIR_HISTORY and name not in dropped)
    for side, dropped in PER_QUERY.items()
}

# The candidate's own activity (an opening's age, applications and places left; a seeker's recent
# activity) adds to how well a pair fits but may not change what fits: the trees keep the two
# apart. Otherwise a region the history never reached (openings older than any engaged with)
# lets the activity terms reorder the fit itself.
ACTIVITY: dict[str, frozenset[str]] = {
    "seeker": frozenset(QUERY_CONSTANT["opening"]),
    "opening": frozenset(QUERY_CONSTANT["seeker"]),
}

SIDE_COLUMNS: dict[str, np.ndarray] = {
    side: np.array([i for i, name in enumerate(FEATURES) if name not in dropped])
    for side, dropped in QUERY_CONSTANT.items()
}


def check_is_fitted(model: object, attribute: str) -> None:
    """Raise NotFittedError when a fitted attribute is missing."""
    if not hasattr(model, attribute):
        raise NotFittedError(f"{type(model).__name__} is not fitted yet ({attribute} missing)")


class PairModel:
    """Featurizer, history and one gradient-boosting ranker per side.

    Parameters
    ----------
    analyzer : text analyzer for TF-IDF, ``"char"`` or ``"kiwi"``.
    l2 : EASE ridge strength of the collaborative scores.
    n_trees, learning_rate, num_leaves, min_child_samples : LambdaMART settings; each tree
        sees a seeded 80 % of the pairs and of the features.
    random_state : seed of the boosting model.
    retrieval_bins : bins per feature of the stage-one scorer (:class:`matcher.retrieval.BinnedAdditive`),
        fitted with each side's ranker on the ranker's scores of the same training pairs.
    retrieval_min_effect : stage one leaves out features whose effect on its score is below this
        share of the score's spread (see ``_fit_retriever``).
    """

    def __init__(
        self,
        analyzer: str = "char",
        l2: float = 200.0,
        n_trees: int = 150,
        learning_rate: float = 0.1,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        random_state: int = 0,
        retrieval_bins: int = 16,
        retrieval_min_effect: float = 0.03,
    ) -> None:
        self.analyzer = analyzer
        self.l2 = l2
        self.n_trees = n_trees
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state
        self.retrieval_bins = retrieval_bins
        self.retrieval_min_effect = retrieval_min_effect

    def fit_content(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> PairModel:
        """Fit the text vocabularies and label sets."""
        self.featurizer_ = Featurizer(self.analyzer).fit(seekers, openings)
        return self

    def fit_encode(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> tuple[Encoded, Encoded]:
        """:meth:`fit_content`, returning the encodings of the same tables (their text read once)."""
        self.featurizer_ = Featurizer(self.analyzer)
        return self.featurizer_.fit_encode(seekers, openings)

    def fit_history(
        self,
        events: pd.DataFrame,
        seekers: pd.DataFrame,
        openings: pd.DataFrame,
        count_events: pd.DataFrame | None = None,
        codes: tuple[Encoded, Encoded] | None = None,
    ) -> PairModel:
        """Fit the collaborative part on ``events`` (those known at the cutoff).

        ``codes`` are the tables' encodings when the caller already has them.
        """
        check_is_fitted(self, "featurizer_")
        seeker_codes, opening_codes = codes or self.encode(seekers, openings)
        self.history_ = History(self.l2).fit(
            events, seekers, openings, seeker_codes, opening_codes, count_events=count_events
        )
        return self

    def encode(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> tuple[Encoded, Encoded]:
        """Encodings of a seeker and an opening table with the fitted vocabularies."""
        check_is_fitted(self, "featurizer_")
        return self.featurizer_.encode_seekers(seekers), self.featurizer_.encode_openings(openings)

    def features(
        self,
        seekers: Encoded,
        openings: Encoded,
        opening_table: pd.DataFrame,
        s: np.ndarray,
        o: np.ndarray,
        at: np.ndarray,
    ) -> np.ndarray:
        """Pair features (FEATURES order) for pairs (s[i], o[i]) at times ``at``."""
        check_is_fitted(self, "history_")
        times = pd.to_datetime(pd.Series(np.asarray(at)))
        content = content_pair_features(seekers, openings, s, o, times.dt.year.to_numpy(dtype=float))
        history = self.history_.pair_features(seekers, openings, opening_table, s, o, times.to_numpy())
        return np.hstack([content, history])

    def fit_ranker(self, side: str, x: np.ndarray, grades: np.ndarray, queries: np.ndarray) -> PairModel:
        """Fit the ranker of one side on pair features, graded outcomes and each pair's query, then
        the map of its raw score to an expected grade, then its stage-one scorer."""
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}")
        if not len(x) == len(grades) == len(queries):
            raise ValueError("x, grades and queries need one row per pair")
        columns = SIDE_COLUMNS[side]
        order = np.argsort(queries, kind="stable")  # LambdaMART takes each query's pairs together
        _, sizes = np.unique(queries[order], return_counts=True)
        ranker = lightgbm.LGBMRanker(
            objective="lambdarank",
            n_estimators=self.n_trees,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            monotone_constraints=[MONOTONE.get(FEATURES[i], 0) for i in columns],
            interaction_constraints=[
                [j for j, i in enumerate(columns) if FEATURES[i] not in ACTIVITY[side]],
                [j for j, i in enumerate(columns) if FEATURES[i] in ACTIVITY[side]],
            ],
            lambdarank_truncation_level=20,
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        ranker.fit(x[np.ix_(order, columns)], grades[order], group=sizes)
        self.rankers_ = {**getattr(self, "rankers_", {}), side: ranker.booster_}
        raw = self.raw_score(side, x)
        # E[grade] = exp(a + b·raw): positive and in grade units, order unchanged while b > 0.
        calibration = PoissonRegressor(alpha=0.0).fit(raw[:, None], grades.astype(float))
        if not calibration.coef_[0] > 0:
            raise ValueError(f"the {side}-side ranker's scores do not rise with the outcomes; too little history?")
        self.calibrations_ = {
            **getattr(self, "calibrations_", {}),
            side: (float(calibration.intercept_), float(calibration.coef_[0])),
        }
        self._fit_retriever(side, x, raw)
        return self

    def _fit_retriever(self, side: str, x: np.ndarray, raw: np.ndarray) -> None:
        """Stage one of ``side``: an additive model of the ranker's scores on the training pairs.

        Features whose effect varies the score by less than ``retrieval_min_effect`` of the
        score's spread are left out (then refitted without them): they cost a pass over every
        candidate and hardly move the shortlist. The ranker still uses them in stage two.
        """
        target = raw  # the ranker's raw scores of ``x``: the log scale, where the trees themselves add up
        if len(x) > RETRIEVER_PAIRS:  # a distillation needs no more pairs than this; memory stays bounded
            keep = np.sort(np.random.default_rng(self.random_state).choice(len(x), RETRIEVER_PAIRS, replace=False))
            x, target = x[keep], target[keep]
        names = list(RETRIEVAL_FEATURES[side])
        retriever = BinnedAdditive(n_bins=self.retrieval_bins).fit(x[:, [FEATURES.index(n) for n in names]], target)
        sample = x[:: max(1, len(x) // 20_000), [FEATURES.index(n) for n in names]]
        effect = np.array([np.std(retriever.contributions({j: sample[:, j]})) for j in range(len(names))])
        keep = effect >= self.retrieval_min_effect * np.std(retriever.predict(sample))
        if not keep.all() and keep.sum() >= 2:
            names = [n for n, k in zip(names, keep, strict=True) if k]
            retriever = BinnedAdditive(n_bins=self.retrieval_bins).fit(x[:, [FEATURES.index(n) for n in names]], target)
        retriever.feature_names_ = tuple(names)
        retrievers = dict(getattr(self, "retrievers_", {}))
        retrievers[side] = retriever
        self.retrievers_ = retrievers

    def retrieval_scores(
        self, side: str, view: BlockView, at: pd.Timestamp, found: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """Stage-one scores of every (seeker, opening) of a block at one moment: (seekers × openings).

        The part that depends on the candidate alone (an opening's age and applications on the
        seeker side) is remembered per moment in the candidates' encoding when the view takes all
        of its rows, as the Matcher's views of open openings and of all seekers do. The block
        features computed on the way are added to ``found`` when given.
        """
        check_is_fitted(self, "retrievers_")
        retriever = self.retrievers_[side]
        names = retriever.feature_names_
        at = pd.Timestamp(at)
        found = {} if found is None else found

        def part(wanted: tuple[str, ...], into: dict[str, np.ndarray]) -> np.ndarray:
            into.update(self._block(view, at, [name for name in wanted if name not in into]))
            return retriever.contributions({names.index(name): into[name] for name in wanted})

        alone = tuple(name for name in names if name in CANDIDATE_ONLY[side])
        whole = view.o is None if side == "seeker" else view.s is None
        if whole:
            candidates = view.openings if side == "seeker" else view.seekers
            key = ("stage-one", self.history_.token_, id(retriever), side)
            fixed = remember(candidates, key, at.value, lambda: part(alone, {}))
        else:
            fixed = part(alone, found)
        return retriever.intercept_ + part(tuple(name for name in names if name not in alone), found) + fixed

    def _block(self, view: BlockView, at: pd.Timestamp, names: list[str]) -> dict[str, np.ndarray]:
        found = content_block_features(view, float(at.year), names)
        found.update(self.history_.block_features(view, at, names))
        return found

    def rank_block(
        self,
        side: str,
        view: BlockView,
        at: pd.Timestamp,
        allowed: np.ndarray,
        shortlist_size: int | None,
        offset: np.ndarray | float = 0.0,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Both stages over a block of (seekers × openings) at one moment, ``allowed`` in the same shape.

        Stage one keeps the ``shortlist_size`` best allowed candidates of each query (queries are
        the seekers on the seeker side, the openings on the other), unless no query has more;
        ``None`` keeps every allowed pair. Stage two computes every pair feature of the kept pairs
        (reusing what stage one computed for the block) and scores them with the ranker.

        Both stages multiply the ranker's score by the pair's common-sense fit (:mod:`matcher.fit`)
        and by ``exp(offset)``, a log factor broadcastable to the block (e.g. the day's congestion
        of each opening, :mod:`matcher.crowding`).

        Returns seeker and opening positions in the view, pair features (FEATURES order) and scores.
        """
        at = pd.Timestamp(at)
        found: dict[str, np.ndarray] = {}
        offset = np.broadcast_to(np.asarray(offset, dtype=np.float64), view.shape)
        per_query = allowed.sum(axis=1 if side == "seeker" else 0)
        if shortlist_size is None or not hasattr(self, "retrievers_") or not (per_query > shortlist_size).any():
            si, oi = np.nonzero(allowed)
        else:
            scores = self.retrieval_scores(side, view, at, found)
            found.update(self._block(view, at, [name for name in FIT_FEATURES if name not in found]))
            # Stage one works on the ranker's raw scale, where the calibrated log score is slope × raw.
            scores = scores + (log_fit(view, found) + offset) / self.calibrations_[side][1]
            # Stage one also hands over what the collaborative model ranks first, when its scorer reads the
            # collaborative score at all: an additive score can bury it under the content's terms.
            also = np.broadcast_to(found["cf_opening"], view.shape) if "cf_opening" in found else None
            if side == "seeker":
                si, oi = shortlist(scores, allowed, shortlist_size, also, COLLABORATIVE_FIRST)
            else:
                oi, si = shortlist(scores.T, allowed.T, shortlist_size, None if also is None else also.T,
                                   COLLABORATIVE_FIRST)  # fmt: skip
        if len(si) == 0:
            return si, oi, np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros(0)
        # Features of one row only are cheap for the whole block, and so are collaborative scores when
        # the queries are few (one row of item weights serves every candidate); the rest come pair by pair.
        cheap = ROW_ONLY | (COLLABORATIVE if min(view.shape) <= SMALL_SIDE else frozenset())
        found.update(self._block(view, at, [n for n in cheap if n not in found]))
        s = si if view.s is None else view.s[si]
        o = oi if view.o is None else view.o[oi]
        missing = [name for name in FEATURES if name not in found or name in PATH_SENSITIVE]
        pairs: dict[str, np.ndarray] = {}
        if missing:
            # Seconds since the epoch as the history takes them, without a pandas conversion per call.
            seconds = np.full(len(s), at.to_datetime64().astype("datetime64[s]").astype(np.int64))
            pairs.update(content_pair_subset(view.seekers, view.openings, s, o, float(at.year), missing))
            pairs.update(self.history_.pair_subset(view.seekers, view.openings, s, o, seconds, missing))
        shape = view.shape
        x = np.column_stack(
            [pairs[name] if name in pairs else np.broadcast_to(found[name], shape)[si, oi] for name in FEATURES]
        )
        return si, oi, x, self.fitted_score(side, x, view.seekers, view.openings, s, o) * np.exp(offset[si, oi])

    def fitted_score(
        self, side: str, x: np.ndarray, seekers: Encoded, openings: Encoded, s: np.ndarray, o: np.ndarray
    ) -> np.ndarray:
        """:meth:`score` times the common-sense fit of each pair (s[i], o[i]) of the encodings (:mod:`matcher.fit`)."""
        return self.score(side, x) * np.exp(log_fit(PairView(seekers, openings, s, o), _fit_inputs(x)))

    @staticmethod
    def misses(x: np.ndarray, seekers: Encoded, openings: Encoded, s: np.ndarray, o: np.ndarray) -> np.ndarray:
        """Whether each pair (s[i], o[i]) of the encodings misses a stated preference (:func:`matcher.fit.misses`)."""
        return misses(PairView(seekers, openings, s, o), _fit_inputs(x))

    @staticmethod
    def unrelated(x: np.ndarray, seekers: Encoded, openings: Encoded, s: np.ndarray, o: np.ndarray) -> np.ndarray:
        """Whether each pair (s[i], o[i]) of the encodings has no tie where one is needed
        (:func:`matcher.fit.unrelated`)."""
        return unrelated(PairView(seekers, openings, s, o), _fit_inputs(x))

    def score(self, side: str, x: np.ndarray) -> np.ndarray:
        """Expected grade of each pair row (higher is better; always positive)."""
        raw = self.raw_score(side, x)
        intercept, slope = self.calibrations_[side]
        return np.exp(intercept + slope * raw)

    def raw_score(self, side: str, x: np.ndarray) -> np.ndarray:
        """The ranker's own score of each pair row: same order as :meth:`score`, on a log scale.

        Batches below :data:`SMALL_BATCH` rows run on one thread: a request's shortlist
        is a few hundred rows, where starting threads for each tree costs more than it
        saves, and concurrent requests would oversubscribe the cores.
        """
        check_is_fitted(self, "rankers_")
        if side not in self.rankers_:
            raise ValueError(f"no ranker fitted for side {side!r}")
        x = x[:, SIDE_COLUMNS[side]]
        return self.rankers_[side].predict(x, num_threads=1 if len(x) < SMALL_BATCH else 0)


def _fit_inputs(x: np.ndarray) -> dict[str, np.ndarray]:
    """The pair features the fit reads, from rows of pair features (FEATURES order)."""
    return {name: x[:, FEATURES.index(name)] for name in FIT_FEATURES}
