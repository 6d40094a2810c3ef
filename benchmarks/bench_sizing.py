"""The one-machine curve of a batch run, stage by stage, to size a larger one (the README's Seoul-wide sizing).

    python benchmarks/bench_sizing.py                             # 2,500×1,250, 5,000×2,500, 10,000×5,000
    python benchmarks/bench_sizing.py --model BUNDLE --sizes 2500x1250,5000x2500,10000x5000,14000x7000,20000x10000 \
        --target 500000x100000 --workers 8,32,100 --save sizing.json
    python benchmarks/bench_sizing.py --saved sizing.json --target 500000x100000      # report again, measure none

The lists' worlds and the Matcher are ``bench_batch.py``'s (every opening open on the day, no events, k = 10),
and the model is trained once on the default sample (or read from ``--model``). Each size runs in a fresh
process, one stage after the other, the batch in process (:class:`matcher.batch.InProcess` wrapped by
:class:`StageClock`, which times each step of ``matcher.batch`` as it runs; nothing in ``matcher`` changes):

- seekers' side: ``pools`` (stage one and the ranker, chunk by chunk, kept), ``joint`` (what the command does
  between the pools and the lists: gather their seekers, openings, scores and misses, and the linear program of
  ``matcher.lists.joint_choice``), ``lists`` (the chosen pairs ranked and explained);
- openings' side: ``candidates``;
- ``NearestNeighbors(metric="cosine", algorithm="brute")`` top 10 of every seeker on the profile TF-IDF vectors,
  the reference beside them.

For each: wall and CPU seconds (``time.process_time``, all threads of the process: what the stage costs on a busy
machine) and the peak resident memory above the stage's start (Linux ``VmHWM``, reset at each stage through
``/proc/self/clear_refs``). Also: the pooled pairs and their bytes (with and without pair features), the
Matcher as Dask broadcasts it (``distributed.protocol.serialize_bytes``) and its resident size once unpickled
(a worker's copy), and the process's resident memory after its imports (a worker's floor).

Then the fits (:data:`TERMS`: each stage's CPU seconds as a sum of per-query and per-pair terms, the joint
choice as a power of the pooled pairs; memory on a line through the two largest sizes, see :data:`MEMORY`) and,
for ``--target``, the fits read there and a table of ``--workers`` counts: each worker one core of an otherwise
idle machine, work spread evenly, the joint choice on the command's machine alone. The load average is printed
first and after each size. ``--save FILE`` keeps the figures measured; ``--saved FILE`` reports them again.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import multiprocessing
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize
from bench_batch import bench_model, load, scoring_matcher, timed, world
from distributed.protocol import deserialize_bytes, serialize_bytes
from sklearn.neighbors import NearestNeighbors

from matcher import batch
from matcher.lists import Scored
from matcher.matching import Matcher

MB = 1024 * 1024
LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
STAGES = ("pools", "joint", "lists", "candidates", "knn")


def memory_mb() -> tuple[float, float]:
    """This process's resident memory and its peak since the last :func:`reset_peak` (VmRSS, VmHWM; Linux), MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def reset_peak() -> None:
    """Freed memory goes back to the system (glibc's ``malloc_trim``), then the peak resident memory starts again
    from the current one (Linux 4.0+): a stage's peak is not hidden by what the stage before it freed."""
    gc.collect()
    LIBC.malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")


@dataclass(frozen=True)
class Mark:
    """A point in this process: wall clock, CPU seconds and resident memory; the peak is reset at it."""

    wall: float
    cpu: float
    rss: float

    @staticmethod
    def now() -> Mark:
        reset_peak()
        return Mark(time.perf_counter(), time.process_time(), memory_mb()[0])

    def since(self) -> dict[str, float]:
        """Wall and CPU seconds since the mark, and the peak resident memory above the mark's, MB."""
        peak = memory_mb()[1]
        return {"wall": time.perf_counter() - self.wall, "cpu": time.process_time() - self.cpu, "peak": peak - self.rss}


def scored_bytes(parts: Sequence[Scored]) -> int:
    """Bytes of the arrays of scored pairs (a chunk's pools: seekers, openings, features, scores, misses)."""
    return sum(getattr(p, f).nbytes for p in parts for f in ("s", "o", "x", "score", "miss"))


