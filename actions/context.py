"""What every action shares: the knowledge base, the province profile, and finding the procedure
a message is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional

from knowledge.models import Procedure
from knowledge.profile import ProvinceProfile, load_profile
from knowledge.query import procedure_query
from knowledge.search import SearchHit
from knowledge.store import KnowledgeBase

CONFIDENT = 0.55  # a hit this good names the procedure...
CLEAR_LEAD = 0.08  # ...when it leads the next one by this much
SUGGEST = 0.3  # hits this good are offered as buttons
MAX_BUTTONS = 4


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
    query: str = ""
    switched: bool = False  # the message named a procedure other than the one in focus


def resolve(text: str, focus_code: Optional[str]) -> Resolution:
    """The procedure ``text`` is about, else close candidates, else the one in focus.

    A confident match replaces the focus; a message that names nothing keeps it.
    """
    kb = knowledge()
    query = procedure_query(text)
    hits = kb.search(query, limit=MAX_BUTTONS + 1) if query else []
    top = hits[0].score if hits else 0.0
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if top >= CONFIDENT and top - runner_up >= CLEAR_LEAD:
        code = hits[0].code
        return Resolution(kb.procedure(code), query=query, switched=code != focus_code)
    close = [h for h in hits if h.score >= max(SUGGEST, top - CLEAR_LEAD)][:MAX_BUTTONS]
    if top >= CONFIDENT:
        return Resolution(candidates=close, query=query)
    if focus_code:
        return Resolution(kb.procedure(focus_code), query=query)
    return Resolution(candidates=close, query=query)


def suggestions(query: str, limit: int = 3) -> List[SearchHit]:
    """The closest procedures, however weak, for a "not found" answer."""
    return knowledge().search(query, limit=limit) if query else []
