"""Rich replies on every channel, checked against each platform's documented message format:
link buttons, quick replies, "Gặp cán bộ" and the 👍 / 👎 controls, in the order a channel
keeps them, within its limits; long texts split at line boundaries; long document lists.

Formats (cited in bot/channels/zalo.py and messenger.py: developers.zalo.me's consultation
message as https://developers.esms.vn/en/esms-api/send-sms-api/send-zalo-message-consulting-button
reproduces it; https://developers.facebook.com/docs/messenger-platform/send-messages/template/button,
.../send-messages/buttons/url and .../reference/buttons/quick-replies):
- Zalo OA consultation message: ``message.attachment = {"type": "template", "payload":
  {"buttons": [...]}}``, at most 5 buttons, title <= 100 characters; ``oa.open.url`` with
  ``payload: {"url"}``; ``oa.query.hide`` with a string payload <= 1000 characters; text <= 2000.
- Messenger Send API: a button template (``template_type: button``, text <= 640, 1-3 buttons,
  ``web_url`` buttons with ``url`` and a title <= 20); a generic template (``template_type:
  generic``, 1-10 elements, each a ``title`` <= 80 and at least one more property: ``subtitle``
  <= 80, ``default_action`` a URL button without title, 1-3 buttons;
  .../send-messages/template/generic); quick replies (<= 13, ``content_type: text``, title
  <= 20, payload <= 1000) on a text or an attachment; text <= 2000.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from rasa.core.channels.channel import CollectingOutputChannel

from actions import replies
from actions.context import knowledge
from bot.channels import messenger, zalo
from bot.channels.rest import RestOutput
from bot.channels.shaping import (
    FEEDBACK_QUESTION,
    MORE_AND_FEEDBACK,
    MORE_LINKS,
    Button,
    button_groups,
    buttons_of,
    split_text,
    with_inline_links,
)
from bot.channels.widget import widget_message
from bot.feedback.answers import is_feedback_payload
from knowledge import render
from knowledge.models import Case, Document, Procedure
from knowledge.profile import current_profile
from tests.platforms import messenger_delivery, post, text_event, wait_for_turns, zalo_event

MARRIAGE = "1.000894"
ROOT = Path(__file__).resolve().parent.parent
ZALO_TYPES = {"oa.open.url", "oa.query.hide"}


def answer_buttons(aspect: str = "fee") -> List[Dict[str, Any]]:
    procedure = knowledge().procedure(MARRIAGE)
    return replies.answer_buttons(procedure, replies.new_answer(MARRIAGE, [aspect]))


def long_text(lines: int = 120) -> str:
    return "\n".join(
        f"{i}. Giấy tờ số {i}: bản sao có chứng thực hoặc bản chính" for i in range(lines)
    )


def check_zalo_message(message: Dict[str, Any]) -> None:
    """A consultation ``message`` as the OA API documents it."""
    assert set(message) <= {"text", "attachment"} and 0 < len(message["text"]) <= 2000
    if "attachment" not in message:
        return
    assert message["attachment"]["type"] == "template"
    buttons = message["attachment"]["payload"]["buttons"]
    assert 1 <= len(buttons) <= 5
    for button in buttons:
        assert button["type"] in ZALO_TYPES and 0 < len(button["title"]) <= 100
        if button["type"] == "oa.open.url":
            assert set(button["payload"]) == {"url"}
            assert button["payload"]["url"].startswith("https://")
        else:
            assert isinstance(button["payload"], str) and len(button["payload"]) <= 1000


def check_messenger_message(message: Dict[str, Any]) -> None:
    """A Send API ``message`` as Messenger documents it."""
    assert ("text" in message) != ("attachment" in message)
    if "text" in message:
        assert 0 < len(message["text"]) <= 2000
    else:
        template = message["attachment"]
        assert template["type"] == "template"
        payload = template["payload"]
        assert payload["template_type"] in {"button", "generic"}
        if payload["template_type"] == "button":
            assert 0 < len(payload["text"]) <= 640
            check_url_buttons(payload["buttons"])
        else:
            assert set(payload) == {"template_type", "elements"}
            assert 1 <= len(payload["elements"]) <= 10
            for card in payload["elements"]:
                assert set(card) <= {"title", "subtitle", "default_action", "buttons"}
                assert 0 < len(card["title"]) <= 80 and len(card) >= 2
                assert len(card.get("subtitle", "")) <= 80
                action = card.get("default_action", {"type": "web_url", "url": "https://x"})
                assert action["type"] == "web_url" and action["url"].startswith("https://")
                assert "title" not in action
                check_url_buttons(
                    card.get("buttons", [{"type": "web_url", "url": "https://x", "title": "x"}])
                )
    quick = message.get("quick_replies", [])
    assert len(quick) <= 13
    for reply in quick:
        assert set(reply) == {"content_type", "title", "payload"}
        assert reply["content_type"] == "text" and 0 < len(reply["title"]) <= 20
        assert 0 < len(reply["payload"]) <= 1000


def check_url_buttons(buttons: List[Dict[str, Any]]) -> None:
    """1-3 Messenger URL buttons."""
    assert 1 <= len(buttons) <= 3
    for button in buttons:
        assert set(button) == {"type", "url", "title"} and button["type"] == "web_url"
        assert button["url"].startswith("https://") and 0 < len(button["title"]) <= 20


def messenger_links(messages: List[Dict[str, Any]]) -> List[str]:
    """The pages the links of Messenger messages open, in order."""
    found = []
    for message in messages:
        payload = message.get("attachment", {}).get("payload", {})
        found += [b["url"] for b in payload.get("buttons", [])]
        found += [card["buttons"][0]["url"] for card in payload.get("elements", [])]
    return found


# --- the contract -----------------------------------------------------------------------


def test_buttons_are_kept_in_order_link_follow_ups_staff_feedback() -> None:
    mixed = [
        {"title": "👍 Hữu ích", "payload": '/feedback{"feedback_rating":"up"}'},
        {"title": "Gặp cán bộ", "payload": "/request_human"},
        {"title": "Lệ phí", "payload": "/ask_fee"},
        {"title": "Xem chi tiết thủ tục", "url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/1"},
        {"title": "Mã độc", "url": "javascript:alert(1)"},
        {"title": "Trống"},
    ]
    shown = buttons_of(mixed)
    assert [b.kind for b in shown] == ["link", "reply", "human", "feedback"]
    assert [b.title for b in shown] == [
        "Xem chi tiết thủ tục",
        "Lệ phí",
        "Gặp cán bộ",
        "👍 Hữu ích",
    ]


def test_feedback_payloads_are_told_from_the_reasons_after_a_thumbs_down() -> None:
    assert is_feedback_payload('/feedback{"feedback_rating":"down"}')
    assert is_feedback_payload("/feedback")
    assert not is_feedback_payload('/feedback_detail{"feedback_reason":"unclear"}')


def test_text_is_split_at_line_boundaries() -> None:
    text = long_text()
    parts = split_text(text, 2000)
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, every cut at a line end


# --- Zalo ---------------------------------------------------------------------------------


def test_zalo_answer_link_opens_the_record_and_five_buttons_a_message() -> None:
    parts = [zalo.message_body(r) for r in zalo.ZaloOutput(None).plan("Phí…", answer_buttons())]
    for message in parts:
        check_zalo_message(message)
    first, second = (m["attachment"]["payload"]["buttons"] for m in parts)
    assert first[0]["type"] == "oa.open.url"
    assert first[0]["payload"]["url"] == knowledge().procedure(MARRIAGE).source_url
    assert [b["title"] for b in first[1:]] == [
        "Giấy tờ cần nộp",
        "Thời gian giải quyết",
        "Nơi nộp",
        "Nộp trực tuyến",
    ]
    assert parts[1]["text"] == FEEDBACK_QUESTION
    assert [b["title"] for b in second] == ["Gặp cán bộ", "👍 Hữu ích", "👎 Chưa đúng"]


def test_zalo_long_answer_is_split_and_the_buttons_go_with_its_end() -> None:
    parts = [
        zalo.message_body(r) for r in zalo.ZaloOutput(None).plan(long_text(), answer_buttons())
    ]
    for message in parts:
        check_zalo_message(message)
    assert "attachment" not in parts[0] and "attachment" in parts[-2]


def test_zalo_inline_links_are_open_url_buttons_and_the_feedback_pair_stays_together() -> None:
    text = (
        "Nộp trực tuyến tại: [trang nộp hồ sơ](https://dichvucong.gov.vn/nop)\n"
        "[Cổng dịch vụ công Thành phố Đà Nẵng](https://dichvucong.danang.gov.vn)\n"
        "[Hệ thống một cửa Thành phố Đà Nẵng](https://motcua.danang.gov.vn)"
    )
    parts = [zalo.message_body(r) for r in zalo.ZaloOutput(None).plan(text, answer_buttons())]
    for message in parts:
        check_zalo_message(message)
        assert "http" not in message["text"]
    assert parts[0]["text"].splitlines() == [
        "Nộp trực tuyến tại: trang nộp hồ sơ",
        "Cổng dịch vụ công Thành phố Đà Nẵng",
        "Hệ thống một cửa Thành phố Đà Nẵng",
    ]
    buttons = [b for m in parts for b in m["attachment"]["payload"]["buttons"]]
    opened = [b["payload"]["url"] for b in buttons if b["type"] == "oa.open.url"]
    assert opened == [
        knowledge().procedure(MARRIAGE).source_url,
        "https://dichvucong.gov.vn/nop",
        "https://dichvucong.danang.gov.vn",
        "https://motcua.danang.gov.vn",
    ]
    assert [b["title"] for b in buttons][1:4] == [
        "trang nộp hồ sơ",
        "Cổng dịch vụ công Thành phố Đà Nẵng",
        "Hệ thống một cửa Thành phố Đà Nẵng",
    ]
    last = parts[-1]["attachment"]["payload"]["buttons"]
    assert parts[-1]["text"] == FEEDBACK_QUESTION
    assert [b["title"] for b in last][-2:] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert len(buttons) == 3 + len(answer_buttons())  # nothing lost


def test_zalo_follow_up_message_says_what_its_buttons_are_for() -> None:
    text = "Xem [Cổng dịch vụ công Thành phố Đà Nẵng](https://dichvucong.danang.gov.vn)"
    parts = zalo.ZaloOutput(None).plan(text, answer_buttons())
    assert [len(p.buttons) for p in parts] == [5, 4]
    assert [b.kind for b in parts[1].buttons] == ["reply", "human", "feedback", "feedback"]
    assert parts[1].text == MORE_AND_FEEDBACK
    links = [{"title": f"Trang {i}", "url": f"https://a.gov.vn/{i}"} for i in range(7)]
    assert [p.text for p in zalo.ZaloOutput(None).plan("Các trang:", links)] == [
        "Các trang:",
        MORE_LINKS,
    ]


def test_button_groups_fill_messages_in_order_without_splitting_the_feedback_pair() -> None:
    shown = buttons_of(answer_buttons())  # link, 4 follow-ups, staff, 👍, 👎
    extra = [Button("link", f"Trang {i}", url=f"https://a.gov.vn/{i}") for i in range(4)]
    groups = button_groups(extra + shown, 5)
    assert [len(g) for g in groups] == [5, 5, 2]
    assert [b.kind for b in groups[-1]] == ["feedback", "feedback"]
    assert [b for g in groups for b in g] == extra + shown


# --- Messenger ------------------------------------------------------------------------------


def test_messenger_answer_is_a_button_template_with_quick_replies() -> None:
    parts = [messenger.message_body(r) for r in messenger.plan("Phí, lệ phí…", answer_buttons())]
    assert len(parts) == 1
    message = parts[0]
    check_messenger_message(message)
    template = message["attachment"]["payload"]
    assert template["text"] == "Phí, lệ phí…"
    assert template["buttons"][0]["url"] == knowledge().procedure(MARRIAGE).source_url
    assert [q["title"] for q in message["quick_replies"]] == [
        "Giấy tờ cần nộp",
        "Thời gian giải quyết",
        "Nơi nộp",
        "Nộp trực tuyến",
        "Gặp cán bộ",
        "👍 Hữu ích",
        "👎 Chưa đúng",
    ]


def test_messenger_long_answer_keeps_the_template_text_within_640_characters() -> None:
    text = long_text()
    parts = [messenger.message_body(r) for r in messenger.plan(text, answer_buttons())]
    for message in parts:
        check_messenger_message(message)
    shown = [m.get("text") or m["attachment"]["payload"]["text"] for m in parts]
    assert "\n".join(shown) == text
    assert "attachment" in parts[-1] and "quick_replies" in parts[-1]
    assert all("quick_replies" not in m for m in parts[:-1])


def test_messenger_more_links_than_a_template_holds_become_cards_after_the_text() -> None:
    links = [{"title": f"Trang {i}", "url": f"https://dichvucong.gov.vn/{i}"} for i in range(4)]
    choices = [{"title": f"Chọn {i}", "payload": f"/choose_{i}"} for i in range(12)]
    feedback = [b for b in answer_buttons() if b.get("payload", "").startswith("/feedback")]
    parts = [messenger.message_body(r) for r in messenger.plan("Chọn:", links + choices + feedback)]
    for message in parts:
        check_messenger_message(message)
    assert parts[0] == {"text": "Chọn:"}
    cards = parts[-1]["attachment"]["payload"]["elements"]
    assert [c["title"] for c in cards] == ["Trang 0", "Trang 1", "Trang 2", "Trang 3"]
    assert cards[3]["subtitle"] == "dichvucong.gov.vn"
    assert messenger_links(parts) == [link["url"] for link in links]
    titles = [q["title"] for q in parts[-1]["quick_replies"]]
    assert len(titles) == 13 and titles[-1] == "👍 Hữu ích"


def test_messenger_inline_links_are_buttons_and_long_titles_cards_not_addresses() -> None:
    text = (
        "Nộp trực tuyến tại: [trang nộp hồ sơ](https://dichvucong.gov.vn/nop)\n"
        "[Cổng dịch vụ công Thành phố Đà Nẵng](https://dichvucong.danang.gov.vn)"
    )
    record = [{"title": "Xem chi tiết thủ tục", "url": "https://dichvucong.gov.vn/nop"}]
    short = [messenger.message_body(r) for r in messenger.plan(text.split("\n")[0], record)]
    assert short == [
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "Nộp trực tuyến tại: trang nộp hồ sơ",
                    "buttons": [
                        {
                            "type": "web_url",
                            "url": "https://dichvucong.gov.vn/nop",
                            "title": "Xem chi tiết thủ tục",
                        }
                    ],
                },
            }
        }
    ]
    parts = [messenger.message_body(r) for r in messenger.plan(text, record + answer_buttons()[1:])]
    for message in parts:
        check_messenger_message(message)
        assert "http" not in message.get("text", "")
    assert parts[0]["text"].endswith("Cổng dịch vụ công Thành phố Đà Nẵng")
    cards = parts[1]["attachment"]["payload"]["elements"]
    assert [c["title"] for c in cards] == [
        "Xem chi tiết thủ tục",
        "Cổng dịch vụ công Thành phố Đà Nẵng",
    ]
    assert parts[1]["quick_replies"][-1]["title"] == "👎 Chưa đúng"


def test_messenger_long_choice_titles_are_listed_and_numbered_once() -> None:
    cases = [{"title": f"Trường hợp số {i} có tên rất dài", "payload": f"/c{i}"} for i in range(3)]
    (part,) = [messenger.message_body(r) for r in messenger.plan("Trường hợp nào?", cases)]
    check_messenger_message(part)
    assert "1. Trường hợp số 0 có tên rất dài" in part["text"]
    assert part["quick_replies"][0]["title"].startswith("1. ")
    question = render.choice_question("case", "thủ tục X", [c["title"] for c in cases], [])
    (part,) = [messenger.message_body(r) for r in messenger.plan(question, cases)]
    assert part["text"] == question  # the question numbers them already
    assert [q["title"][:3] for q in part["quick_replies"]] == ["1. ", "2. ", "3. "]


def test_messenger_one_option_question_does_not_list_its_title_again() -> None:
    title = "Cấp hộ chiếu phổ thông ở trong nước"
    question = render.choice_question("procedure", "", [title], [])
    option = [{"title": title, "payload": "/choose"}]
    (part,) = [messenger.message_body(r) for r in messenger.plan(question, option)]
    check_messenger_message(part)
    assert part["text"] == question and part["text"].count(title) == 1
    assert part["quick_replies"][0]["title"] == "Đúng vậy"


# --- REST and the widget --------------------------------------------------------------------


async def test_rest_buttons_say_what_they_are_and_inline_links_are_link_buttons() -> None:
    output = RestOutput()
    await output.send_text_with_buttons(
        "me", "Tờ khai: [mẫu TK1](https://dichvucong.gov.vn/tk1.docx)", answer_buttons()
    )
    # Rasa passes the rest of the response on, an empty "buttons" included
    await output.send_text_message("me", "Xem [Cổng DVC](https://dichvucong.gov.vn)", buttons=[])
    first, second = output.messages
    assert first["text"] == "Tờ khai: mẫu TK1"
    kinds = [b["type"] for b in first["buttons"]]
    assert kinds == ["web_url"] * 2 + ["postback"] * 5 + ["feedback"] * 2
    assert first["buttons"][0]["url"] == knowledge().procedure(MARRIAGE).source_url
    assert first["buttons"][1] == {
        "type": "web_url",
        "title": "mẫu TK1",
        "url": "https://dichvucong.gov.vn/tk1.docx",
    }
    assert second["text"] == "Xem Cổng DVC"
    assert second["buttons"] == [
        {"type": "web_url", "title": "Cổng DVC", "url": "https://dichvucong.gov.vn"}
    ]
    assert isinstance(output, CollectingOutputChannel)


def test_widget_message_sorts_links_choices_and_feedback() -> None:
    message = widget_message("Mẫu: [Tờ khai](https://x.gov.vn/a.doc)", answer_buttons())
    assert message["text"] == "Mẫu: [Tờ khai](https://x.gov.vn/a.doc)"
    assert [link["title"] for link in message["links"]] == ["Xem chi tiết thủ tục"]
    assert [q["title"] for q in message["quick_replies"]][-1] == "Gặp cán bộ"
    assert [f["title"] for f in message["feedback"]] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert widget_message("Chào anh/chị") == {"text": "Chào anh/chị"}


# --- long document lists ------------------------------------------------------------------


def test_documents_are_numbered_one_a_line_and_forms_are_fetched_from_the_record_page() -> None:
    procedure = knowledge().procedure(MARRIAGE)
    documents = [
        Document(
            position=0,
            name="Tờ khai đăng ký kết hôn",
            originals=1,
            form="Tờ khai TP/HT-2020-KH",
            required=True,
        ),
        Document(position=1, name="Giấy tờ tùy thân\nbản chụp", copies=1, required=True),
    ]
    case = Case(position=0, name="Trường hợp chung", documents=documents)
    lines = render.documents(procedure, case).splitlines()
    assert lines[1] == "1. Tờ khai đăng ký kết hôn (1 bản chính; mẫu: Tờ khai TP/HT-2020-KH)"
    assert lines[2] == "2. Giấy tờ tùy thân bản chụp (1 bản sao)"
    # the records name a form's file but give no public address for it: no address is made
    # up, the record page (where the portal offers the forms) is linked instead
    assert render.inline_links("\n".join(lines)) == [
        ("trang thủ tục trên Cổng Dịch vụ công quốc gia", procedure.source_url)
    ]
    assert lines[3].startswith("Tải các mẫu đơn, tờ khai tại [trang thủ tục")
    assert lines[-1] == f"Nguồn: Cổng Dịch vụ công quốc gia, kiểm tra {procedure.checked:%d/%m/%Y}"
    # on the messaging channels that link is the record's own button, not a second one
    links = [b for b in buttons_of(answer_buttons("documents")) if b.is_link]
    text, shaped = with_inline_links(render.documents(procedure, case), links)
    assert [b.url for b in shaped] == [procedure.source_url] and "](" not in text


def test_a_records_sections_head_its_documents_and_its_notes_are_pointed_to() -> None:
    procedure = knowledge().procedure(MARRIAGE)
    rows = [
        ("Tờ khai đăng ký kết hôn", "Giấy tờ phải nộp"),
        ("Hộ chiếu hoặc thẻ căn cước", "Giấy tờ phải xuất trình"),
        ("Người tiếp nhận không được yêu cầu nộp thêm giấy tờ", "Lưu ý"),
        ("Giấy tờ nước ngoài phải được hợp pháp hóa lãnh sự", "Lưu ý"),
    ]
    documents = [
        Document(position=i, name=name, originals=1, note=note, required=True)
        for i, (name, note) in enumerate(rows)
    ]
    case = Case(position=0, name="Trường hợp chung", documents=documents)
    lines = render.documents(procedure, case).splitlines()
    assert lines[1:5] == [
        "Giấy tờ phải nộp:",
        "1. Tờ khai đăng ký kết hôn (1 bản chính)",
        "Giấy tờ phải xuất trình:",
        "2. Hộ chiếu hoặc thẻ căn cước (1 bản chính)",
    ]
    assert lines[5].startswith(
        "Cơ quan giải quyết còn ghi 2 lưu ý về hồ sơ, xem tại [trang thủ tục"
    )
    assert "Người tiếp nhận" not in "\n".join(lines)


def test_no_forms_line_without_forms_or_without_a_record_page() -> None:
    record = knowledge().procedure(MARRIAGE)
    plain = [Document(position=0, name="Giấy tờ tùy thân", originals=1, required=True)]
    with_form = [Document(position=0, name="Tờ khai", form="Tờ khai", required=True)]
    assert render.forms_line(record, plain) is None
    assert render.forms_line(record, with_form) is not None
    catalogue_only = Procedure(code="9.999999", source_url="https://dichvucong.gov.vn")
    assert render.forms_line(catalogue_only, with_form) is None  # the home page has no forms


def long_named_procedure() -> Procedure:
    return next(
        p
        for code in ("2.000815", "2.000884", "1.013831")
        if (p := knowledge().procedure(code)) and len(p.name) > render.LONG_NAME_CHARS
    )


@pytest.mark.parametrize(
    ("official", "shown"),
    [
        ("HƯỞNG BẢO HIỂM XÃ HỘI MỘT LẦN.", "Thủ tục «Hưởng bảo hiểm xã hội một lần»"),
        ("Tách thửa hoặc hợp thửa đất.", "Thủ tục «Tách thửa hoặc hợp thửa đất»"),
        ("Thủ tục đăng ký khai sinh", "«Thủ tục đăng ký khai sinh»"),
    ],
)
def test_an_official_name_is_quoted_without_its_dot_or_capitals(official: str, shown: str) -> None:
    procedure = Procedure(code="9.999999", name=official, short_name=official)
    assert render.called(procedure) == shown


def test_a_long_official_name_is_shortened_in_the_heading_and_given_once_in_full() -> None:
    long_named = long_named_procedure()
    text = render.documents(long_named, long_named.cases[0])
    heading = text.splitlines()[0]
    assert f"«{long_named.short_name}»" in heading and long_named.name not in heading
    assert text.count(long_named.name) == 1


def test_every_answer_about_a_long_named_procedure_heads_with_its_short_name() -> None:
    long_named, profile = long_named_procedure(), current_profile()
    answers = [
        render.fees(long_named, profile),
        render.times(long_named),
        render.online(long_named, profile),
        render.agency(long_named, profile),
        render.eligibility(long_named, profile),
    ]
    for text in answers:
        heading = text.splitlines()[0]
        assert f"«{long_named.short_name}»" in heading and long_named.name not in heading
        assert text.count(long_named.name) == 1, text
    both = render.combined(long_named, answers[:2])
    assert both.count(long_named.name) == 1
    assert both.splitlines()[-2] == render.full_name_line(long_named)


def test_a_long_short_name_is_cut_after_a_clause() -> None:
    name = (
        "Giải quyết khiếu nại lần đầu cấp Cục, Sư đoàn, Học viện Quân y, Bộ chỉ huy quân sự "
        "cấp tỉnh, Bộ Tư lệnh thành phố Hồ Chí Minh, và cấp tương đương"
    )
    assert render.shortened_name(name) == (
        "Giải quyết khiếu nại lần đầu cấp Cục, Sư đoàn, Học viện Quân y…"
    )
    assert render.shortened_name("Đăng ký khai sinh") == "Đăng ký khai sinh"
    assert len(render.shortened_name("x" * 200)) <= render.LONG_NAME_CHARS + 1


# --- end to end, against the fake platforms ------------------------------------------------


def ask_on_both_platforms(
    servers: Any, platforms: Tuple[Any, Any], question: str
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Send ``question`` once on Zalo and once on Messenger (a new user on each) and wait for the
    turns; the messages each platform was sent back, each checked against its documented format:
    (Zalo messages, Messenger messages)."""
    fake_zalo, fake_messenger = platforms
    user = uuid.uuid4().hex[:12]
    body, headers = zalo_event(user, question, f"msg-{uuid.uuid4()}")
    assert post(f"{servers.url}/webhooks/zalo/webhook", body, headers)[0] == 200
    wait_for_turns(servers, zalo.conversation_id(user), 1)
    sent = fake_zalo.messages_to(user)
    for message in sent:
        check_zalo_message(message)
    psid = str(uuid.uuid4().int % 10**15)
    body, headers = messenger_delivery([[text_event(psid, question, f"mid.{uuid.uuid4()}")]])
    assert post(f"{servers.url}/webhooks/messenger/webhook", body, headers)[0] == 200
    wait_for_turns(servers, messenger.conversation_id(psid), 1)
    messages = [r["message"] for r in fake_messenger.requests_to(psid)]
    for message in messages:
        check_messenger_message(message)
    return sent, messages


