"""Procedure lookup for hotline staff: a JSON API and the page that uses it.

- ``GET /api/procedures?q=...&limit=10``: ranked procedures (accents optional, abbreviations,
  procedure codes);
- ``GET /api/procedures/{code}``: the full record (documents by case, channels, fees, times,
  online level, legal basis, source link, date checked, official records imported);
- ``GET /lookup``: the page (its script and style are the app's static files, ``/static/``).

Access control is the app's: these routes expect a guard in front of ``/api/``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Awaitable, Callable, Optional, Tuple

from aiohttp import web
from sqlalchemy import func, select

from bot.console.context import json_response
from knowledge import facts
from knowledge.models import Procedure
from knowledge.profile import ProvinceProfile
from knowledge.store import KnowledgeBase

STATIC = Path(__file__).parent / "static"
MAX_RESULTS = 50
RECHECK_SECONDS = 60.0


class LiveIndex:
    """The knowledge base, its search index rebuilt when an import has changed the database."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self._state = self._database_state()
        self._checked = time.monotonic()
        self._lock = asyncio.Lock()

    def _database_state(self) -> Tuple[int, Optional[object]]:
        with self.knowledge.session() as session:
            count, latest = session.execute(
                select(func.count(Procedure.code), func.max(Procedure.loaded_at))
            ).one()
        return count, latest

    async def fresh(self) -> KnowledgeBase:
        """The knowledge base, reindexed first if the database changed (checked once a minute)."""
        if time.monotonic() - self._checked < RECHECK_SECONDS:
            return self.knowledge
        async with self._lock:
            if time.monotonic() - self._checked >= RECHECK_SECONDS:
                state = await asyncio.to_thread(self._database_state)
                if state != self._state:
                    await asyncio.to_thread(self.knowledge.reindex)
                    self._state = state
                self._checked = time.monotonic()
        return self.knowledge


LIVE_INDEX = web.AppKey("live_index", LiveIndex)
PROFILE = web.AppKey("profile", ProvinceProfile)


async def search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if not query:
        return json_response({"error": "Nhập vài từ hoặc mã thủ tục."}, status=400)
    try:
        limit = min(max(int(request.query.get("limit", "10")), 1), MAX_RESULTS)
    except ValueError:
        return json_response({"error": "Tham số limit phải là số."}, status=400)
    knowledge = await request.app[LIVE_INDEX].fresh()
    found = await asyncio.to_thread(facts.hits, knowledge, query, request.app[PROFILE], limit)
    return json_response({"query": query, "results": found})


async def procedure(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    knowledge = await request.app[LIVE_INDEX].fresh()
    record = await asyncio.to_thread(facts.record, knowledge, code, request.app[PROFILE])
    if record is None:
        return json_response({"error": f"Không có thủ tục mã {code[:20]}."}, status=404)
    return json_response(record)


def _file(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def serve(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name)

    return serve


def setup(app: web.Application, knowledge: KnowledgeBase, profile: ProvinceProfile) -> None:
    """Add the lookup API and page to the console app."""
    app[LIVE_INDEX] = LiveIndex(knowledge)
    app[PROFILE] = profile
    app.router.add_get("/lookup", _file("lookup.html"))
    app.router.add_get("/api/procedures", search)
    app.router.add_get("/api/procedures/{code}", procedure)