class StageClock(batch.InProcess):
    """:class:`matcher.batch.InProcess` (its chunks run here, as soon as mapped) that times each step: each
    ``map`` under its ``what`` (or its work's name), and the command's own work since the step before it under
    ``before <what>`` (before the lists: the joint choice). Kept pools are counted: pairs and bytes."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__(matcher)
        self.stages: dict[str, dict[str, float]] = {}
        self.pools: dict[str, int] = {}
        self._last = Mark.now()

    def map(self, work: Callable[..., Any], *arguments: Sequence[Any], what: str | None = None) -> list[Any]:
        name = what or work.__name__.strip("_")
        self.stages[f"before {name}"] = self._last.since()
        start = Mark.now()
        out = super().map(work, *arguments, what=what)
        self.stages[name] = start.since()
        if out and isinstance(out[0], Scored):
            self.pools[f"{name} pairs"] = sum(len(part.s) for part in out)
            self.pools[f"{name} bytes"] = scored_bytes(out)
        self._last = Mark.now()
        return out


def measure(model: Any, seekers: int, openings: int) -> dict[str, Any]:
    """One size, in this (fresh) process: the figures of the module docstring."""
    floor = memory_mb()[0]
    with tempfile.TemporaryDirectory() as tmp:
        data, _ = timed(f"{seekers:,} × {openings:,}: the world", lambda: world(Path(tmp), seekers, openings, seed=11))
    as_of = data.openings["posted_at"].quantile(0.5).normalize()
    matcher = scoring_matcher(model, data, as_of)
    matcher.prepare(as_of)
    seeker_ids, opening_ids = list(matcher.seekers["seeker_id"]), list(matcher.openings["opening_id"])
    out: dict[str, Any] = {"seekers": len(seeker_ids), "open": int(matcher.open_mask(as_of).sum()), "floor": floor}
    reset_peak()
    before = memory_mb()[0]
    blob = serialize_bytes(matcher)
    out["sent"] = len(blob) / MB
    copy = deserialize_bytes(blob)
    del blob
    reset_peak()
    out["held"] = memory_mb()[0] - before  # a worker's copy (it may keep the received buffers as its arrays)
    out["pickle5"] = len(pickle.dumps(matcher, protocol=5)) / MB
    del copy
    gc.collect()
    clock = StageClock(matcher)
    found = batch.seeker_lists(clock, matcher, seeker_ids, as_of)
    out["lists_mb"] = found.memory_usage(deep=True).sum() / MB
    del found
    found = batch.opening_lists(clock, matcher, opening_ids, as_of)
    out["candidates_mb"] = found.memory_usage(deep=True).sum() / MB
    del found
    stages = {"pools": clock.stages["pools"], "joint": clock.stages["before lists"], "lists": clock.stages["lists"]}
    stages["candidates"] = clock.stages["candidates"]
    knn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=10).fit(matcher.opening_codes.profile)
    start = Mark.now()
    knn.kneighbors(matcher.seeker_codes.profile)
    stages["knn"] = start.since()
    out |= {"stages": stages, "pairs": clock.pools["pools pairs"], "pool_mb": clock.pools["pools bytes"] / MB}
    out["light_mb"] = clock.pools["without_features bytes"] / MB
    for name, s in stages.items():
        print(f"  {name:<12} {s['wall']:>8.1f} s wall {s['cpu']:>8.1f} s CPU {s['peak']:>8.0f} MB peak", flush=True)
    return out


# How a stage's CPU seconds are read at another size: a sum of terms, fitted by non-negative least squares over
# the sizes measured. Stage one scores every allowed pair (seekers × open openings); the ranker and the reasons
# score a fixed number of pairs per query (seekers, or openings for the candidates). The joint choice (a simplex
# over the pooled pairs) has no such form: a power of the pooled pairs, fitted on the log-log scale.
TERMS = {"pools": ("seekers", "grid"), "lists": ("pairs",), "candidates": ("openings", "grid"), "knn": ("grid",)}
# Memory is read on a line through the two largest sizes: below 6,000 openings the history's item weights are a
# dense openings × openings matrix (EASE, matcher.history.EASE_MAX_ITEMS), above it sparse item-kNN, so the
# smaller sizes follow another curve.
MEMORY = {
    "pool_mb": ("pairs", "pools kept, with features, MB"),
    "light_mb": ("pairs", "pools gathered for the joint choice, MB"),
    "joint peak": ("pairs", "the joint choice's peak above its start, MB"),
    "lists_mb": ("pairs", "seekers' lists frame, MB"),
    "candidates_mb": ("openings", "candidates frame, MB"),
    "sent": ("rows", "Matcher as broadcast, MB"),
    "pickle5": ("rows", "Matcher, pickle protocol 5, MB"),
    "held": ("rows", "Matcher unpickled, resident MB"),
    "floor": ("rows", "process after imports, resident MB"),
}


def size(text: str) -> tuple[int, int]:
    """``SEEKERSxOPENINGS`` as two numbers."""
    seekers, openings = text.lower().split("x")
    return int(seekers), int(openings)


def axes(runs: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """What the figures are read against, per size: seekers, open openings, both (``grid``: their product, and
    ``rows``: their sum) and pooled pairs."""
    seekers = np.array([r["seekers"] for r in runs], float)
    openings = np.array([r["open"] for r in runs], float)
    pairs = np.array([r["pairs"] for r in runs], float)
    return {
        "seekers": seekers,
        "openings": openings,
        "grid": seekers * openings,
        "rows": seekers + openings,
        "pairs": pairs,
    }


def figure(runs: list[dict[str, Any]], name: str) -> np.ndarray:
    """A stage's CPU seconds, or a memory figure (MB), per size."""
    if name in STAGES:
        return np.array([r["stages"][name]["cpu"] for r in runs])
    if name.endswith(" peak"):
        return np.array([r["stages"][name.split()[0]]["peak"] for r in runs])
    return np.array([r[name] for r in runs], float)


