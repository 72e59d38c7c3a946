"""Serves the try-it-yourself chat page at /webhooks/webchat/ (it talks to the REST channel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

PAGE = Path(__file__).resolve().parent.parent / "web" / "chat.html"


class WebChatPage(InputChannel):
    """A static chat page for people trying the assistant in a browser."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = Blueprint("webchat_page", __name__)

        @page.route("/", methods=["GET"])
        async def chat_page(_request: Request) -> HTTPResponse:
            return await response.file(PAGE, mime_type="text/html; charset=utf-8")

        return page
