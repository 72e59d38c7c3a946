"""The text layer's reading of a message's sentences and clauses."""

from __future__ import annotations

import pytest

from knowledge.text.sentences import need_phrases, story_and_question, without_purpose


@pytest.mark.parametrize(
    "text, rest",
    [
        (
            "xin giấy xác nhận độc thân để kết hôn, làm ở đâu",
            "xin giấy xác nhận độc thân , làm ở đâu",
        ),
        ("Để thừa kế nhà đất vợ để lại, tôi cần gì?", ", tôi cần gì?"),
        ("làm thế nào để đăng ký khai sinh", None),
        ("cần gì để được hưởng trợ cấp", None),
        ("làm sao để đổi bằng lái", None),
        # the "sao" of "bản sao" asks no how
        ("xin bản sao để nộp hồ sơ", "xin bản sao"),
    ],
)
def test_purpose_clauses_are_cut_at_their_clause_end(text: str, rest: object) -> None:
    assert without_purpose(text) == rest


def test_a_letter_asks_in_its_last_asking_sentences() -> None:
    story, question = story_and_question(
        "Tôi mới sinh con. Vợ tôi quê ở Huế. Xin hỏi làm giấy khai sinh cho cháu ở đâu?"
    )
    assert story == "Tôi mới sinh con. Vợ tôi quê ở Huế."
    assert question == "Xin hỏi làm giấy khai sinh cho cháu ở đâu?"


def test_what_is_done_already_is_no_need() -> None:
    text = "Tôi đã làm xong thủ tục đăng ký thường trú. Nay tôi muốn đăng ký tạm trú cho cô"
    assert need_phrases(text) == ["đăng ký tạm trú cho cô"]
    assert need_phrases("tôi đã 55 tuổi, muốn hưởng lương hưu") == ["hưởng lương hưu"]


def test_a_long_message_typed_without_stops_is_read_at_its_commas() -> None:
    typed = (
        "e nghi viec tu thang truoc, cty chot so roi nhung e lam mat so bhxh cua minh, "
        "gio con lanh tro cap that nghiep dc ko"
    )
    assert story_and_question(typed, typed_clauses=True)[1] == (
        "gio con lanh tro cap that nghiep dc ko"
    )
    # what it asks is read from the whole message
    assert story_and_question(typed)[1] == typed
    # with diacritics, or short, a comma ends no sentence
    accented = (
        "Tôi nghỉ việc tháng trước, công ty đã chốt sổ bảo hiểm xã hội rồi nhưng tôi làm mất"
        " sổ, giờ còn lãnh trợ cấp được không"
    )
    assert story_and_question(accented, typed_clauses=True)[0] == ""
    assert story_and_question("e nghi viec, gio lanh tro cap dc ko", typed_clauses=True)[0] == ""
