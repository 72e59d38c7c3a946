"""Answer feedback in SQL, written by the action server and read by the staff console."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.feedback.answers import DOWN, RATINGS, REASONS, AnswerRef
from bot.feedback.models import AnswerFeedback, Base
from bot.privacy import redact
from knowledge.store import create_tables, database_url, lock_for_writing, make_engine

MAX_TEXT_CHARS = 1000


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _stored(text: Optional[str]) -> Optional[str]:
    """``text`` as it may be stored: redacted, trimmed, None when empty."""
    text = redact(text or "").strip()[:MAX_TEXT_CHARS]
    return text or None


class FeedbackStore:
    """Citizens' 👍 / 👎 on answers, with the reason and comment after a 👎."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(Base.metadata, engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False, future=True)

    @classmethod
    def open(cls, url: Optional[str] = None) -> FeedbackStore:
        """The store in ``url`` or the project's database (``KNOWLEDGE_DB_URL``)."""
        return cls(make_engine(url or database_url()))

    def session(self) -> Session:
        return self._sessions()

    def record(
        self,
        conversation_id: str,
        channel: str,
        answer: AnswerRef,
        rating: str,
        question: Optional[str] = None,
    ) -> int:
        """Store a rating of ``answer``; a second rating of the same answer replaces the first
        (a citizen who changes their mind). Returns the feedback's id."""
        if rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}")
        now = utcnow()
        with self.session() as session, session.begin():
            lock_for_writing(session)
            row = session.execute(
                select(AnswerFeedback).where(
                    AnswerFeedback.conversation_id == conversation_id,
                    AnswerFeedback.answer_id == answer.answer_id,
                )
            ).scalar_one_or_none()
            if row is None:
                row = AnswerFeedback(
                    conversation_id=conversation_id,
                    answer_id=answer.answer_id,
                    created_at=now,
                )
                session.add(row)
            row.channel = channel
            row.procedure_code = answer.code
            row.answer_type = answer.answer_type
            row.rating = rating
            row.question = _stored(question)
            if rating != DOWN:
                row.reason = row.comment = None
            row.updated_at = now
            session.flush()
            return row.id

    def add_detail(
        self,
        feedback_id: int,
        conversation_id: str,
        reason: Optional[str] = None,
        comment: Optional[str] = None,
    ) -> bool:
        """Add what was wrong to a 👎 of this conversation; False when there is no such 👎."""
        if reason is not None and reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        with self.session() as session, session.begin():
            lock_for_writing(session)
            row = session.get(AnswerFeedback, feedback_id)
            if row is None or row.conversation_id != conversation_id or row.rating != DOWN:
                return False
            if reason is not None:
                row.reason = reason
            if comment is not None:
                row.comment = _stored(comment)
            row.updated_at = utcnow()
            return True

    def get(self, feedback_id: int) -> Optional[AnswerFeedback]:
        """One feedback, or None."""
        with self.session() as session:
            return session.get(AnswerFeedback, feedback_id)

    def between(self, start: dt.datetime, end: dt.datetime) -> List[AnswerFeedback]:
        """The feedback given from ``start`` to ``end`` (naive UTC), oldest first."""
        with self.session() as session:
            return list(
                session.execute(
                    select(AnswerFeedback)
                    .where(AnswerFeedback.created_at >= start, AnswerFeedback.created_at <= end)
                    .order_by(AnswerFeedback.created_at, AnswerFeedback.id)
                ).scalars()
            )
