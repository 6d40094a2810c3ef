"""What a counselor would check in a day's lists: common-sense fit and pile-up, per seeker group.

The figures read the raw rows (hours, commute limit, experience, occupations, skills) and the
lists themselves, not the features or rules the ranker used, so they can disagree with it.

Fit figures, each over the seekers for whom at least :data:`MIN_FITTING` openings their list may
hold (eligible, open, a position left, not applied to) fit the preference in question:

- ``part_time_full``: seekers who want a part-time job (≤ :data:`PART_TIME_HOURS` h a week): share
  of their slots at ≥ :data:`FULL_TIME_HOURS` h;
- ``beyond_commute``: share of slots farther than the seeker's own commute limit;
- ``experience_short``: share of slots asking at least :data:`EXPERIENCE_SHORT` more years than the
  seeker has;
- ``it_for_non_it``: share of seekers with no IT skill, occupation or wish whose list holds an
  IT-developer opening (KSCO 222 software, 223 data and network).

Market figures of the whole day: ``max_share`` (the most-listed opening's share of the lists),
``coverage`` (share of the openings some list may hold that some list shows), ``lists_per_position``
(the most lists per position left of any opening) and ``placements`` (a simulated market: seekers
apply down their lists, employers hire up to their positions left; see :func:`simulate_market`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.geometry import haversine_km
from matcher.matching import Matcher
from matcher.occupation import ksco_codes
from matcher.reference import canonical_skills, normalize_term

PART_TIME_HOURS = 25
FULL_TIME_HOURS = 35
EXPERIENCE_SHORT = 5.0
MIN_FITTING = 10
IT_DEVELOPER_FAMILIES = ("222", "223")  # KSCO: software developers; data and network professionals
IT_FIELD = "22"  # KSCO: information and communication professionals (any IT occupation)
IT_INDUSTRY = "it"
FIT_FIGURES = ("part_time_full", "beyond_commute", "experience_short", "it_for_non_it")


@dataclass
class DayLists:
    """A day's top-k lists: seeker rows (table rows) and their openings (table rows, -1 pads short lists)."""

    as_of: pd.Timestamp
    seeker_rows: np.ndarray
    top: np.ndarray  # (seekers × k) opening table rows


def day_lists(
    matcher: Matcher, as_of: pd.Timestamp | str, k: int = 10, seeker_ids: list[str] | None = None
) -> DayLists:
    """Every seeker's (or the given seekers') top ``k`` on ``as_of``, as the matcher serves them."""
    ids = list(matcher.seekers["seeker_id"]) if seeker_ids is None else seeker_ids
    found = matcher.matches(ids, as_of, k)
    rows = matcher.seeker_row.get_indexer(ids)
    top = np.full((len(ids), k), -1, dtype=np.int64)
    at = pd.Index(ids).get_indexer([m.seeker_id for m in found])
    top[at, [m.rank - 1 for m in found]] = matcher.opening_row.get_indexer([m.opening_id for m in found])
    return DayLists(pd.Timestamp(as_of), rows, top)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").astype(float).to_numpy()


def _codes(names: pd.Series) -> list[set[str]]:
    """The KSCO codes of each row's occupation names (a list or one name)."""
    lists = [list(v) if isinstance(v, list | tuple) else ([v] if isinstance(v, str) and v else []) for v in names]
    known = ksco_codes([n for names in lists for n in names])
    return [{known[n] for n in names if known.get(n)} for names in lists]


def _it_openings(openings: pd.DataFrame) -> tuple[np.ndarray, set[str]]:
    """Which openings are IT-developer jobs, and the skills those openings ask for."""
    is_it = np.array([any(c.startswith(IT_DEVELOPER_FAMILIES) for c in cs) for cs in _codes(openings["occupation"])])
    skills: set[str] = set()
    for i in np.flatnonzero(is_it):
        skills.update(canonical_skills([*openings["required_skills"].iat[i], *openings["preferred_skills"].iat[i]]))
    return is_it, skills


