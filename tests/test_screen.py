"""Screening of empty, emoji-only, overlong and foreign-language messages."""

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.screen import OTHER_LANGUAGE, TOO_LONG, UNREADABLE, MessageScreen, screen


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "👍", "?!...", "<br><p></p>"])
def test_messages_without_words_are_unreadable(text: str) -> None:
    assert screen(text) == UNREADABLE


def test_overlong_messages_are_screened() -> None:
    assert screen("khai sinh " * 2500) == TOO_LONG


@pytest.mark.parametrize(
    "text",
    [
        "How do I register a birth certificate?",
        "What documents do I need for a passport",
        "我想办理出生登记",
        "Как получить паспорт",
    ],
)
def test_other_languages_are_screened(text: str) -> None:
    assert screen(text) == OTHER_LANGUAGE


@pytest.mark.parametrize(
    "text",
    [
        "dang ky khai sinh can gi",
        "cho em hoi lam can cuoc o dau",
        "Đăng ký kết hôn cần giấy tờ gì?",
        "cccd",
        "online ko",
        "SELECT * FROM procedure; khai sinh",
    ],
)
def test_vietnamese_goes_to_the_classifier(text: str) -> None:
    assert screen(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "co nguoi nhan zalo bao lam ho chieu nhanh 2 ngay, chuyen khoan truoc 2 trieu, co that ko",
        "Họ tự xưng là công an, nói tôi bị khởi tố nếu không chuyển tiền để chứng minh vô tội.",
        "Chỉ tải app này với chụp chân dung mà bị hack vào tài khoản ngân hàng lừa hết tiền",
    ],
)
def test_a_scam_told_gets_the_safety_warning(text: str) -> None:
    assert screen(text) == "report_scam"


@pytest.mark.parametrize(
    "text", ["lệ phí chuyển khoản được không", "đăng ký thường trú có cần gọi điện hẹn trước không"]
)
def test_one_scam_word_alone_is_an_ordinary_question(text: str) -> None:
    assert screen(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Tôi nộp hồ sơ sang tên xe từ tháng 9, đến nay vẫn chưa nhận được kết quả.",
        "ho so lam lai so do qua hen 2 tuan ma chua thay gi, cho mai",
        "hồ sơ của tôi nộp 2 tháng rồi chưa có kết quả",
        "nộp sang tên xe 2 tuần chưa thấy gì",
    ],
)
def test_a_dossier_taking_long_is_a_complaint(text: str) -> None:
    assert screen(text) == "complain_delay"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("bố tôi mất năm 2020, giờ muốn làm giấy chứng tử", "nlu_fallback"),
        ("cho hỏi thủ tục xin giấy phép bán rượu", "nlu_fallback"),
        ("thời tiết hôm nay thế nào", "out_of_scope"),
    ],
)
def test_a_message_put_out_of_scope_that_names_a_procedure_goes_to_the_fallback(
    text: str, intent: str
) -> None:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": "out_of_scope", "confidence": 0.49})
    MessageScreen({"max_chars": 1500, "min_english_share": 0.6}).process([message])
    assert message.get(INTENT)["name"] == intent
