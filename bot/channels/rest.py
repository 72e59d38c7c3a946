"""The REST channel at /webhooks/rest/webhook, with request checks and an honest error reply.

Rasa's own RestInput accepts a request without a sender (every such client then shares one
conversation) and answers an empty list, with status 200, when the bot fails. This one refuses
malformed requests with a 4xx and, when a turn fails, tells the citizen that the system is busy
(status 200: the reply is the answer). An unavailable conversation store is no failure: the
turn runs and the conversation is written later (``bot.tracker_store``).

Messages that reach a REST conversation outside a request (a staff member's reply, the rating
question after a handoff) wait in an outbox: the next reply to that sender starts with them, and
``GET /webhooks/rest/outbox?sender=...`` collects them. The outbox lives in the Rasa process.

Each reply is ``{"recipient_id", "text", "buttons"?}``; an inline link keeps its label in the
text and its address goes on a ``web_url`` button (``with_inline_links``). Every button has a
``type``: ``postback`` (send its ``payload`` as the next message), ``web_url`` (open its
``url``) or ``feedback`` (a 👍 / 👎 control: send its ``payload``), in the order a client should
keep them when it shows fewer (``bot.channels.shaping``).
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Deque, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.busy import busy_text
from bot.channels.ids import MAX_ID_CHARS, encodable, valid_id
from bot.channels.shaping import FEEDBACK, buttons_of, with_inline_links
from bot.rate_limited_log import RateLimitedLog

logger = logging.getLogger(__name__)
problems = RateLimitedLog(logger)

MAX_BODY_BYTES = 100_000
MAX_SENDER_CHARS = MAX_ID_CHARS
MAX_WAITING_PER_SENDER = 50


class Outbox:
    """Messages for REST senders that arrived outside their requests (bounded per sender)."""

    def __init__(self) -> None:
        self._waiting: Dict[Text, Deque[Dict[Text, Any]]] = defaultdict(
            lambda: deque(maxlen=MAX_WAITING_PER_SENDER)
        )

    def put(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self._waiting[recipient_id].append(message)

    def collect(self, recipient_id: Text) -> List[Dict[Text, Any]]:
        """The waiting messages of a sender, oldest first; they are handed out once."""
        return list(self._waiting.pop(recipient_id, ()))


def rest_message(text: Text, raw_buttons: List[Dict[Text, Any]]) -> Dict[Text, Any]:
    """The text and buttons of a reply as the REST channel returns them: each button with its
    type, in the channels' order, the inline links among the links."""
    text, buttons = with_inline_links(text, buttons_of(raw_buttons))
    shown: List[Dict[Text, Any]] = []
    for button in buttons:
        if button.is_link:
            shown.append({"type": "web_url", "title": button.title, "url": button.url})
        else:
            kind = "feedback" if button.kind == FEEDBACK else "postback"
            shown.append({"type": kind, "title": button.title, "payload": button.payload})
    return {"text": text, "buttons": shown} if shown else {"text": text}


class RestOutput(CollectingOutputChannel):
    """Collects the replies of one request in the REST channel's format."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, **rest_message(text, [])))

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        await self._persist_message(self._message(recipient_id, **rest_message(text, buttons)))


class OutboxOutput(RestOutput):
    """Output channel that leaves messages in the outbox."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__()
        self._outbox = outbox

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        self._outbox.put(message["recipient_id"], message)


def _error(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


class RestInput(InputChannel):
    """REST input with validation; replies are the usual list of bot messages."""

    def __init__(self) -> None:
        self.outbox = Outbox()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_output_channel(self) -> OutboxOutput:
        """Where messages sent outside a request go: the outbox."""
        return OutboxOutput(self.outbox)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("rest_webhook", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/outbox", methods=["GET"])
        async def outbox(request: Request) -> HTTPResponse:
            sender = request.args.get("sender", "")
            if not valid_id(sender):
                return _error(400, "'sender' query parameter is required")
            return response.json(self.outbox.collect(sender))

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _error(413, "message too large")
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises several types for bad JSON
                return _error(400, "body must be JSON")
            problem = _problem(body)
            if problem:
                return _error(400, problem)
            collector = RestOutput()
            message = UserMessage(
                body["message"],
                collector,
                body["sender"],
                input_channel=self.name(),
                metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
            )
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - one line; the citizen gets a polite reply
                problems.warning("turn", "REST message failed: %s", type(error).__name__)
                return response.json([{"recipient_id": body["sender"], "text": busy_text()}])
            return response.json(self.outbox.collect(body["sender"]) + collector.messages)

        return rest


def _problem(body: Dict[str, Any]) -> str:
    """What is wrong with a request body, or "" when it is fine."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    if not valid_id(body.get("sender")):
        return (
            f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters, "
            "without control characters"
        )
    if not isinstance(body.get("message"), str):
        return "'message' must be a string"
    if not encodable(body):
        return "the body must be valid UTF-8 text (no lone surrogates)"
    return ""
