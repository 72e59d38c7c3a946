"""The console's client of the staff bridge inside the Rasa server (``bot/channels/staff.py``).

This is the only place that knows the bridge's URLs. Every request carries the shared secret in
``X-Staff-Bridge-Token``; a refused or failed request raises ``BridgeError``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import aiohttp

HEADER = "X-Staff-Bridge-Token"
TIMEOUT = aiohttp.ClientTimeout(total=15)


class BridgeError(RuntimeError):
    """The Rasa server could not be reached or refused the request."""


class StaffBridge:
    """Acts on a ticket's conversation through the Rasa server."""

    def __init__(self, rasa_url: str, token: str) -> None:
        self._base = f"{rasa_url.rstrip('/')}/webhooks/staff"
        self._token = token
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, headers={HEADER: self._token})
        return self._session

    async def close_client(self) -> None:
        """Release the HTTP connections (when the console stops)."""
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        try:
            async with self._client().request(method, f"{self._base}/{path}", **kwargs) as reply:
                if reply.status != 200:
                    raise BridgeError(f"staff bridge {path}: HTTP {reply.status}")
                body = await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise BridgeError(f"staff bridge {path}: {error.__class__.__name__}") from error
        if not isinstance(body, dict):
            raise BridgeError(f"staff bridge {path}: unexpected answer")
        return body

    async def reply(self, ticket_id: int, text: str, staff: str) -> bool:
        """Send a staff reply to the citizen; whether their channel accepted it."""
        body = await self._call(
            "POST", "reply", json={"ticket_id": ticket_id, "text": text, "staff": staff}
        )
        return bool(body.get("delivered"))

    async def close(self, ticket_id: int) -> None:
        """Hand the conversation back to the bot, which asks the citizen for a rating."""
        await self._call("POST", "close", json={"ticket_id": ticket_id})

    async def timeout(self, ticket_id: int) -> None:
        """Tell the citizen nobody is free yet and offer a call-back."""
        await self._call("POST", "timeout", json={"ticket_id": ticket_id})

    async def take(self, ticket_id: int) -> bool:
        """Pause the bot for a ticket taken after its timeout offer; whether the citizen was
        told (False when the conversation was still paused)."""
        body = await self._call("POST", "take", json={"ticket_id": ticket_id})
        return bool(body.get("told"))

    async def transcript(self, ticket_id: int) -> List[Dict[str, str]]:
        """The conversation since the ticket opened: ``[{"who", "text", "at"}]``."""
        body = await self._call("GET", "transcript", params={"ticket_id": str(ticket_id)})
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise BridgeError("staff bridge transcript: no messages")
        return [
            {"who": str(m.get("who", "")), "text": str(m.get("text", "")), "at": str(m.get("at"))}
            for m in messages
            if isinstance(m, dict)
        ]
