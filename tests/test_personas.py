"""Common sense over the default sample: every seeker's list of the demo's day, and named personas.

The figures are read from the raw rows (training/audit.py), not from the features the ranker used.
Each fit figure counts only the seekers with at least ten openings their list may hold that fit the
preference in question. The model is the session's default-sample model (tests/conftest.py), trained
on the events before the day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher import reference
from matcher.geometry import haversine_km
from matcher.matching import Match, Matcher
from tests.conftest import SampleDay
from training import audit

IT_DEVELOPERS = audit.IT_DEVELOPER_FAMILIES


@pytest.fixture(scope="module")
def day(default_sample: SampleDay) -> tuple[audit.DayLists, dict, dict]:
    """Every seeker's list of the day, chosen together as ``jobmatch recommend --seekers all`` does."""
    lists = audit.day_lists(default_sample.matcher, default_sample.as_of)
    return lists, audit.fit_figures(default_sample.matcher, lists), audit.market_figures(default_sample.matcher, lists)


def test_part_time_seekers_get_few_full_time_slots(day) -> None:
    _, fit, _ = day
    assert fit["all"]["part_time_full_seekers"] >= 100, "enough part-time seekers to judge"
    assert fit["all"]["part_time_full"] <= 0.25


def test_few_slots_lie_beyond_the_seekers_commute_limit(day) -> None:
    _, fit, _ = day
    assert fit["all"]["beyond_commute_seekers"] >= 1000
    assert fit["all"]["beyond_commute"] <= 0.05


def test_few_slots_ask_five_years_more_than_the_seeker_has(day) -> None:
    _, fit, _ = day
    assert fit["all"]["experience_short_seekers"] >= 1000
    assert fit["all"]["experience_short"] <= 0.02


def test_no_it_developer_job_for_seekers_without_an_it_skill_occupation_or_wish(day) -> None:
    _, fit, _ = day
    assert fit["all"]["it_for_non_it_seekers"] >= 500
    assert fit["all"]["it_for_non_it"] == 0.0


def _unrelated_listed(matcher: Matcher, lists: audit.DayLists) -> int:
    """How many listed pairs have no tie where the opening needs one (matcher.fit.unrelated)."""
    rows, cols = np.nonzero(lists.top >= 0)
    s, o = lists.seeker_rows[rows], lists.top[rows, cols]
    model = matcher.model_at(lists.as_of)
    at = np.full(len(s), lists.as_of.to_datetime64())
    x = model.features(matcher.seeker_codes, matcher.opening_codes, matcher.openings, s, o, at)
    return int(model.unrelated(x, matcher.seeker_codes, matcher.opening_codes, s, o).sum())


def test_no_list_holds_a_job_the_seeker_has_no_tie_to(day, default_sample: SampleDay) -> None:
    lists, _, _ = day  # (that the rule bites is shown on a smaller world: tests/test_matching_shortlist.py)
    assert _unrelated_listed(default_sample.matcher, lists) == 0


def test_no_opening_fills_the_days_lists_and_most_openings_are_seen(day) -> None:
    lists, _, market = day
    assert market["lists"] == len(lists.seeker_rows), "every seeker has a list"
    assert market["max_share"] <= 0.20
    assert market["coverage"] >= 0.80
    assert ((lists.top >= 0).sum(axis=1) >= 5).all(), "every list has at least five openings"


# -- named personas ----------------------------------------------------------------------------------------
def _persona(sample: SampleDay, **fields: object) -> pd.DataFrame:
    """A seeker row like the contract's, living at their dong's centroid."""
    row = sample.data.seekers.iloc[[0]].copy()
    home = reference.dongs().loc[fields["dong"]]
    for name, value in {"lat": float(home["lat"]), "lon": float(home["lon"]), **fields}.items():
        row[name] = [value]
    return row


