"""What goes with an answer: its buttons, and the ``last_answer`` value that names it.

An answer about a procedure carries, in this order (the order the channels keep when they
show fewer, ``bot/channels/shaping.py``):

1. a link button to the official record (and, when the answer is about submitting online, to
   the submission page when it is another page);
2. quick replies for other aspects of the procedure in focus (at most four, none already
   answered);
3. "Gặp cán bộ" (``/request_human``);
4. the 👍 Hữu ích / 👎 Chưa đúng controls.

A "not found" answer carries the closest procedures as quick replies (the names its text
lists, numbered, so a channel that must shorten them does not list them again), "Gặp cán bộ"
and the feedback controls. Each answer gets an id;
the ``last_answer`` slot (``answer.as_slot()``: ``{"id", "code", "aspects"}``) and the feedback
payloads carry it, so a 👍 / 👎 is stored against the answer it was given for.

An answering action calls ``new_answer()``, sends ``answer_buttons()`` (or
``not_found_buttons()``) with its text and sets ``last_answer`` to ``answer.as_slot()``.
"""

from __future__ import annotations

import secrets
import string
from typing import Dict, List, Optional, Sequence, Tuple

from bot.feedback.answers import DOWN, RATINGS, UP, AnswerRef, feedback_payload
from knowledge import render
from knowledge.models import Procedure

PORTAL_HOME = "https://dichvucong.gov.vn"
FOLLOW_UPS = {  # aspect -> (title, payload); titles fit Messenger's 20 characters
    "documents": ("Giấy tờ cần nộp", "/ask_documents"),
    "fee": ("Lệ phí", "/ask_fee"),
    "processing_time": ("Thời gian giải quyết", "/ask_processing_time"),
    "agency": ("Nơi nộp", "/ask_agency"),
    "online": ("Nộp trực tuyến", "/ask_online"),
}
MAX_FOLLOW_UPS = 4
HUMAN = {"title": "Gặp cán bộ", "payload": "/request_human"}
RECORD_LINK_TITLE = "Xem chi tiết thủ tục"
PORTAL_LINK_TITLE = "Mở Cổng DVC quốc gia"
SUBMIT_LINK_TITLE = "Nộp hồ sơ trực tuyến"


def choose_payload(value: str) -> str:
    """The payload of an option button (a procedure code, or "<code>#<case index>")."""
    return f'/choose_option{{"chosen_option":"{value}"}}'


ANSWER_ID_LENGTH = 12


def new_answer(code: Optional[str], aspects: Sequence[str]) -> AnswerRef:
    """A fresh reference to an answer about to be sent. Its id has letters only: digits in it
    could read as a phone or identity number and be masked where the conversation is stored,
    and a 👎 would then no longer find the question it answered."""
    letters = string.ascii_lowercase
    return AnswerRef(
        "".join(secrets.choice(letters) for _ in range(ANSWER_ID_LENGTH)), code, tuple(aspects)
    )


def record_link(procedure: Procedure) -> Dict[str, str]:
    """The link button to the procedure's official record (the portal's home page when only
    the catalogue entry is known)."""
    home = procedure.source_url.rstrip("/") == PORTAL_HOME
    return {"title": PORTAL_LINK_TITLE if home else RECORD_LINK_TITLE, "url": procedure.source_url}


def links(procedure: Procedure, aspects: Sequence[str]) -> List[Dict[str, str]]:
    """The link buttons of an answer: the record, and where to submit online."""
    found = [record_link(procedure)]
    portal = procedure.portal_url
    if "online" in aspects and portal and portal != procedure.source_url:
        found.append({"title": SUBMIT_LINK_TITLE, "url": portal})
    return found


def follow_ups(procedure: Procedure, aspects: Sequence[str]) -> List[Dict[str, str]]:
    """Quick replies for the aspects not answered yet (none when only the catalogue entry is
    known: every aspect would give the same answer)."""
    if render.details_on_portal(procedure):
        return []
    others = [a for a in FOLLOW_UPS if a not in aspects][:MAX_FOLLOW_UPS]
    return [{"title": FOLLOW_UPS[a][0], "payload": FOLLOW_UPS[a][1]} for a in others]


def feedback_buttons(answer: AnswerRef) -> List[Dict[str, str]]:
    """The 👍 / 👎 controls of an answer."""
    return [{"title": RATINGS[r], "payload": feedback_payload(r, answer)} for r in (UP, DOWN)]


def answer_buttons(procedure: Procedure, answer: AnswerRef) -> List[Dict[str, str]]:
    """Every button of an answer about ``procedure``, in the channels' order."""
    return [
        *links(procedure, answer.aspects),
        *follow_ups(procedure, answer.aspects),
        HUMAN,
        *feedback_buttons(answer),
    ]


def not_found_buttons(
    answer: AnswerRef, closest: Sequence[Tuple[str, str]] = ()
) -> List[Dict[str, str]]:
    """The buttons of a "no procedure found" answer: each of the ``closest`` procedures
    (``(title, code)``, as the text lists them), "Gặp cán bộ", the feedback controls."""
    offered = [{"title": title, "payload": choose_payload(code)} for title, code in closest]
    return [*offered, HUMAN, *feedback_buttons(answer)]