@pytest.mark.servers
def test_zalo_and_messenger_receive_documented_rich_answers(channel_servers, platforms) -> None:  # noqa: ANN001
    sent, messages = ask_on_both_platforms(channel_servers, platforms, "lệ phí đăng ký kết hôn")
    types = [
        b["type"]
        for m in sent
        for b in m.get("attachment", {}).get("payload", {}).get("buttons", [])
    ]
    assert types[0] == "oa.open.url" and types.count("oa.query.hide") == 7
    assert all("http" not in m["text"] for m in sent)

    assert messenger_links(messages)[0].startswith("https://dichvucong.gov.vn/")
    assert all("http" not in m.get("text", "") for m in messages)
    assert [q["title"] for q in messages[-1]["quick_replies"]][-2:] == [
        "👍 Hữu ích",
        "👎 Chưa đúng",
    ]


@pytest.mark.servers
def test_not_found_on_zalo_and_messenger_offers_the_closest_in_documented_messages(
    channel_servers,  # noqa: ANN001
    platforms,  # noqa: ANN001
) -> None:
    question = "giấy phép bán lẻ rượu cần giấy tờ gì"
    sent, messages = ask_on_both_platforms(channel_servers, platforms, question)
    answer = next(m for m in sent if "chưa tìm thấy thủ tục" in m["text"])
    buttons = answer["attachment"]["payload"]["buttons"]
    closest = [b for b in buttons if b["payload"].startswith("/choose_option")]
    assert closest and [b["title"] for b in buttons[len(closest) :]] == ["Gặp cán bộ"]
    assert all(f". {b['title']}" in answer["text"] for b in closest)

    answer = next(m for m in messages if "chưa tìm thấy thủ tục" in m.get("text", ""))
    quick = [q for q in answer["quick_replies"] if q["payload"].startswith("/choose_option")]
    assert len(quick) == len(closest)
    assert answer["text"].count("1. ") == 1  # the closest ones are listed once


