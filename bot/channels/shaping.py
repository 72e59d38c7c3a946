"""The message contract between the actions and the channels, and the shaping of replies to a
messaging platform's limits: text length, button count, title and payload length.

What the actions send (``dispatcher.utter_message(text=..., buttons=[...])``):

- a button with ``"payload"`` is a quick reply / postback: its payload comes back as the
  citizen's message;
- a button with ``"url"`` (and ``"title"``) is a link button: it opens the page (http/https
  only; anything else is left out);
- a button whose payload is ``/feedback{...}`` (``bot.feedback.answers``) is a 👍 / 👎 control;
- a payload of ``/request_human`` is the "Gặp cán bộ" button;
- in the text, ``[label](https://...)`` is an inline link (a form to download, a portal,
  ``knowledge.render.inline_link``): the widget shows the label as a link; the messaging
  channels keep the label in the text and give the link as a link button after the message's
  own links (``with_inline_links``), once per address, so no long address is written out.

When a channel shows fewer buttons than a message has, buttons are kept in this order: links
(the official record first, as the actions send it), the follow-up quick replies, "Gặp cán bộ",
feedback. Each channel's output applies its own limits (see zalo.py, messenger.py, widget.py,
rest.py); buttons beyond a message's limit go to follow-up messages, the 👍 / 👎 pair never
split (``fit``). Texts are cut at paragraph, then line, then word boundaries, so no word or link
is broken. A payload is never shortened (Rasa must get back exactly what it sent), so a button
whose payload is too long for the platform is left out and logged. When titles must be
shortened, the full titles are listed, numbered, under the text and each button starts with its
number.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Text

from rasa.core.channels.channel import OutputChannel

from bot.feedback.answers import is_feedback_payload
from knowledge.render import inline_links, link_labels

logger = logging.getLogger(__name__)

MORE_CHOICES = "Các lựa chọn khác:"
MORE_LINKS = "Các trang liên quan:"
YES_TITLE = "Đúng vậy"  # the button of a one-option question whose title is too long for it
FEEDBACK_QUESTION = "Câu trả lời này có hữu ích với anh/chị không?"
MORE_AND_FEEDBACK = "Anh/chị muốn hỏi thêm, hoặc cho biết câu trả lời này có hữu ích không?"
OVERFLOW_TEXTS = frozenset({MORE_CHOICES, MORE_LINKS, FEEDBACK_QUESTION, MORE_AND_FEEDBACK})
ELLIPSIS = "…"
HUMAN_PAYLOAD = "/request_human"

LINK, REPLY, HUMAN, FEEDBACK = "link", "reply", "human", "feedback"
KIND_ORDER = (LINK, REPLY, HUMAN, FEEDBACK)  # what a channel keeps first
WEB_URL = re.compile(r"^https?://[^\s]+$")


@dataclass(frozen=True)
class Limits:
    """What one message on a platform may carry."""

    text_chars: int
    buttons: int
    title_chars: int
    payload_chars: int


@dataclass(frozen=True)
class Button:
    """One button of a message: a link (``url``) or a payload button of some ``kind``."""

    kind: str
    title: str
    payload: str = ""
    url: str = ""

    @property
    def is_link(self) -> bool:
        return self.kind == LINK


@dataclass(frozen=True)
class Reply:
    """One message to send: a text and the buttons under it."""

    text: str
    buttons: List[Button] = field(default_factory=list)


def kind_of(payload: str) -> str:
    """What a payload button is for."""
    if is_feedback_payload(payload):
        return FEEDBACK
    return HUMAN if payload == HUMAN_PAYLOAD else REPLY


def buttons_of(raw: Sequence[Dict[str, Any]]) -> List[Button]:
    """The usable buttons of a message, in the order channels keep them (stable within a kind).

    A link needs an http(s) URL; a payload button needs a payload. Others are left out, logged.
    """
    found: List[Button] = []
    for item in raw or ():
        if not isinstance(item, dict):
            continue
        url, payload = str(item.get("url") or ""), str(item.get("payload") or "")
        title = str(item.get("title") or "").strip()
        if url and WEB_URL.match(url):
            found.append(Button(LINK, title or url, url=url))
        elif payload and not url:
            found.append(Button(kind_of(payload), title or payload, payload=payload))
        else:
            logger.warning("Button %r left out: no payload and no web address", title)
    return sorted(found, key=lambda b: KIND_ORDER.index(b.kind))


def with_inline_links(text: str, buttons: Sequence[Button]) -> tuple[str, List[Button]]:
    """``text`` with its inline links' labels only, and ``buttons`` with those links added as
    link buttons after the message's own links; an address already on a button is not
    repeated."""
    own = [b for b in buttons if b.is_link]
    seen = {b.url for b in own}
    added = []
    for label, url in inline_links(text):
        if url not in seen:
            seen.add(url)
            added.append(Button(LINK, label, url=url))
    others = [b for b in buttons if not b.is_link]
    return link_labels(text), own + added + others


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


def usable(buttons: Sequence[Button], limits: Limits) -> List[Button]:
    """The buttons whose payload the platform can carry back unchanged."""
    kept = []
    for button in buttons:
        if button.is_link or len(button.payload) <= limits.payload_chars:
            kept.append(button)
        else:
            logger.warning("Button %r left out: its payload is too long", button.title)
    return kept


def fit_titles(text: str, buttons: List[Button], limits: Limits) -> tuple[str, List[Button]]:
    """Titles within the limit: a link's title is shortened; when a choice's title is too long,
    the choices (the quick replies; not "Gặp cán bộ") are listed, numbered, under the text
    (unless it lists them so already) and their buttons carry the numbers. A question of one
    option that quotes it ("Có phải anh/chị hỏi về thủ tục «…»?") lists nothing: its button
    answers the question ("Đúng vậy")."""
    choices = [b for b in buttons if b.kind == REPLY]
    if len(choices) == 1 and f"«{choices[0].title}»" in text:
        if len(choices[0].title) > limits.title_chars:
            yes = Button(REPLY, YES_TITLE, choices[0].payload, choices[0].url)
            buttons = [yes if b is choices[0] else b for b in buttons]
    elif any(len(b.title) > limits.title_chars for b in choices):
        listed = [f"{i}. {b.title}" for i, b in enumerate(choices, start=1)]
        if not set(listed) <= set(text.splitlines()):  # the question may number them already
            listing = "\n".join(listed)
            text = f"{text}\n{listing}" if text else listing
        numbered, number = [], 0
        for b in buttons:
            if b in choices:
                number += 1
                b = Button(b.kind, f"{number}. {b.title}", b.payload, b.url)
            numbered.append(b)
        buttons = numbered
    return text, [
        Button(b.kind, shorten(b.title, limits.title_chars), b.payload, b.url) for b in buttons
    ]


def fit(text: str, raw_buttons: Sequence[Dict[str, Any]], limits: Limits) -> List[Reply]:
    """The messages that carry ``text`` and ``raw_buttons`` within ``limits``: the text in
    parts, as many buttons (in the channels' order) as fit under its last part, and the rest
    in follow-up messages, so no link or choice is lost."""
    text, buttons = with_inline_links(text, buttons_of(raw_buttons))
    text, buttons = fit_titles(text, usable(buttons, limits), limits)
    replies = [Reply(part) for part in split_text(text, limits.text_chars)]
    groups = button_groups(buttons, limits.buttons)
    if groups and not replies:
        replies = [Reply(MORE_CHOICES)]
    for number, group in enumerate(groups):
        if number == 0:
            replies[-1] = Reply(replies[-1].text, group)
        else:
            replies.append(Reply(overflow_text(group), group))
    return replies


def button_groups(buttons: Sequence[Button], size: int) -> List[List[Button]]:
    """``buttons`` in messages of at most ``size``, in order; the feedback controls of an
    answer stay together in one message (a 👍 without its 👎 would be a poll of one)."""
    units: List[List[Button]] = []
    for button in buttons:
        if button.kind == FEEDBACK and units and units[-1][0].kind == FEEDBACK:
            units[-1].append(button)
        else:
            units.append([button])
    groups: List[List[Button]] = []
    for unit in units:
        if groups and len(groups[-1]) + len(unit) <= size:
            groups[-1].extend(unit)
        else:
            groups += [unit[i : i + size] for i in range(0, len(unit), size)]
    return groups


def overflow_text(group: Sequence[Button]) -> str:
    """The text of a follow-up message that carries only buttons."""
    if any(b.kind == FEEDBACK for b in group):
        asks = any(b.kind == REPLY for b in group)
        return MORE_AND_FEEDBACK if asks else FEEDBACK_QUESTION
    return MORE_LINKS if all(b.is_link for b in group) else MORE_CHOICES


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

    def plan(self, text: str, buttons: Sequence[Dict[str, Any]]) -> List[Reply]:
        """The parts to send for one message of the bot."""
        return fit(text, buttons, self.limits)

    async def deliver(
        self, recipient_id: str, text: str, buttons: Sequence[Dict[str, Any]] = ()
    ) -> bool:
        """Send ``text`` and ``buttons`` within the platform's limits; False when a part failed."""
        for reply in self.plan(text, buttons):
            if not await self.send_part(recipient_id, reply):
                return False
        return True

    async def send_part(self, recipient_id: str, reply: Reply) -> bool:
        """Send one part that already fits; False when the platform did not take it."""
        raise NotImplementedError
