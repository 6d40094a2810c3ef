"""Small generated worlds whose right answers are known, in the contract's typed form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.contract import OPENING_COLUMNS, SEEKER_COLUMNS, write_table

TRADES = [
    ("미싱", "봉제 미싱사", "패션봉제", "행당1동"),
    ("수제화", "수제화 제조원", "수제화", "성수2가1동"),
    ("파이썬", "웹 개발자", "IT", "성수1가2동"),
    ("요양보호사", "요양보호사", "돌봄", "마장동"),
    ("지게차", "물류 지게차 운전원", "물류", "용답동"),
    ("바리스타", "바리스타", "외식", "옥수동"),
]


def planted_world(n_per_trade: int = 12, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Seekers and openings in six trades; seekers apply and get hired within their own trade.

    The right answer: a seeker of trade t ranks trade-t openings first.
    """
    rng = np.random.default_rng(seed)
    seekers, openings, events = [], [], []
    start = pd.Timestamp("2025-01-06")
    for t, (skill, occupation, industry, dong) in enumerate(TRADES):
        for j in range(n_per_trade):
            seekers.append({
                "seeker_id": f"S{t}{j:02d}", "birth_year": int(rng.integers(1970, 2000)), "dong": dong,
                "groups": ("middle_aged",), "education": "high", "experience_years": 3.0,
                "occupations": (occupation,), "skills": (skill,), "desired_occupations": (occupation,),
                "desired_industries": (industry,), "desired_wage_type": "hourly",
                "desired_wage_amount": 11000, "desired_hours": 40, "max_commute_km": 10.0,
                "intro": f"{occupation} 일을 오래 했습니다.", "consent_employer_view": True,
            })  # fmt: skip
        for j in range(n_per_trade):
            posted = start + pd.Timedelta(days=int(7 * j))
            openings.append({
                "opening_id": f"O{t}{j:02d}", "employer_id": f"E{t}{j % 3}",
                "employer_name": f"{industry} 기업 {j % 3}",
                "title": f"{occupation} 모집", "occupation": occupation, "industry": industry, "dong": dong,
                "wage_type": "hourly", "wage_amount": 12000, "hours_per_week": 40,
                "employment_type": "full_time", "required_skills": (skill,), "preferred_skills": (),
                "program": "general", "target_groups": (), "positions": 3, "posted_at": posted,
                "deadline": posted + pd.Timedelta(days=35), "description": f"{occupation} 업무입니다.",
            })  # fmt: skip
    for t in range(len(TRADES)):
        for j in range(n_per_trade):
            seeker = f"S{t}{j:02d}"
            for opening_j in rng.choice(n_per_trade, size=3, replace=False):
                posted = start + pd.Timedelta(days=int(7 * opening_j))
                when = posted + pd.Timedelta(days=int(rng.integers(0, 20)))
                opening = f"O{t}{opening_j:02d}"
                events.append({"seeker_id": seeker, "opening_id": opening, "event": "viewed", "occurred_at": when})
                events.append({"seeker_id": seeker, "opening_id": opening, "event": "applied",
                               "occurred_at": when + pd.Timedelta(hours=2)})  # fmt: skip
                if rng.random() < 0.4:
                    events.append({"seeker_id": seeker, "opening_id": opening, "event": "interviewed",
                                   "occurred_at": when + pd.Timedelta(days=2)})  # fmt: skip
            other = f"O{(t + 1) % len(TRADES)}{int(rng.integers(n_per_trade)):02d}"
            events.append({"seeker_id": seeker, "opening_id": other, "event": "viewed",
                           "occurred_at": start + pd.Timedelta(days=int(rng.integers(0, 80)))})  # fmt: skip
    return {
        "seekers": pd.DataFrame(seekers),
        "openings": pd.DataFrame(openings),
        "events": pd.DataFrame(events).sort_values("occurred_at", kind="stable"),
    }


def write_world(world: dict[str, pd.DataFrame], folder) -> None:
    """Write a typed world as a contract folder."""
    write_table(world["seekers"], folder / "seekers.csv", "seekers")
    write_table(world["openings"], folder / "openings.csv", "openings")
    write_table(world["events"], folder / "events.csv", "events")


__all__ = ["OPENING_COLUMNS", "SEEKER_COLUMNS", "TRADES", "planted_world", "write_world"]
