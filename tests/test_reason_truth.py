"""Every reason of every list is true, every missed preference is cautioned, and employers read nothing
they may not: the independent judge (tests/reason_truth.py, raw CSV rows only) over every list of the
default sample's day, both sides, and over generated profiles through the search path."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.contract import parse_records
from matcher.matching import Match
from matcher.reference import dong_names, skill_synonyms
from tests.reason_truth import Judge, World


@pytest.fixture(scope="module")
def judge(default_sample) -> Judge:
    return Judge.for_day(World(default_sample.folder), str(default_sample.as_of.date()))


def _problems(judge: Judge, side: str, found: list[Match], seekers: dict | None = None) -> list[str]:
    seekers = seekers or judge.world.seekers
    return [p for m in found for p in judge.check(side, seekers[m.seeker_id], m.opening_id, m.reasons, m.cautions)]


def _report(problems: list[str]) -> str:
    kinds = Counter(p.split(": ", 1)[1].split(":")[0] for p in problems)
    return f"{len(problems)} problem(s) {dict(kinds.most_common(8))}, e.g.\n" + "\n".join(problems[:10])


def test_every_seeker_list_of_the_day_is_true_and_cautioned(default_sample, judge: Judge) -> None:
    ids = list(default_sample.data.seekers["seeker_id"])
    found = default_sample.matcher.matches(ids, default_sample.as_of)  # chosen together, as recommend --seekers all
    assert len({m.seeker_id for m in found}) > 0.9 * len(ids)
    problems = _problems(judge, "seeker", found)
    assert not problems, _report(problems)
    # The judge has something to judge: most rows say why, and drawbacks are shown.
    assert sum(bool(m.reasons) for m in found) > 0.95 * len(found)
    rows = ((judge.row("seeker", judge.world.seekers[m.seeker_id], m.opening_id), m.reasons) for m in found[:3000])
    kinds = Counter(v.kind for row, reasons in rows for v in judge.reasons(row, reasons))
    assert len(kinds) >= 10, kinds
    assert sum(bool(m.cautions) for m in found) > 0.1 * len(found)


def test_every_candidate_list_is_true_and_fit_for_employers(default_sample, judge: Judge) -> None:
    ids = list(default_sample.data.openings["opening_id"])
    found = default_sample.matcher.candidates(ids, default_sample.as_of)
    assert len({m.opening_id for m in found}) == len(ids)
    problems = _problems(judge, "opening", found)
    assert not problems, _report(problems)
    assert sum(bool(m.reasons) for m in found) > 0.95 * len(found)


def _occupations(default_sample) -> list[str]:
    data = default_sample.data
    names = {x for xs in data.seekers["occupations"] for x in xs} | set(data.openings["occupation"].dropna())
    return [*sorted(names), "택배기사", "ZX-0413", "웹 개발자"]


INTROS = (
    "",
    "재봉틀 10년 했습니다.",
    "미싱을 배우고 싶습니다, 지게차 운전기능사 준비 중입니다.",
    "엑셀과 한글을 잘 다룹니다. 집에서 가까운 곳을 원합니다.",
    "수제화 일을 해 보고 싶습니다.",
    "요양보호사 자격이 있고, 운전면허도 있습니다.",
)


@st.composite
def profiles(draw, occupations: list[str]) -> dict[str, str]:
    """One self-search profile as the raw CSV row a seekers.csv would hold."""
    skills = [*sorted(skill_synonyms())[:80], "없는기술"]
    pick = lambda values, most: ";".join(draw(st.lists(st.sampled_from(values), max_size=most, unique=True)))  # noqa: E731
    maybe = lambda strategy: draw(st.one_of(st.just(""), strategy.map(str)))  # noqa: E731
    wage_type = draw(st.sampled_from(["", "hourly", "monthly"]))
    wage = {"": "", "hourly": draw(st.integers(9_000, 20_000)), "monthly": draw(st.integers(1_000_000, 4_000_000))}
    return {
        "seeker_id": "(search)",
        "birth_year": str(draw(st.integers(1950, 2007))),
        "dong": draw(st.sampled_from(dong_names())),
        "groups": pick(["youth", "senior", "middle_aged", "career_break", "disabled", "low_income"], 2),
        "education": draw(st.sampled_from(["", "none", "middle", "high", "vocational_high", "college", "university"])),
        "experience_years": maybe(st.sampled_from([0, 1, 2.5, 5, 12, 30])),
        "occupations": pick(occupations, 2),
        "skills": pick(skills, 3),
        "desired_occupations": pick(occupations, 2),
        "desired_industries": pick(["패션봉제", "시설관리", "공공", "외식", "IT", "돌봄", "제조"], 2),
        "desired_wage_type": wage_type,
        "desired_wage_amount": str(wage[wage_type]),
        "desired_hours": maybe(st.sampled_from([8, 15, 20, 25, 30, 40, 52])),
        "max_commute_km": maybe(st.sampled_from([0.5, 1, 2, 3.5, 5, 10, 30])),
        "intro": draw(st.sampled_from(INTROS)),
        "consent_employer_view": "false",
    }


def test_searched_profiles_get_true_reasons_and_their_cautions(default_sample, judge: Judge) -> None:
    matcher, as_of = default_sample.matcher, default_sample.as_of
    checked: list[int] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
    @given(profiles(_occupations(default_sample)))
    def check(raw: dict[str, str]) -> None:
        lists = ("groups", "occupations", "skills", "desired_occupations", "desired_industries")
        record = {k: (v.split(";") if v else []) if k in lists else (v or None) for k, v in raw.items()}
        frame, refused = parse_records("seekers", [record])  # as POST /search parses its body
        assert not refused, refused
        found = matcher.matches_for_profiles(frame, as_of, k=10)
        problems = _problems(judge, "seeker", found, {raw["seeker_id"]: raw})
        assert not problems, _report(problems)
        checked.append(len(found))

    check()
    assert sum(checked) > 100  # the profiles did get lists to judge