def _it_linked(seekers: pd.DataFrame, it_skills: set[str]) -> np.ndarray:
    """Seekers with an IT skill, a past or desired IT occupation, or IT among desired industries."""
    held = [set(canonical_skills(list(v or ()))) & it_skills for v in seekers["skills"]]
    past, wished = _codes(seekers["occupations"]), _codes(seekers["desired_occupations"])
    industry = [IT_INDUSTRY in {normalize_term(x) for x in v or ()} for v in seekers["desired_industries"]]
    return np.array(
        [bool(h) or any(c.startswith(IT_FIELD) for c in p | w) or i
         for h, p, w, i in zip(held, past, wished, industry, strict=True)]
    )  # fmt: skip


def _share(hit: np.ndarray, shown: np.ndarray, counted: np.ndarray) -> float:
    """Share of the shown slots of counted seekers (rows) that are hits; NaN when none is counted."""
    slots = shown[counted].sum()
    return float(hit[counted].sum() / slots) if slots else float("nan")


def fit_figures(matcher: Matcher, lists: DayLists) -> dict[str, dict[str, float]]:
    """The fit figures of the day's lists, over all seekers (``"all"``) and per seeker group.

    Each figure comes with the number of seekers it counted (``<name>_seekers``).
    """
    seekers = matcher.seekers.iloc[lists.seeker_rows].reset_index(drop=True)
    openings = matcher.openings
    candidates, allowed = matcher.allowed(list(seekers["seeker_id"]), lists.as_of)
    top, shown = np.where(lists.top >= 0, lists.top, 0), lists.top >= 0

    hours = _numbers(openings, "hours_per_week")
    wanted = _numbers(seekers, "desired_hours")
    limit = _numbers(seekers, "max_commute_km")
    has = np.nan_to_num(_numbers(seekers, "experience_years"))
    asks = np.nan_to_num(_numbers(openings, "experience_min_years"))
    s_lat, s_lon = _numbers(seekers, "lat"), _numbers(seekers, "lon")
    o_lat, o_lon = _numbers(openings, "lat"), _numbers(openings, "lon")
    is_it, it_skills = _it_openings(openings)
    linked = _it_linked(seekers, it_skills)

    def km(columns: np.ndarray) -> np.ndarray:
        return haversine_km(s_lat[:, None], s_lon[:, None], o_lat[columns], o_lon[columns])

    def fitting(ok: np.ndarray) -> np.ndarray:  # seekers with enough allowed openings that fit
        return (allowed & ok).sum(axis=1) >= MIN_FITTING

    c = candidates[None, :]
    part_time = wanted <= PART_TIME_HOURS
    near = km(candidates) <= limit[:, None]
    hits = {
        "part_time_full": (hours[top] >= FULL_TIME_HOURS) & shown,
        "beyond_commute": (km(top) > limit[:, None]) & shown,
        "experience_short": (asks[top] - has[:, None] >= EXPERIENCE_SHORT) & shown,
    }
    counted = {
        "part_time_full": part_time & fitting(hours[c] < FULL_TIME_HOURS),
        "beyond_commute": ~np.isnan(limit) & fitting(near),
        "experience_short": fitting(asks[c] - has[:, None] < EXPERIENCE_SHORT),
        "it_for_non_it": ~linked & fitting(~is_it[c]),
    }
    it_lists = ((is_it[top] & shown).any(axis=1)).astype(float)

    def figures(members: np.ndarray) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in FIT_FIGURES:
            rows = counted[name] & members
            if name == "it_for_non_it":
                out[name] = float(it_lists[rows].mean()) if rows.any() else float("nan")
            else:
                out[name] = _share(hits[name], shown, rows)
            out[f"{name}_seekers"] = float(rows.sum())
        return out

    report = {"all": figures(np.ones(len(seekers), dtype=bool))}
    for group in sorted({g for gs in seekers["groups"] for g in gs or ()}):
        report[group] = figures(np.array([group in (gs or ()) for gs in seekers["groups"]]))
    return report


