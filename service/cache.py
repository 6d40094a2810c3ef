"""The in-process cache of ranked lists, one per snapshot (callers per token: service.auth.TokenCache)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ranked:
    """One computed list as it is answered: the JSON body, and the ids it shows (for exposure and the access log)."""

    body: bytes
    ids: tuple[str, ...]
    # The openings a match list was chosen from (matcher.matching.Listing.considered); None: not known, so any
    # opening leaving the open set may alter it.
    considered: frozenset[str] | None = None


class ListCache:
    """A bounded least-recently-used map of ranked lists; thread-safe. Size 0 keeps nothing.

    One lives on each :class:`service.serving.Snapshot`. A reload starts from an empty cache; a change logged in
    ``changes`` carries over the lists it cannot alter (:func:`service.serving.unaltered`).
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

    def carried(self, keep: Callable[[Hashable, Ranked], bool]) -> ListCache:
        """A new cache of the same size with the lists ``keep`` accepts (by key and list), least recent first."""
        fresh = ListCache(self.size)
        with self._lock:
            fresh._lists = OrderedDict((key, ranked) for key, ranked in self._lists.items() if keep(key, ranked))
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
