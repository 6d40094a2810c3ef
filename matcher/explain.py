"""Reasons: two to four short Korean explanations of a match, taken from its features.

Each rule reads the pair's feature row (and the two records for names) and,
when its condition holds, yields one sentence. Rules are tried in priority
order — the signals the rankers lean on most come first — and the first four
that hold are kept; two generic but true reasons fill in when fewer hold.
Employer-facing reasons (side ``opening``) never mention a seeker's groups and
give distance only in bands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from matcher import reference, text
from matcher.domain import EMPLOYMENT_TYPE_NAMES_KO
from matcher.features import CONTENT_FEATURES
from matcher.history import HISTORY_FEATURES

_F = {name: i for i, name in enumerate(CONTENT_FEATURES + HISTORY_FEATURES)}
MAX_REASONS = 4
MIN_REASONS = 2
# Thresholds for the similarity reasons, set near the top 5 % of candidate pairs of the
# sample world (low-rank profile cosines run high; TF-IDF cosines of short texts run low).
SIMILAR_HISTORY = 0.6
SIMILAR_EMPLOYER = 0.3
SIMILAR_HIRES = 0.5
SIMILAR_TEXT = 0.12

# The only fields of the two records that the rules read (see :func:`record_fields`).
SEEKER_FIELDS: tuple[str, ...] = ("skills", "intro", "max_commute_km")
OPENING_FIELDS: tuple[str, ...] = (
    "required_skills",
    "preferred_skills",
    "occupation",
    "industry",
    "program",
    "experience_min_years",
    "hours_per_week",
    "deadline",
    "employment_type",
)

Rule = Callable[[np.ndarray, Mapping, Mapping], str | None]


def record_fields(table: pd.DataFrame, fields: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The fields of ``table`` the rules read (those it has) and their values as one object array,
    converted as :meth:`pandas.DataFrame.iterrows` converts them; :func:`records` takes rows of it."""
    present = tuple(name for name in fields if name in table.columns)
    return present, table[list(present)].to_numpy(dtype=object)


def records(fields: tuple[tuple[str, ...], np.ndarray], rows: np.ndarray) -> list[dict[str, object]]:
    """One record (field → value) per row of a :func:`record_fields` array."""
    names, values = fields
    return [dict(zip(names, row, strict=True)) for row in values[rows]]


def _value(x: np.ndarray, name: str) -> float:
    return float(x[_F[name]])


