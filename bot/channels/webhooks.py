"""What the platform webhooks (Zalo OA, Messenger) share.

Secrets come from the environment, all or nothing, and without them a channel is off (503);
message ids already processed are kept in the database with an expiry (platforms retry
deliveries, also after a restart: ``bot.channels.seen``); a new message is kept on disk before the
webhook acknowledges it (``bot.channels.inbox``) and its turn runs after the webhook has
answered, with failures logged and the citizen told politely; a stopping server refuses new
deliveries with a 503 (the platform delivers them again) and first finishes the turns it has
acknowledged; the turns a process left unfinished (killed, or out of time while stopping) run at
the next process's start, once; user ids are masked in logs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    Set,
    Text,
    Tuple,
)

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.busy import busy_text
from bot.channels.inbox import Inbox, Pending
from bot.channels.seen import SeenIds, seen_ids_from_env
from bot.channels.shaping import ShapedOutput
from bot.rate_limited_log import RateLimitedLog

logger = logging.getLogger(__name__)
problems = RateLimitedLog(logger)

MAX_BODY_BYTES = 1_000_000
FINISH_TURNS_SECONDS = 20.0  # how long a stopping server waits for acknowledged messages' turns


def secrets_from_env(names: Sequence[str]) -> Dict[str, str]:
    """The named environment variables, or {} when any of them is missing or empty."""
    values = {name: os.environ.get(name, "").strip() for name in names}
    return values if all(values.values()) else {}


def missing_from_env(names: Sequence[str]) -> List[str]:
    """The names among ``names`` that the environment lacks."""
    return [name for name in names if not os.environ.get(name, "").strip()]


def masked(identifier: str) -> str:
    """A platform user id as logs show it: only its last four characters."""
    return "…" + identifier[-4:] if len(identifier) > 4 else "…"


class ServerStopping(Exception):
    """A delivery arriving while the server stops: refused (503) before it is marked as seen, so
    the platform delivers it again, to the next process."""


class BackgroundTurns:
    """Runs bot turns after the webhook has answered; a failing turn is logged, never raised."""

    def __init__(self) -> None:
        self._running: Set[asyncio.Task] = set()
        self.stopping = False

    def start(self, work: Awaitable[None], what: str) -> None:
        """Run ``work`` in the background (a reference is kept until it finishes)."""
        task = asyncio.ensure_future(self._guarded(work, what))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def finish(self, seconds: float) -> None:
        """Take no more deliveries and wait, at most ``seconds``, for the turns still running:
        a stopping server answers (and keeps) the messages it has acknowledged, which the
        platform will not send again."""
        self.stopping = True
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            await asyncio.wait(set(self._running), timeout=deadline - time.monotonic())

    @staticmethod
    async def _guarded(work: Awaitable[None], what: str) -> None:
        try:
            await work
        except Exception:  # noqa: BLE001 - a turn must never take the server down
            logger.exception("%s failed", what)


def body_too_large(body: Optional[bytes]) -> bool:
    """Whether a webhook body exceeds what any platform event needs."""
    return len(body or b"") > MAX_BODY_BYTES


def parse_json(body: bytes) -> Any:
    """The JSON value of a (signed) body, or None when it is not JSON (too deep included)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def refuse(status: int, reason: str) -> HTTPResponse:
    """A webhook's clean 4xx/5xx: JSON with the reason; nothing reaches the bot."""
    return response.json({"error": reason}, status=status)


class PlatformApi:
    """A platform API client's plumbing: one HTTP session, JSON answers, exponential back-off."""

    def __init__(self, attempts: int = 4, retry_delay: float = 1.0) -> None:
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _pause(self, attempt: int) -> None:
        if attempt + 1 < self._attempts:
            await asyncio.sleep(self._retry_delay * 2**attempt)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        return self._session

    @staticmethod
    async def _answer(reply: aiohttp.ClientResponse) -> Tuple[int, Dict[str, Any]]:
        """The status and JSON object of a reply ({} when the body is not an object)."""
        answer = await reply.json(content_type=None)
        return reply.status, answer if isinstance(answer, dict) else {}


