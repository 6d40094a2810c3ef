"""The ranker on a folder with only ids, dates and history (no text, one dong), beside EASE and the other
collaborative baselines, in the same run and on the same test queries.

    python benchmarks/bench_history_only.py [--seekers 2000] [--openings 600] [--seed 0]

The folder is made from a sample world: seekers keep their id and birth year, openings their id, employer
and dates, everyone lives and works in one dong, and every event is kept. What is left to learn from is
who did what when, as for a district that sends nothing but its placement records.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

from matcher.contract import load_folder
from training.pipeline import train
from training.sample import generate

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=2000)
    parser.add_argument("--openings", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full, bare = Path(tmp) / "full", Path(tmp) / "bare"
        generate(full, n_seekers=args.seekers, n_openings=args.openings, seed=args.seed, progress=False)
        strip(full, bare)
        data = load_folder(bare)
        report = train(data).report
    print(f"ids, dates and history only: {len(data.seekers):,} seekers, {len(data.openings):,} openings, "
          f"{len(data.events):,} events, sample seed {args.seed}")  # fmt: skip
    for side in ("seeker", "opening"):
        systems = report[side]["systems"]
        print(f"{side} side {'ndcg@10':>9} {'recall@10':>9} {'mrr':>6}")
        for name in ("jobmatch", "ease", "item_knn", "popularity", "random"):
            s = systems[name]
            print(f"  {name:<11} {s['ndcg@10']:>9.3f} {s['recall@10']:>9.3f} {s['mrr']:>6.3f}")


if __name__ == "__main__":
    main()