@pytest.mark.servers
def test_an_online_answer_gives_the_portals_as_link_buttons_on_zalo_and_messenger(
    channel_servers,  # noqa: ANN001
    platforms,  # noqa: ANN001
) -> None:
    question = "cấp lại thẻ căn cước nộp online được không"
    portal = current_profile().portal_url
    sent, messages = ask_on_both_platforms(channel_servers, platforms, question)
    for message in sent:
        assert "http" not in message["text"]
    buttons = [
        b for m in sent for b in m.get("attachment", {}).get("payload", {}).get("buttons", [])
    ]
    opened = [b["payload"]["url"] for b in buttons if b["type"] == "oa.open.url"]
    assert portal in opened and len(opened) == len(set(opened))
    assert [b["title"] for b in buttons][-2:] == ["👍 Hữu ích", "👎 Chưa đúng"]

    for message in messages:
        assert "http" not in message.get("text", "")
    assert messenger_links(messages) == opened
    assert messages[-1]["attachment"]["payload"]["template_type"] == "generic"


def test_the_record_page_named_as_the_submission_page_when_it_is_one() -> None:
    procedure = knowledge().procedure("1.014064")
    assert procedure.portal_url == procedure.source_url
    online = render.online(procedure, current_profile())
    link = f"[trang thủ tục trên Cổng Dịch vụ công quốc gia]({procedure.source_url})"
    assert f"Nộp trực tuyến tại: {link}" in online


