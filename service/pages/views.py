"""Small facts pages show beside the service's answers: distances, choices for filters."""

from __future__ import annotations

import numpy as np

from matcher import reference
from matcher.geometry import haversine_km
from service.serving import Snapshot


def distances_km(snapshot: Snapshot, origin: tuple[float, float], opening_ids: list[str]) -> dict[str, float]:
    """Straight-line km from ``origin`` to each opening (openings without a location are left out)."""
    matcher = snapshot.matcher
    rows = matcher.opening_row.get_indexer(opening_ids)
    known = rows >= 0
    lat = matcher.openings["lat"].to_numpy(dtype=float)[rows[known]]
    lon = matcher.openings["lon"].to_numpy(dtype=float)[rows[known]]
    km = haversine_km(np.full(len(lat), origin[0]), np.full(len(lat), origin[1]), lat, lon)
    ids = np.asarray(opening_ids, dtype=object)[known]
    return {str(i): float(d) for i, d in zip(ids, km, strict=True) if np.isfinite(d)}


def dong_origin(dong: str | None) -> tuple[float, float] | None:
    """A dong's centroid, as the contract places a seeker who gives only a dong."""
    table = reference.dongs()
    if dong not in table.index:
        return None
    return float(table.at[dong, "lat"]), float(table.at[dong, "lon"])


def industries(snapshot: Snapshot) -> list[str]:
    """The industries openings name, for the industry filter."""
    values = snapshot.matcher.openings["industry"].dropna().astype(str)
    return sorted(set(values[values != ""]))


def programs() -> list[tuple[str, str]]:
    return [(code, p.name_ko) for code, p in reference.programs().items()]
