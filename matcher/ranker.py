"""The learned ranker: pair features → graded relevance, one model per side.

``seeker`` side: for a seeker, how likely an opening is applied to and ends in
a hire. ``opening`` side: for an opening, how likely its employer interviews
and hires a seeker. Both use the same pair features and a scikit-learn
histogram gradient-boosting model fitted on graded outcomes.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting._predictor import _predict_from_raw_data
from sklearn.exceptions import NotFittedError
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

from matcher.features import (
    CONTENT_FEATURES,
    SMALL_SIDE,
    BlockView,
    Encoded,
    Featurizer,
    content_block_features,
    content_pair_features,
    content_pair_subset,
    remember,
)
from matcher.history import HISTORY_FEATURES, History
from matcher.retrieval import BinnedAdditive, shortlist

FEATURES: tuple[str, ...] = CONTENT_FEATURES + HISTORY_FEATURES
SIDES: tuple[str, ...] = ("seeker", "opening")
SMALL_BATCH = 20_000  # pair rows scored on one thread (see PairModel.score)
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

SIDE_COLUMNS: dict[str, np.ndarray] = {
    side: np.array([i for i, name in enumerate(FEATURES) if name not in dropped])
    for side, dropped in QUERY_CONSTANT.items()
}


def _encode_categories(model: object, x: np.ndarray) -> np.ndarray | None:
    """What the boosting model's own preprocessing makes of ``x`` when it is one ordinal encoder of
    numeric categories followed by the numeric columns in order (as fitted here); else ``None``."""
    pre = getattr(model, "_preprocessor", None)
    if pre is None or len(pre.transformers_) != 3:
        return None
    (name_c, encoder, cat), (name_n, _, num), (_, remainder, rest) = pre.transformers_
    if (name_c, name_n, remainder) != ("encoder", "numerical", "drop") or np.any(rest):
        return None
    if encoder.handle_unknown != "use_encoded_value" or not np.isnan(encoder.unknown_value):
        return None
    out = np.empty((len(x), int(np.sum(cat)) + int(np.sum(num))), dtype=np.float64)
    for j, (column, categories) in enumerate(zip(np.flatnonzero(cat), encoder.categories_, strict=True)):
        values = x[:, column]
        at = np.clip(np.searchsorted(categories, values), 0, len(categories) - 1)
        out[:, j] = np.where(categories[at] == values, at, np.nan)
    out[:, int(np.sum(cat)) :] = x[:, num]
    return out


_BITSETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # boosting model → its known-category bitsets


def _sum_trees(model: object, x: np.ndarray, n_threads: int) -> np.ndarray:
    """Raw predictions of a boosting model on preprocessed rows: its baseline plus each tree's value,
    added tree by tree as the model's own ``_raw_predict`` does (so the result is bitwise the same),
    but with the known-category bitsets made once per model instead of once per call."""
    bitsets = _BITSETS.get(model)
    if bitsets is None:
        bitsets = model._bin_mapper.make_known_categories_bitsets()
        _BITSETS[model] = bitsets
    known, feature_map = bitsets
    raw = np.zeros((len(x), model.n_trees_per_iteration_), dtype=model._baseline_prediction.dtype, order="F")
    raw += model._baseline_prediction
    out = np.empty(len(x), dtype=raw.dtype)
    for trees in model._predictors:
        for k, tree in enumerate(trees):
            _predict_from_raw_data(tree.nodes, x, tree.raw_left_cat_bitsets, known, feature_map, n_threads, out)
            raw[:, k] += out
    return raw


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
    max_iter, learning_rate, max_leaf_nodes : gradient-boosting settings.
    target : ``"gain"`` regresses on 2^grade - 1, the gain NDCG rewards, so a hire
        weighs fifteen views; ``"grade"`` regresses on the grade itself.
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
        max_iter: int = 200,
        learning_rate: float = 0.08,
        max_leaf_nodes: int = 31,
        target: str = "grade",
        random_state: int = 0,
        retrieval_bins: int = 16,
        retrieval_min_effect: float = 0.03,
    ) -> None:
        self.analyzer = analyzer
        self.l2 = l2
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.target = target
        self.random_state = random_state
        self.retrieval_bins = retrieval_bins
        self.retrieval_min_effect = retrieval_min_effect

    def fit_content(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> PairModel:
        """Fit the text vocabularies and label sets."""
        self.featurizer_ = Featurizer(self.analyzer).fit(seekers, openings)
        return self

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
        at = pd.to_datetime(pd.Series(np.asarray(at)))
        content = content_pair_features(seekers, openings, s, o, at.dt.year.to_numpy(dtype=float))
        history = self.history_.pair_features(seekers, openings, opening_table, s, o, at.to_numpy())
        return np.hstack([content, history])

    def fit_ranker(self, side: str, x: np.ndarray, grades: np.ndarray) -> PairModel:
        """Fit the ranker of one side on pair features and graded outcomes, then its stage-one scorer."""
        x_all = x
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}")
        columns = SIDE_COLUMNS[side]
        settings = dict(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            categorical_features=[int(np.flatnonzero(columns == FEATURES.index("program"))[0])],
            monotonic_cst=[MONOTONE.get(FEATURES[i], 0) for i in columns],
            early_stopping=False,
            random_state=self.random_state,
        )
        x = x[:, columns]  # a copy: the caller's matrix is left as it was
        x[:, np.isnan(x).all(axis=0)] = 0.0  # an all-missing column has no bins to learn
        if self.target == "relevant":
            model = HistGradientBoostingClassifier(**settings)
            model.fit(x, grades > 0, sample_weight=np.where(grades > 0, np.exp2(grades) - 1.0, 1.0))
        else:
            model = HistGradientBoostingRegressor(**settings)
            model.fit(x, np.exp2(grades) - 1.0 if self.target == "gain" else grades.astype(float))
        rankers = dict(getattr(self, "rankers_", {}))
        rankers[side] = model
        self.rankers_ = rankers
        self._fit_retriever(side, x_all)
        return self

    def _fit_retriever(self, side: str, x: np.ndarray) -> None:
        """Stage one of ``side``: an additive model of the ranker's scores on the training pairs.

        Features whose effect varies the score by less than ``retrieval_min_effect`` of the
        score's spread are left out (then refitted without them): they cost a pass over every
        candidate and hardly move the shortlist. The ranker still uses them in stage two.
        """
        if len(x) > RETRIEVER_PAIRS:  # a distillation needs no more pairs than this; memory stays bounded
            x = x[np.sort(np.random.default_rng(self.random_state).choice(len(x), RETRIEVER_PAIRS, replace=False))]
        target = self.score(side, x)
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
        self, side: str, view: BlockView, at: pd.Timestamp, allowed: np.ndarray, shortlist_size: int | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Both stages over a block of (seekers × openings) at one moment, ``allowed`` in the same shape.

        Stage one keeps the ``shortlist_size`` best allowed candidates of each query (queries are
        the seekers on the seeker side, the openings on the other), unless no query has more;
        ``None`` keeps every allowed pair. Stage two computes every pair feature of the kept pairs
        (reusing what stage one computed for the block) and scores them with the ranker.

        Returns seeker and opening positions in the view, pair features (FEATURES order) and scores.
        """
        at = pd.Timestamp(at)
        found: dict[str, np.ndarray] = {}
        per_query = allowed.sum(axis=1 if side == "seeker" else 0)
        if shortlist_size is None or not hasattr(self, "retrievers_") or not (per_query > shortlist_size).any():
            si, oi = np.nonzero(allowed)
        else:
            scores = self.retrieval_scores(side, view, at, found)
            if side == "seeker":
                si, oi = shortlist(scores, allowed, shortlist_size)
            else:
                oi, si = shortlist(scores.T, allowed.T, shortlist_size)
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
        return si, oi, x, self.score(side, x)

    def score(self, side: str, x: np.ndarray) -> np.ndarray:
        """Predicted graded relevance of each pair row (higher is better).

        Batches below :data:`SMALL_BATCH` rows run on one thread: a request's shortlist
        is a few hundred rows, where starting threads for each of the 200 trees costs
        more than it saves, and concurrent requests would oversubscribe the cores.
        """
        check_is_fitted(self, "rankers_")
        if side not in self.rankers_:
            raise ValueError(f"no ranker fitted for side {side!r}")
        model = self.rankers_[side]
        x = x[:, SIDE_COLUMNS[side]]
        n_threads = 1 if len(x) < SMALL_BATCH else None
        ready = _encode_categories(model, x)
        if ready is None:
            raw = model._raw_predict(x, n_threads=n_threads)
        else:  # the same sums in the same order, without the per-call preprocessing and dispatch
            raw = _sum_trees(model, ready, _openmp_effective_n_threads(n_threads))
        if isinstance(model, HistGradientBoostingClassifier):
            return model._loss.predict_proba(raw)[:, 1]
        return model._loss.link.inverse(raw.ravel())
