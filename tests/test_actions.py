"""Every custom action, run against the real knowledge base with rasa-sdk trackers whose latest
message carries the entities the NLU pipeline's pattern extractor finds."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import ranked, resolve
from actions.conversation import ActionDefaultFallback, ActionSessionStart
from actions.dossier import ActionAnswerDelay, ActionAnswerStatus, ActionNoteProcedure
from actions.handoff import ActionHandoff, ActionStoreRating
from actions.procedure_answers import (
    FORM,
    FROM_MESSAGE,
    ActionAnswerProcedure,
    ActionAskChosenOption,
    ValidateChoiceForm,
)
from bot.feedback.answers import AnswerRef, feedback_payload
from tests.trackers import make_tracker

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
RESIDENCE = "1.004222"  # Đăng ký thường trú
PASSPORT = "1.001456"  # Cấp hộ chiếu phổ thông ở trong nước
LOST_PASSPORT = "1.010386"  # Trình báo mất hộ chiếu phổ thông
MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn


async def run(action, text: str, intent: str = "ask_overview", **slots: Any):  # noqa: ANN001
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(text, intent, **slots), {})
    return dispatcher.messages, events


async def extract_choice(text: str, intent: str = "nlu_fallback", **slots: Any):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, intent, active_loop=FORM, requested_slot="chosen_option", **slots)
    found = await ValidateChoiceForm().extract_chosen_option(dispatcher, tracker, {})
    return dispatcher.messages, found


def slot(events: List[Dict[str, Any]], name: str) -> Optional[Any]:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


def text_of(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def button_titles(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for m in messages for b in m.get("buttons") or []]


def passport_choice(aspects: List[str]) -> Dict[str, Any]:
    return {
        "kind": "procedure",
        "code": None,
        "aspects": aspects,
        "options": [
            {"value": PASSPORT, "title": "Cấp hộ chiếu phổ thông ở trong nước", "detail": ""},
            {"value": LOST_PASSPORT, "title": "Trình báo mất hộ chiếu phổ thông", "detail": ""},
        ],
    }


def identity_card_choice(aspects: List[str]) -> Dict[str, Any]:
    """Two procedures, neither a variant of the other."""
    return {
        "kind": "procedure",
        "code": None,
        "aspects": aspects,
        "options": [
            {
                "value": "1.014061",
                "title": "Cấp thẻ căn cước (lần đầu, từ đủ 14 tuổi)",
                "detail": "",
            },
            {"value": "1.014062", "title": "Cấp thẻ căn cước cho người dưới 14 tuổi", "detail": ""},
        ],
    }


def residence_cases() -> Dict[str, Any]:
    titles = [
        "Chỗ ở hợp pháp thuộc sở hữu của người đăng ký",
        "Về ở với người thân (vợ, chồng, cha, mẹ, con...) tại nhà không thuộc sở hữu của mình",
        "Chỗ ở thuê, mượn, ở nhờ",
    ]
    options = [
        {"value": f"{RESIDENCE}#{i}", "title": t, "detail": ""} for i, t in enumerate(titles)
    ]
    return {"kind": "case", "code": RESIDENCE, "aspects": ["documents"], "options": options}


async def test_documents_that_differ_by_case_give_the_common_ones_and_open_the_case_choice() -> (
    None
):
    messages, events = await run(ActionAnswerProcedure(), "đăng ký thường trú cần giấy tờ gì")
    answer = text_of(messages)
    assert "trong mọi trường hợp đều có" in answer and "CT01" in answer
    assert slot(events, "procedure_code") == RESIDENCE
    assert slot(events, "choice_kind") == "case"
    choice = slot(events, "pending_choice")
    assert choice["code"] == RESIDENCE and len(choice["options"]) == 7
    assert "Chỗ ở thuê, mượn, ở nhờ" in [o["title"] for o in choice["options"]]


async def test_a_request_word_inside_a_whether_cue_still_picks_the_procedure() -> None:
    # "có phải đổi" asks whether; its "đổi" says which card procedure
    messages, events = await run(
        ActionAnswerProcedure(), "người 80 tuổi có phải đổi căn cước không", "ask_eligibility"
    )
    assert slot(events, "procedure_code") == "1.014063"  # Cấp đổi thẻ căn cước
    assert "Cấp đổi thẻ căn cước" in text_of(messages)
    assert slot(events, "choice_kind") in (None, "unset")


async def test_the_procedure_named_picks_no_case_of_its_own_documents() -> None:
    # "tạm trú" is in every case title of Đăng ký tạm trú: only the rest may pick one
    messages, events = await run(
        ActionAnswerProcedure(), "đăng ký tạm trú nhà thuê cần giấy tờ gì", "ask_documents"
    )
    assert "theo danh sách" not in text_of(messages).split("\n")[0]
    assert slot(events, "case_index") != "1.004194#1"


async def test_the_age_in_the_message_rules_out_the_card_for_other_ages() -> None:
    _, events = await run(ActionAnswerProcedure(), "làm cccd cho bé 10 tuổi mất bn tiền", "ask_fee")
    assert slot(events, "procedure_code") == "1.014062"  # Cấp thẻ căn cước cho người dưới 14 tuổi


async def test_the_case_stated_in_the_message_is_answered_at_once() -> None:
    messages, events = await run(
        ActionAnswerProcedure(), "đăng ký thường trú ở nhà thuê cần giấy tờ gì", "ask_documents"
    )
    answer = text_of(messages)
    assert "trường hợp: Chỗ ở thuê, mượn, ở nhờ" in answer
    assert "Hợp đồng, văn bản về việc cho thuê" in answer
    assert slot(events, "choice_kind") is None
    assert slot(events, "case_index") == f"{RESIDENCE}#2"


async def test_the_choice_form_asks_with_numbered_options_and_buttons() -> None:
    messages, _ = await run(
        ActionAskChosenOption(), "", pending_choice=passport_choice(["processing_time"])
    )
    assert "1. Cấp hộ chiếu phổ thông ở trong nước" in messages[0]["text"]
    assert "thời gian giải quyết" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[1] == f'/choose_option{{"chosen_option":"{LOST_PASSPORT}"}}'


async def test_a_choice_of_one_is_asked_as_a_yes_no_question_not_a_list() -> None:
    choice = one_option_choice(PASSPORT, "Cấp hộ chiếu phổ thông ở trong nước", ["agency"])
    messages, _ = await run(ActionAskChosenOption(), "", pending_choice=choice)
    text = messages[0]["text"]
    assert text.startswith("Có phải anh/chị hỏi (nơi nộp) về thủ tục «Cấp hộ chiếu phổ thông")
    assert "1. " not in text and "dưới đây" not in text
    assert button_titles(messages) == ["Cấp hộ chiếu phổ thông ở trong nước"]


@pytest.mark.parametrize("typed", ["đúng rồi", "dung roi", "vâng ạ"])
async def test_a_yes_to_a_choice_of_one_takes_it(typed: str) -> None:
    choice = one_option_choice(PASSPORT, "Cấp hộ chiếu phổ thông ở trong nước", [])
    messages, found = await extract_choice(typed, "affirm", pending_choice=choice)
    assert found.get("chosen_option") == PASSPORT
    assert messages == []


async def test_a_yes_to_a_choice_of_several_takes_none_of_them() -> None:
    _, found = await extract_choice("đúng rồi", "affirm", pending_choice=passport_choice([]))
    assert found.get("chosen_option") is None


@pytest.mark.parametrize(
    ("typed", "chosen"),
    [
        ("cấp mới", PASSPORT),
        ("cap moi a", PASSPORT),
        ("bị mất", LOST_PASSPORT),
        ("số 2", LOST_PASSPORT),
        ("cái thứ hai", LOST_PASSPORT),
        ("cai dau tien", None),
        ("1", PASSPORT),
        ("trình báo mất", LOST_PASSPORT),
    ],
)
async def test_a_typed_answer_to_a_procedure_choice(typed: str, chosen: Optional[str]) -> None:
    _, found = await extract_choice(typed, pending_choice=passport_choice(["overview"]))
    assert found.get("chosen_option") == chosen


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("ở nhờ nhà người quen", 2),
        ("nhà thuê", 2),
        ("em ở trọ", 2),
        ("về ở với bố mẹ", 1),
        ("nhà của mình", 0),
        ("số 3", 2),
    ],
)
async def test_a_typed_answer_to_a_case_choice(typed: str, index: int) -> None:
    _, found = await extract_choice(typed, pending_choice=residence_cases())
    assert found.get("chosen_option") == f"{RESIDENCE}#{index}"


async def test_a_follow_up_aspect_during_a_choice_is_kept_and_the_choice_asked_again() -> None:
    _, found = await extract_choice(
        "mat bao lau", "ask_processing_time", pending_choice=identity_card_choice(["overview"])
    )
    assert "chosen_option" not in found
    assert found["pending_aspects"] == ["processing_time"]


@pytest.mark.parametrize(
    "text, intent", [("mat bao lau", "ask_processing_time"), ("phí bao nhiêu", "ask_fee")]
)
async def test_a_follow_up_during_a_choice_of_a_procedure_and_its_variants_takes_the_plain_one(
    text: str, intent: str
) -> None:
    _, found = await extract_choice(text, intent, pending_choice=passport_choice(["overview"]))
    assert found["chosen_option"] == PASSPORT


async def test_a_follow_up_naming_the_variant_does_not_take_the_plain_one() -> None:
    _, found = await extract_choice(
        "bị mất thì mất bao lâu", "ask_processing_time", pending_choice=passport_choice([])
    )
    assert found.get("chosen_option") != PASSPORT


async def test_an_aspect_asked_while_the_options_are_shown_leaves_them_to_the_form() -> None:
    messages, events = await run(
        ActionAnswerProcedure(),
        "lam online dc ko a",
        "ask_online",
        pending_choice=identity_card_choice(["overview"]),
        choice_kind="procedure",
    )
    assert messages == []  # the form asks the same options again, nothing said before them
    assert slot(events, "pending_choice")["options"] == identity_card_choice([])["options"]
    assert slot(events, "pending_aspects") == ["online"]


def driving_licence_choice(aspects: List[str]) -> Dict[str, Any]:
    return {
        "kind": "procedure",
        "code": None,
        "aspects": aspects,
        "options": [
            {"value": "3.000347", "title": "Đổi giấy phép lái xe", "detail": ""},
            {"value": "3.000346", "title": "Cấp giấy phép lái xe (sau sát hạch)", "detail": ""},
        ],
    }


@pytest.mark.parametrize(
    "text, intent", [("le phi thi bn", "ask_fee"), ("mất bao lâu", "ask_processing_time")]
)
async def test_a_follow_up_during_a_choice_is_about_the_choice_not_the_earlier_answer(
    text: str, intent: str
) -> None:
    """Vehicle registration answered, then "bằng lái A1 thi ở đâu" asked which licence
    procedure: the fee asked next is not the registration's."""
    messages, events = await run(
        ActionAnswerProcedure(),
        text,
        intent,
        procedure_code="1.012575",
        pending_choice=driving_licence_choice(["agency"]),
        choice_kind="procedure",
    )
    assert slot(events, "procedure_code") == "unset"
    assert "Đăng ký xe" not in text_of(messages)
    assert slot(events, "pending_choice")["options"] == driving_licence_choice([])["options"]


