"""Sentences of a message and the part that asks the question.

Citizens' letters often tell a situation first and ask at the end: "Tôi mới sinh con. Vợ tôi
quê ở Huế. Xin hỏi làm giấy khai sinh cho cháu ở đâu?". The intent is read from the question
part; the whole message still names the procedure and the case.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, Optional, Tuple

from knowledge.text.normalize import fold, folded_words, has_vietnamese_marks

Span = Tuple[int, int]

# A sentence ends at a line break, a run of "!", "?" or "…", or periods followed by a space or
# the end ("năm 2015. Tính đến..."); "1.001193", "TP.HCM" and "Q.5" do not end one.
_SENTENCE_END = re.compile(r"[.!?…]*[!?…][.!?…]*|\.+(?=\s|$)|\n+")
# Phrases that open or carry a question, accent-folded, matched on word boundaries.
_QUESTION_CUES = re.compile(
    r"\b(?:xin hoi|cho (?:em|toi|minh|chau|tui|to|con|hoi)\b.{0,12}\bhoi|toi muon hoi|"
    r"muon hoi|nho .{0,20}(?:tu van|giai dap|huong dan)|(?:xin|mong|can) (?:duoc )?(?:tu van|"
    r"giai dap|huong dan)|hoi (?:ve|la)|vay (?:thi|cho)|the (?:thi|nao)|nhu the nao|"
    r"(?:phai|can|nen) (?:lam|chuan bi|nop|mang) gi|bao (?:lau|nhieu|gio)|o dau|"
    r"(?:duoc|phai) (?:khong|ko|k)\b|co (?:duoc|phai|can|the) .{0,60}\bkhong\b|"
    r"\bgi\b|\bnao\b|(?:tai|vi|lam) sao\b|\bkhong\b\s*(?:a|ah|vay|nhi|nhe)?\s*$)"
)
MIN_SENTENCES_FOR_FOCUS = 2
# A sentence of the story that says what the citizen wants to do ("Nay tôi muốn tách hộ").
_NEED_CUES = re.compile(
    r"\b(?:muon|can|dinh|du dinh|xin|nho|mong|phai|co nhu cau|chuan bi|sap|nay|bay gio|"
    r"hien nay|hien tai|gio)\b"
)


# A long message typed without diacritics is mostly typed without full stops too ("e nghi viec,
# cty chot so r, gio con lanh tro cap that nghiep dc ko"): to find what it names, its commas end
# its sentences. (What it asks is read from the whole: an aspect may come in any clause.)
TYPED_CLAUSES_WORDS = 20


def sentence_spans(text: str, typed_clauses: bool = False) -> List[Span]:
    """Character spans of the sentences of ``text`` (surrounding spaces left out); with
    ``typed_clauses``, the clauses of a long message typed without stops."""
    spans = _spans_ending_at(_SENTENCE_END, text)
    if typed_clauses and len(spans) == 1 and _typed_without_stops(text):
        return _spans_ending_at(_COMMA, text)
    return spans


_COMMA = re.compile(r",+")


def _spans_ending_at(ends: re.Pattern, text: str) -> List[Span]:
    spans: List[Span] = []
    start = 0
    for match in ends.finditer(text):
        _append(spans, text, start, match.end())
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def _typed_without_stops(text: str) -> bool:
    """Whether ``text`` is a long message of one sentence, with commas and no diacritics."""
    return (
        "," in text and len(text.split()) >= TYPED_CLAUSES_WORDS and not has_vietnamese_marks(text)
    )


def _append(spans: List[Span], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if any(c.isalnum() for c in stripped):
        offset = start + len(piece) - len(piece.lstrip())
        spans.append((offset, offset + len(stripped)))


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something (a question mark or a question cue)."""
    return "?" in sentence or bool(_QUESTION_CUES.search(fold(sentence)))


# What follows these words names what the citizen wants done: "tôi muốn [nhập hộ khẩu cho con]",
# "xin [cấp lại giấy chứng tử]", "làm thủ tục [sang tên xe]". What is done already ("đã làm
# xong thủ tục đăng ký thường trú", "đã được cấp sổ đỏ") is no need.
# Matched on the typed form: a word typed with diacritics keeps them ("căn" is not "cần").
_NEED_PHRASE = re.compile(
    r"\b(?:muốn|muon|cần|can|xin|dự định|du dinh|phải|phai|làm thủ tục|lam thu tuc|thủ tục|"
    r"thu tuc|làm|lam|để được|de duoc|được|duoc)\s+(?!xong\b)"
    r"(?P<need>(?:[^\W\d_]+\s+){1,9}[^\W\d_]+)"
)
# "đã" before a chain of these words says the need is met: "đã làm xong thủ tục …"
_DONE = frozenset({"đã", "da"})
_DONE_CHAIN = frozenset("làm lam xong được duoc thủ tục thu tuc".split())
_NEED_END = re.compile(r"[,.;:?!()\n]")


