"""Vietnamese text normalisation that keeps every word's offsets in the original message.

Steps: HTML tags are skipped, each word is put in Unicode NFC and through underthesea's
``text_normalize`` (tone-mark placement), lower-cased, and expanded with the teencode /
abbreviation map in ``knowledge/text/abbreviations.yml`` (data, not code).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml
from underthesea import text_normalize

ABBREVIATIONS_FILE = Path(__file__).parent / "abbreviations.yml"

# Tags (and whole script/style elements) are skipped, codes such as "1.001193" stay whole,
# combining marks stay inside their word.
_TAG = r"<(?P<element>script|style)\b[^>]{0,200}>.*?(?:</(?P=element)\s*>|$)|<[^<>]{0,200}>"
_WORD = r"\d+(?:[.,/]\d+)*|[^\W_](?:[\w\u0300-\u036f]|(?<=\w)['’](?=\w))*"
_PATTERN = re.compile(rf"(?P<tag>{_TAG})|(?P<word>{_WORD})", re.IGNORECASE | re.DOTALL)

_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


@dataclass(frozen=True)
class Word:
    """A normalised word and the span of the original text it came from."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def abbreviations() -> Dict[str, Tuple[str, ...]]:
    """The abbreviation map: typed token -> words of its expansion."""
    data = yaml.safe_load(ABBREVIATIONS_FILE.read_text(encoding="utf-8")) or {}
    return {
        _normalize_word(key): tuple(_normalize_word(w) for w in str(value).split())
        for key, value in (data.get("abbreviations") or {}).items()
    }


@lru_cache(maxsize=65536)
def _normalize_word(raw: str) -> str:
    word = unicodedata.normalize("NFC", raw).lower()
    if not word.isascii():
        word = text_normalize(word).strip() or word
    return word


@dataclass(frozen=True)
class _Reading:
    expansion: Tuple[str, ...]
    after: frozenset  # folded words that, just before the token, select this reading
    before: frozenset  # folded words that, just after it, select it


@lru_cache(maxsize=1)
def contextual() -> Dict[str, Tuple[Tuple[_Reading, ...], Tuple[str, ...]]]:
    """Tokens read by their neighbours: token -> (readings in order, the otherwise expansion)."""
    data = yaml.safe_load(ABBREVIATIONS_FILE.read_text(encoding="utf-8")) or {}
    table = {}
    for key, entry in (data.get("contextual") or {}).items():
        readings = tuple(
            _Reading(
                tuple(_normalize_word(w) for w in str(r["expand"]).split()),
                frozenset(r.get("after") or ()),
                frozenset(r.get("before") or ()),
            )
            for r in entry.get("readings") or ()
        )
        otherwise = tuple(_normalize_word(w) for w in str(entry.get("otherwise") or key).split())
        table[_normalize_word(key)] = (readings, otherwise)
    return table


def _read_in_context(token: str, previous: str, following: str) -> Tuple[str, ...]:
    readings, otherwise = contextual()[token]
    for reading in readings:
        if previous in reading.after or following in reading.before:
            return reading.expansion
    return otherwise


def words(text: str, expand: bool = True) -> List[Word]:
    """Split ``text`` into normalised words, each with its original character span."""
    mapping = abbreviations() if expand else {}
    ambiguous = contextual() if expand else {}
    tokens: List[Tuple[str, int, int]] = []
    for match in _PATTERN.finditer(text):
        if match.lastgroup != "tag":
            tokens.append((_normalize_word(match.group()), *match.span()))
    expanded = [mapping.get(word, (word,)) for word, _, _ in tokens]
    result: List[Word] = []
    for index, (word, start, end) in enumerate(tokens):
        parts = expanded[index]
        if word in ambiguous:
            previous = fold(expanded[index - 1][-1]) if index else ""
            following = fold(expanded[index + 1][0]) if index + 1 < len(tokens) else ""
            parts = _read_in_context(word, previous, following)
        result.extend(Word(part, start, end) for part in parts)
    return result


def normalize(text: str) -> str:
    """The normalised, abbreviation-expanded text, words separated by single spaces."""
    return " ".join(w.text for w in words(text))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Remove Vietnamese diacritics: "Đăng ký" -> "dang ky" (kept per text: the same words are
    folded at every search)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def has_vietnamese_marks(text: str) -> bool:
    """Whether the text carries any Vietnamese diacritic."""
    return fold(text) != text.lower()


def lower_words(text: str) -> List[str]:
    """The words of ``text`` as typed, lower case: what ``phrase_at`` compares."""
    return [w.text.lower() for w in words(text)]


def folded_words(text: str) -> List[str]:
    """The words of ``text``, accent-folded: "Đăng ký" -> ["dang", "ky"]."""
    return [fold(w.text) for w in words(text)]


def typed_as(typed: str, written: str) -> bool:
    """Whether a typed (lower-case) word is the written one: typed with diacritics, only as
    written ("bán" is not "bạn"); typed without them, by the written word's folded form."""
    return typed == written if fold(typed) != typed else typed == fold(written)


def phrase_at(typed: List[str], at: int, phrase: Tuple[str, ...]) -> bool:
    """Whether the typed words from position ``at`` are the written ``phrase`` (``typed_as``)."""
    window = typed[at : at + len(phrase)]
    return len(window) == len(phrase) and all(map(typed_as, window, phrase))


def phrase_in(typed: List[str], phrase: Tuple[str, ...]) -> bool:
    """Whether the written ``phrase`` is anywhere in the typed words."""
    return any(phrase_at(typed, at, phrase) for at in range(len(typed) - len(phrase) + 1))


def without_phrases(typed: List[str], phrases: Sequence[Tuple[str, ...]]) -> List[str]:
    """The typed words with every occurrence of ``phrases`` left out, read from the left; at
    each position the first phrase that matches is taken (list the longest first)."""
    kept: List[str] = []
    at = 0
    while at < len(typed):
        phrase = next((p for p in phrases if phrase_at(typed, at, p)), None)
        if phrase is None:
            kept.append(typed[at])
        at += len(phrase) if phrase else 1
    return kept
