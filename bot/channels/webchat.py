"""Serves the web pages at /webhooks/webchat/: the try-it-yourself chat page (it talks to the
REST channel), the portal widget script (widget.js, with socket.io's client in vendor/) and a
demo portal page that embeds the widget (demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

WEB = Path(__file__).resolve().parent.parent / "web"
PAGE = WEB / "chat.html"
WIDGET = WEB / "widget.js"
SOCKET_IO_CLIENT = WEB / "vendor" / "socket.io.min.js"
DEMO = WEB / "demo.html"
SCRIPT = "application/javascript; charset=utf-8"


class WebChatPage(InputChannel):
    """The static web files: the try-it page, the portal widget and its demo page."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = Blueprint("webchat_page", __name__)

        @page.route("/", methods=["GET"])
        async def chat_page(_request: Request) -> HTTPResponse:
            return await response.file(PAGE, mime_type="text/html; charset=utf-8")

        @page.route("/widget.js", methods=["GET"])
        async def widget(_request: Request) -> HTTPResponse:
            return await response.file(WIDGET, mime_type=SCRIPT)

        @page.route("/vendor/socket.io.min.js", methods=["GET"])
        async def socket_io_client(_request: Request) -> HTTPResponse:
            return await response.file(SOCKET_IO_CLIENT, mime_type=SCRIPT)

        @page.route("/demo", methods=["GET"])
        async def demo(_request: Request) -> HTTPResponse:
            return await response.file(DEMO, mime_type="text/html; charset=utf-8")

        return page
