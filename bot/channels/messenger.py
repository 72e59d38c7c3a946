"""Facebook Messenger channel: webhook at /webhooks/messenger/webhook, replies via the Send API.

It replaces Rasa's built-in ``facebook`` connector, which checks only the old SHA-1 signature,
answers only the first event of a batch and finishes the bot turn before acknowledging (Meta
then retries and the citizen gets the answer twice).

Contract relied on (https://developers.facebook.com/docs/messenger-platform):

- webhooks#verification: GET with ``hub.mode=subscribe``, ``hub.verify_token`` and
  ``hub.challenge``; the challenge is echoed when the token matches.
- webhooks#validate-payloads and #event-notifications: POST with ``X-Hub-Signature-256:
  sha256=<HMAC-SHA256 of the raw body with the app secret>``; body ``{"object": "page",
  "entry": [{"messaging": [event, ...]}, ...]}``, several entries and events per request;
  answer 200 at once. Events: ``message`` (``mid``, ``text``, ``quick_reply.payload``,
  ``attachments``, ``is_echo``) and ``postback`` (``mid``, ``payload``); Meta may deliver an
  event more than once, so message ids are de-duplicated.
- reference/send-api and send-messages/quick-replies: POST {graph}/me/messages?access_token=...
  with ``recipient.id``, ``messaging_type`` and ``message``: text up to 2000 characters, up to
  13 quick replies (``content_type: text``, title up to 20 characters, payload up to 1000; the
  payload comes back in ``message.quick_reply.payload``); ``sender_action: typing_on``.
- send-messages/template/button and send-messages/buttons/url: a button template (text up to
  640 characters) with 1-3 ``web_url`` buttons (title up to 20 characters), for links;
  send-messages/template/generic: up to 10 cards (title and subtitle up to 80 characters, a
  ``default_action`` and up to 3 buttons), for more links or longer titles.
- send-messages/message-tags: a person's reply after the 24-hour window is sent with
  ``messaging_type: MESSAGE_TAG`` and ``tag: HUMAN_AGENT`` (allowed for 7 days).
- error-codes: ``{"error": {"code", "error_subcode", "message"}}``; 190 invalid token;
  4, 17, 32, 613 rate limits; 1, 2 temporary; 551 the person is unavailable (blocked the Page),
  10/2018278 outside the messaging window, 100/2018001 no matching user.

Secrets come from the environment (MESSENGER_APP_SECRET, MESSENGER_PAGE_ACCESS_TOKEN,
MESSENGER_VERIFY_TOKEN); MESSENGER_API_URL points elsewhere for tests. Without all secrets the
channel stays off and its webhook answers 503.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text, Tuple
from urllib.parse import urlsplit

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.ids import encodable, valid_id
from bot.channels.inbox import Pending
from bot.channels.shaping import (
    MORE_CHOICES,
    Button,
    Limits,
    Reply,
    ShapedOutput,
    buttons_of,
    fit_titles,
    shorten,
    split_text,
    usable,
    with_inline_links,
)
from bot.channels.webhooks import (
    PlatformApi,
    PlatformInput,
    body_too_large,
    masked,
    parse_json,
    refuse,
    secrets_from_env,
)

logger = logging.getLogger(__name__)

SECRETS = ("MESSENGER_APP_SECRET", "MESSENGER_PAGE_ACCESS_TOKEN", "MESSENGER_VERIFY_TOKEN")
DEFAULT_API_URL = "https://graph.facebook.com/v25.0"
LIMITS = Limits(text_chars=2000, buttons=13, title_chars=20, payload_chars=1000)
TEMPLATE_BUTTONS = 3
TEMPLATE_TEXT_CHARS = 640
CARDS = 10  # elements of a generic template
CARD_TITLE_CHARS = 80
OPEN_TITLE = "Mở trang"
CONVERSATION_PREFIX = "messenger-"
HUMAN_AGENT = "HUMAN_AGENT"
RETRIED_ERRORS = frozenset({1, 2, 4, 17, 32, 613})
UNREACHABLE_USER_CODES = frozenset({551})
UNREACHABLE_USER_SUBCODES = frozenset({(10, 2018278), (100, 2018001)})
INVALID_TOKEN_ERROR = 190
MAX_MESSAGE_ID_CHARS = 255


def conversation_id(psid: str) -> str:
    """The Rasa conversation of a Messenger user (page-scoped id)."""
    return CONVERSATION_PREFIX + psid


def psid_of(conversation: str) -> str:
    """The page-scoped id of a Rasa conversation's Messenger user."""
    return conversation.removeprefix(CONVERSATION_PREFIX)


