"""Zalo Official Account channel: webhook at /webhooks/zalo/webhook, replies via the OA API v3.

Contract relied on (Zalo for Developers, official-account docs, and chatwoot/chatwoot
app/jobs/webhooks/zalo_events_job.rb and app/models/channel/zalo_oa.rb):

- Webhook events are JSON: ``app_id``, ``event_name`` (``user_send_text``, ``user_send_image``,
  ...), ``sender.id`` (the user), ``recipient.id`` (the OA), ``message.msg_id``,
  ``message.text``, ``timestamp`` (milliseconds). A button of type ``oa.query.hide`` comes back
  as ``user_send_text`` whose text is the button's payload.
- Header ``X-ZEvent-Signature: mac=<hex>``, hex = sha256(app_id + raw body + timestamp +
  OA secret key). Zalo expects 200 within 2 seconds and retries otherwise (30 s, 5 min, 15 min,
  30 min, 1 h), so events are acknowledged at once, processed in the background, and
  de-duplicated by ``msg_id``. An event older than the retry schedule is refused as stale.
- Consultation messages: POST https://openapi.zalo.me/v3.0/oa/message/cs, header
  ``access_token``, body ``{"recipient": {"user_id"}, "message": {"text", "attachment"?}}``;
  text at most 2000 characters; buttons ``{"title" (<= 100), "type": "oa.query.hide",
  "payload" (<= 1000)}`` in ``attachment.payload.buttons``, five per message; a link button is
  ``{"title", "type": "oa.open.url", "payload": {"url"}}``. Answers
  ``{"error": 0, "data": {"message_id"}}`` or an error code: -216/-220 invalid or expired
  token, -32 rate limit, -213/-227/-230/-232/-244 the user cannot receive OA messages (not
  following, blocked, inactive, outside the interaction window, restricted).

Secrets come from the environment (ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY,
ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN); ZALO_API_URL and ZALO_OAUTH_URL point elsewhere for
tests. Without all secrets the channel stays off and its webhook answers 503.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import aiohttp
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.ids import encodable, valid_id
from bot.channels.inbox import Pending
from bot.channels.shaping import Button, Limits, Reply, ShapedOutput
from bot.channels.webhooks import (
    PlatformApi,
    PlatformInput,
    body_too_large,
    masked,
    parse_json,
    refuse,
    secrets_from_env,
)
from bot.channels.zalo_tokens import TokenKeeper, Tokens, TokenStore, utcnow
from knowledge.store import database_url, make_engine

logger = logging.getLogger(__name__)

SECRETS = (
    "ZALO_APP_ID",
    "ZALO_APP_SECRET",
    "ZALO_OA_SECRET_KEY",
    "ZALO_ACCESS_TOKEN",
    "ZALO_REFRESH_TOKEN",
)
DEFAULT_API_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_URL = "https://oauth.zaloapp.com"
LIMITS = Limits(text_chars=2000, buttons=5, title_chars=100, payload_chars=1000)
CONVERSATION_PREFIX = "zalo-"
USER_MESSAGE_EVENTS = frozenset(
    {
        "user_send_text",
        "user_send_image",
        "user_send_link",
        "user_send_audio",
        "user_send_video",
        "user_send_sticker",
        "user_send_gif",
        "user_send_location",
        "user_send_file",
        "user_send_business_card",
    }
)
MAX_EVENT_AGE_MS = 2 * 60 * 60 * 1000  # Zalo's retries end about 1 h 50 min after the event
MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
TOKEN_ERRORS = frozenset({-216, -220})
RATE_LIMIT_ERRORS = frozenset({-32})
UNREACHABLE_USER_ERRORS = frozenset({-213, -227, -230, -232, -244})


def conversation_id(user_id: str) -> str:
    """The Rasa conversation of a Zalo user."""
    return CONVERSATION_PREFIX + user_id


def user_id_of(conversation: str) -> str:
    """The Zalo user of a Rasa conversation."""
    return conversation.removeprefix(CONVERSATION_PREFIX)


@dataclass(frozen=True)
class ZaloConfig:
    """The OA's app credentials and the API addresses."""

    app_id: str
    app_secret: str
    oa_secret_key: str
    access_token: str
    refresh_token: str
    api_url: str = DEFAULT_API_URL
    oauth_url: str = DEFAULT_OAUTH_URL

    @classmethod
    def from_env(cls) -> Optional[ZaloConfig]:
        """The configuration from the environment, or None when a secret is missing."""
        secrets = secrets_from_env(SECRETS)
        if not secrets:
            return None
        return cls(
            app_id=secrets["ZALO_APP_ID"],
            app_secret=secrets["ZALO_APP_SECRET"],
            oa_secret_key=secrets["ZALO_OA_SECRET_KEY"],
            access_token=secrets["ZALO_ACCESS_TOKEN"],
            refresh_token=secrets["ZALO_REFRESH_TOKEN"],
            api_url=os.environ.get("ZALO_API_URL", DEFAULT_API_URL).rstrip("/"),
            oauth_url=os.environ.get("ZALO_OAUTH_URL", DEFAULT_OAUTH_URL).rstrip("/"),
        )


