"""Pseudonymised copies of the tables for training and analysis (PIPA Art. 28-2), with a stated guarantee.

- Every id is replaced by a keyed hash (HMAC-SHA256 with the service's secret key, which never goes into the
  export; outside development the default key is refused): the same id always maps to the same pseudonym, so
  events still join seekers and openings, and nobody without the key can turn a pseudonym back into an id.
- Free text that can name a person is dropped: the seeker's name and self-introduction, the opening's description. An
  employer's name is replaced by its pseudonym (in the title too, where the name appears in it).
- **k-anonymity (k = 5) on the quasi-identifiers** ``QUASI_IDENTIFIERS``: birth year, gender, place of residence,
  education, years of experience and past occupations, the facts someone who knows a seeker could know. Each is
  generalised along a ladder (``LADDERS``, e.g. birth year to 5-, 10- or 20-year bands, experience to bands,
  occupations to their KSCO family, a dong to the district), the same rung for every row (full-domain
  generalisation), choosing the least generalisation that leaves at most ``MAX_LEFT_OUT`` of the seekers in
  groups smaller than k; those seekers are then left out, with their events. In the written ``seekers.csv`` every
  combination of the quasi-identifiers is therefore shared by at least k seekers (or the file is empty).

Not covered: the other columns (skills, desired work, wages and hours, groups) are kept as they are, and a seeker's
events (which openings, when) are kept: someone who knows a person's applications can find that person's row.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher import reference
from matcher.occupation import ksco_codes

K = 5
MAX_LEFT_OUT = 0.05  # of the seekers: more generalisation is chosen before more are left out
EXPERIENCE_BANDS = np.array([0, 1, 3, 5, 10, 20], dtype=float)  # lower bounds, in years
# Education coarsened to three levels (each written as a level of the contract).
EDUCATION_COARSE = {"none": "middle", "middle": "middle", "high": "high", "vocational_high": "high",
                    "college": "university", "university": "university", "graduate": "university"}  # fmt: skip


def pseudonym(key: str, kind: str, value: str) -> str:
    digest = hmac.new(key.encode("utf-8"), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[0].upper()}{digest[:16]}"


def _ids(key: str, kind: str, values: pd.Series) -> pd.Series:
    return values.map(lambda v: pseudonym(key, kind, str(v)))


# -- generalisation ladders ----------------------------------------------------------------------------------
# A rung takes the seekers table and returns the columns it rewrites; rung 0 is the least general.
Rung = Callable[[pd.DataFrame], dict[str, pd.Series]]


def _birth(width: int) -> Rung:
    return lambda s: {"birth_year": (s["birth_year"].astype(int) // width * width).clip(lower=1930)}


def _location(level: int) -> Rung:
    """0: the dong (its centroid is filled in on reading), outside the district lat/lon to 0.01° (~1 km);
    1: the district as a whole, outside it 0.1° (~10 km); 2: everyone at the district's centre."""

    def rung(s: pd.DataFrame) -> dict[str, pd.Series]:
        inside = s["dong"].isin(reference.dongs().index)
        centre = reference.dongs()[["lat", "lon"]].mean()
        nowhere = pd.Series(None, index=s.index, dtype=object)
        if level == 0:
            return {"dong": s["dong"].where(inside, None),
                    "lat": s["lat"].astype(float).round(2).where(~inside),
                    "lon": s["lon"].astype(float).round(2).where(~inside)}  # fmt: skip
        if level == 1:
            return {"dong": nowhere,
                    "lat": s["lat"].astype(float).round(1).where(~inside, centre["lat"]),
                    "lon": s["lon"].astype(float).round(1).where(~inside, centre["lon"])}  # fmt: skip
        return {"dong": nowhere, "lat": pd.Series(centre["lat"], index=s.index),
                "lon": pd.Series(centre["lon"], index=s.index)}  # fmt: skip

    return rung


def _experience(s: pd.DataFrame) -> dict[str, pd.Series]:
    years = s["experience_years"].astype(float)
    banded = EXPERIENCE_BANDS[np.clip(np.searchsorted(EXPERIENCE_BANDS, years.fillna(0), side="right") - 1, 0, None)]
    return {"experience_years": pd.Series(banded, index=s.index).where(years.notna())}


def _occupation_families(s: pd.DataFrame) -> dict[str, pd.Series]:
    """Each past occupation replaced by its KSCO family, named by the family's first occupation (so that the
    export still reads as occupation names); names KSCO cannot place are dropped."""
    names = sorted({n for items in s["occupations"] for n in items})
    codes = ksco_codes(names)
    table = reference.ksco_occupations()
    first_of_family = table.sort_values("code").drop_duplicates("family").set_index("family")["occupation"]
    family = {n: first_of_family.get(c[:2]) for n, c in codes.items() if c}
    generalised = s["occupations"].map(lambda items: tuple(sorted({family[n] for n in items if family.get(n)})))
    return {"occupations": generalised}


def _education_coarse(s: pd.DataFrame) -> dict[str, pd.Series]:
    return {"education": s["education"].map(EDUCATION_COARSE)}


def _occupations(s: pd.DataFrame) -> dict[str, pd.Series]:
    return {"occupations": s["occupations"].map(lambda items: tuple(sorted(items)))}


