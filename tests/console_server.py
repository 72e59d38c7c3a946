"""The staff console as the tests run it: a real ``python -m bot.console.app`` process on a free
127.0.0.1 port, over a SQLite database holding the curated files, the official samples and one
operator account; and a client that signs in as that operator.

For the handoff: staff accounts (``create_accounts``), a signed-in JSON client that sends the
CSRF token (``StaffClient``), a reader of server-sent events (``EventStream``) and a fake of the
Rasa server's staff bridge (``FakeBridge``). An end-to-end test runs the console against the
real servers with ``running_console(folder, servers.knowledge_db_url, {"RASA_URL": servers.url})``
after ``create_accounts(servers.knowledge_db_url)``; the bridge secret is conftest's."""

from __future__ import annotations

import datetime as dt
import http.client
import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from aiohttp import web
from conftest import BRIDGE_TOKEN
from official_samples import write_all
from platforms import FakeServer

from bot.handoff.store import HandoffStore
from knowledge.importers.command import import_paths
from knowledge.store import KnowledgeBase
from tests.servers import ROOT, free_port, wait_until

USERNAME = "tongdai01"
PASSWORD = "mat-khau-thu-nghiem-7c41"
SECOND_OPERATOR = ("tongdai02", "mat-khau-thu-nghiem-2b9e")
SUPERVISOR = ("giamsat01", "mat-khau-giam-sat-4d1a")


def sample_database(folder: Path) -> str:
    """A database URL with the curated files, one file of each official format and an operator."""
    url = f"sqlite:///{folder / 'knowledge.db'}"
    import_paths(KnowledgeBase.open(url), [write_all(folder / "official")])
    HandoffStore.open(url).create_staff(USERNAME, "Tổng đài viên thử nghiệm", PASSWORD)
    return url


def create_accounts(database_url: str) -> None:
    """The operator (``USERNAME``, "Nguyễn Thị Lan"), ``SECOND_OPERATOR`` and ``SUPERVISOR``,
    e.g. in the database of the real servers (``servers.knowledge_db_url``)."""
    store = HandoffStore.open(database_url)
    store.create_staff(USERNAME, "Nguyễn Thị Lan", PASSWORD)
    store.create_staff(SECOND_OPERATOR[0], "Trần Văn Minh", SECOND_OPERATOR[1])
    store.create_staff(SUPERVISOR[0], "Lê Thu Hà", SUPERVISOR[1], role="supervisor")


def handoff_database(folder: Path) -> str:
    """A database URL with the curated procedures and the accounts of ``create_accounts``."""
    url = f"sqlite:///{folder / 'knowledge.db'}"
    KnowledgeBase.open(url)
    create_accounts(url)
    return url


@contextmanager
def running_console(
    folder: Path, database_url: str, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[str]:
    """The console's base URL while it runs (the default Đà Nẵng profile); ``extra_env`` adds
    or overrides settings, e.g. ``RASA_URL`` of a real Rasa server or of a ``FakeBridge``."""
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        KNOWLEDGE_DB_URL=database_url,
        STAFF_BRIDGE_TOKEN=BRIDGE_TOKEN,
        RASA_URL=f"http://127.0.0.1:{free_port()}",  # no Rasa: the lookup does not need it
        CONVERSATIONS_DB_URL=f"sqlite:///{folder / 'conversations.db'}",
        CONSOLE_HOST="127.0.0.1",
        CONSOLE_PORT=str(port),
    )
    env.update(extra_env or {})
    env.pop("PROVINCE_PROFILE", None)
    url = f"http://127.0.0.1:{port}"
    with open(folder / "console.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.console.app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"the console exited; see {folder / 'console.log'}")
            urllib.request.urlopen(f"{url}/health", timeout=2)
            return True

        try:
            wait_until(ready, 120, "the staff console")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def signed_in(
    url: str, username: str = USERNAME, password: str = PASSWORD
) -> urllib.request.OpenerDirector:
    """An HTTP client holding a staff session cookie (login CSRF token, then password)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{url}/api/login", timeout=10) as response:
        csrf = json.loads(response.read())["csrf"]
    login = urllib.request.Request(
        f"{url}/api/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        method="POST",
    )
    opener.open(login, timeout=10).close()
    return opener


class StaffClient:
    """A signed-in staff member's HTTP client: JSON both ways, the session's CSRF token on every
    change (``csrf=None`` leaves it out, a string replaces it)."""

    def __init__(self, url: str, username: str = USERNAME, password: str = PASSWORD) -> None:
        self.url = url
        self.opener = signed_in(url, username, password)
        self.csrf = ""
        self.csrf = self.get("/api/session")[1]["csrf"]

    def request(
        self, method: str, path: str, body: Any = None, csrf: Optional[str] = "session"
    ) -> Tuple[int, Any]:
        """Status and decoded JSON body."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if csrf is not None and method != "GET":
            headers["X-CSRF-Token"] = self.csrf if csrf == "session" else csrf
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def get(self, path: str) -> Tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Tuple[int, Any]:
        return self.request("POST", path, body)


class FakeBridge(FakeServer):
    """The Rasa server's staff bridge (bot/channels/staff.py) on 127.0.0.1: records what the
    console asks, keeps a transcript per ticket, checks the shared token. ``delivered`` is what
    a reply answers; ``down`` makes every request fail with 503."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.transcripts: Dict[int, List[Dict[str, str]]] = {}
        self.delivered = True
        self.down = False

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/webhooks/staff/{action:reply|close|timeout|take}", self._act)
        app.router.add_get("/webhooks/staff/transcript", self._transcript)

    def calls_of(self, action: str) -> List[Dict[str, Any]]:
        with self.changed:
            return [body for name, body in self.calls if name == action]

    def say(self, ticket_id: int, who: str, text: str) -> None:
        """Add a message to a ticket's conversation, as Rasa records it."""
        with self.changed:
            self.transcripts.setdefault(ticket_id, []).append(
                {"who": who, "text": text, "at": dt.datetime.now(dt.timezone.utc).isoformat()}
            )

    def _refused(self, request: web.Request) -> Optional[web.Response]:
        if self.down:
            return web.json_response({"error": "down"}, status=503)
        if request.headers.get("X-Staff-Bridge-Token") != BRIDGE_TOKEN:
            return web.json_response({"error": "invalid staff bridge token"}, status=401)
        return None

    async def _act(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        action, body = request.match_info["action"], await request.json()
        if action == "reply":
            self.say(body["ticket_id"], "staff", body["text"])
        self._record(self.calls, (action, body))
        if action == "reply":
            return web.json_response({"delivered": self.delivered})
        if action == "take":
            return web.json_response({"paused": True, "told": True})
        return web.json_response({"resumed": True})

    async def _transcript(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        with self.changed:
            messages = list(self.transcripts.get(int(request.query["ticket_id"]), []))
        return web.json_response({"messages": messages})


class EventStream:
    """A server-sent event stream read with the staff member's session cookie."""

    def __init__(self, client: StaffClient, path: str) -> None:
        parsed = urllib.parse.urlsplit(client.url)
        cookies = [h for h in client.opener.handlers if hasattr(h, "cookiejar")][0].cookiejar
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        self.connection.request(
            "GET", path, headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in cookies)}
        )
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"].startswith("text/event-stream")

    def next(self) -> Tuple[str, Dict[str, Any]]:
        """The next event's name and data (keep-alive comments skipped)."""
        name, data = "", ""
        while True:
            line = self.response.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data += line[len("data: ") :]
            elif not line and data:
                return name, json.loads(data)

    def close(self) -> None:
        self.connection.close()
