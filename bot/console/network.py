"""Who is calling the console, and over what: behind a configured trusted reverse proxy
(``CONSOLE_TRUSTED_PROXIES``), its ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed;
from anyone else they are ignored (a client could write them)."""

from __future__ import annotations

from typing import FrozenSet

from aiohttp import web


def _forwarded(request: web.Request, header: str) -> list[str]:
    return [part.strip() for part in request.headers.get(header, "").split(",") if part.strip()]


def client_address(request: web.Request, trusted: FrozenSet[str]) -> str:
    """The client's address: the peer's, or behind trusted proxies the nearest untrusted
    address they forwarded."""
    remote = request.remote or ""
    if remote not in trusted:
        return remote
    for address in reversed(_forwarded(request, "X-Forwarded-For")):
        if address not in trusted:
            return address
    return remote


def over_https(request: web.Request, trusted: FrozenSet[str]) -> bool:
    """Whether the client reached us over https (directly, or as a trusted proxy says)."""
    if request.secure:
        return True
    protos = _forwarded(request, "X-Forwarded-Proto")
    return (request.remote or "") in trusted and bool(protos) and protos[-1].lower() == "https"
