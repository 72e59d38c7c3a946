"""Failed console sign-ins, counted per account and per address (bot/console/throttle.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:02:27.593596
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_console_login_failure_at"), "console_login_failure", ["at"], unique=False
    )
    op.create_index(
        op.f("ix_console_login_failure_key"), "console_login_failure", ["key"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_console_login_failure_key"), table_name="console_login_failure")
    op.drop_index(op.f("ix_console_login_failure_at"), table_name="console_login_failure")
    op.drop_table("console_login_failure")
