"""Names written in capitals, as a sentence writes them ("HƯỞNG TRỢ CẤP ỐM ĐAU" ->
"Hưởng trợ cấp ốm đau"): the national records write some procedure names so."""

from __future__ import annotations

import re

CAPITALS_SHARE = 0.8  # of a name's letters, for it to be written in capitals
_VOWEL = re.compile(r"[aeiouàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")
# Proper names a name in capitals may hold, as written in a sentence.
PROPER_NAMES = ("Việt Nam",)


def in_capitals(text: str) -> bool:
    """Whether most of ``text``'s letters are capitals."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= CAPITALS_SHARE * len(letters)


def _is_abbreviation(word: str) -> bool:
    """A word without a vowel but a plain "y" among three letters or more ("BHYT", "HTX")."""
    letters = word.strip(",.;:()").lower()
    return not _VOWEL.search(letters) and ("y" not in letters or len(letters) >= 3)


def sentence_case(text: str) -> str:
    """A name written in capitals as a sentence writes it: words in lower case but abbreviations
    (words without a vowel: "BHXH", "HĐND") and proper names ("Việt Nam") kept; the first
    letter in capitals. "HƯỞNG TRỢ CẤP ỐM ĐAU" -> "Hưởng trợ cấp ốm đau"."""
    lowered = " ".join(word if _is_abbreviation(word) else word.lower() for word in text.split(" "))
    for proper in PROPER_NAMES:
        lowered = re.sub(re.escape(proper.lower()), proper, lowered)
    return lowered[:1].upper() + lowered[1:]
