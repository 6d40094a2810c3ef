"""The command line's own rules: every option of every command says what it is for and shows its default; the
training and service commands live in modules of their own, and training/ does not know the service exists."""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmatch_cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _commands(parser: argparse.ArgumentParser, path: str = "jobmatch") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{path} {name}", sub
                yield from _commands(sub, f"{path} {name}")


COMMANDS = dict(_commands(build_parser()))


def test_every_command_is_there() -> None:
    names = {path.split()[1] for path in COMMANDS}
    assert names == {"sample", "validate", "import-postings", "train", "evaluate", "recommend", "import", "export",
                     "tokens", "access-log", "serve", "demo"}  # fmt: skip


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_option_has_help_and_shows_its_default(path: str) -> None:
    parser = COMMANDS[path]
    text = parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"{path} {name} has no help text"
        if action.default not in (None, False, argparse.SUPPRESS) and not action.required:
            shown = f"(default: {action.default})"
            said = "default" in action.help
            assert said or shown in " ".join(text.split()), f"{path} {name}: its default is not shown"


def test_defaults_are_shown_in_the_help() -> None:
    text = " ".join(COMMANDS["jobmatch serve"].format_help().split())
    assert "(default: 8000)" in text and "(default: 127.0.0.1)" in text and "(default: 1)" in text


def _imports(folder: str) -> set[str]:
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(f"{path.name}:{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(f"{path.name}:{node.module}")
    return found


def test_training_does_not_import_the_service() -> None:
    """Before: training/cli.py made 13 imports of service.* (serve, tokens, import, export, access-log)."""
    assert sorted(i for i in _imports("training") if i.split(":")[1].split(".")[0] in ("service", "jobmatch_cli")) == []


def test_training_commands_do_not_import_the_service_commands() -> None:
    found = _imports("jobmatch_cli")
    assert not [i for i in found if i.startswith("training_commands.py:") and "service_commands" in i]
    assert not [i for i in found if i.startswith("service_commands.py:") and "training_commands" in i]
