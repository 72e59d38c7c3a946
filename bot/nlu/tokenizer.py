"""A Rasa tokenizer for Vietnamese: normalisation, then underthesea word segmentation.

Each token keeps the character span of the original message it came from, so a word written as
an abbreviation ("cccd") yields the tokens of its expansion, all pointing at "cccd". The token's
lemma is the accent-folded form ("đăng ký" -> "dang_ky"), which featurizers use by default
(``use_lemma``): a message typed without diacritics gets the same features.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from underthesea import word_tokenize

from knowledge.text.normalize import Word, fold, words
from knowledge.text.sentences import question_span

# Longer messages are cut for understanding only; the tracker keeps the whole text.
MAX_WORDS = 300


def segment(text: str) -> List[Token]:
    """Normalise and word-segment ``text`` into tokens with original offsets.

    A message that tells a story before it asks is read from its question part (the intent is
    there); the tracker and the other components keep the whole text.
    """
    start, end = question_span(text)
    syllables = [w for w in words(text) if w.start >= start and w.end <= end][:MAX_WORDS]
    if not syllables:
        return []
    tokens: List[Token] = []
    position = 0
    for segmented in word_tokenize(" ".join(w.text for w in syllables)):
        parts = segmented.split()
        group = syllables[position : position + len(parts)]
        if [w.text for w in group] != parts:
            # underthesea altered the text: fall back to one token per remaining syllable.
            tokens.extend(_token([w]) for w in syllables[position:])
            return tokens
        tokens.append(_token(group))
        position += len(parts)
    tokens.extend(_token([w]) for w in syllables[position:])
    return tokens


def _token(group: List[Word]) -> Token:
    text = " ".join(w.text for w in group)
    return Token(
        text,
        group[0].start,
        end=group[-1].end,
        lemma=fold(text).replace(" ", "_"),
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Tokenizes Vietnamese text with underthesea after normalisation."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config (see the parent class)."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Only Vietnamese."""
        return ["vi"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """Creates the tokenizer."""
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokens of ``message``'s ``attribute``; the whole text as one token if it has no word."""
        text = message.get(attribute) or ""
        tokens = segment(text)
        if not tokens:
            tokens = [Token(text, 0, end=len(text), lemma=text)]
        return self._apply_token_pattern(tokens)
