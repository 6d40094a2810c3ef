"""The fit and pile-up figures (training/audit.py) of a lists file written by ``jobmatch recommend --seekers``,
whatever wrote it: an older version's lists beside today's, or lists from another system.

    python benchmarks/audit_lists.py --data FOLDER --lists LISTS.csv --as-of DAY [--model-dir models]

The figures read the raw rows and the lists themselves; the bundle (this version's, any) only supplies the
hard rules' view of the day: which openings each seeker's list may hold.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

from matcher import bundle
from matcher.contract import load_folder
from matcher.matching import Matcher
from training import audit


def read_lists(matcher: Matcher, path: str, as_of: pd.Timestamp, k: int = 10) -> audit.DayLists:
    """The lists of a recommend CSV (seeker_id, rank, opening_id) as the audit takes them, one per seeker."""
    found = pd.read_csv(path, dtype={"seeker_id": str, "opening_id": str})
    found = found[found["rank"] <= k]
    ids = list(matcher.seekers["seeker_id"])
    top = np.full((len(ids), k), -1, dtype=np.int64)
    at = pd.Index(ids).get_indexer(found["seeker_id"])
    top[at, found["rank"].to_numpy() - 1] = matcher.opening_row.get_indexer(found["opening_id"])
    return audit.DayLists(as_of, matcher.seeker_row.get_indexer(ids), top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--lists", required=True, help="a CSV of jobmatch recommend --seekers all")
    parser.add_argument("--as-of", required=True, help="the lists' day (recommend's --as-of)")
    parser.add_argument("--model-dir", default="models")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_folder(args.data)
    loaded = bundle.load_current(args.model_dir, require_signature=False)
    as_of = pd.Timestamp(args.as_of)
    matcher = Matcher(loaded.model, data.seekers, data.openings, data.events)
    lists = read_lists(matcher, args.lists, as_of)
    print(audit.format_figures(audit.fit_figures(matcher, lists), audit.market_figures(matcher, lists)))


if __name__ == "__main__":
    main()
