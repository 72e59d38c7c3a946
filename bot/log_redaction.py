"""Log records redacted as they are created, whatever library writes them: personal numbers
masked and secrets removed (``bot.privacy``) in the message, its arguments (a tracker or event
dump included) and the exception's text. Installed in every process: Rasa and the action
server (``bot.runtime``), the staff console (``bot.console.app``)."""

from __future__ import annotations

import logging
from typing import Any

from bot.privacy import redact

_formatter = logging.Formatter()


def _redacted_argument(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (dict, list, tuple, set)) or hasattr(value, "as_dialogue"):
        return redact(str(value))  # a dump: formatted with %s as it would be
    return value


def _redacting(factory: Any) -> Any:
    if getattr(factory, "redacts", False):
        return factory

    def create_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif record.msg is not None and not isinstance(record.msg, (int, float)):
            record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_argument(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted_argument(v) for key, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(_formatter.formatException(record.exc_info))
        return record

    create_record.redacts = True  # type: ignore[attr-defined]
    return create_record


def install() -> None:
    """Redact every log record of this process from now on (idempotent)."""
    logging.setLogRecordFactory(_redacting(logging.getLogRecordFactory()))
