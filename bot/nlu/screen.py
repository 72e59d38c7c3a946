"""Screens messages the classifier should not guess: no words, far too long, not Vietnamese,
a shared password or one-time code, an identity number typed on its own, a scam or a
dossier taking long told in so many words; and a message put out of scope that names a
procedure, which goes to the fallback's search instead."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.privacy import ID_NUMBER_LIKE, is_phone_number, shares_secret
from knowledge.query import asks_for_a_procedure, official_words
from knowledge.text.normalize import fold, has_vietnamese_marks, lower_words, phrase_at, words

UNREADABLE = "unreadable_message"
TOO_LONG = "message_too_long"
OTHER_LANGUAGE = "other_language"
SHARED_SECRET = "shared_secret"
OUT_OF_SCOPE = "out_of_scope"
NLU_FALLBACK = "nlu_fallback"
ID_NUMBER = "give_id_number"
MAX_WORDS_AROUND_ID_NUMBER = 6

ENGLISH_WORDS_FILE = Path(__file__).parent.parent / "resources" / "english_words.txt"
SIGNALS_FILE = Path(__file__).parent.parent / "resources" / "screen_signals.yml"


@lru_cache(maxsize=1)
def english_words() -> frozenset:
    """Frequent English words that are not also unaccented Vietnamese syllables."""
    lines = ENGLISH_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


@lru_cache(maxsize=1)
def told_signals() -> Tuple[Tuple[str, int, Tuple[Tuple[str, ...], ...]], ...]:
    """(intent, signals needed, signals as words written with diacritics, longest first)."""
    data = yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8")) or {}
    kinds = []
    for intent, kind in data.items():
        signals = {tuple(lower_words(s)) for s in kind["signals"]}
        kinds.append((intent, int(kind["needed"]), tuple(sorted(signals, key=len, reverse=True))))
    return tuple(kinds)


def _signals_found(typed: List[str], signals: Tuple[Tuple[str, ...], ...]) -> int:
    """How many different signals ``typed`` has (a phrase inside a longer one found counts
    once)."""
    used = [False] * len(typed)
    found = 0
    for signal in signals:
        for at in range(len(typed) - len(signal) + 1):
            if not any(used[at : at + len(signal)]) and phrase_at(typed, at, signal):
                used[at : at + len(signal)] = [True] * len(signal)
                found += 1
                break
    return found


def told(text: str) -> Optional[str]:
    """The intent of what ``text`` tells by its words (a scam, a dossier taking long), if any."""
    typed = lower_words(text)
    for intent, needed, signals in told_signals():
        if _signals_found(typed, signals) >= needed:
            return intent
    return None


def names_a_procedure(text: str) -> bool:
    """Whether a message the classifier put out of scope still names a procedure, by a word
    such as "giấy phép", "thủ tục", "đăng ký" or a colloquial name ("bố tôi mất năm 2020, giờ
    muốn làm giấy chứng tử")."""
    return asks_for_a_procedure(text) or bool(official_words(text))


def screen(text: str, max_chars: int = 1500, min_english_share: float = 0.6) -> Optional[str]:
    """The screening intent for ``text``, or None when the classifier should decide."""
    if len(text) > max_chars:
        return TOO_LONG
    if shares_secret(text):
        return SHARED_SECRET
    tokens = words(text, expand=False)
    number = ID_NUMBER_LIKE.search(text)
    if number and len(tokens) <= MAX_WORDS_AROUND_ID_NUMBER and not is_phone_number(number.group()):
        return ID_NUMBER
    if not tokens:
        return UNREADABLE
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isascii() or fold(c).isascii() for c in letters) < len(letters) / 2:
        return OTHER_LANGUAGE  # mostly non-Latin script: Chinese, Korean, Cyrillic, Thai...
    if len(tokens) >= 2 and not has_vietnamese_marks(text):
        english = sum(t.text in english_words() for t in tokens)
        if english > min_english_share * len(tokens):
            return OTHER_LANGUAGE
    return told(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MessageScreen(GraphComponent, IntentClassifier):
    """Overrides the predicted intent for empty, emoji-only, overlong or non-Vietnamese input."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {"max_chars": 1500, "min_english_share": 0.6}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageScreen:
        """Creates the component."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the screening intent on the messages that need one."""
        for message in messages:
            text = message.get(TEXT) or ""
            intent = screen(text, self._config["max_chars"], self._config["min_english_share"])
            predicted = (message.get(INTENT) or {}).get("name")
            if intent is None and predicted == OUT_OF_SCOPE and names_a_procedure(text):
                intent = NLU_FALLBACK  # the fallback searches it: an answer, or "not found"
            if intent:
                message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [{"name": intent, "confidence": 1.0}],
                    add_to_output=True,
                )
        return messages
