"""What ``spread=true`` does to seeker-side lists on the sample world: NDCG@10, coverage and Gini, beside plain
ranking, measured in the same run on the same test queries as ``jobmatch train``'s evaluation.

    python benchmarks/bench_spread.py [--seekers 2000] [--openings 600] [--seed 7]

Queries are served in day order, as the service would: each list shown adds to the openings' exposure, and
spread lists see the exposure of the lists served before them in the last 14 days.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import warnings

import numpy as np
import pandas as pd

from matcher.contract import load_folder
from matcher.crowding import STRENGTH, Exposure, spread_scores
from matcher.queries import CandidatePool
from matcher.splits import TimeSplit
from training.evaluate import (
    CandidateMasks,
    K,
    evaluation_queries,
    model_scorer,
    score_lists,
    summarise,
)
from training.pipeline import train
from training.sample import generate


def served_in_order(queries, masks, base, openings: pd.DataFrame, events: pd.DataFrame, strength: float):
    """Top-k lists for the queries served day by day, each spread by the exposure of the lists before it."""
    ids = pd.Index(openings["opening_id"])
    positions = openings["positions"].astype(float).to_numpy()
    hires = events[events["event"] == "hired"]
    exposure = Exposure()
    top = np.full((len(queries.rows), K), -1, dtype=np.int64)
    for day in np.unique(queries.days):
        q = np.flatnonzero(queries.days == day)
        mask = masks.block("seeker", queries.rows[q], queries.days[q], [queries.truth[i] for i in q])
        scores = np.where(mask, base(queries.rows[q], np.arange(mask.shape[1]), queries.days[q], mask), -np.inf)
        filled = np.bincount(ids.get_indexer(hires.loc[hires["occurred_at"] < day, "opening_id"]), minlength=len(ids))
        for j, i in enumerate(q):  # one list after another: each sees the exposure of those before it
            shown = spread_scores(scores[j], exposure.counts(ids, pd.Timestamp(day)), positions - filled, strength)
            best = np.argsort(-shown, kind="stable")[:K]
            best = best[np.isfinite(shown[best])]
            top[i, : len(best)] = best
            exposure.add(ids[best], pd.Timestamp(day))
    return top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=2000)
    parser.add_argument("--openings", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generate(tmp, n_seekers=args.seekers, n_openings=args.openings, seed=args.seed, progress=False)
        data = load_folder(tmp)
    result = train(data, with_baselines=False)
    events = data.events
    split = TimeSplit(events, pd.Timestamp(result.cutoffs["test_start"]))
    test_start = split.test_start
    model = copy.copy(result.model)  # as it stood at the test: its history refitted on the events before it
    codes = model.encode(data.seekers, data.openings)
    model.fit_history(split.known, data.seekers, data.openings, count_events=events, codes=codes)
    pool = CandidatePool(data.seekers, data.openings)
    masks = CandidateMasks(pool, events)
    queries = evaluation_queries("seeker", split, pool, masks, 0)
    base = model_scorer(model, data.openings, codes, "seeker")
    print(f"seeker side, {len(queries.rows)} test queries from {test_start.date()}, sample seed {args.seed}")
    print(f"{'ranking':<26} {'ndcg@10':>8} {'recall@10':>9} {'coverage':>9} {'gini':>6}")
    others = [s for s in (0.1, 0.2, 0.3, 0.5, 1.0) if s != STRENGTH]
    for label, strength in [("plain", 0.0), (f"spread {STRENGTH} (default)", STRENGTH)] + [
        (f"spread {s}", s) for s in others
    ]:
        top = served_in_order(queries, masks, base, data.openings, events, strength)
        figures = summarise(queries, score_lists(queries, top, len(data.openings)))
        print(
            f"{label:<26} {figures['ndcg@10']:>8.3f} {figures['recall@10']:>9.3f} "
            f"{figures['coverage']:>9.3f} {figures['gini']:>6.3f}"
        )


if __name__ == "__main__":
    main()
