"""Builds the knowledge base and its search index when the action server starts.

rasa-sdk imports every module of the ``actions`` package before it serves ``/health`` (the
ready check of ``make run`` and the tests): importing this one opens the knowledge base (curated
files, catalogue snapshot), builds its index and resolves one question, so the first question
is answered as fast as the next ones. Nothing else imports it.
"""

from __future__ import annotations

import logging
import time

from actions.context import knowledge, resolve
from knowledge import render

_started = time.perf_counter()
_procedures = len(knowledge().index)
# One question resolved and answered: the word lists, vocabulary and templates are read now.
_found = resolve("đăng ký khai sinh cần giấy tờ gì", None)
if _found.procedure is not None:
    render.documents(_found.procedure)
logging.getLogger(__name__).info(
    "Knowledge base ready: %d procedures indexed in %.1f s",
    _procedures,
    time.perf_counter() - _started,
)