def test_no_answer_writes_a_web_address_out_in_its_text() -> None:
    """Addresses go in inline links only (buttons on the messaging channels, links on the
    widget): what a citizen reads has names, never long addresses."""
    profile = current_profile()
    base = knowledge()
    procedures = [base.procedure(code) for code in (MARRIAGE, "1.004222", "1.014064")]
    procedures.append(
        Procedure(
            code="1.000094",
            name="Đăng ký kết hôn có yếu tố nước ngoài",
            short_name="Kết hôn có yếu tố nước ngoài",
            levels=["Cấp xã"],
            subjects=[],
            missing=[],
            online_level="chua_ro",
            source_url=replies.PORTAL_HOME,
            checked=procedures[0].checked,
            origin="snapshot",
        )
    )
    texts = [render.dossier_status(profile, True), render.hotline(profile)]
    texts.append(render.processing_delay(profile, procedures[0]))
    for procedure in procedures:
        texts += [
            render.documents(procedure),
            render.online(procedure, profile),
            render.fees(procedure, profile),
            render.times(procedure),
            render.agency(procedure, profile),
            render.overview(procedure),
            render.eligibility(procedure, profile),
        ]
    for text in texts:
        assert "http" not in render.link_labels(text), text
    assert any(render.inline_links(text) for text in texts)


