"""Lists for many seekers or openings at once, chunk by chunk, on a runner: in this process, or on a cluster.

The lists equal :meth:`Matcher.matches` and :meth:`Matcher.candidates` for the same ids, row for row: each
chunk is a whole number of the Matcher's scoring blocks (:meth:`Matcher.block_queries`), so the blocks are
the same, and the chunks are put back in order.

- Openings: each opening's candidates are its own, so a chunk's lists are made where the chunk runs.
- Seekers: the day's lists are chosen together (:func:`matcher.lists.joint`), so the work has three steps.
  Each chunk's pools (stage one and the ranker: the heavy part) are made and kept where the chunk runs;
  the joint choice reads only their seekers, openings, scores and misses, brought here; each chunk then
  lists and explains its chosen pairs where its pools are.

A :class:`Runner` holds the Matcher where the work runs and calls ``work(matcher, *arguments)`` per chunk;
:class:`InProcess` runs them here, ``jobmatch_cli.dask_cluster`` on a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np
import pandas as pd
from tqdm import tqdm

from matcher import lists
from matcher.lists import Scored
from matcher.matching import CHUNK_PAIRS, Matcher
from matcher.model import match_frame

CHUNKS_IN_PROCESS = 20  # chunks of a batch run here: steps of its progress bar (the blocks stay the same)


class Runner(Protocol):
    """Runs ``work(matcher, *arguments)`` once per chunk on the Matcher it holds where the work runs."""

    def map(self, work: Callable[..., Any], *arguments: Sequence[Any], what: str | None = None) -> list[Any]:
        """Starts one call per chunk (the i-th of each argument sequence); a handle of each result, in order.
        A handle passed back as an argument stands for its result, and stays where it was made. ``what`` names
        a step worth a progress bar where it runs."""
        ...

    def gather(self, handles: list[Any], what: str) -> list[Any]:
        """The results of the handles, in order (``what`` names the step in the progress shown)."""
        ...

    @property
    def chunks(self) -> int:
        """How many chunks a batch is cut into, about (work for every worker, and a progress to show)."""
        ...


class InProcess:
    """The chunks run here, one after the other, with a progress bar (on standard error) when ``progress``."""

    def __init__(self, matcher: Matcher, *, progress: bool = False) -> None:
        self.matcher = matcher
        self.progress = progress
        self.chunks = CHUNKS_IN_PROCESS

    def map(self, work: Callable[..., Any], *arguments: Sequence[Any], what: str | None = None) -> list[Any]:
        calls = list(zip(*arguments, strict=True))
        bar = tqdm(calls, desc=what, unit="chunk", disable=not self.progress or what is None)
        return [work(self.matcher, *call) for call in bar]

    def gather(self, handles: list[Any], what: str) -> list[Any]:
        return handles


def seeker_lists(
    runner: Runner,
    matcher: Matcher,
    seeker_ids: list[str],
    as_of: pd.Timestamp,
    k: int = 10,
    *,
    chunk_pairs: int = CHUNK_PAIRS,
) -> pd.DataFrame:
    """Every seeker's list of the day, chosen together (as ``matcher.matches(seeker_ids, as_of, k)``), as
    :func:`matcher.model.match_frame` frames it; ``chunk_pairs`` as the Matcher's."""
    ids = list(dict.fromkeys(seeker_ids))
    if len(ids) < 2:  # a single list is not chosen jointly: the Matcher's own path
        return match_frame(matcher.matches(ids, as_of, k), "seeker")
    chunks = _chunks(ids, matcher.block_queries("seeker", as_of, chunk_pairs=chunk_pairs), runner.chunks)
    n = len(chunks)
    pools = runner.map(_pools, chunks, [as_of] * n, [k] * n, [chunk_pairs] * n, what="pools")
    light = runner.gather(runner.map(_without_features, pools), "pools")
    found = Scored.concat(light, 0)
    keep, score = lists.joint_choice(found, matcher.positions_left(as_of), k)
    # The chosen pairs, chunk by chunk: positions in each chunk's own pools.
    ends = np.cumsum([len(part.s) for part in light])
    cut = np.searchsorted(keep, ends[:-1])
    local = [positions - start for positions, start in zip(np.split(keep, cut), [0, *ends[:-1]], strict=True)]
    frames = runner.map(_seeker_frame, pools, local, np.split(score, cut), [as_of] * n, [k] * n, what="lists")
    return _in_table_order(runner.gather(frames, "lists"), "seeker_id", matcher.seeker_row)


def opening_lists(
    runner: Runner,
    matcher: Matcher,
    opening_ids: list[str],
    as_of: pd.Timestamp,
    k: int = 10,
    *,
    consented_only: bool = True,
    chunk_pairs: int = CHUNK_PAIRS,
) -> pd.DataFrame:
    """Every opening's candidates (as ``matcher.candidates(opening_ids, as_of, k, consented_only=...)``), as
    :func:`matcher.model.match_frame` frames them; ``chunk_pairs`` as the Matcher's."""
    ids = list(dict.fromkeys(opening_ids))
    block = matcher.block_queries("opening", as_of, consented_only=consented_only, chunk_pairs=chunk_pairs)
    chunks = _chunks(ids, block, runner.chunks)
    n = len(chunks)
    options = [as_of] * n, [k] * n, [consented_only] * n, [chunk_pairs] * n
    frames = runner.map(_opening_frame, chunks, *options, what="candidates")
    found = runner.gather(frames, "candidates")
    return pd.concat(found, ignore_index=True) if found else match_frame([], "opening")


@contextmanager
def in_process(matcher: Matcher, *, progress: bool = False) -> Iterator[InProcess]:
    """An :class:`InProcess` runner (a context, as a cluster's runner is)."""
    yield InProcess(matcher, progress=progress)


def _chunks(ids: list[str], block: int, chunks: int) -> list[list[str]]:
    """``ids`` cut into about ``chunks`` runs of a whole number of blocks each (the last may be shorter)."""
    if not ids:
        return []
    size = block * max(1, -(-len(ids) // (block * max(chunks, 1))))
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _in_table_order(frames: list[pd.DataFrame], query: str, rows: pd.Index) -> pd.DataFrame:
    """The chunks' lists as one frame, list by list in table order (as the Matcher orders one call's lists)."""
    found = pd.concat(frames, ignore_index=True)
    order = np.argsort(rows.get_indexer(found[query]), kind="stable")
    return found.take(order).reset_index(drop=True)


# -- the work of one chunk, where it runs (module functions: a cluster's workers import them) ------------------
def _pools(matcher: Matcher, seeker_ids: list[str], as_of: pd.Timestamp, k: int, chunk_pairs: int) -> Scored:
    return matcher.joint_pools(seeker_ids, as_of, k, chunk_pairs=chunk_pairs)


def _without_features(matcher: Matcher, pools: Scored) -> Scored:
    return Scored(pools.s, pools.o, pools.x[:, :0], pools.score, pools.miss)


def _seeker_frame(
    matcher: Matcher, pools: Scored, chosen: np.ndarray, score: np.ndarray, as_of: pd.Timestamp, k: int
) -> pd.DataFrame:
    return match_frame(matcher.listed_pairs(pools.take(chosen).with_score(score), as_of, k), "seeker")


def _opening_frame(
    matcher: Matcher, opening_ids: list[str], as_of: pd.Timestamp, k: int, consented_only: bool, chunk_pairs: int
) -> pd.DataFrame:
    found = matcher.candidates(opening_ids, as_of, k, consented_only=consented_only, chunk_pairs=chunk_pairs)
    return match_frame(found, "opening")
