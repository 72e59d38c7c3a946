"""The REST channel at /webhooks/rest/webhook, with request checks and an honest error reply.

Rasa's own RestInput accepts a request without a sender (every such client then shares one
conversation) and answers an empty list, with status 200, when the bot fails. This one refuses
malformed requests with a 4xx and tells the citizen, with a 503, that the system is busy.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 100_000
MAX_SENDER_CHARS = 128
BUSY = (
    "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được. Tin nhắn của anh/chị đã được ghi "
    "nhận; anh/chị vui lòng thử lại sau ít phút."
)


def _error(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


class RestInput(InputChannel):
    """REST input with validation; replies are the usual list of bot messages."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("rest_webhook", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

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
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"],
                collector,
                body["sender"],
                input_channel=self.name(),
                metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
            )
            try:
                await on_new_message(message)
            except Exception:  # noqa: BLE001 - logged; the citizen gets a polite reply
                logger.exception("REST message from %s failed", body["sender"])
                return response.json([{"recipient_id": body["sender"], "text": BUSY}], status=503)
            return response.json(collector.messages)

        return rest


def _problem(body: Dict[str, Any]) -> str:
    """What is wrong with a request body, or "" when it is fine."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not isinstance(body.get("message"), str):
        return "'message' must be a string"
    return ""
