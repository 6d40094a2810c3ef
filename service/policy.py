"""Who may set and see what, beyond the role table: the rules the API routes (and the pages) call.

- A seeker edits its own profile, but not the facts programs check eligibility on (birth year, groups): a
  counselor sets those, having seen the papers.
- An employer's candidate lists follow ``matcher.disclosure``: no list for an opening that selects on a group never
  shown to employers, and no candidate whose age the opening's age rule would pin down closer than the band shown.
- An employer may not write an age window narrower than the bands it would have to hide.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
from fastapi import HTTPException

from matcher import disclosure, eligibility
from matcher.contract import Problem
from matcher.domain import GROUP_NAMES_KO
from matcher.matching import Match, Matcher
from service.auth import Actor
from service.errors import ContractRefused

COUNSELOR_SET = ("birth_year", "groups")  # a seeker's own edit must leave these as they are


def check_seeker_edit(actor: Actor, stored: dict, record: dict) -> None:
    """Refuse a seeker's change to a fact that decides program eligibility (422 naming it)."""
    if actor.role != "seeker":
        return
    changed = [name for name in COUNSELOR_SET if _same(stored.get(name)) != _same(record.get(name))]
    if changed:
        message = "이 항목은 담당 상담사만 바꿀 수 있습니다 (set by counselors)"
        raise ContractRefused([Problem("body", 0, name, message) for name in changed])


def _same(value: object) -> object:
    return tuple(sorted(value)) if isinstance(value, list | tuple) else value


def check_opening_write(actor: Actor, record: dict) -> None:
    """Refuse an employer's age window narrower than ``disclosure.MIN_AGE_SPAN`` years (422 naming it)."""
    if actor.role == "employer" and disclosure.narrow_age_limits(record.get("age_min"), record.get("age_max")):
        message = f"연령 범위는 {disclosure.MIN_AGE_SPAN}세 이상이어야 합니다 (no narrower than the age bands shown)"
        raise ContractRefused([Problem("body", 0, "age_max", message)])


def employer_candidates(
    matcher: Matcher, opening_id: str, day: date, k: int, seeker_mask: np.ndarray | None = None
) -> tuple[list[Match], Callable[[int], str]]:
    """The candidates an employer may be shown for its opening (among ``seeker_mask``, when given), and the age
    band to show each with.

    Raises 403 for an opening that selects on a group never shown to employers.
    """
    row = matcher.opening_row.get_loc(opening_id)
    opening = matcher.openings.iloc[[row]]
    hidden = disclosure.sensitive_selection(opening["target_groups"].iloc[0], opening["program"].iloc[0])
    if hidden:
        names = ", ".join(GROUP_NAMES_KO[g] for g in sorted(hidden))
        raise HTTPException(
            403,
            f"{names} 대상 공고의 후보자는 기업에 목록으로 보여 주지 않습니다. 담당 상담사가 본인 동의를 받아 "
            "연결해 드립니다 (group membership is never shown to employers).",
        )
    ages = disclosure.employer_ages(opening, eligibility.opening_rules(opening), 0, day.year)
    visible = ages.visible(matcher.birth_year)
    if seeker_mask is not None:
        visible = visible & seeker_mask
    found = matcher.candidates([opening_id], pd.Timestamp(day), k=k, consented_only=True, seeker_mask=visible)
    return found, ages.label
