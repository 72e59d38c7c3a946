"""Personal numbers and secrets in citizens' messages: detection, masking and redaction.

- Identity numbers (12-digit căn cước / CCCD, 9-digit CMND) and Vietnamese phone numbers are
  masked to their last three digits wherever a message is stored or logged.
- Passwords and OTP codes are never stored: a message that shares one has the secret replaced.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, Tuple

from knowledge.text.normalize import fold

MASK = "•••"
SECRET_MASK = "[đã ẩn]"

# A number stands alone: no digit touches it, nor does "1.000"-style grouping; a comma or a
# full stop after it is punctuation. Digits may be typed in groups: "048 090 123 456".
_START = r"(?<!\d)(?<!\d[.,])"
_END = r"(?!\d|[.,]\d)"
_ID_NUMBER = re.compile(rf"{_START}(?:\d[ .-]?){{8}}\d(?:(?:[ .-]?\d){{3}})?{_END}")
# What a citizen checking an identity number types: 9 to 13 digits, maybe grouped.
ID_NUMBER_LIKE = re.compile(rf"{_START}\d(?:[ .-]?\d){{8,12}}{_END}")
_PHONE = re.compile(rf"{_START}(?:\+?84|0)[ .-]?[35789](?:[ .-]?\d){{8}}{_END}")
# "mã OTP của tôi là 482913", "mật khẩu: Abc@123", "pass la 123456", "otp 4829"
_SECRET_WORDS = r"(?:otp|ma xac (?:thuc|nhan|minh)|mat khau|mk|pass(?:word)?|ma pin|pin)"
_SECRET = re.compile(
    rf"\b{_SECRET_WORDS}\b(?:\s+(?:cua\s+)?(?:toi|em|minh|anh|chi)\b)?"
    r"(?:\s*(?:la|:|=|moi|vua nhan)\s*|\s+)"
    # A secret has a digit or a symbol (VNeID passwords must): "quên mật khẩu rồi" has none.
    r"(?P<secret>(?=\S*(?:\d|[^\w\s]))[^\s.,;!?]\S{2,63}(?:\s\d{1,8})*)",
)


def _keep_last_three(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return MASK + digits[-3:]


def is_phone_number(text: str) -> bool:
    """Whether ``text`` is a Vietnamese phone number (and so not an identity number)."""
    return bool(_PHONE.fullmatch(text.strip()))


def mask_personal_numbers(text: str) -> str:
    """Mask identity and phone numbers, keeping their last three digits."""
    return _ID_NUMBER.sub(_keep_last_three, _PHONE.sub(_keep_last_three, text))


def _secret_spans(text: str) -> List[Tuple[int, int]]:
    folded = fold(text)  # one character for one in NFC text
    if len(folded) != len(text):
        return []
    return [m.span("secret") for m in _SECRET.finditer(folded)]


def shares_secret(text: str) -> bool:
    """Whether the message gives a password or a one-time code."""
    return bool(_secret_spans(unicodedata.normalize("NFC", text)))


def redact(text: str) -> str:
    """The message as it may be stored: secrets removed, personal numbers masked."""
    text = unicodedata.normalize("NFC", text)
    for start, end in reversed(_secret_spans(text)):
        text = text[:start] + SECRET_MASK + text[end:]
    return mask_personal_numbers(text)
