"""Turns a citizen's message into a procedure query by removing the words that carry the question.

"cần giấy tờ gì để làm khai sinh ạ" -> "để làm khai sinh". The word lists are data
(``knowledge/data/question_words.yml``). A word typed with diacritics must match exactly; a word
typed without them matches its accent-folded form ("o dau" = "ở đâu").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Tuple

import yaml

from knowledge.text.normalize import (
    Word,
    fold,
    folded_words,
    has_vietnamese_marks,
    lower_words,
    phrase_at,
    phrase_in,
    without_phrases,
    words,
)

QUESTION_WORDS_FILE = Path(__file__).parent / "data" / "question_words.yml"


@dataclass(frozen=True)
class _Listed:
    """A listed phrase (one word or more): its accented and its folded words."""

    accented: Tuple[str, ...]
    folded: Tuple[str, ...]

    def matches(self, typed: List[str], at: int) -> bool:
        """Whether the typed words from ``at`` are this phrase (``phrase_at``)."""
        return phrase_at(typed, at, self.accented)


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
    typed = [w.text for w in original]
    kept: List[Word] = []
    position = 0
    while position < len(typed):
        candidates = listed.get(fold(typed[position]), ())
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


VOCABULARY_FILE = Path(__file__).parent / "data" / "vocabulary.yml"


@lru_cache(maxsize=1)
def _vocabulary_file() -> Dict[str, Any]:
    """The vocabulary file's sections, read once."""
    return yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8")) or {}


def _folded_phrase(text: str) -> str:
    return " ".join(folded_words(text))


def _listed(phrase: str) -> _Listed:
    accented = tuple(w.text for w in words(phrase))
    return _Listed(accented, tuple(fold(w) for w in accented))


@lru_cache(maxsize=1)
def _vocabulary() -> Tuple[Tuple[Tuple[_Listed, str], ...], Tuple[str, ...]]:
    """(colloquial phrase, official words) pairs, longest phrase first; and request words,
    folded (the variant markers are ``_variant_phrases``)."""
    data = _vocabulary_file()
    colloquial = sorted(
        ((_listed(k), str(v)) for k, v in (data.get("colloquial") or {}).items()),
        key=lambda pair: -len(pair[0].accented),
    )
    requests = tuple(_folded_phrase(m) for m in data.get("request_words") or [])
    return tuple(colloquial), requests


@lru_cache(maxsize=1)
def _generic_phrases() -> Tuple[Tuple[str, ...], ...]:
    """The follow-up words and phrases ("nộp", "hồ sơ", "thế nào") as written, lower case,
    longest first."""
    data = _vocabulary_file()
    phrases = {tuple(lower_words(p)) for p in data.get("generic_words") or []}
    return tuple(sorted(phrases, key=len, reverse=True))


def naming_words(query: str) -> List[str]:
    """The folded words of a procedure query beyond the words and phrases any follow-up has
    ("nộp", "làm", "hồ sơ"...): "giấy phép bán lẻ rượu" has five, "nộp online được không"
    none."""
    return [fold(w) for w in without_phrases(lower_words(query), _generic_phrases())]


@lru_cache(maxsize=1)
def _procedure_heads() -> Tuple[Tuple[str, ...], ...]:
    data = _vocabulary_file()
    return tuple(tuple(lower_words(h)) for h in data.get("procedure_heads") or [])


def asks_for_a_procedure(text: str) -> bool:
    """Whether ``text`` has a word that says it is about a procedure ("giấy phép", "thủ tục",
    "đăng ký"...), matched accent-aware, besides other words that name what."""
    typed = lower_words(text)
    for head in _procedure_heads():
        if phrase_in(typed, head):
            return len(naming_words(text)) > len(head)
    return False


def names_a_request(query: str, few: int = 2) -> bool:
    """Whether a query that matched no procedure still asks for one, so that "not found" is the
    answer: it says "giấy phép", "thủ tục"... or has more than ``few`` naming words. The few
    words left of a follow-up ("bao lâu thì xong" -> "xong") are not a request."""
    return asks_for_a_procedure(query) or len(naming_words(query)) > few


def names_something(query: str) -> bool:
    """Whether a procedure query has a word that could name a procedure: "nộp online được
    không" names nothing and keeps the procedure in focus."""
    return bool(naming_words(query))


def official_words(text: str) -> List[str]:
    """The official words for the colloquial names in ``text`` ("sổ đỏ" -> "giấy chứng nhận
    quyền sử dụng đất"), matched as question words are (a word typed with diacritics exactly,
    one typed without them by its folded form: "Pháp" is not "pháp luật"'s "pháp"... unless
    typed "phap"); a phrase inside a longer listed one is not expanded twice."""
    return list(_official_words(text))


