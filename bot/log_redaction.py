"""Log records redacted as they are created, whatever library writes them: personal numbers
masked and secrets removed (``bot.privacy``) in the message, its arguments (a tracker or event
dump, an exception — a database error shows its statement's parameters — or any other object
included) and the exception's text. Python warnings (Rasa's ``raise_warning`` quotes the values
it was given) and uncaught exceptions in threads are logged, and so redacted too, instead of
being printed to stderr as they are. Installed in every process:
Rasa and the action server (``bot.runtime``), the staff console (``bot.console.app``)."""

from __future__ import annotations

import logging
import numbers
import threading
from typing import Any

from bot.privacy import redact

_formatter = logging.Formatter()


class _Redacted:
    """An object as a log line shows it, with %s or %r: redacted."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def __str__(self) -> str:
        return redact(str(self._value))

    def __repr__(self) -> str:
        return redact(repr(self._value))


def _redacted_argument(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (dict, list, tuple, set)) or hasattr(value, "as_dialogue"):
        return redact(str(value))  # a dump: formatted with %s as it would be
    if value is None or isinstance(value, numbers.Number):
        return value  # %d, %f and the like need the number itself
    return _Redacted(value)


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


def _log_uncaught(args: Any) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("threading").error(
        "Uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def install() -> None:
    """Redact every log record of this process from now on; log warnings and uncaught
    exceptions in threads (idempotent)."""
    logging.setLogRecordFactory(_redacting(logging.getLogRecordFactory()))
    logging.captureWarnings(True)
    threading.excepthook = _log_uncaught
