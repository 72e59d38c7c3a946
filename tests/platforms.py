"""Fake Zalo OA and Messenger platform APIs on 127.0.0.1 for the channel tests.

Each fake is a small aiohttp.web application served from a background thread. It answers the way
the real platform does (see the contracts in bot/channels/zalo.py and messenger.py), records what
our connectors send, and lets a test script answers: errors for a user, expired tokens.
Also: signed webhook requests as the platforms make them, and a wait for a Rasa turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

from aiohttp import web

ZALO_APP_ID = "test-zalo-app"
ZALO_APP_SECRET = "test-zalo-app-secret"
ZALO_OA_SECRET_KEY = "test-zalo-oa-secret"
ZALO_SEED_ACCESS = "seed-access-token"
ZALO_SEED_REFRESH = "seed-refresh-token"
MESSENGER_APP_SECRET = "test-messenger-app-secret"
MESSENGER_PAGE_TOKEN = "test-page-token"
MESSENGER_VERIFY_TOKEN = "test-verify-token"
GRAPH_VERSION = "v25.0"


class FakeServer:
    """An aiohttp application served from a thread; records are guarded by ``changed``."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._runner: Optional[web.AppRunner] = None
        self._open = asyncio.Event()
        self._open.set()
        self.url = ""

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self, port: int = 0) -> FakeServer:
        """Serve on ``port`` of 127.0.0.1 (a free one by default: ``tests.servers.free_port``);
        ``url`` is then set."""
        from tests.servers import free_port

        port = port or (free_port() if os.environ.get("TEST_PORT_RANGE") else 0)
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            self.routes(app)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", port)
            await site.start()
            bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{bound}"
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("fake platform server did not start")
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def hold(self) -> None:
        """Keep message requests waiting (unanswered, unrecorded) until ``release()``."""
        self._loop.call_soon_threadsafe(self._open.clear)

    def release(self) -> None:
        """Answer the held message requests."""
        self._loop.call_soon_threadsafe(self._open.set)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 90) -> None:
        """Block until ``condition()`` holds (checked whenever a request is recorded)."""
        with self.changed:
            if not self.changed.wait_for(condition, timeout):
                raise TimeoutError("the fake platform did not receive what was expected")

    def _record(self, store: List[Any], item: Any) -> None:
        with self.changed:
            store.append(item)
            self.changed.notify_all()


