"""Builds the knowledge base and its search index when the action server starts.

rasa-sdk imports every module of the ``actions`` package before it serves ``/health`` (the
ready check of ``make run`` and the tests): importing this one opens the knowledge base (curated
files, catalogue snapshot) and warms the query word lists, so the first question is answered
as fast as the next ones. Nothing else imports it.
"""

from __future__ import annotations

import logging
import time

from actions.context import knowledge
from knowledge.query import search_query

_started = time.perf_counter()
_procedures = len(knowledge().index)
knowledge().search(search_query("đăng ký khai sinh cần giấy tờ gì"))  # loads the word lists
logging.getLogger(__name__).info(
    "Knowledge base ready: %d procedures indexed in %.1f s",
    _procedures,
    time.perf_counter() - _started,
)
