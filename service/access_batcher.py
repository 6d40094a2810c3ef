"""Access-log rows of cached match lists committed in batches: one database round per batch of requests.

(``service.ledger.Ledger`` before.) It exists for :mod:`service.cached_matches`, whose speed it makes: without it
the short way paid a thread hop, a read, an insert and a commit per request (see below).

A cached list still needs two things from the database before it is answered: the newest change revision
(equal to the snapshot's, or the list may be stale) and its access-log row, committed. Done per request, on a
worker thread each, that was most of a cached request's cost: a thread hop, a read, an insert and a commit,
and on SQLite every commit queued on the one write lock.

:class:`AccessLogBatcher` runs one thread that takes every request waiting at that moment and, for all of them
at once, reads the newest revision, inserts the rows of those whose snapshot is current and commits: one read
and one commit per batch. The revision is read after every request of the batch arrived, so each request
sees every write committed before it, as it would alone. A request is told ``True`` only once its rows are
committed; ``False`` (its snapshot is behind, nothing was written for it) or an error (nothing of the batch
was committed) sends it the long way, through the route, which checks and logs again. Under light load a
batch is one request, and the cost is that of doing it alone; under load batches grow by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from service import access, changes

log = logging.getLogger("jobmatch.service")


@dataclass(slots=True)
class _Job:
    revision: int
    rows: list[dict]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


_STOP = object()


class AccessLogBatcher:
    """Confirms snapshots and commits access-log rows in batches, on a thread of its own (started on first use)."""

    MAX_BATCH = 256  # requests per transaction

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.batches = 0  # rounds so far (tests, curiosity)

    async def confirm_and_log(self, revision: int, rows: list[dict]) -> bool:
        """Commit ``rows`` if ``revision`` is still the database's newest; whether it was (and they are written).

        Raises what the database raised; then nothing of this request was committed.
        """
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._ensure_thread()
        self._jobs.put(_Job(revision, rows, future, loop))
        return await future

    def close(self) -> None:
        """Stop the thread after the jobs already queued (their requests are still answered)."""
        if self._thread is not None:
            self._jobs.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="jobmatch-access-log", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is _STOP:
                return
            jobs, stop = [first], False
            while len(jobs) < self.MAX_BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stop = True
                    break
                jobs.append(job)
            self._round(jobs)
            if stop:
                return

    def _round(self, jobs: list[_Job]) -> None:
        try:
            with self.engine.connect() as conn:
                newest = changes.latest_revision(conn)
                current = [job.revision == newest for job in jobs]
                rows = [row for job, ok in zip(jobs, current, strict=True) if ok for row in job.rows]
                if rows:
                    access.write(conn, rows)
            self.batches += 1
            outcome: list[object] = current
        except Exception as exc:  # nothing was committed; every request of the batch takes the long way
            log.warning("access-log batch of %d failed: %s", len(jobs), type(exc).__name__)
            outcome = [exc] * len(jobs)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, object]]] = {}
        for job, result in zip(jobs, outcome, strict=True):
            by_loop.setdefault(job.loop, []).append((job.future, result))
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for these answers any more
                loop.call_soon_threadsafe(_settle, settled)


def _settle(settled: list[tuple[asyncio.Future, object]]) -> None:
    for future, result in settled:
        if future.done():  # the request was cancelled meanwhile
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
