"""Ranker speed and memory, printed beside scikit-learn brute-force cosine kNN on the same vectors.

    python benchmarks/bench_ranker.py                 # default sample world
    python benchmarks/bench_ranker.py --large         # also 100,000 seekers × 20,000 openings
    python benchmarks/bench_ranker.py --exact         # also the one-stage ranker (~100 ms a seeker)

Figures printed: training time and peak RSS; time to score one seeker against
10,000 open openings (hard rules, stage one over all of them, the ranker on the
shortlist, top-k, reasons; ``--exact`` adds the one-stage ranker on every
opening); ``recommend`` for 10,000 seekers × 5,000 openings. The reference beside each is
``NearestNeighbors(metric="cosine", algorithm="brute")`` on the seekers' and
openings' profile TF-IDF vectors: a content-only top-k with no rules, features
or reasons, i.e. a floor on what any scorer of these vectors costs.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from matcher.contract import load_folder
from matcher.matching import Matcher
from training.pipeline import train
from training.sample import generate


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, repeat: int = 1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    median = float(np.median(times))
    print(f"  {label:<58} {median * 1000:>10.1f} ms  (median of {repeat})")
    return result, median


def world(folder: Path, seekers: int, openings: int) -> None:
    start = time.perf_counter()
    generate(folder, n_seekers=seekers, n_openings=openings, seed=11, progress=False)
    print(f"  sample world {seekers:,} × {openings:,} generated in {time.perf_counter() - start:.1f} s")


def bench_training(folder: Path, label: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_folder(folder)
    before = peak_rss_mb()
    start = time.perf_counter()
    result = train(data, with_baselines=False)
    elapsed = time.perf_counter() - start
    print(f"  train on {label}: {elapsed:.1f} s, peak RSS {peak_rss_mb():,.0f} MB (before: {before:,.0f} MB)")
    return data, result.model


def bench_scoring(data, model, exact: bool = False) -> None:
    openings = data.openings
    as_of = openings["posted_at"].quantile(0.5).normalize()
    # Every opening open on the as-of date: scoring cost is what is measured, not the calendar.
    openings = openings.assign(posted_at=as_of - pd.Timedelta(days=1), deadline=as_of + pd.Timedelta(days=30))
    openings = openings.head(10_000)
    matcher = Matcher(model, data.seekers, openings, data.events.iloc[:0])
    youth = data.seekers.index[(2025 - data.seekers["birth_year"]).between(25, 35)]
    seeker_id = data.seekers.at[youth[0], "seeker_id"]
    print(f"one seeker against {len(openings):,} open openings (two stages, shortlist {matcher.shortlist}):")
    matcher.matches([seeker_id], as_of, 10)  # the per-day view of open openings is built once per date
    one = lambda: matcher.matches([seeker_id], as_of, 10)  # noqa: E731
    timed("jobmatch: rules + stage one + ranker on shortlist + reasons", one, 21)
    others = data.seekers["seeker_id"].sample(50, random_state=0).tolist()
    _, total = timed("jobmatch: 50 other seekers, one request each (total)",
                     lambda: [matcher.matches([s], as_of, 10) for s in others], 3)  # fmt: skip
    print(f"  {'  = per seeker':<58} {total / len(others) * 1000:>10.1f} ms")
    if exact:
        one_stage = Matcher(model, data.seekers, openings, data.events.iloc[:0], shortlist=None)
        every = lambda: one_stage.matches([seeker_id], as_of, 10)  # noqa: E731
        timed("jobmatch one stage: ranker on every allowed opening", every, 7)
    s_vec = matcher.seeker_codes.profile
    o_vec = matcher.opening_codes.profile
    knn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=10).fit(o_vec)
    row = youth[0]
    timed("NearestNeighbors(cosine, brute) top-10 on profile TF-IDF", lambda: knn.kneighbors(s_vec[row]), 7)

    n_seekers, n_openings = min(10_000, len(data.seekers)), min(5_000, len(openings))
    sub = Matcher(model, data.seekers.head(n_seekers), openings.head(n_openings), data.events.iloc[:0])
    ids = sub.seekers["seeker_id"].tolist()
    print(f"recommend for {n_seekers:,} seekers × {n_openings:,} openings (k=10):")
    timed("jobmatch matches(all seekers)", lambda: sub.matches(ids, as_of, 10))
    knn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=10).fit(sub.opening_codes.profile)
    timed("NearestNeighbors(cosine, brute) kneighbors(all seekers)", lambda: knn.kneighbors(sub.seeker_codes.profile))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="also train on 100,000 seekers × 20,000 openings")
    parser.add_argument("--exact", action="store_true", help="also time one seeker with the one-stage ranker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("default sample world:")
        small = Path(tmp) / "small"
        world(small, 2000, 600)
        bench_training(small, "default sample")
        print("scoring world (20,000 seekers × 10,000 openings):")
        scoring = Path(tmp) / "scoring"
        world(scoring, 20_000, 10_000)
        data, model = bench_training(scoring, "20,000 × 10,000")
        bench_scoring(data, model, exact=args.exact)
        if args.large:
            print("large world:")
            large = Path(tmp) / "large"
            world(large, 100_000, 20_000)
            bench_training(large, "100,000 × 20,000")


if __name__ == "__main__":
    main()
