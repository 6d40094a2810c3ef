"""The learned ranker: pair features → graded relevance, one model per side.

``seeker`` side: for a seeker, how likely an opening is applied to and ends in
a hire. ``opening`` side: for an opening, how likely its employer interviews
and hires a seeker. Both use the same pair features and a scikit-learn
histogram gradient-boosting model fitted on graded outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import NotFittedError

from matcher.features import CONTENT_FEATURES, Encoded, Featurizer, content_pair_features
from matcher.history import HISTORY_FEATURES, History

FEATURES: tuple[str, ...] = CONTENT_FEATURES + HISTORY_FEATURES
SIDES: tuple[str, ...] = ("seeker", "opening")

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
    max_iter, learning_rate, max_leaf_nodes : gradient-boosting settings.
    target : ``"gain"`` regresses on 2^grade - 1, the gain NDCG rewards, so a hire
        weighs fifteen views; ``"grade"`` regresses on the grade itself.
    random_state : seed of the boosting model.
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
    ) -> None:
        self.analyzer = analyzer
        self.l2 = l2
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.target = target
        self.random_state = random_state

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
        """Fit the ranker of one side on pair features and graded outcomes."""
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
        return self

    def score(self, side: str, x: np.ndarray) -> np.ndarray:
        """Predicted graded relevance of each pair row (higher is better)."""
        check_is_fitted(self, "rankers_")
        if side not in self.rankers_:
            raise ValueError(f"no ranker fitted for side {side!r}")
        model = self.rankers_[side]
        x = x[:, SIDE_COLUMNS[side]]
        if isinstance(model, HistGradientBoostingClassifier):
            return model.predict_proba(x)[:, 1]
        return model.predict(x)