def test_the_fee_source_link_says_which_site_it_opens() -> None:
    text = render.fees(knowledge().procedure(MARRIAGE), current_profile())
    (line,) = [line for line in text.splitlines() if line.startswith("Nguồn mức thu:")]
    ((label, url),) = render.inline_links(line)
    assert url.startswith("https://dichvucong.gov.vn/")
    assert label == "trang trên Cổng Dịch vụ công quốc gia"


def test_no_response_of_the_domain_writes_a_web_address_out() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = [
        v["text"] for variants in domain["responses"].values() for v in variants if "text" in v
    ]
    assert texts and all("http" not in render.link_labels(t) for t in texts)
    assert any(render.inline_links(t) for t in texts)  # the account guide's last step


def test_not_found_lists_each_close_name_once_shortened_and_numbered() -> None:
    long_name = (
        "Hỗ trợ tư vấn, công nghệ cho doanh nghiệp nhỏ và vừa, hỗ trợ phát triển nguồn nhân "
        "lực, hỗ trợ doanh nghiệp nhỏ và vừa khởi nghiệp sáng tạo và tham gia cụm liên kết ngành"
    )
    voucher = "Thủ tục đề xuất tham gia chương trình hỗ trợ voucher"
    closest = render.closest_names([(long_name, "1"), (f"{voucher}.", "2"), (voucher, "3")])
    assert closest == [(render.shortened_name(long_name), "1"), (voucher, "2")]
    text = render.not_found("bán dẫn", [name for name, _ in closest], current_profile())
    assert [f"1. {closest[0][0]}", f"2. {voucher}"] == text.splitlines()[2:4]
    assert all(len(name) <= render.LONG_NAME_CHARS + 1 for name, _ in closest)
    assert current_profile().hotline in text.splitlines()[-1]


