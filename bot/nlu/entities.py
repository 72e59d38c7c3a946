"""Entities the dialogue needs, from patterns kept as data (``bot/resources/entity_patterns.yml``).

A blank spaCy ``vi`` pipeline's ``Matcher`` runs over the message's normalised,
abbreviation-expanded and accent-folded words, so patterns written once in correct Vietnamese
match "bao lau", "bao lâu" and "bn lâu" alike, and token patterns handle numbers ("dưới 14
tuổi"). Entities: the aspects asked (a set, read with the intent), the kind of request (new,
reissue, renewal, change), relations, nationality, kind of residence and age. Dossier receipt
codes are matched by a regular expression on the raw text (their punctuation is not words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

import spacy
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from knowledge.text.normalize import fold, has_vietnamese_marks, words
from knowledge.text.sentences import question_span

PATTERNS_FILE = Path(__file__).parent.parent / "resources" / "entity_patterns.yml"
EXTRACTOR = "PatternEntityExtractor"
# Aspects are read from the question part of a long message; the other entities anywhere.
QUESTION_ENTITIES = ("aspect", "whether")
# "000.00.12.H17-250101-0001", "H17.22-250101-0001", or any code after "mã hồ sơ" / "số biên nhận".
RECEIPT_CODE = re.compile(
    r"(?P<code>\b(?:\d{3}\.\d{2}\.\d{2}\.)?[A-Z]\d{2}(?:\.\d{1,2})?-\d{6}-\d{4}\b)"
    r"|\b(?:mã|số|ma|so)\s+(?:hồ sơ|ho so|biên nhận|bien nhan|phiếu hẹn|phieu hen|hs)[:\s]+"
    r"(?P<after>[\w.\-/]*\d[\w.\-/]{3,})",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _vocab_nlp() -> spacy.language.Language:
    return spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})


# The form a typed word is compared in, kept as the token's LEMMA (a built-in attribute: the
# matcher reads it far faster than a custom one): as typed when it carries diacritics ("đối" is
# not "đổi"), accent-folded when it carries none ("doi" may be either).


def _typed_form(word: str) -> str:
    return word if has_vietnamese_marks(word) else fold(word)


def _token_pattern(pattern: Any) -> List[Dict[str, Any]]:
    """A pattern from the file as spaCy token dicts: a phrase becomes one dict per word, which
    matches the word typed with its diacritics or typed without any; a token pattern's NORM is
    the accent-folded word."""
    if isinstance(pattern, str):
        return [{"LEMMA": {"IN": sorted({w.text, fold(w.text)})}} for w in words(pattern)]
    return [{key.upper(): value for key, value in token.items()} for token in pattern]


@lru_cache(maxsize=1)
def matcher() -> Tuple[Matcher, Dict[int, Tuple[str, str]]]:
    """The matcher over all patterns, and what each match id means (entity, value)."""
    data = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8")) or {}
    nlp = _vocab_nlp()
    built = Matcher(nlp.vocab)
    meaning: Dict[int, Tuple[str, str]] = {}
    for entity, values in data.items():
        for value, patterns in values.items():
            key = f"{entity}:{value}"
            built.add(key, [_token_pattern(p) for p in patterns])
            meaning[nlp.vocab.strings[key]] = (entity, str(value))
    return built, meaning


def _doc(text: str) -> Tuple[Doc, List[Tuple[int, int]]]:
    normalised = words(text)
    doc = Doc(_vocab_nlp().vocab, words=[w.text or "_" for w in normalised])
    for token in doc:
        token.norm_ = fold(token.text)
        token.lemma_ = _typed_form(token.text)
    return doc, [(w.start, w.end) for w in normalised]


def _matches(text: str) -> Iterator[Dict[str, Any]]:
    doc, offsets = _doc(text)
    if not len(doc):
        return
    found, meaning = matcher()
    spans_by_entity: Dict[str, List[Any]] = {}
    for match_id, start, end in found(doc):
        entity, value = meaning[match_id]
        span = doc[start:end]
        span.label_ = value
        spans_by_entity.setdefault(entity, []).append(span)
    for entity, spans in spans_by_entity.items():
        for span in filter_spans(spans):
            start, end = offsets[span.start][0], offsets[span.end - 1][1]
            yield _entity(entity, _value(entity, span.label_, span), start, end, text)


def _value(entity: str, label: str, span: Any) -> str:
    """The entity's value; an age keeps its bound and number ("under:14", "exact:80")."""
    if entity != "age":
        return label
    number = next((t.text for t in span if t.like_num), "")
    return f"{label}:{number}"


def _entity(entity: str, value: str, start: int, end: int, text: str) -> Dict[str, Any]:
    return {
        "entity": entity,
        "value": value,
        "start": start,
        "end": end,
        "text": text[start:end],
        "extractor": EXTRACTOR,
    }


def extract(text: str) -> List[Dict[str, Any]]:
    """All entities of ``text``, aspects from its question part only, in text order."""
    start, end = question_span(text)
    found = [
        e
        for e in _matches(text)
        if e["entity"] not in QUESTION_ENTITIES or (e["start"] >= start and e["end"] <= end)
    ]
    for match in RECEIPT_CODE.finditer(text):
        group = "code" if match.group("code") else "after"
        found.append(_entity("receipt_code", match.group(group), *match.span(group), text=text))
    return sorted(found, key=lambda e: (e["start"], e["entity"]))


def values(entities: List[Dict[str, Any]], entity: str) -> List[str]:
    """The distinct values of one entity, in order of appearance."""
    seen: List[str] = []
    for item in entities:
        if item.get("entity") == entity and item.get("value") not in seen:
            seen.append(item["value"])
    return seen


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PatternEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the pattern entities to each message (nothing to train: the patterns are data)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PatternEntityExtractor:
        """Creates the component and compiles the patterns."""
        matcher()
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the entities found in each message's text."""
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            message.set(ENTITIES, message.get(ENTITIES, []) + extract(text), add_to_output=True)
        return messages
