"""Records checked cell by cell (an API write) give what the pandas path that reads CSV files gives.

``parse_records`` takes a few records of plain values through ``_parse_few`` and everything else through
``_parse_many``; both must accept and refuse the same values with the same problems, in the same order, and give
the same typed table (columns, dtypes, values).
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.record_checks import _parse_few, _parse_many, parse_records, record_problems
from matcher.records import FILES
from matcher.typed_frames import frame_of
from matcher.validation import good_rows

RRN = "900101-1234567"

SEEKER = {
    "seeker_id": "S1",
    "name": "김하늘",
    "birth_year": 1990,
    "gender": "F",
    "dong": "성수1가1동",
    "lat": None,
    "lon": None,
    "groups": ["youth"],
    "education": "college",
    "experience_years": 2.5,
    "occupations": ["바리스타"],
    "skills": ["커피", "엑셀"],
    "desired_occupations": ["바리스타"],
    "desired_industries": [],
    "desired_wage_type": "hourly",
    "desired_wage_amount": 11000,
    "desired_hours": 20,
    "max_commute_km": 5.0,
    "intro": "성실합니다",
    "consent_employer_view": True,
}
OPENING = {
    "opening_id": "O1",
    "employer_id": "E1",
    "employer_name": "성수커피",
    "title": "바리스타 모집",
    "occupation": "바리스타",
    "industry": "음식점",
    "dong": "성수2가1동",
    "lat": 37.54,
    "lon": 127.05,
    "wage_type": "monthly",
    "wage_amount": 2_200_000,
    "hours_per_week": 40,
    "employment_type": "full_time",
    "required_skills": ["커피"],
    "preferred_skills": [],
    "education_min": None,
    "experience_min_years": 0.0,
    "program": "general",
    "target_groups": [],
    "age_min": 20,
    "age_max": 39,
    "positions": 2,
    "posted_at": datetime(2025, 3, 1),
    "deadline": datetime(2025, 3, 31, 18, 30),
    "description": "주 5일",
}
EVENT = {"seeker_id": "S1", "opening_id": "O1", "event": "applied", "occurred_at": datetime(2025, 3, 2, 10)}
BASE = {"seekers": SEEKER, "openings": OPENING, "events": EVENT}

TEXTS = st.sampled_from(
    ["", " ", "  안녕  ", "=SUM(A1)", "'=1", "-5", "a" * 301, f"번호 {RRN}", "nul\x00", "성수1가1동", "없는동",
     "youth", "senior", "F", "hourly", "monthly", "general", "full_time", "college", "applied", "bogus", "1", "yes"]
)  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from([0, 1, -1, 20, 39, 120, 169, 1930, 2012, 2013, 2**53, 2**53 + 1, 2**62, 10**6]),
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.sampled_from([0.5, 37.5, 127.0, 3.0, 1e20]),
)
DATES = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from([datetime(2025, 2, 1), datetime(2025, 3, 31, 18, 30, 5, 123456), pd.Timestamp("2025-01-01")]),
)
LISTS = st.lists(TEXTS, max_size=3)
VALUES = st.one_of(st.none(), TEXTS, NUMBERS, DATES, LISTS, st.booleans())


def _mutated(kind: str, data: st.DataObject) -> dict:
    """The kind's good record with a few fields replaced: mostly by values of the field's own kind."""
    record = dict(BASE[kind])
    by_kind = {"text": TEXTS, "enum": TEXTS, "int": NUMBERS, "float": NUMBERS, "date": DATES, "bool": st.booleans(),
               "list": LISTS, "enum_list": LISTS}  # fmt: skip
    for col in data.draw(st.lists(st.sampled_from(FILES[kind]), max_size=4, unique_by=lambda c: c.name)):
        values = st.one_of(st.none(), by_kind[col.kind]) if data.draw(st.booleans()) else VALUES
        record[col.name] = data.draw(values)
    return record


def _same(kind: str, records: list[dict]) -> bool:
    """Whether both paths agree on these records; False when the cell-by-cell path declines them."""
    columns = FILES[kind]
    few = _parse_few(kind, columns, records)
    try:
        many = _parse_many(kind, columns, records)
    except (TypeError, ValueError, OverflowError):  # values the pandas path cannot render (never plain ones)
        assert few is None
        return False
    if few is None:
        return False
    rows, check = few
    assert check.problems == many[1]
    pd.testing.assert_frame_equal(good_rows(frame_of(kind, columns, rows), check), many[0])
    return True


@pytest.mark.parametrize("kind", ["seekers", "openings", "events"])
def test_a_good_record_is_parsed_alike_both_ways(kind: str) -> None:
    assert _same(kind, [BASE[kind]])
    frame, problems = parse_records(kind, [BASE[kind]])
    assert problems == [] and len(frame) == 1


@pytest.mark.parametrize("kind", ["seekers", "openings", "events"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_record_is_parsed_alike_both_ways(kind: str, data: st.DataObject) -> None:
    records = [_mutated(kind, data) for _ in range(data.draw(st.integers(1, 3)))]
    _same(kind, records)


def test_the_cell_by_cell_path_finds_each_kind_of_problem() -> None:
    """Not only agreement: the fast path really refuses (a check that could pass with both paths broken alike)."""
    bad = {**SEEKER, "birth_year": 2013, "gender": "Q", "intro": f"주민번호 {RRN}", "name": "a\x00b", "dong": "없는동"}
    reasons = {(p.column, p.reason.split(" (")[0]) for p in record_problems("seekers", bad)}
    assert ("birth_year", "2013 is outside 1930..2012") in reasons
    assert ("gender", "unknown value 'Q'") in reasons
    assert ("intro", "looks like a resident registration number") in reasons
    assert ("name", "holds a control character") in reasons
    assert ("dong", "unknown dong '없는동' and no lat/lon given") in reasons
    late = {**OPENING, "deadline": datetime(2025, 2, 1), "age_min": 40, "age_max": 30}
    assert {p.column for p in record_problems("openings", late)} == {"deadline", "age_max"}
    assert record_problems("seekers", SEEKER) == []


def test_a_value_that_is_not_plain_takes_the_pandas_path() -> None:
    odd = {**SEEKER, "birth_year": "1990"}  # a string where a number goes: rendered by pandas, as a CSV cell
    assert _parse_few("seekers", FILES["seekers"], [odd]) is None
    frame, problems = parse_records("seekers", [odd])
    assert problems == [] and frame["birth_year"].iloc[0] == 1990


@pytest.mark.parametrize("big", [2**53 + 1, -(2**53 + 1)])
def test_a_whole_number_past_2_53_beside_an_empty_one_is_too_large_both_ways(big: int) -> None:
    """Found by the test above: beside an empty value the pandas path read numbers as floats, so 2**53 + 1 passed
    the size check as 2**53 (a wage was silently changed by one won; a birth year was refused for another reason)."""
    records = [{**SEEKER, "desired_wage_amount": big}, {**SEEKER, "seeker_id": "S2", "desired_wage_amount": None}]
    assert _same("seekers", records)
    _, problems = parse_records("seekers", records)
    assert [(p.column, p.reason) for p in problems] == [("desired_wage_amount", f"number too large: '{big}'")]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("max_commute_km", "abc", "not a number: 'abc'"),
        ("desired_wage_amount", "abc", "not a number: 'abc'"),
        ("desired_wage_amount", "3.5", "not a whole number: '3.5'"),
    ],
)
def test_text_in_a_number_column_is_judged_as_its_csv_cell(column: str, value: str, reason: str) -> None:
    """Before, text in a float column raised a ValueError from rendering, and in an int column it was dropped as
    if empty; now it is refused as the CSV cell holding it would be, and an empty text is an empty cell."""
    _, problems = parse_records("seekers", [{**SEEKER, column: value}])
    assert [(p.column, p.reason) for p in problems] == [(column, reason)]
    frame, problems = parse_records("seekers", [{**SEEKER, column: ""}])
    assert problems == [] and frame[column].isna().all()
