"""What an employer may learn about a candidate: the masked profile, and nothing more through a list's own rules.

An employer sees a consenting candidate as an age band ("40대"), dong, education, experience, skills and desired
occupations; never groups, birth year, gender or location. But a candidate list holds only seekers who pass the
opening's rules, so the rules themselves can tell more than the profile:

- **Groups never shown** (disability, low income: ``domain.SENSITIVE_GROUPS``). An opening that selects on one,
  through its ``target_groups`` or its program's required groups, would list only members. Its candidates are
  never listed to an employer (``sensitive_selection``); the center's counselors see them and refer people.
- **Age windows.** Eligibility counts age in the posting year (``matcher.eligibility``), the band is shown for
  the list's day. A window edge inside a band (``age_min = age_max = 41``; or a program's 65 and over) tells
  which part of the band a listed candidate is in. The band shown is therefore the part of it the window leaves
  ("60대 (65~69세)"), and a part narrower than ``MIN_AGE_SPAN`` years is not listed to the employer at all
  (``EmployerAges``): a listed candidate's age is never known to less than five years.

``narrow_age_limits`` is the rule for an opening an employer writes: its own window may not be narrower than
``MIN_AGE_SPAN`` years (refused at write, rather than leaving the employer an empty list).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from matcher import reference
from matcher.domain import SENSITIVE_GROUPS

BAND_YEARS = 10
MIN_AGE_SPAN = 5  # a band cut by an opening's age rule is shown only while it still spans this many years
NO_MIN, NO_MAX = -1, 999  # matcher.eligibility's open ends


def sensitive_selection(target_groups: Iterable[str] | None, program: str | None) -> frozenset[str]:
    """The groups never shown to employers that an opening selects on (its targets or its program's rule)."""
    required = reference.programs()[program or "general"].required_groups
    return frozenset(target_groups or ()) & SENSITIVE_GROUPS | frozenset(required) & SENSITIVE_GROUPS


def band_of(age: np.ndarray) -> np.ndarray:
    """The first age of each age's band (0, 10, 20, ...)."""
    return np.maximum(np.asarray(age) // BAND_YEARS * BAND_YEARS, 0)


def narrow_age_limits(age_min: int | None, age_max: int | None) -> bool:
    """Whether limits leave fewer than ``MIN_AGE_SPAN`` ages: an employer may not write them (every candidate
    would be withheld by ``EmployerAges``, and the window itself is close to asking for one birth year)."""
    return age_min is not None and age_max is not None and age_max - age_min + 1 < MIN_AGE_SPAN


class EmployerAges:
    """Which eligible seekers an employer may be shown for one opening on one day, and the band each is shown with.

    ``age_min``/``age_max`` are the opening's effective limits (program and own, ``eligibility.opening_rules``),
    ``posted_year`` the year they count in, ``year`` the year of the list's day.
    """

    def __init__(self, age_min: float, age_max: float, posted_year: int, year: int) -> None:
        # The window in birth years: born from ``first`` to ``last``.
        self.first = posted_year - age_max if age_max < NO_MAX else -np.inf
        self.last = posted_year - age_min if age_min > NO_MIN else np.inf
        self.year = year

    def _parts(self, birth_year: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each seeker's band (first age) and the birth years of the part of it the window leaves."""
        band = band_of(self.year - np.asarray(birth_year, dtype=float))
        born_from = np.maximum(self.year - band - (BAND_YEARS - 1), self.first)
        born_to = np.minimum(self.year - band, self.last)
        return band, born_from, born_to

    def visible(self, birth_year: np.ndarray) -> np.ndarray:
        """Whether each seeker may be listed: its band is whole, or cut to at least ``MIN_AGE_SPAN`` years."""
        _, born_from, born_to = self._parts(birth_year)
        return born_to - born_from + 1 >= MIN_AGE_SPAN

    def label(self, birth_year: int) -> str:
        """The band as shown: "40대", or the part of it the window leaves, "60대 (65~69세)"."""
        parts = self._parts(np.array([birth_year]))
        band, born_from, born_to = (int(v[0]) if np.isfinite(v[0]) else v[0] for v in parts)
        if born_to - born_from + 1 >= BAND_YEARS:
            return f"{band}대"
        return f"{band}대 ({self.year - born_to}~{self.year - born_from}세)"


def employer_ages(openings: pd.DataFrame, rules: dict[str, np.ndarray], row: int, year: int) -> EmployerAges:
    """The age view of the opening at ``row`` (``rules``: ``eligibility.opening_rules`` of ``openings``)."""
    return EmployerAges(
        float(rules["age_min"][row]), float(rules["age_max"][row]), int(rules["posted_year"][row]), year
    )
