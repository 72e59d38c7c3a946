"""The account guide: sourced steps for getting into the public-service portal, and short FAQs.

Data: ``knowledge/data/guides/account.yml``. Paths that build on each other are chained here:
a citizen without a chip ID card first gets one, then a level-2 VNeID account, then logs in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml

from knowledge.query import procedure_query
from knowledge.search import IndexEntry, ProcedureIndex
from knowledge.sources import is_official

GUIDE_FILE = Path(__file__).parent / "data" / "guides" / "account.yml"
CHAINS = {
    "citizen_get_chip_id": ("citizen_get_chip_id", "citizen_get_level2", "citizen_login"),
    "citizen_get_level2": ("citizen_get_level2", "citizen_login"),
}
FAQ_MIN_SCORE = 0.2  # the intent already says it is a question about accounts
UNVERIFIED_STEP = (
    "(Bước này theo hướng dẫn đăng trên báo chí, chưa đối chiếu được với hướng dẫn chính thức.)"
)
UNVERIFIED_ANSWER = "Lưu ý: thông tin này lấy từ báo chí, chưa đối chiếu được với trang chính thức."


class GuideDataError(ValueError):
    """The guide data breaks its format; the message says where."""


def _verified(data: Dict[str, Any], sources: Tuple[str, ...], where: str) -> bool:
    """``verified`` as the data says, by default whether every source is official; a fact
    claimed verified must have official sources only."""
    official = bool(sources) and all(is_official(url) for url in sources)
    verified = bool(data.get("verified", official))
    if verified and not official:
        raise GuideDataError(f"{where}: verified, but not every source is an official page")
    return verified


@dataclass(frozen=True)
class Step:
    text: str
    help: Optional[str]
    source: str
    verified: bool = True

    def message(self) -> str:
        """The step as shown, saying when it is not verified."""
        return self.text if self.verified else f"{self.text}\n{UNVERIFIED_STEP}"


@dataclass(frozen=True)
class GuidePath:
    key: str
    title: str
    steps: Tuple[Step, ...]


@dataclass(frozen=True)
class Faq:
    """A question answered directly, with the guide path it offers (if any)."""

    key: str
    question: str
    answer: str
    sources: Tuple[str, ...]
    verified: bool = True
    examples: Tuple[str, ...] = ()
    guide: Optional[str] = None  # the topic the offer starts the guide with
    guide_title: Optional[str] = None
    guide_slots: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    procedure: Optional[str] = None  # the code of the procedure it is about, put in focus


@dataclass(frozen=True)
class Intro:
    text: str
    sources: Tuple[str, ...]


@dataclass(frozen=True, eq=False)
class AccountGuide:
    """Paths, FAQs, related procedure codes and hotlines of the account guide."""

    paths: Dict[str, GuidePath]
    faq: Dict[str, Faq]
    related_procedures: Dict[str, str]
    hotlines: Dict[str, Dict[str, str]]
    checked: str
    intros: Dict[str, Intro] = field(default_factory=dict, compare=False, hash=False)

    def steps(self, path_key: str) -> Tuple[Step, ...]:
        """All the steps of a path, with the paths it builds on chained in order."""
        keys = CHAINS.get(path_key, (path_key,))
        return tuple(step for key in keys if key in self.paths for step in self.paths[key].steps)

    def find_faq(self, text: str) -> Optional[Faq]:
        """The FAQ a question is about, if one matches well enough."""
        hits = _faq_index(self).search(procedure_query(text), limit=1)
        return self.faq[hits[0].code] if hits and hits[0].score >= FAQ_MIN_SCORE else None


@lru_cache(maxsize=4)
def _faq_index(guide: AccountGuide) -> ProcedureIndex:
    return ProcedureIndex(
        IndexEntry(key, faq.question, faq.question, faq.examples) for key, faq in guide.faq.items()
    )


def _step(data: Dict[str, Any], where: str) -> Step:
    source = str(data["source"])
    return Step(data["text"], data.get("help"), source, _verified(data, (source,), where))


def _path(key: str, data: dict) -> GuidePath:
    steps = tuple(_step(s, f"paths.{key}.steps[{i}]") for i, s in enumerate(data["steps"]))
    return GuidePath(key, data["title"], steps)


def _faq(key: str, data: Dict[str, Any], related: Dict[str, str]) -> Faq:
    sources = tuple(str(url) for url in data.get("sources") or [])
    if not sources:
        raise GuideDataError(f"faq.{key}: an answer needs its sources")
    return Faq(
        key=key,
        question=data["question"],
        answer=data["answer"],
        sources=sources,
        verified=_verified(data, sources, f"faq.{key}"),
        examples=tuple(data.get("examples") or ()),
        guide=data.get("guide"),
        guide_title=data.get("guide_title"),
        guide_slots=dict(data.get("guide_slots") or {}),
        procedure=_related(key, data.get("procedure"), related),
    )


def _related(key: str, name: Optional[str], related: Dict[str, str]) -> Optional[str]:
    if name is None:
        return None
    if name not in related:
        raise GuideDataError(f"faq.{key}: procedure '{name}' is not in related_procedures")
    return related[name]


@lru_cache(maxsize=1)
def load_account_guide(path: Path = GUIDE_FILE) -> AccountGuide:
    """Load and check the guide data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    related = {str(k): str(v) for k, v in (data.get("related_procedures") or {}).items()}
    return AccountGuide(
        paths={key: _path(key, value) for key, value in data["paths"].items()},
        faq={key: _faq(key, value, related) for key, value in data["faq"].items()},
        related_procedures=related,
        hotlines=dict(data.get("hotlines") or {}),
        checked=str(data["checked"]),
        intros={
            key: Intro(value["text"], tuple(value.get("sources") or ()))
            for key, value in (data.get("intro") or {}).items()
        },
    )