class PlatformInput(InputChannel):
    """A platform's webhook channel: off without its secrets, a health route, a duplicate
    filter, bot turns in the background, and its API client closed when the server stops."""

    label = ""  # how logs name the platform
    secrets: Sequence[str] = ()

    def __init__(self, api: Optional[Any]) -> None:
        self.api = api
        self.seen: SeenIds = seen_ids_from_env()
        self.turns = BackgroundTurns()
        self.inbox = Inbox.from_env(self.name())

    @classmethod
    def api_from_env(cls) -> Optional[Any]:
        """The platform's API client configured from the environment, or None."""
        raise NotImplementedError

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        api = cls.api_from_env()
        if api is None:
            logger.warning(
                "%s channel is off (its webhook answers 503); missing: %s",
                cls.label,
                ", ".join(missing_from_env(cls.secrets)),
            )
        return cls(api)

    def output(self) -> ShapedOutput:
        """A new output channel to the platform (only called when the API is configured)."""
        raise NotImplementedError

    async def accept(self, messages: Sequence[Pending]) -> List[Pending]:
        """The messages delivered for the first time, each kept on disk before the webhook
        acknowledges it (a duplicate is not); ``ServerStopping`` while the server stops."""
        if self.turns.stopping:
            raise ServerStopping()
        return await asyncio.to_thread(lambda: [m for m in messages if self._accept(m)])

    def _accept(self, message: Pending) -> bool:
        # Kept before it is marked as seen: a process killed in between has not answered the
        # platform, and the next one runs the message from its inbox (``_claim_left``).
        kept = self.inbox.keep(message)
        if self.seen.first_time(self._seen_key(message)):
            return True
        if kept:
            self.inbox.drop(message.message_id)
        return False

    def _seen_key(self, message: Pending) -> str:
        return f"{self.name()}:{message.message_id}"

    def _claim_left(self) -> List[Pending]:
        """The messages an earlier process acknowledged and left, marked as seen (the platform
        may deliver one again) before this server takes any delivery."""
        left = self.inbox.pending()
        for message in left:
            self.seen.first_time(self._seen_key(message))
        return left

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.output() if self.api else None

    def platform_blueprint(
        self, name: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The channel's blueprint with its health route, the turns left by an earlier process
        run at start-up, and its closing listeners."""
        blueprint = Blueprint(name, __name__)
        left: List[Pending] = []

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.api else "not configured"})

        @blueprint.listener("before_server_start")
        async def claim_left(_app: Any, _loop: Any) -> None:
            left.extend(await asyncio.to_thread(self._claim_left))

        @blueprint.listener("after_server_start")
        async def run_left(app: Any, _loop: Any) -> None:
            if not left:
                return
            if self.api is None:
                logger.warning(
                    "%s: %d acknowledged messages wait for the channel's secrets",
                    self.label,
                    len(left),
                )
                return
            logger.warning("%s: running %d turns left by an earlier process", self.label, len(left))
            self.turns.start(
                self._run_left(app, on_new_message, list(left)), f"{self.label} turns left"
            )
            left.clear()

        @blueprint.listener("before_server_stop")
        async def finish_turns(_app: Any, _loop: Any) -> None:
            await self.turns.finish(FINISH_TURNS_SECONDS)

        @blueprint.exception(ServerStopping)
        async def stopping(_request: Request, _error: ServerStopping) -> HTTPResponse:
            return refuse(503, "the server is restarting: deliver again")

        @blueprint.listener("after_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            if self.api is not None:
                await self.api.close()

        return blueprint

    async def _run_left(
        self,
        app: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        left: List[Pending],
    ) -> None:
        """The turns of messages an earlier process acknowledged, in the order they arrived;
        one whose turn that process had finished and stored is only removed."""
        for message in left:
            if await self._stored(app, message):
                self.inbox.drop(message.message_id)
            else:
                await self.run_turn(on_new_message, self.output(), message)

    @staticmethod
    async def _stored(app: Any, message: Pending) -> bool:
        """Whether the conversation store already holds ``message`` (its turn ran)."""
        try:
            tracker = await app.ctx.agent.tracker_store.retrieve(message.conversation)
        except Exception as error:  # noqa: BLE001 - unknown: the turn runs
            problems.warning("inbox", "Stored conversation not read: %s", type(error).__name__)
            return False
        events = tracker.events if tracker is not None else []
        return any(
            isinstance(e, UserUttered) and e.message_id == message.message_id for e in events
        )

    async def run_turn(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        output: ShapedOutput,
        pending: Pending,
    ) -> None:
        """One bot turn, then its message leaves the inbox; when it fails, the citizen is told
        the system is busy (an unavailable conversation store is no failure:
        ``bot.tracker_store``)."""
        message = UserMessage(
            pending.text,
            output,
            pending.conversation,
            input_channel=self.name(),
            message_id=pending.message_id,
        )
        try:
            await on_new_message(message)
        except Exception as error:  # noqa: BLE001 - one line; the citizen gets a reply
            problems.warning(self.label, "%s message failed: %s", self.label, type(error).__name__)
            await output.deliver(pending.conversation, busy_text())
        await asyncio.to_thread(self.inbox.drop, pending.message_id)
