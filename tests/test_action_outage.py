"""An action-server outage under real servers: every turn gets text (the short "busy" message
with the hotline), a conversation whose session start failed answers normally once the action
server is back, a call-back number sent during the outage is asked again and taken when sent
again, also when the action server was down exactly when the call-back was to be stored, and
the outage writes a few log lines, no tracebacks. Also: button payloads in domain
responses are not read as templates (no interpolator errors)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import urllib.request
import uuid
from typing import Iterator, Set

import aiohttp
import pytest
from aiohttp import web
from rasa.core.agent import Agent
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.log_utils import configure_structlog
from sqlalchemy.exc import OperationalError

from bot import action_failures
from bot.busy import busy_text
from tests.conftest import BRIDGE_TOKEN, start_servers
from tests.platforms import FakeServer
from tests.servers import ROOT, Servers, free_port
from tests.test_e2e_rest import Citizen, post


@pytest.fixture(scope="module")
def outage_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = start_servers(tmp_path_factory, "outage_servers")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def off_duty_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Live handoff on, staff never on duty: a request for a person asks for a call-back number."""
    running = start_servers(
        tmp_path_factory,
        "off_duty_servers",
        STAFF_BRIDGE_TOKEN=BRIDGE_TOKEN,
        PROVINCE_PROFILE=str(ROOT / "tests" / "fixtures" / "provinces" / "tinh-ngoai-gio.yml"),
    )
    yield running
    running.stop()


@pytest.mark.servers
def test_turns_during_an_outage_get_text_and_conversations_recover(outage_servers) -> None:  # noqa: ANN001
    citizens = [Citizen(outage_servers) for _ in range(3)]
    outage_servers.stop_actions()
    try:
        for citizen, question in zip(
            citizens, ["xin chào", "đăng ký khai sinh cần giấy tờ gì", "cảm ơn"], strict=True
        ):
            for _ in range(2):
                text = citizen.text(question)
                assert text.strip(), "an empty reply during the outage"
                assert "None" not in text
    finally:
        outage_servers.restart_actions()
    answer = citizens[1].text("đăng ký khai sinh cần giấy tờ gì")
    assert busy_text() not in answer and "khai sinh" in answer.lower()
    assert busy_text() not in citizens[0].text("lệ phí đăng ký kết hôn")
    log = outage_servers.rasa_log()
    assert "Traceback" not in log
    failure_lines = [line for line in log.splitlines() if "failed" in line.lower()]
    assert 0 < len(failure_lines) <= 6, failure_lines


@pytest.mark.servers
def test_personal_numbers_stay_masked_when_actions_fail(outage_servers) -> None:  # noqa: ANN001
    citizen = Citizen(outage_servers)
    personal = {"phone": "0912345678", "cccd": "048090123456"}
    outage_servers.stop_actions()
    try:
        message = "CCCD 048090123456, otp482913"
        body = {"sender": citizen.sender, "message": message, "metadata": personal}
        request = post(citizen.url, body)
        with urllib.request.urlopen(request, timeout=60) as reply:
            assert json.loads(reply.read())[0]["text"]
    finally:
        outage_servers.restart_actions()
    rows = sqlite3.connect(outage_servers.conversations_db).execute(
        "select data from events where sender_id = ?", (citizen.sender,)
    )
    stored = json.dumps([json.loads(row[0]) for row in rows], ensure_ascii=False)
    assert "•••456" in stored
    for raw in ("0912345678", "048090123456", "482913"):
        assert raw not in stored
        assert raw not in outage_servers.rasa_log()


