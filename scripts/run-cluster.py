"""`make run-cluster`: the cluster of deploy/ on this machine, on 127.0.0.1 (tests/cluster.py).

PostgreSQL and Redis from Debian's packages with their data in a temporary folder, the project's
tables migrated (``alembic upgrade head``), two action servers, two Rasa servers, the staff
console and nginx in front; one line when ready; Ctrl+C stops everything and removes the data
(``KEEP_CLUSTER_DATA=1`` keeps it; after a failed start it is kept, with the logs).
Ports: ``CLUSTER_PORT`` (default 7380) for nginx (chat), +1 the console, +2 the action servers;
Rasa on 7301-7302, actions on 7311-7312, console on 7321, PostgreSQL on 17332, Redis on 17379.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bot.handoff.store import HandoffStore
from tests.cluster import Cluster, Ports


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/run-cluster.py")
    parser.add_argument("--instances", type=int, default=2, help="Rasa and action servers")
    args = parser.parse_args()
    n = args.instances
    port = int(os.environ.get("CLUSTER_PORT", "7380"))
    ports = Ports(
        rasa=[7301 + i for i in range(n)],
        actions=[7311 + i for i in range(n)],
        consoles=[7321],
        nginx=port,
        postgres=17332,
        redis=17379,
    )
    workdir = Path(tempfile.mkdtemp(prefix="bot-cluster-"))
    cluster = Cluster(workdir, ports)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        cluster.start()
        print(
            f"Ready: chat at {cluster.url}/webhooks/webchat/ — REST at "
            f"{cluster.url}/webhooks/rest/webhook — staff console at {cluster.nginx.console_url}/ "
            f"({n} Rasa and {n} action servers on PostgreSQL :{ports.postgres} and Redis "
            f":{ports.redis}; logs in {cluster.logs}; Ctrl+C stops)",
            flush=True,
        )
        if not HandoffStore.open(cluster.postgres.url).has_supervisor():
            print(
                "No supervisor account yet: create one with `KNOWLEDGE_DB_URL="
                f"{cluster.postgres.url} .venv/bin/python -m bot.console.create_staff "
                "--supervisor USERNAME` (it asks for the password).",
                flush=True,
            )
        stopped.wait()
    except KeyboardInterrupt:
        pass
    except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError) as error:
        cluster.stop()
        print(f"The cluster did not start: {error} (logs kept in {cluster.logs})", file=sys.stderr)
        return 1
    cluster.stop()
    if not os.environ.get("KEEP_CLUSTER_DATA"):
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
