"""SQL model of answer feedback, in the knowledge-base database next to the handoff tickets."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class AnswerFeedback(Base):
    """A citizen's 👍 or 👎 on one answer. The question and the comment are stored redacted
    (secrets removed, personal numbers masked)."""

    __tablename__ = "answer_feedback"
    __table_args__ = (UniqueConstraint("conversation_id", "answer_id"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    answer_id = Column(String(32), nullable=False)  # the last_answer slot's id
    procedure_code = Column(String(32), index=True)  # None for "not found" answers
    answer_type = Column(String(32), nullable=False)  # bot.feedback.answers.ANSWER_TYPES
    rating = Column(String(8), nullable=False)  # up | down
    reason = Column(String(32))  # bot.feedback.answers.REASONS, after a 👎
    comment = Column(Text)  # what the citizen typed after a 👎
    question = Column(Text)  # the citizen's question that the answer answered
    created_at = Column(DateTime, nullable=False, index=True)
    updated_at = Column(DateTime, nullable=False)
