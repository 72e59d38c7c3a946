"""The account guide: sourced steps for getting into the public-service portal, and short FAQs.

Data: ``knowledge/data/guides/account.yml``. Paths that build on each other are chained here:
a citizen without a chip ID card first gets one, then a level-2 VNeID account, then logs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from knowledge.query import procedure_query
from knowledge.search import IndexEntry, ProcedureIndex

GUIDE_FILE = Path(__file__).parent / "data" / "guides" / "account.yml"
CHAINS = {
    "citizen_get_chip_id": ("citizen_get_chip_id", "citizen_get_level2", "citizen_login"),
    "citizen_get_level2": ("citizen_get_level2", "citizen_login"),
}
FAQ_MIN_SCORE = 0.2  # the intent already says it is a question about accounts


@dataclass(frozen=True)
class Step:
    text: str
    help: Optional[str]
    source: str


@dataclass(frozen=True)
class GuidePath:
    key: str
    title: str
    steps: Tuple[Step, ...]


@dataclass(frozen=True)
class Faq:
    key: str
    question: str
    answer: str
    source: str


@dataclass(frozen=True, eq=False)
class AccountGuide:
    """Paths, FAQs, related procedure codes and hotlines of the account guide."""

    paths: Dict[str, GuidePath]
    faq: Dict[str, Faq]
    related_procedures: Dict[str, str]
    hotlines: Dict[str, Dict[str, str]]
    checked: str

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
        IndexEntry(key, faq.question, faq.question) for key, faq in guide.faq.items()
    )


def _path(key: str, data: dict) -> GuidePath:
    steps = tuple(Step(s["text"], s.get("help"), s["source"]) for s in data["steps"])
    return GuidePath(key, data["title"], steps)


@lru_cache(maxsize=1)
def load_account_guide(path: Path = GUIDE_FILE) -> AccountGuide:
    """Load and check the guide data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return AccountGuide(
        paths={key: _path(key, value) for key, value in data["paths"].items()},
        faq={
            key: Faq(key, value["question"], value["answer"], value["source"])
            for key, value in data["faq"].items()
        },
        related_procedures=dict(data.get("related_procedures") or {}),
        hotlines=dict(data.get("hotlines") or {}),
        checked=str(data["checked"]),
    )
