"""Wage normalisation (matcher.domain) and reference data (matcher.reference)."""

from __future__ import annotations

import numpy as np
import pytest

from matcher import domain, reference
from matcher.contract import OPENING_COLUMNS
from matcher.domain import hourly_wage, monthly_paid_hours

# --------------------------------------------------------------------------- wages


def test_monthly_paid_hours_is_the_209_hour_convention() -> None:
    # (40 h + 8 h paid weekly rest) x 365/7/12 weeks = 208.57, which Korean postings round to 209
    assert float(monthly_paid_hours(40)) == pytest.approx(209, rel=0.005)
    assert float(monthly_paid_hours(20)) == pytest.approx(209 / 2, rel=0.005)


@pytest.mark.parametrize("hours", [np.nan, 0, -5])
def test_monthly_paid_hours_assumes_a_40_hour_week_when_hours_are_unusable(hours: float) -> None:
    assert float(monthly_paid_hours(hours)) == pytest.approx(float(monthly_paid_hours(40)))


def test_hourly_wage_passes_hourly_through() -> None:
    assert float(hourly_wage("hourly", 10_030)) == 10_030
    assert float(hourly_wage("hourly", 10_030, 15)) == 10_030  # hours do not matter


def test_hourly_wage_monthly_at_40_hours() -> None:
    assert float(hourly_wage("monthly", 2_090_000, 40)) == pytest.approx(10_000, rel=0.005)


def test_hourly_wage_monthly_without_hours_assumes_40() -> None:
    assert float(hourly_wage("monthly", 2_090_000)) == pytest.approx(float(hourly_wage("monthly", 2_090_000, 40)))


def test_hourly_wage_monthly_at_20_hours() -> None:
    # half the paid hours, so twice the hourly rate for the same monthly pay
    at_20 = float(hourly_wage("monthly", 2_090_000, 20))
    assert at_20 == pytest.approx(20_000, rel=0.005)
    assert at_20 == pytest.approx(2 * float(hourly_wage("monthly", 2_090_000, 40)))
    assert float(hourly_wage("monthly", 1_045_000, 20)) == pytest.approx(10_000, rel=0.005)


def test_hourly_wage_annual_at_40_hours() -> None:
    assert float(hourly_wage("annual", 30_000_000, 40)) == pytest.approx(11_960, rel=0.005)
    assert float(hourly_wage("annual", 12 * 2_090_000, 40)) == pytest.approx(
        float(hourly_wage("monthly", 2_090_000, 40))
    )


@pytest.mark.parametrize(
    ("kind", "amount"),
    [(None, 2_090_000), ("", 2_090_000), ("weekly", 500_000), ("monthly", np.nan), ("hourly", None), (None, None)],
)
def test_hourly_wage_missing_type_or_amount_is_nan(kind: object, amount: object) -> None:
    assert np.isnan(hourly_wage(kind, amount, 40))


def test_hourly_wage_is_vectorised() -> None:
    kinds = np.array(["hourly", "monthly", "monthly", "annual", None, "monthly"], dtype=object)
    amounts = np.array([12_000, 2_090_000, 2_090_000, 30_000_000, 5_000, np.nan])
    hours = np.array([np.nan, 40, 20, 40, 40, 40])
    out = hourly_wage(kinds, amounts, hours)
    assert out.shape == (6,)
    assert out[0] == 12_000
    assert out[1] == pytest.approx(10_000, rel=0.005)
    assert out[2] == pytest.approx(20_000, rel=0.005)
    assert out[3] == pytest.approx(11_960, rel=0.005)
    assert np.isnan(out[4]) and np.isnan(out[5])
    # element by element it agrees with the scalar call
    for i in range(4):
        assert out[i] == pytest.approx(float(hourly_wage(kinds[i], amounts[i], hours[i])))


def test_hourly_wage_accepts_lists_and_broadcasts_scalar_hours() -> None:
    out = hourly_wage(["monthly", "hourly"], [2_090_000, 9_860], 40)
    assert out.shape == (2,)
    assert out[0] == pytest.approx(10_000, rel=0.005)
    assert out[1] == 9_860


def test_age_in_year() -> None:
    assert int(domain.age_in_year(1960, 2024)) == 64
    assert domain.age_in_year(np.array([1985, 2006]), 2024).tolist() == [39, 18]


