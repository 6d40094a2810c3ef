"""Accessibility: a seeker's access needs, an opening's access offered and not offered (issue 12).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("seekers", sa.Column("access_needs", sa.JSON, nullable=False, server_default="[]"))
    op.add_column("openings", sa.Column("access_offered", sa.JSON, nullable=False, server_default="[]"))
    op.add_column("openings", sa.Column("access_not_offered", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("openings") as batch:
        batch.drop_column("access_not_offered")
        batch.drop_column("access_offered")
    with op.batch_alter_table("seekers") as batch:
        batch.drop_column("access_needs")
