"""What the portal widget (bot/web/widget.js) receives over socket.io for each bot message.

Rasa's socket.io output splits a text at blank lines into several messages and turns every
button into a quick reply (a link button would break it). This output sends each message whole:
its text (inline links ``[label](https://...)`` kept, the widget draws them), its links as
link buttons, its quick replies and its 👍 / 👎 controls, each list in the channels' order
(``bot.channels.shaping``). The widget shows them all: links as buttons opening a new tab,
quick replies as chips, feedback as two small controls under the answer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

from rasa.core.channels.socketio import SocketIOOutput

from bot.channels.shaping import FEEDBACK, buttons_of


def widget_message(text: str, raw_buttons: Sequence[Dict[str, Any]] = ()) -> Dict[str, Any]:
    """The ``bot_uttered`` message for ``text`` and ``raw_buttons``."""
    buttons = buttons_of(raw_buttons)
    message: Dict[str, Any] = {"text": text}
    links = [{"title": b.title, "url": b.url} for b in buttons if b.is_link]
    replies = [
        {"content_type": "text", "title": b.title, "payload": b.payload}
        for b in buttons
        if not b.is_link and b.kind != FEEDBACK
    ]
    feedback = [{"title": b.title, "payload": b.payload} for b in buttons if b.kind == FEEDBACK]
    if links:
        message["links"] = links
    if replies:
        message["quick_replies"] = replies
    if feedback:
        message["feedback"] = feedback
    return message


class WidgetOutput(SocketIOOutput):
    """Rasa's socket.io output, with each message sent whole in the widget's format."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, widget_message(text))

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        await self._send_message(recipient_id, widget_message(text, buttons))
