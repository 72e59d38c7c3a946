"""The staff console app: ``python -m bot.console.app [--port 5080]``.

Staff sign in (``bot.console.auth``; accounts from ``python -m bot.console.create_staff``) and
find handoff tickets (``tickets``), the procedure lookup (``lookup``) and, for supervisors, the
figures (``supervisor``). Configuration from the environment: ``STAFF_BRIDGE_TOKEN`` (required)
and the rest listed in ``bot.console.config``, ``KNOWLEDGE_DB_URL``, ``PROVINCE_PROFILE``,
``CONSOLE_HOST`` (default 0.0.0.0) and ``CONSOLE_PORT`` (default 5080).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, List, Optional

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from sqlalchemy.exc import SQLAlchemyError

from bot import log_redaction
from bot.console import auth, live, lookup, supervisor, tickets, timeouts
from bot.console.bridge import StaffBridge
from bot.console.config import ConfigError, ConsoleConfig
from bot.console.context import BRIDGE, CONFIG, STORE
from bot.console.network import over_https
from bot.handoff.store import HandoffStore
from bot.rate_limited_log import RateLimitedLog
from knowledge.profile import ProvinceProfile, load_profile
from knowledge.store import KnowledgeBase

problems = RateLimitedLog(logging.getLogger(__name__))
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEFAULT_PORT = 5080
STATIC = Path(__file__).parent / "static"
FIRST_SUPERVISOR_HINT = (
    "create the first supervisor with "
    "`.venv/bin/python -m bot.console.create_staff --supervisor USERNAME` (in the repository)"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Server": "staff-console",  # no software names or versions
}
HSTS = "max-age=31536000; includeSubDomains"
DATABASE_UNAVAILABLE = (
    "Hệ thống tạm thời chưa truy cập được cơ sở dữ liệu. Vui lòng thử lại sau ít phút."
)
DATABASE_UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Tạm thời gián đoạn</title>'
    f"<p>{DATABASE_UNAVAILABLE}</p></html>"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escaped(text: str) -> str:
    """``text`` with control characters (CR, LF, ...) written as escapes: a URL cannot forge
    access-log lines."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings (a search may hold a caller's phone or CCCD number),
    control characters escaped."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1f ms",
            escaped(request.method),
            escaped(request.path),
            response.status,
            time * 1000,
        )


@web.middleware
async def database_unavailable(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A database fault answers a clear 503 (a page, or JSON under /api/), never a 500."""
    try:
        return await handler(request)
    except SQLAlchemyError as error:
        problems.warning("database", "Console database unavailable: %s", type(error).__name__)
        if request.path.startswith("/api/"):
            return web.json_response({"error": DATABASE_UNAVAILABLE}, status=503)
        return web.Response(status=503, text=DATABASE_UNAVAILABLE_PAGE, content_type="text/html")


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if over_https(request, request.app[CONFIG].trusted_proxies):
        response.headers["Strict-Transport-Security"] = HSTS


async def _login_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "login.html")


async def _to_queue(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/queue")


async def _bridge_client(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[BRIDGE].close_client()


def create_app(
    knowledge: KnowledgeBase,
    profile: ProvinceProfile,
    store: HandoffStore,
    config: ConsoleConfig,
) -> web.Application:
    """The console: staff sign-in, tickets, lookup, supervisor page, overdue-ticket watch."""
    app = web.Application(middlewares=[database_unavailable])
    app[STORE] = store
    app[CONFIG] = config
    app[BRIDGE] = StaffBridge(config.rasa_url, config.bridge_token)
    app[live.CHANGES] = live.Changes()
    auth.setup(app)
    app.router.add_get("/health", _health)
    app.router.add_get("/", _to_queue)
    app.router.add_get("/login", _login_page)
    lookup.setup(app, knowledge, profile)
    tickets.setup(app)
    supervisor.setup(app)
    app.router.add_static("/static/", STATIC)
    app.cleanup_ctx.append(_bridge_client)
    app.cleanup_ctx.append(timeouts.watch)
    app.on_shutdown.append(live.on_shutdown)
    app.on_response_prepare.append(_security_headers)
    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.console.app")
    parser.add_argument("--host", default=os.environ.get("CONSOLE_HOST", "0.0.0.0"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("CONSOLE_PORT", DEFAULT_PORT))
    )
    args = parser.parse_args(argv)
    try:
        config = ConsoleConfig.from_env()
    except ConfigError as error:
        print(f"Staff console not started: {error}", file=sys.stderr)
        return 2
    log_redaction.install()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )
    store = HandoffStore.open()
    if not store.has_supervisor():
        logging.warning("No supervisor account yet: %s", FIRST_SUPERVISOR_HINT)
    app = create_app(KnowledgeBase.open(), load_profile(), store, config)
    web.run_app(app, host=args.host, port=args.port, access_log_class=PathOnlyAccessLogger)
    return 0


if __name__ == "__main__":
    sys.exit(main())