@pytest.mark.parametrize("text", ["Công dân Việt Nam", "xe máy"])
async def test_a_short_reply_that_names_no_procedure_clearly_keeps_the_options(text: str) -> None:
    """The driving licence options shown, "Công dân Việt Nam" tells the case: the options are
    asked again, not replaced by "Đăng ký công dân Việt Nam ở nước ngoài"."""
    messages, events = await run(
        ActionAnswerProcedure(),
        text,
        "inform",
        pending_choice=driving_licence_choice([]),
        choice_kind="procedure",
    )
    assert slot(events, "pending_choice")["options"] == driving_licence_choice([])["options"]
    assert "ở nước ngoài" not in text_of(messages) and "Đăng ký xe" not in text_of(messages)


async def test_an_aspect_asked_after_a_procedure_and_its_variant_answers_the_plain_one() -> None:
    messages, events = await run(
        ActionAnswerProcedure(),
        "lam online dc ko a",
        "ask_online",
        pending_choice=passport_choice(["overview"]),
        choice_kind="procedure",
    )
    assert slot(events, "procedure_code") == PASSPORT
    assert "hộ chiếu" in text_of(messages)


async def test_a_question_about_another_procedure_ends_the_choice() -> None:
    _, found = await extract_choice(
        "thế còn đăng ký khai sinh thì sao", "ask_overview", pending_choice=passport_choice([])
    )
    assert found == {"chosen_option": FROM_MESSAGE}