# --------------------------------------------------------------------------- skills


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("재봉틀", "미싱"),
        ("미싱", "미싱"),
        ("Python", "파이썬"),
        ("python", "파이썬"),
        ("PYTHON", "파이썬"),
        ("지게차 운전기능사", "지게차"),
        ("지게차운전기능사", "지게차"),
        ("1종보통", "운전면허"),
        ("1종 보통", "운전면허"),
    ],
)
def test_canonical_skill_maps_synonyms(name: str, canonical: str) -> None:
    assert reference.canonical_skill(name) == canonical


@pytest.mark.parametrize(("name", "expected"), [("수제화 갑피", "수제화 갑피"), ("  가죽 재단  ", "가죽 재단")])
def test_canonical_skill_unknown_passes_through_tidied(name: str, expected: str) -> None:
    assert reference.canonical_skill(name) == expected


def test_canonical_skills_dedupes_in_first_seen_order() -> None:
    assert reference.canonical_skills(["재봉틀", "Python", "미싱", "", "  ", "파이썬", "수제화"]) == [
        "미싱",
        "파이썬",
        "수제화",
    ]


# --------------------------------------------------------------------------- programs


PROGRAM_CODES = {
    "general",
    "youth_1on1",
    "senior_company",
    "senior_social",
    "self_sufficiency",
    "disabled_supported",
    "vocational_high",
}


def test_programs_catalogue_has_the_seven_codes() -> None:
    programs = reference.programs()
    assert set(programs) == PROGRAM_CODES
    assert set(reference.program_codes()) == PROGRAM_CODES
    assert all(p.code == code for code, p in programs.items())
    assert all(p.name_ko and p.description_ko for p in programs.values())
    # the contract accepts exactly these codes for openings.program
    program_column = next(c for c in OPENING_COLUMNS if c.name == "program")
    assert set(program_column.choices) == PROGRAM_CODES
    assert program_column.default == "general"


def test_general_program_has_no_rule() -> None:
    p = reference.programs()["general"]
    assert (p.age_min, p.age_max, p.required_groups, p.one_seeker_per_slot) == (None, None, (), False)


def test_youth_1on1_is_18_to_39_one_seeker_per_slot() -> None:
    p = reference.programs()["youth_1on1"]
    assert (p.age_min, p.age_max) == (18, 39)
    assert p.one_seeker_per_slot is True
    assert p.required_groups == ()


@pytest.mark.parametrize(("code", "age_min"), [("senior_company", 60), ("senior_social", 65)])
def test_senior_programs_minimum_age(code: str, age_min: int) -> None:
    p = reference.programs()[code]
    assert p.age_min == age_min
    assert p.age_max is None
    assert p.one_seeker_per_slot is False


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("self_sufficiency", "low_income"),
        ("disabled_supported", "disabled"),
        ("vocational_high", "vocational_student"),
    ],
)
def test_group_programs_require_their_group(code: str, group: str) -> None:
    p = reference.programs()[code]
    assert p.required_groups == (group,)
    assert p.age_min is None and p.age_max is None


def test_only_youth_1on1_is_one_seeker_per_slot() -> None:
    assert {c for c, p in reference.programs().items() if p.one_seeker_per_slot} == {"youth_1on1"}


def test_program_required_groups_are_contract_groups() -> None:
    for p in reference.programs().values():
        assert set(p.required_groups) <= set(domain.GROUPS), p.code


# --------------------------------------------------------------------------- dongs


def test_dongs_table_has_the_17_dongs_of_seongdong() -> None:
    table = reference.dongs()
    assert len(table) == 17
    assert table.index.is_unique
    assert {"성수1가1동", "성수2가3동", "마장동", "왕십리도선동", "금호2·3가동", "옥수동", "용답동"} <= set(table.index)
    assert reference.dong_names() == list(table.index)
    assert list(table.columns) == ["adm_cd", "adm_cd2", "lat", "lon"]
    assert table["adm_cd"].str.fullmatch(r"\d{7}").all()


def test_dong_centroids_lie_in_seongdong() -> None:
    table = reference.dongs()
    assert table["lat"].between(37.53, 37.58).all()
    assert table["lon"].between(127.00, 127.08).all()
    assert not table[["lat", "lon"]].duplicated().any()


def test_legal_dongs_map_to_known_administrative_dongs() -> None:
    legal = reference.legal_dongs()
    assert legal["성수동1가"] == "성수1가1동"
    assert set(legal.values()) <= set(reference.dongs().index)