def table(runs: list[dict[str, Any]]) -> pd.DataFrame:
    """The measured figures, one column a size."""
    rows: dict[str, list[Any]] = {"seekers × open openings": [f"{r['seekers']:,} × {r['open']:,}" for r in runs]}
    rows["pooled pairs"] = [f"{r['pairs']:,}" for r in runs]
    rows["load average at the end"] = [f"{r['load'][0]:.1f}" for r in runs]
    for n in STAGES:
        rows[f"{n}: CPU s (wall s)"] = [f"{r['stages'][n]['cpu']:.1f} ({r['stages'][n]['wall']:.1f})" for r in runs]
    for n in STAGES:
        rows[f"{n}: peak MB above start"] = [f"{r['stages'][n]['peak']:.0f}" for r in runs]
    for key, (_, label) in MEMORY.items():
        if not key.endswith(" peak"):
            rows[label] = [f"{r[key]:.1f}" for r in runs]
    return pd.DataFrame(rows).T


def terms(runs: list[dict[str, Any]], name: str) -> tuple[np.ndarray, float]:
    """Coefficients of the stage's :data:`TERMS` (non-negative least squares) and the largest relative miss."""
    x = axes(runs)
    design = np.column_stack([x[term] for term in TERMS[name]])
    y = figure(runs, name)
    coefficients, _ = scipy.optimize.nnls(design / y[:, None], np.ones(len(y)))  # relative errors weigh alike
    return coefficients, float(np.max(np.abs(design @ coefficients / y - 1)))


def slopes(runs: list[dict[str, Any]], name: str, on: str) -> tuple[float, np.ndarray]:
    """Log-log slope of a figure against ``on`` over all sizes (least squares) and between consecutive sizes."""
    x, y = np.log(axes(runs)[on]), np.log(figure(runs, name))
    return float(np.polyfit(x, y, 1)[0]), np.diff(y) / np.diff(x)


def read_at(runs: list[dict[str, Any]], seekers: int, openings: int) -> dict[str, float]:
    """The fits read at ``seekers`` × ``openings`` (all open): CPU seconds per stage (``joint low``/``joint high``:
    the joint choice at the smallest and largest slope between consecutive sizes), MB per memory figure."""
    x = axes(runs)
    at = {"seekers": float(seekers), "openings": float(openings), "grid": float(seekers) * openings}
    at |= {"rows": float(seekers + openings), "pairs": x["pairs"][-1] / x["seekers"][-1] * seekers}
    out = {"pairs": at["pairs"]}
    for name, on in TERMS.items():
        out[name] = float(terms(runs, name)[0] @ [at[term] for term in on])
    slope, between = slopes(runs, "joint", "pairs")
    last = figure(runs, "joint")[-1]
    for key, b in (("joint", slope), ("joint low", between.min()), ("joint high", between.max())):
        out[key] = float(last * (at["pairs"] / x["pairs"][-1]) ** b)
    for name, (on, _) in MEMORY.items():
        y = figure(runs, name)
        d = (y[-1] - y[-2]) / (x[on][-1] - x[on][-2])
        out[f"{name} MB"] = float(y[-1] + d * (at[on] - x[on][-1]))
    return out


