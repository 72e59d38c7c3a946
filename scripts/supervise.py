"""Keep one server running: start it, and start it again when it stops on its own.

    python scripts/supervise.py NAME -- COMMAND [ARG ...]

A crashed server is restarted after 1 s, then 2, 4, ... up to 30 s while it keeps crashing
(the delay starts again at 1 s once it has run for a minute). SIGTERM or SIGINT stops the
server and the supervisor. Each restart is one line on stderr. Used by ``make run``
(scripts/run.sh); production uses the systemd units in deploy/systemd/.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import List, Optional

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0


def supervise(name: str, command: List[str]) -> int:
    """Run ``command`` until told to stop; the exit status of the last run."""
    child: Optional[subprocess.Popen] = None
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay = FIRST_DELAY
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        status = child.wait()
        if stopping:
            return status
        if time.monotonic() - started >= HEALTHY_AFTER:
            delay = FIRST_DELAY
        print(
            f"supervise: {name} stopped (exit status {status}); restarting in {delay:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        deadline = time.monotonic() + delay
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return status
        delay = min(delay * 2, MAX_DELAY)


def main(argv: List[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    return supervise(argv[0], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
