"""``jobmatch demo``: a sample world, trained and imported, served with demo tokens."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from jobmatch_cli.common import metrics_table, public_report, say, secret_settings
from jobmatch_cli.service_commands import cmd_serve
from matcher import bundle
from matcher.contract import load_folder

if TYPE_CHECKING:
    from sqlalchemy import Engine


DEMO_DIR = Path("var/demo")


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
    settings = settings or secret_settings()
    try:
        loaded = bundle.load_current(model_dir, key=settings.secret_key, require_signature=settings.signed_bundles_only)
    except bundle.BundleError:
        return False
    return loaded.manifest.get("cutoffs", {}).get("until") == as_of.isoformat()


def cmd_demo(args: argparse.Namespace) -> int:
    from service.changes import latest_revision
    from service.db import make_engine
    from service.import_export import import_dataset
    from service.migrate import upgrade
    from service.server import listening_socket
    from training.pipeline import train
    from training.sample import generate

    # First of all: with the port taken (a demo already running), nothing is done, and its tokens stay valid.
    sock = listening_socket(args.host, args.port)
    data_dir, model_dir, database = DEMO_DIR / "data", DEMO_DIR / "models", DEMO_DIR / "jobmatch.db"
    if not (data_dir / "seekers.csv").is_file():
        say(f"generating the sample Seongdong world into {data_dir}")
        generate(data_dir, seed=7)
    data = load_folder(data_dir)
    as_of = demo_day(data.openings)
    settings = secret_settings()
    if not _demo_bundle_fits(model_dir, as_of, settings):
        say(f"training on the sample world's events before {as_of} (about a minute)")
        result = train(data, until=as_of, progress=say)
        manifest = {"metrics": public_report(result.report), "cutoffs": result.cutoffs}
        bundle.save(result.model, model_dir, manifest, key=settings.secret_key)
        print(metrics_table(result.report))
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        empty = latest_revision(conn) == 0
    if empty:
        say(f"importing the sample world into {database}")
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


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The demo's parser."""
    p = sub.add_parser("demo", help="sample world → train → import → serve on 127.0.0.1:8000")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (make demo PORT=8001 picks another)")
    p.set_defaults(func=cmd_demo)
