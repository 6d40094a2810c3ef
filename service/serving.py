"""What the service serves: the loaded bundle and a matcher over the database's rows, kept up with the change log.

:class:`Serving` (``service.live.Live`` before) holds the current :class:`Snapshot`. A snapshot is
immutable; requests take the current one and keep using it even while a reload
or a refresh builds the next, which then replaces it in a single assignment.
Every write through the API adds a row to the ``changes`` table; before
answering, a request compares the newest revision with its snapshot's and
brings the snapshot up to date, so rows written by this or any other instance
sharing the database are matchable at once, without retraining.

The same log carries what every instance must follow besides rows: a model
swapped in by one instance (entity ``model``, the bundle's folder; the others
load that folder on a thread of their own and swap it in within seconds) and
revoked tokens (entity ``token``: every instance drops them from its token
cache). A watcher thread reads the newest revision every second, so an
instance that answers nothing that needs the snapshot follows too.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from matcher import bundle
from matcher.crowding import Exposure
from matcher.matching import APPLIED_EVENTS, Matcher
from service import changes, frames, migrate
from service.cache import ListCache, Ranked
from service.db import one_writer

log = logging.getLogger("jobmatch.service")

RETRY_SECONDS = 1.0  # at most this often, a request tries again to load a model it could not load


class NoModel(RuntimeError):
    """No bundle is loaded; the message says how to get one."""


class NoRows(NoModel):
    """The database holds no seekers or no openings yet: nothing to match (tried again on later requests)."""


@dataclass(frozen=True)
class Snapshot:
    loaded: bundle.Loaded
    matcher: Matcher
    revision: int  # the newest change the matcher has applied
    last_event: int  # the newest event id it knows
    # Ranked lists computed on this snapshot or carried from the one before (service.serving.unaltered).
    lists: ListCache = field(default_factory=lambda: ListCache(0), compare=False, repr=False)
    # Openings' summaries as shown beside a match (service.present.match_items), made from the openings table:
    # carried to the next snapshot while that table is unchanged.
    summaries: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def version(self) -> str:
        return self.loaded.version


class Serving:
    """Holds the current :class:`Snapshot`: loads the bundle, catches it up with the change log and follows the
    bundles other instances swap in; thread-safe."""

    def __init__(
        self,
        engine: Engine,
        model_dir: Path,
        list_cache_size: int = 0,
        *,
        key: str | None = None,
        require_signature: bool = False,
        exposure: Exposure | None = None,
        revoked: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.model_dir = Path(model_dir)
        self.key = key  # bundles are checked against it (matcher.bundle), signed ones only when required
        self.require_signature = require_signature
        self.list_cache_size = list_cache_size
        self._snapshot: Snapshot | None = None
        self._problem = "the service has not loaded a model yet"
        self._lock = threading.RLock()
        self._retry = False
        self._tried = 0.0  # when loading was last tried again (peek)
        self._tried_revision: int | None = None  # the change log's newest revision at that try, when read
        # Each seeker's match list of the day (congestion): this process's, or a store every instance shares.
        self.exposure = exposure if exposure is not None else Exposure()
        self.revoked = revoked  # told the tokens another process revoked (the token cache forgets them)
        self._following: threading.Thread | None = None  # loading a bundle another instance swapped in
        self._watching: threading.Thread | None = None
        self._stop = threading.Event()
        # Scoring is many short numpy calls; threads interleaving them wait on the GIL after each one, so
        # concurrent scorings in one process are slower together than one after another. They take turns.
        self.scoring = threading.Lock()

    # -- loading ----------------------------------------------------------------------------
    def start(self) -> None:
        """Load the current bundle if there is one; without one the service runs and answers 503 on matches."""
        try:
            self._load()
        except bundle.BundleError as exc:
            self._problem = str(exc)
            log.warning("no model loaded: %s", exc)
        except NoRows as exc:  # a fresh database: the first request after an import loads the model
            self._problem, self._retry = str(exc), True
            log.warning("%s", exc)
        except DBAPIError as exc:  # the database is away: the next request tries again
            self._problem = "the database was unreachable when the model was loaded"
            self._retry = True
            log.warning("database unreachable at start-up: %s", type(exc).__name__)

    def _load(self) -> None:
        migrate.upgrade(self.engine)
        self.reload()

    def reload(self) -> Snapshot:
        """Load ``models/CURRENT``, swap it in and tell every instance sharing the database to follow (a ``model``
        change); on any failure the old snapshot keeps serving and nothing is announced.

        At start-up too: an instance started on a newer CURRENT brings the running ones to it, so that all serve
        one bundle (the one most recently loaded by any of them).
        """
        loaded = bundle.load_current(self.model_dir, key=self.key, require_signature=self.require_signature)
        snapshot = self._swap_in(loaded)
        self._announce(snapshot)
        return snapshot

    def _announce(self, snapshot: Snapshot) -> None:
        with self.engine.begin() as conn:
            one_writer(conn)
            if changes.latest_model(conn) != snapshot.loaded.path.name:
                changes.record(conn, changes.MODEL_CHANGE, snapshot.loaded.path.name)

    def _swap_in(self, loaded: bundle.Loaded) -> Snapshot:
        """Build a snapshot of ``loaded`` over every row and make it the current one."""
        snapshot = self._build(loaded)  # without the lock: requests keep the old snapshot, and catch it up, meanwhile
        with self._lock, self.engine.connect() as conn:
            snapshot = self._catch_up(snapshot, conn)  # what was written while it was built
            self._snapshot = snapshot
        # The matcher's tables hold millions of small objects; a full garbage collection walking them stalls
        # requests for a few hundred ms. They live as long as the snapshot, so they are left out of collections.
        gc.collect()
        gc.freeze()
        log.info("serving bundle %s at revision %d", snapshot.version, snapshot.revision)
        return snapshot

    def _follow(self, folder: str) -> None:
        """Load the bundle another instance swapped in, on a thread: requests keep the old one meanwhile."""
        if self._following is not None and self._following.is_alive():
            return  # the thread reads the newest announcement again when it is done

        def run() -> None:
            try:
                _follow_newest()
            except Exception:  # the database went away meanwhile: the next change read starts another
                log.exception("could not follow the bundle another instance swapped in")

        def _follow_newest() -> None:
            while True:
                with self.engine.connect() as conn:
                    wanted = changes.latest_model(conn)
                snapshot = self._snapshot
                if wanted is None or snapshot is None or wanted == snapshot.loaded.path.name:
                    return
                path = self.model_dir / wanted
                if path.parent.resolve() != self.model_dir.resolve():
                    log.error("refusing to follow model %r: not a folder of %s", wanted, self.model_dir)
                    return
                try:
                    loaded = bundle.load(path, key=self.key, require_signature=self.require_signature)
                except bundle.BundleError as exc:
                    log.error("another instance serves bundle %s, which this one cannot load: %s", wanted, exc)
                    return
                self._swap_in(loaded)

        self._following = threading.Thread(target=run, name="jobmatch-follow", daemon=True)
        self._following.start()

    def watch(self, every: float = 1.0) -> None:
        """Follow the change log every ``every`` seconds on a thread (until :meth:`close`), traffic or not."""

        def run() -> None:
            while not self._stop.wait(every):
                try:
                    if self._snapshot is not None:
                        self.current()
                    elif self._retry:
                        self.peek()  # e.g. a fresh database just imported
                except Exception as exc:  # the database is away: the next round tries again
                    log.debug("change-log watch: %s", type(exc).__name__)

        if every > 0 and self._watching is None:
            self._watching = threading.Thread(target=run, name="jobmatch-watch", daemon=True)
            self._watching.start()

    def close(self) -> None:
        self._stop.set()
        for thread in (self._watching, self._following):
            if thread is not None:
                thread.join(timeout=30)

    def _build(self, loaded: bundle.Loaded, conn: Connection | None = None) -> Snapshot:
        """A matcher over every row; the revision is read first, so rows written meanwhile are applied again later."""
        if conn is None:
            with self.engine.connect() as own:
                return self._build(loaded, own)
        revision = changes.latest_revision(conn)
        seekers, openings = frames.seekers_and_openings(conn)
        if seekers.empty or openings.empty:
            raise NoRows(
                "the database holds no seekers or no openings yet: import them (jobmatch import --data DIR); "
                "the model is loaded on the first request after that"
            )
        events, last_event = frames.events_after(conn)
        matcher = Matcher(loaded.model, seekers, openings, events)
        return Snapshot(loaded, matcher, revision, last_event, ListCache(self.list_cache_size))

    def _catch_up(self, snapshot: Snapshot, conn: Connection) -> Snapshot:
        """Apply the changes logged since the snapshot: only the rows they name are read and encoded."""
        logged = changes.since(conn, snapshot.revision)
        if logged.empty:
            return snapshot
        tokens = logged.loc[logged["entity"] == changes.TOKEN_CHANGE, "entity_id"].tolist()
        if tokens and self.revoked is not None:
            self.revoked(tokens)
        models = logged.loc[logged["entity"] == changes.MODEL_CHANGE, "entity_id"]
        if len(models) and models.iloc[-1] != snapshot.loaded.path.name:
            self._follow(models.iloc[-1])  # until it is loaded, the rows are applied to the old bundle's matcher
        if (logged["entity"] == "import").any():
            return self._build(snapshot.loaded, conn)
        named = logged.groupby("entity")["entity_id"].unique()
        seeker_ids = list(named.get("seeker", []))
        opening_ids = list(named.get("opening", [])) + frames.opening_ids_of(conn, list(named.get("employer", [])))
        events, last_event = frames.events_after(conn, after=snapshot.last_event)
        matcher = snapshot.matcher
        removed: list[str] = []
        if seeker_ids or opening_ids:  # most changes are events alone: no table is read for them
            seekers, openings = frames.seekers_and_openings(conn, seeker_ids=seeker_ids, opening_ids=opening_ids)
            removed = sorted(set(seeker_ids) - set(seekers["seeker_id"]))
            # A deleted seeker's events were erased with it (service.routers.seekers.delete_seeker).
            matcher = matcher.remove_seekers(removed).drop_events(removed)
            matcher = matcher.remove_openings(sorted(set(opening_ids) - set(openings["opening_id"])))
            if len(seekers):
                matcher = matcher.upsert_seekers(seekers)
            if len(openings):
                matcher = matcher.upsert_openings(openings)
        matcher = matcher.add_events(events)
        revision = int(logged["revision"].max())
        if seeker_ids or opening_ids or len(events):
            history_until = getattr(snapshot.loaded.model.history_, "last_event_", pd.Timestamp.max)
            lists = snapshot.lists.carried(unaltered(seeker_ids, opening_ids, events, removed, history_until))
        else:
            # Nothing a list reads changed (a token revoked, this bundle announced): the same cache, so that a list
            # still being ranked on the old snapshot, put there after this, is found on the new one too.
            lists = snapshot.lists
        summaries = {} if opening_ids else snapshot.summaries  # made from the openings table, unchanged
        return Snapshot(snapshot.loaded, matcher, revision, last_event, lists, summaries)

    # -- serving ----------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot as it is, or None before one is loaded; no database, no retry (see :meth:`peek`)."""
        return self._snapshot

    @property
    def loaded_version(self) -> str | None:
        return self._snapshot.version if self._snapshot else None

    def peek(self, revision: int | None = None) -> Snapshot:
        """The snapshot as it is, without checking the database (for model metadata).

        Before one is loaded, loading is tried again at most every :data:`RETRY_SECONDS`, and at once when the
        caller read a newer ``revision`` of the change log than the last try saw (an import just committed):
        a request right after an import is answered, not refused for a second.
        """
        moved = revision is not None and revision != self._tried_revision
        if self._snapshot is None and self._retry and (moved or time.monotonic() - self._tried > RETRY_SECONDS):
            with self._lock:  # a load under way elsewhere (the watcher) is waited for, not refused
                if self._snapshot is None:
                    self._tried = time.monotonic()
                    self._tried_revision = revision if revision is not None else self._tried_revision
                    try:
                        self._load()  # a database error propagates: still away (answered 503)
                        self._retry = False
                    except bundle.BundleError as exc:
                        self._problem, self._retry = str(exc), False
                    except NoRows as exc:  # still empty: tried again on a later request
                        self._problem = str(exc)
        if self._snapshot is None:
            raise NoModel(self._problem)
        return self._snapshot

    def current(self, conn: Connection | None = None) -> Snapshot:
        """The snapshot, brought up to the database's newest revision first.

        A request that already holds a connection passes it, so that it never waits
        for a second one from the pool (many such waits at once would deadlock the pool).
        """
        if conn is None:
            with self.engine.connect() as own:
                return self.current(own)
        revision = changes.latest_revision(conn)
        snapshot = self.peek(revision)
        if revision == snapshot.revision:
            return snapshot
        with self._lock:
            snapshot = self.peek()
            if snapshot.revision < revision:
                snapshot = self._catch_up(snapshot, conn)
                self._snapshot = snapshot
        return snapshot


