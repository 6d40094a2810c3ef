"""Hard rules applied before any ranking: eligibility, open on the as-of date, positions left.

All rules are vectorised over a block of pairs: ``seeker_rows`` and ``opening_rows``
are equal-length integer arrays indexing the seeker and opening tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher import reference
from matcher.domain import ACCESS_KINDS, GROUPS, age_in_year


def group_matrix(groups: pd.Series) -> np.ndarray:
    """Boolean (n × len(GROUPS)) membership matrix from a column of group tuples."""
    index = {g: j for j, g in enumerate(GROUPS)}
    out = np.zeros((len(groups), len(GROUPS)), dtype=bool)
    for i, members in enumerate(groups):
        for g in members or ():
            if g in index:
                out[i, index[g]] = True
    return out


def access_bits(values: pd.Series) -> np.ndarray:
    """Each row's access codes (:data:`matcher.domain.ACCESS_KINDS`) as one bit set (int64); unknown codes
    and empty cells hold none."""
    bit = {code: 1 << j for j, code in enumerate(ACCESS_KINDS)}
    out = np.zeros(len(values), dtype=np.int64)
    for i, codes in enumerate(values):
        if isinstance(codes, (list, tuple)):
            for code in codes:
                out[i] |= bit.get(code, 0)
    return out


def bit_count(bits: np.ndarray) -> np.ndarray:
    """How many access codes each bit set holds."""
    return _BIT_COUNT[np.asarray(bits, dtype=np.int64) & (len(_BIT_COUNT) - 1)]


_BIT_COUNT = np.array([bin(i).count("1") for i in range(1 << len(ACCESS_KINDS))])


NO_AGE_MIN, NO_AGE_MAX = -1.0, 999.0  # the bounds of an opening without an age rule


def opening_rules(openings: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-opening eligibility bounds: program defaults narrowed by the opening's own limits."""
    catalogue = reference.programs()
    program = openings["program"].fillna("general").to_numpy(dtype=object)
    lows = {code: NO_AGE_MIN if p.age_min is None else p.age_min for code, p in catalogue.items()}
    highs = {code: NO_AGE_MAX if p.age_max is None else p.age_max for code, p in catalogue.items()}
    prog_min = np.array([lows[p] for p in program], dtype=float)
    prog_max = np.array([highs[p] for p in program], dtype=float)
    own_min = pd.to_numeric(openings["age_min"], errors="coerce").astype(float).fillna(NO_AGE_MIN).to_numpy()
    own_max = pd.to_numeric(openings["age_max"], errors="coerce").astype(float).fillna(NO_AGE_MAX).to_numpy()
    required = np.zeros((len(openings), len(GROUPS)), dtype=bool)
    index = {g: j for j, g in enumerate(GROUPS)}
    for i, p in enumerate(program):
        for g in catalogue[p].required_groups:
            required[i, index[g]] = True
    targets = group_matrix(openings["target_groups"])
    not_offered = openings.get("access_not_offered", pd.Series([()] * len(openings)))
    return {
        "age_min": np.maximum(prog_min, own_min),
        "age_max": np.minimum(prog_max, own_max),
        "posted_year": openings["posted_at"].dt.year.to_numpy(dtype=float),
        "required_groups": required,
        "target_groups": targets,
        "has_targets": targets.any(axis=1),
        "has_required": required.any(axis=1),
        # A need the opening states it does not meet is a hard rule (bits of access_not_offered).
        "access_not_offered": access_bits(not_offered),
    }


def eligible(
    birth_year: np.ndarray,
    seeker_groups: np.ndarray,
    rules: dict[str, np.ndarray],
    seeker_rows: np.ndarray,
    opening_rows: np.ndarray,
    needs: np.ndarray | None = None,
) -> np.ndarray:
    """Whether each (seeker, opening) pair passes the program and opening rules.

    Age counts in the posting year (posted_at year minus birth year). A program
    that requires a group (e.g. self_sufficiency → low_income) needs that group;
    an opening with target_groups needs the seeker in at least one of them; an opening
    that states it does not offer an access need of the seeker (``needs``: bits of
    :func:`access_bits` per seeker) is never the seeker's.
    """
    age = age_in_year(birth_year[seeker_rows], rules["posted_year"][opening_rows])
    groups = seeker_groups[seeker_rows]
    in_required = (groups & rules["required_groups"][opening_rows]).any(axis=1)
    in_target = (groups & rules["target_groups"][opening_rows]).any(axis=1)
    picked = {name: values[opening_rows] for name, values in rules.items()}
    return _passes(picked, age, in_required, in_target, None if needs is None else needs[seeker_rows])


def opening_days(openings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Posting day and last open day of each opening (far in the future when no deadline)."""
    posted = openings["posted_at"].dt.normalize().to_numpy()
    last = openings["deadline"].dt.normalize().fillna(pd.Timestamp.max.normalize()).to_numpy()
    return posted, last


def open_block(days: np.ndarray, posted: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Whether each opening (columns) is open on each day (rows): posted on or before, deadline not past."""
    return open_pairs(np.asarray(days)[:, None], posted[None, :], last[None, :])


def open_pairs(days: np.ndarray, posted: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Whether the opening of ``posted[i]``, ``last[i]`` is open on ``days[i]`` (arrays broadcast)."""
    d = np.asarray(days).astype("datetime64[ns]")
    return (posted <= d) & (last >= d)


def open_on(openings: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Openings open on ``as_of``."""
    day = np.array([pd.Timestamp(as_of).normalize().to_datetime64()])
    return open_block(day, *opening_days(openings))[0]


def eligible_block(
    birth_year: np.ndarray, seeker_groups: np.ndarray, rules: dict[str, np.ndarray], needs: np.ndarray | None = None
) -> np.ndarray:
    """Eligibility of every seeker (rows) for every opening (columns), by broadcasting (``needs``: each
    seeker's access needs as :func:`access_bits`; without them no access rule applies)."""
    age = age_in_year(np.asarray(birth_year, dtype=float)[:, None], rules["posted_year"][None, :])
    groups = seeker_groups.astype(np.int8)
    in_required = (groups @ rules["required_groups"].T.astype(np.int8)) > 0
    in_target = (groups @ rules["target_groups"].T.astype(np.int8)) > 0
    return _passes({name: values[None, :] for name, values in rules.items() if values.ndim == 1},
                   age, in_required, in_target, None if needs is None else np.asarray(needs)[:, None])  # fmt: skip


def _passes(
    rules: dict[str, np.ndarray],
    age: np.ndarray,
    in_required: np.ndarray,
    in_target: np.ndarray,
    needs: np.ndarray | None = None,
) -> np.ndarray:
    """The rule itself, for any broadcastable shapes: age within the bounds, a required group held
    when the program needs one, a target group held when the opening names any, no access need the
    opening states it does not meet."""
    ok = (age >= rules["age_min"]) & (age <= rules["age_max"])
    ok &= ~rules["has_required"] | in_required
    ok &= ~rules["has_targets"] | in_target
    if needs is not None and "access_not_offered" in rules:
        ok &= (np.asarray(needs, dtype=np.int64) & rules["access_not_offered"]) == 0
    return ok