class FakeZalo(FakeServer):
    """Zalo's consultation-message API and OA token endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.valid_access = {ZALO_SEED_ACCESS}
        self.valid_refresh = {ZALO_SEED_REFRESH}
        self.sent: List[Dict[str, Any]] = []
        self.refreshes: List[str] = []
        self.scripted: Dict[str, List[int]] = {}
        self._issued = 0

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v4/oa/access_token", self._token)

    def script(self, user_id: str, *errors: int) -> None:
        """Answer the next messages to ``user_id`` with these error codes, in order."""
        with self.changed:
            self.scripted[user_id] = list(errors)

    def messages_to(self, user_id: str) -> List[Dict[str, Any]]:
        """The ``message`` objects delivered to ``user_id``."""
        with self.changed:
            return [s["message"] for s in self.sent if s["user_id"] == user_id]

    async def _message(self, request: web.Request) -> web.Response:
        await self._open.wait()
        body = await request.json()
        user_id = body["recipient"]["user_id"]
        token = request.headers.get("access_token", "")
        with self.changed:
            if token not in self.valid_access:
                return web.json_response({"error": -216, "message": "Access token is invalid"})
            script = self.scripted.get(user_id) or []
            if script:
                code = script.pop(0)
                return web.json_response({"error": code, "message": f"scripted error {code}"})
        self._record(self.sent, {"user_id": user_id, "message": body["message"], "token": token})
        return web.json_response({"error": 0, "message": "Success", "data": {"message_id": "m"}})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        with self.changed:
            if (
                request.headers.get("secret_key") != ZALO_APP_SECRET
                or form.get("app_id") != ZALO_APP_ID
                or form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") not in self.valid_refresh
            ):
                return web.json_response(
                    {"error": -14014, "error_description": "Invalid refresh token"}
                )
            self.valid_refresh.discard(form["refresh_token"])  # single use
            self.valid_access.clear()
            self._issued += 1
            access, refresh = f"access-{self._issued}", f"refresh-{self._issued}"
            self.valid_access.add(access)
            self.valid_refresh.add(refresh)
        self._record(self.refreshes, access)
        answer = {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        return web.json_response(answer)


class FakeMessenger(FakeServer):
    """The Messenger Send API."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: List[Dict[str, Any]] = []
        self.actions: List[Dict[str, Any]] = []
        self.scripted: Dict[str, List[Tuple[int, Dict[str, Any]]]] = {}

    @property
    def api_url(self) -> str:
        return f"{self.url}/{GRAPH_VERSION}"

    def routes(self, app: web.Application) -> None:
        app.router.add_post(f"/{GRAPH_VERSION}/me/messages", self._messages)

    def script(self, psid: str, *answers: Tuple[int, Dict[str, Any]]) -> None:
        """Answer the next messages to ``psid`` with these (HTTP status, error object)s."""
        with self.changed:
            self.scripted[psid] = list(answers)

    def requests_to(self, psid: str) -> List[Dict[str, Any]]:
        """The Send API bodies (without sender actions) delivered to ``psid``."""
        with self.changed:
            return [s for s in self.sent if s["recipient"]["id"] == psid]

    async def _messages(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != MESSENGER_PAGE_TOKEN:
            error = {"code": 190, "message": "Invalid OAuth access token."}
            return web.json_response({"error": error}, status=400)
        body = await request.json()
        psid = body["recipient"]["id"]
        if "sender_action" not in body:
            await self._open.wait()
        if "sender_action" in body:
            self._record(self.actions, body)
            return web.json_response({"recipient_id": psid})
        with self.changed:
            script = self.scripted.get(psid) or []
            if script:
                status, error = script.pop(0)
                return web.json_response({"error": error}, status=status)
        self._record(self.sent, body)
        return web.json_response({"recipient_id": psid, "message_id": f"mid.{len(self.sent)}"})


def environment(zalo: FakeZalo, messenger: FakeMessenger) -> Dict[str, str]:
    """The channel secrets and API addresses for a Rasa server talking to the fakes."""
    return {
        "ZALO_APP_ID": ZALO_APP_ID,
        "ZALO_APP_SECRET": ZALO_APP_SECRET,
        "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET_KEY,
        "ZALO_ACCESS_TOKEN": ZALO_SEED_ACCESS,
        "ZALO_REFRESH_TOKEN": ZALO_SEED_REFRESH,
        "ZALO_API_URL": zalo.url,
        "ZALO_OAUTH_URL": zalo.url,
        "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": MESSENGER_PAGE_TOKEN,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN,
        "MESSENGER_API_URL": messenger.api_url,
    }


def zalo_event(
    user_id: str, text: str, msg_id: str, timestamp_ms: Optional[int] = None
) -> Tuple[bytes, Dict[str, str]]:
    """A signed ``user_send_text`` webhook request: (body, headers)."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    event = {
        "app_id": ZALO_APP_ID,
        "user_id_by_app": f"app-{user_id}",
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": user_id},
        "recipient": {"id": "test-oa"},
        "message": {"msg_id": msg_id, "text": text},
    }
    body = json.dumps(event, ensure_ascii=False).encode()
    return body, {"X-ZEvent-Signature": zalo_signature(body, timestamp)}


def zalo_signature(body: bytes, timestamp: str, secret: str = ZALO_OA_SECRET_KEY) -> str:
    """The X-ZEvent-Signature Zalo computes for ``body``."""
    signed = ZALO_APP_ID.encode() + body + timestamp.encode() + secret.encode()
    return "mac=" + hashlib.sha256(signed).hexdigest()


def messenger_delivery(entries: List[List[Dict[str, Any]]]) -> Tuple[bytes, Dict[str, str]]:
    """A signed webhook request with one entry per list of messaging events."""
    now = int(time.time() * 1000)
    body = json.dumps(
        {
            "object": "page",
            "entry": [{"id": "test-page", "time": now, "messaging": events} for events in entries],
        },
        ensure_ascii=False,
    ).encode()
    return body, {"X-Hub-Signature-256": messenger_signature(body)}


def messenger_signature(body: bytes, secret: str = MESSENGER_APP_SECRET) -> str:
    """The X-Hub-Signature-256 Meta computes for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def text_event(psid: str, text: str, mid: str, quick_reply: Optional[str] = None) -> Dict:
    """A Messenger ``message`` event from ``psid``."""
    message: Dict[str, Any] = {"mid": mid, "text": text}
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    return {
        "sender": {"id": psid},
        "recipient": {"id": "test-page"},
        "timestamp": int(time.time() * 1000),
        "message": message,
    }


def post(url: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, bytes]:
    """POST ``body``; the status and body of the answer, errors included."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def tracker_events(servers: Any, conversation: str) -> List[Dict[str, Any]]:
    """The events of a conversation, from Rasa's HTTP API."""
    url = f"{servers.url}/conversations/{conversation}/tracker?token={servers.token}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())["events"]


def user_texts(servers: Any, conversation: str) -> List[str]:
    """What the user said in a conversation, as Rasa recorded it."""
    return [
        e.get("text") or "" for e in tracker_events(servers, conversation) if e["event"] == "user"
    ]


def wait_for_turns(servers: Any, conversation: str, turns: int, timeout: float = 90) -> None:
    """Block until Rasa has finished ``turns`` user turns of ``conversation`` (replies sent)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = tracker_events(servers, conversation)
        users = sum(1 for e in events if e["event"] == "user")
        if (
            users >= turns
            and events[-1]["event"] == "action"
            and events[-1]["name"] == "action_listen"
        ):
            return
        time.sleep(0.3)
    raise TimeoutError(f"Rasa did not finish {turns} turns of {conversation}")


def execute_through_rasa(servers: Any, conversation: str, action: str = "utter_thank") -> None:
    """Run ``action`` for a conversation through Rasa's HTTP API, delivered on the channel the
    conversation came from (``output_channel=latest``), as staff tools may do."""
    url = (
        f"{servers.url}/conversations/{conversation}/execute"
        f"?output_channel=latest&token={servers.token}"
    )
    request = urllib.request.Request(
        url,
        data=json.dumps({"name": action}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 200
