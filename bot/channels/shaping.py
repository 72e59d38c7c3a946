"""Shapes the bot's replies to a messaging platform's limits: text length, button count, title
and payload length.

Texts are cut at paragraph, then line, then word boundaries, so no word or link is broken.
A payload is never shortened (Rasa must get back exactly what it sent), so a button whose payload
is too long for the platform is left out and logged. When titles must be shortened, the full
titles are listed, numbered, under the text and each button starts with its number.
Buttons beyond the platform's count go into follow-up messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Text

from rasa.core.channels.channel import OutputChannel

logger = logging.getLogger(__name__)

MORE_CHOICES = "Các lựa chọn khác:"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Limits:
    """What one message on a platform may carry."""

    text_chars: int
    buttons: int
    title_chars: int
    payload_chars: int


@dataclass(frozen=True)
class Reply:
    """One message to send: a text and the buttons under it (``title``, ``payload``)."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


def split_text(text: str, limit: int) -> List[str]:
    """``text`` in parts of at most ``limit`` characters, cut where a reader expects a break."""
    rest = text.strip()
    parts: List[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` (longer than ``limit``): the last good break within the limit."""
    for separator in ("\n\n", "\n", " "):
        position = text.rfind(separator, 0, limit + 1)
        if position > limit // 3:
            return position
    return limit


def shorten(title: str, limit: int) -> str:
    """``title`` within ``limit`` characters, marked with an ellipsis when cut."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + ELLIPSIS


def fit(text: str, buttons: Sequence[Dict[str, str]], limits: Limits) -> List[Reply]:
    """The messages that carry ``text`` and ``buttons`` within ``limits``."""
    usable = [
        {"title": str(b.get("title") or b["payload"]), "payload": b["payload"]}
        for b in buttons
        if _payload_fits(b, limits)
    ]
    if any(len(b["title"]) > limits.title_chars for b in usable):
        listing = "\n".join(f"{i}. {b['title']}" for i, b in enumerate(usable, start=1))
        text = f"{text}\n{listing}" if text else listing
        usable = [
            {"title": shorten(f"{i}. {b['title']}", limits.title_chars), "payload": b["payload"]}
            for i, b in enumerate(usable, start=1)
        ]
    replies = [Reply(part) for part in split_text(text, limits.text_chars)]
    groups = [usable[i : i + limits.buttons] for i in range(0, len(usable), limits.buttons)]
    if groups and not replies:
        replies = [Reply(MORE_CHOICES)]
    for number, group in enumerate(groups):
        if number == 0:
            replies[-1] = Reply(replies[-1].text, group)
        else:
            replies.append(Reply(MORE_CHOICES, group))
    return replies


def _payload_fits(button: Dict[str, str], limits: Limits) -> bool:
    payload = button.get("payload") or ""
    if payload and len(payload) <= limits.payload_chars:
        return True
    logger.warning("Button %r left out: its payload is empty or too long", button.get("title"))
    return False


class ShapedOutput(OutputChannel):
    """An output channel that fits each message to its platform's limits, then sends the parts."""

    limits: Limits

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.deliver(recipient_id, text)

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        await self.deliver(recipient_id, text, buttons)

    async def deliver(
        self, recipient_id: str, text: str, buttons: Sequence[Dict[str, Any]] = ()
    ) -> bool:
        """Send ``text`` and ``buttons`` within the platform's limits; False when a part failed."""
        for reply in fit(text, buttons, self.limits):
            if not await self.send_part(recipient_id, reply):
                return False
        return True

    async def send_part(self, recipient_id: str, reply: Reply) -> bool:
        """Send one part that already fits; False when the platform did not take it."""
        raise NotImplementedError