async def test_an_answer_that_names_nothing_is_explained_then_the_stop_is_offered() -> None:
    choice = passport_choice(["overview"])
    first, found = await extract_choice("abc xyz", pending_choice=choice)
    assert found == {"choice_failures": 1} and "số thứ tự" in text_of(first)
    second, found = await extract_choice("abc xyz", pending_choice=choice, choice_failures=1)
    assert found == {"choice_failures": 2} and "thôi" in text_of(second)
    _, found = await extract_choice("abc xyz", pending_choice=choice, choice_failures=2)
    assert found["chosen_option"] == FROM_MESSAGE


async def test_intents_with_their_own_rules_are_left_to_them() -> None:
    _, found = await extract_choice(
        "cho tôi gặp nhân viên", "request_human", pending_choice=passport_choice([])
    )
    assert found == {}


async def test_a_choice_made_answers_every_pending_aspect_and_closes_the_choice() -> None:
    messages, events = await run(
        ActionAnswerProcedure(),
        "cấp mới",
        "nlu_fallback",
        chosen_option=PASSPORT,
        pending_choice=passport_choice(["processing_time", "fee"]),
        pending_aspects=["processing_time", "fee"],
        choice_kind="procedure",
    )
    answer = text_of(messages)
    assert "Thời hạn giải quyết" in answer and "Phí, lệ phí" in answer
    assert answer.count("Nguồn:") == 1
    assert slot(events, "procedure_code") == PASSPORT
    assert slot(events, "pending_choice") is None and slot(events, "choice_kind") is None