def not_found_answer() -> tuple[str, List[Dict[str, Any]]]:
    closest = render.closest_names(
        [
            ("Cấp lại Giấy phép lập cơ sở bán lẻ", "2.000665"),
            ("Gia hạn Giấy phép lập cơ sở bán lẻ", "1.001441"),
            ("Thông báo hoạt động bán lẻ thuốc lưu động", "1.014102"),
        ]
    )
    text = render.not_found("giấy phép bán lẻ rượu", [n for n, _ in closest], current_profile())
    return text, replies.not_found_buttons(replies.new_answer(None, ["not_found"]), closest)


def test_messenger_not_found_offers_the_closest_as_quick_replies_listed_once() -> None:
    text, buttons = not_found_answer()
    (part,) = [messenger.message_body(r) for r in messenger.plan(text, buttons)]
    check_messenger_message(part)
    assert part["text"] == text  # the answer numbers the closest ones already
    titles = [q["title"] for q in part["quick_replies"]]
    assert [t[:3] for t in titles[:3]] == ["1. ", "2. ", "3. "]
    assert titles[3:] == ["Gặp cán bộ", "👍 Hữu ích", "👎 Chưa đúng"]
    assert part["quick_replies"][0]["payload"] == replies.choose_payload("2.000665")


def test_zalo_not_found_offers_the_closest_within_five_buttons_a_message() -> None:
    text, buttons = not_found_answer()
    messages = [zalo.message_body(r) for r in zalo.ZaloOutput(None).plan(text, buttons)]
    for message in messages:
        check_zalo_message(message)
    groups = [[b["title"] for b in m["attachment"]["payload"]["buttons"]] for m in messages]
    assert groups == [
        [
            "Cấp lại Giấy phép lập cơ sở bán lẻ",
            "Gia hạn Giấy phép lập cơ sở bán lẻ",
            "Thông báo hoạt động bán lẻ thuốc lưu động",
            "Gặp cán bộ",
        ],
        ["👍 Hữu ích", "👎 Chưa đúng"],
    ]
    assert messages[0]["text"] == text and messages[1]["text"] == FEEDBACK_QUESTION


def test_a_question_not_understood_offers_staff() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    (rephrase,) = domain["responses"]["utter_ask_rephrase"]
    assert rephrase["buttons"] == [replies.HUMAN]