def _skills(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    required = text.skill_lists([list(opening["required_skills"] or ())])[0]
    if not required:
        return None
    held = set(text.skill_lists([list(seeker["skills"] or ())], [seeker.get("intro")])[0])
    common = [s for s in required if s in held]
    if not common:
        return None
    return f"요구 기술 {len(required)}개 중 {len(common)}개 보유: {', '.join(common[:3])}"


def _preferred(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    wanted = text.skill_lists([list(opening["preferred_skills"] or ())])[0]
    held = set(text.skill_lists([list(seeker["skills"] or ())], [seeker.get("intro")])[0])
    common = [s for s in wanted if s in held]
    return f"우대 기술 보유: {', '.join(common[:3])}" if common else None


def _desired(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _value(x, "desired_occupation_match") > 0 and opening.get("occupation"):
        return f"희망 직종과 일치: {opening['occupation']}"
    return None


def _past(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _value(x, "past_occupation_match") > 0 and opening.get("occupation"):
        return f"같은 직종 경력: {opening['occupation']}"
    if _value(x, "occupation_family_match") > 0 and opening.get("occupation"):
        return f"관련 직종 경험 ({opening['occupation']})"
    return None


def _distance(x: np.ndarray, seeker: Mapping, opening: Mapping, where: str) -> str | None:
    km = _value(x, "distance_km")
    limit = seeker.get("max_commute_km")
    if np.isnan(km):
        return None
    within = limit is None or pd.isna(limit) or km <= float(limit)
    if km <= 3.0 or within:
        return f"{where}에서 {km:.1f}km"
    return None


# Employers see distance only in bands: a distance to a known workplace to 0.1 km would place the seeker's home.
DISTANCE_BANDS_KM = (1.0, 3.0, 5.0, 10.0)


def _distance_band(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _distance(x, seeker, opening, "근무지") is None:
        return None
    km = _value(x, "distance_km")
    band = next((b for b in DISTANCE_BANDS_KM if km <= b), None)
    return f"근무지에서 {band:g}km 이내" if band is not None else None


def _wage(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    ratio = _value(x, "wage_ratio_log")
    hourly = _value(x, "opening_wage_hourly")
    if np.isnan(ratio) or ratio < 0 or np.isnan(hourly):
        return None
    return f"희망 시급 이상 ({round(hourly, -1):,.0f}원)"


def _industry(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _value(x, "industry_match") > 0 and opening.get("industry"):
        return f"희망 업종: {opening['industry']}"
    return None


def _program(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    program = reference.programs().get(opening.get("program") or "general")
    if program is None or program.code == "general":
        return None
    limits = []
    if program.age_min is not None:
        limits.append(f"만 {program.age_min}세 이상")
    if program.age_max is not None:
        limits.append(f"만 {program.age_max}세 이하")
    suffix = f" ({', '.join(limits)})" if limits else ""
    return f"{program.name_ko} 대상{suffix}"


def _experience(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    needed = opening.get("experience_min_years")
    if needed is None or pd.isna(needed) or float(needed) <= 0 or _value(x, "experience_gap") < 0:
        return None
    return f"요구 경력 충족 ({float(needed):g}년 이상)"


def _hours(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    gap = _value(x, "hours_gap")
    if np.isnan(gap) or abs(gap) > 4:
        return None
    return f"희망 근무시간과 맞음 (주 {int(opening['hours_per_week'])}시간)"


def _similar_history(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _value(x, "history_profile_cos") >= SIMILAR_HISTORY or _value(x, "cf_employer") >= SIMILAR_EMPLOYER:
        return "전에 관심을 보인 공고와 비슷함"
    return None


def _employer_likes(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _value(x, "employer_profile_cos") >= SIMILAR_HIRES:
        return "이 기업이 면접·채용한 인재와 비슷한 이력"
    return None


def _text(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    if _value(x, "text_profile_cos") >= SIMILAR_TEXT:
        return "경력·자기소개가 공고 내용과 비슷함"
    return None


def _open(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    deadline = opening.get("deadline")
    kind = EMPLOYMENT_TYPE_NAMES_KO.get(opening.get("employment_type") or "", "")
    if deadline is not None and not pd.isna(deadline):
        return f"{kind + ' ' if kind else ''}모집 중 (마감 {pd.Timestamp(deadline):%m월 %d일})".strip()
    return f"{kind + ' ' if kind else ''}상시 모집 중".strip()


def _eligible(x: np.ndarray, seeker: Mapping, opening: Mapping) -> str | None:
    return "지원 자격 충족"


SEEKER_RULES: tuple[Rule, ...] = (
    _skills,
    _desired,
    _past,
    lambda x, s, o: _distance(x, s, o, "집"),
    _wage,
    _program,
    _industry,
    _preferred,
    _experience,
    _hours,
    _similar_history,
    _text,
)
OPENING_RULES: tuple[Rule, ...] = (
    _skills,
    _past,
    _desired,
    _experience,
    _preferred,
    _employer_likes,
    _distance_band,
    _hours,
    _text,
)
FALLBACK_RULES: tuple[Rule, ...] = (_open, _eligible)


def reasons_for(
    x: np.ndarray,
    seekers: pd.DataFrame | Sequence[Mapping],
    openings: pd.DataFrame | Sequence[Mapping],
    side: str,
) -> list[list[str]]:
    """Two to four Korean reasons for each pair row (only the top-k rows are explained).

    The seekers and openings of the pairs are table rows or records (field → value, see :func:`records`).
    """
    rules = SEEKER_RULES if side == "seeker" else OPENING_RULES
    if isinstance(seekers, pd.DataFrame):
        seekers = [row for _, row in seekers.iterrows()]
    if isinstance(openings, pd.DataFrame):
        openings = [row for _, row in openings.iterrows()]
    out = []
    for row, seeker, opening in zip(x, seekers, openings, strict=True):
        found: list[str] = []
        for rule in rules:
            reason = rule(row, seeker, opening)
            if reason and reason not in found:
                found.append(reason)
            if len(found) == MAX_REASONS:
                break
        for rule in FALLBACK_RULES:
            if len(found) >= MIN_REASONS:
                break
            reason = rule(row, seeker, opening)
            if reason and reason not in found:
                found.append(reason)
        out.append(found)
    return out
