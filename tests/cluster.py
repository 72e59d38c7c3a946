"""A whole cluster on this machine, as deploy/ sets one up on servers: PostgreSQL and Redis
(tests/services.py), the project's tables migrated (``alembic upgrade head``), action servers and
Rasa servers with deploy/endpoints.yml, staff consoles, and nginx in front of them all.
Everything listens on 127.0.0.1; the data is in ``workdir``. Used by the cluster tests,
``make run-cluster`` (scripts/run-cluster.py) and ``make bench-cluster``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from tests.servers import MODEL, ROOT, free_port, wait_until
from tests.services import Nginx, PostgreSQL, Redis, pg_settings

ENDPOINTS = ROOT / "deploy" / "endpoints.yml"
BIN = Path(sys.executable).parent
API_TOKEN = "cluster-api-token"
BRIDGE_TOKEN = "cluster-bridge-token-0123456789"


@dataclass
class Ports:
    """Where each process listens; free ports unless given."""

    rasa: List[int]
    actions: List[int]
    consoles: List[int]
    nginx: Optional[int] = None  # Rasa; +1 the console; +2 the action servers
    postgres: Optional[int] = None
    redis: Optional[int] = None

    @classmethod
    def free(cls, rasa: int, actions: int, consoles: int) -> Ports:
        return cls(
            [free_port() for _ in range(rasa)],
            [free_port() for _ in range(actions)],
            [free_port() for _ in range(consoles)],
        )


@dataclass
class Process:
    """One server process of the cluster and its log."""

    name: str
    command: List[str]
    env: Dict[str, str]
    log_path: Path
    process: Optional[subprocess.Popen] = field(default=None)

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a machine failure would: no clean shutdown."""
        if self.running():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _get(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as reply:
        return reply.status == 200


class Cluster:
    """The cluster's services and processes; ``start()`` returns when all answer."""

    def __init__(
        self,
        workdir: Path,
        ports: Ports,
        extra_env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.workdir = workdir
        self.ports = ports
        self.extra_env = extra_env or {}
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.postgres: Optional[PostgreSQL] = None
        self.redis: Optional[Redis] = None
        self.nginx: Optional[Nginx] = None
        self.rasa: List[Process] = []
        self.actions: List[Process] = []
        self.consoles: List[Process] = []

    # --- environment ------------------------------------------------------------------

    def environment(self) -> Dict[str, str]:
        """What every process of the cluster reads (deploy/cluster.env on a server)."""
        assert self.postgres is not None and self.redis is not None and self.nginx is not None
        settings = pg_settings(self.postgres)
        return dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            TF_CPP_MIN_LOG_LEVEL="3",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            RASA_TELEMETRY_ENABLED="false",
            KNOWLEDGE_DB_URL=self.postgres.url,
            CONVERSATIONS_DB_URL=self.postgres.url,
            POSTGRES_HOST=settings["host"],
            POSTGRES_PORT=settings["port"],
            POSTGRES_DB=settings["db"],
            POSTGRES_USER=settings["user"],
            POSTGRES_PASSWORD=settings["password"],
            REDIS_HOST="127.0.0.1",
            REDIS_PORT=str(self.redis.port),
            SOCKETIO_REDIS_URL=self.redis.url,
            SEEN_IDS_BACKEND="redis",
            SEEN_IDS_URL=self.redis.url,
            ACTION_ENDPOINT_URL=f"{self.nginx.actions_url}/webhook",
            STAFF_BRIDGE_TOKEN=BRIDGE_TOKEN,
            RASA_URL=self.nginx.url,
            CONSOLE_TRUSTED_PROXIES="127.0.0.1",  # nginx forwards the staff member's address
            **self.extra_env,
        )

    # --- processes --------------------------------------------------------------------

    def _process(self, name: str, command: List[str], env: Dict[str, str]) -> Process:
        return Process(name, command, env, self.logs / f"{name}.log")

    def _build(self) -> None:
        env = self.environment()
        for n, port in enumerate(self.ports.actions, 1):
            command = [str(BIN / "rasa"), "run", "actions", "--actions", "actions"]
            self.actions.append(self._process(f"actions-{n}", command + ["--port", str(port)], env))
        for n, port in enumerate(self.ports.rasa, 1):
            command = [str(BIN / "python"), "-m", "bot.serve", "run", "--model", str(MODEL)]
            command += ["--enable-api", "--auth-token", API_TOKEN, "--cors", "*"]
            command += ["--credentials", str(ROOT / "credentials.yml")]
            command += ["--endpoints", str(ENDPOINTS), "--port", str(port)]
            spool = {
                "CONVERSATION_SPOOL_DIR": str(self.logs / f"rasa-{n}-conversation-spool"),
                "WEBHOOK_INBOX_DIR": str(self.logs / f"rasa-{n}-webhook-inbox"),
            }
            self.rasa.append(self._process(f"rasa-{n}", command, {**env, **spool}))
        for n, port in enumerate(self.ports.consoles, 1):
            command = [str(BIN / "python"), "-m", "bot.console.app", "--host", "127.0.0.1"]
            self.consoles.append(
                self._process(f"console-{n}", command + ["--port", str(port)], env)
            )

    def migrate(self) -> None:
        """``alembic upgrade head`` on the cluster's database, as an operator runs it."""
        subprocess.run(
            [str(BIN / "alembic"), "upgrade", "head"],
            cwd=ROOT,
            env=self.environment(),
            check=True,
            stdout=open(self.logs / "alembic.log", "ab"),
            stderr=subprocess.STDOUT,
        )

    def start(self, timeout: float = 300) -> Cluster:
        """Start everything and wait until every process answers."""
        self.postgres = PostgreSQL(self.workdir / "postgres", self.ports.postgres)
        self.redis = Redis(self.workdir / "redis", self.ports.redis)
        self.nginx = Nginx(
            self.workdir / "nginx",
            self.ports.rasa,
            self.ports.consoles,
            self.ports.actions,
            self.ports.nginx,
        )
        self.migrate()
        self._build()
        for process in self.actions + self.consoles + self.rasa:
            process.start()
        self.wait_ready(timeout)
        return self

    def start_rasa(self, n: int, timeout: float = 300) -> None:
        """Start Rasa instance ``n`` (1-based) again and wait until it answers."""
        self.rasa[n - 1].start()
        wait_until(lambda: _get(f"{self.rasa_url(n)}/status?token={API_TOKEN}"), timeout, "Rasa")

    def wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            for process in self.actions + self.consoles + self.rasa:
                if not process.running():
                    raise RuntimeError(f"{process.name} exited; see {process.log_path}")
            checks = [f"http://127.0.0.1:{p}/health" for p in self.ports.actions]
            checks += [f"http://127.0.0.1:{p}/health" for p in self.ports.consoles]
            checks += [f"{self.rasa_url(n)}/status?token={API_TOKEN}" for n in self.instances]
            return all(_get(url) for url in checks)

        wait_until(ready, timeout, "the cluster")

    @property
    def instances(self) -> range:
        return range(1, len(self.ports.rasa) + 1)

    def rasa_url(self, n: int) -> str:
        """Rasa instance ``n`` (1-based) directly, bypassing nginx."""
        return f"http://127.0.0.1:{self.ports.rasa[n - 1]}"

    def console_url(self, n: int) -> str:
        """Console process ``n`` (1-based) directly, bypassing nginx."""
        return f"http://127.0.0.1:{self.ports.consoles[n - 1]}"

    @property
    def url(self) -> str:
        """nginx in front of the Rasa instances."""
        assert self.nginx is not None
        return self.nginx.url

    def stop(self) -> None:
        for process in self.rasa + self.consoles + self.actions:
            process.stop()
        for service in (self.nginx, self.redis, self.postgres):
            if service is not None:
                service.stop()
