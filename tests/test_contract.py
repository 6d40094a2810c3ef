"""The CSV contract loader (shared/spec/data-format.md): typing, defaults, and every kind of bad input.

Each test writes a tiny folder with explicit text, so the physical line of every record is known:
line 1 is the header, line 2 the first record, and so on.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher import reference
from matcher.contract import ContractError, Problem, load_folder, write_table

# Warnings (absent events.csv, skipped rows) are asserted explicitly where they matter.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RRN = "900101-1234567"

SEEKERS = [
    "seeker_id,birth_year,dong",
    "S1,1960,성수1가1동",
    "S2,1990,마장동",
]
OPENINGS = [
    "opening_id,employer_id,employer_name,title,dong,posted_at",
    "O1,E1,성수수제화,수제화 갑피 제조원 모집,성수2가1동,2024-03-01",
    "O2,E2,행당봉제,봉제 미싱사 모집,행당1동,2024-03-04",
]
# Events point at S1 and O1 only, so a bad S2 or O2 in a test does not also reject an event.
EVENTS = [
    "seeker_id,opening_id,event,occurred_at",
    "S1,O1,applied,2024-03-02",
    "S1,O1,viewed,2024-03-05T10:00:00",
]


def write_folder(
    folder: Path,
    seekers: list[str] | None = None,
    openings: list[str] | None = None,
    events: list[str] | None = None,
    *,
    with_events: bool = True,
) -> Path:
    """Write the three files, one list item per physical line (defaults are small good tables)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"seekers": seekers or SEEKERS, "openings": openings or OPENINGS}
    if with_events:
        tables["events"] = events or EVENTS
    for name, lines in tables.items():
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def problems_of(folder: Path, **kwargs) -> list[Problem]:
    with pytest.raises(ContractError) as info:
        load_folder(folder, **kwargs)
    return info.value.problems


