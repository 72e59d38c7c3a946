"""Channel latency: how fast the Zalo OA and Messenger webhooks acknowledge an event, and how long
until the first reply reaches the platform, next to the REST channel's request-reply latency.

Real Rasa and action servers (started like the tests' ``channel_servers``); the platform APIs are
the tests' fakes on 127.0.0.1 (tests/platforms.py). Each simulated citizen asks a few questions,
one after the other; the citizens run concurrently.

    make bench-channels            # or: python -m bench.channels --users 20 --questions 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Awaitable, Callable, Dict, List, Tuple

import aiohttp

from tests.platforms import (
    FakeMessenger,
    FakeZalo,
    environment,
    messenger_delivery,
    text_event,
    zalo_event,
)
from tests.servers import MODEL, ROOT, Servers

QUESTIONS = [
    "đăng ký thường trú mất bao lâu",
    "lệ phí đăng ký kết hôn bao nhiêu",
    "làm hộ chiếu mất bao lâu",
    "cấp lại thẻ căn cước nộp online được không",
    "chứng thực chữ ký mất bao lâu",
]
Timings = Dict[str, List[float]]


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def rest_citizen(
    session: aiohttp.ClientSession, url: str, questions: int, t: Timings
) -> None:
    sender = f"bench-{uuid.uuid4().hex}"
    for question in QUESTIONS[:questions]:
        started = time.perf_counter()
        async with session.post(url, json={"sender": sender, "message": question}) as reply:
            await reply.read()
        t["reply"].append(time.perf_counter() - started)


async def webhook_citizen(
    session: aiohttp.ClientSession,
    url: str,
    request: Callable[[str], Tuple[bytes, Dict[str, str]]],
    replies: Callable[[], int],
    wait_for: Callable[[Callable[[], bool]], None],
    questions: int,
    t: Timings,
) -> None:
    for question in QUESTIONS[:questions]:
        before = replies()
        body, headers = request(question)
        started = time.perf_counter()
        async with session.post(url, data=body, headers=headers) as answer:
            assert answer.status == 200, answer.status
        t["ack"].append(time.perf_counter() - started)
        await asyncio.to_thread(wait_for, lambda before=before: replies() > before)
        t["reply"].append(time.perf_counter() - started)


def citizen(
    channel: str,
    session: aiohttp.ClientSession,
    servers: Servers,
    fakes: Tuple[FakeZalo, FakeMessenger],
    questions: int,
    timings: Timings,
) -> Awaitable[None]:
    """One simulated citizen on ``channel``."""
    url = f"{servers.url}/webhooks/{channel}/webhook"
    if channel == "rest":
        return rest_citizen(session, url, questions, timings)
    fake_zalo, fake_messenger = fakes
    if channel == "zalo":
        user = uuid.uuid4().hex[:12]
        return webhook_citizen(
            session,
            url,
            lambda q: zalo_event(user, q, f"msg-{uuid.uuid4()}"),
            lambda: len(fake_zalo.messages_to(user)),
            fake_zalo.wait_for,
            questions,
            timings,
        )
    psid = str(uuid.uuid4().int % 10**15)
    return webhook_citizen(
        session,
        url,
        lambda q: messenger_delivery([[text_event(psid, q, f"mid.{uuid.uuid4()}")]]),
        lambda: len(fake_messenger.requests_to(psid)),
        fake_messenger.wait_for,
        questions,
        timings,
    )


async def measure(
    servers: Servers, fakes: Tuple[FakeZalo, FakeMessenger], users: int, questions: int
) -> Dict[str, Tuple[Timings, float]]:
    """Per channel: the timings and the wall-clock seconds of ``users`` concurrent citizens."""
    results: Dict[str, Tuple[Timings, float]] = {}
    # Each webhook citizen blocks a thread while it waits for its reply; the default pool
    # (cores + 4 threads) would make some citizens queue for a thread, not for the bot.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=2 * users))
    async with aiohttp.ClientSession() as session:
        await rest_citizen(  # warm-up: the action server loads the knowledge base on first use
            session, f"{servers.url}/webhooks/rest/webhook", 1, {"ack": [], "reply": []}
        )
        for channel in ("rest", "zalo", "messenger"):
            timings: Timings = {"ack": [], "reply": []}
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    citizen(channel, session, servers, fakes, questions, timings)
                    for _ in range(users)
                )
            )
            results[channel] = (timings, time.perf_counter() - started)
    return results


def milliseconds(values: List[float]) -> str:
    """p50 and p95 of ``values`` (seconds), in milliseconds."""
    if not values:
        return f"{'—':>9} {'—':>9}"
    return f"{percentile(values, 0.5):7.1f}ms {percentile(values, 0.95):7.1f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("models/current.tar.gz is missing: run `make train`")
    fakes = FakeZalo().start(), FakeMessenger().start()
    workdir = Path(tempfile.mkdtemp(prefix="bench-channels-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", **environment(*fakes))
    env["KNOWLEDGE_DB_URL"] = f"sqlite:///{workdir / 'knowledge.db'}"
    print("Starting Rasa and the action server...", flush=True)
    servers = Servers(workdir, env)
    try:
        results = asyncio.run(measure(servers, fakes, args.users, args.questions))
    finally:
        servers.stop()
        for fake in fakes:
            fake.stop()
    print(f"\n{args.users} concurrent citizens x {args.questions} questions per channel\n")
    print(f"{'channel':<10} {'ack p50':>9} {'ack p95':>9} {'reply p50':>9} {'reply p95':>9} msg/s")
    for channel, (timings, seconds) in results.items():
        ack, reply = milliseconds(timings["ack"]), milliseconds(timings["reply"])
        print(f"{channel:<10} {ack} {reply} {len(timings['reply']) / seconds:5.1f}")
    print("\nack: the webhook's answer (Zalo, Messenger); reply: the first reply at the platform")
    print("(REST: the HTTP response, which carries the replies).")


if __name__ == "__main__":
    main()