async def test_a_case_chosen_lists_that_case() -> None:
    messages, events = await run(
        ActionAnswerProcedure(),
        "/choose_option",
        "choose_option",
        chosen_option=f"{RESIDENCE}#2",
        pending_aspects=["documents"],
        procedure_code=RESIDENCE,
    )
    assert "Hợp đồng, văn bản về việc cho thuê" in text_of(messages)
    assert slot(events, "case_index") == f"{RESIDENCE}#2"


async def test_one_clear_reading_is_answered_without_a_question() -> None:
    _, events = await run(ActionAnswerProcedure(), "tôi muốn làm hộ chiếu")
    assert slot(events, "procedure_code") == PASSPORT
    assert slot(events, "choice_kind") is None


async def test_two_aspects_in_one_message_are_both_answered() -> None:
    messages, events = await run(
        ActionAnswerProcedure(),
        "nộp online được không, mất bao lâu",
        "ask_online",
        procedure_code=MARRIAGE,
    )
    answer = text_of(messages)
    assert "trực tuyến một phần" in answer and "Thời hạn giải quyết" in answer
    last = slot(events, "last_answer")
    assert (last["code"], last["aspects"]) == (MARRIAGE, ["online", "processing_time"])


async def test_a_whether_question_gets_the_official_conditions() -> None:
    messages, _ = await run(
        ActionAnswerProcedure(), "ông bà đi làm khai sinh cho cháu được không", "ask_eligibility"
    )
    answer = text_of(messages)
    assert "ông hoặc bà" in answer and "Yêu cầu, điều kiện" in answer


async def test_a_story_before_the_question_names_the_procedure() -> None:
    story = (
        "Vợ chồng em mới cưới được một tuần, cả hai đều ở Đà Nẵng. "
        "Em muốn hỏi giờ đi đăng ký thì làm ở đâu ạ?"
    )
    _, events = await run(ActionAnswerProcedure(), story, "ask_agency")
    assert slot(events, "procedure_code") == MARRIAGE
    assert slot(events, "last_answer")["aspects"] == ["agency"]


async def test_follow_up_keeps_the_procedure_in_focus() -> None:
    messages, events = await run(
        ActionAnswerProcedure(), "nộp online được không?", "ask_online", procedure_code=BIRTH
    )
    assert "trực tuyến" in text_of(messages) and "VNeID" in text_of(messages)
    assert slot(events, "procedure_code") == BIRTH


@pytest.mark.parametrize(
    "text, intent",
    [
        ("ok vậy hết bao nhiêu tiền", "ask_fee"),  # a few words that name no procedure
        ("bao lau thi xong", "ask_processing_time"),
        ("nộp ở công an xã được không", "ask_agency"),  # where-to-submit words
        ("can giay kham suc khoe ko", "ask_documents"),  # a document of the focus's record
    ],
)
async def test_a_typed_follow_up_keeps_the_procedure_in_focus(text: str, intent: str) -> None:
    messages, events = await run(ActionAnswerProcedure(), text, intent, procedure_code="3.000347")
    assert "giấy phép lái xe" in text_of(messages)
    assert slot(events, "procedure_code") in ("unset", "3.000347")
    choice = slot(events, "pending_choice")
    assert choice in ("unset", None) or choice["kind"] == "case"  # never a choice of procedures


async def test_a_new_procedure_replaces_the_focus_and_its_case() -> None:
    _, events = await run(
        ActionAnswerProcedure(),
        "còn đăng ký thường trú thì phí bao nhiêu",
        "ask_fee",
        procedure_code=BIRTH,
        case_index=f"{BIRTH}#1",
    )
    assert slot(events, "procedure_code") == RESIDENCE
    assert slot(events, "case_index") is None


async def test_fee_and_time_are_given_per_channel() -> None:
    fee, _ = await run(
        ActionAnswerProcedure(), "phí bao nhiêu", "ask_fee", procedure_code=RESIDENCE
    )
    assert "Trực tuyến: 10.000 đồng" in text_of(fee)
    time, _ = await run(
        ActionAnswerProcedure(), "mất bao lâu", "ask_processing_time", procedure_code=RESIDENCE
    )
    assert "7 ngày làm việc" in text_of(time)