@dataclass(frozen=True)
class MessengerConfig:
    """The app secret, the Page's token, the webhook verify token and the Graph API address."""

    app_secret: str
    page_access_token: str
    verify_token: str
    api_url: str = DEFAULT_API_URL

    @classmethod
    def from_env(cls) -> Optional[MessengerConfig]:
        """The configuration from the environment, or None when a secret is missing."""
        secrets = secrets_from_env(SECRETS)
        if not secrets:
            return None
        return cls(
            app_secret=secrets["MESSENGER_APP_SECRET"],
            page_access_token=secrets["MESSENGER_PAGE_ACCESS_TOKEN"],
            verify_token=secrets["MESSENGER_VERIFY_TOKEN"],
            api_url=os.environ.get("MESSENGER_API_URL", DEFAULT_API_URL).rstrip("/"),
        )


class MessengerApi(PlatformApi):
    """Sends messages with the Send API; retries rate limits and temporary errors."""

    def __init__(self, config: MessengerConfig, attempts: int = 4, retry_delay: float = 1.0):
        super().__init__(attempts, retry_delay)
        self.config = config

    async def send(self, psid: str, message: Dict[str, Any], tag: Optional[str] = None) -> bool:
        """Send one message; False (and a log line) when it could not be sent."""
        body: Dict[str, Any] = {
            "recipient": {"id": psid},
            "messaging_type": "MESSAGE_TAG" if tag else "RESPONSE",
            "message": message,
        }
        if tag:
            body["tag"] = tag
        who = masked(psid)
        for attempt in range(self._attempts):
            try:
                status, answer = await self._post(body)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                logger.warning(
                    "Send API unreachable (%s), attempt %d", type(error).__name__, attempt + 1
                )
                await self._pause(attempt)
                continue
            error = answer.get("error")
            if status == 200 and not error:
                return True
            code, subcode, text = _error_parts(error)
            if code in RETRIED_ERRORS or status == 429 or status >= 500:
                logger.warning(
                    "Send API busy (HTTP %s, error %s), attempt %d", status, code, attempt + 1
                )
                await self._pause(attempt)
                continue
            if code in UNREACHABLE_USER_CODES or (code, subcode) in UNREACHABLE_USER_SUBCODES:
                logger.warning(
                    "Messenger user %s cannot receive the Page's messages (error %s/%s: %s); "
                    "not retried",
                    who,
                    code,
                    subcode,
                    text,
                )
                return False
            if code == INVALID_TOKEN_ERROR:
                logger.error(
                    "Send API refused the Page token (error 190): renew MESSENGER_PAGE_ACCESS_TOKEN"
                )
                return False
            logger.error(
                "Messenger reply to %s refused (HTTP %s, error %s/%s: %s)",
                who,
                status,
                code,
                subcode,
                text,
            )
            return False
        logger.error("Messenger reply to %s not sent after %d attempts", who, self._attempts)
        return False

    async def typing(self, psid: str) -> None:
        """Show the typing indicator (best effort, never retried)."""
        body = {"recipient": {"id": psid}, "sender_action": "typing_on"}
        try:
            await self._post(body)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            logger.debug("typing indicator for %s not shown", masked(psid))

    async def _post(self, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        async with self._http().post(
            f"{self.config.api_url}/me/messages",
            params={"access_token": self.config.page_access_token},
            json=body,
        ) as reply:
            return await self._answer(reply)


def _error_parts(error: Any) -> Tuple[Optional[int], Optional[int], str]:
    if not isinstance(error, dict):
        return None, None, ""
    return error.get("code"), error.get("error_subcode"), str(error.get("message") or "")


def plan(text: str, raw_buttons: Sequence[Dict[str, Any]]) -> List[Reply]:
    """The messages for one bot message on Messenger.

    Links (the message's own and its inline links, ``with_inline_links``) become URL buttons of
    a button template when they fit one (at most 3, titles up to 20 characters; the template's
    text up to 640); otherwise the text is sent as such and the links follow as the cards of a
    generic template (10 a message, ``link_cards``). The other buttons become quick replies on
    the last message (at most 13: quick replies of an earlier message vanish when the next one
    arrives, so there is no follow-up message of choices; beyond 13 the last ones in the
    channels' order are left out, feedback first). The text is cut at 2000 characters.
    """
    text, buttons = with_inline_links(text, usable(buttons_of(raw_buttons), LIMITS))
    links = [b for b in buttons if b.is_link]
    quick = [b for b in buttons if not b.is_link]
    if len(quick) > LIMITS.buttons:
        logger.warning(
            "Messenger shows %d quick replies; %d left out",
            LIMITS.buttons,
            len(quick) - LIMITS.buttons,
        )
        quick = quick[: LIMITS.buttons]
    if len(links) <= TEMPLATE_BUTTONS and all(len(b.title) <= LIMITS.title_chars for b in links):
        text, fitted = fit_titles(text, links + quick, LIMITS)
        parts = split_text(text, LIMITS.text_chars) or ([MORE_CHOICES] if fitted else [])
        if links:
            parts[-1:] = split_text(parts[-1], TEMPLATE_TEXT_CHARS)
        replies = [Reply(part) for part in parts]
    else:
        text, fitted = fit_titles(text, quick, LIMITS)
        replies = [Reply(part) for part in split_text(text, LIMITS.text_chars)]
        replies += [Reply("", links[i : i + CARDS]) for i in range(0, len(links), CARDS)]
    if replies:
        last = replies[-1]
        replies[-1] = Reply(last.text, [*last.buttons, *fitted])
    return replies


def link_cards(links: Sequence[Button]) -> List[Dict[str, Any]]:
    """The elements of a generic template, one card a link: its title (up to 80 characters),
    the site as subtitle, a tap and a URL button opening the page."""
    return [
        {
            "title": shorten(b.title, CARD_TITLE_CHARS),
            "subtitle": shorten(urlsplit(b.url).hostname or "", CARD_TITLE_CHARS),
            "default_action": {"type": "web_url", "url": b.url},
            "buttons": [{"type": "web_url", "url": b.url, "title": OPEN_TITLE}],
        }
        for b in links
    ]


def message_body(reply: Reply) -> Dict[str, Any]:
    """The ``message`` object of a Send API request: a text; a button template when the reply
    has a text and links; a generic template of link cards when it has links alone; its other
    buttons as quick replies.

    Formats: https://developers.facebook.com/docs/messenger-platform/send-messages/template/button
    (``template_type: button``, text up to 640 characters, 1-3 buttons; a URL button is
    ``{"type": "web_url", "url", "title"}``, title up to 20 characters:
    https://developers.facebook.com/docs/messenger-platform/send-messages/buttons/url),
    https://developers.facebook.com/docs/messenger-platform/send-messages/template/generic
    (``template_type: generic``, up to 10 elements; an element's ``title`` and ``subtitle`` up
    to 80 characters, ``default_action`` a URL button without title, up to 3 buttons) and
    https://developers.facebook.com/docs/messenger-platform/reference/buttons/quick-replies
    (up to 13, sent with a text or with an attachment).
    """
    links = [b for b in reply.buttons if b.is_link]
    quick = [b for b in reply.buttons if not b.is_link]
    body: Dict[str, Any]
    if links and not reply.text:
        body = _template({"template_type": "generic", "elements": link_cards(links)})
    elif links:
        buttons = [{"type": "web_url", "url": b.url, "title": b.title} for b in links]
        body = _template({"template_type": "button", "text": reply.text, "buttons": buttons})
    else:
        body = {"text": reply.text}
    if quick:
        body["quick_replies"] = [
            {"content_type": "text", "title": b.title, "payload": b.payload} for b in quick
        ]
    return body


def _template(payload: Dict[str, Any]) -> Dict[str, Any]:
    return {"attachment": {"type": "template", "payload": payload}}


class MessengerOutput(ShapedOutput):
    """Sends the bot's messages, or with ``tag`` a staff member's, to a Messenger user."""

    limits = LIMITS

    @classmethod
    def name(cls) -> Text:
        return "messenger"

    def __init__(self, api: MessengerApi, tag: Optional[str] = None) -> None:
        self.api = api
        self.tag = tag

    def plan(self, text: str, buttons: Sequence[Dict[str, Any]]) -> List[Reply]:
        return plan(text, buttons)

    async def send_part(self, recipient_id: str, reply: Reply) -> bool:
        return await self.api.send(psid_of(recipient_id), message_body(reply), self.tag)


@dataclass(frozen=True)
class Incoming:
    """A user's message or button press from a webhook event."""

    psid: str
    message_id: str
    text: str


class MalformedEvent(ValueError):
    """A webhook body without the structure Meta sends."""


def incoming(body: Dict[str, Any]) -> List[Incoming]:
    """Every user message and postback of every entry, in order (echoes and receipts skipped).

    Attachments without text reach the bot as an empty text, which it answers by asking the
    citizen to type the question.
    """
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise MalformedEvent("'entry' must be a list")
    found: List[Incoming] = []
    for entry in entries:
        events = entry.get("messaging", []) if isinstance(entry, dict) else None
        if not isinstance(events, list):
            raise MalformedEvent("each entry must be an object with a 'messaging' list")
        found += [message for event in events if (message := _event(event))]
    return found


def _event(event: Any) -> Optional[Incoming]:
    if not isinstance(event, dict):
        raise MalformedEvent("each messaging event must be an object")
    sender = event.get("sender")
    psid = sender.get("id") if isinstance(sender, dict) else None
    message, postback = event.get("message"), event.get("postback")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        quick_reply = message.get("quick_reply")
        text = quick_reply.get("payload") if isinstance(quick_reply, dict) else message.get("text")
        message_id = message.get("mid")
    elif isinstance(postback, dict):
        text = postback.get("payload")
        message_id = postback.get("mid") or f"postback-{psid}-{event.get('timestamp')}"
    else:
        return None
    if not isinstance(psid, (str, int)) or not isinstance(message_id, str) or not message_id:
        raise MalformedEvent("a message event without sender.id or mid")
    if not valid_id(str(psid)) or not valid_id(message_id, MAX_MESSAGE_ID_CHARS):
        raise MalformedEvent("sender.id or mid is not a usable id")
    return Incoming(str(psid), message_id, text if isinstance(text, str) else "")


def signature_valid(app_secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the X-Hub-Signature-256 of ``body`` under ``app_secret``."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode(), expected.encode())


class MessengerInput(PlatformInput):
    """The Messenger webhook: checks, acknowledges at once, runs the bot turns in the background."""

    label = "Messenger"
    secrets = SECRETS

    @classmethod
    def name(cls) -> Text:
        return "messenger"

    @classmethod
    def api_from_env(cls) -> Optional[MessengerApi]:
        config = MessengerConfig.from_env()
        return MessengerApi(config) if config else None

    def output(self) -> MessengerOutput:
        return MessengerOutput(self.api)

    def staff_output_channel(self) -> Optional[OutputChannel]:
        """The output for a staff member's replies: tagged HUMAN_AGENT."""
        return MessengerOutput(self.api, tag=HUMAN_AGENT) if self.api else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        messenger = self.platform_blueprint("messenger_webhook", on_new_message)

        @messenger.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.api is None:
                return refuse(503, "the Messenger channel is not configured")
            token = request.args.get("hub.verify_token", "")
            challenge = request.args.get("hub.challenge", "")
            if request.args.get("hub.mode") != "subscribe" or not hmac.compare_digest(
                token.encode(), self.api.config.verify_token.encode()
            ):
                logger.warning("Messenger webhook verification refused")
                return refuse(403, "verification failed")
            return response.text(challenge)

        @messenger.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.api is None:
                return refuse(503, "the Messenger channel is not configured")
            if body_too_large(request.body):
                return refuse(413, "body too large")
            header = request.headers.get("X-Hub-Signature-256", "")
            if not signature_valid(self.api.config.app_secret, request.body or b"", header):
                logger.warning("Messenger webhook request refused: bad signature")
                return refuse(401, "bad signature")
            body = parse_json(request.body or b"")
            if not isinstance(body, dict) or not encodable(body):
                return refuse(400, "body must be a JSON object in UTF-8")
            try:
                messages = incoming(body) if body.get("object") == "page" else []
            except MalformedEvent as error:
                return refuse(400, str(error))
            fresh = await self.accept(
                [Pending(m.message_id, conversation_id(m.psid), m.text) for m in messages]
            )
            for psid, own in _by_sender(fresh).items():
                self.turns.start(
                    self._turns(on_new_message, self.output(), psid, own),
                    f"Messenger turns of {masked(psid)}",
                )
            return response.text("EVENT_RECEIVED")

        return messenger

    async def _turns(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        output: MessengerOutput,
        psid: str,
        messages: List[Pending],
    ) -> None:
        """One user's messages of a delivery, in order."""
        for message in messages:
            await output.api.typing(psid)
            await self.run_turn(on_new_message, output, message)


def _by_sender(messages: List[Pending]) -> Dict[str, List[Pending]]:
    grouped: Dict[str, List[Pending]] = {}
    for message in messages:
        grouped.setdefault(psid_of(message.conversation), []).append(message)
    return grouped
