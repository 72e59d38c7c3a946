"""Call-back requests kept on disk while the database cannot take them, written when it can.

A citizen who leaves a number during a database outage is thanked as usual: the request is
kept as one small JSON file (``CALLBACK_SPOOL_DIR``, default ``var/callback-spool``, readable by
this user only), and a background thread writes the kept requests to the handoff store, oldest
first, as soon as the database answers; it also picks up requests kept before a restart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

from sqlalchemy.exc import SQLAlchemyError

from bot.private_files import write_json_durably

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "var" / "callback-spool"
RETRY_SECONDS = 5.0
FIELDS = ("sender_id", "phone", "channel", "summary")


class CallbackSpool:
    """Call-back requests waiting in a folder, one JSON file each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    @classmethod
    def from_env(cls) -> CallbackSpool:
        return cls(Path(os.environ.get("CALLBACK_SPOOL_DIR") or DEFAULT_DIR))

    def keep(self, request: Dict[str, str]) -> None:
        """Keep one request (``FIELDS``) on disk, durably."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
        write_json_durably(self.directory / name, {key: request[key] for key in FIELDS})

    def waiting(self) -> List[Path]:
        """The kept requests, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("[0-9]*.json"))

    def flush(self, write: Callable[..., Any]) -> int:
        """Write the kept requests with ``write(**request)``, oldest first, until the database
        fails; how many were written."""
        written = 0
        with self._lock:
            for path in self.waiting():
                request = json.loads(path.read_text(encoding="utf-8"))
                try:
                    write(**request)
                except SQLAlchemyError as error:
                    logger.warning(
                        "Kept call-back requests not written yet: %s", type(error).__name__
                    )
                    break
                path.unlink()
                written += 1
        if written:
            logger.info("%d kept call-back request(s) written", written)
        return written

    def flush_in_background(self, write: Callable[..., Any]) -> None:
        """Start (once) the thread that writes kept requests every few seconds."""
        if self._flusher is not None:
            return

        def run() -> None:
            while True:
                if self.waiting():
                    self.flush(write)
                time.sleep(RETRY_SECONDS)

        self._flusher = threading.Thread(target=run, name="callback-spool", daemon=True)
        self._flusher.start()
