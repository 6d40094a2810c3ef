"""Log lines nobody can forge: one record is one line, every control character in it escaped.

A request path, a header or an error message is the caller's text. Logged as it came, ``GET /x%0aINFO: ...``
wrote a line of the caller's choosing into the log, and NUL bytes reached it raw. Both formatters here write each
record on one line: ``text`` (uvicorn's look, for a console) with CR, LF, NUL and every other control character
shown as an escape (``\\n``, ``\\x00``), or ``json`` (one object a line, for log collectors), where JSON's own
escaping does the same. Chosen with ``JOBMATCH_LOG_FORMAT``.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """``text`` with every control character written as an escape, so that it stays on one line."""
    return UNSAFE.sub(_escape_one, text)


def _escape_one(match: re.Match) -> str:
    char = match[0]
    if char in NAMED:
        return NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


class TextFormatter(logging.Formatter):
    """``LEVEL:    message`` like uvicorn's console lines, the message and any traceback escaped onto one line."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s:" + " " * 5 + "%(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        return self._style.format(_escaped(record))

    def formatException(self, ei) -> str:
        return escape(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\\n")  # the traceback's own line breaks too


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and, when there is one, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return escape(json.dumps(entry, ensure_ascii=False))


def _escaped(record: logging.LogRecord) -> logging.LogRecord:
    copy = logging.makeLogRecord(record.__dict__)
    copy.message = escape(record.getMessage())
    return copy


FORMATTERS = {"text": TextFormatter, "json": JsonFormatter}


def config(kind: str) -> dict:
    """A ``logging.config.dictConfig`` for the service: uvicorn's loggers and ``jobmatch``'s, through one handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"safe": {"()": FORMATTERS[kind]}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "safe", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "jobmatch": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }
