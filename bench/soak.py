"""Reliability soak: concurrent citizens on REST, Zalo and Messenger while faults are injected.

Real Rasa and action servers (as the tests start them, on 127.0.0.1 only), the platform APIs are
the tests' fakes (tests/platforms.py), live handoff on with staff off duty (so "gặp cán bộ"
leads to a call-back request). While the citizens talk, the soak kills the action server and
starts it again, locks the knowledge database, locks the conversation database and stops Rasa
before releasing it (what Rasa could not write must survive it), starts Rasa again and then
replays platform deliveries seen before the restart. A citizen told that the system is busy
sends the message again a few seconds later, as the message asks. It prints what the citizens
got and what was kept, and, once the servers have stopped, the personal numbers left in clear in
any file of the run's folder, each with its file and a masked context (``bench.privacy_scan``):

    make soak                                  # about 4 minutes
    python -m bench.soak --citizens 12 --seconds 150 --max-messages 4000
    python -m bench.soak --ports 7200 --keep /tmp/soak   # fixed ports; keep logs and stores

Bounded by time (``--seconds`` of traffic) and count (``--max-messages``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, Dict, List, Optional, Tuple

import aiohttp

from bench import privacy_scan
from tests.platforms import (
    FakeMessenger,
    FakeZalo,
    environment,
    messenger_delivery,
    text_event,
    zalo_event,
)
from tests.servers import MODEL, ROOT, Servers

CCCD, OTP, PHONE = "048090123456", "482913", "0912345678"
QUESTIONS = [
    "xin chào",
    "đăng ký khai sinh cần giấy tờ gì",
    "lệ phí bao nhiêu",
    f"số cccd của tôi là {CCCD}",
    f"mã otp của tôi là {OTP}",
    "làm căn cước cần gì",
    "cảm ơn",
]
CALL_BACK = ["gặp cán bộ", PHONE]
CALLBACK_ASKED = "số điện thoại"
CALLBACK_CONFIRMED = "gọi lại số"
BUSY = "hệ thống đang bận"
BUSY_PAUSE = 5.0  # seconds before a citizen told "busy" sends the message again
BUSY_TRIES = 6
REPLY_WAIT = 150.0  # seconds a webhook citizen waits for the answer at most
OFF_DUTY = ROOT / "tests" / "fixtures" / "provinces" / "tinh-ngoai-gio.yml"


@dataclass
class Figures:
    """What the citizens sent and got."""

    requests: int = 0
    with_text: int = 0
    empty: int = 0
    rest_server_errors: int = 0
    webhook_server_errors: int = 0
    busy: int = 0  # "busy" answers, the message sent again
    refused_while_restarting: int = 0
    accepted: int = 0  # messages Rasa took (REST answered, webhook acknowledged)
    callbacks_requested: int = 0
    callbacks_confirmed: int = 0
    senders: Dict[str, str] = field(default_factory=dict)  # conversation id -> channel
    accepted_by: Counter = field(default_factory=Counter)  # conversation id -> messages taken
    deliveries: List[Tuple[str, bytes, Dict[str, str]]] = field(default_factory=list)


class Soak:
    """The servers, the fakes and the citizens of one run."""

    def __init__(
        self, workdir: Path, citizens: int, seconds: float, max_messages: int, ports: int = 0
    ) -> None:
        self.workdir = workdir
        self.citizens = citizens
        self.seconds = seconds
        self.max_messages = max_messages
        self.figures = Figures()
        # Rasa, the action server, the fake Zalo and Messenger: PORTS to PORTS+3, else free ones.
        rasa, actions, zalo, messenger = (ports + i if ports else 0 for i in range(4))
        self.zalo, self.messenger = FakeZalo().start(zalo), FakeMessenger().start(messenger)
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            TF_CPP_MIN_LOG_LEVEL="3",
            KNOWLEDGE_DB_URL=f"sqlite:///{workdir / 'knowledge.db'}",
            STAFF_BRIDGE_TOKEN="soak-bridge-token-0123456789",
            PROVINCE_PROFILE=str(OFF_DUTY),
            CALLBACK_SPOOL_DIR=str(workdir / "callback-spool"),
            **environment(self.zalo, self.messenger),
        )
        self.servers = Servers(workdir, env, rasa_port=rasa, actions_port=actions)
        self.knowledge_db = workdir / "knowledge.db"
        self.unexpected_exits = 0
        self.stopped = False
        self.rss_start = _rss_mb(self.servers.processes[1].pid)
        self.rss_peak = self.rss_start

    # --- citizens --------------------------------------------------------------------------

    async def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=90)) as http:
            self.http = http
            faults = asyncio.ensure_future(self.faults())
            await asyncio.gather(*(self.citizen(i, deadline) for i in range(self.citizens)))
            await faults

    async def citizen(self, index: int, deadline: float) -> None:
        channel = ("rest", "zalo", "messenger")[index % 3]
        rounds = 0
        while time.monotonic() < deadline and self.figures.requests < self.max_messages:
            user = f"soak-{index}-{uuid.uuid4().hex[:8]}"
            script = QUESTIONS[: random.randint(2, len(QUESTIONS))]
            if rounds % 2 == 1:
                script = ["xin chào", *CALL_BACK]
            rounds += 1
            reply = ""
            for text in script:
                if time.monotonic() >= deadline:
                    return
                asked_for_number = CALLBACK_ASKED in reply
                send = {"rest": self.rest, "zalo": self.zalo_turn, "messenger": self.meta_turn}
                reply = await send[channel](user, text)
                for _ in range(BUSY_TRIES):
                    if BUSY not in reply.lower() or time.monotonic() >= deadline:
                        break
                    self.figures.busy += 1
                    await asyncio.sleep(BUSY_PAUSE)
                    reply = await send[channel](user, text)
                if text == PHONE and asked_for_number:
                    self.figures.callbacks_requested += 1
                    if CALLBACK_CONFIRMED in reply:
                        self.figures.callbacks_confirmed += 1
                await asyncio.sleep(random.uniform(0.2, 1.0))

    async def _with_retries(self, attempt: Callable[[], Awaitable[Optional[str]]]) -> str:
        """Send like a platform or a client would: again, a second later, after a refused
        connection or a webhook's 5xx."""
        for _ in range(120):
            try:
                reply = await attempt()
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError):
                self.figures.refused_while_restarting += 1
                reply = None
            if reply is not None:
                return reply
            await asyncio.sleep(1.0)
        return ""

    async def rest(self, user: str, text: str) -> str:
        self.figures.senders[user] = "rest"
        self.figures.requests += 1
        url = f"{self.servers.url}/webhooks/rest/webhook"

        async def attempt() -> Optional[str]:
            async with self.http.post(url, json={"sender": user, "message": text}) as answer:
                body = await answer.json(content_type=None)
                status = answer.status
            reply = " ".join(m.get("text", "") for m in body if isinstance(m, dict)).strip()
            if status >= 500:
                self.figures.rest_server_errors += 1
            else:
                self.figures.accepted += 1
                self.figures.accepted_by[user] += 1
            self._count(reply)
            return reply

        return await self._with_retries(attempt)

    def _count(self, reply: str) -> None:
        if reply:
            self.figures.with_text += 1
        else:
            self.figures.empty += 1

    async def zalo_turn(self, user: str, text: str) -> str:
        conversation = f"zalo-{user}"
        body, headers = zalo_event(user, text, f"soak-{uuid.uuid4().hex}")
        before = len(self.zalo.messages_to(user))
        return await self._webhook(
            conversation,
            f"{self.servers.url}/webhooks/zalo/webhook",
            body,
            headers,
            lambda: [m.get("text", "") for m in self.zalo.messages_to(user)[before:]],
        )

    async def meta_turn(self, user: str, text: str) -> str:
        conversation = f"messenger-{user}"
        body, headers = messenger_delivery([[text_event(user, text, f"m.{uuid.uuid4().hex}")]])
        before = len(self.messenger.requests_to(user))

        def replies() -> List[str]:
            sent = self.messenger.requests_to(user)[before:]
            return [_messenger_text(request["message"]) for request in sent]

        return await self._webhook(
            conversation, f"{self.servers.url}/webhooks/messenger/webhook", body, headers, replies
        )

    async def _webhook(
        self,
        conversation: str,
        url: str,
        body: bytes,
        headers: Dict[str, str],
        replies: Callable[[], List[str]],
    ) -> str:
        self.figures.senders[conversation] = url
        self.figures.requests += 1
        self.figures.deliveries.append((url, body, headers))

        async def attempt() -> Optional[str]:
            async with self.http.post(url, data=body, headers=headers) as answer:
                status = answer.status
            if status >= 500:
                self.figures.webhook_server_errors += 1
                return None  # the platform delivers it again
            self.figures.accepted += 1
            self.figures.accepted_by[conversation] += 1
            return "acknowledged"

        if not await self._with_retries(attempt):
            self._count("")
            return ""
        waited = time.monotonic() + REPLY_WAIT
        while time.monotonic() < waited:
            got = replies()
            if got:
                await asyncio.sleep(0.5)  # the rest of the turn's messages
                reply = " ".join(replies()).strip()
                self._count(reply)
                return reply
            await asyncio.sleep(0.3)
        self._count("")
        return ""

    # --- faults ----------------------------------------------------------------------------

    async def faults(self) -> None:
        """The outages, spread over the run; then deliveries replayed after the restart."""
        step = self.seconds / 9  # Rasa restarts about two thirds into the traffic
        await self._watch(step)
        print(f"[soak] {self._at()} action server killed for {step:.0f} s", flush=True)
        self.servers.processes[0].counted = True  # type: ignore[attr-defined] # on purpose
        self.servers.stop_actions()
        await self._watch(step)
        await asyncio.to_thread(self.servers.restart_actions)
        print(f"[soak] {self._at()} knowledge database locked for {step:.0f} s", flush=True)
        async with self._locked(self.knowledge_db):
            await self._watch(step)
        await self._watch(step / 2)
        print(f"[soak] {self._at()} conversation database locked for {step:.0f} s", flush=True)
        async with self._locked(self.servers.conversations_db):
            await self._watch(step)
            replayed = await self._stop_rasa()
        print(f"[soak] {self._at()} Rasa started again", flush=True)
        await asyncio.to_thread(self.servers.restart_rasa)
        print(f"[soak] {self._at()} {len(replayed)} deliveries replayed", flush=True)
        for url, body, headers in replayed:
            try:
                async with self.http.post(url, data=body, headers=headers) as answer:
                    await answer.read()
            except aiohttp.ClientError:
                pass

    @contextlib.asynccontextmanager
    async def _locked(self, path: Path) -> AsyncIterator[None]:
        """Another connection holding the database's exclusive lock meanwhile."""
        holder = sqlite3.connect(path, isolation_level=None, timeout=30)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    async def _stop_rasa(self) -> List[Tuple[str, bytes, Dict[str, str]]]:
        """Stop Rasa (what it could not write waits on disk); the deliveries to replay."""
        replayed = list(self.figures.deliveries[-30:])
        print(f"[soak] {self._at()} Rasa stopped while the conversation database is locked")
        self.rss_before_restart = _rss_mb(self.servers.processes[1].pid)
        self.servers.processes[1].counted = True  # type: ignore[attr-defined] # on purpose
        self.servers.processes[1].terminate()
        await asyncio.to_thread(self.servers.processes[1].wait, 60)
        return replayed

    async def _watch(self, seconds: float) -> None:
        """Wait, noting unexpected process exits and Rasa's memory."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            for process in self.servers.processes:
                if process.poll() is not None and not getattr(process, "counted", False):
                    process.counted = True  # type: ignore[attr-defined]
                    self.unexpected_exits += 1
            self.rss_peak = max(self.rss_peak, _rss_mb(self.servers.processes[1].pid))
            await asyncio.sleep(1.0)

    def _at(self) -> str:
        return time.strftime("%H:%M:%S")

    # --- report ----------------------------------------------------------------------------

    def report(self) -> List[Tuple[str, str]]:
        figures = self.figures
        time.sleep(5)  # the last writes (spool, conversation store retries)
        conversations = sqlite3.connect(self.servers.conversations_db)
        senders = list(figures.senders)
        user_events = [
            json.loads(row[1]) | {"sender": row[0]}
            for row in conversations.execute(
                "select sender_id, data from events where type_name = 'user'"
            )
            if row[0] in figures.senders
        ]
        ids = [(e["sender"], e.get("message_id")) for e in user_events if e.get("message_id")]
        duplicates = len(ids) - len(set(ids))
        stored = len(user_events)
        stored_by = Counter(event["sender"] for event in user_events)
        lost = {c: n - stored_by[c] for c, n in figures.accepted_by.items() if n > stored_by[c]}
        if lost:
            print(f"[soak] conversations with messages accepted but not stored: {lost}")
        spooled = len(list((self.workdir / "conversation-spool").glob("*.json")))
        knowledge = sqlite3.connect(self.knowledge_db)
        placeholders = ",".join("?" * len(senders)) or "''"
        tickets = knowledge.execute(
            f"select count(*) from handoff_ticket where status = 'callback' "
            f"and sender_id in ({placeholders})",
            senders,
        ).fetchone()[0]
        conversations.close()
        knowledge.close()
        rss_end = _rss_mb(self.servers.processes[1].pid)
        self.stop()  # all the servers leave: logs, databases, spools, inbox
        found = privacy_scan.scan(self.workdir, {"CCCD": CCCD, "OTP": OTP, "phone": PHONE})
        for finding in found.in_storage + found.in_logs:
            print(f"[soak] unmasked number: {finding.line()}")
        logs = {
            name: (self.workdir / name).read_text(encoding="utf-8", errors="replace")
            for name in ("rasa.log", "actions.log")
        }
        log_lines = {name: len(text.splitlines()) for name, text in logs.items()}
        tracebacks = sum(text.count("Traceback") for text in logs.values())
        inbox_left = [p for p in (self.workdir / "webhook-inbox").rglob("*") if p.is_file()]
        return [
            ("requests (messages sent by citizens)", str(figures.requests)),
            ("replies with text", str(figures.with_text)),
            ("empty replies (no text, or none within 150 s)", str(figures.empty)),
            ("'busy' answers (the citizen sent the message again)", str(figures.busy)),
            (
                "5xx answers: REST / webhooks (delivered again)",
                f"{figures.rest_server_errors} / {figures.webhook_server_errors}",
            ),
            (
                "connections refused while Rasa restarted (sent again)",
                str(figures.refused_while_restarting),
            ),
            ("unexpected process exits", str(self.unexpected_exits)),
            ("messages accepted vs stored", f"{figures.accepted} vs {stored}"),
            ("conversations still waiting on disk", str(spooled)),
            (
                "call-backs requested / confirmed / tickets",
                f"{figures.callbacks_requested} / {figures.callbacks_confirmed} / {tickets}",
            ),
            ("duplicate deliveries processed (30 replayed)", str(duplicates)),
            (
                f"unmasked CCCD/OTP/phone in storage / logs (all {found.files} files)",
                f"{len(found.in_storage)} / {len(found.in_logs)}",
            ),
            (
                "call-back numbers kept for staff (tickets, call-back spool; apart)",
                str(len(found.callbacks)),
            ),
            (
                "same digits inside timestamps, decimals, ids (no number; apart)",
                str(len(found.look_alikes)),
            ),
            ("webhook inbox files left after the run", str(len(inbox_left))),
            (
                "log lines rasa / actions (tracebacks)",
                f"{log_lines['rasa.log']} / {log_lines['actions.log']} ({tracebacks})",
            ),
            (
                "Rasa RSS MB: start / peak / before restart / end (new process)",
                f"{self.rss_start:.0f} / {self.rss_peak:.0f} / "
                f"{getattr(self, 'rss_before_restart', 0):.0f} / {rss_end:.0f}",
            ),
        ]

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.servers.stop()
        self.zalo.stop()
        self.messenger.stop()


def _messenger_text(message: Dict) -> str:
    if "text" in message:
        return message["text"]
    return message.get("attachment", {}).get("payload", {}).get("text", "")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--citizens", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--max-messages", type=int, default=4000)
    parser.add_argument(
        "--keep", type=Path, help="a folder to keep the servers' logs and databases in"
    )
    parser.add_argument(
        "--ports",
        type=int,
        default=int(os.environ.get("SOAK_PORTS") or 0),
        help="first of 4 consecutive ports of 127.0.0.1 for Rasa, the action server and the fake "
        "Zalo and Messenger (default $SOAK_PORTS, else free ports chosen by the system)",
    )
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("models/current.tar.gz is missing: run `make train`")
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        started = time.monotonic()
        soak = Soak(Path(folder), args.citizens, args.seconds, args.max_messages, args.ports)
        try:
            asyncio.run(soak.run())
            rows = soak.report()
        finally:
            soak.stop()
            if args.keep:  # logs, databases and spools
                shutil.copytree(folder, args.keep, dirs_exist_ok=True)
    print(
        f"\nSoak: {args.citizens} citizens, {args.seconds:.0f} s of traffic "
        f"({time.monotonic() - started:.0f} s in all)\n"
    )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