@lru_cache(maxsize=4096)
def _official_words(text: str) -> Tuple[str, ...]:
    return tuple(official for _, _, official in _colloquial_names(text))


@lru_cache(maxsize=4096)
def _colloquial_names(text: str) -> Tuple[Tuple[int, int, str], ...]:
    """Each colloquial name of ``text``: its first word's position, its length in words and
    its official words (``official_words``)."""
    typed = [w.text for w in words(text)]
    by_first_word = _colloquial_by_first_word()
    candidates = sorted(
        {entry for word in typed for entry in by_first_word.get(fold(word), ())},
        key=lambda entry: entry[0],
    )
    used = [False] * len(typed)
    found: List[Tuple[int, int, str]] = []
    for _, phrase, official in candidates:
        size = len(phrase.accented)
        for at in range(len(typed) - size + 1):
            if not any(used[at : at + size]) and phrase.matches(typed, at):
                found.append((at, size, official))
                used[at : at + size] = [True] * size
                break
    return tuple(found)


@lru_cache(maxsize=1)
def _colloquial_by_first_word() -> Dict[str, Tuple[Tuple[int, _Listed, str], ...]]:
    """The colloquial phrases by their first folded word, each with its rank in the longest-first
    order (so that a text's candidates are tried in that order)."""
    grouped: Dict[str, List[Tuple[int, _Listed, str]]] = {}
    for rank, (phrase, official) in enumerate(_vocabulary()[0]):
        grouped.setdefault(phrase.folded[0], []).append((rank, phrase, official))
    return {first: tuple(group) for first, group in grouped.items()}


@lru_cache(maxsize=1)
def _variant_phrases() -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """The variant markers as (folded form, written words)."""
    data = _vocabulary_file()
    written = [tuple(lower_words(m)) for m in data.get("variant_markers") or []]
    return tuple((" ".join(fold(w) for w in phrase), phrase) for phrase in written if phrase)


@lru_cache(maxsize=1)
def _death_context() -> Tuple[Tuple[Tuple[str, ...], ...], ...]:
    """The relatives before a "mất" that says someone died, the things lost after one that
    does not, and the words just before one that says a loss ("bị mất")."""
    data = (_vocabulary_file().get("death") or {}).items()
    lists = {k: tuple(tuple(lower_words(p)) for p in v or []) for k, v in data}
    return lists.get("relatives", ()), lists.get("lost_things", ()), lists.get("loss_before", ())


DEATH_LOOKBACK = 3  # words between the relative and "mất" ("bà nội em mất")


def _says_a_death(typed: List[str], at: int) -> bool:
    """Whether the "mất" typed at ``at`` says a relative died ("bố tôi mất năm 2020", "khi bà
    mất") rather than that something was lost ("mẹ mất thẻ", "bị mất")."""
    relatives, lost_things, _ = _death_context()
    before = range(max(0, at - DEATH_LOOKBACK), at)
    if at > 0 and any(phrase_at(typed, at - 1, w) for w in _death_context()[2]):
        return False
    if not any(phrase_at(typed, i, r) for i in before for r in relatives):
        return False
    return not any(phrase_at(typed, at + 1, thing) for thing in lost_things)


@lru_cache(maxsize=1)
def _takes_after_mat() -> Tuple[Tuple[str, ...], ...]:
    data = _vocabulary_file().get("takes_after_mat") or []
    return tuple(tuple(lower_words(p)) for p in data)


def _not_a_loss(typed: List[str], at: int) -> bool:
    """Whether the "mất" typed at ``at`` says a relative died or what a procedure takes ("mất
    bao lâu", "có mất phí không") rather than a loss."""
    takes = any(phrase_at(typed, at + 1, p) for p in _takes_after_mat())
    return takes or _says_a_death(typed, at)


def variant_markers(text: str) -> List[str]:
    """The variant words ("cấp lại", "mất", "đổi", "nước ngoài"...) that ``text`` or the
    official words of its colloquial names contain, accent-folded. A word typed with diacritics
    must be the marker's ("đời" is not "đổi"), and a "mất" that says a relative died is not a
    loss. A colloquial name's own words are read through its official words only: the
    "chuyển đổi" of "chuyển đổi mục đích" (to "chuyển mục đích sử dụng đất") asks no change
    of anything."""
    return list(_variant_markers(text))


@lru_cache(maxsize=16384)
def _variant_markers(text: str) -> Tuple[str, ...]:
    """``variant_markers``, kept: the same titles are read at every turn."""
    typed = lower_words(text)
    for at, size, _ in _colloquial_names(text):
        typed[at : at + size] = [""] * size  # a blank word is no marker's
    typed += ["", *lower_words(" ".join(official_words(text)))]
    found = []
    for folded, phrase in _variant_phrases():
        for at in range(len(typed) - len(phrase) + 1):
            if phrase_at(typed, at, phrase) and not (folded == "mat" and _not_a_loss(typed, at)):
                found.append(folded)
                break
    return tuple(found)