async def test_agency_answer_names_the_agency() -> None:
    messages, _ = await run(
        ActionAnswerProcedure(), "nộp ở đâu", "ask_agency", procedure_code=BIRTH
    )
    assert "Cơ quan thực hiện: Ủy ban nhân dân cấp xã" in text_of(messages)


async def test_overview_offers_follow_up_buttons() -> None:
    messages, _ = await run(ActionAnswerProcedure(), "thủ tục khai sinh")
    assert "mã 1.001193" in text_of(messages)
    assert {b.get("payload") for b in messages[0]["buttons"]} >= {"/ask_documents", "/ask_fee"}


async def test_question_without_procedure_asks_which_one_and_keeps_the_aspect() -> None:
    messages, events = await run(ActionAnswerProcedure(), "cần giấy tờ gì ạ", "ask_documents")
    assert "thủ tục nào" in text_of(messages)
    assert slot(events, "pending_aspects") == ["documents"]
    messages, events = await run(
        ActionAnswerProcedure(), "khai sinh", "ask_overview", pending_aspects=["fee"]
    )
    assert "Phí, lệ phí" in text_of(messages)
    assert slot(events, "pending_aspects") is None


async def test_unknown_procedure_is_reported_with_the_hotline() -> None:
    messages, events = await run(ActionAnswerProcedure(), "xin visa du lịch Nhật Bản cần gì")
    answer = text_of(messages)
    assert "chưa tìm thấy thủ tục" in answer
    assert "1022" in answer
    assert slot(events, "procedure_code") == "unset"


async def test_a_dossier_status_question_explains_the_look_up_and_offers_staff() -> None:
    messages, events = await run(
        ActionAnswerStatus(),
        "hồ sơ mình nộp tuần trước giờ tới đâu rồi, mã 000.00.12.H17-250101-0001",
        "ask_status",
    )
    assert "Tra cứu hồ sơ" in text_of(messages) and "mã hồ sơ vừa nhắn" in text_of(messages)
    assert "000.00.12.H17" not in text_of(messages)
    assert messages[0]["buttons"][0]["payload"] == "/request_human"
    answer = slot(events, "last_answer")
    assert answer["code"] is None and answer["aspects"] == ["status"] and answer["id"]
    ratings = [b["payload"] for b in messages[0]["buttons"][1:]]
    assert ratings == [feedback_payload(r, AnswerRef.from_slot(answer)) for r in ("up", "down")]


async def test_a_status_question_naming_its_procedure_puts_it_in_focus() -> None:
    text = "toi nop ho so cap doi can cuoc tren vneid 10 ngay roi chua thay tra, kiem tra o dau"
    _, events = await run(ActionAnswerStatus(), text, "ask_status")
    assert slot(events, "procedure_code") == "1.014063"  # Cấp đổi thẻ căn cước
    _, events = await run(ActionAnswerStatus(), "hồ sơ của tôi tới đâu rồi", "ask_status")
    assert slot(events, "procedure_code") == "unset"


async def test_a_scam_report_about_a_procedure_puts_it_in_focus_for_the_next_question() -> None:
    text = (
        "co nguoi nhan zalo bao lam ho chieu nhanh 2 ngay, chuyen khoan truoc 2 trieu, co that ko"
    )
    messages, events = await run(ActionNoteProcedure(), text, "report_scam")
    assert messages == [] and slot(events, "procedure_code") == PASSPORT
    messages, events = await run(
        ActionAnswerProcedure(),
        "vay lam dung quy dinh mat bao lau",
        "ask_processing_time",
        procedure_code=PASSPORT,
    )
    assert "hộ chiếu" in text_of(messages) and slot(events, "procedure_code") == PASSPORT
    _, events = await run(ActionNoteProcedure(), "có người gọi bảo đọc mã OTP", "report_scam")
    assert events == []


async def test_a_slow_dossier_gets_the_time_limit_and_the_offer_of_staff() -> None:
    messages, events = await run(
        ActionAnswerDelay(), "nộp sang tên xe 2 tuần chưa thấy gì", "complain_delay"
    )
    answer = text_of(messages)
    assert "chờ lâu" in answer and "sang tên" in answer and "ngày làm việc" in answer
    assert slot(events, "last_answer")["aspects"] == ["delay", "processing_time"]
    assert messages[0]["buttons"][0]["payload"] == "/request_human"
    assert [b["title"] for b in messages[0]["buttons"][1:]] == ["👍 Hữu ích", "👎 Chưa đúng"]


