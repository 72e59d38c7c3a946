"""PostgreSQL, Redis and nginx from Debian's packages, started for tests, benchmarks and
`make run-cluster`: on 127.0.0.1, on a given or free port, with their data in a folder of their
own (``scripts/system-deps.sh`` installs the packages). Each is stopped with ``stop()``.

PostgreSQL refuses to run as root: under root it runs as Debian's ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from tests.servers import ROOT, free_port

DATABASE = "bot"
PG_USER = "bot"
PG_PASSWORD = "bot-test-password"


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {process.returncode})")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not listening on port {port} after {timeout} s")


def _stop(process: Optional[subprocess.Popen], how: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is missing: run `make system-deps` (make test does)")
    return found[-1]


class PostgreSQL:
    """A PostgreSQL server with one database (``bot``) owned by a password-protected role."""

    def __init__(self, folder: Path, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        folder.mkdir(parents=True, exist_ok=True)
        # Its own folder right under the temporary directory: a test's folder is private to
        # root, which the postgres user could not enter.
        self.home = Path(tempfile.mkdtemp(prefix="bot-postgres-"))
        data = self.home / "data"
        password_file = self.home / "password"
        password_file.write_text(PG_PASSWORD, encoding="utf-8")
        data.mkdir()
        run_as: Optional[Callable[[], None]] = None
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (self.home, data, password_file):
                shutil.chown(path, account.pw_uid, account.pw_gid)

            def run_as() -> None:
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)

        self._log = open(folder / "postgres.log", "wb")
        subprocess.run(
            [_postgres_bin("initdb"), "-D", str(data), "-U", PG_USER, "--auth=scram-sha-256"]
            + ["--pwfile", str(password_file), "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=run_as,
        )
        settings = [
            "listen_addresses=127.0.0.1",
            f"port={self.port}",
            f"unix_socket_directories={self.home}",
        ]
        settings += [
            "max_connections=200",
            "fsync=on",
            "synchronous_commit=on",
            "shared_buffers=64MB",
        ]
        self.process = subprocess.Popen(
            [_postgres_bin("postgres"), "-D", str(data)] + [f"-c{s}" for s in settings],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=run_as,
        )
        _wait_for_port(self.port, self.process, "PostgreSQL")
        self._ready()
        self.sql(f"CREATE DATABASE {DATABASE} OWNER {PG_USER}", database="postgres")

    def _ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.sql("SELECT 1", database="postgres", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise TimeoutError("PostgreSQL does not accept connections")
            time.sleep(0.3)

    def sql(
        self, statement: str, database: str = DATABASE, check: bool = True
    ) -> subprocess.CompletedProcess:
        """Run one SQL statement with psql; its output is in ``.stdout``."""
        return subprocess.run(
            [_postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER]
            + ["-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", statement],
            env=dict(os.environ, PGPASSWORD=PG_PASSWORD),
            capture_output=True,
            text=True,
            check=check,
        )

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the ``bot`` database."""
        return f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # fast shutdown: open connections are closed
        self._log.close()
        shutil.rmtree(self.home, ignore_errors=True)


class Redis:
    """A Redis server without persistence."""

    def __init__(self, folder: Path, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self._log = open(folder / "redis.log", "wb")
        self.process = subprocess.Popen(
            ["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
            + ["--dir", str(folder), "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process, "Redis")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        _stop(self.process)
        self._log.close()


def pg_settings(server: PostgreSQL) -> Dict[str, str]:
    """The connection settings of the ``bot`` database, as deploy/endpoints.yml reads them."""
    return {
        "host": "127.0.0.1",
        "port": str(server.port),
        "db": DATABASE,
        "user": PG_USER,
        "password": PG_PASSWORD,
    }


def _servers(ports: Sequence[int], options: str = "") -> str:
    return "\n".join(f"    server 127.0.0.1:{port}{options};" for port in ports)


def nginx_config(
    port: int,
    rasa_ports: Sequence[int],
    console_ports: Sequence[int],
    action_ports: Sequence[int],
    folder: Path,
) -> str:
    """nginx as deploy/nginx/bot.conf sets it up, without TLS (tests and `make run-cluster`
    speak plain HTTP on 127.0.0.1): Rasa on ``port``, the console on ``port + 1``, the action
    servers (for the Rasa instances) on ``port + 2``."""
    user = "user root;" if os.geteuid() == 0 else ""  # workers write the proxy buffers here
    failover = " max_fails=1 fail_timeout=5s"
    temp = "\n".join(
        f"  {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {folder}/nginx-access.log;
{temp}
  upstream rasa {{
{_servers(rasa_ports, failover)}
    keepalive 32;
  }}
  upstream console {{
{_servers(console_ports, failover)}
  }}
  upstream actions {{
{_servers(action_ports, failover)}
    keepalive 32;
  }}
  map $http_upgrade $connection_upgrade {{
    default upgrade;
    '' '';
  }}
  server {{
    listen 127.0.0.1:{port};
    include {ROOT}/deploy/nginx/locations-rasa.conf;
  }}
  server {{
    listen 127.0.0.1:{port + 1};
    include {ROOT}/deploy/nginx/locations-console.conf;
  }}
  server {{
    listen 127.0.0.1:{port + 2};
    include {ROOT}/deploy/nginx/locations-actions.conf;
  }}
}}
"""


class Nginx:
    """nginx on ``port`` (Rasa instances), ``port + 1`` (consoles), ``port + 2`` (actions)."""

    def __init__(
        self,
        folder: Path,
        rasa_ports: Sequence[int],
        console_ports: Sequence[int],
        action_ports: Sequence[int],
        port: Optional[int] = None,
    ) -> None:
        self.port = port or _free_ports(3)
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "nginx.conf"
        text = nginx_config(self.port, rasa_ports, console_ports, action_ports, folder)
        config.write_text(text, "utf-8")
        self._log = open(folder / "nginx.log", "wb")
        self.process = subprocess.Popen(
            ["/usr/sbin/nginx", "-c", str(config), "-p", str(folder)]
            + ["-e", str(folder / "nginx-error.log")],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process, "nginx")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.port + 1}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.port + 2}"

    def stop(self) -> None:
        _stop(self.process)
        self._log.close()


def _free_ports(count: int) -> int:
    """A port such that it and the ``count - 1`` next ones are free."""
    for _ in range(50):
        port = free_port()
        taken = False
        for other in range(port + 1, port + count):
            with socket.socket() as probe:
                taken = taken or probe.connect_ex(("127.0.0.1", other)) == 0
        if not taken and port + count < 65536:
            return port
    raise RuntimeError(f"no {count} consecutive free ports")
