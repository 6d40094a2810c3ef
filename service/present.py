"""Turning matcher rows into response bodies, per audience."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

import pandas as pd

from matcher import disclosure
from matcher.matching import Match
from service.schemas import CandidateItem, MatchItem, OpeningSummary, SeekerForEmployer

WAGE_UNIT_KO = {"hourly": "시급", "monthly": "월", "annual": "연"}


def _value(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    return v


def wage_text(wage_type: object, amount: object) -> str | None:
    wage_type, amount = _value(wage_type), _value(amount)
    if wage_type is None or amount is None:
        return None
    return f"{WAGE_UNIT_KO.get(str(wage_type), '')} {int(amount):,}원".strip()


SUMMARY_COLUMNS = ["title", "employer_name", "dong", "wage_type", "wage_amount", "wage_hourly", "hours_per_week",
                   "program", "deadline"]  # fmt: skip


COLUMNS = ("columns",)  # where a memo of match_items keeps its table's summary columns (never an opening id)


def opening_summary(row: dict) -> OpeningSummary:
    deadline = _value(row["deadline"])
    hourly = _value(row["wage_hourly"])
    hours = _value(row["hours_per_week"])
    return OpeningSummary(
        title=row["title"],
        employer_name=row["employer_name"],
        dong=_value(row["dong"]),
        wage=wage_text(row["wage_type"], row["wage_amount"]),
        wage_hourly=round(float(hourly)) if hourly is not None else None,
        hours=int(hours) if hours is not None else None,
        program=row["program"],
        deadline=deadline.date() if deadline is not None else None,
    )


def match_items(
    found: list[Match], openings: pd.DataFrame, row_of: pd.Index, memo: dict | None = None
) -> list[MatchItem]:
    """The matches with their openings' summaries. ``memo`` keeps summaries already made from this very
    ``openings`` table (a snapshot's), and the table's summary columns (under :data:`COLUMNS`)."""
    memo = {} if memo is None else memo
    missing = list(dict.fromkeys(m.opening_id for m in found if m.opening_id not in memo))
    if missing:
        # The summary columns as Python values, once per table: a few rows taken from them cost microseconds,
        # where taking them out of the DataFrame (iloc, columns, to_dict) cost about a millisecond a list.
        columns = memo.get(COLUMNS)
        if columns is None:
            columns = memo[COLUMNS] = [openings[name].astype(object).to_numpy() for name in SUMMARY_COLUMNS]
        for opening_id, row in zip(missing, row_of.get_indexer(missing), strict=True):
            memo[opening_id] = opening_summary({name: c[row] for name, c in zip(SUMMARY_COLUMNS, columns, strict=True)})
    return [
        MatchItem(
            rank=m.rank,
            opening_id=m.opening_id,
            score=m.score,
            reasons=list(m.reasons),
            cautions=list(m.cautions),
            opening=memo[m.opening_id],
        )
        for m in found
    ]


def age_band(birth_year: int, today: date) -> str:
    """'20대', '30대', ...: the only age an employer sees."""
    return f"{int(disclosure.band_of(today.year - int(birth_year)))}대"


def profile_for_employer(row: pd.Series, today: date, band: Callable[[int], str] | None = None) -> SeekerForEmployer:
    """The consenting seeker as an employer may see them: no name, contact, birth year, location or groups.
    ``band`` gives the age band shown (service.policy: the part of it an opening's age rule leaves)."""
    experience = _value(row["experience_years"])
    return SeekerForEmployer(
        seeker_id=row["seeker_id"],
        age_band=band(int(row["birth_year"])) if band else age_band(row["birth_year"], today),
        dong=_value(row["dong"]),
        education=_value(row["education"]),
        experience_years=float(experience) if experience is not None else None,
        skills=list(row["skills"]),
        desired_occupations=list(row["desired_occupations"]),
    )


def candidate_items(
    found: list[Match],
    seekers: pd.DataFrame,
    row_of: pd.Index,
    today: date,
    band: Callable[[int], str] | None = None,
) -> list[CandidateItem]:
    rows = seekers.iloc[row_of.get_indexer([m.seeker_id for m in found])] if found else seekers.iloc[:0]
    return [
        CandidateItem(
            rank=m.rank,
            seeker_id=m.seeker_id,
            score=m.score,
            reasons=list(m.reasons),
            cautions=list(m.cautions),
            profile=profile_for_employer(r, today, band),
        )
        for m, (_, r) in zip(found, rows.iterrows(), strict=True)
    ]


__all__ = ["candidate_items", "match_items", "opening_summary", "profile_for_employer"]
