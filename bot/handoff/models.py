"""SQL models of live-staff handoff: tickets, their events, staff accounts and sessions."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

WAITING, TAKEN, CLOSED, CALLBACK = "waiting", "taken", "closed", "callback"
STATUSES = (WAITING, TAKEN, CLOSED, CALLBACK)
OPERATOR, SUPERVISOR = "operator", "supervisor"
ROLES = (OPERATOR, SUPERVISOR)


class StaffAccount(Base):
    """A hotline / one-stop-centre staff member who can log in to the console."""

    __tablename__ = "staff_account"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(Text, nullable=False)
    password_hash = Column(String(128), nullable=False)  # bcrypt
    role = Column(String(16), nullable=False, default=OPERATOR)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)


class Ticket(Base):
    """A conversation handed to staff. The transcript is stored with personal numbers masked;
    ``callback_phone`` is kept in full because staff must call it."""

    __tablename__ = "handoff_ticket"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)  # the conversation's input channel
    sender_id = Column(String(128), nullable=False, index=True)
    reason = Column(String(32), nullable=False)  # asked | repeated_failures | angry | stuck
    procedure_code = Column(String(32))
    summary = Column(Text, nullable=False)
    transcript = Column(JSON, nullable=False, default=list)  # [{"who", "text", "at"}]
    status = Column(String(16), nullable=False, default=WAITING, index=True)
    assignee_id = Column(ForeignKey("staff_account.id"))
    callback_phone = Column(String(20))
    created_at = Column(DateTime, nullable=False)
    taken_at = Column(DateTime)
    closed_at = Column(DateTime)
    last_activity_at = Column(DateTime, nullable=False)
    timeout_notified_at = Column(DateTime)
    rating = Column(Integer)  # 1..5 given by the citizen after closing

    assignee = relationship("StaffAccount", lazy="joined")
    events = relationship(
        "TicketEvent", order_by="TicketEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )


class TicketEvent(Base):
    """Something that happened on a ticket: a staff reply, a status change, a note."""

    __tablename__ = "handoff_ticket_event"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(ForeignKey("handoff_ticket.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(16), nullable=False)  # staff_reply | status | note
    author_id = Column(ForeignKey("staff_account.id"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)


class StaffSession(Base):
    """A signed-in console session. Only the SHA-256 of the cookie's token is stored, so the
    table cannot be used to sign in; the CSRF token is sent back by the console's pages."""

    __tablename__ = "staff_session"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)
