"""Seen webhook message ids with their expiry (bot/channels/seen.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:44:18.960298
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_message_id",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_seen_message_id_expires_at"), "seen_message_id", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_message_id_expires_at"), table_name="seen_message_id")
    op.drop_table("seen_message_id")