class ZaloAuthError(Exception):
    """Zalo refused to refresh the OA's tokens."""


class ZaloApi(PlatformApi):
    """Sends consultation messages through the OA API; handles token, rate and user errors."""

    def __init__(
        self,
        config: ZaloConfig,
        store: TokenStore,
        attempts: int = 4,
        retry_delay: float = 1.0,
    ) -> None:
        super().__init__(attempts, retry_delay)
        self.config = config
        self.tokens = TokenKeeper(store, self._renew)

    async def send(self, user_id: str, message: Dict[str, Any]) -> bool:
        """Send one message to ``user_id``; False (and a log line) when it could not be sent."""
        who = masked(user_id)
        refreshed = False
        for attempt in range(self._attempts):
            try:
                token = await self.tokens.access_token()
                status, answer = await self._post_message(token, user_id, message)
            except ZaloAuthError as error:
                logger.error("Zalo reply to %s not sent: %s", who, error)
                return False
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                logger.warning(
                    "Zalo API unreachable (%s), attempt %d", type(error).__name__, attempt + 1
                )
                await self._pause(attempt)
                continue
            code = answer.get("error")
            if status == 200 and code == 0:
                return True
            if code in TOKEN_ERRORS and not refreshed:
                logger.info("Zalo access token refused (error %s); refreshing", code)
                refreshed = True
                try:
                    await self.tokens.refresh(token)
                except ZaloAuthError as error:
                    logger.error("Zalo reply to %s not sent: %s", who, error)
                    return False
                continue
            if code in RATE_LIMIT_ERRORS or status == 429 or status >= 500:
                logger.warning(
                    "Zalo API busy (HTTP %s, error %s), attempt %d", status, code, attempt + 1
                )
                await self._pause(attempt)
                continue
            if code in UNREACHABLE_USER_ERRORS:
                logger.warning(
                    "Zalo user %s cannot receive OA messages (error %s: %s); not retried",
                    who,
                    code,
                    answer.get("message"),
                )
                return False
            logger.error(
                "Zalo reply to %s refused (HTTP %s, error %s: %s)",
                who,
                status,
                code,
                answer.get("message"),
            )
            return False
        logger.error("Zalo reply to %s not sent after %d attempts", who, self._attempts)
        return False

    async def _post_message(
        self, token: str, user_id: str, message: Dict[str, Any]
    ) -> tuple[int, Dict[str, Any]]:
        body = {"recipient": {"user_id": user_id}, "message": message}
        async with self._http().post(
            f"{self.config.api_url}/v3.0/oa/message/cs",
            json=body,
            headers={"access_token": token},
        ) as reply:
            return await self._answer(reply)

    async def _renew(self, refresh_token: str) -> Tokens:
        try:
            async with self._http().post(
                f"{self.config.oauth_url}/v4/oa/access_token",
                data={
                    "app_id": self.config.app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
                headers={"secret_key": self.config.app_secret},
            ) as reply:
                answer = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ZaloAuthError(f"token refresh failed ({type(error).__name__})") from error
        answer = answer if isinstance(answer, dict) else {}
        if not answer.get("access_token") or not answer.get("refresh_token"):
            detail = answer.get("error_description") or answer.get("message") or answer.get("error")
            raise ZaloAuthError(f"token refresh refused ({detail}); authorise the OA again")
        seconds = int(answer.get("expires_in") or 90000)
        return Tokens(
            answer["access_token"], answer["refresh_token"], utcnow() + timedelta(seconds=seconds)
        )


def message_body(reply: Reply) -> Dict[str, Any]:
    """The ``message`` object of a consultation message: a link opens its page
    (``oa.open.url``), any other button sends its payload back hidden (``oa.query.hide``).

    Format: https://developers.esms.vn/en/esms-api/send-sms-api/send-zalo-message-consulting-button
    (the OA API's ``message.attachment`` of type ``template`` with ``payload.buttons``, as on
    developers.zalo.me: at most 5 buttons, titles up to 100 characters, a query payload up to
    1000 characters, an open-URL payload ``{"url": ...}``).
    """
    body: Dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        body["attachment"] = {
            "type": "template",
            "payload": {"buttons": [_button(b) for b in reply.buttons]},
        }
    return body


def _button(button: Button) -> Dict[str, Any]:
    if button.is_link:
        return {"title": button.title, "type": "oa.open.url", "payload": {"url": button.url}}
    return {"title": button.title, "type": "oa.query.hide", "payload": button.payload}


class ZaloOutput(ShapedOutput):
    """Sends the bot's (and staff's) messages to a Zalo user."""

    limits = LIMITS

    @classmethod
    def name(cls) -> Text:
        return "zalo"

    def __init__(self, api: ZaloApi) -> None:
        self.api = api

    async def send_part(self, recipient_id: str, reply: Reply) -> bool:
        return await self.api.send(user_id_of(recipient_id), message_body(reply))


@dataclass(frozen=True)
class Incoming:
    """A user's message from a webhook event."""

    user_id: str
    message_id: str
    text: str


class MalformedEvent(ValueError):
    """A user-message event without sender or message id."""


def incoming(event: Dict[str, Any]) -> Optional[Incoming]:
    """The user's message in ``event``, or None for other events (follows, receipts, ...).

    Only text is read; other messages (images, stickers, ...) reach the bot as an empty text,
    which it answers by asking the citizen to type the question.
    """
    name = event.get("event_name")
    if name not in USER_MESSAGE_EVENTS:
        return None
    sender = event.get("sender")
    message = event.get("message")
    user_id = sender.get("id") if isinstance(sender, dict) else None
    message_id = message.get("msg_id") if isinstance(message, dict) else None
    if not isinstance(user_id, (str, int)) or not isinstance(message_id, (str, int)):
        raise MalformedEvent("user event without sender.id or message.msg_id")
    if not valid_id(str(user_id)) or not valid_id(str(message_id)):
        raise MalformedEvent("sender.id or message.msg_id is not a usable id")
    text = message.get("text") if name == "user_send_text" else ""
    return Incoming(str(user_id), str(message_id), text if isinstance(text, str) else "")


# The top-level "timestamp" of an event, read from the raw body (the signature covers it, and
# the body is parsed only once signed): a quote inside a text is escaped, so it never matches.
_TIMESTAMP = re.compile(rb'(?<!\\)"timestamp"\s*:\s*"?(\d{1,16})"?')


def signed_timestamp(config: ZaloConfig, body: bytes, header: str) -> Optional[str]:
    """The event timestamp under which ``header`` signs the raw ``body``, or None when it does
    not: sha256(app_id + body + timestamp + OA secret key)."""
    for candidate in dict.fromkeys(m.group(1) for m in _TIMESTAMP.finditer(body)):
        signed = config.app_id.encode() + body + candidate + config.oa_secret_key.encode()
        expected = "mac=" + hashlib.sha256(signed).hexdigest()
        if hmac.compare_digest(header.strip().encode(), expected.encode()):
            return candidate.decode()
    return None


def signature_problem(config: ZaloConfig, event: Dict[str, Any], body: bytes, header: str) -> str:
    """Why a webhook request is not a genuine, fresh Zalo event, or "" when it is."""
    timestamp = signed_timestamp(config, body, header)
    if timestamp is None:
        return "bad signature"
    return event_problem(config, event, timestamp)


def event_problem(config: ZaloConfig, event: Dict[str, Any], timestamp: str) -> str:
    """Why a signed event is not this app's fresh event, or "" when it is."""
    app_id = str(event.get("app_id") or "")
    if not hmac.compare_digest(app_id.encode(), config.app_id.encode()):
        return "unknown app_id"
    if str(event.get("timestamp") or "") != timestamp:
        return "bad signature"
    age = time.time() * 1000 - int(timestamp)
    if age > MAX_EVENT_AGE_MS or age < -MAX_CLOCK_SKEW_MS:
        return "stale event"
    return ""


class ZaloInput(PlatformInput):
    """The Zalo OA webhook: checks, acknowledges at once, runs the bot turn in the background."""

    label = "Zalo OA"
    secrets = SECRETS

    @classmethod
    def name(cls) -> Text:
        return "zalo"

    @classmethod
    def api_from_env(cls) -> Optional[ZaloApi]:
        config = ZaloConfig.from_env()
        if config is None:
            return None
        seed = Tokens(config.access_token, config.refresh_token)
        return ZaloApi(config, TokenStore(make_engine(database_url()), config.app_id, seed))

    def output(self) -> ZaloOutput:
        return ZaloOutput(self.api)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        zalo = self.platform_blueprint("zalo_webhook", on_new_message)

        @zalo.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.api is None:
                return refuse(503, "the Zalo channel is not configured")
            if body_too_large(request.body):
                return refuse(413, "body too large")
            body = request.body or b""
            header = request.headers.get("X-ZEvent-Signature", "")
            timestamp = signed_timestamp(self.api.config, body, header)
            if timestamp is None:
                logger.warning("Zalo webhook request refused: bad signature")
                return refuse(401, "bad signature")
            event = parse_json(body)
            if not isinstance(event, dict) or not encodable(event):
                return refuse(400, "body must be a JSON object in UTF-8")
            problem = event_problem(self.api.config, event, timestamp)
            if problem:
                logger.warning("Zalo webhook request refused: %s", problem)
                return refuse(401, problem)
            try:
                message = incoming(event)
            except MalformedEvent as error:
                return refuse(400, str(error))
            if message:
                pending = Pending(
                    message.message_id, conversation_id(message.user_id), message.text
                )
                for fresh in await self.accept([pending]):
                    self.turns.start(
                        self.run_turn(on_new_message, self.output(), fresh),
                        f"Zalo turn of {masked(message.user_id)}",
                    )
            return response.json({"status": "ok"})

        return zalo
