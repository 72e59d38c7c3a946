"""The supervisor page (supervisors only; operators get 403).

- ``GET /supervisor``: the page;
- ``GET /api/supervisor/figures?days=30``: the figures of the last 7, 30 or 90 days.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from bot.console.auth import supervisor_only
from bot.console.context import CONFIG, STORE, json_response
from bot.console.indicators import load_thresholds
from bot.console.statistics import Period, supervisor_figures
from bot.console.tickets import procedure_names

STATIC = Path(__file__).parent / "static"
PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
THRESHOLDS = web.AppKey("indicator_thresholds", dict)


async def page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "supervisor.html")


async def figures(request: web.Request) -> web.Response:
    try:
        days = int(request.query.get("days", DEFAULT_DAYS))
    except ValueError:
        days = 0
    if days not in PERIODS:
        return json_response({"error": "Chọn 7, 30 hoặc 90 ngày."}, status=400)
    app = request.app
    result = await asyncio.to_thread(
        supervisor_figures,
        app[STORE],
        app[CONFIG].conversations_db_url,
        procedure_names(app),
        Period.last_days(days),
        app[CONFIG].handoff_timeout,
        app[THRESHOLDS],
    )
    return json_response(result)


def setup(app: web.Application) -> None:
    """Add the supervisor page and its figures (thresholds from indicators.yml)."""
    app[THRESHOLDS] = load_thresholds()
    app.router.add_get("/supervisor", supervisor_only(page))
    app.router.add_get("/api/supervisor/figures", supervisor_only(figures))
