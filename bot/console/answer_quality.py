"""How good the bot's answers were over a period, for the supervisor: the share of 👍 per answer
type and per procedure, the answers most often marked 👎 with their conversations, and the
questions left unanswered ("chưa hiểu", no procedure found), so the team knows what to curate.

Each table is also a CSV file (``csv_table``): UTF-8 with a byte-order mark, which spreadsheet
programs need to show Vietnamese; a cell that would start a formula is quoted with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.console.conversation_events import Unanswered, unanswered_questions
from bot.console.describe import CHANNEL_LABELS, ProcedureName, iso
from bot.console.statistics import Period
from bot.feedback.answers import ANSWER_TYPES, DOWN, REASONS, UP
from bot.feedback.models import AnswerFeedback
from bot.feedback.store import FeedbackStore
from bot.privacy import mask_personal_numbers
from knowledge.text.normalize import fold

TOP_PROCEDURES = 20
TOP_DISLIKED = 10
CONVERSATIONS_PER_ANSWER = 5
TOP_UNANSWERED = 50
KIND_LABELS = {"fallback": "Chưa hiểu câu hỏi", "not_found": "Không tìm thấy thủ tục"}
TABLES = ("answer_types", "procedures", "disliked", "unanswered")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def conversation_label(sender_id: str) -> str:
    """A conversation as staff see it here: the end of its id, enough to tell two apart."""
    return "…" + sender_id[-6:] if len(sender_id) > 6 else sender_id


def _share(up: int, down: int) -> Optional[float]:
    return round(100 * up / (up + down), 1) if up + down else None


def _counts(rows: Iterable[AnswerFeedback]) -> Tuple[int, int]:
    ratings = Counter(row.rating for row in rows)
    return ratings[UP], ratings[DOWN]


def by_answer_type(rows: Sequence[AnswerFeedback]) -> List[Dict[str, Any]]:
    """👍 / 👎 per answer type, in the types' order."""
    grouped: Dict[str, List[AnswerFeedback]] = defaultdict(list)
    for row in rows:
        grouped[row.answer_type].append(row)
    table = []
    for answer_type in [t for t in ANSWER_TYPES if t in grouped]:
        up, down = _counts(grouped[answer_type])
        table.append(
            {
                "answer_type": answer_type,
                "label": ANSWER_TYPES[answer_type],
                "up": up,
                "down": down,
                "up_percent": _share(up, down),
            }
        )
    return table


def by_procedure(rows: Sequence[AnswerFeedback], name: ProcedureName) -> List[Dict[str, Any]]:
    """👍 / 👎 per procedure, the most rated first."""
    grouped: Dict[str, List[AnswerFeedback]] = defaultdict(list)
    for row in rows:
        if row.procedure_code:
            grouped[row.procedure_code].append(row)
    table = []
    for code, own in grouped.items():
        up, down = _counts(own)
        table.append(
            {
                "code": code,
                "name": name(code) or code,
                "up": up,
                "down": down,
                "up_percent": _share(up, down),
            }
        )
    return sorted(table, key=lambda r: (-(r["up"] + r["down"]), -r["down"], r["code"]))


def _feedback_view(row: AnswerFeedback) -> Dict[str, Any]:
    return {
        "feedback_id": row.id,
        "at": iso(row.created_at),
        "channel": CHANNEL_LABELS.get(row.channel, row.channel),
        "conversation": conversation_label(row.conversation_id),
        "question": mask_personal_numbers(row.question or ""),
        "reason": REASONS.get(row.reason or "", ""),
        "comment": mask_personal_numbers(row.comment or ""),
    }


def most_disliked(rows: Sequence[AnswerFeedback], name: ProcedureName) -> List[Dict[str, Any]]:
    """The answers (procedure and type) with the most 👎, each with its latest 👎'd
    conversations."""
    grouped: Dict[Tuple[Optional[str], str], List[AnswerFeedback]] = defaultdict(list)
    for row in rows:
        grouped[(row.procedure_code, row.answer_type)].append(row)
    table = []
    for (code, answer_type), own in grouped.items():
        up, down = _counts(own)
        if not down:
            continue
        downs = sorted((r for r in own if r.rating == DOWN), key=lambda r: r.created_at)
        table.append(
            {
                "code": code,
                "name": (name(code) or code) if code else "",
                "answer_type": answer_type,
                "label": ANSWER_TYPES.get(answer_type, answer_type),
                "up": up,
                "down": down,
                "conversations": [_feedback_view(r) for r in reversed(downs)],
            }
        )
    return sorted(table, key=lambda r: (-r["down"], r["up"], r["code"] or "", r["answer_type"]))