@pytest.mark.servers
def test_a_call_back_number_sent_in_an_outage_is_taken_when_sent_again(off_duty_servers) -> None:  # noqa: ANN001
    citizen = Citizen(off_duty_servers)
    assert "số điện thoại" in citizen.text("gặp cán bộ")
    off_duty_servers.stop_actions()
    try:
        during = citizen.text("0912345678")
        assert "hệ thống đang bận" in during.lower()
        assert "số điện thoại" in during  # the form still waits for the number
    finally:
        off_duty_servers.restart_actions()
    assert "gọi lại số •••678" in citizen.text("0912345678")  # neither a rating nor lost
    tickets = sqlite3.connect(off_duty_servers.workdir / "knowledge.db").execute(
        "select callback_phone, status from handoff_ticket where sender_id = ?", (citizen.sender,)
    )
    assert tickets.fetchall() == [("0912345678", "callback")]


class ActionServerFault(FakeServer):
    """Stands on the action server's port and forwards to the real one (moved to another port),
    except the calls of the actions in ``down``: refused as by a server that is down."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.down: Set[str] = set()

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{path:.*}", self._forward)

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST" and json.loads(body or b"{}").get("next_action") in self.down:
            return web.Response(status=503, text="action server unavailable")
        async with aiohttp.ClientSession() as session:
            async with session.request(
                request.method, self.target + request.path_qs, data=body, headers=request.headers
            ) as reply:
                return web.Response(
                    status=reply.status, body=await reply.read(), content_type=reply.content_type
                )

    def serve_on(self, port: int) -> None:
        """Serve on ``port`` instead of a free one."""

        async def serve() -> None:
            app = web.Application()
            self.routes(app)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", port).start()

        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)


@pytest.mark.servers
def test_a_call_back_number_sent_again_after_storing_it_failed_gets_its_ticket(
    off_duty_servers,  # noqa: ANN001
) -> None:
    servers = off_duty_servers
    port = servers.actions_port
    servers.stop_actions()
    servers.actions_port = free_port()
    servers.restart_actions()
    fault = ActionServerFault(f"http://127.0.0.1:{servers.actions_port}")
    fault.serve_on(port)
    try:
        citizen = Citizen(servers)
        assert "số điện thoại" in citizen.text("gặp cán bộ")
        fault.down = {"action_store_callback"}  # the number is valid, storing it fails
        during = citizen.text("0912345678")
        assert "hệ thống đang bận" in during.lower()
        assert "số điện thoại" in during  # asked again
        fault.down = set()
        assert "gọi lại số •••678" in citizen.text("0912345678")
    finally:
        fault.stop()
        servers.stop_actions()
        servers.actions_port = port
        servers.restart_actions()
    tickets = sqlite3.connect(servers.workdir / "knowledge.db").execute(
        "select callback_phone, status from handoff_ticket where sender_id = ?", (citizen.sender,)
    )
    assert tickets.fetchall() == [("0912345678", "callback")]


def test_the_busy_message_gives_the_provinces_hotline() -> None:
    assert "1022" in busy_text() and "thử lại" in busy_text()


async def test_button_payloads_are_not_read_as_templates(
    trained_agent: Agent, caplog: pytest.LogCaptureFixture
) -> None:
    configure_structlog(logging.INFO)  # Rasa's structured logs through logging, as the server
    domain = trained_agent.domain
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = DialogueStateTracker.from_events(f"t-{uuid.uuid4()}", [], domain.slots)
    with caplog.at_level(logging.DEBUG):
        message = await nlg.generate("utter_ask_account_topic", tracker, "rest")
    assert message["buttons"][0]["payload"] == '/inform_account{"account_topic":"create"}'
    assert not [r for r in caplog.records if "interpolator" in r.name]


def test_action_server_tracebacks_become_one_line(caplog: pytest.LogCaptureFixture) -> None:
    action_failures.install()
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            try:
                raise OperationalError("select", {}, Exception("database is locked"))
            except OperationalError:
                logging.getLogger("rasa_sdk.endpoint").exception("Exception occurred")
    lines = [r for r in caplog.records if r.name in ("rasa_sdk.endpoint", "bot.action_failures")]
    assert [r.getMessage() for r in lines] == ["Custom action failed: OperationalError"]
    assert not any(r.exc_info for r in lines)
