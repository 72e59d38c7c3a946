"""The cluster under load: REST throughput and latency of closed-loop citizens for the
single-process SQLite default and for 1 and 2 Rasa instances on PostgreSQL + Redis behind nginx
(tests/cluster.py), side by side in one run; the failover gap when one of two instances is
killed; and where a turn's storage time goes (tracker reads, event writes, locks).

Each citizen asks five questions in one conversation, waits for each answer, then starts a new
conversation, for ``--seconds`` per load level after a warm-up. Everything runs on this machine,
load generator included (it takes part of the same cores).

    make bench-cluster            # or: python -m bench.cluster --seconds 20 --loads 20 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import aiohttp

from bench.channels import QUESTIONS
from tests.cluster import Cluster, Ports
from tests.servers import MODEL, ROOT, Servers


@dataclass
class Run:
    """What one load level measured."""

    latencies: List[float] = field(default_factory=list)
    answered_at: List[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0

    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


async def ask(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> bool:
    """One message; whether it got a 200 answer with at least one reply."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            return reply.status == 200 and bool(await reply.json())
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return False


async def citizen(session: aiohttp.ClientSession, url: str, until: float, run: Run) -> None:
    while time.perf_counter() < until:
        sender = f"bench-{uuid.uuid4().hex}"
        for question in QUESTIONS:
            if time.perf_counter() >= until:
                return
            started = time.perf_counter()
            ok = await ask(session, url, sender, question)
            if not ok:  # a request lost with its instance: asked again, as people do
                run.failures += 1
                ok = await ask(session, url, sender, question)
            if ok:
                now = time.perf_counter()
                run.latencies.append(now - started)
                run.answered_at.append(now)


async def load(
    url: str, users: int, seconds: float, during: Optional[Callable[[], None]] = None
) -> Run:
    """``users`` citizens for ``seconds``; ``during`` runs (in a thread) a third of the way in."""
    run = Run()
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=users + 10)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        for _ in range(3):  # warm-up: caches, connections
            await asyncio.gather(*(ask(session, url, f"warm-{n}", QUESTIONS[0]) for n in range(5)))
        started = time.perf_counter()
        tasks = [citizen(session, url, started + seconds, run) for _ in range(users)]
        if during is not None:

            async def later() -> None:
                await asyncio.sleep(seconds / 3)
                await asyncio.to_thread(during)

            tasks.append(later())
        await asyncio.gather(*tasks)
        run.seconds = time.perf_counter() - started
    return run


def longest_gap(stamps: List[float], after: float) -> float:
    """The longest time without an answer after ``after`` (seconds)."""
    times = sorted([after] + [t for t in stamps if t >= after])
    return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


