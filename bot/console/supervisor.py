"""The supervisor page (supervisors only; operators get 403).

- ``GET /supervisor``: the page;
- ``GET /api/supervisor/figures?days=30``: the handoff figures of the last 7, 30 or 90 days;
- ``GET /api/supervisor/answers?days=30``: how good the answers were (👍 / 👎 per answer type
  and procedure, the most 👎'd answers with their conversations, unanswered questions);
- ``GET /api/supervisor/answers.csv?days=30&table=...``: one of those tables as CSV
  (``answer_types``, ``procedures``, ``disliked``, ``unanswered``);
- ``GET /api/supervisor/feedback/{id}/conversation``: the conversation a 👎 was given in, masked.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

from aiohttp import web

from bot.console import conversation_events
from bot.console.answer_quality import TABLES, answer_quality, conversation_label, csv_table
from bot.console.auth import supervisor_only
from bot.console.context import CONFIG, STORE, json_response
from bot.console.indicators import load_thresholds
from bot.console.statistics import Period, supervisor_figures
from bot.console.tickets import procedure_names
from bot.feedback.store import FeedbackStore

STATIC = Path(__file__).parent / "static"
PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
THRESHOLDS = web.AppKey("indicator_thresholds", dict)
FEEDBACK = web.AppKey("feedback_store", FeedbackStore)
BAD_PERIOD = "Chọn 7, 30 hoặc 90 ngày."
BAD_TABLE = "Không có bảng số liệu này."
NO_FEEDBACK = "Không tìm thấy đánh giá này."
NO_CONVERSATIONS = "Chưa đọc được dữ liệu hội thoại."


async def page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "supervisor.html")


def _period(request: web.Request) -> Optional[Period]:
    try:
        days = int(request.query.get("days", DEFAULT_DAYS))
    except ValueError:
        return None
    return Period.last_days(days) if days in PERIODS else None


async def figures(request: web.Request) -> web.Response:
    period = _period(request)
    if period is None:
        return json_response({"error": BAD_PERIOD}, status=400)
    app = request.app
    result = await asyncio.to_thread(
        supervisor_figures,
        app[STORE],
        app[CONFIG].conversations_db_url,
        procedure_names(app),
        period,
        app[CONFIG].handoff_timeout,
        app[THRESHOLDS],
    )
    return json_response(result)


async def _quality(request: web.Request, period: Period, limited: bool) -> dict:
    app = request.app
    return await asyncio.to_thread(
        answer_quality,
        app[FEEDBACK],
        app[CONFIG].conversations_db_url,
        procedure_names(app),
        period,
        limited,
    )


async def answers(request: web.Request) -> web.Response:
    period = _period(request)
    if period is None:
        return json_response({"error": BAD_PERIOD}, status=400)
    return json_response(await _quality(request, period, limited=True))


async def answers_csv(request: web.Request) -> web.Response:
    period = _period(request)
    table = request.query.get("table", "")
    if period is None:
        return json_response({"error": BAD_PERIOD}, status=400)
    if table not in TABLES:
        return json_response({"error": BAD_TABLE}, status=400)
    body = csv_table(await _quality(request, period, limited=False), table)
    name = f"{table}-{period.first_day.isoformat()}-{period.dates()[-1].isoformat()}.csv"
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def feedback_conversation(request: web.Request) -> web.Response:
    feedback_id = int(request.match_info["feedback_id"])
    app = request.app
    row = await asyncio.to_thread(app[FEEDBACK].get, feedback_id)
    if row is None:
        return json_response({"error": NO_FEEDBACK}, status=404)
    messages = await asyncio.to_thread(
        conversation_events.transcript,
        app[CONFIG].conversations_db_url,
        row.conversation_id,
        row.created_at,
    )
    if messages is None:
        return json_response({"error": NO_CONVERSATIONS}, status=404)
    return json_response(
        {"conversation": conversation_label(row.conversation_id), "messages": messages}
    )


def setup(app: web.Application) -> None:
    """Add the supervisor page and its figures (thresholds from indicators.yml)."""
    app[THRESHOLDS] = load_thresholds()
    app[FEEDBACK] = FeedbackStore(app[STORE].engine)
    app.router.add_get("/supervisor", supervisor_only(page))
    app.router.add_get("/api/supervisor/figures", supervisor_only(figures))
    app.router.add_get("/api/supervisor/answers", supervisor_only(answers))
    app.router.add_get("/api/supervisor/answers.csv", supervisor_only(answers_csv))
    app.router.add_get(
        r"/api/supervisor/feedback/{feedback_id:\d{1,9}}/conversation",
        supervisor_only(feedback_conversation),
    )
