"""Documents no longer issued (sổ hộ khẩu, chứng minh nhân dân): a request to replace one is
told so, with its official sources, and answered with the procedure that serves instead."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from knowledge.text.normalize import lower_words, phrase_at, without_phrases

RETIRED_FILE = Path(__file__).resolve().parent / "data" / "retired_documents.yml"
AFTER_WINDOW = 3  # words between the document and what happened to it ("sổ hộ khẩu nhà tôi bị mất")

Phrase = Tuple[str, ...]


@dataclass(frozen=True)
class RetiredDocument:
    """A document no longer issued, what to tell the citizen, and the procedure instead."""

    key: str
    names: Tuple[Phrase, ...]
    replaced_by: Tuple[Phrase, ...]
    note: str
    instead: Optional[str]
    sources: Tuple[str, ...]
    checked: str


@dataclass(frozen=True)
class RetiredRequest:
    """A message's request for a retired document, and the message without it."""

    document: RetiredDocument
    rest: str


@lru_cache(maxsize=1)
def _data() -> Tuple[Tuple[RetiredDocument, ...], Tuple[Phrase, ...], Tuple[Phrase, ...]]:
    data = yaml.safe_load(RETIRED_FILE.read_text(encoding="utf-8")) or {}

    def phrases(items: List[str]) -> Tuple[Phrase, ...]:
        return tuple(sorted((tuple(lower_words(p)) for p in items), key=len, reverse=True))

    documents = tuple(
        RetiredDocument(
            key,
            phrases(entry["names"]),
            phrases(entry.get("replaced_by") or []),
            entry["note"],
            entry.get("instead"),
            tuple(entry.get("sources") or ()),
            str(data.get("checked") or ""),
        )
        for key, entry in (data.get("documents") or {}).items()
    )
    return (
        documents,
        phrases(data.get("requests_before") or []),
        phrases(data.get("requests_after") or []),
    )


def documents() -> Tuple[RetiredDocument, ...]:
    """Every retired document the data lists."""
    return _data()[0]


def _phrase_ending_at(typed: List[str], end: int, phrases: Tuple[Phrase, ...]) -> int:
    """The length of the phrase that ends just before ``end``, or 0."""
    for phrase in phrases:
        start = end - len(phrase)
        if start >= 0 and phrase_at(typed, start, phrase):
            return len(phrase)
    return 0


def _phrase_after(typed: List[str], start: int, phrases: Tuple[Phrase, ...]) -> Tuple[int, int]:
    """Where a phrase begins within ``AFTER_WINDOW`` words from ``start``, and its length."""
    for at in range(start, min(len(typed), start + AFTER_WINDOW + 1)):
        for phrase in phrases:
            if phrase_at(typed, at, phrase):
                return at, len(phrase)
    return -1, 0


def retired_request(text: str) -> Optional[RetiredRequest]:
    """The retired document ``text`` asks to replace, renew or reissue ("mất sổ hộ khẩu làm lại
    thế nào"), with the words that are left; None when it only mentions one ("giấy tờ có sổ
    đỏ và CMND 9 số")."""
    all_documents, before, after = _data()
    typed = lower_words(text)
    for at in range(len(typed)):
        for document in all_documents:
            name = next((n for n in document.names if phrase_at(typed, at, n)), None)
            if name is None:
                continue
            end = at + len(name)
            said_before = _phrase_ending_at(typed, at, before)
            later, later_length = _phrase_after(typed, end, after)
            if not said_before and later < 0:
                continue
            used = set(range(at - said_before, end))
            if later >= 0:
                used |= set(range(later, later + later_length))
            rest = [w for i, w in enumerate(typed) if i not in used]
            return RetiredRequest(document, " ".join(without_phrases(rest, document.replaced_by)))
    return None
