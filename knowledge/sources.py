"""Which web addresses count as official sources, and the date answers are given for.

Official: the government's domains (``*.gov.vn``: ministries, provinces, communes, the national
public service portal, VNeID) and the Government portal and legal database (``chinhphu.vn``,
``vbpl.vn``). A fact whose only source is another site is kept only when it is marked
``verified: false`` in the data, and its answer says so (``tests/test_sources.py`` checks every
address under ``knowledge/``).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Optional
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

OFFICIAL_SUFFIXES = (".gov.vn", ".chinhphu.vn")
OFFICIAL_HOSTS = ("gov.vn", "chinhphu.vn", "vbpl.vn")
TODAY_VARIABLE = "KNOWLEDGE_TODAY"  # an ISO date the answers are given for (tests, demos)
VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


def is_official(url: str) -> bool:
    """Whether ``url`` is on an official domain."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return host in OFFICIAL_HOSTS or host.endswith(OFFICIAL_SUFFIXES)


def answer_date(today: Optional[dt.date] = None) -> dt.date:
    """The date dated facts are judged on: ``today`` if given, else ``KNOWLEDGE_TODAY`` from
    the environment, else today's date in Vietnam."""
    if today is not None:
        return today
    configured = os.environ.get(TODAY_VARIABLE, "").strip()
    if configured:
        return dt.date.fromisoformat(configured)
    return dt.datetime.now(VIETNAM_TIME).date()
