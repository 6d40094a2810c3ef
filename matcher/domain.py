"""Domain vocabulary: enumerations of the data contract and wage normalisation."""

from __future__ import annotations

import numpy as np

GROUPS: tuple[str, ...] = (
    "youth",
    "senior",
    "middle_aged",
    "career_break",
    "disabled",
    "low_income",
    "vocational_student",
)
GROUP_NAMES_KO: dict[str, str] = {
    "youth": "청년",
    "senior": "어르신",
    "middle_aged": "중장년",
    "career_break": "경력단절여성",
    "disabled": "장애인",
    "low_income": "저소득",
    "vocational_student": "특성화고 학생",
}
# Never shown to employers (PIPA Art. 23: disability is health data).
SENSITIVE_GROUPS: frozenset[str] = frozenset({"disabled", "low_income"})

EDUCATION_LEVELS: tuple[str, ...] = (
    "none",
    "middle",
    "high",
    "vocational_high",
    "college",
    "university",
    "graduate",
)
# Ordinal rank for gap features: vocational high school counts as high school.
EDUCATION_RANK: dict[str, int] = {
    "none": 0,
    "middle": 1,
    "high": 2,
    "vocational_high": 2,
    "college": 3,
    "university": 4,
    "graduate": 5,
}
EDUCATION_NAMES_KO: dict[str, str] = {
    "none": "학력무관",
    "middle": "중졸",
    "high": "고졸",
    "vocational_high": "특성화고졸",
    "college": "전문대졸",
    "university": "대졸",
    "graduate": "대학원졸",
}

# Workplace access and accommodations: what an opening offers or does not, and what a seeker needs.
ACCESS_NAMES_KO: dict[str, str] = {
    "step_free_entrance": "계단 없는 출입구",
    "elevator": "엘리베이터",
    "accessible_toilet": "장애인 화장실",
    "seated_work": "앉아서 하는 일",
    "sign_language": "수어 지원",
    "flexible_hours": "근무시간 조정",
}
ACCESS_KINDS: tuple[str, ...] = tuple(ACCESS_NAMES_KO)

WAGE_TYPES: tuple[str, ...] = ("hourly", "monthly", "annual")
EMPLOYMENT_TYPES: tuple[str, ...] = ("full_time", "part_time", "contract", "daily")
EMPLOYMENT_TYPE_NAMES_KO: dict[str, str] = {
    "full_time": "정규직",
    "part_time": "시간제",
    "contract": "계약직",
    "daily": "일용직",
}
GENDERS: tuple[str, ...] = ("F", "M", "X")

EVENT_KINDS: tuple[str, ...] = (
    "recommended",
    "viewed",
    "applied",
    "interviewed",
    "hired",
    "rejected",
    "declined",
    "retained",
    "interview_asked",  # an employer asked the center to arrange an interview (service: POST /openings/{id}/interviews)
)
# Graded relevance for learning and evaluation: hired/retained > interviewed >
# applied > viewed; recommended, rejected and declined carry no positive grade.
EVENT_GRADE: dict[str, int] = {
    "recommended": 0,
    "viewed": 1,
    "applied": 2,
    "interviewed": 3,
    "hired": 4,
    "retained": 4,
    "rejected": 0,
    "declined": 0,
    "interview_asked": 0,  # the employer's interest, not the seeker's: no grade on the seeker side
}

# Paid hours in a month under the Labor Standards Act: the weekly hours plus the paid
# weekly rest (주휴: 8 h for a 40-hour week, pro rata below, none under 15 h, at most 8 h),
# times 365/7/12 weeks. A 40-hour week gives (40 + 8) × 4.345 ≈ 209, the figure postings use.
WEEKS_PER_MONTH = 365.0 / 7.0 / 12.0
STANDARD_WEEKLY_HOURS = 40.0
FULL_WEEKLY_REST = 8.0
MIN_HOURS_FOR_REST = 15.0


def monthly_paid_hours(hours_per_week: np.ndarray | float) -> np.ndarray:
    """Paid hours in a month for a weekly schedule, paid weekly rest included (40 h/week if unknown)."""
    hours = np.asarray(hours_per_week, dtype=float)
    hours = np.where(np.isfinite(hours) & (hours > 0), hours, STANDARD_WEEKLY_HOURS)
    rest = np.minimum(hours / STANDARD_WEEKLY_HOURS, 1.0) * FULL_WEEKLY_REST
    rest = np.where(hours >= MIN_HOURS_FOR_REST, rest, 0.0)
    return (hours + rest) * WEEKS_PER_MONTH


def hourly_wage(
    wage_type: np.ndarray | list | str,
    amount: np.ndarray | list | float,
    hours_per_week: np.ndarray | list | float = np.nan,
) -> np.ndarray:
    """Normalise wages to KRW per hour, vectorised.

    Hourly amounts pass through; monthly amounts are divided by the paid hours
    of a month (209 for a 40-hour week); annual amounts by twelve such months.
    Missing type or amount gives NaN.
    """
    kinds = np.asarray(wage_type, dtype=object)
    amounts = np.asarray(amount, dtype=float)
    kinds, amounts, hours = np.broadcast_arrays(kinds, amounts, np.asarray(hours_per_week, float))
    month_hours = monthly_paid_hours(hours)
    out = np.full(amounts.shape, np.nan)
    out = np.where(kinds == "hourly", amounts, out)
    out = np.where(kinds == "monthly", amounts / month_hours, out)
    out = np.where(kinds == "annual", amounts / 12.0 / month_hours, out)
    return out


def age_in_year(birth_year: np.ndarray | int, year: np.ndarray | int) -> np.ndarray:
    """Age in a given year, as the contract counts it: year minus birth year."""
    return np.asarray(year) - np.asarray(birth_year)
