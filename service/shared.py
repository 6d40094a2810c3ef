"""State several workers or instances must share: rate-limit counters and the day's shown lists (``spread``).

Without a shared store (``JOBMATCH_SHARED_STORE_URL`` empty, the default) both live in the process's memory
(:class:`service.middleware.MovingWindow`, :class:`matcher.crowding.Exposure`): right for one process. With a
Redis URL, every process sharing it counts one limit per token and per address, and every list one of them
shows counts against the day's lists ranked by any other.

Redis being away never refuses a request: a limit is then not enforced and a shown list not counted (each
logged, at most once a minute), as a single process would do without the store.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable

import numpy as np
import pandas as pd
import redis
from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

log = logging.getLogger("jobmatch.service")

SEPARATOR = "\x1f"  # between the opening ids of a stored list (ids never hold control characters: matcher.cells)
DAY_KEPT_SECONDS = 3 * 24 * 3600  # a day's lists outlive the day a little (lists asked for an earlier as_of)

# One list shown: the seeker's list of the day is replaced, and the openings' counts moved by the difference.
SHOW = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if old then
  for id in string.gmatch(old, '[^\\31]+') do
    if redis.call('HINCRBY', KEYS[2], id, -1) <= 0 then redis.call('HDEL', KEYS[2], id) end
  end
end
for id in string.gmatch(ARGV[2], '[^\\31]+') do redis.call('HINCRBY', KEYS[2], id, 1) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""


class _Quiet:
    """Logs a failure of the store at most once a minute."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last > 60:
            self._last = now
            log.warning("shared store unavailable (%s): %s", what, type(exc).__name__)


class SharedLimits:
    """Moving-window rate limits counted in Redis (``limits``' storage), for every process using ``url``."""

    def __init__(self, url: str, prefix: str) -> None:
        storage = RedisStorage(_async_url(url), implementation="redispy", key_prefix=f"{prefix}:limits")
        self._limiter = MovingWindowRateLimiter(storage)
        self._failed = _Quiet()

    async def allow(self, item: RateLimitItem, namespace: str, key: str) -> bool:
        """Count one hit and say whether it is within the limit (refused hits are not counted)."""
        try:
            return await self._limiter.hit(item, namespace, key)
        except Exception as exc:  # the store is away: not enforced rather than refused
            self._failed("rate limit", exc)
            return True


class SharedExposure:
    """Each seeker's latest match list of a day, and how many of the day's lists hold each opening, in Redis.

    Same questions as :class:`matcher.crowding.Exposure`. A shown list is written by a thread of its own (the
    request does not wait for it); the counts per opening are read again at most every ``refresh`` seconds, the
    asking seeker's own list on every call (a list never counts against its own seeker).
    """

    def __init__(self, url: str, prefix: str, refresh: float = 0.25) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = f"{prefix}:exposure"
        self.refresh = refresh
        self._show = self.client.register_script(SHOW)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._held: dict[str, tuple[float, dict[str, int], int]] = {}  # day → (read at, counts, lists)
        self._aligned: tuple[str, float, pd.Index, np.ndarray] | None = None
        self._failed = _Quiet()
        self._writer = threading.Thread(target=self._write, name="jobmatch-exposure", daemon=True)
        self._writer.start()

    def _keys(self, day: pd.Timestamp) -> tuple[str, str]:
        stamp = f"{self.prefix}:{pd.Timestamp(day):%Y-%m-%d}"
        return f"{stamp}:lists", f"{stamp}:held"

    def show(self, seeker_id: str, opening_ids: Iterable[str], day: pd.Timestamp) -> None:
        """Record the list shown to ``seeker_id`` on ``day`` (replacing their earlier one of that day)."""
        self._jobs.put((seeker_id, SEPARATOR.join(opening_ids), pd.Timestamp(day).normalize()))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every list shown so far is written (tests)."""
        done = threading.Event()
        self._jobs.put(done)
        done.wait(timeout)

    def _write(self) -> None:
        while True:
            jobs = [self._jobs.get()]
            while True:
                try:
                    jobs.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            shows = [job for job in jobs if isinstance(job, tuple)]
            try:
                with self.client.pipeline(transaction=False) as pipe:
                    for seeker_id, shown, day in shows:
                        self._show(keys=self._keys(day), args=[seeker_id, shown, DAY_KEPT_SECONDS], client=pipe)
                    pipe.execute()
                if shows:
                    with self._lock:  # the next counts read what was just written
                        self._held.clear()
            except Exception as exc:
                self._failed("exposure", exc)
            for job in jobs:
                if isinstance(job, threading.Event):
                    job.set()

    def counts(self, opening_ids: pd.Index, day: pd.Timestamp, seeker_id: str | None = None) -> tuple[np.ndarray, int]:
        """How many lists of ``day`` (other than ``seeker_id``'s) hold each opening, and how many lists there are."""
        day = pd.Timestamp(day).normalize()
        lists_key, held_key = self._keys(day)
        stamp = lists_key
        now = time.monotonic()
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.hget(lists_key, seeker_id or "")
                with self._lock:
                    cached = self._held.get(stamp)
                stale = cached is None or now - cached[0] > self.refresh
                if stale:
                    pipe.hgetall(held_key)
                    pipe.hlen(lists_key)
                answer = pipe.execute()
        except Exception as exc:
            self._failed("exposure", exc)
            return np.zeros(len(opening_ids)), 0
        own = answer[0]
        if stale:
            held = {key.decode(): int(value) for key, value in answer[1].items()}
            cached = (now, held, int(answer[2]))
            with self._lock:
                self._held = {stamp: cached}
        read_at, held, n_lists = cached
        with self._lock:
            aligned = self._aligned
            if aligned is None or aligned[0] != stamp or aligned[1] != read_at or aligned[2] is not opening_ids:
                counts = np.zeros(len(opening_ids))
                rows = opening_ids.get_indexer(list(held))
                found = rows >= 0
                counts[rows[found]] = np.fromiter(held.values(), dtype=float, count=len(rows))[found]
                aligned = self._aligned = (stamp, read_at, opening_ids, counts)
        out = aligned[3].copy()
        if own:
            rows = opening_ids.get_indexer(own.decode().split(SEPARATOR))
            np.add.at(out, rows[rows >= 0], -1.0)
            n_lists -= 1
        return np.maximum(out, 0.0), max(n_lists, 0)


def _async_url(url: str) -> str:
    """``limits``' asynchronous storage names Redis ``async+redis://``."""
    return url if url.startswith("async+") else f"async+{url}"
