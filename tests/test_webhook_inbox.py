"""Zalo and Messenger messages acknowledged by a Rasa process killed (SIGKILL) before their turn
finished are answered by the next process, once (real servers, fake platforms)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from bot.channels.inbox import Inbox, Pending
from tests.conftest import start_servers
from tests.platforms import (
    FakeMessenger,
    FakeZalo,
    environment,
    messenger_delivery,
    post,
    text_event,
    zalo_event,
)
from tests.test_database_outages import stored_texts


def wait_for(condition, what: str, timeout: float = 120) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.5)


@pytest.mark.servers
def test_messages_acknowledged_by_a_killed_rasa_are_answered_once_by_the_next_one(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    zalo, messenger = FakeZalo().start(), FakeMessenger().start()
    servers = start_servers(tmp_path_factory, "killed_rasa", **environment(zalo, messenger))
    # The next process talks to fresh platforms: what the killed one had begun to send is not
    # counted as an answer.
    later_zalo, later_messenger = FakeZalo().start(), FakeMessenger().start()
    try:
        user, psid = f"killed-{uuid.uuid4().hex[:8]}", f"9{uuid.uuid4().int % 10**12}"
        zalo_delivery = zalo_event(user, "đăng ký khai sinh cần giấy tờ gì", f"m-{uuid.uuid4()}")
        messenger_body = messenger_delivery(
            [[text_event(psid, "lệ phí đăng ký kết hôn", f"mid.{uuid.uuid4()}")]]
        )
        zalo.hold()  # the replies wait: the turns cannot finish
        messenger.hold()
        assert post(f"{servers.url}/webhooks/zalo/webhook", *zalo_delivery)[0] == 200
        assert post(f"{servers.url}/webhooks/messenger/webhook", *messenger_body)[0] == 200
        servers.processes[1].kill()
        servers.processes[1].wait(timeout=30)
        servers.env.update(environment(later_zalo, later_messenger))
        servers.restart_rasa()
        later_zalo.wait_for(lambda: bool(later_zalo.messages_to(user)))
        later_messenger.wait_for(lambda: bool(later_messenger.requests_to(psid)))
        assert "khai sinh" in later_zalo.messages_to(user)[0]["text"].lower()
        wait_for(
            lambda: stored_texts(servers.conversations_db, f"messenger-{psid}"),
            "the Messenger turn was not stored",
        )
        # Zalo delivers the acknowledged event again (its 200 came late): not run a second time.
        assert post(f"{servers.url}/webhooks/zalo/webhook", *zalo_delivery)[0] == 200
        time.sleep(3)
        assert stored_texts(servers.conversations_db, f"zalo-{user}") == [
            "đăng ký khai sinh cần giấy tờ gì"
        ]
        assert stored_texts(servers.conversations_db, f"messenger-{psid}") == [
            "lệ phí đăng ký kết hôn"
        ]
        assert not list((servers.workdir / "webhook-inbox").glob("*/*.json"))
    finally:
        servers.stop()
        for fake in (zalo, messenger, later_zalo, later_messenger):
            fake.release()
            fake.stop()


def test_a_duplicate_delivery_leaves_the_waiting_message_in_place(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "zalo")
    first = Pending("m-1", "zalo-u", "xin chào")
    assert inbox.keep(first)
    assert not inbox.keep(Pending("m-1", "zalo-u", "xin chào"))
    assert inbox.keep(Pending("m-2", "zalo-u", "cảm ơn"))
    assert [m.message_id for m in inbox.pending()] == ["m-1", "m-2"]
    inbox.drop("m-1")
    assert [m.text for m in inbox.pending()] == ["cảm ơn"]
    assert oct((tmp_path / "zalo").stat().st_mode & 0o777) == "0o700"
