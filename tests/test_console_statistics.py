"""The supervisor's figures and their colours, over a real SQLite database of tickets and a
conversation store with Rasa's own ``events`` table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, insert

from bot.console.indicators import load_thresholds
from bot.console.statistics import Period, supervisor_figures
from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore
from knowledge.profile import VIETNAM_TIME
from knowledge.store import KnowledgeBase

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=VIETNAM_TIME)
TIMEOUT = dt.timedelta(minutes=10)
THRESHOLDS = load_thresholds()


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A Vietnam time of November 2026 as the tables store it (naive UTC)."""
    local = dt.datetime(2026, 11, day, hour, minute, tzinfo=VIETNAM_TIME)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def add_ticket(
    store: HandoffStore,
    sender: str,
    created: dt.datetime,
    waited: Optional[int] = None,
    procedure: Optional[str] = None,
    rating: Optional[int] = None,
    **fields: object,
) -> None:
    ticket = store.create_ticket("socketio", sender, "asked", procedure, "Tóm tắt.", [])
    with store.session() as session, session.begin():
        row = session.get(Ticket, ticket.id)
        row.created_at = created
        row.taken_at = created + dt.timedelta(minutes=waited) if waited is not None else None
        row.rating = rating
        for name, value in fields.items():
            setattr(row, name, value)


@pytest.fixture()
def figures_of(tmp_path: Path):  # noqa: ANN201 - returns the figures for a conversations URL
    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    knowledge = KnowledgeBase.open(url)
    store = HandoffStore.open(url)
    add_ticket(store, "s1", utc(23, 8), waited=3, procedure="1.001193", rating=5)
    add_ticket(store, "s2", utc(22, 9), waited=1, procedure="1.001193", rating=4)
    add_ticket(
        store, "s3", utc(22, 14), waited=15, procedure="1.004222", rating=2,
        timeout_notified_at=utc(22, 14, 10),
    )  # fmt: skip
    add_ticket(store, "s4", utc(21, 20), reason="callback", callback_phone="0912345678")
    add_ticket(store, "s5", utc(10, 9), waited=2, rating=1)  # before the period
    add_ticket(store, "s6", utc(23, 9, 55))  # still waiting, within the timeout

    def figures(conversations_url: str) -> dict:
        return supervisor_figures(
            store,
            conversations_url,
            lambda code: knowledge.procedure(code).short_name,
            Period.last_days(7, NOW),
            TIMEOUT,
            THRESHOLDS,
        )

    return figures


@pytest.fixture()
def conversations(tmp_path: Path) -> str:
    """Rasa's events table: 20 senders wrote in the period (5 of them got a ticket), 2 before."""
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = create_engine(url)
    table = SQLTrackerStore.SQLEvent.__table__
    table.create(engine)
    in_period = utc(22, 10).replace(tzinfo=dt.timezone.utc).timestamp()
    before = utc(5, 10).replace(tzinfo=dt.timezone.utc).timestamp()
    senders = ["s1", "s2", "s3", "s4", "s6"] + [f"other{i}" for i in range(15)]
    rows = [{"sender_id": s, "type_name": "user", "timestamp": in_period} for s in senders]
    rows += [{"sender_id": s, "type_name": "bot", "timestamp": in_period} for s in senders]
    rows += [{"sender_id": s, "type_name": "user", "timestamp": before} for s in ("s5", "old")]
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
    engine.dispose()
    return url


def test_figures_of_the_last_seven_days(figures_of, conversations: str) -> None:  # noqa: ANN001
    figures = figures_of(conversations)
    assert figures["period"] == {"days": 7, "from": "2026-11-17", "to": "2026-11-23"}
    assert [d["count"] for d in figures["tickets_per_day"]] == [0, 0, 0, 0, 1, 2, 2]
    assert figures["totals"] == {
        "tickets": 5,
        "conversations": 20,
        "bot_alone": 15,
        "callbacks": 1,
        "timed_out": 1,
    }
    assert figures["ratings"] == {
        "count": 3,
        "average": 3.67,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
    }
    assert figures["top_procedures"] == [
        {"code": "1.001193", "name": "Đăng ký khai sinh", "count": 2},
        {"code": "1.004222", "name": "Đăng ký thường trú", "count": 1},
    ]
    shown = {i["key"]: (i["value"], i["level"], i["level_label"]) for i in figures["indicators"]}
    assert shown == {
        "median_wait_minutes": (3.0, "yellow", "Đạt"),
        "taken_in_time_percent": (66.7, "red", "Chưa đạt"),
        "handoff_rate_percent": (25.0, "red", "Chưa đạt"),
        "bot_alone_percent": (75.0, "orange", "Cần cải thiện"),
        "average_rating": (3.7, "orange", "Cần cải thiện"),
    }
    details = {i["key"]: i["detail"] for i in figures["indicators"]}
    assert details["median_wait_minutes"] == "3 phiếu đã tiếp nhận; 90% chờ không quá 15 phút"
    assert details["taken_in_time_percent"] == "2/3 phiếu, hạn 10 phút"
    assert details["handoff_rate_percent"] == "5 phiếu / 20 cuộc trò chuyện"


def test_without_a_conversation_store_the_rates_say_so(figures_of, tmp_path: Path) -> None:  # noqa: ANN001
    missing = f"sqlite:///{tmp_path / 'not-yet' / 'conversations.db'}"
    figures = figures_of(missing)
    assert not (tmp_path / "not-yet").exists()  # reading never creates the database
    assert figures["totals"]["conversations"] is None
    rates = [i for i in figures["indicators"] if i["key"].endswith("_percent")][1:]
    assert [(i["level"], i["level_label"]) for i in rates] == [("none", "Chưa có dữ liệu")] * 2
    assert rates[0]["detail"] == "Chưa đọc được dữ liệu hội thoại"


@pytest.mark.parametrize(
    ("name", "value", "level"),
    [
        ("median_wait_minutes", 2, "green"),
        ("median_wait_minutes", 5, "yellow"),
        ("median_wait_minutes", 10, "orange"),
        ("median_wait_minutes", 10.5, "red"),
        ("average_rating", 4.5, "green"),
        ("average_rating", 4.0, "yellow"),
        ("average_rating", 3.0, "orange"),
        ("average_rating", 2.9, "red"),
        ("average_rating", None, "none"),
    ],
)
def test_thresholds_colour_the_values(name: str, value: Optional[float], level: str) -> None:
    assert THRESHOLDS[name].level(value) == level


def test_thresholds_out_of_order_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "indicators.yml"
    broken.write_text(
        'average_rating: {label: "x", unit: "/5", better: higher, green: 3, yellow: 4, orange: 2}'
    )
    with pytest.raises(ValueError, match="green, yellow, orange are out of order"):
        load_thresholds(broken)
