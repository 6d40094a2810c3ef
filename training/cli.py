"""The ``jobmatch`` command line: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.exc import DBAPIError

from matcher import bundle
from matcher.contract import ContractError, Dataset, load_folder
from matcher.extras import MissingExtra

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_MODEL_DIR = "models"
DEMO_DIR = Path("var/demo")


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _load(args: argparse.Namespace) -> Dataset:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_folder(args.data, skip_bad_rows=args.skip_bad_rows, rejects_dir=args.rejects_dir)
    for warning in caught:
        _say(f"warning: {warning.message}")
    _say(f"loaded {len(data.seekers):,} seekers, {len(data.openings):,} openings, {len(data.events):,} events")
    return data


def _add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="folder with seekers.csv, openings.csv, events.csv")
    parser.add_argument("--skip-bad-rows", action="store_true", help="skip bad rows into rejected-*.csv")
    parser.add_argument("--rejects-dir", default=None, help="where rejected-*.csv go (default: the data folder)")


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
    data = _load(args)
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


def _settings():
    """The service's settings, for a command that uses the secret key: refused with the default outside development."""
    from service.config import InsecureSecret, get_settings

    settings = get_settings()
    try:
        settings.check_secret()
    except InsecureSecret as exc:
        raise ValueError(str(exc)) from None
    return settings


def _bundle(args: argparse.Namespace) -> bundle.Loaded:
    """The bundle named by --model (else CURRENT of --model-dir), its signature checked with the secret key."""
    settings = _settings()
    signing = {"key": settings.secret_key, "require_signature": settings.signed_bundles_only}
    return bundle.load(args.model, **signing) if args.model else bundle.load_current(args.model_dir, **signing)


def _metrics_table(report: dict) -> str:
    from training.audit import format_figures

    lines = []
    for side, side_report in report.items():
        lines.append(f"\n{side}-side (k=10)")
        lines.append(f"{'system':<12}{'ndcg@10':>9}{'recall@10':>11}{'mrr':>7}{'hire@10':>9}{'cover':>7}{'gini':>7}")
        for name, m in side_report["systems"].items():
            lines.append(
                f"{name:<12}{m['ndcg@10']:>9.3f}{m['recall@10']:>11.3f}{m['mrr']:>7.3f}"
                f"{m['hire_hit@10']:>9.3f}{m['coverage']:>7.3f}{m['gini']:>7.3f}"
            )
        groups = side_report["groups"].get("jobmatch", {})
        if groups:
            lines.append("  jobmatch ndcg@10 by group: " + ", ".join(f"{g} {v:.3f}" for g, v in groups.items()))
        others = [m["ndcg@10"] for name, m in side_report["systems"].items() if name != "jobmatch"]
        if others and "jobmatch" in side_report["systems"]:
            ratio = side_report["systems"]["jobmatch"]["ndcg@10"] / max(max(others), 1e-9)
            lines.append(f"  jobmatch ndcg@10 = {ratio:.2f} x the best baseline")
        stage_one = side_report.get("stage_one", {})
        if stage_one:
            line = f"  stage one kept {stage_one['truth']:.1%} of the truth for the ranker"
            if "ease_top_truth" in stage_one:
                line += f" ({stage_one['ease_top_truth']:.1%} of what EASE put in its top 10)"
            if "ease_first" in stage_one:
                line += f"; it kept EASE's first candidate for {stage_one['ease_first']:.1%} of the queries"
            lines.append(line)
        if "day" in side_report:
            ndcg = {"all": side_report["systems"]["jobmatch"]["ndcg@10"], **groups}
            fit, market = side_report["day"]["fit"], side_report["day"]["market"]
            lines.append("\n" + format_figures(fit, market, ndcg))
    return "\n".join(lines)


def _public_report(report: dict) -> dict:
    """The report without per-query arrays, for JSON and manifests."""
    hidden = ("ndcg_per_query", "score_gain")
    return {side: {k: v for k, v in r.items() if k not in hidden} for side, r in report.items()}


