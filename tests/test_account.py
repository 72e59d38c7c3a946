"""The account guide: identity-number check, path choice, form validation, FAQ and resuming."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.account import (
    ActionAnswerAccountFaq,
    ActionAskStepFeedback,
    ActionCheckIdNumber,
    ActionStartAccountGuide,
    ValidateAccountForm,
    choose_path,
    resume_events,
)
from actions.conversation import ActionSessionStart
from knowledge.guides import CHAINS, load_account_guide
from knowledge.id_number import check_id_number
from knowledge.sources import is_official
from tests.trackers import make_tracker

TODAY = dt.date(2026, 11, 23)
CITIZEN_OFFER = '/account_create{"account_holder":"citizen"}'


def tracker(text: str = "", intent: str = "inform_account", **slots: Any) -> Tracker:
    return make_tracker(text, intent, active_loop="account_form", **slots)


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages)


@pytest.mark.parametrize("number", ["048090123456", "048 090 123 456", "001-305-000-111"])
def test_valid_identity_numbers(number: str) -> None:
    assert check_id_number(number, TODAY).valid


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("04809012345", "gồm 12 chữ số; số anh/chị nhắn có 11"),
        ("201234567", "chứng minh nhân dân cũ"),
        ("999090123456", "mã tỉnh"),
        ("048290123456", "năm sinh chưa tới"),
        ("0480901234ab", "chỉ gồm chữ số"),
    ],
)
def test_invalid_identity_numbers_say_what_is_wrong(number: str, problem: str) -> None:
    result = check_id_number(number, TODAY)
    assert not result.valid
    assert problem in " ".join(result.problems)
    assert number not in " ".join(result.problems)


async def test_checking_an_identity_number_never_repeats_it() -> None:
    dispatcher = CollectingDispatcher()
    await ActionCheckIdNumber().run(dispatcher, tracker("999 090 123 456", "give_id_number"), {})
    assert "mã tỉnh" in texts(dispatcher)
    assert "999" not in texts(dispatcher)


@pytest.mark.parametrize(
    ("slots", "path"),
    [
        ({"account_topic": "forgot_password"}, "forgot_password"),
        ({"account_topic": "create", "account_holder": "organisation"}, "organisation"),
        ({"account_topic": "create", "account_holder": "foreigner"}, "foreigner"),
        (
            {"account_topic": "create", "account_holder": "citizen", "has_chip_id": False},
            "citizen_get_chip_id",
        ),
        (
            {
                "account_topic": "create",
                "account_holder": "citizen",
                "has_chip_id": True,
                "has_vneid_app": True,
                "vneid_level": "1",
            },
            "citizen_get_level2",
        ),
        (
            {
                "account_topic": "create",
                "account_holder": "citizen",
                "has_chip_id": True,
                "has_vneid_app": True,
                "vneid_level": "2",
            },
            "citizen_login",
        ),
    ],
)
def test_the_situation_chooses_the_path(slots: Dict[str, Any], path: str) -> None:
    assert choose_path(slots) == path


def test_every_path_is_sourced_and_chains_end_with_logging_in() -> None:
    guide = load_account_guide()
    for key, path in guide.paths.items():
        assert path.steps, key
        assert all(step.source.startswith("http") for step in path.steps), key
    for chain in CHAINS.values():
        assert chain[-1] == "citizen_login"
    assert guide.related_procedures["level2"] == "3.000228"


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        (
            "hướng dẫn tôi lấy lại mật khẩu vneid",
            "account_problem",
            {"account_topic": "forgot_password"},
        ),
        ("không nhận được mã OTP", "account_problem", {"account_topic": "otp_not_received"}),
        ("tài khoản bị khóa", "account_problem", {"account_topic": "account_locked"}),
        ("không đăng nhập được", "account_problem", {"account_topic": None}),
        # the "khoa" of "tài khoản" is not a locked account
        (
            "tre em co dk tai khoan dinh danh dien tu dc ko",
            "account_problem",
            {"account_topic": "create"},
        ),
        (
            "doanh nghiệp đăng ký tài khoản thế nào",
            "account_create",
            {"account_topic": "create", "account_holder": "organisation"},
        ),
    ],
)
async def test_the_first_message_is_read(text: str, intent: str, slots: Dict[str, Any]) -> None:
    events = await ActionStartAccountGuide().run(CollectingDispatcher(), tracker(text, intent), {})
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    for name, value in slots.items():
        assert values.get(name) == value


async def test_only_the_questions_that_apply_are_asked() -> None:
    form = ValidateAccountForm()
    ask = await form.required_slots(
        [],
        CollectingDispatcher(),
        tracker(account_topic="create", account_holder="organisation"),
        {},
    )
    assert ask == ["account_topic", "account_holder", "step_feedback"]
    ask = await form.required_slots(
        [],
        CollectingDispatcher(),
        tracker(account_topic="create", account_holder="citizen", has_chip_id=True),
        {},
    )
    assert ask[-2:] == ["has_vneid_app", "step_feedback"]


@pytest.mark.parametrize(
    ("method", "typed", "expected"),
    [
        ("validate_account_holder", "tôi là doanh nghiệp", "organisation"),
        ("validate_account_holder", "ca nhan", "citizen"),
        ("validate_has_chip_id", "có rồi", True),
        ("validate_has_chip_id", "vẫn dùng chứng minh nhân dân", False),
        ("validate_vneid_level", "muc 2", "2"),
        ("validate_vneid_level", "mới mức 1 thôi", "1"),
    ],
)
def test_typed_answers_are_understood(method: str, typed: str, expected: Any) -> None:
    result = getattr(ValidateAccountForm(), method)(typed, CollectingDispatcher(), tracker(), {})
    assert list(result.values())[0] == expected


def test_two_unclear_answers_explain_the_question_and_offer_a_person() -> None:
    form = ValidateAccountForm()
    first = CollectingDispatcher()
    result = form.validate_account_holder("hmm", first, tracker(), {})
    assert result == {"account_holder": None, "answer_failures": 1}
    assert [m["response"] for m in first.messages] == ["utter_explain_account_holder"]
    second = CollectingDispatcher()
    form.validate_account_holder("???", second, tracker(answer_failures=1), {})
    assert "utter_offer_staff_or_stop" in [m["response"] for m in second.messages]


def test_steps_advance_help_then_staff_when_stuck() -> None:
    form = ValidateAccountForm()
    at = {"account_path": "citizen_login", "account_step": 0}
    assert form.validate_step_feedback("done", CollectingDispatcher(), tracker(**at), {}) == {
        "step_feedback": None,
        "account_step": 1,
        "step_failures": 0,
        "answer_failures": 0,
    }
    first = CollectingDispatcher()
    result = form.validate_step_feedback("stuck", first, tracker(**at), {})
    assert result == {"step_feedback": None, "step_failures": 1}
    second = CollectingDispatcher()
    form.validate_step_feedback("stuck", second, tracker(step_failures=1, **at), {})
    assert "utter_offer_staff" in [m.get("response") for m in second.messages]
    last = len(load_account_guide().steps("citizen_login")) - 1
    done = form.validate_step_feedback(
        "done", CollectingDispatcher(), tracker(account_path="citizen_login", account_step=last), {}
    )
    assert done["step_feedback"] == "done"


async def test_a_step_is_shown_with_its_buttons() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAskStepFeedback().run(
        dispatcher, tracker(account_topic="forgot_password"), {}
    )
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "account_path",
        "value": "forgot_password",
    } in events
    assert dispatcher.messages[-1]["text"].startswith("Bước 1/")
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles == ["Xong", "Tôi bị kẹt ở bước này", "Dừng hướng dẫn"]


@pytest.mark.parametrize(
    ("question", "key"),
    [("VNeID là gì?", "vneid"), ("otp là gì", "otp"), ("định danh điện tử mức 2 là gì", "level2")],
)
async def test_faq_answers_carry_their_source(question: str, key: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerAccountFaq().run(dispatcher, tracker(question, "account_faq"), {})
    faq = load_account_guide().faq[key]
    assert faq.answer in texts(dispatcher) and faq.sources[0] in texts(dispatcher)
    assert "kiểm tra ngày 01/12/2026" in texts(dispatcher)


def answered(text: str) -> Tuple[str, List[Dict[str, Any]]]:
    """What the bot says to an account question outside the guide: text and buttons."""
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerAccountFaq().run(dispatcher, make_tracker(text, "account_faq"), {}))
    buttons = [b for m in dispatcher.messages for b in m.get("buttons") or []]
    return texts(dispatcher), buttons


@pytest.mark.parametrize(
    ("question", "says", "official", "offer"),
    [
        (
            "đổi số điện thoại đăng ký VNeID thế nào",
            "Công an cấp xã để đăng ký đổi số điện thoại",
            False,
            None,
        ),
        ("doi sdt dang ky vneid the nao", "1900 0368", False, None),
        ("tài khoản mức 1 dùng được gì", "không phải đến cơ quan Công an", True, CITIZEN_OFFER),
        ("tk muc 1 dung dc j", "làm dịch vụ công trực tuyến", True, CITIZEN_OFFER),
        (
            "chưa có thẻ gắn chip thì làm VNeID được không",
            "cùng lúc khi anh/chị làm thủ tục cấp thẻ căn cước",
            True,
            '/account_create{"account_holder":"citizen","has_chip_id":false}',
        ),
        (
            "quên mật khẩu VNeID",
            "bấm “Quên mật khẩu”",
            False,
            '/account_problem{"account_topic":"forgot_password"}',
        ),
        (
            "doanh nghiệp đăng nhập cổng dịch vụ công bằng gì",
            "tài khoản định danh điện tử của tổ chức",
            True,
            '/account_create{"account_holder":"organisation"}',
        ),
    ],
)
def test_account_questions_get_the_answer_asked_then_the_guide(
    question: str, says: str, official: bool, offer: Optional[str]
) -> None:
    text, buttons = answered(question)
    assert says in text
    assert "Không nhận được mã OTP" not in text and "trường" not in text
    if official:
        assert "chưa đối chiếu" not in text and "Nguồn: https://dichvucong.gov.vn/" in text
    else:
        assert "chưa đối chiếu được với trang chính thức" in text
        assert "Nguồn (báo chí, chưa kiểm chứng)" in text
    payloads = [b["payload"] for b in buttons]
    assert payloads == ([offer, "/thank"] if offer else [])


def test_answers_in_the_middle_of_the_guide_offer_no_second_guide() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ActionAnswerAccountFaq().run(dispatcher, tracker("quên mật khẩu vneid", "account_faq"), {})
    )
    assert "Quên mật khẩu" in texts(dispatcher)
    assert not any(m.get("buttons") for m in dispatcher.messages)


def test_only_answers_with_official_sources_count_as_verified() -> None:
    guide = load_account_guide()
    for faq in guide.faq.values():
        assert faq.sources, faq.key
        assert faq.verified == all(is_official(url) for url in faq.sources), faq.key
    for path in guide.paths.values():
        for step in path.steps:
            assert step.verified == is_official(step.source), step.text
            assert step.verified or "chưa đối chiếu" in step.message()


async def test_creating_an_account_first_hears_that_vneid_level_2_is_the_way_in() -> None:
    dispatcher = CollectingDispatcher()
    await ActionStartAccountGuide().run(
        dispatcher, make_tracker("làm sao tạo tài khoản", "account_create"), {}
    )
    [intro] = dispatcher.messages
    assert "tài khoản định danh điện tử VNeID mức độ 2" in intro["text"]
    assert "doanh nghiệp, tổ chức dùng tài khoản định danh điện tử của tổ chức" in intro["text"]
    assert "Nguồn: https://" in intro["text"]


@pytest.mark.parametrize(
    "text, intent, code",
    [
        ("tre em co dk tai khoan dinh danh dien tu dc ko", "account_problem", "3.000228"),
        (
            "người nước ngoài có được cấp tài khoản định danh điện tử không",
            "account_create",
            "3.000226",
        ),
    ],
)
async def test_who_may_hold_an_account_is_answered_from_the_record_before_the_guide(
    text: str, intent: str, code: str
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartAccountGuide().run(dispatcher, make_tracker(text, intent), {})
    answer, intro = dispatcher.messages
    assert answer["text"].startswith("Về đối tượng và điều kiện của thủ tục")
    assert "tài khoản định danh điện tử VNeID mức độ 2" in intro["text"]
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values["procedure_code"] == code and values["last_answer"]["aspects"] == ["eligibility"]
    assert values["account_topic"] == "create"


async def test_the_offer_button_starts_the_guide_where_the_answer_left_off() -> None:
    offer = make_tracker(
        '/account_create{"account_holder":"citizen","has_chip_id":false}', "account_create"
    )
    offer.latest_message["entities"] = [
        {"entity": "account_holder", "value": "citizen"},
        {"entity": "has_chip_id", "value": False},
    ]
    events = await ActionStartAccountGuide().run(CollectingDispatcher(), offer, {})
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values["account_topic"] == "create" and values["account_holder"] == "citizen"
    assert values["has_chip_id"] is False
    assert choose_path(values) == "citizen_get_chip_id"


async def test_a_new_session_resumes_the_unfinished_step() -> None:
    slots = {
        "account_path": "forgot_password",
        "account_step": 2,
        "requested_slot": "step_feedback",
    }
    assert resume_events(slots)[0]["event"] == "active_loop"
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(dispatcher, tracker("", "session_start", **slots), {})
    assert {"event": "active_loop", "timestamp": None, "name": "account_form"} in events
    assert dispatcher.messages[-1]["text"].startswith("Bước 3/")
    finished = {"account_path": "forgot_password", "account_step": 99}
    assert resume_events(finished) == []


async def test_an_answer_about_the_level_2_account_puts_its_procedure_in_focus() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerAccountFaq().run(
        dispatcher, tracker("định danh mức 2 là gì", "account_faq"), {}
    )
    assert {"event": "slot", "timestamp": None, "name": "procedure_code", "value": "3.000228"} in [
        dict(e) for e in events
    ]
    events = await ActionAnswerAccountFaq().run(
        CollectingDispatcher(), tracker("VNeID là gì?", "account_faq"), {}
    )
    assert events == []
