"""The staff bridge: how the staff console acts on a citizen's conversation inside Rasa.

Mounted at /webhooks/staff/ and authenticated with ``X-Staff-Bridge-Token`` (the
``STAFF_BRIDGE_TOKEN`` secret shared with the console; without it every request gets 503).

- ``POST reply {"ticket_id", "text", "staff"}``: deliver a staff reply on the conversation's
  channel (``bot.channels.delivery``) and record it in the conversation.
- ``POST close {"ticket_id"}``: resume the bot and ask the citizen to rate the help.
- ``POST timeout {"ticket_id"}``: tell the citizen nobody is free yet; offer a call-back.
- ``POST take {"ticket_id"}``: staff took a ticket after its citizen was told nobody was free
  (the bot answered again meanwhile): tell the citizen and pause the bot again. A conversation
  that is still paused is left as it is.
- ``GET transcript?ticket_id=N``: the conversation since the ticket opened (stored redacted).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import deliver_staff_reply
from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore

logger = logging.getLogger(__name__)

TOKEN_ENV = "STAFF_BRIDGE_TOKEN"
HEADER = "X-Staff-Bridge-Token"
CLOSED_INTENT = "EXTERNAL_handoff_closed"
TIMEOUT_INTENT = "EXTERNAL_handoff_timeout"
TAKEN_INTENT = "EXTERNAL_handoff_taken"


def _json_error(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


class StaffBridge(InputChannel):
    """Endpoints the staff console calls; not a channel citizens write to."""

    def __init__(self, token: Optional[str] = None, store: Optional[HandoffStore] = None) -> None:
        self._token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        self._store = store
        if not self._token:
            logger.warning("%s is not set: the staff bridge refuses every request", TOKEN_ENV)

    @classmethod
    def name(cls) -> Text:
        return "staff"

    @property
    def store(self) -> HandoffStore:
        if self._store is None:
            self._store = HandoffStore.open()
        return self._store

    def _refusal(self, request: Request) -> Optional[HTTPResponse]:
        if not self._token:
            return _json_error(503, "staff bridge not configured")
        given = request.headers.get(HEADER, "")
        if not hmac.compare_digest(given.encode(), self._token.encode()):
            return _json_error(401, "invalid staff bridge token")
        return None

    def _ticket(self, request: Request) -> Optional[Ticket]:
        source = request.args if request.method == "GET" else (request.json or {})
        try:
            return self.store.ticket(int(source.get("ticket_id")))
        except (TypeError, ValueError):
            return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bridge = Blueprint("staff_bridge", __name__)

        def guarded(handler: Callable[[Request, Ticket], Awaitable[HTTPResponse]]) -> Callable:
            async def run(request: Request) -> HTTPResponse:
                refusal = self._refusal(request)
                if refusal:
                    return refusal
                try:
                    ticket = self._ticket(request)
                except Exception:  # noqa: BLE001 - malformed JSON body
                    return _json_error(400, "body must be JSON with a ticket_id")
                if ticket is None:
                    return _json_error(404, "no such ticket")
                return await handler(request, ticket)

            run.__name__ = handler.__name__
            return run

        async def reply(request: Request, ticket: Ticket) -> HTTPResponse:
            text = str((request.json or {}).get("text") or "").strip()
            if not text:
                return _json_error(400, "'text' is required")
            app = request.app
            delivered = await deliver_staff_reply(
                app.ctx.input_channels, ticket.channel, ticket.sender_id, text
            )
            if delivered:  # the conversation shows only what the citizen received
                staff = str((request.json or {}).get("staff") or "")
                await _record(app, ticket.sender_id, BotUttered(text, metadata={"staff": staff}))
            return response.json({"delivered": delivered})

        async def close(request: Request, ticket: Ticket) -> HTTPResponse:
            await _resume_with(request.app, ticket, CLOSED_INTENT)
            return response.json({"resumed": True})

        async def timeout(request: Request, ticket: Ticket) -> HTTPResponse:
            await _resume_with(request.app, ticket, TIMEOUT_INTENT)
            return response.json({"resumed": True})

        async def take(request: Request, ticket: Ticket) -> HTTPResponse:
            told = await _pause_for_staff(request.app, ticket)
            return response.json({"paused": True, "told": told})

        async def transcript(request: Request, ticket: Ticket) -> HTTPResponse:
            tracker = await request.app.ctx.agent.tracker_store.retrieve(ticket.sender_id)
            since = ticket.created_at.replace(tzinfo=dt.timezone.utc).timestamp()
            return response.json({"messages": _messages(tracker.events if tracker else [], since)})

        bridge.add_route(guarded(reply), "/reply", methods=["POST"])
        bridge.add_route(guarded(close), "/close", methods=["POST"])
        bridge.add_route(guarded(timeout), "/timeout", methods=["POST"])
        bridge.add_route(guarded(take), "/take", methods=["POST"])
        bridge.add_route(guarded(transcript), "/transcript", methods=["GET"])
        return bridge


def _output_channel(app: Any, channel_name: str) -> Any:
    channel = next((c for c in app.ctx.input_channels if c.name() == channel_name), None)
    output = channel.get_output_channel() if channel else None
    return output or CollectingOutputChannel()


async def _record(app: Any, sender_id: str, event: Any) -> None:
    agent = app.ctx.agent
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(sender_id)
        tracker.update(event)
        await agent.tracker_store.save(tracker)


async def _resume_with(app: Any, ticket: Ticket, intent: str) -> None:
    """Resume the bot for the conversation and run the turn of an external intent."""
    agent = app.ctx.agent
    output = _output_channel(app, ticket.channel)
    async with agent.lock_store.lock(ticket.sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(ticket.sender_id)
        tracker.update(ConversationResumed())
        # The paused turn never reached action_listen; without it no rule matches the next turn.
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await agent.processor.trigger_external_user_uttered(intent, None, tracker, output)


async def _pause_for_staff(app: Any, ticket: Ticket) -> bool:
    """Run the "staff took it" turn unless the bot is paused already; whether it ran."""
    agent = app.ctx.agent
    async with agent.lock_store.lock(ticket.sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(ticket.sender_id)
        if tracker.is_paused():
            return False
        output = _output_channel(app, ticket.channel)
        await agent.processor.trigger_external_user_uttered(TAKEN_INTENT, None, tracker, output)
    return True


def _messages(events: List[Any], since: float) -> List[Dict[str, str]]:
    messages = []
    for event in events:
        if (event.timestamp or 0) < since or not getattr(event, "text", None):
            continue
        if isinstance(event, UserUttered):
            who = "user"
        elif isinstance(event, BotUttered):
            who = "staff" if (event.metadata or {}).get("staff") else "bot"
        else:
            continue
        at = dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat()
        messages.append({"who": who, "text": event.text, "at": at})
    return messages
