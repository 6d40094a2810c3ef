"""The common-sense fit's "no tie" rule, pair by pair: which pairs are unrelated (never pad a list)."""

from types import SimpleNamespace

import numpy as np

from matcher.fit import NO_TIE, penalties, unrelated
from matcher.pair_views import PairView

TIES = ("required_skills_held", "desired_occupation_match", "past_occupation_match", "occupation_family_match",
        "industry_match")  # fmt: skip


def _pairs(skills_asked: list[float], tie: list[float], unknown: list[float]) -> tuple[PairView, dict]:
    n = len(skills_asked)
    seekers = SimpleNamespace(numbers={
        "desired_hours": np.full(n, np.nan), "experience_years": np.full(n, np.nan),
        "unknown_occupations": np.array(unknown, float), "access_needs": np.zeros(n, np.int64),
    })  # fmt: skip
    openings = SimpleNamespace(numbers={
        "hours_per_week": np.full(n, np.nan), "experience_min_years": np.full(n, np.nan),
        "unknown_occupations": np.zeros(n), "access_stated": np.zeros(n, np.int64),
    })  # fmt: skip
    found = {name: np.zeros(n) for name in TIES}
    found["industry_match"] = np.array(tie, float)
    found["required_skill_count"] = np.array(skills_asked, float)
    found["distance_over_tolerance"] = np.full(n, np.nan)
    return PairView(seekers, openings, np.arange(n), np.arange(n)), found  # type: ignore[arg-type]


def test_a_pair_without_a_tie_to_a_job_asking_skills_is_unrelated() -> None:
    # (skills asked, tie, seeker names occupations the dictionary does not know): only the first is unrelated;
    # a tie, a job asking nothing, or occupations that cannot show two jobs unrelated all keep the pair.
    view, found = _pairs([2, 2, 0, 2], [0, 1, 0, 0], [0, 0, 0, 1])
    assert unrelated(view, found).tolist() == [True, False, False, False]
    assert penalties(view, found)["no_tie"].tolist() == [NO_TIE, 0.0, 0.0, 0.0]
