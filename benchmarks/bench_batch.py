"""Batch lists (``jobmatch recommend --seekers all``) in one process and on a Dask LocalCluster, beside
``NearestNeighbors`` on the same vectors, in the same run.

    python benchmarks/bench_batch.py                           # 10,000 seekers × 5,000 open openings, 2 workers
    python benchmarks/bench_batch.py --seekers 4000 --openings 2000 --workers 1,2
    python benchmarks/bench_batch.py --model models/CURRENT_VERSION   # a trained bundle instead of training one

The model is trained on a default-sized sample world (2,000 × 600, about a minute); the lists are for a
second, larger world of the same generator, every opening open on the day and no events (the cost measured is
scoring, not the calendar), as ``bench_ranker.py`` measures ``recommend``. Figures printed: the seekers' lists
of the day (chosen together) in process (:class:`matcher.batch.InProcess`), then on a ``LocalCluster`` of N
single-threaded worker processes: starting it, and the batch itself (the Matcher sent to each worker once, the
chunks, the joint choice, the lists); the openings' candidate lists the same ways; and
``NearestNeighbors(metric="cosine", algorithm="brute")`` top-10 of every seeker on the profile TF-IDF vectors,
a content-only floor with no rules, features or reasons. Each Dask result is checked equal to the in-process one.
The machine's load average is printed first and last: on a shared machine it says what the figures are worth.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from distributed import Client, LocalCluster
from sklearn.neighbors import NearestNeighbors

from jobmatch_cli.dask_cluster import DaskRunner
from matcher import batch, bundle
from matcher.contract import load_folder
from matcher.matching import Matcher
from matcher.ranker import PairModel
from training.pipeline import train
from training.sample import generate


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg()) + f" ({os.cpu_count()} cores)"


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<62} {elapsed:>8.1f} s", flush=True)
    return result, elapsed


def world(folder: Path, seekers: int, openings: int, seed: int):
    generate(folder, n_seekers=seekers, n_openings=openings, seed=seed, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_folder(folder)


def bench_model(folder: str | None) -> PairModel:
    """The bundle's model in ``folder``, or one trained on a default-sized sample world (2,000 × 600)."""
    if folder:
        return bundle.load(folder).model
    with tempfile.TemporaryDirectory() as tmp:
        trained = world(Path(tmp), 2_000, 600, seed=7)
        result, _ = timed("train on the default sample (2,000 × 600)", lambda: train(trained, with_baselines=False))
    return result.model


def scoring_matcher(model, data, as_of: pd.Timestamp) -> Matcher:
    """Every opening open on ``as_of``, no events: what is measured is scoring."""
    openings = data.openings.assign(posted_at=as_of - pd.Timedelta(days=1), deadline=as_of + pd.Timedelta(days=30))
    return Matcher(model, data.seekers, openings, data.events.iloc[:0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seekers", type=int, default=10_000, help="seekers of the lists' world")
    parser.add_argument("--openings", type=int, default=5_000, help="openings of the lists' world, all open")
    parser.add_argument("--workers", default="2", help="Dask worker counts to time, comma-separated")
    parser.add_argument("--model", default=None, help="a bundle folder to use instead of training one")
    args = parser.parse_args()
    print(load())
    model = bench_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        data = world(Path(tmp), args.seekers, args.openings, seed=11)
    as_of = data.openings["posted_at"].quantile(0.5).normalize()
    matcher = scoring_matcher(model, data, as_of)
    seekers, openings = list(matcher.seekers["seeker_id"]), list(matcher.openings["opening_id"])
    matcher.prepare(as_of)
    print(f"lists of {len(seekers):,} seekers × {int(matcher.open_mask(as_of).sum()):,} open openings (k=10):")
    here = batch.InProcess(matcher)
    want, _ = timed(
        "in process: every seeker's list (chosen together)", lambda: batch.seeker_lists(here, matcher, seekers, as_of)
    )
    candidates, _ = timed(
        "in process: every opening's candidates", lambda: batch.opening_lists(here, matcher, openings, as_of)
    )
    for n in [int(v) for v in args.workers.split(",")]:
        cluster, _ = timed(f"Dask LocalCluster, {n} worker processes: start", lambda n=n: LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None))  # fmt: skip
        with cluster, Client(cluster) as client:
            runner, _ = timed(f"Dask, {n} workers: the Matcher sent to each", lambda c=client: DaskRunner(c, matcher))
            found, _ = timed(
                f"Dask, {n} workers: every seeker's list",
                lambda r=runner: batch.seeker_lists(r, matcher, seekers, as_of),
            )
            pd.testing.assert_frame_equal(found, want, check_exact=True)
            found, _ = timed(
                f"Dask, {n} workers: every opening's candidates",
                lambda r=runner: batch.opening_lists(r, matcher, openings, as_of),
            )
            pd.testing.assert_frame_equal(found, candidates, check_exact=True)
        print(f"  (Dask, {n} workers: both equal the in-process lists)")
    knn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=10).fit(matcher.opening_codes.profile)
    timed(
        "NearestNeighbors(cosine, brute) kneighbors(every seeker)", lambda: knn.kneighbors(matcher.seeker_codes.profile)
    )
    print(load())


if __name__ == "__main__":
    main()
