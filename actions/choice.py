"""A choice the bot asked the citizen to make — between procedures or between the cases of one —
kept in the ``pending_choice`` slot, and reading a typed answer to it.

A typed answer is taken when it names one option: its ordinal ("số 2", "cái thứ hai"), words of
its title ("bị mất", "ở nhờ nhà người quen" for "Chỗ ở thuê, mượn, ở nhờ"), the kind of request
("cấp mới", "làm lại", "hết hạn"), an age against the options' age ranges ("con 10 tuổi" for
"dưới 14 tuổi") or a nationality. Anything else is not an answer to the choice.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set

from knowledge.text.normalize import folded_words

ADULT_AGE = 18  # Civil Code 2015, art. 20: a minor (người chưa thành niên) is under 18
KIND_PROCEDURE = "procedure"
KIND_CASE = "case"
# Typed words that mean an option by its position.
ORDINALS = {
    "mot": 1,
    "nhat": 1,
    "dau": 1,
    "hai": 2,
    "nhi": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}
_ORDINAL = re.compile(
    r"^(?:(?:chon|lay|la|toi chon|em chon|minh chon)\s+)?(?:cai|so|muc|phuong an|truong hop|"
    r"thu tuc|y|lua chon|option|nut|dong)?\s*(?:thu\s+)?(?P<n>\d{1,2}|"
    + "|".join(ORDINALS)
    + r")\b(?:\s+(?:a|ah|nhe|nha|do|nay|ay))*$"
)
_LAST = re.compile(r"\b(?:cai|so|muc)?\s*cuoi(?: cung)?\b")
# Words that say which variant of a document is wanted, and the title words that mean it.
REQUEST_WORDS = {
    "new": ("lan dau", "cap moi", "cap ho chieu", "cap the", "dang ky lan dau", "cap giay"),
    "reissue": ("cap lai", "bi mat", "mat", "hu hong", "trinh bao mat"),
    "renewal": ("cap doi", "doi", "het han"),
    "change": ("thay doi", "cai chinh", "dieu chinh", "bo sung"),
}
NATIONALITY_WORDS = {
    "vietnamese": ("cong dan viet nam", "nguoi viet nam", "trong nuoc"),
    "foreign": ("nguoi nuoc ngoai", "nuoc ngoai", "quoc tich nuoc ngoai"),
    "overseas_vietnamese": ("dinh cu o nuoc ngoai", "nguoi viet nam o nuoc ngoai"),
}
RESIDENCE_WORDS = {
    "owned": ("so huu",),
    "relative_home": ("nguoi than", "ve o voi"),
    "rented": ("thue",),
    "borrowed": ("muon", "o nho"),
    "dormitory": ("ky tuc xa", "tap the"),
}
# Syllables that carry no meaning of their own in a typed answer.
FILLER = frozenset(
    "a ah ak da vang ok oke uh um u thi la cua cho toi em minh anh chi ban ad ho so thu tuc "
    "truong hop cai nay do ay nhe nha voi va hay hoac lam can muon hoi xin the nao".split()
)
MIN_TITLE_OVERLAP = 0.5  # share of a typed answer's meaningful syllables found in a title


@dataclass
class Option:
    """One choice: the value it stands for (a procedure code, or "<code>#<case index>") and
    the title shown."""

    value: str
    title: str
    detail: str = ""  # what tells it apart from an option of the same title


@dataclass
class PendingChoice:
    """The question the bot asked and its options, as stored in the ``pending_choice`` slot."""

    kind: str
    options: List[Option]
    code: Optional[str] = None  # the procedure whose cases these are
    aspects: List[str] = field(default_factory=list)

    def to_slot(self) -> Dict[str, Any]:
        """The slot value (JSON)."""
        return asdict(self)

    @classmethod
    def from_slot(cls, value: Any) -> Optional[PendingChoice]:
        """The pending choice stored in a slot, if any."""
        if not isinstance(value, dict) or not value.get("options"):
            return None
        options = [Option(**o) for o in value["options"] if isinstance(o, dict)]
        return cls(
            value.get("kind", KIND_PROCEDURE),
            options,
            value.get("code"),
            list(value.get("aspects") or []),
        )

    def option(self, value: str) -> Optional[Option]:
        """The option with this value."""
        return next((o for o in self.options if o.value == value), None)


def _phrase_in(phrase: str, folded: str) -> bool:
    """Whether the phrase occurs in the folded title, not negated ("không thuộc sở hữu")."""
    return re.search(rf"(?<!khong )(?<!khong thuoc )\b{re.escape(phrase)}\b", folded) is not None


def by_ordinal(text: str, count: int) -> Optional[int]:
    """The 0-based option a typed ordinal means ("số 2", "cái thứ hai", "2", "cái cuối")."""
    folded = " ".join(folded_words(text))
    if _LAST.fullmatch(folded.strip()):
        return count - 1
    match = _ORDINAL.match(folded.strip())
    if not match:
        return None
    token = match.group("n")
    number = int(token) if token.isdigit() else ORDINALS[token]
    return number - 1 if 1 <= number <= count else None


def ages_in(entities: Sequence[Dict[str, Any]]) -> List[int]:
    """An age each ``age`` entity stands for: "under:14" -> 13, "over:80" and "exact:80" -> 80."""
    ages = []
    for item in entities:
        bound, _, number = str(item.get("value", "")).partition(":")
        if item.get("entity") == "age" and number.isdigit():
            ages.append(int(number) - 1 if bound == "under" else int(number))
    return ages


def age_range(title: str) -> Optional[range]:
    """The ages an option's title covers: "dưới 14 tuổi", "từ đủ 14 tuổi trở lên", "dưới 6 tuổi"."""
    folded = " ".join(folded_words(title))
    under = re.search(r"\b(?:duoi|chua du) (\d{1,3}) tuoi\b", folded)
    if under:
        return range(0, int(under.group(1)))
    over = re.search(r"\b(?:tu du|tu|du|tren) (\d{1,3}) tuoi\b", folded)
    if over:
        return range(int(over.group(1)), 200)
    if re.search(r"\bchua thanh nien\b", folded):
        return range(0, ADULT_AGE)  # "cha mẹ làm cho con chưa thành niên": under 18
    return None