async def test_without_live_handoff_a_person_means_the_hotline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STAFF_BRIDGE_TOKEN", raising=False)
    messages, _ = await run(ActionHandoff(), "cho tôi gặp nhân viên", "request_human")
    answer = text_of(messages)
    assert "1022" in answer and "07:30–17:30" in answer


async def test_fallback_answers_a_bare_procedure_name() -> None:
    _, events = await run(ActionDefaultFallback(), "khai sinh", "nlu_fallback")
    assert slot(events, "procedure_code") == BIRTH


async def test_fallback_answers_an_aspect_of_the_procedure_in_focus() -> None:
    level_2_account = "3.000228"
    messages, events = await run(
        ActionDefaultFallback(),
        "vay ra cong an xa thi mang gi",
        "nlu_fallback",
        procedure_code=level_2_account,
    )
    assert "chưa hiểu" not in text_of(messages)
    assert slot(events, "last_answer")["code"] == level_2_account
    assert "documents" in slot(events, "last_answer")["aspects"]


async def test_repeated_fallbacks_offer_the_hotline() -> None:
    messages, events = await run(ActionDefaultFallback(), "asdf qwer", "nlu_fallback")
    assert slot(events, "failed_turns") == 1
    messages, events = await run(
        ActionDefaultFallback(), "zxcv uiop", "nlu_fallback", failed_turns=1
    )
    assert any("1022" in (m.get("text") or "") for m in messages)


async def test_session_start_sets_province_and_keeps_slots() -> None:
    _, events = await run(ActionSessionStart(), "", "session_start", procedure_code=BIRTH)
    assert events[0]["event"] == "session_started"
    assert SlotSet("procedure_code", BIRTH) in events
    assert slot(events, "province_name") == "Thành phố Đà Nẵng"


@pytest.mark.parametrize(
    ("focus", "typed", "meant"),
    [
        (PASSPORT, "bị mất", LOST_PASSPORT),
        (LOST_PASSPORT, "cấp mới", PASSPORT),
        ("1.014061", "làm lại", "1.014064"),
        ("1.014061", "hết hạn rồi", "1.014063"),
        (PASSPORT, "cấp mới", PASSPORT),
    ],
)
async def test_a_message_that_only_names_a_variant_picks_it_in_the_focus_family(
    focus: str, typed: str, meant: str
) -> None:
    _, events = await run(ActionAnswerProcedure(), typed, "ask_overview", procedure_code=focus)
    assert slot(events, "procedure_code") == meant


async def test_a_message_that_only_names_a_variant_with_nothing_in_focus_asks_which() -> None:
    messages, events = await run(ActionAnswerProcedure(), "bị mất", "ask_overview")
    assert "muốn hỏi về thủ tục nào" in text_of(messages)
    assert slot(events, "pending_choice") == "unset"  # no list of everything "bị mất" fits


def _tracker_after(previous_action: str, text: str) -> Tracker:
    events = [
        {"event": "action", "name": previous_action},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {}},
    ]
    tracker = make_tracker(text, "rate_help")
    return Tracker(
        tracker.sender_id, {}, tracker.latest_message, events, False, None, {}, "action_listen"
    )


