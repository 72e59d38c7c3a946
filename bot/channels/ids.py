"""Checks on what a channel receives before it reaches Rasa: conversation ids and texts that
the conversation store can keep (UTF-8 without lone surrogates, ids without control
characters), so that one hostile request cannot break a conversation or the server."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

MAX_ID_CHARS = 128


def encodable(value: Any) -> bool:
    """Whether every string in ``value`` (a JSON value) can be written as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return False
    return True


def valid_id(value: Any, max_chars: int = MAX_ID_CHARS) -> bool:
    """Whether ``value`` can name a conversation: a non-blank string of at most ``max_chars``
    characters, encodable, without control or format characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > max_chars:
        return False
    if not encodable(value):
        return False
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in value)