def _hinted(
    entities: Sequence[Dict[str, Any]], entity: str, table: Dict[str, Sequence[str]]
) -> Set[str]:
    phrases: Set[str] = set()
    for item in entities:
        if item.get("entity") == entity:
            phrases.update(table.get(str(item.get("value")), ()))
    return phrases


def _by_phrases(options: Sequence[Option], phrases: Iterable[str]) -> List[int]:
    """Options whose title contains one of the phrases."""
    phrases = list(phrases)
    return [
        i
        for i, o in enumerate(options)
        if any(_phrase_in(p, " ".join(folded_words(o.title))) for p in phrases)
    ]


def _title_overlap(text: str, title: str, named: FrozenSet[str] = frozenset()) -> float:
    """The share of the answer's meaningful syllables (and their pairs) found in the title;
    the syllables of what the message ``named`` already (the procedure) are not counted."""
    typed = [s for s in folded_words(text) if s not in FILLER and s not in named]
    if not typed:
        return 0.0
    title_syllables = folded_words(title)
    title_terms = set(title_syllables) | {
        f"{a} {b}" for a, b in zip(title_syllables, title_syllables[1:], strict=False)
    }
    hits = sum(s in title_terms for s in typed)
    pairs = [f"{a} {b}" for a, b in zip(typed, typed[1:], strict=False)]
    pair_hits = sum(p in title_terms for p in pairs)
    return (hits + pair_hits) / (len(typed) + len(pairs))


def match_option(
    text: str,
    choice: PendingChoice,
    entities: Sequence[Dict[str, Any]] = (),
    named: str = "",
) -> Optional[Option]:
    """The option a typed answer names, or None when it names none or several. The words of
    ``named`` (the procedure a first message names: "đăng ký tạm trú nhà thuê") pick no case
    ("Đăng ký tạm trú theo danh sách")."""
    options = choice.options
    position = by_ordinal(text, len(options))
    if position is not None:
        return options[position]
    folded = " ".join(folded_words(text))
    exact = [o for o in options if " ".join(folded_words(o.title)) == folded]
    if len(exact) == 1:
        return exact[0]
    for hinted in (
        _by_ages(entities, options),
        _by_phrases(options, _hinted(entities, "nationality", NATIONALITY_WORDS)),
        _by_phrases(options, _hinted(entities, "residence", RESIDENCE_WORDS)),
        _by_phrases(options, _hinted(entities, "request_kind", REQUEST_WORDS)),
    ):
        if len(hinted) == 1:
            return options[hinted[0]]
    known = frozenset(folded_words(named))
    scores = [_title_overlap(text, o.title + " " + o.detail, known) for o in options]
    best = max(scores, default=0.0)
    leaders = [i for i, s in enumerate(scores) if s == best]
    if len(leaders) > 1 and known:
        # a tie of what the rest says: the title that also repeats the name is the plain case
        # ("tách hộ cùng chỗ ở": "Tách hộ tại cùng chỗ ở hợp pháp")
        whole = {
            i: _title_overlap(text, options[i].title + " " + options[i].detail) for i in leaders
        }
        leaders = [i for i in leaders if whole[i] == max(whole.values())]
    if best >= MIN_TITLE_OVERLAP and len(leaders) == 1:
        return options[leaders[0]]
    return None


def _by_ages(entities: Sequence[Dict[str, Any]], options: Sequence[Option]) -> List[int]:
    ages = ages_in(entities)
    if not ages:
        return []
    found = []
    for i, option in enumerate(options):
        covered = age_range(option.title)
        if covered is not None and all(age in covered for age in ages):
            found.append(i)
    return found
