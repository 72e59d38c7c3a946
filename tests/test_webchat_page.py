"""The try-it page in headless Chromium: ask a question, click a button, see the answers with
their link to the official record and the feedback buttons."""

from __future__ import annotations

import pytest
from visibility import assert_readable, shot

pytestmark = pytest.mark.servers


def test_ask_and_click_a_button(servers, browser) -> None:  # noqa: ANN001
    page = browser.new_page()
    try:
        page.goto(f"{servers.url}/webhooks/webchat/")
        page.fill("#text", "dang ky thuong tru can giay to gi")
        page.press("#text", "Enter")
        page.wait_for_selector(".buttons button, .msg.bot >> nth=1", timeout=30_000)
        buttons = page.locator(".buttons button")
        if buttons.count():
            buttons.first.click()
        page.wait_for_function(
            "document.querySelector('#log').innerText.includes('Hồ sơ cần chuẩn bị')",
            timeout=30_000,
        )
        links = page.locator(
            ".buttons a.link[href^='https://dichvucong.gov.vn/thu-tuc-hanh-chinh/']"
        )
        assert links.count() >= 1 and links.first.get_attribute("target") == "_blank"
        feedback = page.locator(".buttons button.feedback")
        assert feedback.count() >= 2
        # drawn icons and words, not emoji (a computer without an emoji font shows boxes)
        assert feedback.first.locator("svg").count() == 1
        assert feedback.all_inner_texts()[-2:] == ["Hữu ích", "Chưa đúng"]
        assert "https://" not in page.inner_text("#log")
        assert_readable(page, page.locator(".msg.bot"), "try-it page answers")
        assert_readable(
            page, page.locator(".buttons a.link, .buttons button"), "try-it page buttons"
        )
        shot(page, "webchat-page")
        page.fill("#text", "<img src=x onerror=alert(1)> mất bao lâu")
        page.press("#text", "Enter")
        page.wait_for_function(
            "document.querySelector('#log').innerText.includes('Thời hạn giải quyết')",
            timeout=30_000,
        )
        assert page.locator("#log img").count() == 0
    finally:
        page.close()
