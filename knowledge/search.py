"""Ranked procedure search: accent-insensitive, abbreviation-aware and typo-tolerant.

Every procedure is a set of phrases (official name, short name, aliases, keywords). Phrases and
queries become terms: accent-folded syllables and syllable bigrams, weighted by inverse document
frequency. A phrase scores the F-measure (recall-weighted) of the IDF mass it shares with the
query; a procedure scores its best phrase plus a small preference for the shorter official name.
Unknown query syllables are matched to known ones one edit away (symmetric-delete lookup).
The scoring is a sparse matrix product, so a query over the full catalogue takes about a
millisecond.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import numpy as np
from scipy import sparse

from knowledge.text.normalize import fold, has_vietnamese_marks, words

CODE_PATTERN = re.compile(r"\b\d\.\d{6}\b")
RECALL_WEIGHT = 1.5  # beta of the F-measure: a phrase fully present in the query matters most
NAME_SHARE = 0.3  # share of the score from the official short name (prefers the plainer twin)
KEYWORD_WEIGHT = 0.85  # a keyword is a hint shared by related procedures, not a name
DOCUMENT_WEIGHT = 0.5  # a document or result name ("Giấy xác nhận khuyết tật")
CLAUSE_WEIGHT = 0.75  # one clause of a long official name ("chuyển mục đích sử dụng đất")
MIN_CLAUSE_SYLLABLES = 4
# Where a long official name splits into clauses that each name the procedure.
_CLAUSE_BREAKS = re.compile(
    r"[,;:()]| đối với | trong trường hợp | trường hợp | thực hiện tại | tại cấp | do | theo | và "
)
# Where the rest of a name's part (up to its ";") says who or what is excluded.
_EXCLUDED = re.compile(r" (?:mà không|mà chưa|không có|chưa có|không còn|không thuộc|trừ) ")


@dataclass(frozen=True)
class IndexEntry:
    """What the index knows of a procedure."""

    code: str
    name: str
    short_name: str
    aliases: Tuple[str, ...] = ()
    keywords: Tuple[str, ...] = ()
    # What tells apart procedures of the same title (shown with the title when two meet).
    levels: Tuple[str, ...] = ()
    field: Optional[str] = None
    agency: Optional[str] = None
    # The procedure's share of its score: below 1 for one citizens rarely file (see
    # ``knowledge.store.citizen_prior``).
    prior: float = 1.0
    # The names of what is filed and what is issued (documents, results): a weaker hint.
    documents: Tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """A ranked search result. ``short_name`` is the title to show: when another hit has the
    same title, it names what differs ("Rút tiền ký quỹ (Quản lý bán hàng đa cấp)").
    ``coverage`` is the share of the query's information (IDF mass) the procedure's best
    phrase holds: a hit that leaves the query's rare words ("rượu") out covers little."""

    code: str
    name: str
    short_name: str
    score: float
    coverage: float = 1.0


_FINAL_Y = re.compile(r"^([bcdghklmnpqrstvx]+)y$")


ACCENTED = "~"  # prefix of a term kept with its diacritics
# A final "y" after a consonant, with its tone, spelt as "i" with the same tone ("ký" = "kí").
_FINAL_Y_ACCENTED = re.compile(r"^([bcdđghklmnpqrstvx]+)([yýỳỷỹỵ])$")
_Y_AS_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")


@lru_cache(maxsize=65536)
def _folded_syllable(word: str) -> str:
    return _FINAL_Y.sub(r"\1i", fold(word))


def syllables(text: str) -> List[str]:
    """Normalised, abbreviation-expanded, accent-folded syllables of ``text``.

    A final "y" after a consonant is spelt "i" ("ký" = "kí", "lý" = "lí").
    """
    return [_folded_syllable(w.text) for w in words(text)]


@lru_cache(maxsize=131072)
def phrase_terms(text: str) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """The folded terms of ``text`` and its ACCENTED terms, from one reading of its words
    (kept: an index rebuilt over the same catalogue reads each phrase once per process)."""
    typed = [w.text for w in words(text)]
    folded = terms([_folded_syllable(w) for w in typed])
    accented = {ACCENTED + t for t in terms([_accented(w) for w in typed])}
    return frozenset(folded), frozenset(accented)


def _accented(word: str) -> str:
    match = _FINAL_Y_ACCENTED.match(word)
    return match.group(1) + match.group(2).translate(_Y_AS_I) if match else word


