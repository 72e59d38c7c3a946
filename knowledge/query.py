"""Turns a citizen's message into a procedure query by removing the words that carry the question.

"cần giấy tờ gì để làm khai sinh ạ" -> "để làm khai sinh". The word lists are data
(``knowledge/data/question_words.yml``). A word typed with diacritics must match exactly; a word
typed without them matches its accent-folded form ("o dau" = "ở đâu").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from knowledge.text.normalize import Word, fold, words

QUESTION_WORDS_FILE = Path(__file__).parent / "data" / "question_words.yml"


@dataclass(frozen=True)
class _Typed:
    text: str
    folded: str
    accented: bool


@dataclass(frozen=True)
class _Listed:
    """A listed phrase (one word or more): its accented and its folded words."""

    accented: Tuple[str, ...]
    folded: Tuple[str, ...]

    def matches(self, typed: List[_Typed], at: int) -> bool:
        window = typed[at : at + len(self.accented)]
        return len(window) == len(self.accented) and all(
            t.text == a if t.accented else t.folded == f
            for t, a, f in zip(window, self.accented, self.folded, strict=True)
        )


@lru_cache(maxsize=1)
def _listed_by_first_word() -> Dict[str, Tuple[_Listed, ...]]:
    """Listed phrases and words, grouped by their first folded word, longest first."""
    data = yaml.safe_load(QUESTION_WORDS_FILE.read_text(encoding="utf-8")) or {}
    entries = set()
    for item in (data.get("phrases") or []) + (data.get("words") or []):
        accented = tuple(w.text for w in words(item))
        if accented:
            entries.add(_Listed(accented, tuple(fold(w) for w in accented)))
    grouped: Dict[str, List[_Listed]] = {}
    for entry in entries:
        grouped.setdefault(entry.folded[0], []).append(entry)
    return {
        first: tuple(sorted(group, key=lambda e: len(e.accented), reverse=True))
        for first, group in grouped.items()
    }


def content_words(text: str) -> List[Word]:
    """The words of ``text`` that are not question words, politeness or particles."""
    listed = _listed_by_first_word()
    original = words(text)
    typed = [_Typed(w.text, fold(w.text), fold(w.text) != w.text) for w in original]
    kept: List[Word] = []
    position = 0
    while position < len(typed):
        candidates = listed.get(typed[position].folded, ())
        match = next((c for c in candidates if c.matches(typed, position)), None)
        if match is None:
            kept.append(original[position])
            position += 1
        else:
            position += len(match.accented)
    return kept


def procedure_query(text: str) -> str:
    """The part of the message that may name a procedure ("" when nothing is left)."""
    return " ".join(w.text for w in content_words(text))
