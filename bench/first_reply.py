"""Starts the real action server on a fresh database with the whole catalogue and measures the
time to its ready check, then the first and the following answers (``action_answer_procedure``
over HTTP, as Rasa calls it).

    python -m bench.first_reply            # or: make bench-first-reply
    python -m bench.first_reply --actions PACKAGE   # another actions package (a comparison)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import List

from tests.servers import ROOT, free_port

QUESTIONS = [
    "đăng ký khai sinh cần giấy tờ gì",
    "làm hộ chiếu mất bao lâu",
    "chứng thực bản sao ở đâu",
    "đăng ký khai sinh lưu động cần gì",
    "dang ky tam tru online duoc ko",
]
READY_TIMEOUT = 180.0


def call(port: int, text: str) -> float:
    """Seconds for one answer."""
    body = {
        "next_action": "action_answer_procedure",
        "sender_id": "bench",
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": "bench",
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": "ask_overview", "confidence": 1.0},
                "entities": [],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhook",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


def wait_ready(port: int, server: subprocess.Popen) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < READY_TIMEOUT:
        if server.poll() is not None:
            raise SystemExit("the action server stopped while starting")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the action server did not become ready")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_reply")
    parser.add_argument("--actions", default="actions", help="actions package to serve")
    args = parser.parse_args(argv)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, KNOWLEDGE_DB_URL=f"sqlite:///{Path(folder) / 'kb.db'}")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(ROOT)]))
        command = [sys.executable, "-m", "bot.serve", "run", "actions", "--actions", args.actions]
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            ready = wait_ready(port, server)
            first = call(port, QUESTIONS[0])
            later = [call(port, q) for q in QUESTIONS[1:] for _ in range(3)]
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"Actions package: {args.actions}")
    print(f"Ready check answered {ready:.1f} s after start (fresh database, whole catalogue)")
    print(f"First answer: {first * 1000:.0f} ms")
    print(
        f"Next answers: median {statistics.median(later) * 1000:.0f} ms, "
        f"max {max(later) * 1000:.0f} ms ({len(later)} answers)"
    )
    print(f"First / median of the next: {first / statistics.median(later):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
