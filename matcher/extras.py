"""Optional parts of jobmatch, each installed by an extra (``pip install 'jobmatch[NAME]'``), and the clear error
when one is asked for without it."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """An optional part was asked for, and the package it needs is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` (a package of the extra ``extra``), or raise MissingExtra saying how to install it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # Only the package itself being absent is a missing extra; a broken install of it keeps its own error.
        if exc.name is None or exc.name.split(".")[0] != module.split(".")[0]:
            raise
        raise MissingExtra(
            f"{purpose} needs the package {module}, which is not installed: pip install 'jobmatch[{extra}]'"
        ) from exc
