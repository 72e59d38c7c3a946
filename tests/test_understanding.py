"""Which aspects a message asks, read from the entities the NLU pipeline's pattern extractor finds
(bot/nlu/entities.py over bot/resources/entity_patterns.yml)."""

from __future__ import annotations

from typing import List

import pytest

from actions.understanding import Message
from bot.nlu.entities import extract


def aspects(text: str, intent: str = "ask_overview") -> List[str]:
    return Message(text, intent, 0.5, extract(text)).aspects()


@pytest.mark.parametrize(
    "text, expected",
    [
        # a yes/no question that holds no aspect cue asks whether the citizen can or must
        (
            "khi xuất cảnh, tôi có bị xóa đăng ký thường trú hay không? Thủ tục thế nào?",
            ["eligibility"],
        ),
        ("chồng cũ có quyền cắt hộ khẩu của tôi không", ["eligibility"]),
        ("co can xin giay phep xay dung ko, phi bao nhieu", ["fee", "eligibility"]),
        # ...one that holds a cue asks that aspect
        ("làm thẻ căn cước có mất phí không", ["fee"]),
        ("có làm online được không", ["online"]),
        ("can giay kham suc khoe ko", ["documents"]),
        # whether a document named in between must be brought as the original
        ("can ho chieu ban goc ko", ["documents"]),
        ("không có giấy báo tử", ["documents"]),  # what to bring instead
        # how the request is made, even of a document about to expire
        ("bằng lái sắp hết hạn, đổi thế nào", ["overview"]),
        ("giấy phép hết hạn thì xin như thế nào", ["overview"]),
        ("căn cước của tôi hết hạn rồi", ["eligibility"]),
        ("con gái nhận tặng cho đất thì có được miễn các khoản thuế nào không", ["fee"]),
        ("vay lam dinh danh muc 2 phai ra cong an xa a", ["agency"]),
        # whether first: what the procedure needs comes after "nếu được"
        (
            "nhập khẩu cho cháu vào nhà ông bà được không? Nếu được thì thủ tục ra sao",
            ["eligibility"],
        ),
        ("phải mang căn cước bản chính không", ["documents"]),
        ("cần những điều kiện gì? Thủ tục hồ sơ như thế nào?", ["eligibility", "documents"]),
        ("tôi có thể xin lý lịch tư pháp trực tiếp được không", ["online"]),
        # the question of a letter is found past the periods of "TP.HCM" and after a year
        (
            "Tôi đã nghỉ việc ở một công ty tại TP.HCM. Cho tôi hỏi tôi có được nhận trợ cấp thất"
            " nghiệp không? Tôi có thể nộp hồ sơ ở tỉnh hay phải làm tại TP.HCM?",
            ["agency", "eligibility"],
        ),
        (
            "Tôi được cấp căn cước năm 2015. Tôi đủ 40 tuổi, xin hỏi có phải đổi thẻ không? Mức"
            " phí như thế nào?",
            ["eligibility", "fee"],
        ),
        # how long, asked with "bao nhiêu": not a fee
        (
            "bị mất chứng minh thư thì làm lại ở đâu và mất bao nhiêu thời gian",
            ["agency", "processing_time"],
        ),
    ],
)
def test_the_aspects_asked(text: str, expected: List[str]) -> None:
    assert sorted(aspects(text)) == sorted(expected)
