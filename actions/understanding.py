"""What the latest message asks: its text, intent, entities and the set of aspects asked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List

from rasa_sdk import Tracker

from knowledge.query import variant_markers

ASPECTS = ("documents", "online", "fee", "processing_time", "agency", "eligibility", "overview")
INTENT_ASPECT = {
    "ask_documents": "documents",
    "ask_online": "online",
    "ask_fee": "fee",
    "ask_processing_time": "processing_time",
    "ask_agency": "agency",
    "ask_eligibility": "eligibility",
    "ask_overview": "overview",
}
WEAK_ELIGIBILITY = "maybe_eligibility"
EXPIRY = "expiry"  # "hết hạn": a state that asks whether alone and how beside "thế nào"
# A cue this general yields to any more specific aspect asked in the same message.
GENERAL = ("overview", WEAK_ELIGIBILITY, EXPIRY)
# An intent this sure of its aspect adds it to the cues ("bao nhiêu" reads as a fee only then).
SURE_INTENT = 0.8
# Entities that tell which case of a procedure applies.
CASE_FACTS = ("relation", "age", "nationality", "residence")


@dataclass
class Message:
    """The latest user message as the actions read it."""

    text: str
    intent: str
    confidence: float
    entities: List[Dict[str, Any]] = field(default_factory=list)

    @classmethod
    def latest(cls, tracker: Tracker) -> Message:
        """The tracker's latest user message; a button payload has no text of its own."""
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        intent = latest.get("intent") or {}
        return cls(
            "" if text.startswith("/") else text,
            intent.get("name") or "",
            float(intent.get("confidence") or 0.0),
            list(latest.get("entities") or []),
        )

    def cues(self) -> List[str]:
        """The aspect cues found in the question part, in order, without repeats."""
        found: List[str] = []
        for entity in self.entities:
            value = entity.get("value")
            if entity.get("entity") == "aspect" and value not in found:
                found.append(value)
        return found

    def aspects(self) -> List[str]:
        """The aspects asked, in the order asked; empty when the message asks none."""
        cues = self.cues()
        from_intent = INTENT_ASPECT.get(self.intent)
        if from_intent and from_intent not in cues and (not cues or self.confidence >= SURE_INTENT):
            cues.insert(0, from_intent)
        specific = [c for c in cues if c not in GENERAL]
        if self.asks_whether() and "eligibility" not in specific:
            specific.append("eligibility")
        if specific:
            return specific
        if WEAK_ELIGIBILITY in cues:
            # "nhập khẩu cho con được không? Nếu được thì thủ tục ra sao" asks whether first
            return ["eligibility"]
        if EXPIRY in cues:
            # "sắp hết hạn, đổi thế nào" asks how, not whether
            return ["overview"] if "overview" in cues else ["eligibility"]
        return cues

    def asks_whether(self) -> bool:
        """Whether a yes/no question of the message holds no aspect cue: "có bị xóa thường trú
        không" asks whether (eligibility), "có mất phí không" asks the fee."""
        cues = [
            e
            for e in self.entities
            if e.get("entity") == "aspect" and e.get("value") not in GENERAL
        ]
        return any(
            not any(c["start"] < w["end"] and w["start"] < c["end"] for c in cues)
            for w in self.entities
            if w.get("entity") == "whether" and "start" in w
        )

    def procedure_text(self) -> str:
        """The text with the words that ask an aspect blanked ("chi phí", "hồ sơ gồm", "ở
        đâu"): they say what is asked, not which procedure. A word of the request kind inside
        such a cue stays ("có phải đổi căn cước không": "đổi" says which card procedure).
        Offsets are kept."""
        chars = list(self.text)
        for entity in self.entities:
            if entity.get("entity") == "aspect" and "start" in entity and "end" in entity:
                chars[entity["start"] : entity["end"]] = " " * (entity["end"] - entity["start"])
        for entity in self.entities:
            if entity.get("entity") == "request_kind" and "start" in entity and "end" in entity:
                for word in re.finditer(r"\w+", self.text[entity["start"] : entity["end"]]):
                    if variant_markers(word.group()):
                        start, end = entity["start"] + word.start(), entity["start"] + word.end()
                        chars[start:end] = self.text[start:end]
        return "".join(chars)

    def states_a_case(self) -> bool:
        """Whether the message tells who or what the procedure is for ("e là mẹ, cháu 16
        tuổi", "người nước ngoài", "nhà thuê"): facts that pick a case of its documents."""
        return any(e.get("entity") in CASE_FACTS for e in self.entities)

    def values(self, entity: str) -> List[str]:
        """The values of one entity in the message."""
        return [str(e["value"]) for e in self.entities if e.get("entity") == entity]