def _question_key(text: str) -> str:
    return " ".join(fold(text).split())


def grouped_unanswered(found: Sequence[Unanswered]) -> List[Dict[str, Any]]:
    """The unanswered questions, the same question (accents, case, spacing aside) counted once
    with how often it came; the most frequent first."""
    grouped: Dict[str, List[Unanswered]] = defaultdict(list)
    for item in found:
        grouped[_question_key(item.question)].append(item)
    table = []
    for items in grouped.values():
        latest = max(items, key=lambda u: u.at)
        kinds = sorted({u.kind for u in items})
        table.append(
            {
                "question": mask_personal_numbers(latest.question),
                "count": len(items),
                "conversations": len({u.sender_id for u in items}),
                "kinds": [KIND_LABELS.get(k, k) for k in kinds],
                "last_at": iso(latest.at),
            }
        )
    latest_first = sorted(table, key=lambda r: r["last_at"] or "", reverse=True)
    return sorted(latest_first, key=lambda r: -r["count"])


def answer_quality(
    feedback: FeedbackStore,
    conversations_url: str,
    procedure_name: ProcedureName,
    period: Period,
    limited: bool = True,
) -> Dict[str, Any]:
    """Everything the supervisor page shows about answers for ``period`` (``limited``: the
    longest tables cut to what the page shows; the CSV files have all rows)."""
    rows = feedback.between(period.start, period.end)
    found = unanswered_questions(conversations_url, period.start, period.end)
    procedures = by_procedure(rows, procedure_name)
    disliked = most_disliked(rows, procedure_name)
    unanswered = grouped_unanswered(found or [])
    if limited:
        procedures = procedures[:TOP_PROCEDURES]
        disliked = [
            {**d, "conversations": d["conversations"][:CONVERSATIONS_PER_ANSWER]}
            for d in disliked[:TOP_DISLIKED]
        ]
        unanswered = unanswered[:TOP_UNANSWERED]
    up, down = _counts(rows)
    return {
        "period": {
            "days": period.days,
            "from": period.first_day.isoformat(),
            "to": period.dates()[-1].isoformat(),
        },
        "totals": {"up": up, "down": down, "up_percent": _share(up, down)},
        "answer_types": by_answer_type(rows),
        "procedures": procedures,
        "disliked": disliked,
        "unanswered": unanswered if found is not None else None,
        "unanswered_total": sum(u["count"] for u in unanswered) if found is not None else None,
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _percent(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def csv_rows(quality: Dict[str, Any], table: str) -> List[List[Any]]:
    """One table of ``answer_quality`` (with ``limited=False``) as rows, header first."""
    if table == "answer_types":
        return [["Loại câu trả lời", "Hữu ích", "Chưa đúng", "Tỷ lệ hữu ích (%)"]] + [
            [r["label"], r["up"], r["down"], _percent(r["up_percent"])]
            for r in quality["answer_types"]
        ]
    if table == "procedures":
        return [["Mã thủ tục", "Tên thủ tục", "Hữu ích", "Chưa đúng", "Tỷ lệ hữu ích (%)"]] + [
            [r["code"], r["name"], r["up"], r["down"], _percent(r["up_percent"])]
            for r in quality["procedures"]
        ]
    if table == "disliked":
        header = ["Mã thủ tục", "Tên thủ tục", "Loại câu trả lời", "Thời điểm (UTC)", "Kênh"]
        header += ["Cuộc trò chuyện", "Câu hỏi", "Lý do", "Góp ý"]
        return [header] + [
            [d["code"] or "", d["name"], d["label"], c["at"], c["channel"], c["conversation"]]
            + [c["question"], c["reason"], c["comment"]]
            for d in quality["disliked"]
            for c in d["conversations"]
        ]
    if table == "unanswered":
        header = ["Câu hỏi", "Số lần", "Số cuộc trò chuyện", "Loại", "Lần gần nhất (UTC)"]
        return [header] + [
            [u["question"], u["count"], u["conversations"], "; ".join(u["kinds"]), u["last_at"]]
            for u in quality["unanswered"] or []
        ]
    raise ValueError(f"unknown table {table!r}")


def csv_table(quality: Dict[str, Any], table: str) -> bytes:
    """One table as a CSV file for spreadsheet programs."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in csv_rows(quality, table):
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
