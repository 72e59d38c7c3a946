"""Tickets as the console's pages show them: plain data with Vietnamese labels.

Times are ISO 8601 in UTC (``...Z``); the pages show them in Vietnam time. Citizens' messages are
masked again on the way out (they are stored masked; this guards against a missed number).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, List, Optional

from bot.handoff.models import CALLBACK, CLOSED, SUPERVISOR, TAKEN, WAITING, StaffAccount, Ticket
from bot.privacy import redact

STATUS_LABELS = {
    WAITING: "Đang chờ",
    TAKEN: "Đang hỗ trợ",
    CLOSED: "Đã kết thúc",
    CALLBACK: "Chờ gọi lại",
}
REASON_LABELS = {
    "asked": "Người dân muốn gặp cán bộ",
    "angry": "Người dân chưa hài lòng",
    "repeated_failures": "Trợ lý hai lần chưa hiểu câu hỏi",
    "stuck": "Người dân vướng ở một bước hướng dẫn",
    "callback": "Người dân đề nghị gọi lại",
}
CHANNEL_LABELS = {
    "socketio": "Cổng dịch vụ công (web)",
    "webchat": "Trang trò chuyện (web)",
    "rest": "Ứng dụng (REST)",
    "zalo": "Zalo",
    "messenger": "Messenger",
}
SPEAKERS = {"user": "Người dân", "bot": "Trợ lý", "staff": "Cán bộ"}
ProcedureName = Callable[[str], Optional[str]]


def iso(moment: Optional[dt.datetime]) -> Optional[str]:
    """A naive UTC time from the database as ISO 8601 with ``Z``."""
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def message(entry: Dict[str, Any]) -> Dict[str, Any]:
    """One transcript line: who said it (with a label), the text, when."""
    who = str(entry.get("who", ""))
    text = str(entry.get("text", ""))
    return {
        "who": who,
        "who_label": SPEAKERS.get(who, who),
        "text": redact(text) if who == "user" else text,
        "at": entry.get("at"),
    }


def ticket_summary(ticket: Ticket, procedure_name: ProcedureName) -> Dict[str, Any]:
    """What the queue shows of a ticket."""
    assignee = ticket.assignee
    return {
        "id": ticket.id,
        "status": ticket.status,
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "reason_label": REASON_LABELS.get(ticket.reason, ticket.reason),
        "channel_label": CHANNEL_LABELS.get(ticket.channel, ticket.channel),
        "procedure_code": ticket.procedure_code,
        "procedure_name": procedure_name(ticket.procedure_code) if ticket.procedure_code else None,
        "summary": ticket.summary,
        "callback_phone": ticket.callback_phone,
        "created_at": iso(ticket.created_at),
        "last_activity_at": iso(ticket.last_activity_at),
        "timed_out": ticket.timeout_notified_at is not None,
        "assignee": {"id": assignee.id, "name": assignee.display_name} if assignee else None,
    }


def allowed_actions(ticket: Ticket, staff: StaffAccount) -> Dict[str, bool]:
    """What ``staff`` may do with the ticket now."""
    mine = ticket.status == TAKEN and ticket.assignee_id == staff.id
    in_charge = mine or (ticket.status == TAKEN and staff.role == SUPERVISOR)
    return {
        "take": ticket.status in (WAITING, CALLBACK),
        "reply": mine,
        "transfer": in_charge,
        "close": in_charge,
    }


def ticket_view(
    ticket: Ticket,
    staff: StaffAccount,
    procedure_name: ProcedureName,
    names: Dict[int, str],
    conversation: Optional[List[Dict[str, Any]]],
) -> Dict[str, Any]:
    """The ticket page: summary, the transcript before the handoff, the conversation since
    (None when the Rasa server could not be asked), the ticket's history, allowed actions."""
    return {
        "ticket": ticket_summary(ticket, procedure_name),
        "before": [message(entry) for entry in ticket.transcript or []],
        "conversation": [message(entry) for entry in conversation]
        if conversation is not None
        else None,
        "history": [
            {
                "kind": event.kind,
                "text": event.text,
                "author": names.get(event.author_id) if event.author_id else None,
                "at": iso(event.created_at),
            }
            for event in ticket.events
        ],
        "can": allowed_actions(ticket, staff),
    }
