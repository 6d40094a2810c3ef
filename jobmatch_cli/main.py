"""The ``jobmatch`` command line: one entry point, one subcommand per job; every option says its default."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


class DefaultsFormatter(argparse.HelpFormatter):
    """Each option's help ends with its default, unless it has none (required, a flag, or said in words)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.required or action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An argument parser whose help shows defaults; its subcommands' parsers are of this class too."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand: the training side's, the service side's, and the demo that joins them."""
    # Imported here, not above: uvicorn's spawned workers re-import this module (the `jobmatch` script's), and
    # the commands' modules bring pandas and scikit-learn; a worker answers its supervisor's ping only after.
    from jobmatch_cli import demo, service_commands, training_commands

    parser = Parser(prog="jobmatch", description="Job matching for the Seongdong-gu job center.")
    sub = parser.add_subparsers(dest="command", required=True)
    training_commands.add_commands(sub)
    service_commands.add_commands(sub)
    demo.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import DBAPIError

    from matcher import bundle
    from matcher.contract import ContractError
    from matcher.extras import MissingExtra

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
