"""The service's clock: Seoul wall-clock time. Times are stored without an offset and answered with one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def now() -> datetime:
    """Seoul wall-clock time now, without an offset (as stored)."""
    return datetime.now(SEOUL).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    """A time as Seoul wall-clock time without an offset; a naive time is taken as Seoul time already."""
    return value.astimezone(SEOUL).replace(tzinfo=None) if value.tzinfo else value


def with_offset(value: datetime) -> str:
    """RFC 3339 text of a stored time."""
    return (value if value.tzinfo else value.replace(tzinfo=SEOUL)).isoformat()
