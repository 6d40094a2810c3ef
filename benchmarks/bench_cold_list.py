"""CPU time of one cold match list in process, as the service ranks it, beside its parts and a simple reference.

    python benchmarks/bench_cold_list.py --keep /tmp/bench-world      # world and bundle as bench_service makes them
    python benchmarks/bench_cold_list.py --keep /tmp/bench-world --profile   # and where the time goes (cProfile)

On bench_service's world (2,000 seekers, 10,000 openings all open on one day, a bundle trained on the world as
generated; ``--keep`` reuses them), 200 seekers' lists are ranked one by one the way ``GET
/seekers/{id}/matches`` ranks a list it does not hold (``service.routers.seekers._rank_matches``: hard rules,
both stages, the day's shown lists (spread), reasons, the response body), after 20 lists that warm the day's
caches. Printed per list, as CPU time (``time.process_time``: steadier than wall time on a busy machine) and wall
time, with the 1-minute load average: the route's ranking; ``Matcher.matches`` alone (no spread, no body); and,
the reference, ``NearestNeighbors(cosine, brute)`` top-10 of one seeker's profile TF-IDF vector among the
openings' (a content-only top-k with no rules, features, ranker or reasons). Numeric libraries run on one thread,
as in the service.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
from bench_service import build_world, load, trained_world
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from matcher import bundle
from matcher.crowding import Exposure
from matcher.matching import Matcher
from service.cache import ListCache
from service.routers import seekers as route
from service.serving import Snapshot


class _Serving:
    """What ``_rank_matches`` reads of ``service.serving.Serving``: the day's shown lists and the scoring turn."""

    def __init__(self) -> None:
        self.exposure = Exposure()
        self.scoring = threading.Lock()


def timed(label: str, fn, items: list) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        fn(item)
    wall, cpu = (time.perf_counter() - wall) / len(items), (time.process_time() - cpu) / len(items)
    print(f"  {label:<62} {cpu * 1000:>7.2f} ms CPU {wall * 1000:>8.2f} ms wall  (load {os.getloadavg()[0]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", default=None, help="keep (and reuse) the generated world and bundle here")
    parser.add_argument("--openings", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions of the route")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(limits=1):
        keep = Path(args.keep or tmp)
        generated = trained_world(keep, args.openings)
        as_of, _ = build_world(generated, Path(tmp) / "data")
        data = load(Path(tmp) / "data")
        loaded = bundle.load_current(keep / "models")
        matcher = Matcher(loaded.model, data.seekers, data.openings, data.events)
        snapshot = Snapshot(loaded, matcher, 0, 0, ListCache(0))
        serving = _Serving()
        when = pd.Timestamp(as_of)
        filters = dict.fromkeys(route.FILTERS)

        def listed(seeker_id: str) -> None:
            ranked = route._rank_matches(serving, snapshot, seeker_id, when, 10, True, False, **filters)
            serving.exposure.show(seeker_id, ranked.ids, when)

        ids = data.seekers["seeker_id"].sample(420, random_state=0).tolist()
        for seeker_id in ids[:20]:
            listed(seeker_id)
        print(f"one cold list of 10 among {len(data.openings):,} open openings on {as_of.date()}, mean of 200:")
        timed("the route's ranking (rules, both stages, spread, reasons, body)", listed, ids[20:220])
        timed("Matcher.matches alone (no spread, no body)",
              lambda s: matcher.matches([s], when, 10, congestion=False), ids[220:420])  # fmt: skip
        knn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=10).fit(matcher.opening_codes.profile)
        rows = matcher.seeker_row.get_indexer(ids[220:420])
        timed("NearestNeighbors(cosine, brute) top-10 (reference)",
              lambda r: knn.kneighbors(matcher.seeker_codes.profile[r]), list(rows))  # fmt: skip
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [listed(s) for s in ids[220:420]])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
