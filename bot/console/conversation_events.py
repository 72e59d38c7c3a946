"""Reading the conversation store (the tracker store's ``events`` table, ``CONVERSATIONS_DB_URL``)
for the supervisor: the questions the bot left unanswered, and one conversation's messages.

A question is unanswered when the bot's turn after it said it did not understand (a response
in ``bot.feedback.answers.UNANSWERED_RESPONSES``) or gave the ``last_answer`` slot an aspect in
``UNANSWERED_ANSWER_TYPES`` (no procedure found). Texts are masked again on the way out.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import Engine

from bot.feedback.answers import (
    DETAIL_INTENT,
    FEEDBACK_INTENT,
    LAST_ANSWER_SLOT,
    RATING_WORDS,
    REASONS,
    UNANSWERED_ANSWER_TYPES,
    UNANSWERED_RESPONSES,
)
from bot.privacy import redact

EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String),
    Column("type_name", String),
    Column("timestamp", Float),
    Column("action_name", String),
    Column("data", Text),
)
LOOK_BACK_SECONDS = 3600  # a question may come this long before the period's first reply
CHUNK = 500
TRANSCRIPT_MESSAGES = 20
BUTTON_INTENTS = {  # how a transcript names the buttons citizens press most
    "ask_documents": "Giấy tờ cần nộp",
    "ask_fee": "Lệ phí",
    "ask_processing_time": "Thời gian giải quyết",
    "ask_agency": "Nơi nộp",
    "ask_online": "Nộp trực tuyến",
    "request_human": "Gặp cán bộ",
    "choose_procedure": "Chọn thủ tục",
    "choose_case": "Chọn trường hợp",
    "rate_help": "Chấm điểm hỗ trợ",
}


@dataclass(frozen=True)
class Unanswered:
    """A citizen's question the bot did not answer."""

    sender_id: str
    question: str
    kind: str  # "fallback" | "not_found"
    at: dt.datetime  # naive UTC


def _engine(url: str) -> Optional[Engine]:
    """An engine on the conversation store, or None when there is none yet."""
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return None
    engine = create_engine(url, future=True)
    if not inspect(engine).has_table("events"):
        engine.dispose()
        return None
    return engine


def _timestamp(naive_utc: dt.datetime) -> float:
    return naive_utc.replace(tzinfo=dt.timezone.utc).timestamp()


def _moment(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None)


def _data(raw: Optional[str]) -> Dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def unanswered_kind(type_name: str, data: Dict[str, Any]) -> Optional[str]:
    """Why an event means the question before it went unanswered, or None when it does not."""
    if type_name == "bot":
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return UNANSWERED_RESPONSES.get(metadata.get("utter_action") or "")
    if type_name == "slot" and data.get("name") == LAST_ANSWER_SLOT:
        value = data.get("value") if isinstance(data.get("value"), dict) else {}
        aspects = value.get("aspects") if isinstance(value.get("aspects"), list) else []
        return next((a for a in aspects if a in UNANSWERED_ANSWER_TYPES), None)
    return None


def unanswered_questions(
    url: str, start: dt.datetime, end: dt.datetime
) -> Optional[List[Unanswered]]:
    """The unanswered questions of the period, oldest first; None without a conversation store."""
    engine = _engine(url)
    if engine is None:
        return None
    try:
        with engine.connect() as connection:
            replies = _unanswering_events(connection, start, end)
            questions = _user_messages(connection, {r.sender_id for r in replies}, start, end)
    finally:
        engine.dispose()
    ids = {sender: [q[0] for q in rows] for sender, rows in questions.items()}
    found: Dict[int, Unanswered] = {}
    for reply in replies:
        kind = unanswered_kind(reply.type_name, _data(reply.data))
        position = bisect.bisect_left(ids.get(reply.sender_id, []), reply.id) - 1
        if kind is None or position < 0:
            continue
        event_id, text, timestamp = questions[reply.sender_id][position]
        if text and not text.startswith("/") and event_id not in found:
            found[event_id] = Unanswered(reply.sender_id, redact(text), kind, _moment(timestamp))
    return sorted(found.values(), key=lambda u: u.at)


def _unanswering_events(connection: Any, start: dt.datetime, end: dt.datetime) -> Sequence[Any]:
    names = [*UNANSWERED_RESPONSES]
    bot_reply = (EVENTS.c.type_name == "bot") & or_(*(EVENTS.c.data.contains(n) for n in names))
    no_procedure = (EVENTS.c.type_name == "slot") & (EVENTS.c.action_name == LAST_ANSWER_SLOT)
    return connection.execute(
        select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.data)
        .where(
            EVENTS.c.timestamp >= _timestamp(start),
            EVENTS.c.timestamp <= _timestamp(end),
            bot_reply | no_procedure,
        )
        .order_by(EVENTS.c.id)
    ).all()


def _user_messages(
    connection: Any, senders: Sequence[str], start: dt.datetime, end: dt.datetime
) -> Dict[str, List[tuple]]:
    """The citizens' messages of ``senders`` around the period: (event id, text, timestamp)."""
    messages: Dict[str, List[tuple]] = {}
    ordered = sorted(senders)
    for chunk in (ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)):
        rows = connection.execute(
            select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.timestamp, EVENTS.c.data)
            .where(
                EVENTS.c.type_name == "user",
                EVENTS.c.sender_id.in_(chunk),
                EVENTS.c.timestamp >= _timestamp(start) - LOOK_BACK_SECONDS,
                EVENTS.c.timestamp <= _timestamp(end),
            )
            .order_by(EVENTS.c.id)
        )
        for row in rows:
            text = _data(row.data).get("text")
            messages.setdefault(row.sender_id, []).append(
                (row.id, text if isinstance(text, str) else "", row.timestamp)
            )
    return messages


def transcript(url: str, sender_id: str, until: dt.datetime) -> Optional[List[Dict[str, str]]]:
    """The last messages of a conversation up to ``until`` (a minute later, so the answer and
    the feedback itself are in), masked; None without a conversation store."""
    engine = _engine(url)
    if engine is None:
        return None
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                .where(
                    EVENTS.c.sender_id == sender_id,
                    EVENTS.c.type_name.in_(("user", "bot")),
                    EVENTS.c.timestamp <= _timestamp(until) + 60,
                )
                .order_by(EVENTS.c.id.desc())
                .limit(TRANSCRIPT_MESSAGES * 2)
            ).all()
    finally:
        engine.dispose()
    return list(_messages(reversed(rows)))[-TRANSCRIPT_MESSAGES:]


def _messages(rows: Iterator[Any]) -> Iterator[Dict[str, str]]:
    for row in rows:
        data = _data(row.data)
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        if row.type_name == "user" and text.startswith("/"):
            text = pressed(text)
        moment = _moment(row.timestamp).isoformat() + "Z"
        yield {"who": row.type_name, "text": redact(text), "at": moment}


def pressed(payload: str) -> str:
    """What a button press reads as in a transcript."""
    match = re.match(r"/(\w+)(\{.*\})?$", payload, re.DOTALL)
    intent, entities = (match.group(1), _data(match.group(2))) if match else ("", {})
    if intent == FEEDBACK_INTENT:
        return f"[Bấm nút] {RATING_WORDS.get(entities.get('feedback_rating'), 'Đánh giá')}"
    if intent == DETAIL_INTENT:
        return f"[Bấm nút] {REASONS.get(entities.get('feedback_reason'), 'Góp ý')}"
    return f"[Bấm nút] {BUTTON_INTENTS.get(intent, intent or 'không rõ')}"
