"""Worlds of the shape real exports have: one date for everything, opaque codes, one place.

Real application exports from a job portal often look nothing like the sample year
(:mod:`training.sample`): every event carries the export's date, skills and occupations are
codes of another system, and everyone lives in one dong. :func:`generate` writes such a world
as a contract folder, by default of the size of one such export: about 8,500 seekers, 6,700
openings and 58,000 applications, about seven a seeker.

The world
---------
Occupation codes (``J`` and four digits) fall into fields; skill codes (``K`` and four digits)
into the same fields. A seeker has a field, one or two past and desired occupations mostly of
that field, and two to six skills mostly of it; an opening has an occupation, one to three
required skills of its field, an employer (several openings each) and an appeal of its own
(log-normal: a few openings draw many applications). Every seeker applies ``n`` times, ``n``
log-normal around seven (at least one), each time to an opening drawn with probability

    ∝ appeal × exp(3.0·[desired occupation] + 1.8·[past occupation] + 2.6·[same field]
                   + 0.5·(required skills held) + taste · opening's taste)

where tastes are random 8-dimensional vectors of spread 0.7 (what co-application data carries beyond the
codes). All events are ``applied`` on one day; openings are posted that day with no deadline.

:func:`snapshot_of` turns any folder into its snapshot copy: every event moved to one date.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matcher import contract
from matcher.reference import dongs

SNAPSHOT_DAY = pd.Timestamp("2024-06-28")
FIELDS = 24
OCCUPATIONS = 360
SKILLS = 900
TASTE_DIM = 8
# Chosen so that EASE's recall@5 of one held-out application per seeker (0.12) is about what it is on the
# real export this imitates (0.118).
WEIGHTS = {"field": 2.6, "desired": 3.0, "past": 1.8, "skill": 0.5, "taste": 0.7}


def generate(
    out_dir: str | Path,
    n_seekers: int = 8_500,
    n_openings: int = 6_700,
    n_applications: int = 58_000,
    seed: int = 0,
) -> Path:
    """Write a snapshot-shaped world (seekers.csv, openings.csv, events.csv) to ``out_dir``."""
    rng = np.random.default_rng(seed)
    occ_field = rng.integers(FIELDS, size=OCCUPATIONS)
    skill_field = rng.integers(FIELDS, size=SKILLS)
    occ_names = np.array([f"J{i:04d}" for i in rng.choice(10_000, OCCUPATIONS, replace=False)])
    skill_names = np.array([f"K{i:04d}" for i in rng.choice(10_000, SKILLS, replace=False)])
    home = dongs().iloc[int(rng.integers(len(dongs())))]

    def occupation_in(field: np.ndarray) -> np.ndarray:
        """An occupation of each field (a random one 15 % of the time)."""
        out = np.empty(len(field), dtype=np.intp)
        for f in np.unique(field):
            rows = np.flatnonzero(field == f)
            pool = np.flatnonzero(occ_field == f)
            out[rows] = rng.choice(pool, len(rows)) if len(pool) else rng.integers(OCCUPATIONS, size=len(rows))
        stray = rng.random(len(field)) < 0.15
        out[stray] = rng.integers(OCCUPATIONS, size=stray.sum())
        return out

    def skills_in(field: int, n: int) -> np.ndarray:
        pool = np.flatnonzero(skill_field == field)
        own = rng.choice(pool, min(n, len(pool)), replace=False) if len(pool) else np.zeros(0, int)
        return np.unique(np.concatenate([own[: max(n - 1, 1)], rng.integers(SKILLS, size=1)]))

    seeker_field = rng.integers(FIELDS, size=n_seekers)
    desired = np.column_stack([occupation_in(seeker_field), occupation_in(seeker_field)])
    past = np.column_stack([desired[:, 0], occupation_in(seeker_field)])
    n_desired, n_past = rng.integers(1, 3, size=n_seekers), rng.integers(0, 3, size=n_seekers)
    seeker_skills = [
        skills_in(f, int(n)) for f, n in zip(seeker_field, rng.integers(2, 7, size=n_seekers), strict=True)
    ]
    birth = rng.integers(1960, 2004, size=n_seekers)

    opening_field = rng.integers(FIELDS, size=n_openings)
    opening_occ = occupation_in(opening_field)
    required = [skills_in(f, int(n)) for f, n in zip(opening_field, rng.integers(1, 4, size=n_openings), strict=True)]
    employer = rng.integers(max(n_openings // 3, 1), size=n_openings)
    appeal = rng.lognormal(0.0, 1.0, size=n_openings)

    seekers = pd.DataFrame({
        "seeker_id": [f"R{i:05d}" for i in range(n_seekers)],
        "birth_year": birth,
        "dong": home.name,
        "occupations": [tuple(occ_names[past[i, : n_past[i]]]) for i in range(n_seekers)],
        "skills": [tuple(skill_names[s]) for s in seeker_skills],
        "desired_occupations": [tuple(dict.fromkeys(occ_names[desired[i, : n_desired[i]]])) for i in range(n_seekers)],
    })  # fmt: skip
    openings = pd.DataFrame({
        "opening_id": [f"P{i:05d}" for i in range(n_openings)],
        "employer_id": [f"E{e:05d}" for e in employer],
        "employer_name": [f"기업 {e:05d}" for e in employer],
        "title": [f"{occ_names[o]} 모집" for o in opening_occ],
        "occupation": occ_names[opening_occ],
        "dong": home.name,
        "required_skills": [tuple(skill_names[r]) for r in required],
        "posted_at": SNAPSHOT_DAY,
    })  # fmt: skip

    counts = np.maximum(1, np.round(rng.lognormal(np.log(n_applications / n_seekers) - 0.32, 0.8, n_seekers)))
    counts = np.minimum(counts.astype(int), n_openings)
    taste_s = rng.normal(0, WEIGHTS["taste"], size=(n_seekers, TASTE_DIM))
    taste_o = rng.normal(0, WEIGHTS["taste"], size=(n_openings, TASTE_DIM))
    held_by = _incidence(seeker_skills, SKILLS)
    asked_by = _incidence(required, SKILLS).T.tocsr()
    pairs_s, pairs_o = [], []
    for start in range(0, n_seekers, 512):  # blocks of seekers × every opening
        rows = np.arange(start, min(start + 512, n_seekers))
        score = np.log(appeal)[None, :] + taste_s[rows] @ taste_o.T
        score += WEIGHTS["field"] * (seeker_field[rows, None] == opening_field[None, :])
        for j in range(2):
            score += WEIGHTS["desired"] * (desired[rows, j, None] == opening_occ[None, :]) * (j < n_desired[rows, None])
            score += WEIGHTS["past"] * (past[rows, j, None] == opening_occ[None, :]) * (j < n_past[rows, None])
        score += WEIGHTS["skill"] * (held_by[rows] @ asked_by).toarray()
        # Gumbel top-n: n distinct openings per seeker, each drawn ∝ exp(score).
        keyed = score + rng.gumbel(size=score.shape)
        order = np.argsort(-keyed, axis=1)
        for i, s in enumerate(rows):
            pairs_s.append(np.full(counts[s], s))
            pairs_o.append(order[i, : counts[s]])
    s, o = np.concatenate(pairs_s), np.concatenate(pairs_o)
    events = pd.DataFrame({
        "seeker_id": seekers["seeker_id"].to_numpy()[s],
        "opening_id": openings["opening_id"].to_numpy()[o],
        "event": "applied",
        "occurred_at": SNAPSHOT_DAY,
    })  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (("seekers", seekers), ("openings", openings), ("events", events)):
        contract.write_table(table, out / f"{name}.csv", name)
    return out


def _incidence(lists: list[np.ndarray], width: int) -> sp.csr_matrix:
    """Rows × codes 0/1 matrix of each row's codes."""
    rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    return sp.csr_matrix((np.ones(len(rows)), (rows, np.concatenate(lists))), shape=(len(lists), width))


def snapshot_of(folder: str | Path, out_dir: str | Path, day: pd.Timestamp | str | None = None) -> Path:
    """A copy of a contract folder whose events all carry one date (the last event's day by default)."""
    data = contract.load_folder(folder)
    events = data.events
    day = pd.Timestamp(day) if day is not None else events["occurred_at"].max().normalize()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    contract.write_table(data.seekers, out / "seekers.csv", "seekers")
    contract.write_table(data.openings, out / "openings.csv", "openings")
    contract.write_table(events.assign(occurred_at=day), out / "events.csv", "events")
    return out
