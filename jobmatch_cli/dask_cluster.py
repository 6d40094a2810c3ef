"""Batch lists on a Dask cluster (``jobmatch recommend --scheduler``): a :class:`matcher.batch.Runner` that sends
the Matcher to every worker once (``Client.scatter(broadcast=True)``), maps each chunk's work there
(``Client.map``; a chunk's pools stay on the worker that made them) and gathers the results in order.

Imported only for ``--scheduler``: without it, nothing imports Dask. The workers run the same jobmatch (and library
versions) as this process: they import :mod:`matcher.batch` to run the chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from distributed import Client, Future, LocalCluster, as_completed
from tqdm import tqdm

from jobmatch_cli.common import say
from matcher.matching import Matcher

CHUNKS_PER_THREAD = 4  # a batch's chunks per worker thread: a slow worker's share can go to the others
LOCAL = re.compile(r"local(?::(?P<workers>[1-9][0-9]*))?")


class DaskRunner:
    """Chunks of a batch run on the workers of ``client``, each reading its worker's copy of ``matcher``."""

    def __init__(self, client: Client, matcher: Matcher, *, progress: bool = False) -> None:
        self.client = client
        self.progress = progress
        self.chunks = CHUNKS_PER_THREAD * max(1, sum(client.nthreads().values()))
        # One copy per worker, sent once; hash=False: no key from the contents (tokenising it costs a pickling).
        self.matcher: Future = client.scatter(matcher, broadcast=True, hash=False)

    def map(self, work: Callable[..., Any], *arguments: Sequence[Any], what: str | None = None) -> list[Future]:
        calls = len(arguments[0]) if arguments else 0
        return self.client.map(work, [self.matcher] * calls, *arguments, pure=False)

    def gather(self, handles: list[Future], what: str) -> list[Any]:
        done = as_completed(handles)
        for _ in tqdm(done, total=len(handles), desc=what, unit="chunk", disable=not self.progress):
            pass
        return self.client.gather(handles)


@contextmanager
def dask_runner(address: str, matcher: Matcher, *, progress: bool = False) -> Iterator[DaskRunner]:
    """A runner on the Dask scheduler at ``address`` (``tcp://host:port``), or, for ``local:N``, on a
    ``LocalCluster`` of N single-threaded worker processes started here (``local``: one per core), closed at the end.
    """
    local = LOCAL.fullmatch(address)
    if not local and address.startswith("local"):
        raise ValueError(f"--scheduler {address}: a local cluster is local, or local:N with N workers (N at least 1)")
    with ExitStack() as stack:
        if local:
            workers = int(local["workers"]) if local["workers"] else None
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            stack.enter_context(cluster)
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(address))
        runner = DaskRunner(client, matcher, progress=progress)
        workers = client.scheduler_info()["workers"]
        say(f"Dask scheduler {client.scheduler.address}: {len(workers)} workers, each with the lists' data")
        yield runner
