"""Slot assignment: never breaks a capacity, an eligibility rule, a pin or an exclusion; never below greedy;
optimal on instances small enough to enumerate."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.assignment import AssignmentError, greedy, optimal, unplaced_reasons


@st.composite
def instances(draw: st.DrawFn, max_seekers: int = 12, max_openings: int = 8) -> dict:
    n_s = draw(st.integers(1, max_seekers))
    n_o = draw(st.integers(1, max_openings))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    score = rng.gamma(2.0, 1.0, (n_s, n_o)) * np.where(rng.random((n_s, n_o)) < 0.1, -1, 1)
    eligible = rng.random((n_s, n_o)) < draw(st.floats(0.2, 1.0))
    score[~eligible] = np.nan
    capacity = rng.integers(0, 3, n_o)
    excluded = rng.random((n_s, n_o)) < 0.1
    # Pins: distinct seekers, on pairs that are allowed, within capacity.
    pins, used = [], np.zeros(n_o, dtype=int)
    for s in rng.permutation(n_s)[: draw(st.integers(0, 3))]:
        allowed = np.flatnonzero(np.isfinite(score[s]) & ~excluded[s] & (used < capacity))
        if len(allowed):
            o = int(rng.choice(allowed))
            pins.append((int(s), o))
            used[o] += 1
    return {"score": score, "capacity": capacity, "excluded": excluded, "pins": np.array(pins).reshape(-1, 2)}


def _masked(instance: dict) -> np.ndarray:
    score = instance["score"].copy()
    score[instance["excluded"]] = np.nan
    return score


def _check(placement, instance: dict) -> None:
    score, capacity = _masked(instance), instance["capacity"]
    assert len(set(placement.seekers.tolist())) == len(placement.seekers), "a seeker placed twice"
    assert np.all(np.bincount(placement.openings, minlength=len(capacity)) <= capacity), "capacity broken"
    assert np.all(np.isfinite(score[placement.seekers, placement.openings])), "ineligible or excluded pair placed"
    pinned = {tuple(p) for p in instance["pins"].tolist()}
    placed = set(zip(placement.seekers.tolist(), placement.openings.tolist(), strict=True))
    assert pinned <= placed, "a pin was not kept"


@settings(max_examples=300, deadline=None)
@given(instances())
def test_optimal_keeps_every_rule_and_never_loses_to_greedy(instance: dict) -> None:
    score = _masked(instance)
    best = optimal(score, instance["capacity"], instance["pins"])
    one_by_one = greedy(score, instance["capacity"], instance["pins"])
    _check(best, instance)
    _check(one_by_one, instance)
    assert best.total >= one_by_one.total - 1e-9


def _brute_force(score: np.ndarray, capacity: np.ndarray, pins: np.ndarray) -> float:
    """The best total by enumeration: each free seeker takes one opening or none."""
    pinned = dict(pins.tolist())
    left = capacity - np.bincount(pins[:, 1], minlength=len(capacity)) if len(pins) else capacity.copy()
    free = [s for s in range(score.shape[0]) if s not in pinned]
    best = -np.inf
    for choice in itertools.product([-1, *range(score.shape[1])], repeat=len(free)):
        taken = np.bincount([c for c in choice if c >= 0], minlength=score.shape[1])
        if np.any(taken > left):
            continue
        values = [score[s, c] for s, c in zip(free, choice, strict=True) if c >= 0]
        if any(not np.isfinite(v) or v <= 0 for v in values):
            continue
        best = max(best, sum(values))
    return best + sum(score[s, o] for s, o in pinned.items())


@settings(max_examples=150, deadline=None)
@given(instances(max_seekers=5, max_openings=3))
def test_optimal_total_is_the_true_optimum_on_small_instances(instance: dict) -> None:
    score = _masked(instance)
    best = optimal(score, instance["capacity"], instance["pins"])
    assert best.total == pytest.approx(_brute_force(score, instance["capacity"], instance["pins"]), abs=1e-9)


def test_greedy_can_lose_and_optimal_does_not() -> None:
    # Greedy gives A the shared slot (10) and leaves B out; the optimum places both (9 + 8).
    score = np.array([[10.0, 9.0], [8.0, np.nan]])
    assert greedy(score, np.array([1, 1])).total == 10.0 + 0.0
    assert optimal(score, np.array([1, 1])).total == 17.0


def test_bad_pins_are_refused() -> None:
    score = np.array([[1.0, np.nan], [2.0, 3.0]])
    with pytest.raises(AssignmentError, match="eligibility"):
        optimal(score, np.array([1, 1]), np.array([[0, 1]]))
    with pytest.raises(AssignmentError, match="more pins"):
        optimal(score, np.array([1, 1]), np.array([[0, 0], [1, 0]]))
    with pytest.raises(AssignmentError, match="more than one"):
        optimal(score, np.array([2, 2]), np.array([[1, 0], [1, 1]]))


def test_unplaced_seekers_get_a_reason() -> None:
    score = np.array([[5.0], [4.0], [np.nan], [-1.0]])
    best = optimal(score, np.array([1]))
    why = unplaced_reasons(score, best.seekers)
    assert set(why) == {1, 2, 3}
    assert "다른 구직자" in why[1] and "자격" in why[2] and "점수" in why[3]
