"""Feedback end to end with real parts: a citizen on the portal widget (real Rasa, real action
server) marks one answer "Hữu ích" and another "Chưa đúng" with a reason, and asks something the
bot does not understand; a supervisor signed in to the real staff console sees them on the
supervisor page, with the conversation behind the "Chưa đúng"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from console_server import SUPERVISOR, create_accounts, running_console
from sqlalchemy.exc import IntegrityError
from test_widget import PHONE, ask, open_demo, wait_for_log
from visibility import assert_readable, shot

pytestmark = pytest.mark.servers


def test_feedback_on_the_widget_reaches_the_supervisor_page(
    servers, browser, tmp_path: Path
) -> None:  # noqa: ANN001
    try:
        create_accounts(servers.knowledge_db_url)
    except IntegrityError:
        pass  # another test of this session made them
    context, page = open_demo(browser, servers, PHONE)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "đăng ký kết hôn mất bao lâu", "Thời hạn giải quyết «Thủ tục đăng ký kết hôn»")
        page.locator(".feedback").last.get_by_role("button", name="Hữu ích").click()
        wait_for_log(page, "Cảm ơn anh/chị đã phản hồi")
        ask(page, "lệ phí đăng ký kết hôn bao nhiêu, sđt tôi 0912345678", "Phí, lệ phí «Thủ")
        page.locator(".feedback").last.get_by_role("button", name="Chưa đúng").click()
        wait_for_log(page, "còn thiếu điều gì")
        page.get_by_role("group", name="Các lựa chọn").last.get_by_text(
            "Thông tin chưa đúng"
        ).click()
        wait_for_log(page, "Cảm ơn anh/chị đã góp ý")
        ask(page, "zxqv bnmk plor", "chưa hiểu rõ câu hỏi")
        shot(page, "e2e-widget-feedback")
    finally:
        context.close()

    settings = {
        "RASA_URL": servers.url,
        "CONVERSATIONS_DB_URL": f"sqlite:///{servers.conversations_db}",
    }
    with running_console(tmp_path, servers.knowledge_db_url, settings) as console:
        page = browser.new_page()
        try:
            page.goto(f"{console}/supervisor")
            page.fill("#username", SUPERVISOR[0])
            page.fill("#password", SUPERVISOR[1])
            page.press("#password", "Enter")
            page.wait_for_url(f"{console}/supervisor")
            row = page.locator("#by-procedure tr:has-text('1.000894')")
            row.wait_for()
            assert "Đăng ký kết hôn" in row.inner_text()
            by_type = page.inner_text("#by-type")
            assert "Thời hạn giải quyết" in by_type and "Phí, lệ phí" in by_type
            worst = page.locator("#disliked > li:has-text('1.000894')").first
            assert "Phí, lệ phí" in worst.inner_text()
            assert "Thông tin chưa đúng" in worst.inner_text()
            assert "•••678" in worst.inner_text()
            assert "0912345678" not in page.inner_text("main")
            worst.get_by_role("button", name="Xem hội thoại").first.click()
            transcript = worst.locator(".transcript").first
            transcript.locator(".message.bot").first.wait_for()
            said = transcript.inner_text()
            assert "Phí, lệ phí «Thủ tục đăng ký kết hôn»" in said
            assert "[Bấm nút] Chưa đúng" in said and "0912345678" not in said
            assert "zxqv bnmk plor" in page.inner_text("#unanswered")
            assert_readable(page, page.locator("#by-procedure td, #disliked strong"), "e2e figures")
            assert_readable(page, page.locator("#disliked .transcript p"), "e2e conversation")
            shot(page, "e2e-supervisor-feedback")
            status = page.request.get(f"{console}/api/supervisor/answers?days=7")
            assert status.ok and json.loads(status.body())["totals"]["down"] >= 1
        finally:
            page.close()
