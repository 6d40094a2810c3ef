"""Common-sense fit: what a seeker said they need, as a factor on a pair's score the ranker cannot undo.

A ranker learns from behaviour, and behaviour in a busy district piles onto the same few openings
whatever a seeker asked for. The stated preferences and the opening's stated demands therefore act
outside the model, as a multiplicative factor on its score (a sum on the log scale):

    log fit = − hours − commute − experience − no tie − access

- hours: more hours a week than wanted cost ``HOURS_OVER × log(H / h)`` (20 h wanted, 40 h offered:
  e^−2.1 ≈ 0.13; 35 h wanted: 0.67; 7 h wanted, 20 h offered: 0.04), fewer cost ``HOURS_UNDER ×
  log(h / H)`` (40 h wanted, 20 h offered: 0.5): a ratio, so a 7 h wish is kept as firmly as a 20 h
  one, and a short job is a smaller loss than a long one the seeker cannot do;
- commute: beyond the seeker's own limit, ``COMMUTE_STEP + COMMUTE_SLOPE × log(d / limit)``: the
  limit is what the seeker accepts, so the first metre past it costs e^−1 (0.37), and twice the
  limit e^−2.4 (0.09);
- experience: years asked beyond those held cost ``EXPERIENCE × gap²``: one year short 0.9, three
  years 0.41, five years 0.08; unknown experience counts as none;
- no tie: an opening that asks for skills, when the seeker holds none of them and shares no desired
  or past occupation, occupation family or desired industry with it, costs ``NO_TIE`` (e^−12): the
  seeker cannot do the job, so it comes after any other trade-off; a cleaner is not sent to a
  backend developer's job, however popular it is. Only occupations the dictionary knows can show
  that two jobs are unrelated: when either side names one it does not know (codes of another
  system), no tie is assumed missing.
- access: each access need the seeker stated that the opening says nothing about costs
  ``ACCESS_UNKNOWN`` (e^−0.5 ≈ 0.61): it may be met, but an opening that states it is surer. A need
  the opening states it does not meet is a hard rule (:mod:`matcher.eligibility`), not a cost.

A seeker's list never holds an *unrelated* pair (:func:`unrelated`: no tie where one is needed), even
to reach its first entries. A pair *misses* a stated preference (:func:`misses`) when the job asks for more than
``HOURS_SLACK`` times the hours wanted, lies beyond the commute limit, asks for
``EXPERIENCE_SLACK`` or more years than the seeker has, or has no tie. A list shows such pairs only
to reach :data:`SHORT_LIST` entries: past that, it holds only openings that respect what the seeker
said, and is shorter rather than padded.

A missing value (no stated hours, no limit, no location) costs nothing. The factor is the same on
both sides of a pair (a placement needs both), depends on no learned parameter and no sample, and is
computed for whole blocks of pairs as for single pairs.
"""

from __future__ import annotations

import numpy as np

from matcher.eligibility import bit_count
from matcher.pair_views import BlockView, PairView

HOURS_OVER = 3.0
HOURS_UNDER = 1.0
COMMUTE_STEP = 1.0
COMMUTE_SLOPE = 2.0
EXPERIENCE = 0.1
NO_TIE = 12.0
ACCESS_UNKNOWN = 0.5
HOURS_SLACK = 1.5  # half as many hours again as wanted misses the wish
EXPERIENCE_SLACK = 3.0  # three years short of what the job asks misses it
SHORT_LIST = 5  # a list reaches this length even with pairs that miss a stated preference

# The pair features the fit reads besides the rows' own numbers (names of matcher.features).
FIT_FEATURES: tuple[str, ...] = (
    "required_skill_count",
    "required_skills_held",
    "desired_occupation_match",
    "past_occupation_match",
    "occupation_family_match",
    "industry_match",
    "distance_over_tolerance",
)


