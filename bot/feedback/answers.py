"""The vocabulary that the answering actions, the channels and the supervisor's figures share:
answer types, the feedback buttons' payloads, the reasons a 👎 can give, and which bot turns
leave a citizen's question unanswered. One place, so the three never drift apart.

An answer is named by the ``last_answer`` slot, ``{"id", "code", "aspects"}``: the procedure
(None when none was found) and what the answer was about (one or several aspects asked in one
message). Its type, for the figures, is its aspect, or "combined" for several.

Feedback payloads are Rasa intent payloads:
``/feedback{"feedback_rating":"up","answer_id":"…","answer_code":"1.001193",
"answer_aspects":"fee,processing_time"}`` and, for the optional question after a 👎,
``/feedback_detail{"feedback_reason":"missing_info"}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

FEEDBACK_INTENT = "feedback"
DETAIL_INTENT = "feedback_detail"
LAST_ANSWER_SLOT = "last_answer"
PENDING_FEEDBACK_SLOT = "pending_feedback"

UP, DOWN = "up", "down"
RATINGS = {UP: "👍 Hữu ích", DOWN: "👎 Chưa đúng"}  # the buttons' titles
RATING_WORDS = {UP: "Hữu ích", DOWN: "Chưa đúng"}  # for staff pages (no emoji font needed)

ANSWER_TYPES: Dict[str, str] = {
    "documents": "Giấy tờ cần nộp",
    "online": "Nộp trực tuyến",
    "fee": "Phí, lệ phí",
    "processing_time": "Thời hạn giải quyết",
    "agency": "Nơi nộp, cơ quan",
    "eligibility": "Đối tượng, điều kiện",
    "overview": "Tổng quan thủ tục",
    "status": "Tình trạng hồ sơ",
    "delay": "Hồ sơ trễ hẹn",
    "combined": "Nhiều nội dung trong một câu trả lời",
    "not_found": "Không tìm thấy thủ tục",
    "fallback": "Chưa hiểu câu hỏi",
}
COMBINED = "combined"

REASONS: Dict[str, str] = {
    "wrong_procedure": "Không đúng thủ tục",
    "missing_info": "Thiếu thông tin",
    "wrong_info": "Thông tin chưa đúng",
    "unclear": "Khó hiểu",
}

# What the bot says when it did not answer: responses meaning "I did not understand", and the
# aspects of the ``last_answer`` slot meaning "no procedure found".
UNANSWERED_RESPONSES: Dict[str, str] = {
    "utter_ask_rephrase": "fallback",
    "utter_handoff_after_failures": "fallback",
}
UNANSWERED_ANSWER_TYPES = frozenset({"not_found"})

_FEEDBACK_PAYLOAD = re.compile(rf"^/{FEEDBACK_INTENT}(?:\{{|$)")


@dataclass(frozen=True)
class AnswerRef:
    """One answer the bot gave: its id, the procedure (None when none was found), its aspects."""

    answer_id: str
    code: Optional[str]
    aspects: Tuple[str, ...]

    @property
    def answer_type(self) -> str:
        """The answer's type in the figures: its aspect, or "combined"."""
        return self.aspects[0] if len(self.aspects) == 1 else COMBINED

    def as_slot(self) -> Dict[str, Any]:
        """The value of the ``last_answer`` slot."""
        return {"id": self.answer_id, "code": self.code, "aspects": list(self.aspects)}

    @classmethod
    def of(cls, answer_id: str, code: Optional[str], aspects: Sequence[Any]) -> Optional[AnswerRef]:
        """The answer, or None when the id or the aspects do not name one."""
        known = tuple(str(a) for a in aspects if a in ANSWER_TYPES and a != COMBINED)
        if not answer_id or not known or len(known) != len(aspects):
            return None
        return cls(answer_id, code or None, known)

    @classmethod
    def from_slot(cls, value: Any) -> Optional[AnswerRef]:
        """The answer a ``last_answer`` slot value names, or None (an answer without an id
        carries no feedback)."""
        if not isinstance(value, dict) or not isinstance(value.get("aspects"), list):
            return None
        code = value.get("code")
        return cls.of(
            str(value.get("id") or ""), code if isinstance(code, str) else None, value["aspects"]
        )


def feedback_payload(rating: str, answer: AnswerRef) -> str:
    """The payload of a 👍 / 👎 button under ``answer``."""
    entities = {
        "feedback_rating": rating,
        "answer_id": answer.answer_id,
        "answer_code": answer.code or "",
        "answer_aspects": ",".join(answer.aspects),
    }
    return f"/{FEEDBACK_INTENT}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def detail_payload(reason: str) -> str:
    """The payload of a reason button after a 👎."""
    return f'/{DETAIL_INTENT}{{"feedback_reason":"{reason}"}}'


def is_feedback_payload(payload: str) -> bool:
    """Whether a button's payload is a 👍 / 👎 control (not the reasons after a 👎)."""
    return bool(_FEEDBACK_PAYLOAD.match(payload or ""))
