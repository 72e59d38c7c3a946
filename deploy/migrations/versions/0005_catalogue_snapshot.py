"""The catalogue snapshot: which snapshot file is loaded (knowledge/catalogue.py), and the
subjects (đối tượng thực hiện) each procedure record carries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:19:48.073218
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_load",
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("path"),
    )
    # records already there have no subjects yet: an empty list until they are loaded again
    op.add_column(
        "procedure", sa.Column("subjects", sa.JSON(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    op.drop_column("procedure", "subjects")
    op.drop_table("catalogue_load")