def accented_terms(text: str) -> Set[str]:
    """The syllables and bigrams of ``text`` with their diacritics, marked with ACCENTED."""
    kept = [_accented(w.text) for w in words(text)]
    return {ACCENTED + t for t in terms(kept)}


def query_terms(text: str) -> Tuple[List[str], List[Optional[str]]]:
    """A query's syllables, folded, and each one's accented form when it was typed with
    diacritics (None when typed without: then it may be any word that folds the same)."""
    typed = words(text)
    folded = [_folded_syllable(w.text) for w in typed]
    accented = [_accented(w.text) if has_vietnamese_marks(w.text) else None for w in typed]
    return folded, accented


def clauses(name: str) -> List[str]:
    """The clauses of a long official name that name the procedure on their own: "Giao đất,
    cho thuê đất, chuyển mục đích sử dụng đất đối với hộ gia đình" -> "cho thuê đất",
    "chuyển mục đích sử dụng đất", "hộ gia đình"... (clauses shorter than four syllables, and
    every clause of a short name, are left out). What a name excludes is not what it names:
    "Hỗ trợ chi phí mai táng cho người cao tuổi mà không có lương hưu, trợ cấp xã hội hàng
    tháng" has no clause "trợ cấp xã hội hàng tháng"."""
    if len(name.split()) < 2 * MIN_CLAUSE_SYLLABLES:
        return []
    named = " ; ".join(_EXCLUDED.split(f" {part} ")[0] for part in name.lower().split(";"))
    pieces = (p.strip() for p in _CLAUSE_BREAKS.split(f" {named} "))
    return [p for p in pieces if len(p.split()) >= MIN_CLAUSE_SYLLABLES]


def terms(folded: Sequence[str]) -> Set[str]:
    """Syllables and syllable bigrams."""
    return set(folded) | {f"{a}_{b}" for a, b in zip(folded, folded[1:], strict=False)}


def _deletions(syllable: str) -> Set[str]:
    return {syllable[:i] + syllable[i + 1 :] for i in range(len(syllable))}