def market_figures(matcher: Matcher, lists: DayLists, *, rounds: int = 5, seed: int = 0) -> dict[str, float]:
    """The pile-up figures of the day's lists and a simulated market's placements (:func:`simulate_market`)."""
    candidates, allowed = matcher.allowed(list(matcher.seekers["seeker_id"].iloc[lists.seeker_rows]), lists.as_of)
    shown = lists.top[lists.top >= 0]
    n_lists = max(int((lists.top >= 0).any(axis=1).sum()), 1)
    times = np.bincount(shown, minlength=len(matcher.openings))
    reachable = candidates[allowed.any(axis=0)]
    left = matcher.positions_left(lists.as_of)
    placed = [simulate_market(lists.top, left, np.random.default_rng(seed + r)) for r in range(rounds)]
    return {
        "lists": float(n_lists),
        "max_share": float(times.max(initial=0) / n_lists),
        "coverage": float((times[reachable] > 0).mean()) if len(reachable) else float("nan"),
        "lists_per_position": float((times[reachable] / np.maximum(left[reachable], 1)).max(initial=0)),
        "placements": float(np.mean(placed)),
        "placements_possible": float(min(n_lists, np.maximum(left[reachable], 0).sum())),
    }


def simulate_market(top: np.ndarray, positions_left: np.ndarray, rng: np.random.Generator) -> int:
    """Placements in one simulated round: each seeker looks at rank r with chance 1/log2(r + 1) and
    applies to half of what they look at; each opening (in random order) hires up to its positions
    left among its applicants not yet placed, at random. Lists that send everyone to the same few
    openings leave most applicants unplaced and the other openings unfilled."""
    k = top.shape[1]
    looks = rng.random(top.shape) < 1.0 / np.log2(np.arange(2, k + 2))
    applies = looks & (rng.random(top.shape) < 0.5) & (top >= 0)
    seeker, rank = np.nonzero(applies)
    opening = top[seeker, rank]
    # Openings take turns in a random order; each reads its applicants in a random order.
    turn = rng.permutation(len(positions_left))[opening]
    order = np.lexsort((rng.random(len(opening)), turn))
    placed = np.zeros(top.shape[0], dtype=bool)
    hired = np.zeros(len(positions_left), dtype=np.int64)
    for s, o in zip(seeker[order], opening[order], strict=True):
        if not placed[s] and hired[o] < positions_left[o]:
            placed[s] = True
            hired[o] += 1
    return int(placed.sum())


def format_figures(
    fit: dict[str, dict[str, float]], market: dict[str, float], ndcg: dict[str, float] | None = None
) -> str:
    """The figures as a table, one row per seeker group (NDCG@10 beside them when given)."""
    names = ("part-time>=35h", "beyond-limit", "exp-short>=5y", "IT-for-non-IT")
    lines = [
        f"every seeker's list of one day ({market['lists']:.0f} lists): share of slots that miss what was stated",
        f"{'group':<20}{'ndcg@10':>9}" + "".join(f"{n:>16}" for n in names),
    ]
    for group, figures in fit.items():
        value = (ndcg or {}).get(group, float("nan"))
        cells = "".join(f"{figures[name]:>16.3f}" for name in FIT_FIGURES)
        lines.append(f"{group:<20}{value:>9.3f}{cells}")
    lines.append(
        f"pile-up: most-listed opening in {market['max_share']:.1%} of the lists; {market['coverage']:.1%} of the "
        f"open openings some list may hold are shown; at most {market['lists_per_position']:.0f} lists per position "
        f"left; simulated market: {market['placements']:.0f} placements of {market['placements_possible']:.0f} possible"
    )
    return "\n".join(lines)
