"""Real servers for tests and the evaluation: the action server and Rasa with the trained model,
on free ports of 127.0.0.1, with the project's endpoints (this run's action server and
conversation database)."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"


def free_port() -> int:
    """A free port of 127.0.0.1: in ``TEST_PORT_RANGE`` ("7200-7399") when it is set (a machine
    whose other servers must not be disturbed), else any the system chooses."""
    wanted = os.environ.get("TEST_PORT_RANGE", "").strip()
    if not wanted:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    first, last = (int(end) for end in wanted.split("-"))
    for port in random.sample(range(first, last + 1), last - first + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in TEST_PORT_RANGE {wanted}")


def wait_until(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} not ready after {timeout} s")


class Servers:
    """A running action server and Rasa server with the trained model."""

    def __init__(
        self,
        workdir: Path,
        env: Dict[str, str],
        rasa_port: Optional[int] = None,
        actions_port: Optional[int] = None,
    ) -> None:
        """Start both servers; on the given ports, else on free ones."""
        import urllib.request

        self.actions_port = actions_port or free_port()
        self.rasa_port = rasa_port or free_port()
        self.token = "test-token"
        endpoints = workdir / "endpoints.yml"
        self.conversations_db = workdir / "conversations.db"
        # The project's endpoints, with this run's action server and conversation database.
        config = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        config["action_endpoint"]["url"] = f"http://127.0.0.1:{self.actions_port}/webhook"
        config["tracker_store"]["db"] = str(self.conversations_db)
        endpoints.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.workdir = workdir
        # Conversations waiting for the store are kept in this run's folder, not in var/.
        self.env = {
            "CONVERSATION_SPOOL_DIR": str(workdir / "conversation-spool"),
            "WEBHOOK_INBOX_DIR": str(workdir / "webhook-inbox"),
            **env,
        }
        self.logs = [open(workdir / "actions.log", "wb"), open(workdir / "rasa.log", "wb")]
        self.processes = [
            self._start_actions(),
            self._start_rasa(endpoints),
        ]

        def ready() -> bool:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited; logs in {workdir}")
            urllib.request.urlopen(f"http://127.0.0.1:{self.actions_port}/health", timeout=2)
            urllib.request.urlopen(f"{self.url}/status?token={self.token}", timeout=2)
            return True

        wait_until(ready, 240, "Rasa and the action server")

    def _start_rasa(self, endpoints: Path) -> subprocess.Popen:
        self.endpoints = endpoints
        command = [sys.executable, "-m", "bot.serve", "run", "--model", str(MODEL)]
        command += ["--enable-api", "--auth-token", self.token]
        command += ["--credentials", str(ROOT / "credentials.yml")]
        command += ["--endpoints", str(endpoints), "--port", str(self.rasa_port)]
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.logs[1], stderr=subprocess.STDOUT
        )

    def restart_rasa(self) -> None:
        """Stop the Rasa server and start it again on its port; wait until it answers."""
        import urllib.request

        self.processes[1].terminate()
        try:
            self.processes[1].wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.processes[1].kill()
        self.processes[1] = self._start_rasa(self.endpoints)
        status = f"{self.url}/status?token={self.token}"
        wait_until(lambda: urllib.request.urlopen(status, timeout=2), 240, "the Rasa server")

    def _start_actions(self) -> subprocess.Popen:
        """The action server as deployed (``bot.serve``: log redaction included)."""
        return subprocess.Popen(
            [sys.executable, "-m", "bot.serve", "run", "actions", "--actions", "actions"]
            + ["--port", str(self.actions_port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.logs[0],
            stderr=subprocess.STDOUT,
        )

    def stop_actions(self) -> None:
        """Kill the action server (an outage)."""
        self.processes[0].kill()
        self.processes[0].wait(timeout=20)

    def restart_actions(self) -> None:
        """Start the action server again on its port and wait until it answers."""
        import urllib.request

        self.processes[0] = self._start_actions()
        health = f"http://127.0.0.1:{self.actions_port}/health"
        wait_until(lambda: urllib.request.urlopen(health, timeout=2), 120, "the action server")

    def rasa_log(self) -> str:
        """What Rasa has logged so far."""
        self.logs[1].flush()
        return (self.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()
