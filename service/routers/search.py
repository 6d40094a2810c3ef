"""Self-search: a young applicant without an account sends a profile and gets ranked openings. Nothing is stored."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query

from matcher.contract import parse_records
from matcher.filters import opening_filter
from service import present
from service.deps import ServingDep, SettingsDep
from service.errors import ContractRefused
from service.schemas import Program, SearchResult, SeekerProfile

router = APIRouter(tags=["search"])

SEARCH_ID = "(search)"


@router.post("/search", response_model=SearchResult)
def search(
    body: SeekerProfile,
    serving: ServingDep,
    settings: SettingsDep,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    as_of: Annotated[date | None, Query(description="default: today")] = None,
    program: Program | None = None,
    max_km: Annotated[float | None, Query(gt=0, le=1000)] = None,
) -> dict:
    """Openings for a profile given in the body, ranked as for a registered seeker with no history."""
    profile, problems = parse_records("seekers", [{**body.model_dump(), "seeker_id": SEARCH_ID}])
    if problems:
        raise ContractRefused(problems)
    snapshot = serving.current()
    matcher = snapshot.matcher
    origin = (float(profile["lat"].iloc[0]), float(profile["lon"].iloc[0]))
    mask = opening_filter(matcher.openings, program=program, max_km=max_km, origin=origin)
    day = as_of or settings.today()
    with serving.scoring:
        found = matcher.matches_for_profiles(profile, pd.Timestamp(day), k=k, opening_mask=mask)
    return {
        "model_version": snapshot.version,
        "as_of": day,
        "matches": present.match_items(found, matcher.openings, matcher.opening_row, snapshot.summaries),
    }