def search_query(text: str) -> str:
    """The procedure query of ``text`` with the official words for its colloquial names."""
    return " ".join([procedure_query(text), *official_words(text)]).strip()


# Words that, with variant markers, only say which variant is wanted ("cấp mới", "làm lại").
_MODIFIER_WORDS = frozenset("cap lam xin moi lan dau lai bi roi a ah nhe nha thi vay".split())


def _without_markers(text: str) -> Tuple[str, str]:
    """``text`` folded (a parenthesis, which only qualifies, left out), before and after its
    variant markers and request words are taken out."""
    folded = _folded_phrase(re.sub(r"\([^)]*\)", " ", text))
    markers = tuple(folded for folded, _ in _variant_phrases())
    rest = folded
    for phrase in sorted(markers + _vocabulary()[1], key=len, reverse=True):
        rest = f" {rest} ".replace(f" {phrase} ", " ").strip()
    return folded, rest


def without_variant_words(text: str) -> str:
    """The folded text with its variant markers and request verbs taken out: what a procedure
    is about ("Trình báo mất hộ chiếu phổ thông" -> "ho chieu pho thong"); a parenthesis
    ("(lần đầu, từ đủ 14 tuổi)") only qualifies it and goes too."""
    _, rest = _without_markers(text)
    return " ".join(w for w in rest.split() if w not in _MODIFIER_WORDS)


def only_names_a_variant(text: str, kind_said: bool = False) -> bool:
    """Whether the message says which variant ("cấp mới", "bị mất", "đổi"; or ``kind_said``, a
    request kind found in it) but no procedure. Particles alone ("thi" for "thì", "a") say no
    variant, and "thi" may be the exam of "lệ phí thi bao nhiêu"."""
    folded, rest = _without_markers(procedure_query(text))
    said = kind_said or rest != folded
    return bool(folded) and said and all(w in _MODIFIER_WORDS for w in rest.split())


DOCUMENT_BEFORE_COPY = 3  # words of a document's name before "bản gốc"


@lru_cache(maxsize=1)
def _mention_words() -> Dict[str, Tuple[Tuple[str, ...], ...]]:
    """The place words, clause end words and copy words of ``mentions``, as written."""
    data = _vocabulary_file().get("mentions") or {}
    return {
        key: tuple(
            sorted(
                (tuple(lower_words(p)) for p in data.get(key) or []),
                key=len,
                reverse=True,
            )
        )
        for key in ("places", "ends", "copies")
    }


_CLAUSE_END = re.compile(r"[,.;?!\n]")


def without_mentions(text: str) -> str:
    """``text`` without the places and documents it mentions ("phải về nơi đăng ký khai
    sinh", "cần hộ chiếu bản gốc"): in a follow-up they say where to go or what to bring, not
    which procedure is asked about."""
    found = words(text)
    typed = [w.text.lower() for w in found]
    mentions = _mention_words()
    dropped = [False] * len(typed)
    at = 0
    while at < len(typed):
        place = next((p for p in mentions["places"] if phrase_at(typed, at, p)), None)
        if place is not None:
            end = at + len(place)
            while end < len(typed) and not _ends_clause(text, found, typed, end, mentions):
                end += 1
            dropped[at:end] = [True] * (end - at)
            at = end
            continue
        copy = next((c for c in mentions["copies"] if phrase_at(typed, at, c)), None)
        if copy is not None:
            start = max(0, at - DOCUMENT_BEFORE_COPY)
            dropped[start : at + len(copy)] = [True] * (at + len(copy) - start)
            at += len(copy)
            continue
        at += 1
    return " ".join(w.text for w, gone in zip(found, dropped, strict=True) if not gone)


def _ends_clause(
    text: str, found: List[Word], typed: List[str], at: int, mentions: Dict[str, Any]
) -> bool:
    """Whether the word at ``at`` starts a new clause: an end word, or punctuation before it."""
    if any(phrase_at(typed, at, e) for e in mentions["ends"]):
        return True
    return bool(_CLAUSE_END.search(text[found[at - 1].end : found[at].start]))


@lru_cache(maxsize=1)
def _location_phrases() -> Dict[str, Tuple[str, ...]]:
    """The location section of the vocabulary, folded; ``countries`` are the colloquial names
    that say a foreign country (not a foreigner: "người Mỹ")."""
    data = _vocabulary_file()
    lists = {k: tuple(_folded_phrase(p) for p in v or []) for k, v in data["location"].items()}
    colloquial = (data.get("colloquial") or {}).items()
    foreign = _folded_phrase("nước ngoài")
    lists["countries"] = tuple(
        _folded_phrase(k)
        for k, v in colloquial
        if _folded_phrase(str(v)) == foreign and not _folded_phrase(k).startswith("nguoi ")
    )
    return lists


