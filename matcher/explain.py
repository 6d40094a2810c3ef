"""Reasons and cautions of the pairs a list shows, each true of the rows, in the spec's wording.

A **reason** names something that raised the pair's score and is true of the raw rows:

- raised: the pair's score (the ranker's times the common-sense fit, :mod:`matcher.fit`) is higher
  than the same pair's without that fact (:data:`WITHOUT`: no skill held, no occupation match, at the
  commute limit, no history in common, ...); an experience requirement met also spares the fit's
  penalty for missing it;
- true: decided from the rows themselves (skills listed, occupations the KSCO dictionary names
  exactly, the seeker's own interest and the employer's own interviews before the list's moment),
  never from a similarity score that merely suggests it.

A row keeps up to :data:`MAX_REASONS`, those that raised the score most first; a row with fewer true
reasons shows fewer, never filler.

A **caution** is shown for every stated preference or demand the pair misses (hours, commute, wage,
experience, education, skills, access), so the counselor sees the trade-off.

Employers (side ``opening``) read only what they may: no group, age, disability, access need, exact
distance or commute; distance in bands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from matcher import domain, reference, text
from matcher.domain import EDUCATION_NAMES_KO, EDUCATION_RANK
from matcher.encoded import Encoded
from matcher.fit import ACCESS_UNKNOWN, EXPERIENCE
from matcher.interest import Interest, co_interest, occupation_family, occupation_key, pick
from matcher.ranker import FEATURES, PairModel

MAX_REASONS = 4
DISTANCE_BANDS_KM = (1.0, 3.0, 5.0, 10.0)  # employers see distance only in bands
NEAR_KM = 3.0  # "집에서 …km" needs the seeker's own limit, or this near when none is stated
NAMED = 3  # names listed in one reason at most
ACCESS_NAMES_KO: dict[str, str] = domain.ACCESS_NAMES_KO

# The fields of the two records that reasons and cautions read (see :func:`record_fields`).
SEEKER_FIELDS: tuple[str, ...] = (
    "skills", "intro", "occupations", "desired_occupations", "desired_industries", "education", "access_needs",
)  # fmt: skip
OPENING_FIELDS: tuple[str, ...] = (
    "required_skills", "preferred_skills", "occupation", "industry", "program", "education_min", "employer_name",
    "access_offered", "access_not_offered",
)  # fmt: skip

_F = {name: i for i, name in enumerate(FEATURES)}
GENERAL_PROGRAM = float(reference.program_codes().index("general"))
# Each reason's fact taken away: the features of the same pair without it (``near``: at the seeker's
# limit, or NEAR_KM without one; set in :func:`score_drops`).
WITHOUT: dict[str, dict[str, float]] = {
    "skills": {"required_skill_coverage": 0.0, "required_skills_held": 0.0},
    "preferred": {"preferred_skill_coverage": 0.0},
    "desired": {"desired_occupation_match": 0.0},
    "past": {"past_occupation_match": 0.0},
    "family": {"occupation_family_match": 0.0},
    "industry": {"industry_match": 0.0},
    # every tie at once: an opening that asks for skills sends a pair with no tie to the back (matcher.fit)
    "tie": {
        "required_skill_coverage": 0.0,
        "required_skills_held": 0.0,
        "desired_occupation_match": 0.0,
        "past_occupation_match": 0.0,
        "occupation_family_match": 0.0,
        "industry_match": 0.0,
    },
    "near": {},
    "wage": {"wage_ratio_log": 0.0},
    "experience": {"experience_gap": np.nan},
    "hours": {"hours_gap": np.nan},
    "program": {"program": GENERAL_PROGRAM},
    "employer": {"cf_employer": 0.0},
    "kind": {"cf_occupation": 0.0, "history_profile_cos": 0.0},
    "co": {"cf_opening": 0.0},
    "hired_like": {"employer_profile_cos": 0.0},
}


def record_fields(table: pd.DataFrame, fields: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The fields of ``table`` the reasons read (those it has) as one object array; :func:`records`
    takes rows of it."""
    present = tuple(name for name in fields if name in table.columns)
    return present, table[list(present)].to_numpy(dtype=object)


