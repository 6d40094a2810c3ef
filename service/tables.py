"""The database tables (SQLAlchemy Core). Seekers, openings and events hold the contract's columns.

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

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(64)

employers = Table(
    "employers",
    metadata,
    Column("employer_id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
)

seekers = Table(
    "seekers",
    metadata,
    Column("seeker_id", ID, primary_key=True),
    Column("name", String(200)),  # counselors only (service.present never gives it to an employer)
    Column("birth_year", Integer, nullable=False),
    Column("gender", String(1)),
    Column("dong", String(100)),
    Column("lat", Float),
    Column("lon", Float),
    Column("groups", JSON, nullable=False, default=list),
    Column("education", String(32)),
    Column("experience_years", Float),
    Column("occupations", JSON, nullable=False, default=list),
    Column("skills", JSON, nullable=False, default=list),
    Column("desired_occupations", JSON, nullable=False, default=list),
    Column("desired_industries", JSON, nullable=False, default=list),
    Column("desired_wage_type", String(16)),
    Column("desired_wage_amount", BigInteger),
    Column("desired_hours", Integer),
    Column("max_commute_km", Float),
    Column("intro", Text),
    Column("consent_employer_view", Boolean, nullable=False, default=False),
    Column("access_needs", JSON, nullable=False, default=list, server_default="[]"),  # matcher.domain.ACCESS_KINDS
)

openings = Table(
    "openings",
    metadata,
    Column("opening_id", ID, primary_key=True),
    Column("employer_id", ID, ForeignKey("employers.employer_id"), nullable=False, index=True),
    Column("title", String(300), nullable=False),
    Column("occupation", String(200)),
    Column("industry", String(200)),
    Column("dong", String(100)),
    Column("lat", Float),
    Column("lon", Float),
    Column("wage_type", String(16)),
    Column("wage_amount", BigInteger),
    Column("hours_per_week", Integer),
    Column("employment_type", String(16)),
    Column("required_skills", JSON, nullable=False, default=list),
    Column("preferred_skills", JSON, nullable=False, default=list),
    Column("education_min", String(32)),
    Column("experience_min_years", Float),
    Column("program", String(32), nullable=False, default="general"),
    Column("target_groups", JSON, nullable=False, default=list),
    Column("age_min", Integer),
    Column("age_max", Integer),
    Column("positions", Integer, nullable=False, default=1),
    Column("posted_at", DateTime, nullable=False),
    Column("deadline", DateTime),
    Column("description", Text),
    Column("access_offered", JSON, nullable=False, default=list, server_default="[]"),
    Column("access_not_offered", JSON, nullable=False, default=list, server_default="[]"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("seeker_id", ID, ForeignKey("seekers.seeker_id", ondelete="CASCADE"), nullable=False),
    Column("opening_id", ID, ForeignKey("openings.opening_id", ondelete="CASCADE"), nullable=False),
    Column("event", String(16), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
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
    Column("label", String(200)),
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
