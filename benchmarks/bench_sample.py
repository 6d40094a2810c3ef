"""Speed and memory of the sample-world generator: prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_sample.py                      # default size and 100k × 20k
    .venv/bin/python benchmarks/bench_sample.py --seekers 5000 --openings 1000

Each size runs in its own process, so the peak resident set size
(``resource.getrusage``) belongs to that size alone.
"""

from __future__ import annotations

import argparse
import inspect
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.sample import generate  # noqa: E402

DEFAULTS = inspect.signature(generate).parameters
SIZES = [
    (DEFAULTS["n_seekers"].default, DEFAULTS["n_openings"].default),
    (100_000, 20_000),
]


def run_one(n_seekers: int, n_openings: int, seed: int) -> None:
    """Generate one world into a temporary folder and print time, peak memory and rows."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = generate(tmp, n_seekers=n_seekers, n_openings=n_openings, seed=seed, progress=False)
        seconds = time.perf_counter() - start
        size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    rows = ", ".join(f"{name} {n:,}" for name, n in summary.rows.items())
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in summary.event_counts.items())
    print(f"{n_seekers:,} seekers × {n_openings:,} openings (seed {seed})")
    print(f"  wall time   {seconds:8.2f} s")
    print(f"  peak RSS    {peak_mb:8.0f} MiB")
    print(f"  rows        {rows}; {summary.employers:,} employers; {size_mb:.1f} MiB on disk")
    print(f"  events      {kinds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, help="one size only (runs in this process)")
    parser.add_argument("--openings", type=int)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.seekers and args.openings:
        run_one(args.seekers, args.openings, args.seed)
        return
    for n_seekers, n_openings in SIZES:
        command = [sys.executable, __file__, "--seekers", str(n_seekers), "--openings", str(n_openings)]
        subprocess.run([*command, "--seed", str(args.seed)], check=True)


if __name__ == "__main__":
    main()
