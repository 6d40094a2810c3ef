"""Reference data shipped as files in ``matcher/data``: dongs, programs, synonyms, KSCO.

Sources and licences are in ``matcher/data/ATTRIBUTION.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

DISTRICT = "서울특별시 성동구"


def _data_file(name: str):
    return resources.files("matcher") / "data" / name


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    with _data_file(name).open("r", encoding="utf-8-sig") as fh:
        return pd.read_csv(fh, **kwargs)


@cache
def dongs() -> pd.DataFrame:
    """The 17 administrative dongs of Seongdong-gu, indexed by name, with lat/lon."""
    table = _read_csv("dongs.csv", dtype={"adm_cd": str, "adm_cd2": str})
    return table.set_index("dong")[["adm_cd", "adm_cd2", "lat", "lon"]]


def dong_names() -> list[str]:
    return list(dongs().index)


@cache
def legal_dongs() -> dict[str, str]:
    """Legal dong (법정동, as addresses write it) → administrative dong (행정동)."""
    table = _read_csv("legal_dongs.csv", dtype=str)
    return dict(zip(table["legal_dong"], table["dong"], strict=True))


@dataclass(frozen=True)
class Program:
    """A program of the job center and the eligibility rule it enforces by default."""

    code: str
    name_ko: str
    description_ko: str
    age_min: int | None
    age_max: int | None
    required_groups: tuple[str, ...]
    one_seeker_per_slot: bool


@cache
def programs() -> dict[str, Program]:
    table = _read_csv("programs.csv", dtype=str, keep_default_na=False)
    out: dict[str, Program] = {}
    for row in table.itertuples(index=False):
        out[row.program] = Program(
            code=row.program,
            name_ko=row.name_ko,
            description_ko=row.description_ko,
            age_min=int(row.age_min) if row.age_min else None,
            age_max=int(row.age_max) if row.age_max else None,
            required_groups=tuple(g for g in row.required_groups.split(";") if g),
            one_seeker_per_slot=row.one_seeker_per_slot.strip().lower() == "true",
        )
    return out


def program_codes() -> tuple[str, ...]:
    return tuple(programs())


_SPACE = re.compile(r"[\s·_\-/()\[\]]+")


def normalize_term(term: str) -> str:
    """Case-fold and drop spaces and punctuation, so '지게차 운전기능사' meets '지게차운전기능사'."""
    return _SPACE.sub("", str(term)).casefold()


@cache
def skill_synonyms() -> dict[str, str]:
    """Normalised variant → canonical skill name."""
    table = _read_csv("skill_synonyms.csv", dtype=str)
    return {normalize_term(v): c for c, v in zip(table["canonical"], table["variant"], strict=True)}


def canonical_skill(name: str) -> str:
    """The canonical name of a skill or certificate; unknown names pass through tidied."""
    key = normalize_term(name)
    return skill_synonyms().get(key, str(name).strip())


def canonical_skills(names) -> list[str]:
    """Canonical names of a list of skills, first occurrence order, no duplicates."""
    seen: dict[str, None] = {}
    for name in names:
        if str(name).strip():
            seen.setdefault(canonical_skill(name), None)
    return list(seen)


@cache
def ksco_occupations() -> pd.DataFrame:
    """KSCO occupation names with their 4-digit code and family (2-digit) code.

    One row per name: the occupation itself, its related and similar names.
    The file's hierarchy rows carry only their own level, so codes are forward-filled.
    """
    raw = _read_csv("ksco_job_dictionary.csv", header=None, skiprows=3, dtype=str)
    raw = raw.apply(lambda col: col.str.strip()).replace("", np.nan)
    raw.columns = ["major", "mid", "minor", "code", "serial", "major_name", "mid_name",
                   "minor_name", "name", "related", "similar"]  # fmt: skip
    raw[["major", "mid", "minor"]] = raw[["major", "mid", "minor"]].ffill()
    jobs = raw.dropna(subset=["name"])
    rows = []
    for job in jobs.itertuples(index=False):
        names = [job.name]
        for extra in (job.related, job.similar):
            if isinstance(extra, str):
                names.extend(n.strip() for n in extra.split(","))
        for name in names:
            if name and len(name) <= 30:
                rows.append((normalize_term(name), job.name, job.code, job.code[:2]))
    table = pd.DataFrame(rows, columns=["key", "occupation", "code", "family"])
    return table.drop_duplicates("key").set_index("key")
