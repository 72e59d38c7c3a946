"""The staff lookup page in headless Chromium: sign in, type, see results, open a record; what
an operator must read (names, badges, buttons) is visible and contrasted, at desktop and phone
size. Screenshots: results/screenshots/lookup-*.png.

The console's Content-Security-Policy forbids eval, so the test waits with selectors only."""

from __future__ import annotations

from typing import Iterator

import pytest
from console_server import PASSWORD, USERNAME, running_console, sample_database
from playwright.sync_api import expect
from visibility import assert_readable, shot

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("lookup-page")
    with running_console(folder, sample_database(folder)) as url:
        yield url


def test_type_see_results_and_open_a_record(console: str, browser) -> None:  # noqa: ANN001
    page = browser.new_page()
    try:
        page.goto(f"{console}/lookup")  # signed out: the sign-in page, then back here
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(f"{console}/lookup")

        page.fill("#q", "giay chung nhan so nha")
        first = page.locator("#results li button").first
        first.wait_for()
        assert "1.009141" in first.inner_text()
        assert "Thủ tục riêng của tỉnh" in first.inner_text()
        assert_readable(page, page.locator("#results li .name"), "lookup result names")
        assert_readable(page, page.locator("#results li .code"), "lookup result codes")
        assert_readable(page, page.locator("#results li .badge"), "lookup result badges")
        shot(page, "lookup-results")
        first.click()
        page.wait_for_selector("#record:not([hidden]) h2")
        record = page.inner_text("#record")
        assert page.inner_text("#record h2") == "Cấp mới/cấp lại Giấy chứng nhận số nhà"
        for expected in (
            "Cách nộp, thời hạn, phí và lệ phí",
            "3 ngày làm việc",
            "Hồ sơ",
            "Đơn đề nghị cấp giấy chứng nhận số nhà (1 bản chính)",
            "Căn cứ pháp lý",
            "kiểm tra ngày",
        ):
            assert expected in record
        source = page.locator("#record a[href^='https://dichvucong.gov.vn/thu-tuc-hanh-chinh/']")
        assert source.count() >= 1
        assert_readable(page, page.locator("#record h2"), "record title")
        assert_readable(page, page.locator("#record .badge"), "record badges")
        assert_readable(page, page.locator("#record th, #record td:not(:empty)"), "record table")
        assert_readable(page, source, "record source link")
        assert "https://" not in record  # links say what they open, the address is in them
        notes = page.locator("#record details.data-notes")  # the curators' notes, folded
        assert notes.count() == 1 and notes.get_attribute("open") is None
        assert "isFullProcess" not in record
        assert_readable(page, page.locator("#console-nav a, #logout"), "navigation")
        shot(page, "lookup-record")

        page.fill("#q", "dang ky thuong tru")
        page.wait_for_selector("#results li:first-child button:has-text('1.004222')")
        page.press("#q", "Enter")  # Enter opens the best match
        page.wait_for_selector("#record h2:text-is('Đăng ký thường trú')")
        assert "10.000 đồng/lần đăng ký" in page.inner_text("#record")

        page.reload()  # the session cookie keeps the operator signed in
        page.wait_for_url(f"{console}/lookup")
        page.fill("#q", "chuoi cung ung ban dan")
        page.locator("#results li button").first.click()
        page.wait_for_selector("#record .notice")
        assert "Hiện chỉ có tên và mã" in page.inner_text("#record .notice")
    finally:
        page.close()


def test_results_and_record_are_readable_on_a_phone(console: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{console}/lookup")
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(f"{console}/lookup")
        page.fill("#q", "dang ky ket hon")
        page.locator("#results li button").first.wait_for()
        assert_readable(page, page.locator("#results li .name"), "phone result names")
        assert_readable(page, page.locator("#results li .badge"), "phone result badges")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "lookup-results-phone")
        page.locator("#results li button").first.click()
        page.wait_for_selector("#record:not([hidden]) h2")
        expect(page.locator("#record h2")).to_be_in_viewport()  # scrolled to, under the results
        shot(page, "lookup-record-phone", full_page=False)
        assert_readable(page, page.locator("#record h2, #record h3"), "phone record headings")
        # the channels' table stacks its rows, each value named, instead of squeezing 4 columns
        table = page.locator("#record table").first
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
        cell = page.locator("#record td").first
        assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Hình thức: "'
        assert_readable(page, page.locator("#record td:not(:empty)"), "phone record table")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "lookup-record-phone-full")
    finally:
        context.close()
