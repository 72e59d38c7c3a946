"""The project's pipeline against Rasa's default pipeline (DIET + TED), side by side.

Both are trained on the same data; the script prints training time, intent accuracy on the
held-out split, and messages per second with p50/p95 latency over the REST channel at 1 and 20
concurrent users (10-turn conversations, fresh sender ids). The two Rasa servers run one after
the other against the same action server, so they do not share the CPU.

    make bench                     # or: python -m bench.pipeline_vs_default --conversations 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIGS = {"project": ROOT / "config.yml", "rasa default": ROOT / "bench" / "config_default.yml"}
CONVERSATION = [
    "xin chào",
    "cho em hỏi đăng ký thường trú cần giấy tờ gì ạ",
    "nộp online được không",
    "mất bao lâu vậy",
    "le phi bao nhieu",
    "nộp ở đâu",
    "lam cccd can giay to j",
    "thủ tục đăng ký kết hôn",
    "cảm ơn nhé",
    "tạm biệt",
]


@dataclass
class Load:
    users: int
    messages: int
    seconds: float
    latencies: List[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def environment() -> Dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")


def train(name: str, config: Path, out: Path) -> float:
    # A fresh cache: Rasa would otherwise reuse components trained by an earlier run.
    env = dict(environment(), RASA_CACHE_DIRECTORY=tempfile.mkdtemp(prefix="bench-cache-"))
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "rasa"),
            "train",
            "--config",
            str(config),
            "--domain",
            str(ROOT / "domain.yml"),
            "--data",
            str(ROOT / "nlu_data"),
            "--out",
            str(out),
            "--fixed-model-name",
            name.replace(" ", "-"),
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def held_out_accuracy(model: Path, out: Path) -> float:
    subprocess.run(
        [
            str(BIN / "rasa"),
            "test",
            "nlu",
            "--model",
            str(model),
            "--nlu",
            str(ROOT / "tests" / "nlu"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=environment(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return json.loads((out / "intent_report.json").read_text())["accuracy"]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


async def converse(session: aiohttp.ClientSession, url: str, latencies: List[float]) -> None:
    sender = f"bench-{uuid.uuid4()}"
    for message in CONVERSATION:
        started = time.perf_counter()
        async with session.post(url, json={"sender": sender, "message": message}) as reply:
            reply.raise_for_status()
            await reply.read()
        latencies.append(time.perf_counter() - started)


async def load(url: str, users: int, conversations: int) -> Load:
    latencies: List[float] = []
    queue: asyncio.Queue = asyncio.Queue()
    for _ in range(conversations):
        queue.put_nowait(None)

    async def user(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            queue.get_nowait()
            await converse(session, url, latencies)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await converse(session, url, [])  # warm-up, not counted
        started = time.perf_counter()
        await asyncio.gather(*(user(session) for _ in range(users)))
        seconds = time.perf_counter() - started
    return Load(users, len(latencies), seconds, latencies)


def serve_and_load(
    model: Path, project: bool, actions_port: int, port: int, conversations: int
) -> List[Load]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    endpoints = workdir / "endpoints.yml"
    # Both keep conversations in memory. The project's action endpoint keeps its own settings.
    action_endpoint = {"url": f"http://127.0.0.1:{actions_port}/webhook"}
    if project:
        deployed = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        action_endpoint = {**deployed["action_endpoint"], **action_endpoint}
    endpoints.write_text(yaml.safe_dump({"action_endpoint": action_endpoint}), encoding="utf-8")
    log = open(workdir / "rasa.log", "wb")
    # The project runs as deployed (bot.serve: Rasa plus the runtime fixes); the default
    # pipeline runs on stock Rasa.
    launcher = [str(BIN / "python"), "-m", "bot.serve"] if project else [str(BIN / "rasa")]
    server = subprocess.Popen(
        [
            *launcher,
            "run",
            "--model",
            str(model),
            "--enable-api",
            "--auth-token",
            "bench",
            "--endpoints",
            str(endpoints),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/status?token=bench", server)
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        return [asyncio.run(load(url, users, conversations)) for users in (1, 20)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40, help="per load level")
    args = parser.parse_args()

    out = Path(tempfile.mkdtemp(prefix="bench-models-"))
    results: Dict[str, Dict[str, object]] = {}
    for name, config in CONFIGS.items():
        print(f"training {name} pipeline...", flush=True)
        seconds = train(name, config, out)
        model = out / f"{name.replace(' ', '-')}.tar.gz"
        accuracy = held_out_accuracy(model, out / f"{name.replace(' ', '-')}-nlu")
        results[name] = {"train": seconds, "accuracy": accuracy, "model": model}

    actions_port, base_port = 5155, 5105
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{actions_port}/health", actions)
        for offset, name in enumerate(CONFIGS):
            print(f"load test of {name} pipeline...", flush=True)
            model = results[name]["model"]
            loads = serve_and_load(
                model, name == "project", actions_port, base_port + offset, args.conversations
            )
            results[name]["loads"] = loads
    finally:
        actions.terminate()
        actions.wait(timeout=30)

    print_table(results, args.conversations)


def print_table(results: Dict[str, Dict[str, object]], conversations: int) -> None:
    project, default = results["project"], results["rasa default"]
    rows = [
        ("training time (s)", "train", lambda v: f"{v:.1f}"),
        ("held-out intent accuracy", "accuracy", lambda v: f"{v:.3f}"),
    ]
    print(f"\n{'':34}{'project':>12}{'rasa default':>14}{'ratio':>9}")
    for label, key, fmt in rows:
        a, b = project[key], default[key]
        print(f"{label:34}{fmt(a):>12}{fmt(b):>14}{a / b:>8.2f}x")
    for index, users in enumerate((1, 20)):
        a, b = project["loads"][index], default["loads"][index]
        print(
            f"{f'msgs/s, {users} user(s)':34}{a.rate:>12.1f}{b.rate:>14.1f}{a.rate / b.rate:>8.2f}x"
        )
        for share in (0.5, 0.95):
            label = f"p{int(share * 100)} latency ms, {users} user(s)"
            pa, pb = a.percentile(share), b.percentile(share)
            print(f"{label:34}{pa:>12.1f}{pb:>14.1f}{pa / pb:>8.2f}x")
    print(
        f"({conversations} ten-turn conversations per load level, REST channel, "
        f"{os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
