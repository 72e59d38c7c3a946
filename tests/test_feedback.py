"""Feedback on answers: the buttons an answer carries, the 👍 / 👎 actions and the question after
a 👎, the guard on typed ratings, the store, and the supervisor's figures over a real feedback
table and a real conversation store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from conversations import answered, asked, not_found, not_understood, write_conversations
from rasa.shared.core.events import SlotSet
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.context import knowledge
from actions.feedback import ActionStoreFeedback, ActionStoreFeedbackDetail, store, typed_rating
from actions.procedure_answers import ActionAnswerProcedure
from bot.console import conversation_events
from bot.console.answer_quality import answer_quality, csv_table
from bot.console.statistics import Period
from bot.feedback.answers import AnswerRef, feedback_payload, is_feedback_payload
from bot.feedback.store import FeedbackStore
from bot.tracker_store import redact_event
from knowledge import render
from tests.trackers import make_tracker

BIRTH = "1.001193"
MARRIAGE = "1.000894"


def sdk_tracker(
    text: str,
    intent: str,
    events: Optional[List[Dict[str, Any]]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    sender: str = "citizen-fb",
    **slots: Any,
) -> Tracker:
    """A tracker whose latest message is ``text``, after ``events``."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
    }
    history = list(events or []) + [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker(sender, slots, latest, history, False, None, {}, "action_listen")


def answer_turn(question: str, answer: AnswerRef, action: str) -> List[Dict[str, Any]]:
    """The events of a question and the bot's answer to it."""
    return [
        {"event": "user", "text": question},
        {"event": "action", "name": action},
        {"event": "bot", "text": "…"},
        {"event": "slot", "name": "last_answer", "value": answer.as_slot()},
        {"event": "action", "name": "action_listen"},
    ]


def payload_entities(payload: str) -> List[Dict[str, Any]]:
    values = json.loads(payload[payload.index("{") :])
    return [{"entity": name, "value": value} for name, value in values.items()]


async def run(action, tracker: Tracker):  # noqa: ANN001
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def slot(events: List[Dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


# --- what an answer carries --------------------------------------------------------------


async def test_an_answer_carries_link_follow_ups_staff_and_feedback_in_order() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerProcedure().run(
        dispatcher, make_tracker("lệ phí đăng ký kết hôn", "ask_fee"), {}
    )
    buttons = dispatcher.messages[-1]["buttons"]
    assert buttons[0] == {
        "title": "Xem chi tiết thủ tục",
        "url": knowledge().procedure(MARRIAGE).source_url,
    }
    assert [b.get("payload") for b in buttons[1:5]] == [
        "/ask_documents",
        "/ask_processing_time",
        "/ask_agency",
        "/ask_online",
    ]
    assert buttons[5] == {"title": "Gặp cán bộ", "payload": "/request_human"}
    assert [b["title"] for b in buttons[6:]] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert all(is_feedback_payload(b["payload"]) for b in buttons[6:])
    last = slot(events, "last_answer")
    assert last["code"] == MARRIAGE and last["aspects"] == ["fee"] and len(last["id"]) == 12
    assert last["id"] in buttons[6]["payload"]
    source = dispatcher.messages[-1]["text"].splitlines()[-1]
    assert source.startswith("Nguồn: Cổng Dịch vụ công quốc gia, kiểm tra ")
    assert "https://" not in source  # the record's address is the link button


async def test_every_answer_gets_its_own_id() -> None:
    first = await run(ActionAnswerProcedure(), make_tracker("khai sinh nộp online", "ask_online"))
    second = await run(ActionAnswerProcedure(), make_tracker("khai sinh nộp online", "ask_online"))
    assert slot(first[1], "last_answer")["id"] != slot(second[1], "last_answer")["id"]


def test_an_answer_id_is_stored_as_it_is_so_a_thumbs_down_finds_its_question() -> None:
    """The stored conversation masks what reads as a phone or identity number; an answer's id
    never does (before, about one id in fifty held nine digits in a row and lost its question)."""
    for _ in range(500):
        answer = replies.new_answer(MARRIAGE, ["fee"])
        stored = redact_event(SlotSet("last_answer", answer.as_slot()))
        assert stored.value["id"] == answer.answer_id


async def test_not_found_offers_the_closest_procedures_staff_and_feedback() -> None:
    messages, events = await run(
        ActionAnswerProcedure(),
        make_tracker("xin visa du lịch Nhật Bản phí bao nhiêu", "ask_fee"),
    )
    buttons = messages[-1]["buttons"]
    listed = [line[3:] for line in messages[-1]["text"].splitlines() if line[:3] in NUMBERS]
    assert listed and [b["title"] for b in buttons] == [
        *listed,
        "Gặp cán bộ",
        "👍 Hữu ích",
        "👎 Chưa đúng",
    ]
    for button, name in zip(buttons, listed, strict=False):
        code = json.loads(button["payload"].removeprefix("/choose_option"))["chosen_option"]
        assert render.shortened_name(knowledge().procedure(code).short_name) == name
    assert slot(events, "last_answer")["aspects"] == ["not_found"]
    assert slot(events, "last_answer")["code"] is None
    assert slot(events, "pending_aspects") == ["fee"]  # what a closest one tapped answers


NUMBERS = ("1. ", "2. ", "3. ")


def test_a_catalogue_only_procedure_offers_no_follow_ups() -> None:
    procedure = knowledge().procedure(BIRTH)
    answer = replies.new_answer(procedure.code, ["documents"])
    kinds = [b.get("payload", "link") for b in replies.answer_buttons(procedure, answer)]
    assert "/ask_fee" in kinds
    thin = type(procedure)(
        code="9.999999",
        name="Thủ tục thử",
        short_name="Thử",
        source_url="https://dichvucong.gov.vn",
    )
    buttons = replies.answer_buttons(thin, replies.new_answer(thin.code, ["fee"]))
    assert buttons[0] == {"title": "Mở Cổng DVC quốc gia", "url": "https://dichvucong.gov.vn"}
    assert [b["title"] for b in buttons[1:]] == ["Gặp cán bộ", "👍 Hữu ích", "👎 Chưa đúng"]


# --- 👍 / 👎 and the question after a 👎 ------------------------------------------------


async def test_thumbs_up_is_stored_and_thanked() -> None:
    answer = replies.new_answer(BIRTH, ["documents"])
    payload = feedback_payload("up", answer)
    history = answer_turn("khai sinh cần gì", answer, "action_answer_procedure")
    messages, events = await run(
        ActionStoreFeedback(),
        sdk_tracker(payload, "feedback", history, payload_entities(payload), sender="fb-up"),
    )
    assert "Cảm ơn" in messages[-1]["text"]
    assert slot(events, "pending_feedback") is None
    rows = [r for r in store().between(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))]
    row = next(r for r in rows if r.conversation_id == "fb-up")
    assert (row.rating, row.procedure_code, row.answer_type) == ("up", BIRTH, "documents")
    assert row.question == "khai sinh cần gì"


async def test_thumbs_down_asks_what_was_wrong_then_takes_a_reason_or_words() -> None:
    answer = replies.new_answer(MARRIAGE, ["fee"])
    payload = feedback_payload("down", answer)
    history = answer_turn("le phi ket hon, sdt toi 0912345678", answer, "action_answer_fee")
    messages, events = await run(
        ActionStoreFeedback(),
        sdk_tracker(payload, "feedback", history, payload_entities(payload), sender="fb-down"),
    )
    question = messages[-1]
    assert "còn thiếu điều gì" in question["text"]
    titles = [b["title"] for b in question["buttons"]]
    assert titles == [
        "Không đúng thủ tục",
        "Thiếu thông tin",
        "Thông tin chưa đúng",
        "Khó hiểu",
    ] + ["Gặp cán bộ"]
    feedback_id = slot(events, "pending_feedback")
    row = store().get(feedback_id)
    assert row.rating == "down" and "0912345678" not in row.question and "•••678" in row.question

    asked_events = history + [
        {"event": "user", "text": payload},
        {"event": "action", "name": "action_store_feedback"},
        {"event": "bot", "text": question["text"]},
        {"event": "action", "name": "action_listen"},
    ]
    reason = question["buttons"][1]["payload"]
    messages, events = await run(
        ActionStoreFeedbackDetail(),
        sdk_tracker(
            reason,
            "feedback_detail",
            asked_events,
            payload_entities(reason),
            sender="fb-down",
            pending_feedback=feedback_id,
        ),
    )
    assert "Cảm ơn anh/chị đã góp ý" in messages[-1]["text"]
    assert store().get(feedback_id).reason == "missing_info"

    messages, _ = await run(
        ActionStoreFeedbackDetail(),
        sdk_tracker(
            "thiếu phí trích lục, gọi 0987654321",
            "nlu_fallback",
            asked_events,
            sender="fb-down",
            pending_feedback=feedback_id,
        ),
    )
    assert store().get(feedback_id).comment == "thiếu phí trích lục, gọi •••321"


async def test_a_second_click_on_the_same_answer_changes_the_rating() -> None:
    answer = replies.new_answer(BIRTH, ["fee"])
    for rating in ("down", "up"):
        payload = feedback_payload(rating, answer)
        await run(
            ActionStoreFeedback(),
            sdk_tracker(payload, "feedback", [], payload_entities(payload), sender="fb-twice"),
        )
    rows = store().between(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
    mine = [r for r in rows if r.conversation_id == "fb-twice"]
    assert [r.rating for r in mine] == ["up"]


async def test_typed_feedback_counts_only_right_after_an_answer() -> None:
    answer = replies.new_answer(BIRTH, ["processing_time"])
    history = answer_turn("khai sinh mất bao lâu", answer, "action_answer_procedure")
    messages, events = await run(
        ActionStoreFeedback(), sdk_tracker("sai rồi", "deny", history, sender="fb-typed")
    )
    assert "còn thiếu điều gì" in messages[-1]["text"]
    assert store().get(slot(events, "pending_feedback")).answer_id == answer.answer_id

    plain_no, _ = await run(
        ActionStoreFeedback(), sdk_tracker("không", "deny", history, sender="fb-typed")
    )
    assert plain_no[0]["response"] == "utter_deny"

    asked_back = [
        {"event": "user", "text": "cần giấy tờ gì"},
        {"event": "action", "name": "action_answer_procedure"},
        {"event": "bot", "text": "Anh/chị muốn hỏi về thủ tục nào ạ?"},
        {"event": "action", "name": "action_listen"},
    ]
    thumbs, events = await run(
        ActionStoreFeedback(),
        sdk_tracker("👍", "unreadable_message", asked_back, sender="fb-typed"),
    )
    assert thumbs[0]["response"] == "utter_unreadable" and events == []


async def test_typed_feedback_after_a_slow_dossier_answer_is_stored_as_its_type() -> None:
    answer = replies.new_answer(None, ["delay"])
    history = answer_turn("nộp 2 tuần chưa thấy gì", answer, "action_answer_delay")
    messages, events = await run(
        ActionStoreFeedback(), sdk_tracker("chưa đúng", "deny", history, sender="fb-delay")
    )
    assert "còn thiếu điều gì" in messages[-1]["text"]
    stored = store().get(slot(events, "pending_feedback"))
    assert stored.answer_id == answer.answer_id and stored.answer_type == "delay"


@pytest.mark.parametrize(
    "text,rating",
    [("sai rồi", "down"), ("chưa đúng ạ", "down"), ("👎", "down"), ("👍👍", "up")]
    + [("không", None), ("5", None), ("1", None), ("ok", None)],
)
def test_typed_ratings(text: str, rating: Optional[str]) -> None:
    assert typed_rating(text) == rating


# --- the store and the supervisor's figures ------------------------------------------------


def test_detail_goes_only_to_a_thumbs_down_of_the_same_conversation(tmp_path: Path) -> None:
    feedback = FeedbackStore.open(f"sqlite:///{tmp_path / 'kb.db'}")
    up = feedback.record("a", "rest", AnswerRef("id-up", BIRTH, ("fee",)), "up")
    down = feedback.record("a", "rest", AnswerRef("id-down", BIRTH, ("fee",)), "down")
    assert not feedback.add_detail(up, "a", reason="missing_info")
    assert not feedback.add_detail(down, "b", reason="missing_info")
    assert feedback.add_detail(down, "a", reason="missing_info")
    with pytest.raises(ValueError):
        feedback.add_detail(down, "a", reason="not-a-reason")


def test_figures_share_of_thumbs_up_most_disliked_and_unanswered(tmp_path: Path) -> None:
    feedback = FeedbackStore.open(f"sqlite:///{tmp_path / 'kb.db'}")
    ratings = [("up", BIRTH, "fee"), ("up", BIRTH, "fee"), ("down", BIRTH, "fee")]
    ratings += [("down", MARRIAGE, "documents"), ("down", MARRIAGE, "documents")]
    ratings += [("down", None, "not_found")]
    for number, (rating, code, answer_type) in enumerate(ratings):
        sender = f"web-{number:04d}-0912345678"
        feedback_id = feedback.record(
            sender,
            "socketio",
            AnswerRef(f"a{number}", code, (answer_type,)),
            rating,
            question=f"câu hỏi {number}, số 048090123456",
        )
        if rating == "down":
            feedback.add_detail(feedback_id, sender, reason="wrong_info", comment="=HYPERLINK(x)")
    url = write_conversations(
        tmp_path / "conversations.db",
        {
            "web-1": not_understood("xin cap giay phep ban sung"),
            "web-2": not_understood("Xin cấp giấy phép bắn súng"),
            "web-3": not_found("lam visa di nhat, sdt 0912345678")
            + answered("khai sinh le phi", "Phí…", "x1", BIRTH, "fee"),
        },
    )
    names = {BIRTH: "Đăng ký khai sinh", MARRIAGE: "Đăng ký kết hôn"}
    quality = answer_quality(feedback, url, names.get, Period.last_days(7))

    assert quality["totals"] == {"up": 2, "down": 4, "up_percent": 33.3}
    by_type = {r["answer_type"]: r for r in quality["answer_types"]}
    assert by_type["fee"]["up_percent"] == 66.7 and by_type["documents"]["up_percent"] == 0.0
    assert by_type["not_found"]["label"] == "Không tìm thấy thủ tục"
    assert [p["code"] for p in quality["procedures"]] == [BIRTH, MARRIAGE]

    worst = quality["disliked"][0]
    assert (worst["code"], worst["answer_type"], worst["down"]) == (MARRIAGE, "documents", 2)
    shown = json.dumps(quality["disliked"], ensure_ascii=False)
    assert "0912345678" not in shown and "048090123456" not in shown
    assert worst["conversations"][0]["reason"] == "Thông tin chưa đúng"

    unanswered = quality["unanswered"]
    assert unanswered[0]["count"] == 2 and unanswered[0]["conversations"] == 2
    assert unanswered[0]["kinds"] == ["Chưa hiểu câu hỏi"]
    visa = next(u for u in unanswered if "visa" in u["question"])
    assert visa["kinds"] == ["Không tìm thấy thủ tục"] and "•••678" in visa["question"]
    assert not any("khai sinh le phi" in u["question"] for u in unanswered)

    exported = csv_table(
        answer_quality(feedback, url, names.get, Period.last_days(7), False), "disliked"
    )
    assert exported.startswith("\ufeff".encode())
    text = exported.decode("utf-8-sig")
    assert "'=HYPERLINK(x)" in text and "Đăng ký kết hôn" in text
    assert (
        csv_table(quality, "unanswered").decode("utf-8-sig").splitlines()[0].startswith("Câu hỏi")
    )


def test_a_conversation_reads_masked_with_buttons_named(tmp_path: Path) -> None:
    answer = AnswerRef("z1", BIRTH, ("fee",))
    events = answered(
        "lệ phí khai sinh, số 0912345678", "Phí: [mẫu](https://x.vn/m.doc)", "z1", BIRTH, "fee"
    )
    events.append(asked(feedback_payload("down", answer), "feedback"))
    url = write_conversations(tmp_path / "c.db", {"web-9": events})
    messages = conversation_events.transcript(url, "web-9", dt.datetime.utcnow())
    assert [m["who"] for m in messages] == ["user", "bot", "user"]
    assert messages[0]["text"] == "lệ phí khai sinh, số •••678"
    assert messages[1]["text"] == "Phí: [mẫu](https://x.vn/m.doc)"  # drawn as a link
    assert messages[2]["text"] == "[Bấm nút] Chưa đúng"
    assert (
        conversation_events.transcript(
            f"sqlite:///{tmp_path / 'none.db'}", "x", dt.datetime.utcnow()
        )
        is None
    )
