"""Personal numbers and secrets in citizens' messages: detection, masking and redaction.

- Identity numbers (12-digit căn cước / CCCD, 9-digit CMND), Vietnamese phone numbers and bank
  account numbers (after "số tài khoản", "stk", ...) are masked to their last three digits
  wherever a message is stored or logged.
- Passwords and OTP codes are never stored: a message that shares one has the secret replaced
  ("otp 482913", "otp482913", "482913 là mã OTP của tôi", "mã otp là 4 8 2 9 1 3").
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
    # What an earlier redaction left is no secret: redacting twice changes nothing.
    rf"(?!{re.escape(fold(SECRET_MASK))}|{re.escape(MASK)})"
    # Digits typed one by one: "4 8 2 9 1 3".
    r"(?P<secret>\d(?:\s\d){3,7}(?!\S)"
    # A secret has a digit or a symbol (VNeID passwords must): "quên mật khẩu rồi" has none.
    r"|(?=\S*(?:\d|[^\w\s]))[^\s.,;!?]\S{2,63}(?:\s\d{1,8})*)",
)
# "otp482913": the code glued to the word.
_GLUED_SECRET = re.compile(rf"\b{_SECRET_WORDS}(?P<secret>\d{{4,8}})\b")
# "482913 là mã OTP của tôi": the code first.
_SECRET_FIRST = re.compile(
    rf"(?<![\d.,])(?P<secret>\d(?:[ .-]?\d){{3,7}})\s*(?:la|:|=)?\s*(?:ma\s+)?{_SECRET_WORDS}\b"
)
_SECRETS = (_SECRET, _GLUED_SECRET, _SECRET_FIRST)
# "số tài khoản 0123 4567 89", "stk: 190355556666", "tk vietcombank 0071000123456"
_BANK_ACCOUNT = re.compile(
    r"\b(?:so tai khoan|stk|tai khoan ngan hang|tk ngan hang|tk)\b[^\d\n]{0,30}?"
    rf"{_START}(?P<number>\d(?:[ .-]?\d){{5,18}}){_END}"
)


def _last_three(number: str) -> str:
    return MASK + re.sub(r"\D", "", number)[-3:]


def _keep_last_three(match: re.Match) -> str:
    return _last_three(match.group())


def is_phone_number(text: str) -> bool:
    """Whether ``text`` is a Vietnamese phone number (and so not an identity number)."""
    return bool(_PHONE.fullmatch(text.strip()))


def mask_personal_numbers(text: str) -> str:
    """Mask identity, phone and bank account numbers, keeping their last three digits."""
    for start, end in reversed(_spans(text, (_BANK_ACCOUNT,), "number")):
        text = text[:start] + _last_three(text[start:end]) + text[end:]
    return _ID_NUMBER.sub(_keep_last_three, _PHONE.sub(_keep_last_three, text))


def _spans(text: str, patterns: Tuple[re.Pattern, ...], group: str) -> List[Tuple[int, int]]:
    """The spans of ``group`` in the folded text, merged, without overlaps, in order."""
    folded = fold(text)  # one character for one in NFC text
    if len(folded) != len(text):
        return []
    found = sorted(m.span(group) for pattern in patterns for m in pattern.finditer(folded))
    merged: List[Tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _secret_spans(text: str) -> List[Tuple[int, int]]:
    return _spans(text, _SECRETS, "secret")


# Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space, as their ASCII characters;
# the rest of NFKC would change other text ("…" into "...").
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


def _plain_width(text: str) -> str:
    """``text`` in NFC with full-width letters, digits and signs as ASCII."""
    return unicodedata.normalize("NFC", text).translate(_FULL_WIDTH)


def shares_secret(text: str) -> bool:
    """Whether the message gives a password or a one-time code."""
    return bool(_secret_spans(_plain_width(text)))


def redact(text: str) -> str:
    """The message as it may be stored: secrets removed, personal numbers masked. Full-width
    letters and digits ("ｏｔｐ ４８２９１３") are read as the ASCII ones."""
    text = _plain_width(text)
    for start, end in reversed(_secret_spans(text)):
        text = text[:start] + SECRET_MASK + text[end:]
    return mask_personal_numbers(text)
