"""Webhook messages acknowledged to their platform whose turn has not finished, kept on disk.

A platform that got its HTTP 200 never delivers the message again, so before the webhook answers,
each new message is written (durably) as one small JSON file in the channel's folder of
``WEBHOOK_INBOX_DIR`` (default ``var/webhook-inbox``, readable by this user only; each Rasa
process needs its own folder), and removed once its turn has run. A Rasa process killed meanwhile
(SIGKILL, power loss) leaves the files; the next process with the same channels finds them at
start-up and runs their turns then (``bot.channels.webhooks``).

A file holds the message as the platform sent it (personal numbers in clear: the turn needs them)
for as long as its turn runs, seconds, and no longer: it is removed as soon as the turn is stored
(redacted), also on the replay path; the temporary file of a write a killed process left
unfinished (a message never acknowledged, which the platform delivers again) is removed at the
next start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List

from bot.private_files import owner_only_folder, remove_incomplete, write_json_durably

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "var" / "webhook-inbox"


@dataclass(frozen=True)
class Pending:
    """One acknowledged message waiting for its turn."""

    message_id: str
    conversation: str
    text: str


class Inbox:
    """A channel's acknowledged messages, one JSON file each, named by the message id."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._folder_ready = False

    @classmethod
    def from_env(cls, channel: str) -> Inbox:
        root = Path(os.environ.get("WEBHOOK_INBOX_DIR") or DEFAULT_DIR)
        return cls(root / channel)

    def _path(self, message_id: str) -> Path:
        return self.directory / f"{hashlib.sha256(message_id.encode()).hexdigest()}.json"

    def keep(self, message: Pending) -> bool:
        """Write ``message`` to disk, durably; False when it is already there (a delivery of
        it is still waiting for its turn)."""
        path = self._path(message.message_id)
        if path.exists():
            return False
        if not self._folder_ready:
            owner_only_folder(self.directory)
            self._folder_ready = True
        record = {
            "message_id": message.message_id,
            "conversation": message.conversation,
            "text": message.text,
            "received": time.time_ns(),
        }
        write_json_durably(path, record)
        return True

    def drop(self, message_id: str) -> None:
        """Forget a message whose turn has run."""
        self._path(message_id).unlink(missing_ok=True)

    def pending(self) -> List[Pending]:
        """The messages left by this or an earlier process, in the order they arrived (called at
        start-up: unfinished writes are removed)."""
        if not self.directory.is_dir():
            return []
        if remove_incomplete(self.directory):
            logger.warning("Webhook inbox: unfinished writes of a killed process removed")
        records = []
        for path in self.directory.glob("[0-9a-f]*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                message = Pending(record["message_id"], record["conversation"], record["text"])
                records.append((int(record["received"]), message))
            except (OSError, ValueError, KeyError, TypeError) as error:
                logger.error("Webhook inbox file %s unreadable, left in place: %s", path, error)
        return [message for _received, message in sorted(records, key=lambda r: r[0])]
