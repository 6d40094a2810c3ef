"""Hard rules of matcher/matching.py: no list ever holds an ineligible, closed, full or applied opening.

The expected answer is computed here, independently, in plain Python from
``matcher/data/programs.csv`` and the contract (shared/spec/data-format.md):

- age counts in the year of ``posted_at`` (posting year minus birth year);
- the program's age bounds and the opening's own ``age_min``/``age_max`` both apply;
- a program's ``required_groups`` must all be held by the seeker;
- non-empty ``target_groups``: the seeker must be in at least one of them;
- an opening is open on day d when ``posted_at <= d <= deadline`` (no deadline = open);
- it is full when distinct seekers hired before the as-of moment reach ``positions``;
- applied means an applied, interviewed, hired or retained event before the as-of moment
  (a pair with only a rejected or declined event is not generated: that policy is still open).

``matcher.reference.programs()`` is used only to build the data (which programs exist).
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher
from matcher import reference
from matcher.contract import Dataset
from matcher.domain import GROUPS
from matcher.matching import Matcher
from training.pipeline import TrainResult

PROGRAMS_CSV = Path(matcher.__file__).parent / "data" / "programs.csv"
APPLIED_KINDS = frozenset({"applied", "interviewed", "hired", "retained"})
# Mondays: planted openings are posted on Mondays and close on Mondays, so both ends are hit exactly.
DATES = [pd.Timestamp(d) for d in ("2025-02-17", "2025-03-03", "2025-03-12", "2025-03-17", "2025-04-07")]
AGES = [17, 18, 19, 25, 39, 40, 45, 59, 60, 61, 64, 65, 66, 72, 85]
GROUP_SETS = [
    (),
    ("youth",),
    ("senior",),
    ("low_income",),
    ("disabled",),
    ("vocational_student",),
    ("career_break", "low_income"),
    ("disabled", "senior"),
    ("middle_aged",),
    ("youth", "vocational_student"),
    ("low_income", "disabled"),
]
TARGET_SETS = [(), (), ("youth", "career_break"), (), ("low_income",), (), ("senior", "disabled"), ()]


# -- the rules, read independently ----------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    age_min: int | None
    age_max: int | None
    required: frozenset[str]


def read_rules() -> dict[str, Rule]:
    """programs.csv parsed with the csv module: program → age bounds and required groups."""
    with PROGRAMS_CSV.open(encoding="utf-8-sig", newline="") as fh:
        return {
            row["program"]: Rule(
                int(row["age_min"]) if row["age_min"].strip() else None,
                int(row["age_max"]) if row["age_max"].strip() else None,
                frozenset(g.strip() for g in row["required_groups"].split(";") if g.strip()),
            )
            for row in csv.DictReader(fh)
        }


RULES = read_rules()


def missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def ineligible(seeker: dict, opening: dict) -> list[str]:
    """Why the seeker may not be matched with the opening (empty list: eligible)."""
    why = []
    program = opening["program"] if not missing(opening["program"]) else "general"
    rule = RULES[program]
    age = opening["posted_at"].year - int(seeker["birth_year"])
    lows = [int(v) for v in (rule.age_min, opening["age_min"]) if not missing(v)]
    highs = [int(v) for v in (rule.age_max, opening["age_max"]) if not missing(v)]
    if lows and age < max(lows):
        why.append(f"age {age} below {max(lows)}")
    if highs and age > min(highs):
        why.append(f"age {age} above {min(highs)}")
    groups = set(seeker["groups"] or ())
    if not rule.required <= groups:
        why.append(f"{program} needs {sorted(rule.required)}")
    targets = set(opening["target_groups"] or ())
    if targets and not targets & groups:
        why.append(f"targets {sorted(targets)}")
    return why


@dataclass
class Ledger:
    """Events as plain tuples, asked what was known before a moment."""

    events: list[tuple[str, str, str, pd.Timestamp]]

    @classmethod
    def of(cls, events: pd.DataFrame) -> Ledger:
        rows = events[["seeker_id", "opening_id", "event", "occurred_at"]].itertuples(index=False, name=None)
        return cls([(str(s), str(o), str(e), pd.Timestamp(t)) for s, o, e, t in rows])

    def hired_before(self, as_of: pd.Timestamp) -> dict[str, set[str]]:
        hired: dict[str, set[str]] = defaultdict(set)
        for s, o, e, t in self.events:
            if e == "hired" and t < as_of:
                hired[o].add(s)
        return hired

    def applied_before(self, as_of: pd.Timestamp) -> set[tuple[str, str]]:
        return {(s, o) for s, o, e, t in self.events if e in APPLIED_KINDS and t < as_of}


def unavailable(opening: dict, as_of: pd.Timestamp, hired: dict[str, set[str]]) -> list[str]:
    """Why the opening cannot be offered to anyone on ``as_of`` (closed or full)."""
    why = []
    day = as_of.date()
    if opening["posted_at"].date() > day:
        why.append("not posted yet")
    if not missing(opening["deadline"]) and opening["deadline"].date() < day:
        why.append("deadline past")
    positions = 1 if missing(opening["positions"]) else int(opening["positions"])
    if len(hired.get(opening["opening_id"], ())) >= positions:
        why.append("positions filled")
    return why


def expected_matches(
    seekers: pd.DataFrame, openings: pd.DataFrame, ledger: Ledger, as_of: pd.Timestamp
) -> dict[str, set[str]]:
    """Every opening each seeker may be shown on ``as_of``."""
    hired, applied = ledger.hired_before(as_of), ledger.applied_before(as_of)
    offered = [o for o in openings.to_dict("records") if not unavailable(o, as_of, hired)]
    return {
        s["seeker_id"]: {
            o["opening_id"]
            for o in offered
            if not ineligible(s, o) and (s["seeker_id"], o["opening_id"]) not in applied
        }
        for s in seekers.to_dict("records")
    }


def violations(found: list, seekers: pd.DataFrame, openings: pd.DataFrame, ledger: Ledger, as_of) -> list[str]:
    """Each listed match that breaks a hard rule, with the reasons."""
    by_seeker = {s["seeker_id"]: s for s in seekers.to_dict("records")}
    by_opening = {o["opening_id"]: o for o in openings.to_dict("records")}
    hired, applied = ledger.hired_before(as_of), ledger.applied_before(as_of)
    out = []
    for m in found:
        seeker, opening = by_seeker[m.seeker_id], by_opening[m.opening_id]
        why = ineligible(seeker, opening) + unavailable(opening, as_of, hired)
        if (m.seeker_id, m.opening_id) in applied:
            why.append("already applied")
        if why:
            out.append(f"{as_of.date()} {m.seeker_id} → {m.opening_id}: {', '.join(why)}")
    return out


# -- a world with every program, limit and closing rule ------------------------------------------
@dataclass
class World:
    seekers: pd.DataFrame
    openings: pd.DataFrame
    events: pd.DataFrame

    @property
    def ledger(self) -> Ledger:
        return Ledger.of(self.events)


def event(seeker: str, opening: str, kind: str, when: str | pd.Timestamp) -> dict:
    return {"seeker_id": seeker, "opening_id": opening, "event": kind, "occurred_at": pd.Timestamp(when)}


def build_rules_world(data: Dataset) -> World:
    """The planted world with every program, age limits, target groups, closings and filled positions.

    Seekers: the 72 planted seekers and two copies of each (no history), with ages
    around every program bound and every kind of group membership.
    """
    copies = []
    for k in range(3):
        part = data.seekers.copy()
        if k:
            part["seeker_id"] = part["seeker_id"] + f"-{k}"
        copies.append(part)
    seekers = pd.concat(copies, ignore_index=True)
    n = len(seekers)
    seekers["birth_year"] = pd.array([2025 - AGES[i % len(AGES)] for i in range(n)], dtype="Int64")
    seekers["groups"] = [GROUP_SETS[i % len(GROUP_SETS)] for i in range(n)]

    openings = data.openings.copy()
    codes = list(reference.programs())
    m = len(openings)
    openings["program"] = [codes[i % len(codes)] for i in range(m)]
    openings["target_groups"] = [TARGET_SETS[i % len(TARGET_SETS)] for i in range(m)]
    age_min = [30 if i % 6 == 0 else 25 if i % 9 == 4 else None for i in range(m)]
    age_max = [62 if i % 6 == 3 else 55 if i % 9 == 4 else None for i in range(m)]
    openings["age_min"] = pd.array(age_min, dtype="Int64")
    openings["age_max"] = pd.array(age_max, dtype="Int64")
    openings["positions"] = pd.array([1 + i % 3 for i in range(m)], dtype="Int64")
    for i in range(m):
        if i % 17 == 5:  # no deadline: open from posting on
            openings.loc[i, "deadline"] = pd.NaT
        if i % 23 == 7:  # posted last year, still open: age counts in 2024
            openings.loc[i, ["posted_at", "deadline"]] = [pd.Timestamp("2024-12-16"), pd.NaT]

    seeker_ids = list(seekers["seeker_id"])
    extra = []
    hirers = itertools.cycle(seeker_ids[::7])
    for i, row in openings.iterrows():
        oid, positions = row["opening_id"], int(row["positions"])
        if i % 4 == 0:  # filled before most dates
            extra += [event(next(hirers), oid, "hired", "2025-02-20 10:00") for _ in range(positions)]
        elif i % 4 == 1:  # one position left; one hire recorded twice still counts once
            hires = [next(hirers) for _ in range(positions - 1)]
            extra += [event(s, oid, "hired", "2025-02-20 10:00") for s in hires]
            extra += [event(s, oid, "hired", "2025-02-21 09:00") for s in hires[:1]]
        elif i % 4 == 2:  # filled only after most dates
            extra += [event(next(hirers), oid, "hired", "2025-03-25 10:00") for _ in range(positions)]
    events = pd.concat([data.events, pd.DataFrame(extra)], ignore_index=True)
    # Pairs that every other rule allows on DATES[2..3] get one event each: only applied-like kinds
    # (applied, interviewed, hired, retained) before the date remove the opening from the list.
    as_of = DATES[2]
    hired = Ledger.of(events).hired_before(DATES[3])
    allowed = [
        (s["seeker_id"], o["opening_id"])
        for s in seekers.to_dict("records")[1::4]
        for o in openings.to_dict("records")
        if not ineligible(s, o) and not unavailable(o, as_of, hired) and not unavailable(o, DATES[3], hired)
    ]
    kinds = ("interviewed", "retained", "applied", "viewed", "recommended")
    later = []
    for j, (sid, oid) in enumerate(allowed[::3][:60]):
        when = as_of - pd.Timedelta(days=2) if j % 2 == 0 else as_of + pd.Timedelta(days=2)  # after DATES[2]
        later.append(event(sid, oid, kinds[(j // 2) % len(kinds)], when))
    events = pd.concat([events, pd.DataFrame(later)], ignore_index=True)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"])
    return World(seekers, openings, events.sort_values("occurred_at", kind="stable").reset_index(drop=True))


@pytest.fixture(scope="module")
def world(planted_data: Dataset) -> World:
    return build_rules_world(planted_data)


@pytest.fixture(scope="module")
def rules_matcher(trained: TrainResult, world: World) -> Matcher:
    return Matcher(trained.model, world.seekers, world.openings, world.events)


# -- the world really exercises every rule --------------------------------------------------------
def test_rules_world_exercises_every_rule(world: World) -> None:
    """Guard against a vacuous test: every rule excludes some pairs, and every program admits some."""
    reasons: Counter[str] = Counter()
    admitted: Counter[str] = Counter()
    seekers, openings = world.seekers.to_dict("records"), world.openings.to_dict("records")
    for as_of in DATES:
        hired, applied = world.ledger.hired_before(as_of), world.ledger.applied_before(as_of)
        for o in openings:
            for why in unavailable(o, as_of, hired):
                reasons[why] += 1
            for s in seekers:
                why = ineligible(s, o)
                reasons.update(w.split(" ")[0] if w.startswith(("age", "targets")) else "program" for w in why)
                if not why and not unavailable(o, as_of, hired):
                    admitted[o["program"]] += 1
                    reasons["applied"] += (s["seeker_id"], o["opening_id"]) in applied
    for rule in ("not posted yet", "deadline past", "positions filled", "age", "program", "targets", "applied"):
        assert reasons[rule] > 0, f"no pair is excluded by {rule!r}: the world does not test it"
    pair_kinds = world.events.groupby(["seeker_id", "opening_id"])["event"].agg(frozenset)
    alone = {next(iter(k)) for k in pair_kinds if len(k) == 1}
    assert {"interviewed", "retained", "viewed"} <= alone, "later stages without an applied event are tested"
    assert set(admitted) == set(RULES), f"programs nobody may be matched with: {set(RULES) - set(admitted)}"
    assert RULES["youth_1on1"] == Rule(18, 39, frozenset())
    assert RULES["self_sufficiency"].required == {"low_income"}


# -- matches ------------------------------------------------------------------------------------
@pytest.mark.parametrize("as_of", DATES, ids=lambda d: str(d.date()))
def test_matches_never_hold_a_forbidden_opening(rules_matcher: Matcher, world: World, as_of: pd.Timestamp) -> None:
    seeker_ids = list(world.seekers["seeker_id"])
    found = rules_matcher.matches(seeker_ids, as_of, k=10)
    assert len({m.seeker_id for m in found}) > len(seeker_ids) // 3, "most seekers should get some match"
    bad = violations(found, world.seekers, world.openings, world.ledger, as_of)
    assert not bad, f"{len(bad)} forbidden match(es), e.g.:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("as_of", DATES, ids=lambda d: str(d.date()))
def test_matches_with_large_k_are_exactly_the_allowed_openings(
    rules_matcher: Matcher, world: World, as_of: pd.Timestamp
) -> None:
    """Nothing forbidden gets in, and nothing allowed is left out."""
    seeker_ids = list(world.seekers["seeker_id"])
    # Every allowed opening, best first: no congestion, no list stopping short (matcher.lists).
    found = rules_matcher.matches(seeker_ids, as_of, k=len(world.openings), congestion=False, padded=True)
    listed: dict[str, set[str]] = {s: set() for s in seeker_ids}
    for m in found:
        listed[m.seeker_id].add(m.opening_id)
    expected = expected_matches(world.seekers, world.openings, world.ledger, as_of)
    extra = {s: sorted(listed[s] - expected[s]) for s in seeker_ids if listed[s] - expected[s]}
    lost = {s: sorted(expected[s] - listed[s]) for s in seeker_ids if expected[s] - listed[s]}
    assert not extra, f"forbidden openings listed: {dict(itertools.islice(extra.items(), 10))}"
    assert not lost, f"allowed openings left out: {dict(itertools.islice(lost.items(), 10))}"


def test_openings_are_open_on_their_first_and_last_day(rules_matcher: Matcher, world: World) -> None:
    as_of = pd.Timestamp("2025-03-03")
    openings = world.openings
    first_day = openings["posted_at"].dt.normalize() == as_of
    last_day = openings["deadline"].dt.normalize() == as_of
    assert first_day.any() and last_day.any()
    open_now = rules_matcher.open_mask(as_of)
    unfilled = rules_matcher.positions_left(as_of) > 0
    assert open_now[(first_day | last_day).to_numpy() & unfilled].all()


def test_applied_openings_come_back_when_exclusion_is_off(rules_matcher: Matcher, world: World) -> None:
    as_of = DATES[2]
    applied = world.ledger.applied_before(as_of)
    seeker_ids = sorted({s for s, _ in applied})[:40]
    every = {"k": len(world.openings), "congestion": False, "padded": True}
    with_applied = rules_matcher.matches(seeker_ids, as_of, exclude_applied=False, **every)
    without = rules_matcher.matches(seeker_ids, as_of, **every)
    pairs_with = {(m.seeker_id, m.opening_id) for m in with_applied}
    pairs_without = {(m.seeker_id, m.opening_id) for m in without}
    assert pairs_without <= pairs_with
    assert not pairs_without & applied
    assert pairs_with - pairs_without <= applied


def test_unknown_seeker_id_raises_key_error(rules_matcher: Matcher) -> None:
    with pytest.raises(KeyError, match="S999"):
        rules_matcher.matches(["S000", "S999"], DATES[1])


def test_unknown_opening_id_raises_key_error(rules_matcher: Matcher) -> None:
    with pytest.raises(KeyError, match="O999"):
        rules_matcher.candidates(["O000", "O999"], DATES[1])


def test_empty_request_gives_empty_list(rules_matcher: Matcher) -> None:
    assert rules_matcher.matches([], DATES[1]) == []
    assert rules_matcher.candidates([], DATES[1]) == []


def test_small_chunks_give_the_same_lists(rules_matcher: Matcher, world: World) -> None:
    seeker_ids = list(world.seekers["seeker_id"])[::3]
    opening_ids = list(world.openings["opening_id"])[::2]
    as_of = DATES[2]
    assert rules_matcher.matches(seeker_ids, as_of, k=5, chunk_pairs=50) == rules_matcher.matches(
        seeker_ids, as_of, k=5
    )
    small = rules_matcher.candidates(opening_ids, as_of, k=5, chunk_pairs=70)
    assert small == rules_matcher.candidates(opening_ids, as_of, k=5)


def test_masks_only_narrow_the_lists(rules_matcher: Matcher, world: World) -> None:
    as_of = DATES[2]
    seeker_ids = list(world.seekers["seeker_id"])
    opening_mask = np.arange(len(world.openings)) % 2 == 0
    every = {"k": len(world.openings), "congestion": False, "padded": True}
    masked = rules_matcher.matches(seeker_ids, as_of, opening_mask=opening_mask, **every)
    full = rules_matcher.matches(seeker_ids, as_of, **every)
    allowed = set(world.openings["opening_id"][opening_mask])
    assert masked and {m.opening_id for m in masked} <= allowed
    assert {(m.seeker_id, m.opening_id) for m in masked} == {
        (m.seeker_id, m.opening_id) for m in full if m.opening_id in allowed
    }
    seeker_mask = np.arange(len(world.seekers)) % 3 == 0
    chosen = set(world.seekers["seeker_id"][seeker_mask])
    found = rules_matcher.candidates(list(world.openings["opening_id"]), as_of, k=10, seeker_mask=seeker_mask)
    assert found and {m.seeker_id for m in found} <= chosen


# -- candidates ---------------------------------------------------------------------------------
def test_candidates_are_exactly_the_eligible_seekers(rules_matcher: Matcher, world: World) -> None:
    opening_ids = list(world.openings["opening_id"])
    found = rules_matcher.candidates(opening_ids, DATES[1], k=len(world.seekers))
    listed: dict[str, set[str]] = {o: set() for o in opening_ids}
    for m in found:
        listed[m.opening_id].add(m.seeker_id)
    seekers = world.seekers.to_dict("records")
    bad, lost = [], []
    for opening in world.openings.to_dict("records"):
        eligible = {s["seeker_id"] for s in seekers if not ineligible(s, opening)}
        oid = opening["opening_id"]
        bad += [f"{oid} ← {s}: {ineligible(next(x for x in seekers if x['seeker_id'] == s), opening)}"
                for s in sorted(listed[oid] - eligible)]  # fmt: skip
        lost += [f"{oid} ← {s}" for s in sorted(eligible - listed[oid])]
    assert sum(map(len, listed.values())) > 0
    assert not bad, f"{len(bad)} ineligible candidate(s), e.g.:\n" + "\n".join(bad[:20])
    assert not lost, f"{len(lost)} eligible seeker(s) left out, e.g.: {lost[:20]}"


def test_top_candidates_are_eligible(rules_matcher: Matcher, world: World) -> None:
    found = rules_matcher.candidates(list(world.openings["opening_id"]), DATES[3], k=5)
    by_seeker = {s["seeker_id"]: s for s in world.seekers.to_dict("records")}
    by_opening = {o["opening_id"]: o for o in world.openings.to_dict("records")}
    bad = [(m.opening_id, m.seeker_id) for m in found if ineligible(by_seeker[m.seeker_id], by_opening[m.opening_id])]
    assert found and not bad, f"ineligible candidates: {bad[:20]}"


# -- random worlds ------------------------------------------------------------------------------
GROUP_LISTS = st.lists(st.sampled_from(GROUPS), max_size=3, unique=True).map(tuple)
N_SEEKERS, N_OPENINGS = 30, 30
AS_OF = pd.Timestamp("2025-03-12")


@st.composite
def random_worlds(draw: st.DrawFn) -> dict:
    seekers = draw(st.lists(st.tuples(st.integers(1935, 2010), GROUP_LISTS), min_size=N_SEEKERS, max_size=N_SEEKERS))
    opening = st.fixed_dictionaries({
        "program": st.sampled_from(sorted(reference.programs())),
        "targets": st.one_of(st.just(()), GROUP_LISTS),
        "ages": st.tuples(st.one_of(st.none(), st.integers(15, 70)), st.one_of(st.none(), st.integers(20, 90))),
        "positions": st.integers(1, 3),
        "posted": st.integers(-120, 10),  # days from AS_OF
        "open_days": st.one_of(st.none(), st.integers(0, 60)),
        "hires_before": st.integers(0, 3),
        "hires_after": st.integers(0, 2),
    })  # fmt: skip
    openings = draw(st.lists(opening, min_size=N_OPENINGS, max_size=N_OPENINGS))
    applied = draw(
        st.lists(
            st.tuples(
                st.integers(0, N_SEEKERS - 1),
                st.integers(0, N_OPENINGS - 1),
                st.sampled_from(["viewed", "recommended", "applied", "interviewed", "hired", "retained"]),
                st.integers(-30, 30),  # days from AS_OF, never on it
            ),
            max_size=80,
        )
    )
    return {"seekers": seekers, "openings": openings, "events": applied}


def materialise(spec: dict, data: Dataset) -> World:
    """Planted rows as templates (ids keep their history); rules and timing from the spec."""
    seekers = data.seekers.iloc[:N_SEEKERS].copy().reset_index(drop=True)
    seekers["birth_year"] = pd.array([b for b, _ in spec["seekers"]], dtype="Int64")
    seekers["groups"] = [g for _, g in spec["seekers"]]
    step = len(data.openings) // N_OPENINGS
    openings = data.openings.iloc[::step].iloc[:N_OPENINGS].copy().reset_index(drop=True)
    rows = spec["openings"]
    lows = [a for a, _ in (r["ages"] for r in rows)]
    highs = [b if a is None or b is None else max(a, b) for a, b in (r["ages"] for r in rows)]
    posted = [AS_OF + pd.Timedelta(days=r["posted"]) for r in rows]
    openings["program"] = [r["program"] for r in rows]
    openings["target_groups"] = [r["targets"] for r in rows]
    openings["age_min"] = pd.array(lows, dtype="Int64")
    openings["age_max"] = pd.array(highs, dtype="Int64")
    openings["positions"] = pd.array([r["positions"] for r in rows], dtype="Int64")
    openings["posted_at"] = pd.to_datetime(posted)
    deadlines = [p + pd.Timedelta(days=r["open_days"]) if r["open_days"] is not None else pd.NaT
                 for p, r in zip(posted, rows, strict=True)]  # fmt: skip
    openings["deadline"] = pd.to_datetime(pd.Series(deadlines, dtype="datetime64[ns]"))
    sids, oids = list(seekers["seeker_id"]), list(openings["opening_id"])
    events = []
    for j, r in enumerate(rows):
        for h in range(r["hires_before"]):
            events.append(event(sids[(j + h) % N_SEEKERS], oids[j], "hired", AS_OF - pd.Timedelta(days=1 + h)))
        for h in range(r["hires_after"]):
            events.append(event(sids[(j + 7 + h) % N_SEEKERS], oids[j], "hired", AS_OF + pd.Timedelta(days=1 + h)))
    for s, o, kind, days in spec["events"]:
        when = AS_OF + pd.Timedelta(days=days or 1, hours=9)
        events.append(event(sids[s], oids[o], kind, when))
    frame = pd.DataFrame(events, columns=["seeker_id", "opening_id", "event", "occurred_at"])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return World(seekers, openings, frame)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=random_worlds())
def test_random_worlds_list_exactly_the_allowed_openings_and_eligible_seekers(
    trained: TrainResult, planted_data: Dataset, spec: dict
) -> None:
    world = materialise(spec, planted_data)
    matcher_ = Matcher(trained.model, world.seekers, world.openings, world.events)
    seeker_ids = list(world.seekers["seeker_id"])
    found = matcher_.matches(seeker_ids, AS_OF, k=N_OPENINGS, congestion=False, padded=True)
    assert not violations(found, world.seekers, world.openings, world.ledger, AS_OF)
    listed: dict[str, set[str]] = {s: set() for s in seeker_ids}
    for m in found:
        listed[m.seeker_id].add(m.opening_id)
    assert listed == expected_matches(world.seekers, world.openings, world.ledger, AS_OF)

    candidates = matcher_.candidates(list(world.openings["opening_id"]), AS_OF, k=N_SEEKERS)
    got = {(m.opening_id, m.seeker_id) for m in candidates}
    want = {
        (o["opening_id"], s["seeker_id"])
        for o in world.openings.to_dict("records")
        for s in world.seekers.to_dict("records")
        if not ineligible(s, o)
    }
    assert got == want
    assert np.isfinite([m.score for m in found + candidates]).all()