def report(runs: list[dict[str, Any]], target: tuple[int, int] | None, workers: list[int]) -> None:
    """The measured table, the fits and, for ``target``, the fits read there and the workers' table."""
    print(table(runs).to_string(header=False))
    if len(runs) < 3:
        return
    print("fits of the CPU seconds (largest miss on the sizes measured):")
    for name, on in TERMS.items():
        coefficients, miss = terms(runs, name)
        fitted = " + ".join(f"{c * 1e6:.3g} µs × {term}" for c, term in zip(coefficients, on, strict=True))
        print(f"  {name:<11} {fitted}  ({miss:.0%})")
    slope, between = slopes(runs, "joint", "pairs")
    print(
        f"  joint       pooled pairs^{slope:.2f} (between consecutive sizes: {' '.join(f'{b:.2f}' for b in between)})"
    )
    if target is None:
        return
    at = read_at(runs, *target)
    gb = {name: at[f"{name} MB"] / 1024 for name in MEMORY}
    # A block is at most CHUNK_PAIRS pairs whatever the size: its working memory as at the largest size measured.
    largest = runs[-1]
    block = max(largest["stages"]["pools"]["peak"] - largest["pool_mb"], largest["stages"]["candidates"]["peak"]) / 1024
    print(
        f"read at {target[0]:,} seekers × {target[1]:,} open openings ({at['pairs'] / 1e6:.1f} million pooled pairs):"
    )
    print("  CPU hours: " + ", ".join(f"{n} {at[n] / 3600:.1f}" for n in STAGES), end="")
    print(f" (joint {at['joint low'] / 3600:.1f} to {at['joint high'] / 3600:.1f})")
    print(f"  GB: pools kept {gb['pool_mb']:.1f} in all, gathered {gb['light_mb']:.1f}, the joint choice", end="")
    print(
        f" {gb['joint peak']:.1f} above them, lists {gb['lists_mb']:.1f}, candidates {gb['candidates_mb']:.1f};", end=""
    )
    print(f" the Matcher {gb['sent']:.2f} sent to each worker, {gb['held']:.2f} held; a block {block:.2f}")
    print("workers (one core each, idle, even shares; the joint choice on the command's machine alone):")
    print(f"  {'workers':>7} {'seekers h':>9} {'(joint low-high)':>16} {'openings min':>12} {'GB a worker':>11}")
    for n in workers:
        spread = (at["pools"] + at["lists"]) / n
        low, high = (spread + at["joint low"]) / 3600, (spread + at["joint high"]) / 3600
        worker = gb["floor"] + gb["held"] + gb["pool_mb"] / n + block
        print(
            f"  {n:>7} {(spread + at['joint']) / 3600:>9.1f} {f'{low:.1f}-{high:.1f}':>16}"
            f" {at['candidates'] / n / 60:>12.0f} {worker:>11.1f}"
        )
    command = gb["floor"] + gb["held"] + gb["light_mb"] + gb["joint peak"] + gb["lists_mb"]
    print(f"  the command's machine: {command:.1f} GB (the Matcher, gathered pools, joint choice, seekers' lists)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2500x1250,5000x2500,10000x5000", help="SEEKERSxOPENINGS, comma-separated")
    parser.add_argument("--model", default=None, help="a bundle folder to use instead of training one")
    parser.add_argument("--target", type=size, default=None, help="SEEKERSxOPENINGS to read the fits at")
    parser.add_argument("--workers", default="8,32,100", help="worker counts of the target's table, comma-separated")
    parser.add_argument("--save", type=Path, default=None, help="a JSON file the figures measured are added to")
    parser.add_argument("--saved", type=Path, default=None, help="report the figures of a --save file; measure none")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = json.loads(args.saved.read_text()) if args.saved else []
    if not args.saved:
        print(load(), flush=True)
        runs = measured(args.sizes, args.model)
        if args.save:
            earlier = json.loads(args.save.read_text()) if args.save.exists() else []
            args.save.write_text(json.dumps(earlier + runs, indent=1))
    report(sorted(runs, key=lambda r: r["pairs"]), args.target, [int(w) for w in args.workers.split(",")])


def measured(sizes: str, model_folder: str | None) -> list[dict[str, Any]]:
    """:func:`measure` for each size, each in a fresh process (its peak memory its own), with the load average."""
    model = bench_model(model_folder)
    runs = []
    for seekers, openings in map(size, sizes.split(",")):
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs.append(pool.submit(measure, model, seekers, openings).result() | {"load": os.getloadavg()})
        print(load(), flush=True)
    return runs


if __name__ == "__main__":
    main()