def records(fields: tuple[tuple[str, ...], np.ndarray], rows: np.ndarray) -> list[dict[str, object]]:
    """One record (field → value) per row of a :func:`record_fields` array."""
    names, values = fields
    return [dict(zip(names, row, strict=True)) for row in values[rows]]


# --------------------------------------------------------------------------- occupations and interest


def _items(value: object) -> list[str]:
    if value is None or value is pd.NA or isinstance(value, float):
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value if v]
    return []


@lru_cache(maxsize=100_000)
def _canonical(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(reference.canonical_skills(names))


def _skills(value: object) -> tuple[str, ...]:
    """Canonical skill names of a list cell."""
    return _canonical(tuple(_items(value)))


@lru_cache(maxsize=100_000)
def _terms(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(reference.normalize_term(n) for n in names)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------- the pairs


@dataclass
class Pairs:
    """The rows a list shows, with everything their reasons and cautions read."""

    side: str
    model: PairModel
    x: np.ndarray  # pair features, FEATURES order
    s: np.ndarray  # seeker rows (into seekers and the Interest's tables)
    o: np.ndarray  # opening rows
    seekers: Encoded
    openings: Encoded
    seeker_records: Sequence[Mapping]
    opening_records: Sequence[Mapping]
    age_min: np.ndarray  # each row's opening's age rule, program and own (NaN: none)
    age_max: np.ndarray
    interest: Interest | None = None

    def feature(self, name: str) -> np.ndarray:
        return self.x[:, _F[name]].astype(np.float64)

    def seeker_number(self, name: str) -> np.ndarray:
        return self.seekers.numbers[name][self.s].astype(np.float64)

    def opening_number(self, name: str) -> np.ndarray:
        return self.openings.numbers[name][self.o].astype(np.float64)


def _number(value: float) -> str:
    """A number as the rows hold it: whole numbers without a point, others exactly."""
    return f"{value:g}" if float(f"{value:g}") == value else repr(float(value))


def _won(value: float) -> str:
    return f"{round(value, -1):,.0f}"


def _names(values: Sequence[str]) -> str:
    return ", ".join(values[:NAMED])


def score_drops(p: Pairs, wanted: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """For each fact of :data:`WITHOUT` and the rows ``wanted[fact]``, how much lower the row's log score
    is without it (0 where taking it away changes no feature). One scoring pass over the rows' copies."""
    n = len(p.s)
    limit = p.seeker_number("max_commute_km")
    copies, rows, kinds = [p.x], [np.arange(n)], []
    for kind, at in wanted.items():
        x = p.x[at].copy()
        for name, value in WITHOUT[kind].items():
            x[:, _F[name]] = value
        if kind == "near":
            x[:, _F["distance_km"]] = np.where(np.isnan(limit[at]), NEAR_KM, limit[at])
            x[:, _F["distance_over_tolerance"]] = np.where(np.isnan(limit[at]), np.nan, 1.0)
        copies.append(x)
        rows.append(at)
        kinds.append(kind)
    at = np.concatenate(rows)
    score = p.model.fitted_score(p.side, np.concatenate(copies), p.seekers, p.openings, p.s[at], p.o[at])
    log = np.log(np.maximum(score, 1e-300))
    base, start, out = log[:n], n, {}
    for kind, changed in zip(kinds, rows[1:], strict=True):
        drop = np.zeros(n)
        drop[changed] = base[changed] - log[start : start + len(changed)]
        out[kind] = drop
        start += len(changed)
    return out


def _hired_like(history: Interest, p: Pairs) -> list[str]:
    """For each row, the first of the seeker's past occupations that the opening's employer interviewed or
    hired someone else of, before the moment ('' if none)."""
    found: list[tuple[int, int, str]] = []
    for i, seeker in enumerate(p.seeker_records):
        for y in _items(seeker.get("occupations")):
            key = history.key_index.get(occupation_key(y))
            if key is not None:
                found.append((i, key, y))
    out = [""] * len(p.s)
    if not found:
        return out
    rows, keys = np.array([f[0] for f in found]), np.array([f[1] for f in found])
    names = [f[2] for f in found]
    employer, s = history.employer_of[p.o[rows]], p.s[rows]
    me = pick(history.picked, employer, s) > 0
    own = np.where(me, pick(history.seeker_keys, s, keys), 0)  # the seeker is not "someone like" itself
    others = pick(history.picked_keys, employer, keys) - own
    for row, name, hit in zip(rows, names, others > 0, strict=True):
        if hit and not out[row]:
            out[row] = name
    return out


def _claims(p: Pairs) -> list[tuple[int, str, float, str]]:
    """Every reason true of the rows, as (row, fact of :data:`WITHOUT` or '', extra weight, sentence);
    whether each raised the score is decided after (:func:`reasons`)."""
    seeker_side, found = p.side == "seeker", []
    km, limit = p.feature("distance_km"), p.seeker_number("max_commute_km")
    within = np.isfinite(km) & np.where(np.isnan(limit), km <= NEAR_KM, km <= limit)
    offered, wanted = p.opening_number("wage_hourly"), p.seeker_number("desired_wage_hourly")
    need, have = p.opening_number("experience_min_years"), p.seeker_number("experience_years")
    hours, desired = p.opening_number("hours_per_week"), p.seeker_number("desired_hours")
    with np.errstate(invalid="ignore"):
        wage_ok = offered >= wanted
        met = (need > 0) & (have >= need)
        fits = np.abs(hours - desired) <= np.maximum(4.0, 0.2 * desired)
    history = p.interest if p.interest is not None and len(p.s) else None
    if history is not None and seeker_side:
        same_employer = pick(history.employers, p.s, history.employer_of[p.o]) > 0
        keys = np.array([history.key_index.get(occupation_key(_text(r.get("occupation"))), -1)
                         for r in p.opening_records])  # fmt: skip
        same_kind = np.zeros(len(p.s), bool)
        same_kind[keys >= 0] = pick(history.kinds, p.s[keys >= 0], keys[keys >= 0]) > 0
        cf = np.flatnonzero(p.feature("cf_opening") != 0)
        co = np.zeros(len(p.s), bool)
        if len(cf):
            co[cf] = co_interest(history, p.s[cf], p.o[cf])
    if history is not None and not seeker_side:
        hired_like = _hired_like(history, p)
    for i in range(len(p.s)):
        seeker, opening = p.seeker_records[i], p.opening_records[i]

        def add(kind: str, sentence: str, extra: float = 0.0, i: int = i) -> None:
            found.append((i, kind, extra, sentence))

        occupation = _text(opening.get("occupation"))
        required = _skills(opening.get("required_skills"))
        held = set(_skills(seeker.get("skills")))
        if required:
            common = [s for s in required if s in held]
            if common:
                add("skills", f"요구 기술 {len(required)}개 중 {len(common)}개 보유: {_names(common)}")
            said = [s for s in text.skills_in_text(_text(seeker.get("intro"))) if s in required and s not in held]
            if said and seeker_side:
                add("skills", f"자기소개에 적힌 요구 기술: {_names(said)}", -1e-9)
        common = [s for s in _skills(opening.get("preferred_skills")) if s in held]
        if common:
            add("preferred", f"우대 기술 보유: {_names(common)}")
        if occupation:
            own, family = occupation_key(occupation), occupation_family(occupation)
            desired_names, past_names = _items(seeker.get("desired_occupations")), _items(seeker.get("occupations"))
            same_desired = any(occupation_key(d) == own for d in desired_names)
            same_past = any(occupation_key(d) == own for d in past_names)
            if same_desired:
                add("desired", f"희망 직종과 일치: {occupation}")
            if same_past:
                add("past", f"같은 직종 경력: {occupation}")
            if family is not None and not same_past:
                kin = [y for y in past_names if occupation_family(y) == family]
                if kin:
                    add("family", f"관련 직종 경력: {kin[0]} → {occupation}")
                kin = [y for y in desired_names if occupation_family(y) == family]
                if kin and not same_desired:
                    add("family", f"희망 직종과 비슷한 일: {kin[0]} → {occupation}", -1e-9)
        industry = _text(opening.get("industry"))
        wanted_industries = _terms(tuple(_items(seeker.get("desired_industries")))) if seeker_side else ()
        if industry and reference.normalize_term(industry) in wanted_industries:
            add("industry", f"희망 업종: {industry}")
        if within[i]:
            band = next((b for b in DISTANCE_BANDS_KM if km[i] <= b), None)
            if seeker_side:
                add("near", f"집에서 {km[i]:.1f}km")
            elif band is not None:
                add("near", f"근무지에서 {band:g}km 이내")
        if seeker_side and wage_ok[i]:
            add("wage", f"희망 시급 이상 ({_won(offered[i])}원)")
        if met[i]:
            # Meeting what the job asks spares the fit's penalty a seeker without the experience would pay.
            add("experience", f"요구 경력 충족 ({_number(need[i])}년 이상, 경력 {_number(have[i])}년)",
                EXPERIENCE * need[i] ** 2)  # fmt: skip
        if fits[i]:
            add("hours", f"희망 근무시간과 맞음 (주 {int(hours[i])}시간)")
        program = reference.programs().get(_text(opening.get("program")) or "general")
        if seeker_side and program is not None and program.code != "general":
            bounds = [f"만 {int(p.age_min[i])}세 이상"] if np.isfinite(p.age_min[i]) else []
            bounds += [f"만 {int(p.age_max[i])}세 이하"] if np.isfinite(p.age_max[i]) else []
            add("program", f"{program.name_ko} 대상" + (f" ({', '.join(bounds)})" if bounds else ""))
        if history is not None and seeker_side:
            if same_employer[i]:
                add("employer", f"전에 관심을 보인 기업: {opening['employer_name']}")
            if same_kind[i]:
                add("kind", f"전에 관심을 보인 일과 같은 직종: {occupation}")
            if co[i]:
                add("co", "비슷한 구직자들이 관심을 보인 공고")
        if history is not None and not seeker_side and hired_like[i]:
            add("hired_like", f"이 기업이 면접·채용한 사람과 같은 직종 경력: {hired_like[i]}")
        if seeker_side:
            met_needs = access_met(seeker, opening)
            if met_needs:
                # a stated accommodation spares the fit's cost of a need the opening leaves unsaid
                add("", f"필요한 편의 제공: {', '.join(ACCESS_NAMES_KO[c] for c in met_needs)}",
                    ACCESS_UNKNOWN * len(met_needs))  # fmt: skip
    return found


# The facts that tie a seeker to an opening; together they share what the tie as a whole raised.
TIES = frozenset({"skills", "desired", "past", "family", "industry"})


def reasons(p: Pairs) -> list[list[str]]:
    """Up to :data:`MAX_REASONS` reasons of each row, those that raised the score most first.

    A tie (skills held, an occupation or industry in common) counts what it raised alone, and its share
    of what the row's ties raised together: two ties each keep a pair from the back of the list, though
    neither alone does."""
    claims = _claims(p)
    wanted: dict[str, list[int]] = {}
    ties = np.zeros(len(p.s))
    for i, kind, _, _ in claims:
        if kind:
            wanted.setdefault(kind, []).append(i)
        if kind in TIES:
            wanted.setdefault("tie", []).append(i)
            ties[i] += 1
    drop = score_drops(p, {kind: np.unique(rows) for kind, rows in wanted.items()})
    found: list[list[tuple[float, str]]] = [[] for _ in range(len(p.s))]
    for i, kind, extra, sentence in claims:
        weight = (drop[kind][i] if kind else 0.0) + extra
        if kind in TIES:
            weight += max(drop["tie"][i], 0.0) / ties[i]
        if weight > 0:
            found[i].append((weight, sentence))
    out = []
    for row in found:
        row.sort(key=lambda item: -item[0])
        out.append(list(dict.fromkeys(t for _, t in row))[:MAX_REASONS])
    return out


# --------------------------------------------------------------------------- access


def access_met(seeker: Mapping, opening: Mapping) -> list[str]:
    """The seeker's stated needs the opening states it meets (catalogue order)."""
    needs = set(_items(seeker.get("access_needs")))
    offered = set(_items(opening.get("access_offered")))
    return [c for c in ACCESS_NAMES_KO if c in needs & offered]


def access_unknown(seeker: Mapping, opening: Mapping) -> list[str]:
    """The seeker's stated needs the opening says nothing about (catalogue order)."""
    needs = set(_items(seeker.get("access_needs")))
    stated = set(_items(opening.get("access_offered"))) | set(_items(opening.get("access_not_offered")))
    return [c for c in ACCESS_NAMES_KO if c in needs - stated]


# --------------------------------------------------------------------------- cautions


def cautions(p: Pairs) -> list[list[str]]:
    """Every stated preference or demand each row misses, as a short caution (employers: only those they
    may read: hours, experience, education, skills)."""
    seeker_side = p.side == "seeker"
    hours, desired = p.opening_number("hours_per_week"), p.seeker_number("desired_hours")
    with np.errstate(invalid="ignore"):
        off_hours = np.abs(hours - desired) > np.maximum(4.0, 0.2 * desired)
        km, limit = p.feature("distance_km"), p.seeker_number("max_commute_km")
        far = km > limit
        offered, wanted = p.opening_number("wage_hourly"), p.seeker_number("desired_wage_hourly")
        low_wage = wanted - offered > 0.5  # under half a won apart, the two are the same wage computed twice
        need, have = p.opening_number("experience_min_years"), p.seeker_number("experience_years")
        short = (need > 0) & ~(have >= need)
    out: list[list[str]] = []
    for i in range(len(p.s)):
        seeker, opening = p.seeker_records[i], p.opening_records[i]
        found: list[str] = []
        if off_hours[i]:
            found.append(f"주 {int(hours[i])}시간 (희망 주 {int(desired[i])}시간)")
        if seeker_side and far[i]:
            found.append(f"통근 한도 {_number(limit[i])}km 초과 ({km[i]:.1f}km)")
        if seeker_side and low_wage[i]:
            found.append(f"희망 시급 미만 (시급 {_won(offered[i])}원, 희망 {_won(wanted[i])}원)")
        if short[i]:
            held = f"{_number(have[i])}년" if np.isfinite(have[i]) else "미기재"
            found.append(f"요구 경력 {_number(need[i])}년 (경력 {held})")
        asked, level = _text(opening.get("education_min")), _text(seeker.get("education"))
        if asked and asked != "none" and (not level or EDUCATION_RANK[level] < EDUCATION_RANK[asked]):
            found.append(f"요구 학력 {EDUCATION_NAMES_KO[asked]} (학력 {EDUCATION_NAMES_KO.get(level, '미기재')})")
        required = _skills(opening.get("required_skills"))
        if required:
            held_skills = {*_skills(seeker.get("skills")), *text.skills_in_text(_text(seeker.get("intro")))}
            if not held_skills & set(required):
                found.append(f"요구 기술 미보유: {_names(required)}")
        if seeker_side:
            unknown = access_unknown(seeker, opening)
            if unknown:
                found.append(f"접근성 확인 필요 ({', '.join(ACCESS_NAMES_KO[c] for c in unknown)})")
        out.append(found)
    return out


def explain(p: Pairs) -> tuple[list[list[str]], list[list[str]]]:
    """The reasons and the cautions of each row."""
    return reasons(p), cautions(p)
