"""Keeps the HTTP connection to the action server open between actions.

Rasa opens a new client session, and so a new TCP connection, for every custom action it runs.
The action endpoint is now read as a ``KeepAliveEndpointConfig``: one session per event loop,
whose idle connections are dropped after ``IDLE_SECONDS``, well before the action server (Sanic,
5 s by default) closes them, so a request never goes out on a connection the server is
closing. Requests themselves are Rasa's own (``EndpointConfig.request``); the JSON body is
encoded with ujson. The sessions are closed when the server stops.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Dict, Optional, Text, Type

import aiohttp
import rasa.core.run
import rasa.core.utils
import ujson
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

ACTION_ENDPOINT = "action_endpoint"
IDLE_SECONDS = 2.0

_read_endpoint_config = rasa.core.utils.read_endpoint_config
_close_resources = rasa.core.run.close_resources


class _KeptSession:
    """``async with`` on a kept session: uses it without closing it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        return None


class KeepAliveEndpointConfig(EndpointConfig):
    """An endpoint whose requests share one session per event loop."""

    _sessions: Dict[asyncio.AbstractEventLoop, aiohttp.ClientSession]

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> KeepAliveEndpointConfig:
        """The same endpoint configuration, keeping its connections."""
        kept = cls(
            endpoint.url,
            endpoint.params,
            endpoint.headers,
            endpoint.basic_auth,
            endpoint.token,
            endpoint.token_name,
            endpoint.cafile,
            **endpoint.kwargs,
        )
        kept.type = endpoint.type
        return kept

    def session(self) -> _KeptSession:  # type: ignore[override]
        """This loop's session, created on first use, wrapped so that Rasa does not close it."""
        sessions = self.__dict__.setdefault("_sessions", {})
        loop = asyncio.get_running_loop()
        for stale in [old for old in sessions if old.is_closed()]:
            del sessions[stale]
        session = sessions.get(loop)
        if session is None or session.closed:
            auth = (
                aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth
                else None
            )
            session = sessions[loop] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
                json_serialize=ujson.dumps,
            )
        return _KeptSession(session)

    async def close(self) -> None:
        """Close this loop's session."""
        session = self.__dict__.get("_sessions", {}).pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()


def read_endpoint_config(filename: Text, endpoint_type: Text) -> Optional[EndpointConfig]:
    """Rasa's reader, returning the action endpoint as a ``KeepAliveEndpointConfig``."""
    endpoint = _read_endpoint_config(filename, endpoint_type)
    if endpoint is not None and endpoint_type == ACTION_ENDPOINT:
        return KeepAliveEndpointConfig.of(endpoint)
    return endpoint


async def close_resources(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Rasa's shutdown listener, which also closes the action endpoint's session."""
    await _close_resources(app, loop)
    agent = getattr(app.ctx, "agent", None)
    endpoint = getattr(agent, "action_endpoint", None)
    if isinstance(endpoint, KeepAliveEndpointConfig):
        await endpoint.close()


def install() -> None:
    """Read the action endpoint as a kept-alive one, and close it on shutdown."""
    rasa.core.utils.read_endpoint_config = read_endpoint_config
    rasa.core.run.close_resources = close_resources
