"""Screening of empty, emoji-only, overlong and foreign-language messages."""

import pytest

from bot.nlu.screen import OTHER_LANGUAGE, TOO_LONG, UNREADABLE, screen


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
