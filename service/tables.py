"""The database tables (SQLAlchemy Core). Employers, seekers, openings and events hold the records declared in
``matcher.records``: their columns, types and lengths are derived from it (:func:`record_columns`).

Lists are JSON arrays. ``changes`` is the log of writes that lets every
service instance sharing one database bring its in-memory matcher up to date.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from matcher import records

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(records.ID_LENGTH)
INT_MAX = 2**31 - 1  # the largest value an Integer column holds; a larger bound needs a BigInteger
# List columns added to tables that already held rows (migration 0005): the database gives old rows an empty list.
ADDED_BY_MIGRATION = frozenset({"access_needs", "access_offered", "access_not_offered"})


def column_type(col: records.Column) -> TypeEngine:
    """The database type of a record's column (matcher.records): text and codes as long as they may be."""
    if col.kind == "text":
        return String(col.max_length) if col.max_length is not None else Text()
    if col.kind == "enum":
        return String(col.max_length)
    if col.kind == "int":
        highest = next(bound for bound in (col.high, col.request_limit, records.MAX_INT) if bound is not None)
        return BigInteger() if highest > INT_MAX else Integer()
    simple = {"float": Float, "bool": Boolean, "date": DateTime, "list": JSON, "enum_list": JSON}
    return simple[col.kind]()


def record_columns(kind: str, *, leave_out: tuple[str, ...] = (), **references: tuple) -> list[Column]:
    """The columns of a record (``kind``: seekers, openings, employers, events), declared in matcher.records.

    Its first column is the key unless ``references`` names it; ``references`` gives a column its foreign key
    and index (``(ForeignKey(...), {"index": True})``). Lists are JSON arrays, never null.
    """
    declared = [col for col in records.RECORDS[kind] if col.name not in leave_out]
    out = []
    for col in declared:
        constraints, options = references.get(col.name, ((), {}))
        if col is declared[0] and col.name not in references:
            options = {"primary_key": True}
        default = list if col.is_list else col.default
        nullable = not (col.required or col.is_list or col.kind == "bool" or default is not None)
        if col.name in ADDED_BY_MIGRATION:
            options = {**options, "server_default": "[]"}
        out.append(Column(col.name, column_type(col), *constraints, nullable=nullable, default=default, **options))
    return out


employers = Table("employers", metadata, *record_columns("employers"))

# The seeker's name is for counselors only (service.present never gives it to an employer).
seekers = Table("seekers", metadata, *record_columns("seekers"))

# The employer's name is the employer's record (joined as employer_name).
openings = Table(
    "openings",
    metadata,
    *record_columns(
        "openings",
        leave_out=("employer_name",),
        employer_id=((ForeignKey("employers.employer_id"),), {"index": True}),
    ),
)

events = Table(
    "events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    *record_columns(
        "events",
        seeker_id=((ForeignKey("seekers.seeker_id", ondelete="CASCADE"),), {}),
        opening_id=((ForeignKey("openings.opening_id", ondelete="CASCADE"),), {}),
    ),
    Index("ix_events_seeker_opening", "seeker_id", "opening_id"),
    Index("ix_events_opening", "opening_id"),
)

changes = Table(
    "changes",
    metadata,
    Column("revision", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("entity", String(16), nullable=False),  # seeker, opening, employer, event
    Column("entity_id", ID, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the whole token; never the token
    Column("role", String(16), nullable=False),
    Column("employer_id", ID),
    Column("seeker_id", ID),
    Column("label", String(records.NAME_LENGTH)),  # as the API's Name
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

# Signed-in page sessions (service.pages.sessions): the cookie is stored only as its sha256, like a token.
sessions = Table(
    "sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("token_id", String(32), ForeignKey("tokens.token_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),  # the token every writing form of the session carries
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),  # set at sign-out: the cookie is dead even if a browser keeps it
)

# Who read which seeker's data, when and through which route. Only ids: the entries outlive a deleted seeker.
access_log = Table(
    "access_log",
    metadata,
    Column("entry_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("token_id", String(32)),
    Column("role", String(16), nullable=False),
    Column("route", String(200), nullable=False),
    Column("seeker_id", ID, index=True),
    Column("opening_id", ID),
    Column("request_id", String(32), nullable=False),
)
