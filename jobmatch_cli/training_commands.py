"""Training commands: sample worlds, validation, training, evaluation and ranked lists to CSV.

They use matcher/ and training/ (and the service's settings only for the secret key that signs bundles)."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from jobmatch_cli.common import (
    DEFAULT_MODEL_DIR,
    add_data_args,
    load_bundle,
    load_data,
    metrics_table,
    output_file,
    public_report,
    say,
    secret_settings,
)
from matcher import bundle
from matcher.contract import load_folder
from matcher.extras import require

SAMPLE_SIZES = {  # seekers, openings (and applications) of each shape when not given
    "year": (2000, 600, None),
    "one-date": (2000, 600, None),
    "real": (8_500, 6_700, 58_000),
}


def cmd_sample(args: argparse.Namespace) -> int:
    from training import snapshot
    from training.sample import generate

    seekers, openings, applications = SAMPLE_SIZES[args.shape]
    seekers, openings = args.seekers or seekers, args.openings or openings
    if args.shape == "real":
        if args.applications is not None and args.applications < 1:
            raise ValueError("--applications must be at least 1")
        out = snapshot.generate(args.out, seekers, openings, args.applications or applications, seed=args.seed)
        data = load_folder(out)
        counts = f"seekers.csv {len(data.seekers):,}, openings.csv {len(data.openings):,}"
        print(f"{out}: {counts}, events.csv {len(data.events):,} applications, all on {snapshot.SNAPSHOT_DAY.date()}")
        return 0
    if args.applications is not None:
        raise ValueError("--applications is for --shape real (the sample year's behaviour sets its own)")
    summary = generate(args.out, n_seekers=seekers, n_openings=openings, seed=args.seed)
    print(summary)
    if args.shape == "one-date":
        day = snapshot.snapshot_of(args.out, args.out).joinpath("events.csv")
        print(f"every event moved to the last event's day (a snapshot export): {day}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    data = load_data(args)
    print(f"ok: {len(data.seekers)} seekers, {len(data.openings)} openings, {len(data.events)} events")
    return 0


def cmd_import_postings(args: argparse.Namespace) -> int:
    from training.portal import convert_postings

    report = convert_postings(args.portal_csv, args.out)
    print(f"{report.converted:,} of {report.total:,} postings written to {report.out}; {report.skipped:,} left out")
    for kind, count in report.kind_counts().most_common():
        print(f"  {kind}: {count:,}")
    print(f"every problem, row by row: {report.report_path}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from matcher.model import JobMatchModel
    from matcher.text import make_vectorizer
    from training.pipeline import train
    from training.report import write_report

    key = secret_settings().secret_key  # before the work: a default key outside development is refused
    make_vectorizer(args.analyzer)  # so is an analyzer that cannot run here (kiwi without kiwipiepy)
    data = load_data(args)
    model = JobMatchModel(analyzer=args.analyzer, random_state=args.seed)
    result = train(data, until=args.until, model=model, seed=args.seed, progress=say)
    manifest = {
        "data_fingerprint": bundle.fingerprint(data.seekers, data.openings, data.events),
        "data_rows": {"seekers": len(data.seekers), "openings": len(data.openings), "events": len(data.events)},
        "parameters": model.settings(),
        "cutoffs": result.cutoffs,
        "history_until": str(result.model.history_.last_event_),
        "training_pairs": result.training_pairs,
        "metrics": public_report(result.report),
    }
    folder = bundle.save(result.model, args.model_dir, manifest, key=key)
    page = write_report(result.report, folder / "report.html", notes=f"time split: {result.cutoffs}")
    print(metrics_table(result.report))
    print(f"\nbundle written to {folder} (now CURRENT); report: {page}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from matcher.splits import TimeSplit, choose_split
    from training.evaluate import evaluate

    loaded = load_bundle(args)
    data = load_data(args)
    events = data.events
    # Without --cutoff, the split training made: the same seed, so the rankers never saw the held-out pairs.
    split = TimeSplit(events, pd.Timestamp(args.cutoff)) if args.cutoff else choose_split(events, args.seed)
    report = evaluate(loaded.model, data.seekers, data.openings, split, k=args.k, seed=args.seed, progress=say)
    if isinstance(split, TimeSplit):
        test = events[events["occurred_at"] >= split.test_start]
        title = f"test window from {split.test_start.date()} ({len(test):,} events), bundle {loaded.version}"
    else:
        say(f"the events fall on too few days for a time split: one pair held out per seeker (seed {args.seed})")
        title = f"leave-one-out: {len(split.test):,} held-out events of {split.test['seeker_id'].nunique():,} seekers"
        title += f", bundle {loaded.version}"
    if args.json:
        print(json.dumps(public_report(report), ensure_ascii=False, indent=2))
    else:
        print(title)
        print(metrics_table(report))
    return 0


def _ids(value: str) -> list[str] | None:
    return None if value == "all" else [v.strip() for v in value.split(",") if v.strip()]


def _warn_if_trained_past(model: object, as_of: pd.Timestamp) -> None:
    """Lists for a moment the bundle's training already saw the other side of: the history is refitted on
    the events before it (matcher.matching.Matcher.model_at), but the rankers learned from later outcomes."""
    from matcher.matching import Matcher

    last = getattr(getattr(model, "history_", None), "last_event_", None)
    if last is not None and not pd.isna(last) and last >= Matcher.rules_time(as_of):
        say(
            f"warning: the bundle was trained on events up to {last:%Y-%m-%d %H:%M}, after {as_of.date()}: the "
            f"lists use only the events before {as_of.date()}'s end, but the rankers learned from later outcomes; "
            f"for lists of {as_of.date()} train with --until {as_of.date()}"
        )


def cmd_recommend(args: argparse.Namespace) -> int:
    from matcher import batch
    from matcher.contract import write_csv
    from matcher.matching import Matcher

    if args.scheduler:  # a missing extra stops the command before any work
        require("distributed", "dask", "jobmatch recommend --scheduler")
        from jobmatch_cli.dask_cluster import dask_runner
    out = output_file(args.out)
    loaded = load_bundle(args)
    data = load_data(args)
    matcher = Matcher(loaded.model, data.seekers, data.openings, data.events)
    as_of = pd.Timestamp(args.as_of) if args.as_of else pd.Timestamp.now().normalize()
    _warn_if_trained_past(loaded.model, as_of)
    if not matcher.open_mask(as_of).any():
        say(
            f"warning: no opening is open on {as_of.date()} with a position left (posted_at..deadline, hires): "
            "every list is empty; give --as-of a day inside the openings' dates"
        )
    if args.seekers:
        ids = _ids(args.seekers) or list(data.seekers["seeker_id"])
    else:
        ids = _ids(args.openings) or list(data.openings["opening_id"])
    matcher.prepare(as_of)  # once, here: a cluster's workers receive it made
    progress = sys.stderr.isatty()  # a bar per step on a terminal
    runner = (
        dask_runner(args.scheduler, matcher, progress=progress)
        if args.scheduler
        else batch.in_process(matcher, progress=progress)
    )
    with runner as run:
        if args.seekers:
            found = batch.seeker_lists(run, matcher, ids, as_of, args.k)
        else:
            consented_only = not args.include_unconsented
            found = batch.opening_lists(run, matcher, ids, as_of, args.k, consented_only=consented_only)
    write_csv(found.assign(reasons=found["reasons"].map(";".join), cautions=found["cautions"].map(";".join)), out)
    say(f"wrote {len(found):,} rows for {len(ids):,} {'seekers' if args.seekers else 'openings'} to {out}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The training commands' parsers."""
    p = sub.add_parser(
        "sample",
        help="write a sample world: a year of a Seongdong job center, its snapshot copy, or a real-shaped export",
        description="Write a sample world as a contract folder (seekers.csv, openings.csv, events.csv).",
    )
    p.add_argument("--out", required=True, help="folder to write (created if missing)")
    p.add_argument(
        "--shape",
        choices=list(SAMPLE_SIZES),
        default="year",
        help="year: a dated year of the district (default); one-date: the same year with every event on its "
        "last day, as snapshot exports are (training falls back to leave-one-out); real: the shape of a real "
        "application export (8,500 seekers, 6,700 openings, 58,000 applications by default, opaque skill and "
        "occupation codes, one dong, one date)",
    )
    p.add_argument("--seekers", type=int, default=None, help="default 2,000 (year, one-date) or 8,500 (real)")
    p.add_argument("--openings", type=int, default=None, help="default 600 (year, one-date) or 6,700 (real)")
    p.add_argument("--applications", type=int, default=None, help="real shape only: about this many (default 58,000)")
    p.add_argument("--seed", type=int, default=7, help="seed of the sample world")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("validate", help="check a data folder against the contract")
    add_data_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("import-postings", help="convert national job-portal postings to openings.csv")
    p.add_argument("portal_csv", help="the portal's CSV export of postings (고용24/WorkNet)")
    p.add_argument("--out", required=True, help="openings.csv to write")
    p.set_defaults(func=cmd_import_postings)

    p = sub.add_parser("train", help="fit the rankers, evaluate, write a bundle")
    add_data_args(p)
    p.add_argument("--model-dir", default=DEFAULT_MODEL_DIR, help="folder of bundle versions and their CURRENT pointer")
    p.add_argument("--until", default=None, help="use only events before this date")
    p.add_argument(
        "--analyzer",
        choices=["char", "kiwi"],
        default="char",
        help="text analyzer: char n-grams (default) or kiwi morphemes (needs jobmatch[kiwi])",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the rankers (and of the held-out split, when dates cannot split)"
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a bundle on a time split")
    add_data_args(p)
    p.add_argument("--model", default=None, help="bundle folder (default: CURRENT of --model-dir)")
    p.add_argument("--model-dir", default=DEFAULT_MODEL_DIR, help="folder of bundle versions and their CURRENT pointer")
    p.add_argument("--cutoff", default=None, help="first day of the test window (default: the time split's last cut)")
    p.add_argument("--k", type=int, default=10, help="list length the metrics are taken at")
    p.add_argument("--seed", type=int, default=0, help="the held-out split's seed when dates cannot split (as train's)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("recommend", help="write ranked matches or candidates to CSV")
    add_data_args(p)
    p.add_argument("--model", default=None, help="bundle folder (default: CURRENT of --model-dir)")
    p.add_argument("--model-dir", default=DEFAULT_MODEL_DIR, help="folder of bundle versions and their CURRENT pointer")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--seekers", help="ID,ID or all")
    who.add_argument("--openings", help="ID,ID or all")
    p.add_argument(
        "--as-of", default=None, help="the day the lists are for, from what was known by its end (default: today)"
    )
    p.add_argument("--k", type=int, default=10, help="entries per list")
    p.add_argument(
        "--include-unconsented",
        action="store_true",
        help="candidate lists for staff: also seekers who did not consent to employer viewing",
    )
    p.add_argument("--out", required=True, help="CSV file to write (its folder must exist)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the lists on a Dask cluster: its scheduler's address (tcp://host:8786), or local:N for a cluster of "
        "N worker processes on this machine (local: one per core); the same CSV as without it (needs jobmatch[dask]; "
        "default: in this process)",
    )
    p.add_argument("--dask", dest="scheduler", help=argparse.SUPPRESS)  # its first name, kept as a hidden alias
    p.set_defaults(func=cmd_recommend)