def sqlite_default(workdir: Path, loads: List[int], seconds: float) -> Dict[int, Run]:
    """The `make run` setup: one Rasa, one action server, SQLite, in-memory locks."""
    workdir.mkdir(parents=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    env["KNOWLEDGE_DB_URL"] = f"sqlite:///{workdir / 'knowledge.db'}"
    servers = Servers(workdir, env)
    try:
        url = f"{servers.url}/webhooks/rest/webhook"
        return {users: asyncio.run(load(url, users, seconds)) for users in loads}
    finally:
        servers.stop()


def cluster_runs(
    workdir: Path, instances: int, loads: List[int], seconds: float, failover: bool
) -> Tuple[Dict[int, Run], Optional[Tuple[Run, float]]]:
    """The cluster with ``instances`` Rasa and action servers: each load, then the failover."""
    cluster = Cluster(workdir, Ports.free(instances, instances, 1)).start()
    try:
        url = f"{cluster.url}/webhooks/rest/webhook"
        runs = {users: asyncio.run(load(url, users, seconds)) for users in loads}
        killed: List[float] = []

        def kill() -> None:
            killed.append(time.perf_counter())
            cluster.rasa[0].kill()

        gap = None
        if failover:
            run = asyncio.run(load(url, loads[0], seconds, during=kill))
            gap = (run, longest_gap(run.answered_at, killed[0]))
        return runs, gap
    finally:
        cluster.stop()


def storage_costs(workdir: Path, rounds: int = 200) -> List[Tuple[str, float, float]]:
    """Milliseconds (median, p95) per tracker read, turn write and lock, per store."""
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.lock_store import SerializedRedisLockStore
    from bot.tracker_store import RedactingSQLTrackerStore
    from tests.services import PostgreSQL, Redis, pg_settings

    domain = Domain.load(str(ROOT / "domain.yml"))
    postgres = PostgreSQL(workdir / "pg-costs")
    redis = Redis(workdir / "redis-costs")
    try:
        pg = pg_settings(postgres)
        stores = {
            "SQLite": RedactingSQLTrackerStore(
                domain=domain, dialect="sqlite", db=str(workdir / "costs.db")
            ),
            "PostgreSQL": RedactingSQLTrackerStore(
                domain=domain,
                dialect="postgresql",
                host=pg["host"],
                port=pg["port"],
                db=pg["db"],
                username=pg["user"],
                password=pg["password"],
            ),
        }
        locks = {
            "in-memory": InMemoryLockStore(),
            "Redis": SerializedRedisLockStore(
                EndpointConfig(url="127.0.0.1", port=redis.port, db=1, key_prefix="costs")
            ),
        }
        results: List[Tuple[str, float, float]] = []

        async def measure() -> None:
            for name, store in stores.items():
                reads: List[float] = []
                writes: List[float] = []
                for n in range(rounds):
                    sender = f"costs-{n % 40}"  # conversations of up to 5 turns
                    started = time.perf_counter()
                    tracker = await store.retrieve(sender) or DialogueStateTracker(
                        sender, domain.slots
                    )
                    reads.append(time.perf_counter() - started)
                    for event in (
                        ActionExecuted("action_listen"),
                        UserUttered(QUESTIONS[n % 5], {"name": "ask_duration"}),
                        SlotSet("procedure_code", "1.000894"),
                        ActionExecuted("action_answer"),
                        BotUttered("Thời hạn giải quyết: 5 ngày làm việc."),
                        ActionExecuted("action_listen"),
                    ):
                        tracker.update(event)
                    started = time.perf_counter()
                    await store.save(tracker)
                    writes.append(time.perf_counter() - started)
                results.append((f"{name} tracker read", *_ms(reads)))
                results.append((f"{name} turn write (6 events)", *_ms(writes)))
            for name, lock_store in locks.items():
                times: List[float] = []
                for n in range(rounds):
                    started = time.perf_counter()
                    async with lock_store.lock(f"costs-{n}"):
                        pass
                    times.append(time.perf_counter() - started)
                results.append((f"{name} lock (acquire + release)", *_ms(times)))

        asyncio.run(measure())
        return results
    finally:
        postgres.stop()
        redis.stop()


def _ms(values: List[float]) -> Tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per load level")
    parser.add_argument("--loads", type=int, nargs="+", default=[20, 50])
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("models/current.tar.gz is missing: run `make train`")
    workdir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        print("SQLite default (one process)...", flush=True)
        setups = {"SQLite, 1 process": sqlite_default(workdir / "sqlite", args.loads, args.seconds)}
        print("PostgreSQL + Redis, 1 instance...", flush=True)
        one, _ = cluster_runs(workdir / "one", 1, args.loads, args.seconds, failover=False)
        setups["PG+Redis, 1 instance"] = one
        print("PostgreSQL + Redis, 2 instances (then one killed)...", flush=True)
        two, failover = cluster_runs(workdir / "two", 2, args.loads, args.seconds, failover=True)
        setups["PG+Redis, 2 instances"] = two
        print("Storage costs...", flush=True)
        costs = storage_costs(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nREST, closed-loop citizens, {args.seconds:.0f} s per level, 5 questions each\n")
    print(f"{'setup':<24} {'citizens':>8} {'msg/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'retried':>8}")
    for name, runs in setups.items():
        for users, run in runs.items():
            print(
                f"{name:<24} {users:>8} {run.rate():7.1f} {run.percentile(0.5):8.0f} "
                f"{run.percentile(0.95):8.0f} {run.failures:>8}"
            )
    if failover is not None:
        run, gap = failover
        print(
            f"\nFailover: 2 instances, {args.loads[0]} citizens, instance 1 killed (SIGKILL) a "
            f"third of the way in: longest time without any answer {gap:.2f} s; "
            f"{run.failures} requests failed and were asked again; {run.rate():.1f} msg/s."
        )
    print(f"\n{'storage, per operation':<40} {'median ms':>10} {'p95 ms':>8}")
    for name, median, p95 in costs:
        print(f"{name:<40} {median:10.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