def cmd_train(args: argparse.Namespace) -> int:
    from matcher.ranker import PairModel
    from matcher.text import make_vectorizer
    from training.pipeline import pipeline_settings, train
    from training.report import write_report

    key = _settings().secret_key  # before the work: a default key outside development is refused
    make_vectorizer(args.analyzer)  # so is an analyzer that cannot run here (kiwi without kiwipiepy)
    data = _load(args)
    model = PairModel(analyzer=args.analyzer, random_state=args.seed)
    result = train(data, until=args.until, model=model, seed=args.seed, progress=_say)
    manifest = {
        "data_fingerprint": bundle.fingerprint(data.seekers, data.openings, data.events),
        "data_rows": {"seekers": len(data.seekers), "openings": len(data.openings), "events": len(data.events)},
        "parameters": model.__dict__ | pipeline_settings(),
        "cutoffs": result.cutoffs,
        "history_until": str(result.model.history_.last_event_),
        "training_pairs": result.training_pairs,
        "metrics": _public_report(result.report),
    }
    manifest["parameters"] = {k: v for k, v in manifest["parameters"].items() if not k.endswith("_")}
    folder = bundle.save(result.model, args.model_dir, manifest, key=key)
    page = write_report(result.report, folder / "report.html", notes=f"time split: {result.cutoffs}")
    print(_metrics_table(result.report))
    print(f"\nbundle written to {folder} (now CURRENT); report: {page}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training import holdout
    from training.evaluate import evaluate, evaluate_held_out
    from training.pipeline import cut_dates

    loaded = _bundle(args)
    data = _load(args)
    events, model = data.events, loaded.model
    cuts = cut_dates(events)
    if args.cutoff or holdout.time_split_works(events, cuts):
        cutoff = pd.Timestamp(args.cutoff) if args.cutoff else cuts[-1]
        known, test = events[events["occurred_at"] < cutoff], events[events["occurred_at"] >= cutoff]
        model.fit_history(known, data.seekers, data.openings, count_events=events)
        report = evaluate(model, data.seekers, data.openings, events, cutoff, k=args.k, progress=_say)
        title = f"test window from {cutoff.date()} ({len(test):,} events), bundle {loaded.version}"
    else:
        # The same split as training with the same seed, so the rankers never saw the held-out pairs.
        held = holdout.split(events, args.seed)
        _say(f"the events fall on too few days for a time split: one pair held out per seeker (seed {args.seed})")
        model.fit_history(held.known, data.seekers, data.openings, count_events=held.known)
        report = evaluate_held_out(model, data.seekers, data.openings, held, k=args.k, seed=args.seed, progress=_say)
        title = f"leave-one-out: {len(held.test):,} held-out events of {held.test['seeker_id'].nunique():,} seekers"
        title += f", bundle {loaded.version}"
    if args.json:
        print(json.dumps(_public_report(report), ensure_ascii=False, indent=2))
    else:
        print(title)
        print(_metrics_table(report))
    return 0


def _output_file(path: str | Path) -> Path:
    """An output file's path, checked before any work: its folder must exist and be writable."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder of --out does not exist: {folder} (create it first)")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(f"cannot write {path}: no permission")
    return path


def _ids(value: str) -> list[str] | None:
    return None if value == "all" else [v.strip() for v in value.split(",") if v.strip()]


def _warn_if_trained_past(model: object, as_of: pd.Timestamp) -> None:
    """Lists for a moment the bundle's training already saw the other side of: the history is refitted on
    the events before it (matcher.matching.Matcher.model_at), but the rankers learned from later outcomes."""
    from matcher.matching import Matcher

    last = getattr(getattr(model, "history_", None), "last_event_", None)
    if last is not None and not pd.isna(last) and last >= Matcher.rules_time(as_of):
        _say(
            f"warning: the bundle was trained on events up to {last:%Y-%m-%d %H:%M}, after {as_of.date()}: the "
            f"lists use only the events before {as_of.date()}'s end, but the rankers learned from later outcomes; "
            f"for lists of {as_of.date()} train with --until {as_of.date()}"
        )


def cmd_recommend(args: argparse.Namespace) -> int:
    from matcher.contract import write_csv
    from matcher.matching import Matcher

    out = _output_file(args.out)
    loaded = _bundle(args)
    data = _load(args)
    matcher = Matcher(loaded.model, data.seekers, data.openings, data.events)
    as_of = pd.Timestamp(args.as_of) if args.as_of else pd.Timestamp.now().normalize()
    _warn_if_trained_past(loaded.model, as_of)
    if not matcher.open_mask(as_of).any():
        _say(
            f"warning: no opening is open on {as_of.date()} with a position left (posted_at..deadline, hires): "
            "every list is empty; give --as-of a day inside the openings' dates"
        )
    if args.seekers:
        ids = _ids(args.seekers) or list(data.seekers["seeker_id"])
        found = matcher.matches(ids, as_of, k=args.k)
        rows = [(m.seeker_id, m.rank, m.opening_id, m.score, ";".join(m.reasons)) for m in found]
        columns = ["seeker_id", "rank", "opening_id", "score", "reasons"]
    else:
        ids = _ids(args.openings) or list(data.openings["opening_id"])
        found = matcher.candidates(ids, as_of, k=args.k, consented_only=not args.include_unconsented)
        rows = [(m.opening_id, m.rank, m.seeker_id, m.score, ";".join(m.reasons)) for m in found]
        columns = ["opening_id", "rank", "seeker_id", "score", "reasons"]
    write_csv(pd.DataFrame(rows, columns=columns), out)
    _say(f"wrote {len(rows):,} rows for {len(ids):,} {'seekers' if args.seekers else 'openings'} to {out}")
    return 0


def _database_url(args: argparse.Namespace) -> str:
    from service.config import get_settings

    return args.database_url or get_settings().database_url


def cmd_import(args: argparse.Namespace) -> int:
    from service.db import make_engine
    from service.migrate import upgrade
    from service.store import import_dataset

    data = _load(args)
    engine = make_engine(_database_url(args))
    upgrade(engine)
    summary = import_dataset(engine, data, replace=args.replace)
    print(
        f"imported {summary.seekers:,} seekers, {summary.openings:,} openings ({summary.employers:,} new employers), "
        f"{summary.events:,} events into {engine.url.render_as_string(hide_password=True)}"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from service.db import make_engine
    from service.store import export_folder

    key = _settings().secret_key if args.pseudonymize else None
    summary = export_folder(make_engine(_database_url(args)), args.out, pseudonymize_with=key)
    kind = "pseudonymised " if args.pseudonymize else ""
    counts = f"{summary.seekers:,} seekers, {summary.openings:,} openings, {summary.events:,} events"
    print(f"wrote {kind}{counts} to {args.out}")
    if args.pseudonymize:
        from service.pseudonym import K

        rungs = ", ".join(f"{name} {rung}" for name, rung in summary.rungs.items())
        print(f"k-anonymity k={K}: every combination of the quasi-identifiers is shared by at least {K} seekers; "
              f"{summary.left_out:,} seekers left out with their events; generalisation rungs: {rungs}")  # fmt: skip
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    from service import auth, tables
    from service.db import make_engine
    from service.migrate import upgrade

    engine = make_engine(_database_url(args))
    upgrade(engine)
    with engine.begin() as conn:
        if args.action == "add":
            token_id, token = auth.issue(
                conn, args.role, employer_id=args.employer, seeker_id=args.seeker, label=args.label
            )
            print(f"token_id {token_id} ({args.role}); the token, shown only now:\n{token}")
        elif args.action == "revoke":
            if not auth.revoke(conn, args.token_id):
                raise KeyError(f"no active token {args.token_id!r}")
            print(f"revoked {args.token_id}")
        else:
            rows = conn.execute(tables.tokens.select().order_by(tables.tokens.c.created_at)).mappings()
            for row in rows:
                bound = row["employer_id"] or row["seeker_id"] or ""
                state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "active"
                print(f"{row['token_id']}  {row['role']:<9} {bound:<12} {state:<18} {row['label'] or ''}")
    return 0


def cmd_access_log(args: argparse.Namespace) -> int:
    from service import access
    from service.db import make_engine

    since = pd.Timestamp(args.since).to_pydatetime() if args.since else None
    count = access.export(make_engine(_database_url(args)), _output_file(args.out), since=since)
    print(f"wrote {count:,} access-log rows to {args.out}")
    return 0


def cmd_serve(args: argparse.Namespace, sock: socket.socket | None = None) -> int:
    from service.config import get_settings
    from service.server import listening_socket, run

    sock = sock or listening_socket(args.host, args.port)  # a taken port is said before anything else
    if args.database_url:
        os.environ["JOBMATCH_DATABASE_URL"] = args.database_url
    if args.model_dir:
        os.environ["JOBMATCH_MODEL_DIR"] = args.model_dir
    # The app reads the environment just set: settings read earlier in this process (the demo's, for its key)
    # were kept by get_settings, and the app got those (the demo served var/jobmatch.db, and no model).
    get_settings.cache_clear()
    run(args.host, args.port, args.workers, sock)
    return 0


DEMO_EXAMPLES = """
jobmatch demo: pages and API on http://{host}:{port}
  http://{host}:{port}/          a young applicant's self-search (no account)
  http://{host}:{port}/desk      the counselor desk  (sign in at /signin with the counselor token below)
  http://{host}:{port}/employer  the employer view   (sign in with the employer token below)
  http://{host}:{port}/docs      the API (press "Authorize" and paste a token below)

Demo tokens (new ones each run; the database keeps only their hashes):
  counselor  {counselor}
  employer   {employer}   (employer {employer_id})
  admin      {admin}

  C='Authorization: Bearer {counselor}'
  curl -s http://{host}:{port}/health
  curl -s -H "$C" 'http://{host}:{port}/seekers/{seeker}/matches?k=5'
  curl -s -H 'Authorization: Bearer {employer}' 'http://{host}:{port}/openings/{opening}/candidates?k=5'
  curl -s -X POST http://{host}:{port}/search -H 'content-type: application/json' \\
       -d '{{"birth_year": 2000, "dong": "성수2가1동", "groups": ["youth"], "skills": ["미싱"]}}'
  curl -s -X POST -H "$C" http://{host}:{port}/assignments -H 'content-type: application/json' \\
       -d '{{"program": "youth_1on1"}}'

Lists are computed for {as_of} (inside the sample year) unless a request gives ?as_of=; events recorded
without occurred_at are stamped on that day. Ctrl-C stops.
"""


def _demo_tokens(engine: Engine, employer_id: str) -> dict[str, str]:
    """Fresh counselor, employer and admin tokens for the demo; earlier demo tokens are revoked."""
    from service import auth, tables

    with engine.begin() as conn:
        earlier = conn.scalars(tables.tokens.select().with_only_columns(tables.tokens.c.token_id)
                               .where(tables.tokens.c.label == "demo")).all()  # fmt: skip
        for token_id in earlier:
            auth.revoke(conn, token_id)
        return {
            "counselor": auth.issue(conn, "counselor", label="demo")[1],
            "employer": auth.issue(conn, "employer", employer_id=employer_id, label="demo")[1],
            "admin": auth.issue(conn, "admin", label="demo")[1],
        }


def demo_day(openings: pd.DataFrame) -> date:
    """The day the demo's lists are for: late in the sample year, with most of its history before it."""
    return openings["posted_at"].quantile(0.85).normalize().date()


def _demo_bundle_fits(model_dir: Path, as_of: date, settings=None) -> bool:
    """Whether the demo's bundle loads (signed with this key where required) and was trained on the events before
    its day, and on nothing after."""
    settings = settings or _settings()
    try:
        loaded = bundle.load_current(model_dir, key=settings.secret_key, require_signature=settings.signed_bundles_only)
    except bundle.BundleError:
        return False
    return loaded.manifest.get("cutoffs", {}).get("until") == as_of.isoformat()


def cmd_demo(args: argparse.Namespace) -> int:
    from service.db import make_engine
    from service.migrate import upgrade
    from service.server import listening_socket
    from service.store import import_dataset, latest_revision
    from training.pipeline import train
    from training.sample import generate

    # First of all: with the port taken (a demo already running), nothing is done, and its tokens stay valid.
    sock = listening_socket(args.host, args.port)
    data_dir, model_dir, database = DEMO_DIR / "data", DEMO_DIR / "models", DEMO_DIR / "jobmatch.db"
    if not (data_dir / "seekers.csv").is_file():
        _say(f"generating the sample Seongdong world into {data_dir}")
        generate(data_dir, seed=7)
    data = load_folder(data_dir)
    as_of = demo_day(data.openings)
    settings = _settings()
    if not _demo_bundle_fits(model_dir, as_of, settings):
        _say(f"training on the sample world's events before {as_of} (about a minute)")
        result = train(data, until=as_of, progress=_say)
        manifest = {"metrics": _public_report(result.report), "cutoffs": result.cutoffs}
        bundle.save(result.model, model_dir, manifest, key=settings.secret_key)
        print(_metrics_table(result.report))
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        empty = latest_revision(conn) == 0
    if empty:
        _say(f"importing the sample world into {database}")
        import_dataset(engine, data)
    opening = data.openings[data.openings["posted_at"].dt.date <= as_of].iloc[-1]
    tokens = _demo_tokens(engine, str(opening["employer_id"]))
    engine.dispose()
    # The demo serves its own database and bundle, whatever the environment says.
    os.environ.update(
        JOBMATCH_DATABASE_URL=url, JOBMATCH_MODEL_DIR=str(model_dir), JOBMATCH_DEFAULT_AS_OF=as_of.isoformat()
    )
    youth = data.seekers[data.seekers["groups"].map(lambda g: "youth" in g)]
    example = {"seeker": youth["seeker_id"].iloc[0], "opening": opening["opening_id"]}
    example |= {"employer_id": opening["employer_id"], **tokens}
    print(DEMO_EXAMPLES.format(host=args.host, port=args.port, as_of=as_of, **example))
    args.database_url, args.model_dir, args.workers = None, None, 1
    return cmd_serve(args, sock)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobmatch", description="Job matching for the Seongdong-gu job center.")
    sub = parser.add_subparsers(dest="command", required=True)

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
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("validate", help="check a data folder against the contract")
    _add_data_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("import-postings", help="convert national job-portal postings to openings.csv")
    p.add_argument("portal_csv")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_import_postings)

    p = sub.add_parser("train", help="fit the rankers, evaluate, write a bundle")
    _add_data_args(p)
    p.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    p.add_argument("--until", default=None, help="use only events before this date")
    p.add_argument(
        "--analyzer",
        choices=["char", "kiwi"],
        default="char",
        help="text analyzer: char n-grams (default) or kiwi morphemes (needs jobmatch[kiwi])",
    )
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a bundle on a time split")
    _add_data_args(p)
    p.add_argument("--model", default=None, help="bundle folder (default: CURRENT)")
    p.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    p.add_argument("--cutoff", default=None)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="the held-out split's seed when dates cannot split (as train's)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("recommend", help="write ranked matches or candidates to CSV")
    _add_data_args(p)
    p.add_argument("--model", default=None)
    p.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--seekers", help="ID,ID or all")
    who.add_argument("--openings", help="ID,ID or all")
    p.add_argument("--as-of", default=None)
    p.add_argument("--k", type=int, default=10)
    p.add_argument(
        "--include-unconsented",
        action="store_true",
        help="candidate lists for staff: also seekers who did not consent to employer viewing",
    )
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_recommend)

    p = sub.add_parser("import", help="load a data folder into the service database")
    _add_data_args(p)
    p.add_argument("--database-url", default=None, help="default: JOBMATCH_DATABASE_URL or sqlite:///var/jobmatch.db")
    p.add_argument("--replace", action="store_true", help="empty the database first")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the service database out as a data folder (with events)")
    p.add_argument("--out", required=True)
    p.add_argument("--database-url", default=None)
    p.add_argument(
        "--pseudonymize",
        action="store_true",
        help="keyed-hash ids (key: JOBMATCH_SECRET_KEY), no free text, no employer names, and k-anonymity (k=5) on "
        "birth year, gender, place, education, experience and occupations by generalising or leaving seekers out",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("tokens", help="issue, revoke or list bearer tokens")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database-url", default=None)
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="issue a token (printed once)", parents=[database])
    add.add_argument("--role", required=True, choices=["counselor", "employer", "seeker", "admin"])
    add.add_argument("--employer", default=None, help="employer_id an employer token is bound to")
    add.add_argument("--seeker", default=None, help="seeker_id a seeker token is bound to")
    add.add_argument("--label", default=None, help="who holds it, e.g. a counselor's name")
    revoke = actions.add_parser("revoke", help="revoke a token by its token_id", parents=[database])
    revoke.add_argument("token_id")
    actions.add_parser("list", help="list tokens (never the secrets)", parents=[database])
    p.set_defaults(func=cmd_tokens)

    p = sub.add_parser("access-log", help="export the access log as CSV")
    p.add_argument("--since", default=None, help="ISO date or datetime")
    p.add_argument("--out", default="/dev/stdout")
    p.add_argument("--database-url", default=None)
    p.set_defaults(func=cmd_access_log)

    p = sub.add_parser("serve", help="run the matching service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--database-url", default=None)
    p.add_argument("--model-dir", default=None, help="default: JOBMATCH_MODEL_DIR or models")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="sample world → train → import → serve on 127.0.0.1:8000")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="default 8000 (make demo PORT=8001)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ContractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (bundle.BundleError, MissingExtra, OSError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        # The driver's first line says what was refused; the statement and its rows (personal data) are left out.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        print(f"error: the database refused the command ({type(exc).__name__}: {reason}); nothing was changed",
              file=sys.stderr)  # fmt: skip
        return 2


if __name__ == "__main__":
    sys.exit(main())