async def test_a_number_is_a_rating_only_right_after_the_bot_asked_for_one() -> None:
    dispatcher = CollectingDispatcher()
    await ActionStoreRating().run(dispatcher, _tracker_after("action_answer_procedure", "5"), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"
    dispatcher = CollectingDispatcher()
    await ActionStoreRating().run(dispatcher, _tracker_after("action_ask_rating", "5"), {})
    assert dispatcher.messages[0]["response"] == "utter_thank_rating"


async def test_an_ordinal_the_classifier_reads_as_a_rating_still_picks_the_option() -> None:
    _, found = await extract_choice("cái thứ 2", "rate_help", pending_choice=passport_choice([]))
    assert found == {"chosen_option": LOST_PASSPORT}


@pytest.mark.parametrize(
    "text, focus, mentioned",
    [
        # where to go, said by another procedure's name
        ("lam o xa nao cung dc hay phai ve noi dk khai sinh", "2.000635", "Đăng ký khai sinh"),
        (
            "nộp ở xã nào cũng được hay phải về nơi đăng ký khai sinh",
            "2.000635",
            "Đăng ký khai sinh",
        ),
    ],
)
async def test_a_procedure_a_follow_up_mentions_as_a_place_keeps_the_focus(
    text: str, focus: str, mentioned: str
) -> None:
    messages, events = await run(ActionAnswerProcedure(), text, procedure_code=focus)
    assert slot(events, "procedure_code") in (focus, "unset")
    assert slot(events, "pending_choice") in (None, "unset")
    assert mentioned in button_titles(messages)  # beside the answer, in case it was meant


@pytest.mark.parametrize("text", ["cần hộ chiếu bản gốc không", "can ho chieu ban goc ko"])
async def test_a_document_a_follow_up_asks_about_is_one_of_the_focus_documents(text: str) -> None:
    """Driving licence exchange in focus: whether to bring the passport is about its documents,
    not a passport procedure."""
    messages, events = await run(
        ActionAnswerProcedure(), text, "nlu_fallback", procedure_code="3.000347"
    )
    assert slot(events, "procedure_code") == "3.000347"
    assert slot(events, "pending_choice")["kind"] == "case"  # the common documents, then which
    assert slot(events, "last_answer")["aspects"] == ["documents"]
    assert "Đổi giấy phép lái xe" in text_of(messages)


@pytest.mark.parametrize(
    "text", ["cấp giấy phép bán lẻ rượu cần gì", "giay phep ban le ruou can gi"]
)
async def test_a_new_unknown_procedure_is_not_answered_with_the_one_in_focus(text: str) -> None:
    messages, events = await run(
        ActionAnswerProcedure(), text, "ask_documents", procedure_code=MARRIAGE
    )
    assert "Tờ khai đăng ký kết hôn" not in text_of(messages)
    assert slot(events, "procedure_code") in ("unset", None)


async def test_a_not_found_answer_does_not_repeat_a_phone_number() -> None:
    messages, _ = await run(ActionAnswerProcedure(), "xin visa đi Nhật gọi 0912345678 cần gì")
    assert "0912345678" not in text_of(messages) and "678" in text_of(messages)


async def test_a_doubted_request_for_an_unknown_procedure_gets_not_found_and_the_hotline() -> None:
    messages, _ = await run(ActionDefaultFallback(), "giấy phép bán lẻ rượu", "nlu_fallback")
    answer = text_of(messages)
    assert "chưa tìm thấy thủ tục" in answer and "1022" in answer


async def test_small_talk_the_classifier_doubted_is_asked_to_rephrase() -> None:
    messages, _ = await run(ActionDefaultFallback(), "hôm nay trời đẹp quá", "nlu_fallback")
    assert messages[0]["response"] == "utter_ask_rephrase"


async def test_the_case_told_after_an_answer_gets_that_cases_documents() -> None:
    messages, events = await run(
        ActionDefaultFallback(), "về ở với ông bà ngoại", "nlu_fallback", procedure_code=RESIDENCE
    )
    assert "Hồ sơ" in text_of(messages)
    assert slot(events, "last_answer")["aspects"] == ["documents"]


SPLIT_HOUSEHOLD = "1.010038"  # Tách hộ
FOREIGN_BIRTH = "2.000528"  # Đăng ký khai sinh có yếu tố nước ngoài
HOUSEHOLD_BUSINESS_PAUSE = "1.001570"  # Tạm ngừng kinh doanh ... của hộ kinh doanh


def one_option_choice(code: str, title: str, aspects: List[str]) -> Dict[str, Any]:
    option = {"value": code, "title": title, "detail": ""}
    return {"kind": "procedure", "code": None, "aspects": aspects, "options": [option]}


async def test_asking_on_after_a_one_option_question_takes_that_option() -> None:
    choice = one_option_choice(SPLIT_HOUSEHOLD, "Tách hộ", ["eligibility"])
    _, found = await extract_choice("mat bao lau", "ask_processing_time", pending_choice=choice)
    assert found == {
        "chosen_option": SPLIT_HOUSEHOLD,
        "pending_aspects": ["eligibility", "processing_time"],
    }
    messages, events = await run(
        ActionAnswerProcedure(), "mat bao lau", "ask_processing_time", pending_choice=choice
    )
    assert "Thời hạn giải quyết" in text_of(messages)
    assert slot(events, "procedure_code") == SPLIT_HOUSEHOLD


async def test_an_option_named_in_other_words_is_taken() -> None:
    choice = passport_choice(["overview"])
    choice["options"][0] = {"value": SPLIT_HOUSEHOLD, "title": "Tách hộ", "detail": ""}
    _, found = await extract_choice("tách hộ cùng chỗ ở", "inform", pending_choice=choice)
    assert found == {"chosen_option": SPLIT_HOUSEHOLD}


@pytest.mark.parametrize("text", ["bao lâu thì xong", "quy dinh la bao nhieu ngay"])
async def test_a_follow_up_with_nothing_in_focus_asks_which_procedure(text: str) -> None:
    messages, events = await run(ActionAnswerProcedure(), text, "ask_processing_time")
    assert "thủ tục nào" in text_of(messages)
    assert "chưa tìm thấy" not in text_of(messages)
    assert slot(events, "pending_aspects") == ["processing_time"]


@pytest.mark.parametrize(
    "text, code",
    [
        ("hộ kinh doanh muốn tạm ngừng kinh doanh vài tháng thì làm sao", HOUSEHOLD_BUSINESS_PAUSE),
        ("đăng ký khai sinh cho con mà bố là người nước ngoài thì làm sao", FOREIGN_BIRTH),
        # "mất" says a reissue as "cấp lại" does
        ("bi mat cccd lam lai o dau", "1.014064"),
        ("mất ví, mất luôn giấy phép lái xe, giờ làm lại có phải thi lại không", "3.000348"),
    ],
)
async def test_the_only_option_with_the_variant_asked_is_answered(text: str, code: str) -> None:
    _, events = await run(ActionAnswerProcedure(), text)
    assert slot(events, "procedure_code") == code


@pytest.mark.parametrize(
    "text, code, variant",
    [
        ("lam ho chieu", "1.001456", "Trình báo mất hộ chiếu phổ thông"),
        ("làm hộ chiếu", "1.001456", "Trình báo mất hộ chiếu phổ thông"),
    ],
)
async def test_a_plain_procedure_is_answered_before_its_variants(
    text: str, code: str, variant: str
) -> None:
    messages, events = await run(ActionAnswerProcedure(), text)
    assert slot(events, "procedure_code") == code
    assert variant in button_titles(messages)  # beside the answer, to correct it in a tap


async def test_a_one_option_question_is_not_taken_for_granted_when_another_is_in_focus() -> None:
    choice = one_option_choice(BIRTH, "Đăng ký khai sinh", ["agency"])
    _, found = await extract_choice(
        "phi 1 ban bn", "ask_fee", pending_choice=choice, procedure_code="2.000635"
    )
    assert "chosen_option" not in found


@pytest.mark.parametrize(
    "text, code",
    [
        ("thi bằng b2 ở đâu", "3.000346"),  # not "Sát hạch cấp giấy phép lái tàu"
        ("thi bang a1 het bao nhieu tien", "3.000346"),
        ("bang b2 bia giay co phai doi sang the pet ko", "3.000347"),
    ],
)
def test_everyday_names_of_driving_licences_find_the_procedure(text: str, code: str) -> None:
    found = resolve(text, None)
    assert found.procedure is not None and found.procedure.code == code


async def test_telling_the_case_of_the_procedure_in_focus_is_not_a_new_request() -> None:
    criminal_record = "3.000333"
    messages, events = await run(
        ActionAnswerProcedure(), "e la me, chau 16 tuoi", "inform", procedure_code=criminal_record
    )
    assert "chưa tìm thấy" not in text_of(messages)
    assert slot(events, "procedure_code") in (criminal_record, "unset")
    assert "lý lịch tư pháp" in text_of(messages).lower()


@pytest.mark.parametrize(
    "text, intent, code, case",
    [
        # whatever the classifier guessed, a mother and a 16-year-old is the minor's case
        ("e la me, chau 16 tuoi", "ask_eligibility", "3.000333", "cho con chưa thành niên"),
        # words of a case name
        ("tách hộ cùng chỗ ở", "ask_overview", "1.010038", "Tách hộ tại cùng chỗ ở hợp pháp"),
    ],
)
async def test_a_message_that_only_tells_the_case_gets_that_cases_documents(
    text: str, intent: str, code: str, case: str
) -> None:
    messages, events = await run(ActionAnswerProcedure(), text, intent, procedure_code=code)
    assert slot(events, "last_answer")["aspects"] == ["documents"]
    assert case in text_of(messages) and "trong mọi trường hợp" not in text_of(messages)


async def test_a_variant_named_after_an_answer_is_not_taken_for_its_case() -> None:
    # "bị mất" after "Cấp đổi thẻ căn cước" turns to the reissue, not to a case's documents
    messages, events = await run(
        ActionAnswerProcedure(), "bị mất", "inform", procedure_code="1.014063"
    )
    assert slot(events, "procedure_code") == "1.014064"
    assert slot(events, "last_answer")["aspects"] == ["overview"]


def test_the_only_option_named_word_for_word_is_answered() -> None:
    found = resolve("tach ho cung cho o", None)
    assert found.procedure is not None and found.procedure.code == "1.010038"


def test_the_records_of_one_procedure_for_each_level_are_one_option() -> None:
    titles = [hit.short_name for hit in ranked("thẻ căn cước bị mất thì cấp lại ở đâu")]
    assert "Cấp lại thẻ căn cước" in titles
    assert not [t for t in titles if t.startswith("Cấp lại thẻ căn cước (")]
