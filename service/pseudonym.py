"""Pseudonymised copies of the tables for training and analysis (PIPA Art. 28-2).

- every id is replaced by a keyed hash (HMAC-SHA256 with the service's secret
  key, which never goes into the export): the same id always maps to the same
  pseudonym, so events still join seekers and openings;
- birth year is cut to the first year of its 5-year band (1987 → 1985);
- the free self-introduction and the name are dropped;
- a seeker's coordinates are dropped, leaving the dong (whose centroid the
  contract fills in); outside the district, they are rounded to 0.01° (~1 km).
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

from matcher import reference


def pseudonym(key: str, kind: str, value: str) -> str:
    digest = hmac.new(key.encode("utf-8"), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[0].upper()}{digest[:16]}"


def _ids(key: str, kind: str, values: pd.Series) -> pd.Series:
    return values.map(lambda v: pseudonym(key, kind, str(v)))


def pseudonymize(
    seekers: pd.DataFrame, openings: pd.DataFrame, events: pd.DataFrame, key: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three contract tables with ids hashed, birth years banded, intros and names dropped, locations coarsened."""
    seekers, openings, events = seekers.copy(), openings.copy(), events.copy()
    seekers["seeker_id"] = _ids(key, "seeker", seekers["seeker_id"])
    seekers["birth_year"] = (seekers["birth_year"].astype(int) // 5) * 5
    seekers["intro"] = None
    seekers["name"] = None
    inside = seekers["dong"].isin(reference.dongs().index).to_numpy()
    for column in ("lat", "lon"):
        seekers[column] = np.where(inside, np.nan, seekers[column].astype(float).round(2))
    openings["opening_id"] = _ids(key, "opening", openings["opening_id"])
    openings["employer_id"] = _ids(key, "employer", openings["employer_id"])
    events["seeker_id"] = _ids(key, "seeker", events["seeker_id"])
    events["opening_id"] = _ids(key, "opening", events["opening_id"])
    return seekers, openings, events
