"""Conversations the conversation store could not write, kept on disk until it can.

While the database is unavailable, each conversation waiting to be written is also kept as one
small JSON file (``CONVERSATION_SPOOL_DIR``, default ``var/conversation-spool``, readable by this
user only; each Rasa process needs its own folder): its events as they will be stored (redacted)
and whether it began without its stored history. A Rasa process killed meanwhile finds them at
its next start and writes them, so a message accepted during an outage is never lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from bot.private_files import owner_only_folder, remove_incomplete, write_json_durably

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "conversation-spool"


@dataclass(frozen=True)
class KeptConversation:
    """One conversation read back from the spool."""

    sender_id: str
    events: List[Dict[str, Any]]
    fresh: bool  # began without its stored history: all its events are new


class ConversationSpool:
    """Conversations waiting in a folder, one JSON file each (replaced at each change)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_env(cls) -> ConversationSpool:
        return cls(Path(os.environ.get("CONVERSATION_SPOOL_DIR") or DEFAULT_DIR))

    def _path(self, sender_id: str) -> Path:
        digest = hashlib.sha256(sender_id.encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"{digest}.json"

    def keep(self, sender_id: str, events: List[Dict[str, Any]], fresh: bool) -> None:
        """Keep (or replace) a conversation's events on disk, durably."""
        owner_only_folder(self.directory)
        path = self._path(sender_id)
        write_json_durably(path, {"sender_id": sender_id, "fresh": fresh, "events": events})

    def drop(self, sender_id: str) -> None:
        """Forget a conversation once it is written."""
        self._path(sender_id).unlink(missing_ok=True)

    def kept(self) -> List[KeptConversation]:
        """The conversations kept by this or an earlier process, oldest change first (called at
        start-up: unfinished writes are removed)."""
        if not self.directory.is_dir():
            return []
        remove_incomplete(self.directory)
        found = []
        paths = sorted(self.directory.glob("[0-9a-f]*.json"), key=lambda p: p.stat().st_mtime)
        for path in paths:
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                found.append(
                    KeptConversation(record["sender_id"], record["events"], record["fresh"])
                )
            except (OSError, ValueError, KeyError) as error:
                logger.error("Kept conversation %s unreadable, left in place: %s", path, error)
        return found
