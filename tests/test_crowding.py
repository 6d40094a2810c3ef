"""Congestion (matcher/crowding.py): the day's lists counted per seeker, the per-position cost, the share cap
and the joint lists."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from matcher import crowding
from matcher.crowding import Exposure, congestion, joint_lists, share_cap

IDS = pd.Index(["O1", "O2", "O3"])
DAY = pd.Timestamp("2025-06-10")


def test_exposure_counts_each_seekers_latest_list_of_the_day_and_never_their_own() -> None:
    shown = Exposure()
    shown.show("S1", ["O1", "O2"], DAY)
    shown.show("S1", ["O1", "O2"], DAY)  # read again: still one list
    shown.show("S2", ["O2", "O9"], DAY)  # O9 is not among the ids asked about
    np.testing.assert_array_equal(shown.counts(IDS, DAY)[0], [1, 2, 0])
    assert shown.counts(IDS, DAY)[1] == 2
    np.testing.assert_array_equal(shown.counts(IDS, DAY, seeker_id="S1")[0], [0, 1, 0])
    shown.show("S1", ["O3"], DAY)  # a new list of the same day replaces the old one
    np.testing.assert_array_equal(shown.counts(IDS, DAY)[0], [0, 1, 1])


def test_exposure_forgets_a_day_once_lists_of_a_later_day_arrive() -> None:
    shown = Exposure()
    shown.show("S1", ["O1"], DAY)
    shown.show("S2", ["O2"], DAY + pd.Timedelta(days=1))
    assert shown.counts(IDS, DAY)[1] == 0
    np.testing.assert_array_equal(shown.counts(IDS, DAY + pd.Timedelta(days=1))[0], [0, 1, 0])
    shown.show("S3", ["O3"], DAY)  # a late list of a forgotten day is not kept
    assert shown.counts(IDS, DAY)[1] == 0


def test_exposure_counts_kept_as_lists_come_and_go_equal_a_recount() -> None:
    """The counts kept per show equal counting the latest list of every seeker again, asked between shows with
    the same index (the aligned counts are updated in place) and with a new one."""
    rng = np.random.default_rng(3)
    ids = pd.Index([f"O{i}" for i in range(30)])
    shown, latest = Exposure(), {}
    for step in range(400):
        seeker = f"S{rng.integers(25)}"
        chosen = tuple(ids[rng.choice(30, rng.integers(0, 6), replace=False)]) + (("O99",) if step % 7 == 0 else ())
        shown.show(seeker, chosen, DAY)
        latest[seeker] = chosen
        if step % 13 == 0:
            index = ids if step % 2 else pd.Index(list(ids))  # the same index object, or an equal new one
            asked = f"S{rng.integers(25)}"
            expected = np.zeros(30)
            for who, opening_ids in latest.items():
                if who != asked:
                    for o in opening_ids:
                        if o in index:
                            expected[index.get_loc(o)] += 1
            counts, n_lists = shown.counts(index, DAY, seeker_id=asked)
            np.testing.assert_array_equal(counts, expected)
            assert n_lists == len(latest) - (asked in latest)


def test_the_cost_grows_with_lists_per_position_left() -> None:
    cost = congestion(np.array([0, 1, 8, 8, 40, 400]), np.array([1, 1, 1, 4, 1, 1]))
    assert cost[0] == cost[1] == 0.0, "a list or two costs nothing"
    assert cost[2] < cost[3] <= 0, "the same lists weigh less over more positions"
    assert cost[5] < cost[4] < cost[2]
    assert np.isclose(cost[5], -np.log1p(crowding.APPLY_RATE * 256)), "a staircase of log(1 + a·E/p)"


def test_the_share_cap_is_a_fifth_of_the_day_and_never_below_the_free_lists() -> None:
    assert share_cap(2000) == 400
    assert share_cap(7) == crowding.SHARE_FREE_LISTS


def _brute_force(query, item, value, k, cap):
    """The best choice of lists by enumeration (tiny instances): each query up to k items, each item in at most
    ``cap`` lists, most entries first, then the largest summed value."""
    best, best_key = None, None
    for picks in itertools.product([False, True], repeat=len(query)):
        picks = np.array(picks)
        if np.any(np.bincount(query[picks], minlength=query.max() + 1) > k):
            continue
        if np.any(np.bincount(item[picks], minlength=item.max() + 1) > cap):
            continue
        key = (picks.sum(), round(float(value[picks].sum()), 9))
        if best_key is None or key > best_key:
            best, best_key = picks, key
    return best, best_key


@pytest.mark.parametrize("seed", range(25))
def test_joint_lists_are_the_best_lists_the_caps_allow(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_queries, n_items, k = 12, 4, 2  # the share cap is SHARE_FREE_LISTS lists, lowered here to bind
    pairs = [(q, i) for q in range(n_queries) for i in range(n_items) if rng.random() < 0.7][:14]
    query, item = (np.array(v) for v in zip(*pairs, strict=True))
    value = rng.normal(size=len(query))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(crowding, "SHARE_FREE_LISTS", 2)
        patch.setattr(crowding, "MAX_SHARE", 0.1)
        patch.setattr(crowding, "STEPS", np.array([1e9]))  # the share cap alone, to compare with enumeration
        listed, cost = joint_lists(query, item, value, np.ones(n_items), k)
    _, best_key = _brute_force(query, item, value, k, cap=2)
    assert np.all(cost == 0)
    assert np.all(np.bincount(query[listed], minlength=n_queries) <= k)
    assert np.all(np.bincount(item[listed], minlength=n_items) <= 2)
    # The joint lists give every query its first entries before any query its later ones, so they may hold
    # fewer value than the enumeration's best, but never fewer entries.
    assert listed.sum() == best_key[0]


def test_joint_lists_without_congestion_are_each_querys_own_best() -> None:
    rng = np.random.default_rng(0)
    query, item = np.repeat(np.arange(3), 6), np.tile(np.arange(6), 3)
    value = rng.normal(size=len(query))
    listed, cost = joint_lists(query, item, value, np.full(6, 5.0), k=2)
    for q in range(3):
        mine = np.flatnonzero(query == q)
        assert set(mine[listed[mine]]) == set(mine[np.argsort(-value[mine])[:2]])
    assert np.all(cost == 0)


def test_joint_lists_keep_misses_to_the_head_and_spread_a_favourite() -> None:
    n, m = 100, 10
    query, item = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    value = np.tile([2.0, *np.linspace(0, -0.5, m - 2), -1.0], n)  # everyone's favourite is item 0
    miss = item == m - 1
    listed, cost = joint_lists(query, item, value, np.ones(m), k=3, miss=miss, head=1)
    held = np.bincount(item[listed], minlength=m)
    assert held[0] <= share_cap(n), "no item in more lists than the share cap"
    assert np.all(np.bincount(query[listed & miss], minlength=n) <= 1)
    assert np.all(np.bincount(query[listed], minlength=n) >= 1), "every list gets its first entry"
    assert cost[item == 0].min() < 0, "the favourite pays for its crowd"


def test_congestion_looks_only_at_openings_a_step_can_reach() -> None:
    """The cost as the staircase defines it for every opening (per-position steps at STEPS), against the
    function that skips the openings held by fewer lists than the first step."""
    from matcher.crowding import APPLY_RATE, STEPS

    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(0, 200))
        exposure = rng.integers(0, 3000, n) * (rng.random(n) < 0.4)
        left = rng.integers(-1, 12, n).astype(float)
        per_position = np.maximum(left, 1.0)
        reached = (exposure[:, None] >= np.ceil(per_position[:, None] * STEPS[None, :])).sum(axis=1)
        expected = -np.where(reached > 0, np.log1p(APPLY_RATE * STEPS[np.maximum(reached - 1, 0)]), 0.0)
        np.testing.assert_array_equal(congestion(exposure, left), expected)
