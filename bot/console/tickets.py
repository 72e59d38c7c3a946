"""Handoff tickets for staff: the queue, one ticket, take / reply / transfer / close.

- ``GET /queue`` and ``GET /tickets/{id}``: the pages.
- ``GET /api/queue``: tickets not closed, newest activity first; ``/api/queue/events`` the same
  as server-sent events (``queue``).
- ``GET /api/tickets/{id}``: the ticket with the conversation so far; ``/api/tickets/{id}/events``
  the same, live (``ticket``).
- ``GET /api/staff``: active staff, for a transfer.
- ``POST /api/tickets/{id}/take``, ``/reply {"text"}``, ``/transfer {"staff_id"}``, ``/close``.

A reply and a close go through the staff bridge first; the ticket changes only when the bridge
accepted, so a failure leaves nothing half done and the staff member can try again.
Taking a ticket whose citizen was already told that nobody was free (the bot answers again by
then) also asks the bridge to tell the citizen and pause the bot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Dict, Optional

from aiohttp import web

from bot.console import live
from bot.console.auth import describe
from bot.console.bridge import BridgeError
from bot.console.context import BRIDGE, STORE, json_response, staff_of
from bot.console.describe import (
    CHANNEL_LABELS,
    ProcedureName,
    allowed_actions,
    ticket_summary,
    ticket_view,
)
from bot.console.lookup import LIVE_INDEX
from bot.handoff.models import WAITING, Ticket
from bot.privacy import redact

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_REPLY_CHARS = 2000
TICKET_ID = r"{ticket_id:\d{1,9}}"

NOT_FOUND = "Không tìm thấy phiếu hỗ trợ này."
ALREADY_TAKEN = "Phiếu này đã có cán bộ khác tiếp nhận hoặc đã kết thúc."
TAKE_FIRST = "Vui lòng tiếp nhận phiếu trước khi trả lời."
NOT_IN_CHARGE = "Chỉ cán bộ đang phụ trách phiếu hoặc giám sát viên mới làm được việc này."
EMPTY_REPLY = "Vui lòng nhập nội dung trả lời."
LONG_REPLY = "Tin nhắn dài quá 2.000 ký tự, vui lòng rút gọn."
NO_TARGET = "Vui lòng chọn một cán bộ khác đang làm việc."
BRIDGE_DOWN = "Chưa kết nối được với trợ lý ảo. Vui lòng thử lại sau ít phút."
NOT_PAUSED = (
    "Đã tiếp nhận phiếu, nhưng chưa kết nối được với trợ lý ảo để tạm dừng nó: người dân chưa "
    "được báo, và trợ lý ảo vẫn đang trả lời."
)


def procedure_names(app: web.Application) -> ProcedureName:
    """Procedure short names by code, from the knowledge base."""
    knowledge = app[LIVE_INDEX].knowledge

    def name(code: str) -> Optional[str]:
        procedure = knowledge.procedure(code)
        return procedure.short_name if procedure else None

    return name


def _error(status: int, text: str) -> web.Response:
    return json_response({"error": text}, status=status)


async def queue_snapshot(app: web.Application) -> Dict[str, Any]:
    """Tickets not closed, newest activity first."""

    def build() -> Dict[str, Any]:
        name = procedure_names(app)
        return {"tickets": [ticket_summary(t, name) for t in app[STORE].queue()]}

    return await asyncio.to_thread(build)


async def _ticket_snapshot(request: web.Request, ticket_id: int) -> Optional[Dict[str, Any]]:
    app, staff = request.app, staff_of(request)
    store = app[STORE]
    ticket = await asyncio.to_thread(store.ticket, ticket_id)
    if ticket is None:
        return None
    try:
        conversation = await app[BRIDGE].transcript(ticket_id)
    except BridgeError as error:
        logger.warning("Transcript of ticket %d not available: %s", ticket_id, error)
        conversation = None

    def build() -> Dict[str, Any]:
        authors = {e.author_id for e in ticket.events if e.author_id}
        names = {i: s.display_name for i in authors if (s := store.staff(i)) is not None}
        return ticket_view(ticket, staff, procedure_names(app), names, conversation)

    return await asyncio.to_thread(build)


def _ticket_id(request: web.Request) -> int:
    return int(request.match_info["ticket_id"])


async def _load(request: web.Request) -> Ticket:
    ticket = await asyncio.to_thread(request.app[STORE].ticket, _ticket_id(request))
    if ticket is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": NOT_FOUND}, ensure_ascii=False),
            content_type="application/json",
        )
    return ticket


async def _body(request: web.Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _changed(request: web.Request, ticket_id: int) -> web.Response:
    await request.app[live.CHANGES].notify()
    return json_response(await _ticket_snapshot(request, ticket_id))


async def queue_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "queue.html")


async def ticket_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "ticket.html")


async def queue(request: web.Request) -> web.Response:
    return json_response(await queue_snapshot(request.app))


async def queue_events(request: web.Request) -> web.StreamResponse:
    return await live.stream(request, lambda: queue_snapshot(request.app), "queue")


async def ticket(request: web.Request) -> web.Response:
    view = await _ticket_snapshot(request, _ticket_id(request))
    return json_response(view) if view else _error(404, NOT_FOUND)


async def ticket_events(request: web.Request) -> web.StreamResponse:
    ticket_id = _ticket_id(request)
    if await _ticket_snapshot(request, ticket_id) is None:
        return _error(404, NOT_FOUND)
    return await live.stream(request, lambda: _ticket_snapshot(request, ticket_id), "ticket")


async def staff_members(request: web.Request) -> web.Response:
    members = await asyncio.to_thread(request.app[STORE].staff_members)
    return json_response({"staff": [describe(member) for member in members]})


async def take(request: web.Request) -> web.Response:
    before = await _load(request)
    taken = await asyncio.to_thread(request.app[STORE].take, _ticket_id(request), staff_of(request))
    if taken is None:
        return _error(409, ALREADY_TAKEN)
    if before.status == WAITING and before.timeout_notified_at is not None:
        # The citizen was told nobody was free and the bot answers again: pause it.
        try:
            await request.app[BRIDGE].take(taken.id)
        except BridgeError as error:
            logger.warning("Bot not paused for taken ticket %d: %s", taken.id, error)
            await request.app[live.CHANGES].notify()
            return _error(502, NOT_PAUSED)
    return await _changed(request, taken.id)


async def reply(request: web.Request) -> web.Response:
    ticket, staff = await _load(request), staff_of(request)
    text = str((await _body(request)).get("text") or "").strip()
    if not text:
        return _error(400, EMPTY_REPLY)
    if len(text) > MAX_REPLY_CHARS:
        return _error(400, LONG_REPLY)
    if not allowed_actions(ticket, staff)["reply"]:
        return _error(409, TAKE_FIRST)
    try:
        delivered = await request.app[BRIDGE].reply(ticket.id, text, staff.display_name)
    except BridgeError as error:
        logger.warning("Reply on ticket %d not sent: %s", ticket.id, error)
        return _error(502, BRIDGE_DOWN)
    if not delivered:
        channel = CHANNEL_LABELS.get(ticket.channel, ticket.channel)
        return _error(
            502,
            f"Kênh {channel} chưa nhận tin nhắn. Vui lòng thử lại, "
            "hoặc liên hệ người dân theo cách khác.",
        )
    await asyncio.to_thread(request.app[STORE].add_reply, ticket.id, staff, redact(text))
    return await _changed(request, ticket.id)


async def transfer(request: web.Request) -> web.Response:
    ticket, staff = await _load(request), staff_of(request)
    if not allowed_actions(ticket, staff)["transfer"]:
        return _error(409, NOT_IN_CHARGE)
    try:
        target_id = int((await _body(request)).get("staff_id"))
    except (TypeError, ValueError):
        return _error(400, NO_TARGET)
    store = request.app[STORE]
    target = await asyncio.to_thread(store.staff, target_id)
    if target is None or not target.active or target.id == ticket.assignee_id:
        return _error(400, NO_TARGET)
    await asyncio.to_thread(store.transfer, ticket.id, staff, target)
    return await _changed(request, ticket.id)


async def close(request: web.Request) -> web.Response:
    ticket, staff = await _load(request), staff_of(request)
    if not allowed_actions(ticket, staff)["close"]:
        return _error(409, NOT_IN_CHARGE)
    try:
        await request.app[BRIDGE].close(ticket.id)
    except BridgeError as error:
        logger.warning("Ticket %d not handed back to the bot: %s", ticket.id, error)
        return _error(502, BRIDGE_DOWN)
    await asyncio.to_thread(request.app[STORE].close, ticket.id, staff)
    return await _changed(request, ticket.id)


def setup(app: web.Application) -> None:
    """Add the ticket pages and API (the app holds STORE, BRIDGE, LIVE_INDEX and CHANGES)."""
    app.router.add_get("/queue", queue_page)
    app.router.add_get(f"/tickets/{TICKET_ID}", ticket_page)
    app.router.add_get("/api/queue", queue)
    app.router.add_get("/api/queue/events", queue_events)
    app.router.add_get("/api/staff", staff_members)
    app.router.add_get(f"/api/tickets/{TICKET_ID}", ticket)
    app.router.add_get(f"/api/tickets/{TICKET_ID}/events", ticket_events)
    app.router.add_post(f"/api/tickets/{TICKET_ID}/take", take)
    app.router.add_post(f"/api/tickets/{TICKET_ID}/reply", reply)
    app.router.add_post(f"/api/tickets/{TICKET_ID}/transfer", transfer)
    app.router.add_post(f"/api/tickets/{TICKET_ID}/close", close)
