"""The staff console in headless Chromium (real console, real SQLite, fake staff bridge): log in,
see a waiting ticket arrive live, take it, read the facts, reply, close; the supervisor page.

The console's Content-Security-Policy forbids eval: the test waits with selectors and expect()."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Tuple

import pytest
from console_server import (
    PASSWORD,
    SUPERVISOR,
    USERNAME,
    FakeBridge,
    handoff_database,
    running_console,
)
from playwright.sync_api import expect

from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tuple[str, HandoffStore, FakeBridge]]:
    folder: Path = tmp_path_factory.mktemp("console-page")
    database = handoff_database(folder)
    bridge = FakeBridge().start()
    settings = {"RASA_URL": bridge.url, "CONSOLE_POLL_SECONDS": "0.3"}
    try:
        with running_console(folder, database, settings) as url:
            yield url, HandoffStore.open(database), bridge
    finally:
        bridge.stop()


def open_ticket(store: HandoffStore, sender: str) -> Ticket:
    return store.create_ticket(
        "socketio",
        sender,
        "repeated_failures",
        "1.001193",
        "Người dân hỏi lệ phí đăng ký khai sinh, trợ lý chưa hiểu hai lần.",
        [{"who": "user", "text": "le phi khai sinh bao nhieu", "at": "2026-11-23T02:00:00Z"}],
    )


def log_in(page, url: str, path: str, username: str, password: str) -> None:  # noqa: ANN001
    page.goto(f"{url}{path}")  # signed out: the login page, then back to ``path``
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", "mat-khau-sai-000000")
    page.press("#password", "Enter")
    page.wait_for_selector("#login-error:text-is('Tên đăng nhập hoặc mật khẩu không đúng.')")
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(f"{url}{path}")


def test_log_in_take_reply_and_close(setup, browser) -> None:  # noqa: ANN001
    url, store, bridge = setup
    first = open_ticket(store, "web-citizen-1")
    page = browser.new_page()
    try:
        log_in(page, url, "/queue", USERNAME, PASSWORD)
        row = page.locator(f"tr[data-ticket='{first.id}']")
        row.wait_for()
        assert "Đang chờ" in row.inner_text() and "Đăng ký khai sinh" in row.inner_text()
        assert page.locator("#console-nav a[href='/supervisor']").count() == 0  # operator

        second = open_ticket(store, "web-citizen-2")  # arrives while the page is open
        page.wait_for_selector(f"#queue tbody tr:first-child[data-ticket='{second.id}']")

        bridge.say(first.id, "user", "gọi cho tôi số 0987654321 nhé")
        row.locator("button.take").click()
        page.wait_for_url(f"{url}/tickets/{first.id}")
        page.wait_for_selector("#reply-form:not([hidden])")
        assert page.inner_text("#status") == "Đang hỗ trợ"
        assert "Nguyễn Thị Lan" in page.inner_text("#facts")
        assert "le phi khai sinh bao nhieu" in page.inner_text("#before")
        assert "gọi cho tôi số •••321 nhé" in page.inner_text("#conversation")
        page.wait_for_selector("#record:not([hidden]) h2:text-is('Thủ tục đăng ký khai sinh')")
        assert "Cách nộp, thời hạn, phí và lệ phí" in page.inner_text("#record")
        lookup = page.locator("#procedure-links a[href='/lookup?q=1.001193']")
        assert lookup.count() == 1  # the lookup is one click away

        page.fill("#reply", "Chào anh, đăng ký khai sinh đúng hạn được miễn lệ phí.")
        page.click("#reply-form button[type=submit]")
        page.wait_for_selector("#conversation .message.staff:has-text('được miễn lệ phí')")
        assert bridge.calls_of("reply")[-1]["text"] == (
            "Chào anh, đăng ký khai sinh đúng hạn được miễn lệ phí."
        )
        expect(page.locator("#reply")).to_have_value("")  # cleared once the reply is sent

        bridge.say(first.id, "user", "cảm ơn cán bộ")  # shown live
        page.wait_for_selector("#conversation .message.user:has-text('cảm ơn cán bộ')")

        page.click("#close")
        page.wait_for_selector("#status:text-is('Đã kết thúc')")
        assert bridge.calls_of("close") == [{"ticket_id": first.id}]
        assert page.locator("#reply-form").is_hidden()
        assert store.ticket(first.id).status == "closed"

        page.click("#console-nav a[href='/queue']")
        page.wait_for_selector(f"tr[data-ticket='{second.id}']")
        assert page.locator(f"tr[data-ticket='{first.id}']").count() == 0
    finally:
        page.close()


def test_the_supervisor_page_shows_coloured_indicators(setup, browser) -> None:  # noqa: ANN001
    url, _, _ = setup
    page = browser.new_page()
    try:
        log_in(page, url, "/supervisor", *SUPERVISOR)
        page.wait_for_selector("#indicators li.indicator")
        cards = page.locator("#indicators li.indicator")
        assert cards.count() == 5
        labels = page.inner_text("#indicators")
        for expected in ("Thời gian chờ (trung vị)", "Tỷ lệ chuyển cho cán bộ", "Mức hài lòng"):
            assert expected in labels
        levels = {cards.nth(i).get_attribute("class").split()[-1] for i in range(5)}
        assert levels <= {"green", "yellow", "orange", "red", "none"}
        assert page.locator("#per-day tr").count() == 30
        page.select_option("#days", "7")
        page.wait_for_selector("#per-day tr:nth-child(7):last-child")
    finally:
        page.close()
