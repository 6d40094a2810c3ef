"""How far the seeker side could go on a sample world: the generator's own expected outcome as a ranker.

    python benchmarks/bench_ceiling.py [--seeds 7,11] [--seekers 2000] [--openings 600]

The sample generator draws views, applications and hires from hidden parameters
(traits, activity, propensity, search windows, employer selectivity; see the
docstring of training/sample.py). This benchmark ranks the same seeker-side test
queries as ``jobmatch train`` by the expected grade of each pair under those
parameters — the best ranking any system could make without seeing the future —
and prints it beside the learned ranker and the baselines of the same run.

The expected grade of a pair first seen on or after the query day:
P(viewed) · (1 + P(applies) · (1 + P(interview) · (1 + P(hired)))), where
P(viewed) is the chance that one of the seeker's n view draws (each ∝ weight w
among the openings open in the search window) falls on it, 1 − (1 − w/W)^n,
or that a counselor recommends it (a seeker with a counselor gets 1.8 draws
∝ w² among eligible openings, 75 % of them viewed, with a higher wish to
apply), times the share of the pair's common open days left on the query day.
Pairs the seeker met before the query day are never first seen later: they
get 0. Also printed: the view chance alone as the ranking. Offers settled
in time order, full openings and seekers who stop after a hire are left out,
so this is an estimate of the ceiling, not a bound.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from matcher import eligibility
from matcher.contract import load_folder
from matcher.queries import CandidatePool
from matcher.splits import time_split
from training import evaluate as ev
from training import sample
from training.pipeline import train


class ExpectedGrade:
    """Scores seeker rows × every opening by the generator's expected grade (a ``Scorer``)."""

    def __init__(self, built: sample.SampleWorld, pool: CandidatePool, events: pd.DataFrame, views_only: bool) -> None:
        self.built, self.views_only = built, views_only
        self.rules = eligibility.opening_rules(built.openings.table)
        self.year_start = np.datetime64(f"{built.world.year}-01-01")
        self.s = pool.seeker_row.get_indexer(events["seeker_id"])
        self.o = pool.opening_row.get_indexer(events["opening_id"])
        self.t = events["occurred_at"].to_numpy()

    def view_chances(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chances that the seeker views the opening by itself, and that a counselor recommends it."""
        world, sk, op = self.built.world, self.built.seekers, self.built.openings
        ok = eligibility.eligible_block(sk.birth_year[rows], sk.groups[rows], self.rules)
        fam = world.occ_family[op.occ]
        weight = sample.view_weight_by_kind(sk, rows, op.occ, fam, op.industry, ok).astype(float)
        lat, lon = world.places["lat"].to_numpy()[op.place], world.places["lon"].to_numpy()[op.place]
        weight *= sample.view_weight_by_place(sk, rows, lat, lon)
        weight *= (op.posted[None, :] <= sk.end[rows, None]) & (op.deadline[None, :] >= sk.start[rows, None])
        draws = sk.activity[rows] * (3 + 0.2 * (sk.end[rows] - sk.start[rows] + 1))
        viewed = 1 - (1 - weight / np.maximum(weight.sum(axis=1, keepdims=True), 1e-12)) ** draws[:, None]
        advised = weight**2 * ok
        advised = 1 - (1 - advised / np.maximum(advised.sum(axis=1, keepdims=True), 1e-12)) ** 1.8
        return viewed, advised * sk.counselor[rows, None]

    def grade_after_view(self, rows: np.ndarray, recommended: np.ndarray) -> np.ndarray:
        world, sk, op = self.built.world, self.built.seekers, self.built.openings
        n = len(op.posted)
        s, o = np.repeat(rows, n), np.tile(np.arange(n), len(rows))
        pairs = sample.PairBasis.of(world, sk, op, s, o)
        u, a = sample.liking(pairs), sample.acceptance(pairs)
        sig = sample._sigmoid
        applies = sig(u + sk.propensity[s] - 2.3 + 0.8 * recommended.ravel())
        hired = sig(a + 0.3) * (1 - sig(-1.6 - 0.6 * u))
        return (1 + applies * (1 + sig(a - 0.4) * (1 + hired))).reshape(len(rows), n)

    def days_left_share(self, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
        sk, op = self.built.seekers, self.built.openings
        day = ((days - self.year_start) // np.timedelta64(1, "D")).astype(int)
        first = np.maximum(sk.start[rows, None], op.posted[None, :])
        last = np.maximum(np.minimum(sk.end[rows, None], op.deadline[None, :]), first)
        return np.clip((last - day[:, None] + 1) / (last - first + 1), 0, 1)

    def met_before(self, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
        met = np.zeros((len(rows), len(self.built.openings.posted)), dtype=bool)
        pos = pd.Index(rows).get_indexer(self.s)
        hit = pos >= 0
        early = hit & (self.t < days[np.where(hit, pos, 0)])
        met[pos[early], self.o[early]] = True
        return met

    def __call__(self, rows: np.ndarray, items: np.ndarray, days: np.ndarray, mask: np.ndarray) -> np.ndarray:
        left = self.days_left_share(rows, days) * ~self.met_before(rows, days)
        free, advised = self.view_chances(rows)
        viewed = 1 - (1 - free) * (1 - 0.75 * advised)
        if self.views_only:
            return viewed * left
        from_advice = 0.75 * advised / np.maximum(free + 0.75 * advised, 1e-12)
        return viewed * self.grade_after_view(rows, from_advice) * left


def run(seed: int, n_seekers: int, n_openings: int, folder: Path) -> None:
    built = sample.build(n_seekers, n_openings, seed)
    built.write(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_folder(folder)
    report = train(data, with_baselines=True).report["seeker"]
    events = data.events
    pool = CandidatePool(data.seekers, data.openings)
    masks = ev.CandidateMasks(pool, events)
    queries = ev.evaluation_queries("seeker", time_split(events), pool, masks, seed=0)
    oracles = {}
    for label, views_only in (("generator expected grade", False), ("generator view chance", True)):
        top = ev.rank_queries(queries, masks, ExpectedGrade(built, pool, events, views_only))
        oracles[label] = float(np.nanmean(ev.score_lists(queries, top, len(data.openings))["ndcg"]))
    systems = {name: s["ndcg@10"] for name, s in report["systems"].items()}
    best = max((name for name in systems if name != "jobmatch"), key=systems.get)
    print(f"seed {seed}: {n_seekers:,} seekers × {n_openings:,} openings, {len(queries.rows)} seeker queries")
    for name, value in (*oracles.items(), ("jobmatch", systems["jobmatch"])):
        print(f"  {name:<46} {value:.4f}  {value / systems[best]:.2f} × {best}")
    print(f"  {best + ' (best baseline)':<46} {systems[best]:.4f}")
    print(f"  {'1.25 × best baseline (issue 3 bar)':<46} {1.25 * systems[best]:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,11", help="sample seeds, comma-separated (7 is the default sample)")
    parser.add_argument("--seekers", type=int, default=2000)
    parser.add_argument("--openings", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            run(seed, args.seekers, args.openings, Path(tmp) / f"seed{seed}")


if __name__ == "__main__":
    main()
