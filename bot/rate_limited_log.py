"""Log lines for repeated faults, at most one per kind in each interval: an outage writes a
few lines saying how many failures there were, never a traceback per request."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, Tuple

DEFAULT_INTERVAL_SECONDS = 30.0


class RateLimitedLog:
    """Warnings through ``logger``, one per ``kind`` per interval, with the count left out."""

    def __init__(self, logger: logging.Logger, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._logger = logger
        self._interval = interval
        self._state: Dict[str, Tuple[float, int]] = {}  # kind -> (last logged, left out since)
        self._lock = threading.Lock()

    def warning(self, kind: str, message: str, *args: Any) -> None:
        """Log ``message % args`` unless a ``kind`` line was logged within the interval."""
        now = time.monotonic()
        with self._lock:
            last, left_out = self._state.get(kind, (float("-inf"), 0))
            if now - last < self._interval:
                self._state[kind] = (last, left_out + 1)
                return
            self._state[kind] = (now, 0)
        if left_out:
            message += " (%d similar failure(s) since the last line)"
            args = (*args, left_out)
        self._logger.warning(message, *args)