class ProcedureIndex:
    """An in-memory ranked index over procedure phrases."""

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self._entries: List[IndexEntry] = list(entries)
        self._by_code = {e.code: i for i, e in enumerate(self._entries)}
        vocabulary: Dict[str, int] = {}
        rows: List[int] = []
        cols: List[int] = []
        phrase_owner: List[int] = []
        phrase_weight: List[float] = []
        name_rows: List[int] = []
        name_cols: List[int] = []
        document_frequency: Dict[int, int] = defaultdict(int)

        for owner, entry in enumerate(self._entries):
            seen: Set[int] = set()
            names = (entry.name, entry.short_name, *entry.aliases)
            weighted = [(p, 1.0) for p in names] + [(p, KEYWORD_WEIGHT) for p in entry.keywords]
            weighted += [(c, CLAUSE_WEIGHT) for c in clauses(entry.name) if c not in names]
            weighted += [(d, DOCUMENT_WEIGHT) for d in entry.documents if d not in names]
            for phrase, weight in weighted:
                folded_terms, accented = phrase_terms(phrase)
                folded_ids = [vocabulary.setdefault(t, len(vocabulary)) for t in folded_terms]
                if not folded_ids:
                    continue
                ids = folded_ids + [vocabulary.setdefault(t, len(vocabulary)) for t in accented]
                row = len(phrase_owner)
                phrase_owner.append(owner)
                phrase_weight.append(weight)
                rows.extend([row] * len(ids))
                cols.extend(ids)
                seen.update(folded_ids)
            for term in set().union(*phrase_terms(entry.short_name)):
                name_rows.append(owner)
                name_cols.append(vocabulary.setdefault(term, len(vocabulary)))
            for term_id in seen:
                document_frequency[term_id] += 1

        self._vocabulary = vocabulary
        count = max(len(self._entries), 1)
        # An accented term weighs what its folded form weighs; masses count folded terms only,
        # so a phrase matched with or without diacritics is measured the same way.
        by_term = list(vocabulary)
        folded_id = [
            vocabulary.get(_folded_term(t), i) if t.startswith(ACCENTED) else i
            for i, t in enumerate(by_term)
        ]
        self._idf = np.array(
            [
                math.log(1 + count / document_frequency.get(folded_id[i], 1))
                for i in range(len(by_term))
            ]
        )
        mass_weights = np.where([t.startswith(ACCENTED) for t in by_term], 0.0, self._idf)
        shape = (len(phrase_owner), len(vocabulary))
        self._phrases = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        self._phrase_mass = self._phrases @ mass_weights
        self._phrase_owner = np.array(phrase_owner, dtype=np.int64)
        self._phrase_weight = np.array(phrase_weight)
        names = sparse.csc_matrix(
            (np.ones(len(name_rows)), (name_rows, name_cols)),
            shape=(len(self._entries), len(vocabulary)),
        )
        names.data[:] = 1.0  # a term repeated in a name counts once
        self._names = names
        self._name_mass = names @ mass_weights
        self._prior = np.array([e.prior for e in self._entries])
        owner_changes = np.diff(self._phrase_owner) != 0
        self._owner_starts = np.flatnonzero(np.r_[bool(phrase_owner), owner_changes])
        self._owners_with_phrases = self._phrase_owner[self._owner_starts]
        ends = [*self._owner_starts[1:], len(phrase_owner)][: len(self._owner_starts)]
        self._phrase_rows = {
            int(owner): (int(start), int(end))
            for owner, start, end in zip(
                self._owners_with_phrases, self._owner_starts, ends, strict=True
            )
        }
        self._titles_saying: Dict[str, int] = {}
        self._padded_titles: Optional[List[str]] = None
        self._near: Dict[str, Set[str]] = defaultdict(set)
        for term in vocabulary:
            if "_" not in term and len(term) >= 3 and not term.startswith(ACCENTED):
                for variant in _deletions(term) | {term}:
                    self._near[variant].add(term)

    def __len__(self) -> int:
        return len(self._entries)

    def titles_saying(self, title: str) -> int:
        """How many indexed titles say ``title`` word for word (itself among them): "Cấp giấy
        phép xây dựng" heads a family of them, "Tách hộ" names one procedure."""
        key = f" {_title_key(title)} "
        if key not in self._titles_saying:
            if self._padded_titles is None:
                self._padded_titles = [
                    f" {_title_key(e.short_name or e.name)} " for e in self._entries
                ]
            self._titles_saying[key] = sum(key in padded for padded in self._padded_titles)
        return self._titles_saying[key]

    def entry(self, code: str) -> IndexEntry | None:
        """The entry of a procedure code, if indexed."""
        index = self._by_code.get(code)
        return None if index is None else self._entries[index]

    def search(
        self,
        query: str,
        limit: int = 5,
        min_score: float = 0.05,
        recall_weight: float = RECALL_WEIGHT,
    ) -> List[SearchHit]:
        """The best matching procedures, best first. A higher ``recall_weight`` suits a long
        query (a story) that names a procedure among many other words."""
        if not self._entries:
            return []
        hits: List[SearchHit] = []
        for code in CODE_PATTERN.findall(query):
            entry = self.entry(code)
            if entry:
                hits.append(SearchHit(entry.code, entry.name, entry.short_name, 1.0))
        query_ids = self._query_terms(*query_terms(CODE_PATTERN.sub(" ", query)))
        if query_ids.size:
            hits.extend(
                h for h in self._rank(query_ids, limit, recall_weight) if h.score >= min_score
            )
        unique: Dict[str, SearchHit] = {}
        for hit in hits:
            unique.setdefault(hit.code, hit)
        return self._distinguished(list(unique.values())[:limit])

    def _distinguished(self, hits: List[SearchHit]) -> List[SearchHit]:
        """Hits whose titles are all different: procedures of the same title get what differs
        (level, field or agency) after it; ones that differ in none of these are one option
        (the best ranked), since the citizen could not choose between them."""
        groups: Dict[str, List[int]] = defaultdict(list)
        for position, hit in enumerate(hits):
            groups[_title_key(hit.short_name)].append(position)
        shown: List[Optional[SearchHit]] = list(hits)
        for positions in groups.values():
            if len(positions) < 2:
                continue
            entries = [self.entry(hits[p].code) for p in positions]
            labels = _differences([e for e in entries if e is not None])
            seen: Set[str] = set()
            for position, label in zip(positions, labels or [None] * len(positions), strict=True):
                hit = hits[position]
                if label is None or label in seen:
                    shown[position] = None if position != positions[0] else hit
                    continue
                seen.add(label)
                shown[position] = dataclasses.replace(hit, short_name=f"{hit.short_name} ({label})")
        return [hit for hit in shown if hit is not None]

    def _query_terms(self, folded: List[str], accented: List[Optional[str]]) -> np.ndarray:
        """Term ids of a query: a syllable typed with diacritics matches only that spelling
        ("cần" is not "căn"), one typed without matches every spelling that folds the same,
        and an unknown one typed without stands for its closest known syllable."""
        corrected: List[str] = []
        for syllable, spelt in zip(folded, accented, strict=True):
            if spelt is not None:
                corrected.append(ACCENTED + spelt)
                continue
            if syllable in self._vocabulary or len(syllable) < 3:
                corrected.append(syllable)
                continue
            candidates: Set[str] = set()
            for variant in _deletions(syllable) | {syllable}:
                candidates |= self._near.get(variant, set())
            # The most informative (rarest) neighbour stands in for the misspelt syllable.
            best = max(
                candidates,
                key=lambda t: self._idf[self._vocabulary[t]],
                default=syllable,
            )
            corrected.append(best)
        found = _mixed_terms(corrected)
        # a term typed both with and without diacritics counts once: its folded form matches
        # every spelling already
        found = {t for t in found if not (t.startswith(ACCENTED) and _folded_term(t) in found)}
        ids = {self._vocabulary[t] for t in found if t in self._vocabulary}
        return np.fromiter(ids, dtype=np.int64, count=len(ids))

    def _coverage(self, owner: int, matched: np.ndarray, query_mass: float) -> float:
        """The share of the query's mass that the owner's best-covering phrase holds."""
        rows = self._phrase_rows.get(owner)
        if rows is None or query_mass <= 0:
            return 0.0
        return round(min(1.0, float(matched[rows[0] : rows[1]].max()) / query_mass), 4)

    def _rank(self, query_ids: np.ndarray, limit: int, recall_weight: float) -> List[SearchHit]:
        weights = self._idf[query_ids]
        query_mass = weights.sum()
        matched = self._phrases[:, query_ids] @ weights
        phrase_scores = self._phrase_weight * _f_measure(
            matched, query_mass, self._phrase_mass, recall_weight
        )
        best = np.zeros(len(self._entries))
        best[self._owners_with_phrases] = np.maximum.reduceat(phrase_scores, self._owner_starts)
        name_scores = _f_measure(
            self._names[:, query_ids] @ weights, query_mass, self._name_mass, recall_weight
        )
        scores = ((1 - NAME_SHARE) * best + NAME_SHARE * name_scores) * self._prior
        top = np.argpartition(-scores, min(limit, len(scores) - 1))[: limit + 1]
        ranked = sorted(top, key=lambda i: -scores[i])[:limit]
        return [
            SearchHit(
                self._entries[i].code,
                self._entries[i].name,
                self._entries[i].short_name,
                round(float(scores[i]), 4),
                self._coverage(int(i), matched, query_mass),
            )
            for i in ranked
            if scores[i] > 0
        ]


