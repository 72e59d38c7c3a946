"""Normalisation and the Vietnamese tokenizer: text, expansions and original offsets."""

import unicodedata

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import VietnameseTokenizer, segment
from knowledge.text.normalize import abbreviations, fold, normalize, words


def test_nfc_and_tone_placement_are_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert normalize(decomposed) == "đăng ký khai sinh"
    assert normalize("hoà giải") == "hòa giải"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cần j", "cần gì"),
        ("ko dc", "không được"),
        ("làm cccd", "làm căn cước công dân"),
        ("đổi gplx", "đổi giấy phép lái xe"),
        ("đăng ký hkd", "đăng ký hộ kinh doanh"),
        ("xin lltp", "xin lý lịch tư pháp"),
        # "đk" by its neighbours: the conditions, được, đăng ký
        ("tách hộ cần đk gì", "tách hộ cần điều kiện gì"),
        ("có đủ đk hưởng lương hưu ko", "có đủ điều kiện hưởng lương hưu không"),
        ("nộp online đk ko", "nộp online được không"),
        ("đk tạm trú", "đăng ký tạm trú"),
        ("quoc tich tq", "quoc tich trung quốc"),
        # "hc" is the passport beside what is done to one; "đi hc" stays as typed
        ("lam hc mat bao lau", "làm hộ chiếu mat bao lau"),
        ("hc het han", "hộ chiếu het han"),
        ("di hc o dau", "di hc o dau"),
        ("nguoi nc ngoai", "nguoi nước ngoai"),
    ],
)
def test_teencode_and_abbreviations_are_expanded(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_abbreviation_map_is_data() -> None:
    assert len(abbreviations()) >= 50
    assert abbreviations()["ko"] == ("không",)


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Đăng ký KHAI SINH ở đâu") == "dang ky khai sinh o dau"


def test_words_keep_spans_of_the_original_text() -> None:
    text = "Cho em hỏi <b>CCCD</b> cần j?"
    for word in words(text):
        assert text[word.start : word.end] in {"Cho", "em", "hỏi", "CCCD", "cần", "j"}
    assert [w.text for w in words(text) if text[w.start : w.end] == "CCCD"] == [
        "căn",
        "cước",
        "công",
        "dân",
    ]


def test_procedure_codes_stay_whole() -> None:
    assert [w.text for w in words("mã 1.001193")] == ["mã", "1.001193"]


@pytest.mark.parametrize(
    "text",
    [
        "Cho em hỏi đăng ký khai sinh cần giấy tờ gì ạ",
        "dang ky khai sinh can gi",
        "làm cccd mất bao lâu vậy ạ???",
        unicodedata.normalize("NFD", "Thủ tục đăng ký kết hôn"),
        "  nhiều   khoảng trắng\tvà\nxuống dòng  ",
    ],
)
def test_token_offsets_point_into_the_original_message(text: str) -> None:
    tokens = segment(text)
    assert tokens
    previous_end = 0
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert token.start >= previous_end or token.start == tokens[0].start
        piece = text[token.start : token.end]
        assert piece.strip() == piece
        previous_end = max(previous_end, token.start)


def test_tokens_are_words_with_folded_lemmas() -> None:
    tokens = segment("Đăng ký khai sinh")
    assert [t.text for t in tokens] == ["đăng ký", "khai sinh"]
    assert [t.lemma for t in tokens] == ["dang_ky", "khai_sinh"]
    assert [(t.start, t.end) for t in tokens] == [(0, 7), (8, 17)]


def test_unaccented_message_gets_the_same_lemmas() -> None:
    accented = [t.lemma for t in segment("đăng ký khai sinh cần giấy tờ gì")]
    plain = [t.lemma for t in segment("dang ky khai sinh can giay to gi")]
    assert set(accented) & set(plain) >= {"khai_sinh"}


def test_tokenizer_component_handles_messages_without_words() -> None:
    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())
    for text in ["", "😀😀", "???"]:
        tokens = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
        assert len(tokens) == 1 and tokens[0].text == text
