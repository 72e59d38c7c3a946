"""The staff console in headless Chromium (real console, real SQLite, fake staff bridge): log in,
see a waiting ticket arrive live, take it, read the facts, reply, close; the supervisor page
with its figures, the answers' feedback, the conversations behind a "Chưa đúng" and the
unanswered questions, exported as CSV. Names, labels and buttons are checked visible and
contrasted; screenshots in results/screenshots/ (queue, ticket, supervisor).

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
from conversations import answered, not_found, not_understood, write_conversations
from playwright.sync_api import expect
from visibility import assert_readable, shot

from bot.feedback.answers import AnswerRef
from bot.feedback.store import FeedbackStore
from bot.handoff.models import Ticket
from bot.handoff.store import HandoffStore

MARRIAGE = "1.000894"
MARRIAGE_PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd-3fac-7489-b53b-a15eb239a6fe"


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tuple[str, HandoffStore, FakeBridge]]:
    folder: Path = tmp_path_factory.mktemp("console-page")
    database = handoff_database(folder)
    seed_answers(folder, database)
    bridge = FakeBridge().start()
    settings = {"RASA_URL": bridge.url, "CONSOLE_POLL_SECONDS": "0.3"}
    try:
        with running_console(folder, database, settings) as url:
            yield url, HandoffStore.open(database), bridge
    finally:
        bridge.stop()


def seed_answers(folder: Path, database: str) -> None:
    """Feedback on answers and the conversations they came from, in the console's databases."""
    feedback = FeedbackStore.open(database)
    conversations = {}
    for number, rating in enumerate(["down", "down", "up"]):
        sender = f"socket-session-{number:02d}"
        answer = AnswerRef(f"ans{number}", MARRIAGE, ("documents",))
        question = f"đăng ký kết hôn cần giấy tờ gì, số của tôi 091234567{number}"
        conversations[sender] = answered(
            question,
            f"Hồ sơ cần chuẩn bị… Tải các mẫu đơn, tờ khai tại [trang thủ tục]({MARRIAGE_PAGE}).",
            answer.answer_id,
            MARRIAGE,
            "documents",
        )
        feedback_id = feedback.record(sender, "socketio", answer, rating, question)
        if rating == "down":
            feedback.add_detail(
                feedback_id, sender, reason="missing_info", comment="thiếu giấy xác nhận độc thân"
            )
    feedback.record(
        "zalo-77", "zalo", AnswerRef("fee1", "1.001193", ("fee",)), "up", "phí khai sinh"
    )
    conversations["zalo-88"] = not_understood("cho hỏi làm sổ hồng bao lâu") + not_found("xin visa")
    write_conversations(folder / "conversations.db", conversations)


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
        assert_readable(page, page.locator("#queue th:not(:last-child)"), "queue headings")
        assert_readable(page, row.locator("td:not(:last-child)"), "queue ticket row")
        assert_readable(page, row.locator("button.take"), "queue take button")
        assert_readable(
            page, page.locator("#console-nav a, #console-nav .who, #logout"), "queue nav"
        )
        shot(page, "queue")

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
        assert_readable(page, page.locator("#facts dt, #facts dd:not(:empty)"), "ticket facts")
        assert_readable(page, page.locator(".message p"), "ticket messages")
        assert_readable(page, page.locator("main button:visible"), "ticket buttons")
        assert_readable(page, page.locator("#record h2, #record h3"), "ticket record headings")
        shot(page, "ticket")

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
        for expected in (
            "Thời gian chờ (trung vị)",
            "Tỷ lệ chuyển cho cán bộ",
            "Hài lòng với cán bộ (điểm trung bình)",
        ):
            assert expected in labels
        # the 1-5 ratings of staff help are told apart from the 👍 / 👎 on the bot's answers
        assert "0 lượt đánh giá cán bộ" in labels
        assert "Người dân đánh giá cán bộ hỗ trợ" in page.inner_text("main")
        levels = {cards.nth(i).get_attribute("class").split()[-1] for i in range(5)}
        assert levels <= {"green", "yellow", "orange", "red", "none"}
        assert page.locator("#per-day tr").count() == 30
        assert_readable(page, cards.locator(".label, .value, .level"), "supervisor indicators")

        page.wait_for_selector("#by-procedure tr:has-text('Đăng ký kết hôn (1.000894)')")
        assert "1 “Hữu ích”, 2 “Chưa đúng”" not in page.inner_text("#answers-summary")
        assert "4 lượt đánh giá: 2 “Hữu ích”, 2 “Chưa đúng”" in page.inner_text("#answers-summary")
        marriage = page.locator("#by-procedure tr:has-text('1.000894')")
        assert "33,3%" in marriage.inner_text()
        assert "Giấy tờ cần nộp" in page.inner_text("#by-type")
        worst = page.locator("#disliked > li").first
        assert "Đăng ký kết hôn (1.000894) — Giấy tờ cần nộp" in worst.inner_text()
        assert "Thiếu thông tin · “thiếu giấy xác nhận độc thân”" in worst.inner_text()
        assert "0912345670" not in page.inner_text("main") and "•••670" in worst.inner_text()
        worst.get_by_role("button", name="Xem hội thoại").first.click()
        page.wait_for_selector("#disliked .transcript .message.bot")
        transcript = worst.locator(".transcript").first
        # as the citizen read it
        assert "Hồ sơ cần chuẩn bị… Tải các mẫu đơn, tờ khai tại trang thủ tục." in (
            transcript.inner_text()
        )
        assert "https://" not in transcript.inner_text()
        form = transcript.get_by_role("link", name="trang thủ tục")
        assert form.get_attribute("href") == MARRIAGE_PAGE
        unanswered = page.locator("#unanswered")
        assert "cho hỏi làm sổ hồng bao lâu" in unanswered.inner_text()
        assert "Không tìm thấy thủ tục" in unanswered.inner_text()
        for what, selector in [
            ("answer tables", "#by-type th, #by-type td, #by-procedure th, #by-procedure td"),
            ("most disliked answers", "#disliked strong, #disliked .conversations div"),
            ("conversation behind a thumbs down", "#disliked .transcript p"),
            ("unanswered questions", "#unanswered th, #unanswered td"),
            ("CSV links", "a.csv"),
            ("conversation buttons", "#disliked button"),
        ]:
            assert_readable(page, page.locator(selector), f"supervisor {what}")
        shot(page, "supervisor")

        link = page.locator("a.csv[data-table='disliked']")
        assert link.get_attribute("href") == "/api/supervisor/answers.csv?days=30&table=disliked"
        exported = page.request.get(f"{url}{link.get_attribute('href')}")
        assert exported.ok and exported.headers["content-type"].startswith("text/csv")
        text = exported.body().decode("utf-8-sig")
        assert text.splitlines()[0].startswith("Mã thủ tục,Tên thủ tục,Loại câu trả lời")
        assert "thiếu giấy xác nhận độc thân" in text and "0912345670" not in text

        page.select_option("#days", "7")
        page.wait_for_selector("#per-day tr:nth-child(7):last-child")
    finally:
        page.close()