def _blank(column: str, empty: object = None) -> Rung:
    return lambda s: {column: pd.Series([empty] * len(s), index=s.index, dtype=object)}


def _keep(column: str) -> Rung:
    return lambda s: {column: s[column]}


@dataclass(frozen=True)
class Ladder:
    name: str
    rungs: tuple[Rung, ...]


LADDERS: tuple[Ladder, ...] = (
    Ladder("birth_year", (_birth(5), _birth(10), _birth(20))),
    Ladder("gender", (_keep("gender"), _blank("gender"))),
    Ladder("location", (_location(0), _location(1), _location(2))),
    Ladder("education", (_keep("education"), _education_coarse, _blank("education"))),
    Ladder("experience_years", (_keep("experience_years"), _experience, _blank("experience_years"))),
    Ladder("occupations", (_occupations, _occupation_families, _blank("occupations", ()))),
)
QUASI_IDENTIFIERS = ("birth_year", "gender", "dong", "lat", "lon", "education", "experience_years", "occupations")


def _codes(columns: dict[str, pd.Series]) -> np.ndarray:
    """One integer per row for the combination of these columns' values (missing values count as one value)."""
    frame = pd.DataFrame({name: values.astype(object).where(values.notna(), "<none>").map(repr)
                          for name, values in columns.items()})  # fmt: skip
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()


@dataclass(frozen=True)
class Anonymised:
    seekers: pd.DataFrame  # generalised, the rows left out removed
    left_out: list[str]  # seeker ids (before pseudonymisation) left out
    rungs: dict[str, int]  # the rung chosen on each ladder


def k_anonymise(seekers: pd.DataFrame, k: int = K, max_left_out: float = MAX_LEFT_OUT) -> Anonymised:
    """Generalise the quasi-identifiers so that every combination is shared by at least ``k`` seekers.

    Every combination of rungs is tried (a few hundred, each a grouping of integer codes); the chosen one has the
    fewest rungs climbed (ties: fewest left out) among those leaving at most ``max_left_out`` out, else the one
    leaving out fewest. Seekers in groups still smaller than ``k`` are left out.
    """
    generalised = [[rung(seekers) for rung in ladder.rungs] for ladder in LADDERS]
    codes = [[_codes(columns) for columns in ladder] for ladder in generalised]
    sizes = [len(ladder.rungs) for ladder in LADDERS]
    best: tuple[tuple, tuple[int, ...], np.ndarray] | None = None
    for choice in itertools.product(*(range(n) for n in sizes)):
        key = np.zeros(len(seekers), dtype=np.int64)
        for ladder, rung in enumerate(choice):
            key = key * (int(codes[ladder][rung].max(initial=0)) + 1) + codes[ladder][rung]
            key = np.unique(key, return_inverse=True)[1]  # keep the mixed-radix key small
        counts = np.bincount(key) if len(key) else np.zeros(0, dtype=np.int64)
        small = counts[key] < k
        left_out = int(small.sum())
        climbed = sum(r / (n - 1) for r, n in zip(choice, sizes, strict=True))
        rank = (0, climbed, left_out) if left_out <= max_left_out * len(seekers) else (1, left_out, climbed)
        if best is None or rank < best[0]:
            best = (rank, choice, small)
    assert best is not None
    _, choice, small = best
    out = seekers.copy()
    for ladder, rung in enumerate(choice):
        for name, values in generalised[ladder][rung].items():
            out[name] = values
    rungs = {ladder.name: rung for ladder, rung in zip(LADDERS, choice, strict=True)}
    return Anonymised(out.loc[~small].reset_index(drop=True), list(seekers.loc[small, "seeker_id"]), rungs)


def smallest_group(seekers: pd.DataFrame) -> int:
    """The size of the smallest group of seekers sharing every quasi-identifier (0 for no seekers)."""
    if seekers.empty:
        return 0
    return int(np.bincount(_codes({name: seekers[name] for name in QUASI_IDENTIFIERS})).min())


def pseudonymize(
    seekers: pd.DataFrame, openings: pd.DataFrame, events: pd.DataFrame, key: str, k: int = K
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Anonymised]:
    """The three contract tables pseudonymised (see the module's description), and what k-anonymity did."""
    anonymised = k_anonymise(seekers, k)
    seekers, openings, events = anonymised.seekers.copy(), openings.copy(), events.copy()
    events = events[~events["seeker_id"].isin(anonymised.left_out)]
    seekers["seeker_id"] = _ids(key, "seeker", seekers["seeker_id"])
    seekers["intro"] = None
    if "name" in seekers:
        seekers["name"] = None
    employers = _ids(key, "employer", openings["employer_id"])
    named = zip(openings["title"], openings["employer_name"], employers, strict=True)
    openings["title"] = [str(title).replace(str(name), alias) if name else title for title, name, alias in named]
    openings["opening_id"] = _ids(key, "opening", openings["opening_id"])
    openings["employer_id"] = employers
    openings["employer_name"] = employers
    openings["description"] = None
    events = events.assign(
        seeker_id=_ids(key, "seeker", events["seeker_id"]), opening_id=_ids(key, "opening", events["opening_id"])
    )
    return seekers, openings, events, anonymised
