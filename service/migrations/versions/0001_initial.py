"""Seekers, openings, employers, events and the change log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("employer_id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "seekers",
        sa.Column("seeker_id", ID, primary_key=True),
        sa.Column("birth_year", sa.Integer, nullable=False),
        sa.Column("gender", sa.String(1)),
        sa.Column("dong", sa.String(100)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("groups", sa.JSON, nullable=False),
        sa.Column("education", sa.String(32)),
        sa.Column("experience_years", sa.Float),
        sa.Column("occupations", sa.JSON, nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("desired_occupations", sa.JSON, nullable=False),
        sa.Column("desired_industries", sa.JSON, nullable=False),
        sa.Column("desired_wage_type", sa.String(16)),
        sa.Column("desired_wage_amount", sa.BigInteger),
        sa.Column("desired_hours", sa.Integer),
        sa.Column("max_commute_km", sa.Float),
        sa.Column("intro", sa.Text),
        sa.Column("consent_employer_view", sa.Boolean, nullable=False),
    )
    op.create_table(
        "openings",
        sa.Column("opening_id", ID, primary_key=True),
        sa.Column(
            "employer_id",
            ID,
            sa.ForeignKey("employers.employer_id", name="fk_openings_employer_id_employers"),
            nullable=False,
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("occupation", sa.String(200)),
        sa.Column("industry", sa.String(200)),
        sa.Column("dong", sa.String(100)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("wage_type", sa.String(16)),
        sa.Column("wage_amount", sa.BigInteger),
        sa.Column("hours_per_week", sa.Integer),
        sa.Column("employment_type", sa.String(16)),
        sa.Column("required_skills", sa.JSON, nullable=False),
        sa.Column("preferred_skills", sa.JSON, nullable=False),
        sa.Column("education_min", sa.String(32)),
        sa.Column("experience_min_years", sa.Float),
        sa.Column("program", sa.String(32), nullable=False),
        sa.Column("target_groups", sa.JSON, nullable=False),
        sa.Column("age_min", sa.Integer),
        sa.Column("age_max", sa.Integer),
        sa.Column("positions", sa.Integer, nullable=False),
        sa.Column("posted_at", sa.DateTime, nullable=False),
        sa.Column("deadline", sa.DateTime),
        sa.Column("description", sa.Text),
    )
    op.create_index("ix_openings_employer_id", "openings", ["employer_id"])
    op.create_table(
        "events",
        sa.Column("event_id", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "seeker_id",
            ID,
            sa.ForeignKey("seekers.seeker_id", ondelete="CASCADE", name="fk_events_seeker_id_seekers"),
            nullable=False,
        ),
        sa.Column(
            "opening_id",
            ID,
            sa.ForeignKey("openings.opening_id", ondelete="CASCADE", name="fk_events_opening_id_openings"),
            nullable=False,
        ),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_events_seeker_opening", "events", ["seeker_id", "opening_id"])
    op.create_index("ix_events_opening", "events", ["opening_id"])
    op.create_table(
        "changes",
        sa.Column("revision", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", ID, nullable=False),
    )


def downgrade() -> None:
    for name in ("changes", "events", "openings", "seekers", "employers"):
        op.drop_table(name)
