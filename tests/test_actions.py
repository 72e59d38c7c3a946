"""Every custom action, run against the real knowledge base with rasa-sdk trackers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionDefaultFallback, ActionSessionStart
from actions.handoff import ActionHandoff
from actions.procedure_answers import (
    ActionAnswerAgency,
    ActionAnswerDocuments,
    ActionAnswerFee,
    ActionAnswerOnline,
    ActionAnswerOverview,
    ActionAnswerProcessingTime,
    ActionChooseCase,
    ActionChooseProcedure,
)
from tests.trackers import make_tracker

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
RESIDENCE = "1.004222"  # Đăng ký thường trú


async def run(action, text: str, intent: str = "ask_overview", **slots: Any):  # noqa: ANN001
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(text, intent, **slots), {})
    return dispatcher.messages, events


def slot(events: List[Dict[str, Any]], name: str) -> Optional[Any]:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


def text_of(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


async def test_documents_of_a_procedure_with_cases_asks_which_case() -> None:
    messages, events = await run(ActionAnswerDocuments(), "đăng ký khai sinh cần giấy tờ gì")
    assert slot(events, "procedure_code") == BIRTH
    assert slot(events, "pending_aspect") == "documents"
    buttons = messages[-1]["buttons"]
    assert len(buttons) >= 2
    assert all(b["payload"].startswith('/choose_case{"case_index":"1.001193#') for b in buttons)


async def test_choosing_a_case_lists_its_documents_with_counts_and_source() -> None:
    messages, events = await run(
        ActionChooseCase(), "/choose_case", procedure_code=BIRTH, case_index=f"{BIRTH}#0"
    )
    answer = text_of(messages)
    assert "Tờ khai đăng ký khai sinh" in answer
    assert "1 bản chính" in answer
    assert "mẫu: Tờ khai đăng ký khai sinh" in answer
    assert "Nguồn: Cổng Dịch vụ công quốc gia, kiểm tra 23/11/2026" in answer
    record = messages[-1]["buttons"][0]
    assert record["url"].startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    assert slot(events, "procedure_code") == BIRTH


async def test_unaccented_teencode_question_finds_the_same_procedure() -> None:
    _, events = await run(ActionAnswerDocuments(), "dang ky khai sinh can j vay a")
    assert slot(events, "procedure_code") == BIRTH


async def test_follow_up_keeps_the_procedure_in_focus() -> None:
    messages, events = await run(
        ActionAnswerOnline(), "nộp online được không?", "ask_online", procedure_code=BIRTH
    )
    answer = text_of(messages)
    assert "Thủ tục đăng ký khai sinh" in answer
    assert "trực tuyến" in answer and "VNeID" in answer
    assert slot(events, "procedure_code") == BIRTH


async def test_a_new_procedure_replaces_the_focus_and_its_case() -> None:
    _, events = await run(
        ActionAnswerFee(),
        "còn đăng ký thường trú thì phí bao nhiêu",
        "ask_fee",
        procedure_code=BIRTH,
        case_index=f"{BIRTH}#1",
    )
    assert slot(events, "procedure_code") == RESIDENCE
    assert slot(events, "case_index") is None


async def test_fee_and_time_are_given_per_channel() -> None:
    fee, _ = await run(ActionAnswerFee(), "phí bao nhiêu", "ask_fee", procedure_code=RESIDENCE)
    assert "Trực tuyến: 10.000 đồng" in text_of(fee) or "Trực tuyến" in text_of(fee)
    time, _ = await run(
        ActionAnswerProcessingTime(), "mất bao lâu", "ask_processing_time", procedure_code=RESIDENCE
    )
    assert "7 ngày làm việc" in text_of(time)


async def test_agency_answer_names_the_agency() -> None:
    messages, _ = await run(ActionAnswerAgency(), "nộp ở đâu", "ask_agency", procedure_code=BIRTH)
    assert "Cơ quan thực hiện: Ủy ban nhân dân cấp xã" in text_of(messages)


async def test_overview_offers_follow_up_buttons() -> None:
    messages, _ = await run(ActionAnswerOverview(), "thủ tục khai sinh")
    assert "mã 1.001193" in text_of(messages)
    assert {b.get("payload") for b in messages[-1]["buttons"]} >= {"/ask_documents", "/ask_fee"}


async def test_question_without_procedure_asks_which_one() -> None:
    messages, events = await run(ActionAnswerDocuments(), "cần giấy tờ gì ạ", "ask_documents")
    assert "thủ tục nào" in text_of(messages)
    assert slot(events, "pending_aspect") == "documents"


async def test_pending_question_is_answered_once_the_procedure_is_named() -> None:
    messages, events = await run(
        ActionAnswerOverview(), "khai sinh", "ask_overview", pending_aspect="fee"
    )
    assert "Phí, lệ phí «Thủ tục đăng ký khai sinh»" in text_of(messages)
    assert slot(events, "pending_aspect") is None


async def test_unknown_procedure_is_reported_with_the_hotline() -> None:
    messages, events = await run(ActionAnswerDocuments(), "xin visa du lịch Nhật Bản cần gì")
    answer = text_of(messages)
    assert "chưa tìm thấy thủ tục" in answer
    assert "1022" in answer
    assert slot(events, "procedure_code") == "unset"


async def test_close_candidates_are_offered_as_buttons() -> None:
    messages, events = await run(ActionAnswerDocuments(), "thẻ căn cước", "ask_documents")
    buttons = messages[-1].get("buttons") or []
    if len(buttons) < 2:
        pytest.skip("the knowledge base has a single identity-card procedure")
    assert all(b["payload"].startswith('/choose_procedure{"procedure_code":') for b in buttons)
    assert slot(events, "pending_aspect") == "documents"


async def test_choosing_a_procedure_answers_the_pending_question() -> None:
    messages, events = await run(
        ActionChooseProcedure(),
        "/choose_procedure",
        procedure_code=RESIDENCE,
        pending_aspect="processing_time",
    )
    assert "7 ngày làm việc" in text_of(messages)
    assert slot(events, "pending_aspect") is None


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