def _list_of(sample: SampleDay, persona: pd.DataFrame) -> tuple[Matcher, pd.DataFrame]:
    """The persona's list (a seeker registered on the day) with each opening's row and distance from home."""
    matcher = sample.matcher.upsert_seekers(persona)
    seeker_id = persona["seeker_id"].iloc[0]
    found: list[Match] = matcher.matches([seeker_id], sample.as_of)
    home = matcher.seekers.set_index("seeker_id").loc[seeker_id]
    openings = matcher.openings.set_index("opening_id").loc[[m.opening_id for m in found]].reset_index()
    openings["km"] = haversine_km(home["lat"], home["lon"], openings["lat"].to_numpy(), openings["lon"].to_numpy())
    openings["code"] = [next(iter(c), "") for c in audit._codes(openings["occupation"])]
    return matcher, openings


def _allowed(matcher: Matcher, sample: SampleDay, seeker_id: str) -> pd.DataFrame:
    candidates, allowed = matcher.allowed([seeker_id], sample.as_of)
    return matcher.openings.iloc[candidates[allowed[0]]]


def test_a_68_year_old_cleaner_gets_cleaning_and_short_jobs_near_home(default_sample: SampleDay) -> None:
    year = default_sample.as_of.year
    persona = _persona(
        default_sample, seeker_id="P-CLEANER", birth_year=year - 68, dong="마장동", groups=("senior",),
        education="middle", experience_years=12.0, occupations=("청소원(일반)",), skills=(),
        desired_occupations=("청소원(일반)",), desired_industries=("시설관리",), desired_hours=20, max_commute_km=3.0,
        intro="건물 청소 일을 12년 했습니다.",
    )  # fmt: skip
    _, listed = _list_of(default_sample, persona)
    assert len(listed) >= 5
    assert not listed["code"].str.startswith(IT_DEVELOPERS).any(), "no developer job for a cleaner"
    assert (listed["experience_min_years"].fillna(0) < 12 + 5).all()
    assert listed["code"].iloc[0].startswith("94") or listed["industry"].iloc[0] == "시설관리", "cleaning work first"
    assert (listed["km"] <= 3.0).all(), "all within the 3 km the seeker accepts"
    assert (listed["hours_per_week"] <= 30).all(), "nothing far above the 20 hours wanted"


def test_a_seongsu_shoemaker_gets_the_shoemaking_workshops_first(default_sample: SampleDay) -> None:
    persona = _persona(
        default_sample, seeker_id="P-SHOEMAKER", birth_year=1972, dong="성수2가1동", groups=("middle_aged",),
        education="high", experience_years=20.0, occupations=("구두제화원",), skills=("수제화",),
        desired_occupations=("구두제화원",), desired_industries=("수제화",), desired_hours=40, max_commute_km=4.0,
        intro="성수동에서 수제화를 20년 만들었습니다.",
    )  # fmt: skip
    matcher, listed = _list_of(default_sample, persona)
    shoes = _allowed(matcher, default_sample, "P-SHOEMAKER")["industry"].eq("수제화").sum()
    assert shoes >= 3, "the day has shoemaking openings"
    assert listed["industry"].iloc[:3].eq("수제화").all()
    assert (listed["km"] <= 4.0).all()


def test_a_returning_childcare_teacher_gets_short_care_jobs_within_3_km(default_sample: SampleDay) -> None:
    persona = _persona(
        default_sample, seeker_id="P-TEACHER", birth_year=1988, dong="행당2동", groups=("career_break",),
        education="college", experience_years=4.0, occupations=("보육교사",), skills=("보육",),
        desired_occupations=("보육교사",), desired_industries=("돌봄",), desired_hours=20, max_commute_km=3.0,
        intro="어린이집 보육교사로 4년 일하다 육아로 쉬었습니다. 다시 일하고 싶습니다.",
    )  # fmt: skip
    _, listed = _list_of(default_sample, persona)
    assert len(listed) >= 5
    assert (listed["hours_per_week"] < 35).all(), "no full-time job for a 20-hour wish"
    assert (listed["hours_per_week"].iloc[:3] <= 25).all() and (listed["km"].iloc[:3] <= 3.0).all()
    assert (listed["km"] <= 3.0).mean() >= 0.8
    assert listed["industry"].iloc[:3].eq("돌봄").any(), "care work among the first three"
