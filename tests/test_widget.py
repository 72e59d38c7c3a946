"""The portal widget (one script tag) in headless Chromium at phone size, over socket.io:
open, ask, click a choice, reload and see the same conversation, keyboard use and labels,
a message pushed later by the server (as a staff reply will be); an answer's link buttons,
choices and 👍 / 👎 controls readable on a phone and a desktop, and the feedback flow.
Screenshots: results/screenshots/widget-*.png."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from visibility import assert_readable, shot

from tests.platforms import execute_through_rasa

pytestmark = pytest.mark.servers

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
LOG_TEXT = "document.querySelector('[data-tthc-widget]').shadowRoot.querySelector('.log').innerText"
WAIT = 60_000
PLACEHOLDER_FITS = """() => {
  const input = document.querySelector('[data-tthc-widget]').shadowRoot.querySelector('input');
  const style = getComputedStyle(input);
  const pen = document.createElement('canvas').getContext('2d');
  pen.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return pen.measureText(input.placeholder).width <= room;
}"""


# Scrolls the conversation (not the page) so that an element sits in its middle.
SHOW_IN_LOG = """(node) => {
  const log = node.closest('.log');
  const at = node.getBoundingClientRect().top - log.getBoundingClientRect().top;
  log.scrollTop += at - log.clientHeight / 2;
}"""


def wait_for_log(page, text: str) -> None:  # noqa: ANN001
    page.wait_for_function(f"{LOG_TEXT}.includes({json.dumps(text)})", timeout=WAIT)


def open_demo(browser, servers, viewport=PHONE):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{servers.url}/webhooks/webchat/demo")
    return context, page


def test_conversation_survives_a_reload_on_a_phone(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        dialog = page.get_by_role("dialog", name="Trợ lý thủ tục hành chính")
        box = dialog.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] <= PHONE["height"]
        question = page.get_by_label("Câu hỏi của anh/chị")
        question.fill("dang ky khai sinh can giay to gi")
        question.press("Enter")
        choices = page.get_by_role("group", name="Các lựa chọn").get_by_role("button")
        choices.first.wait_for(timeout=WAIT)
        choices.first.click()
        wait_for_log(page, "Hồ sơ cần chuẩn bị")
        assert page.locator(".log a[href^='https://dichvucong.gov.vn/']").count() >= 1
        before = page.evaluate(LOG_TEXT)

        page.reload()
        page.get_by_role("dialog", name="Trợ lý thủ tục hành chính").wait_for(timeout=WAIT)
        assert page.evaluate(LOG_TEXT) == before
        question = page.get_by_label("Câu hỏi của anh/chị")
        question.fill("mất bao lâu")  # names no procedure: Rasa still has khai sinh in focus
        question.press("Enter")
        wait_for_log(page, "Thời hạn giải quyết «Thủ tục đăng ký khai sinh»")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@pytest.fixture()
def portal(servers) -> Iterator[str]:  # noqa: ANN001
    """A province portal on another origin (another port) that pastes the one script tag."""
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng tỉnh</title>'
        "</head><body><h1>Cổng dịch vụ công của tỉnh</h1>"
        f'<script src="{servers.url}/webhooks/webchat/widget.js" defer></script></body></html>'
    ).encode()

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_widget_works_on_a_portal_of_another_origin(portal: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(portal)
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        question = page.get_by_label("Câu hỏi của anh/chị")
        question.fill("lệ phí đăng ký kết hôn")
        question.press("Enter")
        wait_for_log(page, "Phí, lệ phí «Thủ tục đăng ký kết hôn»")
        assert page.evaluate("typeof window.io") == "undefined"  # the portal's globals untouched
    finally:
        context.close()


def test_keyboard_labels_and_text_only_rendering(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        bubble = page.get_by_role("button", name="Mở trợ lý thủ tục hành chính")
        bubble.focus()
        page.keyboard.press("Enter")
        assert bubble.get_attribute("aria-expanded") == "true"
        focused = "document.querySelector('[data-tthc-widget]').shadowRoot.activeElement.id"
        assert page.evaluate(focused) == "tthc-input"
        page.keyboard.type("<img src=x onerror=alert(1)> đăng ký kết hôn mất bao lâu")
        page.keyboard.press("Enter")
        wait_for_log(page, "Thời hạn giải quyết")
        assert page.locator("[data-tthc-widget] img").count() == 0
        assert page.get_by_role("log").count() == 1
        assert page.get_by_role("button", name="Đóng cửa sổ trò chuyện").count() == 1
        assert page.get_by_role("button", name="Gửi").count() == 1
        page.keyboard.press("Escape")
        assert bubble.get_attribute("aria-expanded") == "false"
        assert page.get_by_role("dialog").count() == 0
    finally:
        context.close()


def test_message_pushed_by_the_server_reaches_the_page(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        question = page.get_by_label("Câu hỏi của anh/chị")
        question.fill("xin chào")
        question.press("Enter")
        wait_for_log(page, "trợ lý thủ tục hành chính của")
        session = page.evaluate("JSON.parse(sessionStorage.getItem('tthc-widget')).session")
        execute_through_rasa(servers, session)
        wait_for_log(page, "Dạ, không có gì ạ")
    finally:
        context.close()


def ask(page, question: str, expected: str) -> None:  # noqa: ANN001
    field = page.get_by_label("Câu hỏi của anh/chị")
    field.fill(question)
    field.press("Enter")
    wait_for_log(page, expected)


def assert_answer_readable(page, name: str) -> None:  # noqa: ANN001
    """What a citizen reads and presses in an answer is visible and contrasted."""
    assert_readable(page, page.locator(".panel header h2"), f"{name} title")
    assert_readable(page, page.locator(".msg.bot"), f"{name} bot messages")
    assert_readable(page, page.locator(".msg.user"), f"{name} citizen messages")
    assert_readable(page, page.locator(".links a"), f"{name} link buttons")
    assert_readable(page, page.locator(".choices button"), f"{name} choices")
    assert_readable(page, page.locator(".feedback button:enabled"), f"{name} feedback controls")
    assert_readable(page, page.locator("form button"), f"{name} send button")


@pytest.mark.parametrize("name,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_an_answer_shows_link_buttons_choices_and_feedback(
    servers, browser, name, viewport
) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers, viewport)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "lệ phí đăng ký kết hôn", "Phí, lệ phí «Thủ tục đăng ký kết hôn»")
        wait_for_log(page, "Nguồn: Cổng Dịch vụ công quốc gia, kiểm tra")
        link = page.get_by_role("group", name="Liên kết").get_by_role("link").last
        assert link.get_attribute("href").startswith(
            "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/"
        )
        assert link.get_attribute("target") == "_blank"
        assert "mở trong thẻ mới" in link.inner_text()
        assert "https://" not in page.locator(".msg.bot").last.inner_text()  # no raw address
        choices = page.get_by_role("group", name="Các lựa chọn").last.get_by_role("button")
        assert choices.all_inner_texts() == [
            "Giấy tờ cần nộp",
            "Thời gian giải quyết",
            "Nơi nộp",
            "Nộp trực tuyến",
            "Gặp cán bộ",
        ]
        feedback = page.get_by_role("group", name="Câu trả lời này có hữu ích không?").last
        assert feedback.get_by_role("button").all_inner_texts() == ["Hữu ích", "Chưa đúng"]
        assert_answer_readable(page, f"widget {name}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.evaluate(PLACEHOLDER_FITS), "the question field's hint is cut"
        shot(page, f"widget-answer-{name}")
    finally:
        context.close()


def test_thumbs_up_then_thumbs_down_with_a_reason(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "đăng ký thường trú mất bao lâu", "Thời hạn giải quyết")
        bubbles = page.locator(".msg.user").count()
        up = page.locator(".feedback").last.get_by_role("button", name="Hữu ích")
        up.click()
        wait_for_log(page, "Cảm ơn anh/chị đã phản hồi")
        assert up.get_attribute("aria-pressed") == "true" and up.is_disabled()
        assert page.locator(".feedback").last.get_by_role("button", name="Chưa đúng").is_disabled()
        assert page.locator(".msg.user").count() == bubbles  # a rating is not a message bubble

        ask(page, "lệ phí bao nhiêu", "Phí, lệ phí")
        page.locator(".feedback").last.get_by_role("button", name="Chưa đúng").click()
        wait_for_log(page, "còn thiếu điều gì")
        reasons = page.get_by_role("group", name="Các lựa chọn").last.get_by_role("button")
        assert reasons.all_inner_texts()[-1] == "Gặp cán bộ"
        assert_readable(
            page, page.locator(".feedback button[aria-pressed='true']"), "chosen rating"
        )
        assert_readable(page, reasons, "reasons after a thumbs down")
        shot(page, "widget-feedback-question-phone")
        reasons.get_by_text("Thiếu thông tin").click()
        wait_for_log(page, "Cảm ơn anh/chị đã góp ý")
        page.reload()  # the choice stays marked after a reload
        page.get_by_role("dialog", name="Trợ lý thủ tục hành chính").wait_for(timeout=WAIT)
        pressed = page.locator(".feedback button[aria-pressed='true']")
        assert pressed.all_inner_texts() == ["Hữu ích", "Chưa đúng"]
        shot(page, "widget-feedback-done-phone")
    finally:
        context.close()


def test_a_long_document_list_reads_well_on_a_phone(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "chứng thực bản sao từ bản chính cần giấy tờ gì", "Tên đầy đủ của thủ tục:")
        answer = page.locator(".msg.bot").last.inner_text()
        heading, first = answer.splitlines()[:2]
        assert heading == "Hồ sơ cần chuẩn bị cho thủ tục «Chứng thực bản sao từ bản chính»:"
        assert first.startswith("1. ")
        assert answer.count("Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan") == 1
        assert_answer_readable(page, "widget documents")
        shot(page, "widget-documents-phone")
    finally:
        context.close()


def test_not_found_offers_the_closest_procedures_as_buttons(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "giấy phép bán lẻ rượu cần giấy tờ gì", "chưa tìm thấy thủ tục")
        answer = page.locator(".msg.bot").last.inner_text()
        listed = [line[3:] for line in answer.splitlines() if line[:1].isdigit()]
        choices = page.get_by_role("group", name="Các lựa chọn").last.get_by_role("button")
        assert listed and choices.all_inner_texts() == [*listed, "Gặp cán bộ"]
        assert "tổng đài" in answer
        assert_readable(page, page.locator(".msg.bot"), "not found answer")
        assert_readable(page, choices, "closest procedures")
        assert_readable(page, page.locator(".feedback button:enabled"), "not found feedback")
        shot(page, "widget-not-found-phone")
        choices.first.click()
        wait_for_log(page, f"«{listed[0]}»")
    finally:
        context.close()


def test_a_document_no_longer_issued_is_said_first_with_its_sources(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "mất sổ hộ khẩu làm lại thế nào", "«Xác nhận thông tin về cư trú»")
        notice = page.locator(".msg.bot", has_text="Lưu ý: Sổ hộ khẩu")
        assert "không còn được cấp mới, cấp lại" in notice.inner_text()
        assert "https://" not in notice.inner_text()  # the sources are links, not raw addresses
        sources = notice.locator("a")  # each source a link named by its site
        hrefs = [sources.nth(i).get_attribute("href") for i in range(sources.count())]
        assert hrefs and all(".gov.vn/" in h for h in hrefs)
        assert_readable(page, notice, "retired document notice")
        page.evaluate(SHOW_IN_LOG, notice.element_handle())
        shot(page, "widget-retired-document-phone")
    finally:
        context.close()


def test_the_one_reading_offered_is_a_yes_no_question_and_a_typed_yes_takes_it(
    servers, browser
) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "tách thửa", "Có phải anh/chị hỏi về thủ tục «Tách thửa hoặc hợp thửa đất»?")
        question = page.locator(".msg.bot", has_text="Có phải anh/chị hỏi")
        assert "1. " not in question.inner_text()
        assert_readable(page, question, "one-option question")
        shot(page, "widget-one-option-question-phone")
        ask(page, "đúng rồi", "«Tách thửa hoặc hợp thửa đất»")
        answer = page.locator(".msg.bot").last
        assert "Chưa rõ anh/chị chọn mục nào" not in answer.inner_text()
        shot(page, "widget-one-option-yes-phone")
    finally:
        context.close()


def test_a_long_tail_records_documents_read_by_section(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(
            page,
            "đăng ký khai sinh có yếu tố nước ngoài cần giấy tờ gì",
            "Giấy tờ phải xuất trình:",
        )
        answer = page.locator(".msg.bot", has_text="Giấy tờ phải xuất trình:")
        text = answer.inner_text()
        assert "Giấy tờ phải nộp:" in text and "lưu ý về hồ sơ, xem tại" in text
        assert ". Giấy tờ phải nộp" not in text and ". Lưu ý" not in text
        assert_readable(page, answer, "documents by section")
        page.evaluate(SHOW_IN_LOG, answer.element_handle())
        shot(page, "widget-documents-by-section-phone")
    finally:
        context.close()


def test_forms_are_fetched_from_the_record_page_linked_in_the_answer(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "đăng ký kết hôn cần giấy tờ gì", "Tải các mẫu đơn, tờ khai tại")
        answer = page.locator(".msg.bot").last
        assert "1. Tờ khai đăng ký kết hôn" in answer.inner_text()
        assert "mẫu: Tờ khai đăng ký kết hôn" in answer.inner_text()
        forms = answer.get_by_role("link", name="trang thủ tục trên Cổng Dịch vụ công quốc gia")
        record = page.get_by_role("group", name="Liên kết").last.get_by_role("link").first
        assert forms.get_attribute("href") == record.get_attribute("href")
        assert forms.get_attribute("href").startswith(
            "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/"
        )
        assert_readable(page, forms, "forms link")
        forms.evaluate(SHOW_IN_LOG)
        shot(page, "widget-documents-forms-phone")
    finally:
        context.close()


def test_staff_offered_after_a_thumbs_down_answers_readably(servers, browser) -> None:  # noqa: ANN001
    context, page = open_demo(browser, servers)
    try:
        page.get_by_role("button", name="Mở trợ lý thủ tục hành chính").click()
        ask(page, "đăng ký kết hôn mất bao lâu", "Thời hạn giải quyết")
        page.locator(".feedback").last.get_by_role("button", name="Chưa đúng").click()
        wait_for_log(page, "còn thiếu điều gì")
        bubbles = page.locator(".msg.bot").count()
        reasons = page.get_by_role("group", name="Các lựa chọn").last
        reasons.get_by_role("button", name="Gặp cán bộ").click()
        page.locator(".msg.bot").nth(bubbles).wait_for(timeout=WAIT)
        offer = page.locator(".msg.bot").last.inner_text()
        assert "cán bộ" in offer or "tổng đài" in offer
        assert_readable(page, page.locator(".msg.bot").last, "staff offer")
        shot(page, "widget-staff-offer-phone")
    finally:
        context.close()
