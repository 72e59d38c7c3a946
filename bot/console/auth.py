"""Staff sign-in: bcrypt-checked passwords, server-side sessions, CSRF tokens and roles.

- ``GET /api/login`` gives a login CSRF token (also set as a cookie for that path only);
  ``POST /api/login {"username", "password"}`` with it in ``X-CSRF-Token`` starts a session:
  a random token in an HttpOnly, SameSite=Strict cookie (Secure over https, or always with
  ``CONSOLE_SECURE_COOKIES=1``), of which the database keeps only a hash.
- ``GET /api/session``: the staff member and the session's CSRF token; ``DELETE`` signs out.
- Everything else but ``/health``, ``/login`` and ``/static/`` needs a live session: ``/api/``
  answers 401 without one, pages redirect to ``/login``. Every state-changing request must
  carry the session's CSRF token in ``X-CSRF-Token`` (403 otherwise).
- Failed logins are throttled per account and per address (429), in the console's database
  (``bot.console.throttle``); the address is the client's (``bot.console.network``).
  Passwords are never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple
from urllib.parse import quote

from aiohttp import web

from bot.console.context import (
    CONFIG,
    SESSION_KEY,
    STAFF_KEY,
    STORE,
    json_response,
    session_of,
    staff_of,
)
from bot.console.network import client_address, over_https
from bot.console.throttle import LoginThrottle
from bot.handoff.models import SUPERVISOR, StaffAccount, StaffSession

logger = logging.getLogger(__name__)

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/health", "/login", "/api/login"})
MAX_PASSWORD_BYTES = 72  # bcrypt's limit
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SIGN_IN_NEEDED = "Vui lòng đăng nhập."
CSRF_REFUSED = "Phiên làm việc không hợp lệ. Vui lòng tải lại trang."
WRONG_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
SUPERVISORS_ONLY = "Chức năng này chỉ dành cho giám sát viên."
FORBIDDEN_PAGE = (
    '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Không có quyền truy cập</title>'
    f'<p>{SUPERVISORS_ONLY}</p><p><a href="/queue">Về hàng chờ</a></p></html>'
)


THROTTLE = web.AppKey("login_throttle", LoginThrottle)


def describe(staff: StaffAccount) -> Dict[str, Any]:
    """A staff member as the pages show them."""
    return {
        "id": staff.id,
        "username": staff.username,
        "name": staff.display_name,
        "role": staff.role,
        "supervisor": staff.role == SUPERVISOR,
    }


def _same(given: Optional[str], expected: Optional[str]) -> bool:
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())


def _secure(request: web.Request) -> bool:
    config = request.app[CONFIG]
    configured = config.secure_cookies
    return over_https(request, config.trusted_proxies) if configured is None else configured


def _error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/static/")


async def signed_in(request: web.Request) -> Optional[Tuple[StaffSession, StaffAccount]]:
    """The live session of the request's cookie and its account, or None."""
    config = request.app[CONFIG]
    return await asyncio.to_thread(
        request.app[STORE].session_staff,
        request.cookies.get(SESSION_COOKIE, ""),
        config.session_idle,
        config.session_lifetime,
    )


@web.middleware
async def require_staff(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Lets in signed-in staff only; state-changing requests also need the CSRF token."""
    if _public(request.path):
        return await handler(request)
    found = await signed_in(request)
    if found is None:
        if request.path.startswith("/api/"):
            return _error(401, SIGN_IN_NEEDED)
        raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
    session, staff = found
    if request.method not in SAFE_METHODS and not _same(
        request.headers.get(CSRF_HEADER), session.csrf_token
    ):
        return _error(403, CSRF_REFUSED)
    request[STAFF_KEY] = staff
    request[SESSION_KEY] = session
    return await handler(request)


def supervisor_only(handler: Handler) -> Handler:
    """Wraps a handler so that operators get 403."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if staff_of(request).role == SUPERVISOR:
            return await handler(request)
        if request.path.startswith("/api/"):
            return _error(403, SUPERVISORS_ONLY)
        return web.Response(status=403, text=FORBIDDEN_PAGE, content_type="text/html")

    return guarded


async def login_token(request: web.Request) -> web.Response:
    """``GET /api/login``: a fresh login CSRF token, as JSON and as a cookie."""
    token = secrets.token_urlsafe(32)
    response = json_response({"csrf": token})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
        path="/api/login",
        max_age=3600,
    )
    return response


async def log_in(request: web.Request) -> web.Response:
    """``POST /api/login``: check the password, start a session."""
    if not _same(request.headers.get(CSRF_HEADER), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _error(403, CSRF_REFUSED)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, WRONG_LOGIN)
    username = str(body.get("username") or "").strip()
    password = str(body.get("password") or "")
    throttle = request.app[THROTTLE]
    address = client_address(request, request.app[CONFIG].trusted_proxies)
    if await asyncio.to_thread(throttle.locked, username, address):
        return _error(429, LOCKED)
    store = request.app[STORE]
    staff = None
    if username and password and len(password.encode()) <= MAX_PASSWORD_BYTES:
        staff = await asyncio.to_thread(store.verify_login, username, password)
    if staff is None:
        await asyncio.to_thread(throttle.failed, username, address)
        logger.warning("Failed console login")
        return _error(401, WRONG_LOGIN)
    await asyncio.to_thread(throttle.succeeded, username, address)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        await asyncio.to_thread(store.end_session, previous)
    token, session = await asyncio.to_thread(store.start_session, staff)
    logger.info("Console login: staff #%d", staff.id)
    response = json_response({"staff": describe(staff), "csrf": session.csrf_token})
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(request), path="/"
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/api/login")
    return response


async def current_session(request: web.Request) -> web.Response:
    """``GET /api/session``: who is signed in, and the CSRF token for their requests."""
    return json_response(
        {"staff": describe(staff_of(request)), "csrf": session_of(request).csrf_token}
    )


async def log_out(request: web.Request) -> web.Response:
    """``DELETE /api/session``: end the session."""
    await asyncio.to_thread(request.app[STORE].end_session, request.cookies[SESSION_COOKIE])
    response = json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def setup(app: web.Application) -> None:
    """Install the guard and the sign-in routes (the app holds STORE and CONFIG)."""
    app[THROTTLE] = LoginThrottle(app[STORE].engine)
    app.middlewares.append(require_staff)
    app.router.add_get("/api/login", login_token)
    app.router.add_post("/api/login", log_in)
    app.router.add_get("/api/session", current_session)
    app.router.add_delete("/api/session", log_out)
