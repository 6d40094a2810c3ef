"""Small in-process caches of the serving path: ranked lists per snapshot, and callers per token."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.auth import Actor


@dataclass(frozen=True)
class Ranked:
    """One computed list as it is answered: the JSON body, and the ids it shows (for exposure and the access log)."""

    body: bytes
    ids: tuple[str, ...]


class ListCache:
    """A bounded least-recently-used map of ranked lists; thread-safe. Size 0 keeps nothing.

    One lives on each :class:`service.live.Snapshot`. A reload starts from an empty cache; a change logged in
    ``changes`` carries over the lists it cannot alter (:func:`service.live.unaltered`).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lists: OrderedDict[Hashable, Ranked] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def get(self, key: Hashable) -> Ranked | None:
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
            return found

    def put(self, key: Hashable, ranked: Ranked) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._lists[key] = ranked
            self._lists.move_to_end(key)
            while len(self._lists) > self.size:
                self._lists.popitem(last=False)

    def __len__(self) -> int:
        return len(self._lists)

    def carried(self, keep: Callable[[Hashable], bool]) -> ListCache:
        """A new cache of the same size with the lists whose key ``keep`` accepts, least recent first as here."""
        fresh = ListCache(self.size)
        with self._lock:
            fresh._lists = OrderedDict((key, ranked) for key, ranked in self._lists.items() if keep(key))
        return fresh

    def ranked(self, key: Hashable, rank: Callable[[], Ranked], *, keep: bool = True) -> tuple[Ranked, str]:
        """The list under ``key``, ranked by ``rank()`` and kept when missing; with ``keep=False`` always ranked
        and never kept. Also says which it was, for ``X-Match-Cache``: ``hit``, ``miss`` or ``bypass``."""
        if not keep:
            return rank(), "bypass"
        found = self.get(key)
        if found is not None:
            return found, "hit"
        found = rank()
        self.put(key, found)
        return found, "miss"


class TokenCache:
    """Callers of recently seen token hashes, each kept for ``ttl`` seconds; thread-safe. ``ttl`` 0 keeps nothing.

    Trade-off: a token revoked through this process (``DELETE /admin/tokens/{id}``, or its holder deleted) is
    refused at once, because the revocation leaves a tombstone here that outlives any entry. A token revoked
    through another process sharing the database (another worker or instance, ``jobmatch tokens revoke``) is
    refused here once this process reads the revocation in the change log (service.live: within
    ``change_poll_seconds``, or at once by a request that catches up), and at the latest after ``ttl`` seconds.
    Unknown tokens are never cached: a token issued anywhere works at once.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._actors: dict[str, tuple[float, Actor]] = {}
        self._dead_tokens: set[str] = set()
        self._lock = threading.Lock()

    def _dead(self, actor: Actor) -> bool:
        return actor.token_id in self._dead_tokens

    def revoked(self, actor: Actor) -> bool:
        """Whether ``actor``'s token was revoked since it was looked up (as far as this process knows)."""
        with self._lock:
            return self._dead(actor)

    def get(self, token_hash: str) -> Actor | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            entry = self._actors.get(token_hash)
            if entry is None:
                return None
            expires, actor = entry
            if expires < time.monotonic() or self._dead(actor):
                del self._actors[token_hash]
                return None
            return actor

    def put(self, token_hash: str, actor: Actor) -> None:
        """Keep ``actor``, just read from the database, unless it was revoked here meanwhile."""
        if self.ttl <= 0:
            return
        with self._lock:
            if self._dead(actor):
                return
            if len(self._actors) >= self.size:
                self._actors.clear()  # rare (that many live tokens within ttl); refilled from the database
            self._actors[token_hash] = (time.monotonic() + self.ttl, actor)

    def forget(self, *token_ids: str) -> None:
        """Refuse from now on these tokens (revoked, or ended with the seeker or employer they were bound to).

        Tombstones are kept for the process's life (a few ids): a lookup racing the revoking transaction's
        commit may still read the token as valid, and must not cache it. They name tokens, not holders: a seeker
        or employer created again under a deleted one's id gets new tokens, which work.
        """
        with self._lock:
            self._dead_tokens.update(token_ids)
            self._actors = {h: entry for h, entry in self._actors.items() if not self._dead(entry[1])}