@lru_cache(maxsize=65536)
def _title_key(title: str) -> str:
    return " ".join(syllables(title))


def _differences(entries: List[IndexEntry]) -> Optional[List[str]]:
    """For entries of the same title, the first of level, field and agency that is known for
    each and differs between them, as one label per entry; None when none does."""
    for describe in (
        lambda e: ", ".join(e.levels),
        lambda e: e.field or "",
        lambda e: e.agency or "",
    ):
        labels = [describe(e) for e in entries]
        if all(labels) and len(set(labels)) == len(labels):
            return labels
    return None


def _folded_term(term: str) -> str:
    """The folded form of an accented term ("~đăng_ký" -> "dang_ki")."""
    return "_".join(_folded_syllable(p) for p in term[len(ACCENTED) :].split("_"))


def _mixed_terms(syllables_: List[str]) -> Set[str]:
    """Syllables and bigrams of a query whose syllables are folded or ACCENTED: a bigram keeps
    diacritics only when both its syllables were typed with them."""
    found = set(syllables_)
    for first, second in zip(syllables_, syllables_[1:], strict=False):
        if first.startswith(ACCENTED) and second.startswith(ACCENTED):
            found.add(f"{first}_{second[len(ACCENTED) :]}")
        else:
            found.add(f"{_strip(first)}_{_strip(second)}")
    return found


def _strip(syllable: str) -> str:
    return _folded_term(syllable) if syllable.startswith(ACCENTED) else syllable


def _f_measure(
    matched: np.ndarray, query_mass: float, phrase_mass: np.ndarray, recall_weight: float
) -> np.ndarray:
    precision = matched / query_mass
    recall = np.divide(matched, phrase_mass, out=np.zeros_like(matched), where=phrase_mass > 0)
    beta2 = recall_weight**2
    denominator = beta2 * precision + recall
    return np.divide(
        (1 + beta2) * precision * recall,
        denominator,
        out=np.zeros_like(matched),
        where=denominator > 0,
    )
