"""The project's tables: knowledge base, tickets, staff accounts and sessions, feedback.

Revision ID: 0001
Revises:
Create Date: 2026-12-02 02:43:04.825821
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "procedure",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.Column("where_to_submit", sa.Text(), nullable=True),
        sa.Column("online_level", sa.String(length=16), nullable=False),
        sa.Column("online_basis", sa.Text(), nullable=True),
        sa.Column("legacy_level", sa.Text(), nullable=True),
        sa.Column("portal_url", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("curation_notes", sa.JSON(), nullable=False),
        sa.Column("fee_schedule", sa.JSON(), nullable=False),
        sa.Column("case_times", sa.JSON(), nullable=False),
        sa.Column("time_note", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_dataset", sa.Text(), nullable=True),
        sa.Column("checked", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "source_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("procedure_code", "kind", "path"),
    )
    op.create_index(
        op.f("ix_source_record_procedure_code"), "source_record", ["procedure_code"], unique=False
    )
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("time_value", sa.Float(), nullable=True),
        sa.Column("time_unit", sa.String(length=16), nullable=True),
        sa.Column("time_text", sa.Text(), nullable=True),
        sa.Column("fee_amount", sa.Integer(), nullable=True),
        sa.Column("fee_text", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["procedure_code"], ["procedure.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_channel_procedure_code"), "channel", ["procedure_code"], unique=False)
    op.create_table(
        "procedure_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["procedure_code"], ["procedure.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_procedure_case_procedure_code"), "procedure_case", ["procedure_code"], unique=False
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("originals", sa.Integer(), nullable=True),
        sa.Column("copies", sa.Integer(), nullable=True),
        sa.Column("form", sa.Text(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["procedure_case.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_document_case_id"), "document", ["case_id"], unique=False)
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "handoff_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("callback_phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("timeout_notified_at", sa.DateTime(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_handoff_ticket_sender_id"), "handoff_ticket", ["sender_id"], unique=False
    )
    op.create_index(op.f("ix_handoff_ticket_status"), "handoff_ticket", ["status"], unique=False)
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_staff_session_staff_id"), "staff_session", ["staff_id"], unique=False)
    op.create_table(
        "handoff_ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["staff_account.id"],
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["handoff_ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("answer_id", sa.String(length=32), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=True),
        sa.Column("answer_type", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "answer_id"),
    )
    op.create_index(
        op.f("ix_answer_feedback_conversation_id"),
        "answer_feedback",
        ["conversation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_answer_feedback_created_at"), "answer_feedback", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_answer_feedback_procedure_code"),
        "answer_feedback",
        ["procedure_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_answer_feedback_procedure_code"), table_name="answer_feedback")
    op.drop_index(op.f("ix_answer_feedback_created_at"), table_name="answer_feedback")
    op.drop_index(op.f("ix_answer_feedback_conversation_id"), table_name="answer_feedback")
    op.drop_table("answer_feedback")
    op.drop_table("handoff_ticket_event")
    op.drop_index(op.f("ix_staff_session_staff_id"), table_name="staff_session")
    op.drop_table("staff_session")
    op.drop_index(op.f("ix_handoff_ticket_status"), table_name="handoff_ticket")
    op.drop_index(op.f("ix_handoff_ticket_sender_id"), table_name="handoff_ticket")
    op.drop_table("handoff_ticket")
    op.drop_table("staff_account")
    op.drop_index(op.f("ix_document_case_id"), table_name="document")
    op.drop_table("document")
    op.drop_index(op.f("ix_procedure_case_procedure_code"), table_name="procedure_case")
    op.drop_table("procedure_case")
    op.drop_index(op.f("ix_channel_procedure_code"), table_name="channel")
    op.drop_table("channel")
    op.drop_index(op.f("ix_source_record_procedure_code"), table_name="source_record")
    op.drop_table("source_record")
    op.drop_table("procedure")
