"""Rasa's socket.io channel (name "socketio", path /socket.io), fixed for the web widget.

With ``session_persistence: true`` Rasa 3.6 answers into a room named after the widget's session
id, but it joins that room with ``sio.enter_room(...)`` without ``await``: python-socketio 5.10+
made ``AsyncServer.enter_room`` a coroutine, so the socket never joins and the replies (and later
a staff member's messages) reach nobody. This channel joins the room properly, accepts only
random-looking session ids (a guessable one would let a stranger read the conversation), ignores
malformed messages (texts the store cannot keep included), and tells the citizen politely when
a turn fails. Replies, and messages pushed later (``get_output_channel()``), go out in the
widget's format (``bot.channels.widget``).
Everything else is Rasa's.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.busy import busy_text
from bot.channels.ids import encodable
from bot.channels.widget import WidgetOutput
from bot.rate_limited_log import RateLimitedLog

logger = logging.getLogger(__name__)
problems = RateLimitedLog(logger)

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_MESSAGE_CHARS = 100_000


def valid_session_id(value: Any) -> bool:
    """Whether ``value`` can name a conversation: 16-64 letters, digits, '-' or '_'."""
    return isinstance(value, str) and SESSION_ID.fullmatch(value) is not None


class WebChatSocket(SocketIOInput):
    """Socket.io for the web widget, with the session room joined and messages checked."""

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None

    def _widget_replies(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """``on_new_message`` answering through the widget's output instead of Rasa's."""

        async def handle(message: UserMessage) -> Any:
            message.output_channel = WidgetOutput(self.sio, self.bot_message_evt)
            return await on_new_message(message)

        return handle

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socket_blueprint = super().blueprint(self._widget_replies(on_new_message))
        sio = self.sio
        namespace = self.namespace or "/"
        rasa_handler = sio.handlers[namespace][self.user_message_evt]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if valid_session_id(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not _well_formed(data, self.session_persistence):
                logger.info("socket.io message ignored: malformed")
                return
            try:
                await rasa_handler(sid, data)
            except Exception as error:  # noqa: BLE001 - one line; the citizen gets a polite reply
                problems.warning("turn", "socket.io message failed: %s", type(error).__name__)
                room = data["session_id"] if self.session_persistence else sid
                busy = {"text": busy_text()}
                await sio.emit(self.bot_message_evt, busy, room=room, namespace=namespace)

        return socket_blueprint


def _well_formed(data: Any, session_persistence: bool) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return False
    if len(data["message"]) > MAX_MESSAGE_CHARS or not encodable(data):
        return False
    return valid_session_id(data.get("session_id")) or not session_persistence