def unaltered(
    seeker_ids: list[str],
    opening_ids: list[str],
    events: pd.DataFrame,
    removed: Sequence[str] = (),
    history_until: pd.Timestamp | None = None,
) -> Callable[[Hashable, Ranked], bool]:
    """Whether a kept list (by its key, and the list) is still what ranking it again would give after these
    changes.

    What a list depends on (matcher.matching): a seeker's matches on the openings table, that seeker's row
    and applications, and the hires of the openings it was chosen from (``Ranked.considered``: a hire can
    fill an opening, which then leaves the open set; an opening the ranker did not score for the list leaving
    it changes nothing, and fewer positions left only lower that opening's own score; the features read no
    employer's live hires: the collaborative history is the bundle's); a deleted seeker's hires are erased
    with it, which can bring an opening back into any list;
    an opening's candidates on the seekers table and that opening's row. Views and recommendations alter no
    list (an interview, a rejection or a decline counts as an application: APPLIED_EVENTS); the collaborative
    history is the bundle's and does not move between reloads, except for a day the bundle's history has seen
    past (``history_until``, its newest event, at or after the day's end): lists of such a day use a history
    refitted on the events before the day's end (``Matcher.model_at``), which any new event before it alters.
    """
    if opening_ids:
        return lambda key, ranked: False
    first_new = pd.Timestamp(events["occurred_at"].min()) if len(events) else None

    def refitted(day: object) -> bool:
        if first_new is None or history_until is None or pd.isna(history_until):
            return False
        end = pd.Timestamp(Matcher.rules_time(pd.Timestamp(day)))
        return history_until >= end and first_new < end

    changed = set(seeker_ids)
    hired = frozenset(events.loc[events["event"] == "hired", "opening_id"])
    applied = set(events.loc[events["event"].isin(APPLIED_EVENTS), "seeker_id"])

    def keep(key: Hashable, ranked: Ranked) -> bool:
        if refitted(key[2]):
            return False
        if key[0] == "candidates":
            return not changed
        if removed or (hired and (ranked.considered is None or not hired.isdisjoint(ranked.considered))):
            return False  # (a deleted seeker's hires go with it, which may give an opening its positions back)
        return key[1] not in changed and key[1] not in applied

    return keep