def need_phrases(text: str) -> List[str]:
    """Short phrases that say what the citizen wants done, cut at punctuation (at most ten
    words each), as written in ``text``."""
    typed = _typed_form(text)
    if typed is None:
        return []
    phrases = []
    for piece_start, piece in _pieces(typed):
        for match in _NEED_PHRASE.finditer(piece):
            if _done_before(piece[: match.start()]):
                continue
            start, end = match.span("need")
            phrases.append(text[piece_start + start : piece_start + end])
    return phrases


def _done_before(before: str) -> bool:
    """Whether the words before a need cue say it is done ("đã", "đã làm xong")."""
    said = before.split()
    while said and said[-1] in _DONE_CHAIN:
        said.pop()
    return bool(said) and said[-1] in _DONE


def _typed_form(text: str) -> Optional[str]:
    """``text`` lower-cased, each word without diacritics folded ("Đăng ky" -> "đăng ky"), one
    character for one; None when the text cannot be kept aligned that way."""
    lowered = unicodedata.normalize("NFC", text).lower()
    if len(lowered) != len(text):
        return None
    typed = re.sub(
        r"\w+", lambda m: m.group() if has_vietnamese_marks(m.group()) else fold(m.group()), lowered
    )
    return typed if len(typed) == len(text) else None


def _pieces(folded: str) -> List[Tuple[int, str]]:
    pieces, start = [], 0
    for match in _NEED_END.finditer(folded):
        pieces.append((start, folded[start : match.start()]))
        start = match.end()
    pieces.append((start, folded[start:]))
    return pieces


# A purpose clause ("xin giấy xác nhận độc thân [để kết hôn với người nước ngoài]") names what
# the citizen will do next, not the procedure asked; "để lại" (leave) and "để được" (to be
# granted: what is asked) start none, nor does "để" after a "how" ("làm thế nào để đăng ký
# khai sinh": the purpose is what is asked).
_PURPOSE = re.compile(r"\b(?:để|de)\s+(?!(?:lại|lai|được|duoc)\b)[^,.;:?!\n]*", re.IGNORECASE)
_HOW_BEFORE = tuple(
    tuple(how.split()) for how in ("the nao", "nhu nao", "lam sao", "ra sao", "cach nao", "gi", "j")
)


def _after_a_how(before: str) -> bool:
    """Whether ``before`` ends with the words of a "how" ("làm thế nào", "làm sao"): "bản sao"
    asks none."""
    said = folded_words(before)
    return any(said[-len(how) :] == list(how) for how in _HOW_BEFORE)


def without_purpose(text: str) -> Optional[str]:
    """``text`` without its purpose clauses, or None when it has none."""
    clauses = [m for m in _PURPOSE.finditer(text) if not _after_a_how(text[: m.start()])]
    if not clauses:
        return None
    for match in reversed(clauses):
        text = f"{text[: match.start()]} {text[match.end() :]}"
    return " ".join(text.split())


def states_a_need(sentence: str) -> bool:
    """Whether a sentence of the story says what the citizen wants or has to do."""
    return bool(_NEED_CUES.search(fold(sentence)))


def question_span(text: str, typed_clauses: bool = False) -> Span:
    """The span of ``text`` that carries the question.

    A message of one sentence is its own question. In a longer one, the question runs from the
    first sentence that asks (after the story) to the end; with no asking sentence, it is the
    last sentence.
    """
    spans = sentence_spans(text, typed_clauses)
    if len(spans) < MIN_SENTENCES_FOR_FOCUS:
        return (spans[0][0], spans[0][1]) if spans else (0, len(text))
    asking = [s for s in spans if is_question(text[s[0] : s[1]])]
    if not asking:
        return spans[-1]
    # The question part starts at the first asking sentence of the final run of them: a letter
    # that asks twice ("Tôi có được không? Nếu được thì cần gì?") keeps both.
    first = asking[-1]
    for span in reversed(spans[: spans.index(asking[-1])]):
        if span not in asking:
            break
        first = span
    return (first[0], spans[-1][1])


def story_and_question(text: str, typed_clauses: bool = False) -> Tuple[str, str]:
    """The situation told before the question, and the question part."""
    start, end = question_span(text, typed_clauses)
    return text[:start].strip(), text[start:end].strip()
