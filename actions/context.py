"""What every action shares: the knowledge base, the province profile, and finding the procedure
a message is about."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Set

from actions.choice import age_range
from knowledge.models import Procedure
from knowledge.profile import ProvinceProfile, load_profile
from knowledge.query import (
    about_words,
    asks_about,
    names_something,
    naming_words,
    official_words,
    only_names_a_variant,
    places_of_title,
    places_said,
    says_organisation_action,
    says_title,
    search_query,
    variant_markers,
    without_mentions,
    without_variant_words,
)
from knowledge.retired import RetiredDocument, RetiredRequest, retired_request
from knowledge.search import RECALL_WEIGHT, SearchHit
from knowledge.store import KnowledgeBase
from knowledge.text.normalize import fold, folded_words
from knowledge.text.sentences import (
    need_phrases,
    sentence_spans,
    states_a_need,
    story_and_question,
    without_purpose,
)

# Thresholds chosen on the development part of the real questions (tests/eval, never the
# held-out part) with the whole catalogue loaded: a hit this good names the procedure when it
# leads the next one by this much; otherwise the closest ones are offered. On long letters the
# search's scores separate right from wrong poorly (a story names other procedures on the way),
# so they need more; a short question that names its procedure is answered at once.
CONFIDENT = 0.75
CLEAR_LEAD = 0.12
CONFIDENT_LONG = 0.85
CLEAR_LEAD_LONG = 0.25
LONG_QUERY = 12  # words of the procedure query
SUGGEST = 0.35  # hits this good are offered as buttons
MAX_BUTTONS = 4
SEARCH_DEPTH = 8
# A plain procedure beats its special variants (reissue, loss, change...) when the message
# names no variant, and the variant the message names beats the others, by this much.
VARIANT_PRIOR = 0.06
VARIANT_AGREES = 0.12
STORY_WEIGHT = 0.9  # a procedure found only in the story counts a little less than one asked
STORY_RECALL = 3.0  # a story names its procedure among many other words: recall matters most
SHORT_QUERY = 6  # syllables; longer questions get a growing recall weight...
RECALL_PER_WORD = 0.15  # ...this much per syllable, up to STORY_RECALL
NEED_WEIGHT = 0.95  # "tôi muốn [nhập khẩu cho con]": what the citizen wants done
ASIDE = 0.92  # a story sentence that does not say what the citizen wants counts less
PURPOSE_WEIGHT = 0.8  # a question with its purpose ("… để kết hôn"), when the rest names one
PLAIN_AMONG_VARIANTS = 0.5  # a plain procedure this good is answered before its variants
SINGLE = 0.45  # the only plausible procedure, this good, is answered rather than asked about
# A message that names no procedure clearly is a follow-up on the one in focus when its few words
# name nothing the search knows ("ok vậy hết bao nhiêu tiền"), or when most of its words are in
# the focus's own record ("cần giấy khám sức khỏe không" after the driving licence).
FEW_WORDS = 2
IN_RECORD = 0.6
# A hit is answered outright only when it holds this share of the query's information: one that
# leaves out the query's rarest words ("giấy phép bán lẻ rượu" -> "Cấp lại Giấy phép lập cơ sở
# bán lẻ") may be another procedure, so it is offered instead.
MIN_COVERAGE = 0.7
# The only reading clear of every other needs less: the rest of a short message often tells the
# situation ("mẹ mất thì đi khai tử ở đâu").
SINGLE_COVERAGE = 0.4
# A title said word for word in this many catalogue titles or fewer names one procedure; one
# that more titles say ("Cấp giấy phép xây dựng", "Hỗ trợ chi phí") heads a family of them.
FAMILY_TITLES = 10


@lru_cache(maxsize=1)
def knowledge() -> KnowledgeBase:
    """The knowledge base, loaded once per process."""
    return KnowledgeBase.open()


@lru_cache(maxsize=1)
def profile() -> ProvinceProfile:
    """The province profile, loaded once per process."""
    return load_profile()


@dataclass
class Resolution:
    """What a message says about the procedure in question."""

    procedure: Optional[Procedure] = None
    candidates: List[SearchHit] = field(default_factory=list)
    alternatives: List[SearchHit] = field(default_factory=list)  # close runners-up of an answer
    query: str = ""
    switched: bool = False  # the message named a procedure other than the one in focus
    named: bool = False  # the message itself named the procedure (not only the focus)
    retired: Optional[RetiredDocument] = None  # a document no longer issued, asked for


def _with_variant_prior(hits: List[SearchHit], text: str) -> List[SearchHit]:
    """Re-rank by the variant words (cấp lại, mất, đổi, nước ngoài...): a title that has one the
    message has goes up; when some title has one, the titles that lack it go down; a title with
    variant words the message does not have goes down."""
    # "lấy chồng Hàn Quốc" says "nước ngoài" through the colloquial names' official words,
    # which variant_markers reads too
    asked = set(variant_markers(text)) | places_said(text)
    markers = {hit.code: _title_markers(hit.short_name or hit.name) for hit in hits}
    someone_agrees = any(m & asked for m in markers.values())
    reranked = []
    for hit in hits:
        score = hit.score
        if markers[hit.code] & asked:
            score += VARIANT_AGREES
        elif someone_agrees or markers[hit.code]:
            score -= VARIANT_PRIOR
        reranked.append(replace(hit, score=round(score, 4)))
    return sorted(reranked, key=lambda h: -h.score)


# The variant words that say a fact about the people concerned (a foreigner, a place abroad),
# true of the whole message; "chấm dứt hợp đồng" says nothing of "Chấm dứt hưởng trợ cấp".
FOREIGN_MARKERS = frozenset({fold("nước ngoài"), fold("có yếu tố nước ngoài")})


def _title_markers(title: str) -> Set[str]:
    """A title's variant words, with where it is filed: the "nước ngoài" of "Nhập quốc tịch
    Việt Nam ở nước ngoài" is a place ("abroad", agreeing with "đang sống ở Hàn Quốc"), not
    the foreign element a foreigner brings ("người Mỹ ... muốn nhập quốc tịch": "ở trong
    nước")."""
    markers = set(variant_markers(title))
    places, foreign_element = places_of_title(title)
    if places and not foreign_element:
        markers -= FOREIGN_MARKERS
    return markers | places


def _the_variant_asked(close: List[SearchHit], text: str) -> Optional[SearchHit]:
    """The close option that is the only one whose title has a variant word the message says,
    when it leads or only the plain form of its title leads ("hộ kinh doanh muốn tạm ngừng kinh
    doanh" among the household-business procedures; "bố là người nước ngoài": "Đăng ký khai
    sinh có yếu tố nước ngoài" over "Đăng ký khai sinh")."""
    asked = set(variant_markers(text))
    if not asked or not close:
        return None
    asked |= _kinds_of(asked)
    agreeing = [h for h in close if asked & _with_kinds(variant_markers(h.short_name or h.name))]
    if len(agreeing) != 1:
        return None
    leader, variant = close[0], agreeing[0]
    if variant.score < SINGLE:
        return None  # "thay đổi giới tính" is not "Đăng ký thay đổi nội dung … hộ kinh doanh"
    if variant is leader or _plain_form_of(leader, variant):
        return variant
    return variant if _asks_the_reissue(variant, leader, asked, text) else None


def _asks_the_reissue(variant: SearchHit, leader: SearchHit, asked: Set[str], text: str) -> bool:
    """Whether a loss the message says ("sổ hồng bị mất") asks for ``variant``, the reissue,
    though a plain procedure of other words leads ("Đăng ký đất đai, cấp Giấy chứng nhận lần
    đầu"): every word the reissue's title is about is said ("Cấp lại Giấy chứng sinh" is not
    the lost death certificate's)."""
    title = variant.short_name or variant.name
    if "reissue" not in _kinds_of(asked & set(variant_markers(title))):
        return False
    if variant_markers(leader.short_name or leader.name):
        return False
    said = set(folded_words(search_query(text)))
    return {fold(w) for w in about_words(title)} <= said


def _plain_among_variants(close: List[SearchHit], text: str) -> Optional[SearchHit]:
    """The first option when the message names no variant and the other options are only its
    variants ("làm hộ chiếu": "Cấp hộ chiếu" before "Trình báo mất hộ chiếu"): the plain
    procedure is meant; its variants are offered beside the answer."""
    if len(close) < 2 or variant_markers(text):
        return None
    first = close[0]
    if first.score < PLAIN_AMONG_VARIANTS:
        return None
    title = first.short_name or first.name
    return first if all(is_variant_of(h.short_name or h.name, title) for h in close[1:]) else None


def _kinds_of(markers: Set[str]) -> Set[str]:
    """The kinds of request the variant words say ("mất" and "cấp lại" both say a reissue)."""
    return {kind for kind, words in KIND_MARKERS.items() if markers & set(words)}


def _with_kinds(markers: List[str]) -> Set[str]:
    return set(markers) | _kinds_of(set(markers))


def _plain_form_of(plain: SearchHit, variant: SearchHit) -> bool:
    """Whether ``plain``'s title is ``variant``'s without its variant words."""
    title = without_variant_words(variant.short_name or variant.name).split()
    shorter = without_variant_words(plain.short_name or plain.name).split()
    return bool(shorter) and title[: len(shorter)] == shorter


def is_variant_of(title: str, plain: str) -> bool:
    """Whether ``title`` is a variant (loss, removal, reissue...) of the procedure ``plain``
    names: it has variant words, ``plain`` none, and without them one title begins or ends the
    other ("Gia hạn tạm trú" of "Đăng ký tạm trú")."""
    if variant_markers(plain) or not variant_markers(title):
        return False
    variant, base = without_variant_words(title).split(), without_variant_words(plain).split()
    shorter = min(len(variant), len(base))
    if shorter < 2:
        return False
    return variant[:shorter] == base[:shorter] or variant[-shorter:] == base[-shorter:]


# The level a title names in parentheses ("Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)"): the
# same procedure filed with another level of government.
_LEVEL_NOTE = re.compile(
    r"\s*\((?:thuc hien )?(?:tai |o )?(?:cap )?(?:xa|tinh|trung uong|tw|bo)\)\s*$"
)


def _distinct_titles(hits: List[SearchHit]) -> List[SearchHit]:
    """One hit per title (the best): identical titles side by side tell the citizen nothing, nor
    do the same procedure's records for each level of government (the best is the one the
    citizen's question matches most plainly; its record names where to file)."""
    seen: Dict[str, SearchHit] = {}
    for hit in hits:
        title = _LEVEL_NOTE.sub("", fold(hit.short_name or hit.name).strip(" ."))
        seen.setdefault(_title_key(title), hit)
    return list(seen.values())


# Words before a title that name no procedure of their own: "Giải quyết hưởng bảo hiểm xã hội
# một lần" is the older record of "Hưởng bảo hiểm xã hội một lần".
_TITLE_HEADS = ("giai quyet", "thu tuc")


def _title_key(title: str) -> str:
    """A title's words, folded, without its punctuation ("…, gia hạn" and "…; gia hạn" are one
    title) and without a head that names nothing."""
    key = " ".join(folded_words(title))
    for head in _TITLE_HEADS:
        if key.startswith(f"{head} "):
            return key[len(head) + 1 :]
    return key


def recall_for(text: str) -> float:
    """The search's recall weight for a question: a long one names its procedure among more
    words, so covering the procedure's name matters more than using every word."""
    length = len(search_query(text).split())
    if length <= SHORT_QUERY:
        return RECALL_WEIGHT
    return min(STORY_RECALL, RECALL_WEIGHT + (length - SHORT_QUERY) * RECALL_PER_WORD)


# What the citizen does not want yet ("chúng tôi chưa muốn kết hôn") names no procedure asked
# for: the clause is left out of the search. ("không muốn mất hộ khẩu" may well ask about it.)
_NOT_WANTED = re.compile(
    r"\b(?:chưa|chua)\s+(?:muốn|định|có ý định|muon|dinh|co y dinh)\b[^,.;:?!\n]*",
    re.IGNORECASE,
)


def ranked(text: str) -> List[SearchHit]:
    """Procedures the message may be about, best first: the question part is searched, and each
    sentence of the story before it (a little less weight)."""
    text = _NOT_WANTED.sub(" ", text)
    story, question = story_and_question(text, typed_clauses=True)
    scores: Dict[str, SearchHit] = {}
    main = without_purpose(question)
    if main is not None and not _names_a_procedure(main):
        main = None  # "làm gì để được hưởng": the purpose is all there is
    pieces = [(main or question, 1.0, recall_for(main or question))]
    if main is not None:
        pieces.append((question, PURPOSE_WEIGHT, recall_for(question)))
    pieces += [(need, NEED_WEIGHT, RECALL_WEIGHT) for need in need_phrases(text)]
    if story:
        pieces.append((text, STORY_WEIGHT * ASIDE, STORY_RECALL))
        for start, end in sentence_spans(story, typed_clauses=True):
            sentence = story[start:end]
            weight = STORY_WEIGHT if states_a_need(sentence) else STORY_WEIGHT * ASIDE
            pieces.append((sentence, weight, STORY_RECALL))
    for piece, weight, recall in pieces:
        query = search_query(piece)
        if not query:
            continue
        for hit in knowledge().search(query, limit=SEARCH_DEPTH, recall_weight=recall):
            weighted = replace(hit, score=round(hit.score * weight, 4))
            if hit.code not in scores or scores[hit.code].score < weighted.score:
                scores[hit.code] = weighted
    hits = sorted(
        (h for h in scores.values() if says_organisation_action(text, h.short_name or h.name)),
        key=lambda h: -h.score,
    )
    hits = _asked_variant_first(_with_variant_prior(hits, text), text)
    return _distinct_titles(_named_object_first(hits, text))


def _named_object_first(hits: List[SearchHit], text: str) -> List[SearchHit]:
    """The runner-up in its place when its title is the leader's with an object the message's
    colloquial names say ("bằng cao đẳng" is a "văn bằng": "Cấp bản sao văn bằng, chứng chỉ từ
    sổ gốc" before "Cấp bản sao từ sổ gốc"); a foreign element or another variant word is not
    such an object ("người Hàn" does not make a Vietnamese licence a foreign one)."""
    if len(hits) < 2:
        return hits
    said = _colloquially_said(text)
    if not said:
        return hits
    leader = hits[0]
    for hit in hits[1:MAX_BUTTONS]:
        if hit.score >= SUGGEST and _names_the_object(leader, hit, said):
            return [replace(hit, score=leader.score), *[h for h in hits if h is not hit]]
    return hits


def _colloquially_said(text: str) -> Set[str]:
    """The words, folded, of the official names for the colloquial names ``text`` uses."""
    return {w for official in official_words(text) for w in folded_words(official)}


def _names_the_object(plain: SearchHit, hit: SearchHit, said: Set[str]) -> bool:
    """Whether ``hit``'s title is ``plain``'s with an object that ``said`` holds: "Cấp bản sao
    văn bằng, chứng chỉ từ sổ gốc" is "Cấp bản sao từ sổ gốc" with the "văn bằng" of "bằng cao
    đẳng"."""
    shorter = folded_words(plain.short_name or plain.name)
    title = hit.short_name or hit.name
    longer = folded_words(title)
    if len(longer) <= len(shorter) or not _within(shorter, longer):
        return False
    # its variant words ("của người nước ngoài") are for the variant rules to weigh
    variant_words = {w for marker in variant_markers(title) for w in marker.split()}
    return bool(({fold(w) for w in about_words(title)} - set(shorter) - variant_words) & said)


def _within(words_: List[str], longer: List[str]) -> bool:
    """Whether ``words_`` come in order (not necessarily together) in ``longer``."""
    rest = iter(longer)
    return all(word in rest for word in words_)


def _names_a_procedure(text: str) -> bool:
    query = search_query(text)
    hits = knowledge().search(query, limit=1) if query else []
    return bool(hits) and hits[0].score >= SUGGEST


def _asked_variant_first(hits: List[SearchHit], text: str) -> List[SearchHit]:
    """The leader's variant that has the variant words the message says, in its place: "kết
    hôn với người Hàn Quốc" is "Đăng ký kết hôn có yếu tố nước ngoài", however plainly
    "thủ tục đăng ký kết hôn" names the plain one. The leader must name no variant itself, and
    the words must say who or where (``FOREIGN_MARKERS``, the places), not what is done."""
    asked = (set(variant_markers(text)) & FOREIGN_MARKERS) | places_said(text)
    if not hits or not asked or _title_markers(hits[0].short_name or hits[0].name):
        return hits
    leader = hits[0]
    plain = leader.short_name or leader.name
    variant = next(
        (
            h
            for h in hits[1:]
            if h.score >= SUGGEST
            and _title_markers(h.short_name or h.name) & asked
            and is_variant_of(h.short_name or h.name, plain)
        ),
        None,
    )
    if variant is None:
        return hits
    rest = [h for h in hits if h is not variant]
    return [replace(variant, score=leader.score), *rest]


# The variant words that say each kind of request (entity ``request_kind``).
KIND_MARKERS = {
    "reissue": ("cap lai", "trinh bao mat", "bi mat", "mat", "hu hong", "hong"),
    "renewal": ("cap doi", "doi", "gia han"),
    "change": ("thay doi", "dieu chinh", "cai chinh", "bo sung", "dinh chinh"),
}


def variant_of(focus: Procedure, request_kinds: List[str]) -> Procedure:
    """The procedure of the focus's family that a variant-only message ("cấp mới", "bị mất",
    "làm lại") means: the plain one for a new request, the one whose title has the kind's words
    otherwise; the focus itself when no member fits."""
    family = [
        h
        for h in knowledge().search(without_variant_words(focus.short_name), limit=SEARCH_DEPTH)
        if h.score >= SUGGEST
    ]
    for kind in request_kinds:
        if kind == "new":
            plain = [h for h in family if not variant_markers(h.short_name)]
            if plain and variant_markers(focus.short_name):
                return knowledge().procedure(plain[0].code) or focus
            return focus
        wanted = set(KIND_MARKERS.get(kind, ()))
        fitting = [h for h in family if wanted & set(variant_markers(h.short_name))]
        if fitting:
            return knowledge().procedure(fitting[0].code) or focus
    return focus


def record_phrases(procedure: Procedure) -> frozenset:
    """The folded words and word pairs of a procedure's record: names, cases, documents,
    agency, conditions (Vietnamese words are mostly two syllables: pairs say what is meant)."""
    parts = [procedure.name, procedure.short_name, procedure.agency, procedure.where_to_submit]
    parts += [procedure.conditions, *(procedure.aliases or [])]
    for case in procedure.cases:
        parts.append(case.name)
        parts += [document.name for document in case.documents]
    phrases = set()
    for part in filter(None, parts):
        folded = folded_words(part)
        phrases.update(folded)
        phrases.update(" ".join(pair) for pair in zip(folded, folded[1:], strict=False))
    return frozenset(phrases)


def follows_up(query: str, focus: Procedure, top: float) -> bool:
    """Whether a message that names no procedure clearly asks about the one in focus."""
    content = naming_words(query)
    if len(content) <= FEW_WORDS and top < SUGGEST:
        return True
    phrases = [" ".join(pair) for pair in zip(content, content[1:], strict=False)] or content
    known = record_phrases(focus)
    return top < CONFIDENT and sum(p in known for p in phrases) >= IN_RECORD * len(phrases)


def resolve(
    text: str,
    focus_code: Optional[str],
    request_kinds: Optional[List[str]] = None,
    asks_aspect: bool = False,
    ages: Sequence[int] = (),
) -> Resolution:
    """The procedure ``text`` is about, else close candidates, else the one in focus.

    A confident match replaces the focus; a message that names nothing keeps it; a message
    that only names a variant ("bị mất") picks that variant of the focus (``request_kinds``
    are the message's ``request_kind`` entities), and with no focus finds nothing; one that
    asks an aspect (``asks_aspect``) and names another procedure only as a place or a document
    ("phải về nơi đăng ký khai sinh") is about the focus. A procedure whose title is for other
    ages than the message's ``ages`` ("bé 10 tuổi": not "từ đủ 14 tuổi") is ruled out.
    """
    request_kinds = request_kinds or []
    kb = knowledge()
    query = search_query(text)
    retired = retired_request(text)
    if retired is not None and retired.document.instead:
        return _for_retired(retired, focus_code, asks_aspect, query)
    focus = kb.procedure(focus_code) if focus_code else None
    if only_names_a_variant(text, bool(request_kinds)):
        if focus is None:
            return Resolution()  # "bị mất" with nothing in focus: which document, is asked
        variant = variant_of(focus, request_kinds)
        return Resolution(variant, query=query, switched=variant.code != focus_code, named=True)
    hits = _for_ages(ranked(text), ages) if query else []
    top = hits[0].score if hits else 0.0
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    confident, clear_lead = (
        (CONFIDENT_LONG, CLEAR_LEAD_LONG)
        if len(query.split()) > LONG_QUERY
        else (CONFIDENT, CLEAR_LEAD)
    )
    close = [h for h in hits if h.score >= max(SUGGEST, top - clear_lead)][:MAX_BUTTONS]
    # A story's words are mostly not the procedure's: the share counts for short queries only.
    short = len(query.split()) <= SHORT_QUERY
    covered = not short or (bool(hits) and hits[0].coverage >= MIN_COVERAGE)
    if top >= confident and top - runner_up >= clear_lead and covered:
        code = hits[0].code
        alternatives = [h for h in hits[1:] if h.score >= max(SUGGEST, top - 2 * clear_lead)]
        return Resolution(
            kb.procedure(code),
            alternatives=alternatives[: MAX_BUTTONS - 1],
            query=query,
            switched=code != focus_code,
            named=True,
        )
    asked_variant = _the_variant_asked(close, text)
    if asked_variant is not None and not (focus_code and focus_code != asked_variant.code):
        return Resolution(
            kb.procedure(asked_variant.code),
            alternatives=[h for h in close if h is not asked_variant][: MAX_BUTTONS - 1],
            query=query,
            switched=asked_variant.code != focus_code,
            named=True,
        )
    plain = _plain_among_variants(close, text)
    if plain is not None and not (focus_code and focus_code != plain.code):
        return Resolution(
            kb.procedure(plain.code),
            alternatives=close[1:MAX_BUTTONS],
            query=query,
            switched=plain.code != focus_code,
            named=True,
        )
    if top >= confident:
        if focus_code and any(h.code == focus_code for h in close):
            return Resolution(kb.procedure(focus_code), query=query, named=True)
        return _offered(close, query, focus_code, text)
    single_covered = not short or (bool(hits) and hits[0].coverage >= SINGLE_COVERAGE)
    single = len(close) == 1 and top >= SINGLE and single_covered
    if single and not focus_code:
        return Resolution(kb.procedure(close[0].code), query=query, switched=True, named=True)
    if focus is not None and (
        not names_something(query)
        or any(h.code == focus_code for h in close)
        or follows_up(query, focus, top)
    ):
        return Resolution(focus, query=query)
    if (
        focus is not None
        and asks_aspect
        and top < CONFIDENT
        and not names_something(search_query(without_mentions(text)))
    ):
        # "làm ở xã nào cũng được hay phải về nơi đăng ký khai sinh" about the copy of a birth
        # certificate in focus: the procedure it mentions is where to go, not what is asked;
        # it is offered beside the answer
        others = [h for h in close if h.code != focus_code]
        return Resolution(focus, alternatives=others[: MAX_BUTTONS - 1], query=query)
    if single:
        # not a follow-up on the focus: the only reading is another procedure, named clearly
        # ("tôi muốn làm hộ chiếu" after the birth registration)
        return Resolution(kb.procedure(close[0].code), query=query, switched=True, named=True)
    return _offered(close, query, focus_code, text)


def _for_ages(hits: List[SearchHit], ages: Sequence[int]) -> List[SearchHit]:
    """The hits whose title covers every age said (a title that names no age covers all)."""
    if not ages:
        return hits
    return [
        h
        for h in hits
        if (covered := age_range(h.short_name or h.name)) is None or all(a in covered for a in ages)
    ]


def _for_retired(
    retired: RetiredRequest, focus_code: Optional[str], asks_aspect: bool, query: str
) -> Resolution:
    """A request for a document no longer issued: the procedure the rest of the message names
    ("mất CMND, giờ muốn đăng ký kết hôn"), else the one that serves instead; either way the
    citizen is told the document is not issued any more."""
    found = Resolution()
    if names_something(search_query(retired.rest)):
        found = resolve(retired.rest, focus_code, None, asks_aspect)
    if found.procedure is None and not found.candidates:
        instead = knowledge().procedure(retired.document.instead or "")
        if instead is None:
            return Resolution(query=query, retired=retired.document)
        found = Resolution(instead, query=query, switched=instead.code != focus_code, named=True)
    return replace(found, retired=retired.document)


def _offered(
    close: List[SearchHit], query: str, focus_code: Optional[str], text: str = ""
) -> Resolution:
    """The options to ask about: those whose title is about something the query says. An
    option that shares only what is done ("cấp lại") with a passport question is left out;
    when the leader alone remains, this good and with nothing in focus, it is the answer. So is
    the leader that the question part of the message ``text`` names word for word, or whose
    object it names."""
    kept = [h for h in close if asks_about(query, h.short_name or h.name)]
    alone = len(kept) == 1 < len(close) and kept[0] is close[0]
    # the only option, named word for word ("tách hộ cùng chỗ ở"): asking "Tách hộ?" is needless
    named = len(close) == 1 and says_title(query, close[0].short_name or close[0].name)
    if (alone or named) and kept and kept[0].score >= SINGLE and not focus_code:
        code = kept[0].code
        return Resolution(knowledge().procedure(code), query=query, switched=True, named=True)
    if close and not focus_code and _named_by_the_question(close, text):
        return Resolution(
            knowledge().procedure(close[0].code),
            alternatives=close[1:MAX_BUTTONS],
            query=query,
            switched=True,
            named=True,
        )
    return Resolution(candidates=kept if len(kept) > 1 else close, query=query)


def _named_by_the_question(close: List[SearchHit], text: str) -> bool:
    """Whether the question part of ``text`` names the leader, by its title or its object."""
    asked = search_query(story_and_question(_NOT_WANTED.sub(" ", text), typed_clauses=True)[1])
    return _named_in_question(close, asked) or _object_named_in_question(close, asked)


def _object_named_in_question(close: List[SearchHit], asked: str) -> bool:
    """Whether the leader is the runner-up's title with the object that the question's
    colloquial names say ("bằng cao đẳng" -> "văn bằng"); said only in the story, it may be
    what was done ("bố tôi bị xóa hộ khẩu thường trú")."""
    return (
        len(close) > 1
        and close[0].score >= SINGLE
        and _names_the_object(close[1], close[0], _colloquially_said(asked))
    )


def _named_in_question(close: List[SearchHit], asked: str) -> bool:
    """Whether the question names the leader's title word for word ("việc đăng ký khai sinh có
    yếu tố nước ngoài được quy định thế nào"), a title of one procedure rather than the head of
    a family ("Cấp giấy phép xây dựng"), and no other option's title but one within it. A title
    said only in the story ("đã đăng ký tạm trú tại đây") says what was done, not asked."""
    leader = close[0]
    title = leader.short_name or leader.name
    if leader.score < SINGLE or not says_title(asked, title):
        return False
    if knowledge().index.titles_saying(title) > FAMILY_TITLES:
        return False
    within = f" {' '.join(folded_words(title))} "
    return not any(
        says_title(asked, other) and f" {' '.join(folded_words(other))} " not in within
        for other in (h.short_name or h.name for h in close[1:])
    )


def named_procedure(text: str) -> Optional[Procedure]:
    """The procedure a message names clearly on its own (no focus), if any: a status question
    or a scam report about "hồ sơ cấp đổi căn cước" puts it in focus for the next question.
    Besides a procedure answered outright, a good first candidate counts when it leads the
    others clearly or they are only its variants."""
    if not search_query(text):
        return None
    found = resolve(text, None)
    if found.procedure is not None or not found.candidates:
        return found.procedure
    first, others = found.candidates[0], found.candidates[1:]
    title = first.short_name or first.name
    clear = not others or first.score - others[0].score >= CLEAR_LEAD
    variants = all(is_variant_of(h.short_name or h.name, title) for h in others)
    return (
        knowledge().procedure(first.code)
        if first.score >= CONFIDENT and (clear or variants)
        else None
    )


def suggestions(query: str, limit: int = 3) -> List[SearchHit]:
    """The closest procedures, however weak, for a "not found" answer: those about something
    the query says ("giấy phép bán lẻ rượu" is offered the retail licences, not "Đổi giấy
    phép lái xe")."""
    hits = knowledge().search(query, limit=SEARCH_DEPTH) if query else []
    return [h for h in hits if asks_about(query, h.short_name or h.name)][:limit]
