"""Bearer tokens (hashes only) and the access log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(64)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("token_id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("employer_id", ID),
        sa.Column("seeker_id", ID),
        sa.Column("label", sa.String(200)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.UniqueConstraint("token_hash", name="uq_tokens_token_hash"),
    )
    op.create_table(
        "access_log",
        sa.Column("entry_id", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("token_id", sa.String(32)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("seeker_id", ID),
        sa.Column("opening_id", ID),
        sa.Column("request_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_seeker_id", "access_log", ["seeker_id"])


def downgrade() -> None:
    op.drop_table("access_log")
    op.drop_table("tokens")
