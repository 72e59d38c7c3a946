"""The supervisor's figures over the last days: tickets per day, waiting time, handoff rate,
ratings, the procedures people asked staff about, and conversations the bot handled alone.

Tickets come from the handoff tables; conversations from the tracker store's ``events`` table
(``CONVERSATIONS_DB_URL``). A conversation is a sender who wrote at least one message in the
period; it needed staff when that sender has a ticket opened in the period. Days are Vietnam
days.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set

from sqlalchemy import Column, Float, MetaData, String, Table, create_engine, inspect, select

from bot.console.describe import ProcedureName
from bot.console.indicators import Threshold, indicator
from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore
from knowledge.profile import VIETNAM_TIME

TOP_PROCEDURES = 5
EVENTS = Table(
    "events",
    MetaData(),
    Column("sender_id", String),
    Column("type_name", String),
    Column("timestamp", Float),
)


@dataclass(frozen=True)
class Period:
    """The last ``days`` Vietnam days, today included; bounds in naive UTC like the tables."""

    days: int
    first_day: dt.date
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def last_days(cls, days: int, now: Optional[dt.datetime] = None) -> Period:
        local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(VIETNAM_TIME)
        first = local.date() - dt.timedelta(days=days - 1)
        start = dt.datetime.combine(first, dt.time(), VIETNAM_TIME)
        return cls(days, first, _naive_utc(start), _naive_utc(local))

    def dates(self) -> List[dt.date]:
        return [self.first_day + dt.timedelta(days=i) for i in range(self.days)]


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _vietnam_date(naive_utc: dt.datetime) -> dt.date:
    return naive_utc.replace(tzinfo=dt.timezone.utc).astimezone(VIETNAM_TIME).date()


def _timestamp(naive_utc: dt.datetime) -> float:
    return naive_utc.replace(tzinfo=dt.timezone.utc).timestamp()


def conversation_senders(url: str, period: Period) -> Optional[Set[str]]:
    """Senders who wrote in the period, or None when there is no conversation store yet."""
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return None
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table("events"):
            return None
        with engine.connect() as connection:
            rows = connection.execute(
                select(EVENTS.c.sender_id)
                .distinct()
                .where(
                    EVENTS.c.type_name == "user",
                    EVENTS.c.timestamp >= _timestamp(period.start),
                    EVENTS.c.timestamp <= _timestamp(period.end),
                )
            ).scalars()
            return set(rows)
    finally:
        engine.dispose()


def _tickets(store: HandoffStore, period: Period) -> Sequence[Any]:
    with store.session() as session:
        return session.execute(
            select(
                Ticket.sender_id,
                Ticket.reason,
                Ticket.procedure_code,
                Ticket.created_at,
                Ticket.taken_at,
                Ticket.rating,
                Ticket.callback_phone,
                Ticket.timeout_notified_at,
            ).where(Ticket.created_at >= period.start, Ticket.created_at <= period.end)
        ).all()


def _decimal(value: float) -> str:
    """A number as Vietnamese writes it: one decimal at most, decimal comma."""
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _percent(part: float, whole: float) -> Optional[float]:
    return 100 * part / whole if whole else None


def _nearest_rank(values: Sequence[float], share: float) -> Optional[float]:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)] if ordered else None


def _shown(
    thresholds: Dict[str, Threshold], name: str, value: Optional[float], detail: str
) -> Dict[str, Any]:
    return {"key": name, **indicator(thresholds[name], value, detail)}


def _waiting(
    rows: Sequence[Any], period: Period, timeout: dt.timedelta, thresholds: Dict[str, Threshold]
) -> List[Dict[str, Any]]:
    """How long citizens waited for staff, and how many were taken within the timeout."""
    waits = [
        (row.taken_at - row.created_at).total_seconds() / 60
        for row in rows
        if row.taken_at and not row.callback_phone
    ]
    # Call-back requests never waited in the queue; tickets still within the timeout are open.
    decided = [
        row
        for row in rows
        if row.reason != "callback" and (row.taken_at or period.end - row.created_at > timeout)
    ]
    in_time = [row for row in decided if row.taken_at and row.taken_at - row.created_at <= timeout]
    p90 = _nearest_rank(waits, 0.9)
    limit = _decimal(timeout.total_seconds() / 60)
    return [
        _shown(
            thresholds,
            "median_wait_minutes",
            statistics.median(waits) if waits else None,
            f"{len(waits)} phiếu đã tiếp nhận; 90% chờ không quá {_decimal(p90)} phút"
            if p90 is not None
            else "Chưa có phiếu nào được tiếp nhận",
        ),
        _shown(
            thresholds,
            "taken_in_time_percent",
            _percent(len(in_time), len(decided)),
            f"{len(in_time)}/{len(decided)} phiếu, hạn {limit} phút",
        ),
    ]


def _conversations(
    rows: Sequence[Any], senders: Optional[Set[str]], thresholds: Dict[str, Threshold]
) -> List[Dict[str, Any]]:
    """Tickets per conversation, and conversations that needed no staff."""
    if senders is None:
        missing = "Chưa đọc được dữ liệu hội thoại"
        return [
            _shown(thresholds, "handoff_rate_percent", None, missing),
            _shown(thresholds, "bot_alone_percent", None, missing),
        ]
    alone = len(senders - {row.sender_id for row in rows})
    return [
        _shown(
            thresholds,
            "handoff_rate_percent",
            _percent(len(rows), len(senders)),
            f"{len(rows)} phiếu / {len(senders)} cuộc trò chuyện",
        ),
        _shown(
            thresholds,
            "bot_alone_percent",
            _percent(alone, len(senders)),
            f"{alone} cuộc trò chuyện không cần cán bộ",
        ),
    ]


def supervisor_figures(
    store: HandoffStore,
    conversations_url: str,
    procedure_name: ProcedureName,
    period: Period,
    timeout: dt.timedelta,
    thresholds: Dict[str, Threshold],
) -> Dict[str, Any]:
    """Everything the supervisor page shows for ``period``."""
    rows = _tickets(store, period)
    senders = conversation_senders(conversations_url, period)
    per_day = Counter(_vietnam_date(row.created_at) for row in rows)
    ratings = [row.rating for row in rows if row.rating]
    average = statistics.mean(ratings) if ratings else None
    asked = Counter(row.procedure_code for row in rows if row.procedure_code)
    return {
        "period": {
            "days": period.days,
            "from": period.first_day.isoformat(),
            "to": period.dates()[-1].isoformat(),
        },
        "indicators": [
            *_waiting(rows, period, timeout, thresholds),
            *_conversations(rows, senders, thresholds),
            _shown(thresholds, "average_rating", average, f"{len(ratings)} lượt đánh giá cán bộ"),
        ],
        "tickets_per_day": [
            {"date": day.isoformat(), "count": per_day.get(day, 0)} for day in period.dates()
        ],
        "totals": {
            "tickets": len(rows),
            "conversations": len(senders) if senders is not None else None,
            "bot_alone": len(senders - {row.sender_id for row in rows})
            if senders is not None
            else None,
            "callbacks": sum(1 for row in rows if row.callback_phone),
            "timed_out": sum(1 for row in rows if row.timeout_notified_at),
        },
        "ratings": {
            "count": len(ratings),
            "average": round(average, 2) if average is not None else None,
            "distribution": {str(score): ratings.count(score) for score in range(1, 6)},
        },
        "top_procedures": [
            {"code": code, "name": procedure_name(code), "count": count}
            for code, count in asked.most_common(TOP_PROCEDURES)
        ],
    }