def penalties(view: PairView | BlockView, found: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each part of the fit's penalty (≥ 0, 0 where the pair respects it) for the pairs or block of
    ``view``; ``found`` holds the :data:`FIT_FEATURES` of the same pairs or block."""
    sn, on = view.seekers.numbers, view.openings.numbers
    wanted, hours = view.seeker(sn["desired_hours"]), view.opening(on["hours_per_week"])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.nan_to_num(np.log(hours / wanted))
        # A limit of 0 km puts every workplace infinitely far beyond it: as far as ten doublings.
        beyond = np.nan_to_num(
            np.log(np.asarray(found["distance_over_tolerance"], dtype=float)), nan=-1.0, posinf=7.0, neginf=-1.0
        )
    held = np.nan_to_num(view.seeker(sn["experience_years"]))
    asked = np.nan_to_num(view.opening(on["experience_min_years"]))
    gap = np.maximum(asked - held, 0)
    return {
        "hours": np.where(ratio > 0, HOURS_OVER * ratio, -HOURS_UNDER * ratio),
        "commute": np.where(beyond > 0, COMMUTE_STEP + COMMUTE_SLOPE * beyond, 0.0),
        "experience": EXPERIENCE * gap**2,
        "no_tie": np.where(_untied(view, found), NO_TIE, 0.0),
        "access": ACCESS_UNKNOWN * unknown_access(view),
    }


def _untied(view: PairView | BlockView, found: dict[str, np.ndarray]) -> np.ndarray:
    """The "no tie" part of the fit, unbroadcast: the opening asks for skills, and the seeker holds none and
    shares no occupation, family or wished industry with it (both sides' occupations known)."""
    sn, on = view.seekers.numbers, view.openings.numbers
    known = (view.seeker(sn["unknown_occupations"]) == 0) & (view.opening(on["unknown_occupations"]) == 0)
    tie = found["required_skills_held"] > 0
    for name in ("desired_occupation_match", "past_occupation_match", "occupation_family_match", "industry_match"):
        tie = tie | (found[name] > 0)
    return (found["required_skill_count"] > 0) & ~tie & known


def _shape(view: PairView | BlockView) -> tuple[int, ...]:
    return view.shape if isinstance(view, BlockView) else view.s.shape


def unknown_access(view: PairView | BlockView) -> np.ndarray:
    """How many of the seeker's access needs the opening says nothing about (pairs or block)."""
    needs = view.seeker(view.seekers.numbers["access_needs"]).astype(np.int64)
    stated = view.opening(view.openings.numbers["access_stated"]).astype(np.int64)
    return bit_count(needs & ~stated)


def misses(view: PairView | BlockView, found: dict[str, np.ndarray]) -> np.ndarray:
    """Whether each pair misses a stated preference or demand (see the module docstring)."""
    sn, on = view.seekers.numbers, view.openings.numbers
    wanted, hours = view.seeker(sn["desired_hours"]), view.opening(on["hours_per_week"])
    held = np.nan_to_num(view.seeker(sn["experience_years"]))
    asked = np.nan_to_num(view.opening(on["experience_min_years"]))
    with np.errstate(invalid="ignore"):
        out = (hours > HOURS_SLACK * wanted) | (np.asarray(found["distance_over_tolerance"]) > 1.0)
    out = out | (asked - held >= EXPERIENCE_SLACK) | _untied(view, found)
    return np.broadcast_to(out, _shape(view))


def unrelated(view: PairView | BlockView, found: dict[str, np.ndarray]) -> np.ndarray:
    """Whether each pair has no tie where the opening needs one (the fit's "no tie"): the seeker cannot do
    the job, so a seeker's list leaves it out rather than padding with it."""
    return np.broadcast_to(_untied(view, found), _shape(view))


def log_fit(view: PairView | BlockView, found: dict[str, np.ndarray]) -> np.ndarray:
    """The fit on the log scale (≤ 0) of the pairs or block of ``view`` (see :func:`penalties`)."""
    parts = penalties(view, found)
    total = sum(np.asarray(p, dtype=np.float64) for p in parts.values())
    return -np.broadcast_to(total, _shape(view)).astype(np.float64)