def only_problem(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, f"expected exactly one problem, got: {[str(p) for p in problems]}"
    return problems[0]


def assert_problem(problem: Problem, file: str, line: int, column: str, reason_part: str) -> None:
    assert (problem.file, problem.line, problem.column) == (file, line, column), str(problem)
    assert reason_part in problem.reason, f"{reason_part!r} not in reason {problem.reason!r}"


def read_rejects(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


# --------------------------------------------------------------------------- good input


FULL_SEEKERS = [
    "seeker_id,birth_year,gender,dong,lat,lon,groups,education,experience_years,occupations,skills,"
    "desired_occupations,desired_industries,desired_wage_type,desired_wage_amount,desired_hours,"
    "max_commute_km,intro,consent_employer_view",
    "S1,1960,F,성수1가1동,,,senior;low_income,high,25.5,수제화 제조원;판매원,재봉;재단,수제화 제조원,수제화,"
    'monthly,2090000,40,5,"수제화 30년\n갑피 전문입니다",true',
    "S2,1999,,마장동,37.6,127.1,,,,,,,,,,,,,",
    "S3,1985,M,광장동,37.5478,127.1034,youth,university,3,,Python,,IT,hourly,12000,,,,false",
]
FULL_OPENINGS = [
    "opening_id,employer_id,employer_name,title,occupation,industry,dong,lat,lon,wage_type,wage_amount,"
    "hours_per_week,employment_type,required_skills,preferred_skills,education_min,experience_min_years,"
    "program,target_groups,age_min,age_max,positions,posted_at,deadline,description",
    "O1,E1,성수수제화,수제화 갑피 제조원 모집,수제화 제조원,수제화,성수2가1동,,,hourly,12000,40,full_time,"
    "재봉;재단,미싱,,2,,,,,,2024-03-01,2024-04-01,갑피 작업",
    "O2,E2,성동청년랩,웹 개발자,웹 개발자,IT,왕십리2동,,,annual,30000000,,contract,파이썬,,university,,"
    "youth_1on1,youth,18,39,3,2024-03-04T09:30:00,,",
]
FULL_EVENTS = [
    "seeker_id,opening_id,event,occurred_at",
    "S1,O1,applied,2024-03-02T14:05:00",
    "S1,O1,hired,2024-03-20",
    "S3,O2,viewed,2024-03-05",
]


@pytest.fixture
def full_folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "in", FULL_SEEKERS, FULL_OPENINGS, FULL_EVENTS)


def test_good_folder_loads_with_typed_columns(full_folder: Path) -> None:
    ds = load_folder(full_folder)
    s = ds.seekers.set_index("seeker_id")
    o = ds.openings.set_index("opening_id")
    assert list(s.index) == ["S1", "S2", "S3"]
    assert list(o.index) == ["O1", "O2"]
    assert len(ds.events) == 3
    assert ds.rejected == {"seekers": 0, "openings": 0, "events": 0}

    # ints, floats
    assert s.loc["S1", "birth_year"] == 1960
    assert pd.api.types.is_integer_dtype(s["birth_year"])
    assert pd.api.types.is_integer_dtype(o["wage_amount"])
    assert s.loc["S1", "experience_years"] == pytest.approx(25.5)
    assert s.loc["S3", "experience_years"] == pytest.approx(3.0)
    assert pd.api.types.is_float_dtype(s["experience_years"])
    assert pd.isna(s.loc["S2", "experience_years"])
    assert pd.isna(s.loc["S2", "desired_wage_amount"])
    # lists are tuples, empty list cells are empty tuples
    assert s.loc["S1", "groups"] == ("senior", "low_income")
    assert s.loc["S1", "occupations"] == ("수제화 제조원", "판매원")
    assert s.loc["S1", "skills"] == ("재봉", "재단")
    assert s.loc["S2", "skills"] == ()
    assert o.loc["O1", "required_skills"] == ("재봉", "재단")
    assert o.loc["O1", "target_groups"] == ()
    assert o.loc["O2", "target_groups"] == ("youth",)
    # bools: default false
    assert s.loc["S1", "consent_employer_view"]
    assert not s.loc["S2", "consent_employer_view"]
    assert not s.loc["S3", "consent_employer_view"]
    assert s["consent_employer_view"].dtype == bool
    # dates and datetimes are Timestamps
    assert o.loc["O1", "posted_at"] == pd.Timestamp("2024-03-01")
    assert o.loc["O2", "posted_at"] == pd.Timestamp("2024-03-04 09:30:00")
    assert o.loc["O1", "deadline"] == pd.Timestamp("2024-04-01")
    assert pd.isna(o.loc["O2", "deadline"])
    assert isinstance(ds.events.loc[0, "occurred_at"], pd.Timestamp)
    assert ds.events.loc[0, "occurred_at"] == pd.Timestamp("2024-03-02 14:05:00")
    assert pd.api.types.is_datetime64_any_dtype(ds.events["occurred_at"])
    # multi-line intro kept intact
    assert s.loc["S1", "intro"] == "수제화 30년\n갑피 전문입니다"
    assert pd.isna(s.loc["S2", "intro"])


def test_lat_lon_from_dong_centroid_unless_given(full_folder: Path) -> None:
    ds = load_folder(full_folder)
    s = ds.seekers.set_index("seeker_id")
    o = ds.openings.set_index("opening_id")
    dongs = reference.dongs()
    assert s.loc["S1", ["lat", "lon"]].tolist() == pytest.approx(dongs.loc["성수1가1동", ["lat", "lon"]].tolist())
    assert o.loc["O1", ["lat", "lon"]].tolist() == pytest.approx(dongs.loc["성수2가1동", ["lat", "lon"]].tolist())
    # explicit lat/lon override the centroid of a known dong
    assert s.loc["S2", ["lat", "lon"]].tolist() == pytest.approx([37.6, 127.1])
    # a dong outside Seongdong-gu (광장동, Gwangjin-gu) is fine with lat/lon
    assert s.loc["S3", "dong"] == "광장동"
    assert s.loc["S3", ["lat", "lon"]].tolist() == pytest.approx([37.5478, 127.1034])


def test_defaults_program_general_and_positions_one(full_folder: Path) -> None:
    o = load_folder(full_folder).openings.set_index("opening_id")
    assert o.loc["O1", "program"] == "general"
    assert o.loc["O1", "positions"] == 1
    assert o.loc["O2", "program"] == "youth_1on1"
    assert o.loc["O2", "positions"] == 3
    assert o.loc["O2", ["age_min", "age_max"]].tolist() == [18, 39]


def test_defaults_when_optional_columns_are_absent(tmp_path: Path) -> None:
    ds = load_folder(write_folder(tmp_path))
    assert (ds.openings["program"] == "general").all()
    assert (ds.openings["positions"] == 1).all()
    assert not ds.seekers["consent_employer_view"].any()
    assert ds.seekers["skills"].tolist() == [(), ()]
    assert ds.seekers["desired_wage_hourly"].isna().all()


def test_hourly_wages_are_computed(full_folder: Path) -> None:
    ds = load_folder(full_folder)
    s = ds.seekers.set_index("seeker_id")
    o = ds.openings.set_index("opening_id")
    # monthly 2,090,000 at 40 h/week: the 209-hour convention, about 10,000 per hour
    assert s.loc["S1", "desired_wage_hourly"] == pytest.approx(10_000, rel=0.005)
    assert s.loc["S3", "desired_wage_hourly"] == pytest.approx(12_000)
    assert np.isnan(s.loc["S2", "desired_wage_hourly"])
    assert o.loc["O1", "wage_hourly"] == pytest.approx(12_000)
    # annual 30,000,000 with hours missing: a 40-hour week is assumed
    assert o.loc["O2", "wage_hourly"] == pytest.approx(30_000_000 / 12 / 209, rel=0.005)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    for name, lines in (("seekers", SEEKERS), ("openings", OPENINGS), ("events", EVENTS)):
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert (folder / "seekers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    ds = load_folder(folder)
    assert ds.seekers["seeker_id"].tolist() == ["S1", "S2"]
    assert ds.openings["opening_id"].tolist() == ["O1", "O2"]
    assert len(ds.events) == 2


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "seekers.csv").write_bytes("\r\n".join([*SEEKERS, "S3,1800,마장동"]).encode() + b"\r\n")
    assert_problem(only_problem(folder), "seekers.csv", 4, "birth_year", "1800")


def test_events_absent_gives_empty_events_and_a_warning(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, with_events=False)
    with pytest.warns(UserWarning, match="events.csv is absent"):
        ds = load_folder(folder)
    assert len(ds.events) == 0
    assert list(ds.events.columns) == ["seeker_id", "opening_id", "event", "occurred_at"]
    assert any("events.csv is absent" in w for w in ds.warnings)
    assert len(ds.seekers) == 2


def test_extra_column_is_ignored_with_a_warning(tmp_path: Path) -> None:
    seekers = ["seeker_id,birth_year,dong,상담메모", "S1,1960,성수1가1동,전화 요망", "S2,1990,마장동,"]
    folder = write_folder(tmp_path, seekers=seekers)
    with pytest.warns(UserWarning, match="상담메모"):
        ds = load_folder(folder)
    assert "상담메모" not in ds.seekers.columns
    assert len(ds.seekers) == 2
    assert any("상담메모" in w for w in ds.warnings)


def test_trailing_empty_header_cells_are_extra_columns_not_an_error(tmp_path: Path) -> None:
    # Spreadsheet exports often end every line with empty cells (",,"). The spec: extra columns are
    # ignored with a warning. BUG: the loader refuses the whole file ("column appears more than once").
    seekers = ["seeker_id,birth_year,dong,,", "S1,1960,성수1가1동,,", "S2,1990,마장동,,"]
    folder = write_folder(tmp_path, seekers=seekers)
    try:
        ds = load_folder(folder)
    except ContractError as exc:
        pytest.fail(f"BUG contract.py _parse_table: blank extra header cells must be ignored with a warning: {exc}")
    assert len(ds.seekers) == 2


def test_multiline_quoted_intro_keeps_physical_line_numbers(tmp_path: Path) -> None:
    seekers = [
        "seeker_id,birth_year,dong,intro",
        'S1,1960,성수1가1동,"첫 줄',  # line 2: record starts here and spans lines 2-4
        "둘째 줄",
        '셋째 줄"',
        "S2,1800,마장동,짧은 소개",  # line 5: bad birth year
        'S3,1700,마장동,"여러',  # line 6: bad birth year, record spans 6-7
        '줄"',
        "S4,1990,마장동,",  # line 8: good
    ]
    problems = problems_of(write_folder(tmp_path, seekers=seekers))
    assert [(p.file, p.line, p.column) for p in problems] == [
        ("seekers.csv", 5, "birth_year"),
        ("seekers.csv", 6, "birth_year"),
    ]


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    seekers = [*SEEKERS, "", "S3,1800,마장동"]
    assert_problem(only_problem(write_folder(tmp_path, seekers=seekers)), "seekers.csv", 5, "birth_year", "1800")


# --------------------------------------------------------------------------- bad input, one kind per test


def test_unknown_seeker_id_in_events(tmp_path: Path) -> None:
    events = [*EVENTS, "S9,O1,applied,2024-03-06"]
    p = only_problem(write_folder(tmp_path, events=events))
    assert_problem(p, "events.csv", 4, "seeker_id", "unknown id")
    assert "S9" in p.reason


def test_unknown_opening_id_in_events(tmp_path: Path) -> None:
    events = [EVENTS[0], "S1,O9,applied,2024-03-06", EVENTS[1]]
    p = only_problem(write_folder(tmp_path, events=events))
    assert_problem(p, "events.csv", 2, "opening_id", "unknown id")
    assert "O9" in p.reason


@pytest.mark.parametrize(
    ("column", "value"),
    [("birth_year", "천구백육십"), ("birth_year", "19x0"), ("experience_years", "three")],
)
def test_unparsable_number(tmp_path: Path, column: str, value: str) -> None:
    cells = {"birth_year": "1990", "experience_years": "1.5", column: value}
    seekers = [
        "seeker_id,dong,birth_year,experience_years",
        "S1,마장동,1960,2",
        f"S2,마장동,{cells['birth_year']},{cells['experience_years']}",
    ]
    p = only_problem(write_folder(tmp_path, seekers=seekers))
    assert_problem(p, "seekers.csv", 3, column, "not a number")
    assert value in p.reason


@pytest.mark.parametrize(("file", "column"), [("seekers", "desired_hours"), ("openings", "positions")])
def test_non_integer_in_int_column(tmp_path: Path, file: str, column: str) -> None:
    if file == "seekers":
        folder = write_folder(tmp_path, seekers=[f"{SEEKERS[0]},{column}", f"{SEEKERS[1]},40", f"{SEEKERS[2]},37.5"])
    else:
        folder = write_folder(tmp_path, openings=[f"{OPENINGS[0]},{column}", f"{OPENINGS[1]},2", f"{OPENINGS[2]},2.5"])
    p = only_problem(folder)
    assert_problem(p, f"{file}.csv", 3, column, "not a whole number")


@pytest.mark.parametrize(
    ("file", "column", "value"),
    [
        ("seekers", "education", "phd"),
        ("seekers", "desired_wage_type", "weekly"),
        ("seekers", "gender", "female"),
        ("openings", "program", "youth"),
        ("openings", "wage_type", "daily_rate"),
        ("openings", "employment_type", "freelance"),
        ("openings", "education_min", "고졸"),
    ],
)
def test_unknown_enum(tmp_path: Path, file: str, column: str, value: str) -> None:
    base = {"seekers": SEEKERS, "openings": OPENINGS}[file]
    lines = [f"{base[0]},{column}", f"{base[1]},", f"{base[2]},{value}"]  # the bad value is on line 3
    p = only_problem(write_folder(tmp_path, **{file: lines}))
    assert_problem(p, f"{file}.csv", 3, column, "unknown value")
    assert repr(value) in p.reason


def test_unknown_event_kind(tmp_path: Path) -> None:
    events = [*EVENTS, "S1,O1,clicked,2024-03-06"]
    p = only_problem(write_folder(tmp_path, events=events))
    assert_problem(p, "events.csv", 4, "event", "unknown value 'clicked'")


def test_unknown_group_in_groups_list(tmp_path: Path) -> None:
    seekers = ["seeker_id,birth_year,dong,groups", "S1,1960,성수1가1동,senior;low_income", "S2,1990,마장동,youth;청년"]
    p = only_problem(write_folder(tmp_path, seekers=seekers))
    assert_problem(p, "seekers.csv", 3, "groups", "unknown value")
    assert "청년" in p.reason


def test_unknown_group_in_target_groups(tmp_path: Path) -> None:
    openings = [f"{OPENINGS[0]},target_groups", f"{OPENINGS[1]},", f"{OPENINGS[2]},elderly"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 3, "target_groups", "elderly")


@pytest.mark.parametrize("year", ["1929", "2013", "1800", "2030"])
def test_birth_year_out_of_range(tmp_path: Path, year: str) -> None:
    seekers = [*SEEKERS, f"S3,{year},마장동"]
    p = only_problem(write_folder(tmp_path, seekers=seekers))
    assert_problem(p, "seekers.csv", 4, "birth_year", "outside 1930..2012")
    assert year in p.reason


@pytest.mark.parametrize("year", ["1930", "2012"])
def test_birth_year_bounds_are_inclusive(tmp_path: Path, year: str) -> None:
    ds = load_folder(write_folder(tmp_path, seekers=[*SEEKERS, f"S3,{year},마장동"]))
    assert ds.seekers["birth_year"].tolist()[-1] == int(year)


def test_duplicate_seeker_id(tmp_path: Path) -> None:
    seekers = [*SEEKERS, "S1,1970,옥수동"]
    p = only_problem(write_folder(tmp_path, seekers=seekers))
    assert_problem(p, "seekers.csv", 4, "seeker_id", "duplicate id")
    assert "S1" in p.reason


def test_duplicate_opening_id(tmp_path: Path) -> None:
    openings = [*OPENINGS, "O2,E3,옥수카페,바리스타 모집,옥수동,2024-03-05"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 4, "opening_id", "duplicate id")
    assert "O2" in p.reason


@pytest.mark.parametrize("value", ["2024-02-30", "2024-13-01", "내일", "03/01/2024"])
def test_bad_posted_at_date(tmp_path: Path, value: str) -> None:
    openings = [*OPENINGS, f"O3,E3,옥수카페,바리스타 모집,옥수동,{value}"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 4, "posted_at", "not an ISO date")


def test_bad_event_datetime(tmp_path: Path) -> None:
    events = [*EVENTS, "S2,O1,applied,2024-03-06T25:00:00"]
    assert_problem(only_problem(write_folder(tmp_path, events=events)), "events.csv", 4, "occurred_at", "ISO date")


def test_missing_required_value(tmp_path: Path) -> None:
    openings = [*OPENINGS, "O3,E3,옥수카페,바리스타 모집,옥수동,"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 4, "posted_at", "required value is missing")


def test_deadline_before_posted_at(tmp_path: Path) -> None:
    openings = [f"{OPENINGS[0]},deadline", f"{OPENINGS[1]},2024-03-31", f"{OPENINGS[2]},2024-03-03"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 3, "deadline", "before posted_at")


def test_deadline_on_posted_day_is_fine(tmp_path: Path) -> None:
    openings = [f"{OPENINGS[0]},deadline", f"{OPENINGS[1]},2024-03-01", f"{OPENINGS[2]},"]
    assert len(load_folder(write_folder(tmp_path, openings=openings)).openings) == 2


def test_age_min_above_age_max(tmp_path: Path) -> None:
    openings = [f"{OPENINGS[0]},age_min,age_max", f"{OPENINGS[1]},18,39", f"{OPENINGS[2]},60,40"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 3, "age_max", "below age_min")


def test_positions_zero(tmp_path: Path) -> None:
    openings = [f"{OPENINGS[0]},positions", f"{OPENINGS[1]},2", f"{OPENINGS[2]},0"]
    p = only_problem(write_folder(tmp_path, openings=openings))
    assert_problem(p, "openings.csv", 3, "positions", "outside 1..")


@pytest.mark.parametrize("file", ["seekers", "openings"])
def test_unknown_dong_without_lat_lon(tmp_path: Path, file: str) -> None:
    if file == "seekers":
        folder = write_folder(tmp_path, seekers=[*SEEKERS, "S3,1970,성수동"])
    else:
        folder = write_folder(tmp_path, openings=[*OPENINGS, "O3,E3,광장상회,판매원 모집,광장동,2024-03-05"])
    p = only_problem(folder)
    assert_problem(p, f"{file}.csv", 4, "dong", "unknown dong")
    assert "성수1가1동" in p.reason and "옥수동" in p.reason, "the message should list the known dongs"


def test_unknown_dong_with_lat_lon_is_accepted(tmp_path: Path) -> None:
    openings = [
        "opening_id,employer_id,employer_name,title,dong,lat,lon,posted_at",
        "O1,E1,성수수제화,갑피 제조원 모집,성수2가1동,,,2024-03-01",
        "O2,E2,건대물류,지게차 운전원 모집,화양동,37.5466,127.0716,2024-03-01",
    ]
    ds = load_folder(write_folder(tmp_path, openings=openings))
    o = ds.openings.set_index("opening_id")
    assert o.loc["O2", "dong"] == "화양동"
    assert o.loc["O2", ["lat", "lon"]].tolist() == pytest.approx([37.5466, 127.0716])


def test_no_dong_and_no_lat_lon(tmp_path: Path) -> None:
    p = only_problem(write_folder(tmp_path, seekers=[*SEEKERS, "S3,1970,"]))
    assert_problem(p, "seekers.csv", 4, "dong", "required unless lat and lon")


@pytest.mark.parametrize(("lat", "lon"), [("37.55", ""), ("", "127.04")])
def test_lat_without_lon(tmp_path: Path, lat: str, lon: str) -> None:
    seekers = ["seeker_id,birth_year,dong,lat,lon", "S1,1960,성수1가1동,,", f"S2,1990,광장동,{lat},{lon}"]
    p = only_problem(write_folder(tmp_path, seekers=seekers))
    assert_problem(p, "seekers.csv", 3, "lat", "together")


@pytest.mark.parametrize(
    ("file", "header", "column"),
    [
        ("seekers", "seeker_id,dong", "birth_year"),
        ("openings", "opening_id,employer_id,employer_name,title,dong", "posted_at"),
        ("events", "seeker_id,opening_id,occurred_at", "event"),
    ],
)
@pytest.mark.parametrize("skip", [False, True])
def test_missing_required_column(tmp_path: Path, file: str, header: str, column: str, skip: bool) -> None:
    folder = write_folder(tmp_path, **{file: [header]})
    problems = problems_of(folder, skip_bad_rows=skip)
    assert len(problems) == 1
    assert_problem(problems[0], f"{file}.csv", 1, column, "required column is missing")


@pytest.mark.parametrize(("row", "found"), [("S3,1970,마장동,덤", 4), ("S3,1970", 2)])
def test_wrong_number_of_fields(tmp_path: Path, row: str, found: int) -> None:
    seekers = [SEEKERS[0], SEEKERS[1], row, SEEKERS[2]]
    problems = problems_of(write_folder(tmp_path, seekers=seekers))
    assert_problem(problems[0], "seekers.csv", 3, "", f"expected 3 fields, found {found}")
    # a short record is padded with empty cells, which may break further rules of the same row only
    assert {(p.file, p.line) for p in problems} == {("seekers.csv", 3)}


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    folder = write_folder(tmp_path)
    (folder / "openings.csv").write_bytes(content)
    assert_problem(only_problem(folder), "openings.csv", 1, "", "empty")


def test_missing_seekers_file(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    (folder / "seekers.csv").unlink()
    assert only_problem(folder).file == "seekers.csv"


def test_cp949_file_is_rejected_naming_the_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    text = "\n".join(["seeker_id,birth_year,dong", "S1,1960,", "S2,1990,마장동"]) + "\n"
    (folder / "seekers.csv").write_bytes(text.encode("cp949"))
    p = only_problem(folder)
    assert_problem(p, "seekers.csv", 3, "", "UTF-8")


@pytest.mark.parametrize("rrn", [RRN, "900101 1234567", "9001011234567"])
def test_resident_registration_number_in_intro_is_rejected_and_never_echoed(tmp_path: Path, rrn: str) -> None:
    seekers = [
        "seeker_id,birth_year,dong,intro",
        "S1,1960,성수1가1동,성실합니다",
        f"S2,1990,마장동,제 번호는 {rrn} 입니다",
    ]
    folder = write_folder(tmp_path, seekers=seekers)
    with pytest.raises(ContractError) as info:
        load_folder(folder)
    assert len(info.value.problems) == 1
    assert_problem(info.value.problems[0], "seekers.csv", 3, "intro", "주민등록번호")
    assert rrn not in str(info.value)
    assert "1234567" not in str(info.value)

    rejects = tmp_path / "rejects"
    ds = load_folder(folder, skip_bad_rows=True, rejects_dir=rejects)
    assert ds.seekers["seeker_id"].tolist() == ["S1"]
    text = (rejects / "rejected-seekers.csv").read_text(encoding="utf-8")
    assert "1234567" not in text, "the number must not be copied into the reject file"
    _, rows = read_rejects(rejects / "rejected-seekers.csv")
    assert [r["seeker_id"] for r in rows] == ["S2"]
    assert rows[0]["line"] == "3"
    assert "주민등록번호" in rows[0]["reason"]


@pytest.mark.parametrize(
    ("seekers", "events", "where"),
    [
        ([*SEEKERS, f"S3,1970,{RRN}"], EVENTS, "seekers dong"),
        ([*SEEKERS, f"S3,{RRN},마장동"], EVENTS, "seekers birth_year"),
        (SEEKERS, [*EVENTS, f"{RRN},O1,viewed,2024-03-06"], "events seeker_id"),
    ],
)
def test_resident_registration_number_is_never_echoed_by_other_reasons(
    tmp_path: Path, seekers: list[str], events: list[str], where: str
) -> None:
    # contract.py promises the value "must not reach logs or reject files" (_check_rrn), but the
    # other checks quote the raw cell: unknown dong (line 342), not a number (233), unknown id (379).
    folder = write_folder(tmp_path, seekers=seekers, events=events)
    with pytest.raises(ContractError) as info:
        load_folder(folder)
    assert "1234567" not in str(info.value), f"BUG: RRN echoed in the error message ({where}): {info.value}"
    rejects = tmp_path / "rejects"
    load_folder(folder, skip_bad_rows=True, rejects_dir=rejects)
    for path in rejects.glob("rejected-*.csv"):
        text = path.read_text(encoding="utf-8")
        assert "1234567" not in text, f"BUG: RRN copied into {path.name} via the reason column ({where})"


@pytest.mark.parametrize("value", ["99999999999999999999", "1e19", "1e400"])
def test_oversized_integer_is_a_contract_error_not_a_crash(tmp_path: Path, value: str) -> None:
    seekers = ["seeker_id,birth_year,dong,desired_wage_amount", "S1,1960,성수1가1동,2090000", f"S2,1990,마장동,{value}"]
    folder = write_folder(tmp_path, seekers=seekers)
    try:
        load_folder(folder)
    except ContractError as exc:
        assert [(p.file, p.line, p.column) for p in exc.problems] == [("seekers.csv", 3, "desired_wage_amount")]
    except (TypeError, OverflowError, ValueError) as exc:
        pytest.fail(f"BUG contract.py:245 numbers.round().astype('Int64') crashes on {value!r}: {exc!r}")
    else:
        pytest.fail(f"{value!r} in an int column must be refused")


def test_unterminated_quote_does_not_swallow_later_rows(tmp_path: Path) -> None:
    seekers = [
        "seeker_id,birth_year,dong,intro",
        'S1,1960,성수1가1동,"따옴표를 닫지 않음',  # line 2: the quote is never closed
        "S2,1990,마장동,소개",
        "S3,1970,옥수동,소개",
    ]
    folder = write_folder(tmp_path, seekers=seekers)
    try:
        ds = load_folder(folder)
    except ContractError as exc:
        assert exc.problems[0].file == "seekers.csv"
        return
    assert len(ds.seekers) == 3, (
        "BUG contract.py:172 csv.reader is not strict: an unclosed quote silently turns every later row "
        f"into part of one intro (rows loaded: {ds.seekers['seeker_id'].tolist()}, intro={ds.seekers['intro'][0]!r})"
    )


# --------------------------------------------------------------------------- strict vs skip


BAD_SEEKERS = [
    "seeker_id,birth_year,dong,education,intro",
    "S1,1960,성수1가1동,high,안녕하세요",  # 2 good
    "S2,1929,마장동,,",  # 3 bad: birth year
    'S3,1980,행당1동,phd,"두 줄',  # 4 bad: education (record spans lines 4-5)
    '소개"',
    "S4,1975,옥수동,college,",  # 6 good
    "S1,1990,사근동,,",  # 7 bad: duplicate id
]
BAD_OPENINGS = [
    "opening_id,employer_id,employer_name,title,dong,posted_at,positions",
    "O1,E1,성수수제화,갑피 제조원 모집,성수2가1동,2024-03-01,",  # 2 good
    "O2,E2,행당봉제,미싱사 모집,행당1동,2024-03-04,0",  # 3 bad: positions
    "O3,E3,옥수카페,바리스타 모집,옥수동,2024-03-05,2",  # 4 good
]
BAD_EVENTS = [
    "seeker_id,opening_id,event,occurred_at",
    "S1,O1,applied,2024-03-02",  # 2 good
    "S2,O1,applied,2024-03-02",  # 3 bad: S2 is a rejected seeker
    "S4,O2,viewed,2024-03-05",  # 4 bad: O2 is a rejected opening
    "S4,O3,clicked,2024-03-06",  # 5 bad: event
    "S4,O3,hired,2024-03-10",  # 6 good
    "S9,O3,viewed,2024-03-10",  # 7 bad: unknown seeker
]
EXPECTED_BAD = {
    "seekers.csv": [(3, "birth_year"), (4, "education"), (7, "seeker_id")],
    "openings.csv": [(3, "positions")],
    "events.csv": [(3, "seeker_id"), (4, "opening_id"), (5, "event"), (7, "seeker_id")],
}


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "in", BAD_SEEKERS, BAD_OPENINGS, BAD_EVENTS)


def test_strict_mode_raises_with_all_problems(bad_folder: Path) -> None:
    with pytest.raises(ContractError) as info:
        load_folder(bad_folder)
    found = {f: [(p.line, p.column) for p in info.value.problems if p.file == f] for f in EXPECTED_BAD}
    assert found == EXPECTED_BAD
    message = str(info.value)
    assert "8 problem(s)" in message
    knock_on = {("events.csv", 3), ("events.csv", 4)}  # name the refused seeker S2 and opening O2
    assert {(p.file, p.line) for p in info.value.problems if p.knock_on} == knock_on
    for file, spots in EXPECTED_BAD.items():
        for line, _ in spots:
            assert (f"{file}:{line}:" in message) != ((file, line) in knock_on)
    assert "events.csv: 2 row(s) name seekers or openings refused above (first at line 3)" in message
    # causes first: seekers, then openings, then events, the knock-on line last
    positions = [message.index(f"{file}:{line}:") for file, spots in EXPECTED_BAD.items() for line, _ in spots
                 if (file, line) not in knock_on]  # fmt: skip
    assert positions == sorted(positions) and positions[-1] < message.index("events.csv: 2 row(s)")
    assert not list(bad_folder.glob("rejected-*.csv")), "strict mode writes no reject files"


def test_skip_bad_rows_keeps_good_rows_and_writes_every_rejected_row(bad_folder: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "report"
    with pytest.warns(UserWarning, match="bad row"):
        ds = load_folder(bad_folder, skip_bad_rows=True, rejects_dir=rejects)
    assert ds.seekers["seeker_id"].tolist() == ["S1", "S4"]
    assert ds.openings["opening_id"].tolist() == ["O1", "O3"]
    assert list(zip(ds.events["seeker_id"], ds.events["opening_id"], ds.events["event"], strict=True)) == [
        ("S1", "O1", "applied"),
        ("S4", "O3", "hired"),
    ]
    assert ds.rejected == {"seekers": 3, "openings": 1, "events": 4}
    assert not list(bad_folder.glob("rejected-*.csv")), "rejects go to rejects_dir, not the data folder"

    inputs = {"seekers": BAD_SEEKERS, "openings": BAD_OPENINGS, "events": BAD_EVENTS}
    n_input = {"seekers": 5, "openings": 3, "events": 6}  # records, not physical lines
    for name, lines in inputs.items():
        header, rows = read_rejects(rejects / f"rejected-{name}.csv")
        assert header == ["line", "reason", *lines[0].split(",")]
        expected = EXPECTED_BAD[f"{name}.csv"]
        assert [(int(r["line"]), r["reason"].split(":")[0]) for r in rows] == expected
        assert all(r["reason"] for r in rows)
        good = len(getattr(ds, name))
        assert good + len(rows) == n_input[name], f"{name}: rows silently dropped"

    _, seeker_rows = read_rejects(rejects / "rejected-seekers.csv")
    # original cells are copied as written, multi-line text included
    assert seeker_rows[0]["birth_year"] == "1929"
    assert seeker_rows[1]["education"] == "phd"
    assert seeker_rows[1]["intro"] == "두 줄\n소개"
    assert "duplicate id" in seeker_rows[2]["reason"]

    _, event_rows = read_rejects(rejects / "rejected-events.csv")
    assert "unknown id 'S2'" in event_rows[0]["reason"], "an event of a rejected seeker is rejected too"
    assert "unknown id 'O2'" in event_rows[1]["reason"], "an event of a rejected opening is rejected too"


def test_skip_bad_rows_defaults_rejects_to_the_data_folder(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, seekers=[*SEEKERS, "S3,2013,마장동"])
    ds = load_folder(folder, skip_bad_rows=True)
    assert len(ds.seekers) == 2
    _, rows = read_rejects(folder / "rejected-seekers.csv")
    assert [r["seeker_id"] for r in rows] == ["S3"]
    assert not (folder / "rejected-openings.csv").exists()
    assert not (folder / "rejected-events.csv").exists()


def test_skip_bad_rows_with_wrong_width_rows(tmp_path: Path) -> None:
    seekers = [SEEKERS[0], SEEKERS[1], "S3,1970,마장동,덤,또덤", "S4,1971", SEEKERS[2]]
    rejects = tmp_path / "rejects"
    ds = load_folder(write_folder(tmp_path / "in", seekers=seekers), skip_bad_rows=True, rejects_dir=rejects)
    assert ds.seekers["seeker_id"].tolist() == ["S1", "S2"]
    _, rows = read_rejects(rejects / "rejected-seekers.csv")
    assert [(r["line"], r["seeker_id"]) for r in rows] == [("3", "S3"), ("4", "S4")]
    assert "expected 3 fields, found 5" in rows[0]["reason"]


# --------------------------------------------------------------------------- round trip


def test_write_table_round_trip(full_folder: Path, tmp_path: Path) -> None:
    first = load_folder(full_folder)
    out = tmp_path / "out"
    out.mkdir()
    write_table(first.seekers, out / "seekers.csv", "seekers")
    write_table(first.openings, out / "openings.csv", "openings")
    write_table(first.events, out / "events.csv", "events")
    second = load_folder(out)
    pd.testing.assert_frame_equal(first.seekers, second.seekers)
    pd.testing.assert_frame_equal(first.openings, second.openings)
    pd.testing.assert_frame_equal(first.events, second.events)
    # the written files are contract text: ';' lists, true/false, ISO dates
    text = (out / "seekers.csv").read_text(encoding="utf-8")
    assert "senior;low_income" in text and ",true" in text and ",false" in text
    openings_text = (out / "openings.csv").read_text(encoding="utf-8")
    assert "2024-03-04T09:30:00" in openings_text and "2024-04-01" in openings_text


def test_write_table_round_trip_of_empty_events(tmp_path: Path) -> None:
    first = load_folder(write_folder(tmp_path / "in", with_events=False))
    out = tmp_path / "out"
    out.mkdir()
    for name in ("seekers", "openings", "events"):
        write_table(getattr(first, name), out / f"{name}.csv", name)
    second = load_folder(out)
    assert len(second.events) == 0
    pd.testing.assert_frame_equal(first.seekers, second.seekers)
    pd.testing.assert_frame_equal(first.openings, second.openings)


# --------------------------------------------------------------------------- the cause first


def _many_rows(n: int) -> tuple[list[str], list[str], list[str]]:
    """n seekers, n openings and two events each, all good."""
    seekers = [SEEKERS[0]] + [f"S{i},1980,마장동" for i in range(n)]
    openings = [OPENINGS[0]] + [f"O{i},E1,성수수제화,갑피 제조원 모집,성수2가1동,2024-03-01" for i in range(n)]
    events = [EVENTS[0]] + [f"S{i},O{i},{kind},2024-03-02" for i in range(n) for kind in ("viewed", "applied")]
    return seekers, openings, events


def test_a_broken_openings_column_comes_first_and_its_knock_on_events_are_one_line(tmp_path: Path) -> None:
    seekers, openings, events = _many_rows(30)
    openings = [openings[0]] + [row.replace("2024-03-01", "2024/03/01") for row in openings[1:]]
    with pytest.raises(ContractError) as info:
        load_folder(write_folder(tmp_path, seekers, openings, events))
    problems = info.value.problems
    assert len(problems) == 30 + 60, "every refused row is still listed in the problems (and reject files)"
    assert sum(p.knock_on for p in problems) == 60
    lines = str(info.value).splitlines()
    assert lines[1].strip().startswith("openings.csv: column 'posted_at' refused in 30 of 30 rows, e.g. line 2:")
    assert "not an ISO date" in lines[1]
    assert lines[2].strip().startswith("events.csv: 60 row(s) name openings refused above (first at line 2)")
    assert len(lines) == 4  # the count, the column, the knock-on line, the hint


def test_an_event_naming_an_id_that_exists_nowhere_is_not_a_knock_on(tmp_path: Path) -> None:
    seekers, openings, events = _many_rows(3)
    seekers[1] = "S0,1800,마장동"  # refused: its two events are knock-ons
    events.append("S9,O1,viewed,2024-03-05")  # S9 is in no file: a problem of its own
    problems = problems_of(write_folder(tmp_path, seekers, openings, events))
    assert [(p.file, p.line, p.knock_on) for p in problems] == [
        ("seekers.csv", 2, False),
        ("events.csv", 2, True),
        ("events.csv", 3, True),
        ("events.csv", 8, False),
    ]


@pytest.mark.parametrize("file", ["seekers", "openings"])
@pytest.mark.parametrize("skip", [False, True])
def test_a_file_with_a_header_and_no_rows_says_so(tmp_path: Path, file: str, skip: bool) -> None:
    tables = {"seekers": SEEKERS, "openings": OPENINGS}
    folder = write_folder(tmp_path, **{file: [tables[file][0]]}, events=[EVENTS[0]])
    problem = only_problem(folder) if not skip else problems_of(folder, skip_bad_rows=True)[0]
    assert_problem(problem, f"{file}.csv", 1, "", f"header but no rows: no {file} to match")


def test_skipping_every_seeker_row_is_an_error_not_an_empty_world(tmp_path: Path) -> None:
    seekers = [SEEKERS[0], "S1,1800,마장동", "S2,1801,마장동"]
    folder = write_folder(tmp_path, seekers=seekers)
    with pytest.raises(ContractError, match=r"Every row of seekers\.csv was refused"):
        load_folder(folder, skip_bad_rows=True)
    _, rows = read_rejects(folder / "rejected-seekers.csv")
    assert [r["seeker_id"] for r in rows] == ["S1", "S2"]