def _has_phrase(padded: str, phrases: Iterable[str]) -> bool:
    return any(f" {phrase} " in padded for phrase in phrases)


@lru_cache(maxsize=4096)
def places_said(text: str) -> FrozenSet[str]:
    """Where the message says the person concerned is: "abroad" ("đang sống ở Hàn Quốc", "tại
    đại sứ quán"), "home" ("sống ở Việt Nam", "về nước"), both or neither."""
    lists = _location_phrases()
    padded = f" {_folded_phrase(text)} "
    abroad = _has_phrase(padded, lists["abroad"]) or any(
        f" {place} {country} " in padded
        for place in lists["before_a_country"]
        for country in lists["countries"]
    )
    home = _has_phrase(padded, lists["home"])
    return frozenset(name for name, said in (("abroad", abroad), ("home", home)) if said)


@lru_cache(maxsize=16384)
def places_of_title(title: str) -> Tuple[FrozenSet[str], bool]:
    """Where a procedure's title says it is filed ("abroad", "home") and whether its "nước ngoài"
    is a foreign element ("có yếu tố nước ngoài", "người nước ngoài") rather than a place."""
    lists = _location_phrases()
    padded = f" {_folded_phrase(title)} "
    places = frozenset(
        name
        for name, key in (("abroad", "abroad_titles"), ("home", "home_titles"))
        if _has_phrase(padded, lists[key])
    )
    return places, _has_phrase(padded, lists["foreign_element_titles"])


@lru_cache(maxsize=1)
def _not_what_about() -> FrozenSet[str]:
    """Words (lower case, accented) that say what is done or how it is asked, never what
    about."""
    data = _vocabulary_file()
    phrases = [*(data.get("action_words") or []), *(data.get("procedure_heads") or [])]
    phrases += data.get("generic_words") or []
    return frozenset(w for phrase in phrases for w in lower_words(str(phrase)))


@lru_cache(maxsize=1)
def _folded_not_what_about() -> FrozenSet[str]:
    return frozenset(fold(w) for w in _not_what_about())


@lru_cache(maxsize=16384)
def about_words(title: str) -> FrozenSet[str]:
    """The words of a title (lower case) that say what it is about: "Cấp lại giấy phép lái xe"
    -> {"lái", "xe"}; "Xóa đăng ký" -> none."""
    return frozenset(w for w in lower_words(title) if w not in _not_what_about())


@lru_cache(maxsize=1)
def _organisation_actions() -> Tuple[Tuple[Tuple[str, ...], Tuple[Tuple[str, ...], ...]], ...]:
    """The organisation actions of titles, each with the words a message says it by."""
    data = (_vocabulary_file().get("organisation_actions") or {}).items()
    return tuple(
        (tuple(lower_words(action)), tuple(tuple(lower_words(w)) for w in said or [action]))
        for action, said in data
    )


def says_organisation_action(text: str, title: str) -> bool:
    """Whether ``text`` says an organisation action of ``title`` ("thành lập", "giải thể"), by
    its words or the official words of its colloquial names; a title with none passes."""
    title_words = lower_words(title)
    actions = [
        saying for action, saying in _organisation_actions() if phrase_in(title_words, action)
    ]
    if not actions:
        return True
    typed = lower_words(" ".join([text, *official_words(text)]))
    return any(phrase_in(typed, said) for saying in actions for said in saying)


def asks_about(query: str, title: str) -> bool:
    """Whether ``query`` shares a word of what ``title`` is about, accent-aware: a word typed
    without diacritics matches by its folded form ("lai xe" is "lái xe", "cấp lại" is not).
    A bare word that may be one of what is done ("lai": "lại" or "lái") is no evidence. A title
    that says only what is done ("Xóa đăng ký") may be about anything."""
    about = about_words(title)
    if not about:
        return True
    typed = lower_words(query)
    accented = {w for w in typed if has_vietnamese_marks(w)}
    folded = {w for w in typed if not has_vietnamese_marks(w)} - _folded_not_what_about()
    return any(w in accented or fold(w) in folded for w in about)


def says_title(query: str, title: str) -> bool:
    """Whether ``query`` says ``title`` word for word (accent-aware, a parenthesis left out):
    "tách hộ cùng chỗ ở" says "Tách hộ"."""
    phrase = tuple(lower_words(re.sub(r"\([^)]*\)", " ", title)))
    return bool(phrase) and phrase_in(lower_words(query), phrase)
