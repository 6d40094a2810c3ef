"""The ranker on folders with little but history, beside EASE and the other collaborative baselines, in
the same run and on the same test queries.

    python benchmarks/bench_history_only.py [--cases dated,no-dates,real-shaped] [--seekers 2000]
                                            [--openings 600] [--seed 0]

- ``dated``: a sample world with only ids, dates and history: seekers keep their id and birth year,
  openings their id, employer and dates, everyone lives and works in one dong, and every event is kept.
  What is left to learn from is who did what when, as for a district that sends nothing but its
  placement records. Time split.
- ``no-dates``: the same folder with every event on one day, as real exports often are. Training falls
  back to one held-out application per seeker (leave-one-out); the lists are the default ones (fit and
  congestion included).
- ``real-shaped``: a world of the real export's shape (training/snapshot.py: 8,500 seekers, 6,700
  openings, 58,000 applications, opaque codes, one dong, one date), leave-one-out.

For each: NDCG@10, recall@5, recall@10 and MRR, jobmatch's margin over EASE (difference and ratio), and
how much stage one handed to the ranker: of the held-out truth, of the truth EASE put in its top 10, and of
EASE's first candidate of each query.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

from matcher.contract import load_folder
from training import snapshot
from training.pipeline import train
from training.sample import generate
from training.snapshot import snapshot_of

DONG = "성수1가1동"


def strip(source: Path, target: Path) -> None:
    """Write ``source`` to ``target`` keeping only ids, dates, positions and the events."""
    data = load_folder(source)
    target.mkdir(parents=True, exist_ok=True)
    seekers = data.seekers[["seeker_id", "birth_year"]].assign(dong=DONG, consent_employer_view=True)
    openings = data.openings[["opening_id", "employer_id", "positions", "posted_at", "deadline"]].assign(
        employer_name=data.openings["employer_id"], title="채용 공고", dong=DONG
    )
    seekers.to_csv(target / "seekers.csv", index=False, encoding="utf-8")
    openings.to_csv(target / "openings.csv", index=False, encoding="utf-8", date_format="%Y-%m-%d")
    data.events.to_csv(target / "events.csv", index=False, encoding="utf-8", date_format="%Y-%m-%dT%H:%M:%S")


def run(name: str, folder: Path) -> None:
    data = load_folder(folder)
    report = train(data).report
    days = data.events["occurred_at"].dt.normalize().nunique()
    print(f"\n{name}: {len(data.seekers):,} seekers, {len(data.openings):,} openings, {len(data.events):,} events "
          f"on {days:,} day(s)")  # fmt: skip
    for side in ("seeker", "opening"):
        systems = report[side]["systems"]
        print(f"{side} side {'ndcg@10':>9} {'recall@5':>9} {'recall@10':>9} {'mrr':>6}")
        for system in ("jobmatch", "ease", "item_knn", "popularity", "random"):
            s = systems[system]
            print(f"  {system:<11} {s['ndcg@10']:>9.3f} {s['recall@5']:>9.3f} {s['recall@10']:>9.3f} {s['mrr']:>6.3f}")
        ours, ease = systems["jobmatch"], systems["ease"]
        margins = ", ".join(
            f"{name} {ours[name] - ease[name]:+.3f} ({ours[name] / max(ease[name], 1e-9):.2f} x)"
            for name in ("recall@5", "ndcg@10")
        )
        stage_one = report[side]["stage_one"]
        print(f"  jobmatch against EASE: {margins}")
        print(f"  stage one kept {stage_one['truth']:.1%} of the held-out truth, "
              f"{stage_one.get('ease_top_truth', float('nan')):.1%} of the truth EASE ranked in its top 10, and "
              f"EASE's first candidate for {stage_one.get('ease_first', float('nan')):.1%} of the queries")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="dated,no-dates,real-shaped")
    parser.add_argument("--seekers", type=int, default=2000)
    parser.add_argument("--openings", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cases = args.cases.split(",")
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full, bare, flat, real = (Path(tmp) / name for name in ("full", "bare", "flat", "real"))
        if {"dated", "no-dates"} & set(cases):
            generate(full, n_seekers=args.seekers, n_openings=args.openings, seed=args.seed, progress=False)
            strip(full, bare)
        if "dated" in cases:
            run(f"ids, dates and history only (sample seed {args.seed})", bare)
        if "no-dates" in cases:
            snapshot_of(bare, flat)  # every event on the last event's day
            run("the same with every event on one day", flat)
        if "real-shaped" in cases:
            snapshot.generate(real, seed=args.seed)
            run("a world of the real export's shape", real)


if __name__ == "__main__":
    main()
