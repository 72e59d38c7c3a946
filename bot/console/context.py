"""What the console's handlers share: the application's parts and the signed-in staff member."""

from __future__ import annotations

import json
from functools import partial

from aiohttp import web

from bot.console.bridge import StaffBridge
from bot.console.config import ConsoleConfig
from bot.handoff.models import StaffAccount, StaffSession
from bot.handoff.store import HandoffStore

STORE = web.AppKey("handoff_store", HandoffStore)
BRIDGE = web.AppKey("staff_bridge", StaffBridge)
CONFIG = web.AppKey("console_config", ConsoleConfig)
STAFF_KEY = "staff"  # request key: the StaffAccount signed in
SESSION_KEY = "staff_session"  # request key: its StaffSession
json_response = partial(web.json_response, dumps=partial(json.dumps, ensure_ascii=False))


def staff_of(request: web.Request) -> StaffAccount:
    """The staff member who made the request (set by the sign-in guard)."""
    return request[STAFF_KEY]


def session_of(request: web.Request) -> StaffSession:
    """The session the request came with (set by the sign-in guard)."""
    return request[SESSION_KEY]
