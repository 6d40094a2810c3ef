"""The shared store of several processes (service.shared) against the Redis at 127.0.0.1:6379, each test under a
key prefix of its own: limits counted once for all, and the day's shown lists counted as one process counts them."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import redis
from limits import parse

from matcher.crowding import Exposure
from service.middleware import MovingWindow
from service.shared import SharedExposure, SharedLimits

REDIS_URL = os.environ.get("JOBMATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL} ({type(exc).__name__})")
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
    client.close()


def _allowed(limiters: list, item, hits: int) -> int:
    async def run() -> int:
        return sum([await limiters[i % len(limiters)].allow(item, "token", "t1") for i in range(hits)])

    return asyncio.run(run())


def test_two_processes_count_one_limit(prefix: str) -> None:
    item = parse("5/minute")
    shared = [SharedLimits(REDIS_URL, prefix), SharedLimits(REDIS_URL, prefix)]
    assert _allowed(shared, item, 8) == 5
    # Each process's own memory: each allows its five (the per-process default this store replaces).
    assert _allowed([MovingWindow(), MovingWindow()], item, 8) == 8
    assert _allowed([SharedLimits(REDIS_URL, f"{prefix}-other")], item, 3) == 3  # another prefix, other counters


def test_a_store_that_is_away_refuses_nothing() -> None:
    away = "redis://127.0.0.1:1/0"
    assert _allowed([SharedLimits(away, "x")], parse("1/minute"), 3) == 3
    exposure = SharedExposure(away, "x")
    exposure.show("S1", ["O1"], pd.Timestamp("2025-02-20"))
    counts, lists = exposure.counts(pd.Index(["O1", "O2"]), pd.Timestamp("2025-02-20"), "S2")
    assert lists == 0 and not counts.any()


def test_shown_lists_counted_across_processes_as_one_process_counts_them(prefix: str) -> None:
    rng = np.random.default_rng(3)
    openings = pd.Index([f"O{i:02d}" for i in range(30)])
    day = pd.Timestamp("2025-02-20")
    alone = Exposure()
    first, second = SharedExposure(REDIS_URL, prefix, refresh=0), SharedExposure(REDIS_URL, prefix, refresh=0)
    for n in range(200):  # seekers read their lists again (replaced), some now empty
        seeker = f"S{rng.integers(25):02d}"
        shown = tuple(rng.choice(openings, size=rng.integers(0, 6), replace=False))
        alone.show(seeker, shown, day)
        process = first if n % 2 else second
        process.show(seeker, shown, day)
        # Each process writes on a thread of its own: two lists of one seeker sent by two processes within the
        # same millisecond land in either order (a person asks for their list again seconds later, not then).
        process.flush()
    for seeker in [None, "S00", "S07", "S24", "S99"]:
        expected = alone.counts(openings, day, seeker)
        for process in (first, second):
            counts, lists = process.counts(openings, day, seeker)
            assert lists == expected[1]
            np.testing.assert_array_equal(counts, expected[0])
    assert second.counts(openings, day + pd.Timedelta(days=1), "S00")[1] == 0  # another day: nothing shown yet
