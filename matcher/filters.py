"""Counselor filters on a list of openings (not scoring: which openings may appear at all)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.geometry import haversine_km


def opening_filter(
    openings: pd.DataFrame,
    *,
    dong: str | None = None,
    program: str | None = None,
    industry: str | None = None,
    employment_type: str | None = None,
    max_km: float | None = None,
    origin: tuple[float, float] | None = None,
    max_hours: float | None = None,
) -> np.ndarray:
    """Mask of openings passing every filter given; ``max_km`` is straight-line distance from ``origin``,
    ``max_hours`` the weekly hours at most (an opening that states no hours does not pass it)."""
    mask = np.ones(len(openings), dtype=bool)
    for column, wanted in (
        ("dong", dong),
        ("program", program),
        ("industry", industry),
        ("employment_type", employment_type),
    ):
        if wanted is not None:
            mask &= (openings[column] == wanted).to_numpy()
    if max_km is not None:
        if origin is None or not np.all(np.isfinite(origin)):
            raise ValueError("max_km needs the seeker's location")
        distance = haversine_km(
            np.full(len(openings), origin[0]),
            np.full(len(openings), origin[1]),
            openings["lat"].to_numpy(dtype=float),
            openings["lon"].to_numpy(dtype=float),
        )
        mask &= distance <= max_km
    if max_hours is not None:
        mask &= openings["hours_per_week"].to_numpy(dtype=float) <= max_hours  # NaN compares False
    return mask
