"""Handoff tickets, staff accounts and console sessions in SQL, shared by the action server
and the staff console."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import statistics
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

import bcrypt
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.models import (
    CALLBACK,
    CLOSED,
    OPERATOR,
    ROLES,
    SUPERVISOR,
    TAKEN,
    WAITING,
    Base,
    StaffAccount,
    StaffSession,
    Ticket,
    TicketEvent,
)
from knowledge.store import create_tables, database_url, lock_for_writing, make_engine

DEFAULT_WAIT_MINUTES = 5
WITHDRAWN = "Công dân không chờ cán bộ nữa, tiếp tục hỏi trợ lý ảo"
OPEN_STATUSES = (WAITING, TAKEN)
TAKEABLE_STATUSES = (WAITING, CALLBACK)
PENDING_STATUSES = (WAITING, TAKEN, CALLBACK)
SEEN_RESOLUTION = dt.timedelta(minutes=1)  # how often a session's last_seen_at is written


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@lru_cache(maxsize=1)
def _unknown_user_hash() -> bytes:
    """A hash to check unknown usernames against, so they cost what known ones cost."""
    return bcrypt.hashpw(b"no such account", bcrypt.gensalt())


class HandoffStore:
    """Tickets, their events and staff accounts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(Base.metadata, engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False, future=True)

    @classmethod
    def open(cls, url: Optional[str] = None) -> HandoffStore:
        """The store in ``url`` or the project's database (``KNOWLEDGE_DB_URL``)."""
        return cls(make_engine(url or database_url()))

    def session(self) -> Session:
        return self._sessions()

    # --- tickets, bot side ---------------------------------------------------------------

    def create_ticket(
        self,
        channel: str,
        sender_id: str,
        reason: str,
        procedure_code: Optional[str],
        summary: str,
        transcript: List[Dict[str, str]],
    ) -> Ticket:
        """Open a waiting ticket (or return the conversation's ticket that is still open)."""
        existing = self.open_ticket(sender_id)
        if existing is not None:
            return existing
        now = utcnow()
        ticket = Ticket(
            channel=channel,
            sender_id=sender_id,
            reason=reason,
            procedure_code=procedure_code,
            summary=summary,
            transcript=transcript,
            status=WAITING,
            created_at=now,
            last_activity_at=now,
        )
        with self.session() as session, session.begin():
            session.add(ticket)
        return ticket

    def open_ticket(self, sender_id: str) -> Optional[Ticket]:
        """The conversation's ticket that staff have not closed yet."""
        with self.session() as session:
            return _latest_ticket(session, sender_id, OPEN_STATUSES)

    def ticket(self, ticket_id: int) -> Optional[Ticket]:
        with self.session() as session:
            return session.get(Ticket, ticket_id)

    def queue_position(self, ticket: Ticket) -> int:
        """1 for the next ticket staff will take."""
        with self.session() as session:
            ahead = session.scalars(
                select(Ticket.id).where(Ticket.status == WAITING, Ticket.id < ticket.id)
            ).all()
        return len(ahead) + 1

    def expected_wait_minutes(self, position: int, recent: int = 20) -> int:
        """Median wait of the last tickets taken, times the queue position."""
        with self.session() as session:
            taken = session.execute(
                select(Ticket.created_at, Ticket.taken_at)
                .where(Ticket.taken_at.is_not(None))
                .order_by(Ticket.taken_at.desc())
                .limit(recent)
            ).all()
        waits = [(t - c).total_seconds() / 60 for c, t in taken]
        per_ticket = statistics.median(waits) if waits else DEFAULT_WAIT_MINUTES
        return max(1, round(per_ticket * position))

    def request_callback(self, sender_id: str, phone: str, channel: str, summary: str) -> Ticket:
        """Record a call-back request (outside office hours, or after nobody took a ticket);
        a repeated request updates the pending one (a corrected phone number, say)."""
        now = utcnow()
        with self.session() as session, session.begin():
            lock_for_writing(session)
            ticket = _latest_ticket(session, sender_id, PENDING_STATUSES)
            if ticket is None:
                ticket = Ticket(
                    channel=channel,
                    sender_id=sender_id,
                    reason="callback",
                    summary=summary,
                    transcript=[],
                    created_at=now,
                )
                session.add(ticket)
            ticket.status = CALLBACK
            ticket.callback_phone = phone
            ticket.last_activity_at = now
        return ticket

    def withdraw(self, sender_id: str) -> Optional[Ticket]:
        """Close the conversation's waiting ticket: the citizen chose to go on with the bot
        (after being told nobody is free). None when no ticket was waiting."""
        now = utcnow()
        with self.session() as session, session.begin():
            lock_for_writing(session)
            ticket = _latest_ticket(session, sender_id, (WAITING,))
            if ticket is None:
                return None
            ticket.status = CLOSED
            ticket.closed_at = ticket.last_activity_at = now
            session.add(
                TicketEvent(ticket_id=ticket.id, kind="status", text=WITHDRAWN, created_at=now)
            )
        return ticket

    def rate_last_closed(self, sender_id: str, rating: int) -> bool:
        """Store the citizen's rating on their last closed ticket."""
        with self.session() as session, session.begin():
            lock_for_writing(session)
            ticket = _latest_ticket(session, sender_id, (CLOSED,), newest=Ticket.closed_at)
            if ticket is None:
                return False
            ticket.rating = rating
        return True

    def waiting_longer_than(self, minutes: float) -> List[Ticket]:
        """Waiting tickets nobody took in time whose citizen was not told yet."""
        limit = utcnow() - dt.timedelta(minutes=minutes)
        with self.session() as session:
            return list(
                session.scalars(
                    select(Ticket).where(
                        Ticket.status == WAITING,
                        Ticket.created_at <= limit,
                        Ticket.timeout_notified_at.is_(None),
                    )
                )
            )

    def mark_timeout_notified(self, ticket_id: int) -> bool:
        """Mark a waiting ticket's citizen as told; False when it was marked already or is no
        longer waiting (one statement: two watchers cannot both mark it)."""
        with self.session() as session, session.begin():
            marked = session.execute(
                update(Ticket)
                .where(
                    Ticket.id == ticket_id,
                    Ticket.status == WAITING,
                    Ticket.timeout_notified_at.is_(None),
                )
                .values(timeout_notified_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
        return bool(marked)

    def unmark_timeout_notified(self, ticket_id: int) -> None:
        """The citizen could not be told after all: the ticket is overdue again."""
        with self.session() as session, session.begin():
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id)
                .values(timeout_notified_at=None)
                .execution_options(synchronize_session=False)
            )

    # --- tickets, staff side -------------------------------------------------------------

    def queue(self) -> List[Ticket]:
        """Tickets not closed, newest activity first."""
        with self.session() as session:
            return list(
                session.scalars(
                    select(Ticket)
                    .where(Ticket.status != CLOSED)
                    .order_by(Ticket.last_activity_at.desc())
                )
            )

    def _change(
        self, ticket_id: int, staff: StaffAccount, kind: str, text: str, **fields
    ) -> Ticket:
        now = utcnow()
        # The write comes first: on SQLite a transaction that read before writing gets "database
        # is locked" at once when another process writes, instead of waiting its turn.
        with self.session() as session, session.begin():
            changed = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id)
                .values(**fields, last_activity_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not changed:
                raise KeyError(ticket_id)
            session.add(
                TicketEvent(
                    ticket_id=ticket_id, kind=kind, author_id=staff.id, text=text, created_at=now
                )
            )
        return self.ticket(ticket_id)

    def take(self, ticket_id: int, staff: StaffAccount) -> Optional[Ticket]:
        """Assign a waiting or call-back ticket to ``staff``; None when it is no longer free
        (another staff member took it first: the check and the change are one statement)."""
        now = utcnow()
        with self.session() as session, session.begin():
            taken = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status.in_(TAKEABLE_STATUSES))
                .values(status=TAKEN, assignee_id=staff.id, taken_at=now, last_activity_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not taken:
                return None
            session.add(
                TicketEvent(
                    ticket_id=ticket_id,
                    kind="status",
                    author_id=staff.id,
                    text=f"{staff.display_name} tiếp nhận",
                    created_at=now,
                )
            )
        return self.ticket(ticket_id)

    def transfer(self, ticket_id: int, staff: StaffAccount, to: StaffAccount) -> Ticket:
        return self._change(
            ticket_id, staff, "status", f"Chuyển cho {to.display_name}", assignee_id=to.id
        )

    def add_reply(self, ticket_id: int, staff: StaffAccount, text: str) -> Ticket:
        return self._change(ticket_id, staff, "staff_reply", text)

    def close(self, ticket_id: int, staff: StaffAccount) -> Ticket:
        return self._change(
            ticket_id,
            staff,
            "status",
            f"{staff.display_name} kết thúc hỗ trợ",
            status=CLOSED,
            closed_at=utcnow(),
        )

    # --- staff accounts ------------------------------------------------------------------

    def create_staff(
        self, username: str, display_name: str, password: str, role: str = OPERATOR
    ) -> StaffAccount:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
        account = StaffAccount(
            username=username,
            display_name=display_name,
            password_hash=hashed,
            role=role,
            created_at=utcnow(),
        )
        with self.session() as session, session.begin():
            session.add(account)
        return account

    def verify_login(self, username: str, password: str) -> Optional[StaffAccount]:
        """The active account with these credentials, else None (same cost either way)."""
        with self.session() as session:
            account = session.scalars(
                select(StaffAccount).where(StaffAccount.username == username)
            ).first()
        hashed = account.password_hash.encode() if account else _unknown_user_hash()
        matches = bcrypt.checkpw(password.encode(), hashed)
        return account if account and account.active and matches else None

    def staff(self, staff_id: int) -> Optional[StaffAccount]:
        with self.session() as session:
            return session.get(StaffAccount, staff_id)

    def staff_members(self) -> List[StaffAccount]:
        """Active staff accounts, by display name."""
        with self.session() as session:
            return list(
                session.scalars(
                    select(StaffAccount)
                    .where(StaffAccount.active.is_(True))
                    .order_by(StaffAccount.display_name)
                )
            )

    def has_supervisor(self) -> bool:
        """Whether an active supervisor account exists."""
        with self.session() as session:
            found = session.scalars(
                select(StaffAccount.id).where(
                    StaffAccount.role == SUPERVISOR, StaffAccount.active.is_(True)
                )
            ).first()
        return found is not None

    def set_active(self, username: str, active: bool) -> bool:
        """Enable or disable an account (disabling ends its sessions); False if unknown."""
        with self.session() as session, session.begin():
            known = session.execute(
                update(StaffAccount)
                .where(StaffAccount.username == username)
                .values(active=active)
                .execution_options(synchronize_session=False)
            ).rowcount
            if known and not active:
                accounts = select(StaffAccount.id).where(StaffAccount.username == username)
                session.execute(
                    delete(StaffSession)
                    .where(StaffSession.staff_id.in_(accounts.scalar_subquery()))
                    .execution_options(synchronize_session=False)
                )
        return bool(known)

    # --- console sessions ----------------------------------------------------------------

    def start_session(self, staff: StaffAccount) -> Tuple[str, StaffSession]:
        """A new session for ``staff``: the cookie token (never stored) and the session."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        record = StaffSession(
            token_hash=_token_hash(token),
            staff_id=staff.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
        with self.session() as session, session.begin():
            session.add(record)
        return token, record

    def session_staff(
        self, token: str, idle: dt.timedelta, lifetime: dt.timedelta
    ) -> Optional[Tuple[StaffSession, StaffAccount]]:
        """The session of a cookie token and its account, or None when the token is unknown,
        the session idle or too old (it is then deleted) or the account disabled."""
        if not token:
            return None
        now = utcnow()
        with self.session() as session:
            row = session.execute(
                select(StaffSession, StaffAccount)
                .join(StaffAccount, StaffSession.staff_id == StaffAccount.id)
                .where(StaffSession.token_hash == _token_hash(token))
            ).first()
        if row is None:
            return None
        record, account = row
        expired = now - record.last_seen_at > idle or now - record.created_at > lifetime
        if expired or now - record.last_seen_at > SEEN_RESOLUTION:
            with self.session() as session, session.begin():
                chosen = StaffSession.id == record.id
                if expired:
                    session.execute(delete(StaffSession).where(chosen))
                else:
                    session.execute(update(StaffSession).where(chosen).values(last_seen_at=now))
        return None if expired or not account.active else (record, account)

    def end_session(self, token: str) -> None:
        """Sign out: forget the session of this cookie token."""
        with self.session() as session, session.begin():
            session.execute(
                delete(StaffSession).where(StaffSession.token_hash == _token_hash(token))
            )


def _latest_ticket(
    session: Session, sender_id: str, statuses: Tuple[str, ...], newest: Any = Ticket.id
) -> Optional[Ticket]:
    """The conversation's latest ticket in one of ``statuses`` (latest by ``newest``)."""
    return session.scalars(
        select(Ticket)
        .where(Ticket.sender_id == sender_id, Ticket.status.in_(statuses))
        .order_by(newest.desc())
    ).first()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
