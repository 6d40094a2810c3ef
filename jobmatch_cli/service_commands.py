"""Service commands: the database (import, export, tokens, access log) and serving."""

from __future__ import annotations

import argparse
import os
import socket

import pandas as pd

from jobmatch_cli.common import add_data_args, load_data, output_file, secret_settings


def _database_url(args: argparse.Namespace) -> str:
    from service.config import get_settings

    return args.database_url or get_settings().database_url


def cmd_import(args: argparse.Namespace) -> int:
    from service.db import make_engine
    from service.import_export import import_dataset
    from service.migrate import upgrade

    data = load_data(args)
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
    from service.import_export import export_folder

    key = secret_settings().secret_key if args.pseudonymize else None
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
    count = access.export(make_engine(_database_url(args)), output_file(args.out), since=since)
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


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The service commands' parsers."""
    p = sub.add_parser("import", help="load a data folder into the service database")
    add_data_args(p)
    p.add_argument(
        "--database-url",
        default=None,
        help="the service database (default: JOBMATCH_DATABASE_URL, else sqlite:///var/jobmatch.db)",
    )
    p.add_argument("--replace", action="store_true", help="empty the database first")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the service database out as a data folder (with events)")
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument(
        "--database-url",
        default=None,
        help="the service database (default: JOBMATCH_DATABASE_URL, else sqlite:///var/jobmatch.db)",
    )
    p.add_argument(
        "--pseudonymize",
        action="store_true",
        help="keyed-hash ids (key: JOBMATCH_SECRET_KEY), no free text, no employer names, and k-anonymity (k=5) on "
        "birth year, gender, place, education, experience and occupations by generalising or leaving seekers out",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("tokens", help="issue, revoke or list bearer tokens")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url",
        default=None,
        help="the service database (default: JOBMATCH_DATABASE_URL, else sqlite:///var/jobmatch.db)",
    )
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="issue a token (printed once)", parents=[database])
    add.add_argument(
        "--role", required=True, choices=["counselor", "employer", "seeker", "admin"], help="what the token may reach"
    )
    add.add_argument("--employer", default=None, help="employer_id an employer token is bound to")
    add.add_argument("--seeker", default=None, help="seeker_id a seeker token is bound to")
    add.add_argument("--label", default=None, help="who holds it, e.g. a counselor's name")
    revoke = actions.add_parser("revoke", help="revoke a token by its token_id", parents=[database])
    revoke.add_argument("token_id", help="the token's id (as tokens list shows it)")
    actions.add_parser("list", help="list tokens (never the secrets)", parents=[database])
    p.set_defaults(func=cmd_tokens)

    p = sub.add_parser("access-log", help="export the access log as CSV")
    p.add_argument("--since", default=None, help="ISO date or datetime")
    p.add_argument("--out", default="/dev/stdout", help="CSV file to write (default: standard output)")
    p.add_argument(
        "--database-url",
        default=None,
        help="the service database (default: JOBMATCH_DATABASE_URL, else sqlite:///var/jobmatch.db)",
    )
    p.set_defaults(func=cmd_access_log)

    p = sub.add_parser("serve", help="run the matching service")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--workers", type=int, default=1, help="worker processes (uvicorn's own; each loads the bundle)")
    p.add_argument(
        "--database-url",
        default=None,
        help="the service database (default: JOBMATCH_DATABASE_URL, else sqlite:///var/jobmatch.db)",
    )
    p.add_argument("--model-dir", default=None, help="folder of bundles (default: JOBMATCH_MODEL_DIR, else models)")
    p.set_defaults(func=cmd_serve)
