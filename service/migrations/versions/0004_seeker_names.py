"""Seekers' names, for the counselor desk's search (counselors only).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("seekers", sa.Column("name", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("seekers") as batch:
        batch.drop_column("name")
