"""Documents no longer issued: a request to replace one is told so, with official sources, and
answered with the procedure that serves instead, or with the one the rest of the message asks."""

from __future__ import annotations

from typing import Optional

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.procedure_answers import ActionAnswerProcedure
from knowledge.retired import documents, retired_request
from knowledge.sources import is_official
from tests.trackers import make_tracker


@pytest.mark.parametrize(
    ("text", "document"),
    [
        ("mất sổ hộ khẩu làm lại thế nào", "household_book"),
        ("sổ hộ khẩu nhà tôi bị rách", "household_book"),
        ("mat chung minh thu lam lai o dau", "identity_card"),
        ("cmnd het han doi the nao", "identity_card"),
        # a mention is not a request, nor is a procedure on the household
        ("Hiện bố tôi có giấy khai sinh, sổ đỏ và CMND 9 số.", None),
        ("tôi có sổ hộ khẩu, muốn làm căn cước", None),
        ("tách sổ hộ khẩu", None),
        ("nhập hộ khẩu cho con", None),
    ],
)
def test_a_request_for_a_retired_document_is_recognised(text: str, document: Optional[str]) -> None:
    found = retired_request(text)
    assert (found.document.key if found else None) == document


def test_every_retired_document_has_official_sources_and_an_existing_procedure() -> None:
    for document in documents():
        assert document.sources and all(is_official(url) for url in document.sources)
        assert context.knowledge().procedure(document.instead) is not None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # a lost CMND is not reissued: the first căn cước card is the procedure
        ("bị mất chứng minh nhân dân thì làm lại ở đâu", "1.014061"),
        ("đổi chứng minh thư sang căn cước", "1.014061"),
        # no household book is issued again: proof of residence is a confirmation
        ("mất sổ hộ khẩu làm lại thế nào", "1.010041"),
        # the rest of the message asks another procedure: that one, with the notice
        ("Mất CMND, giờ muốn đăng ký kết hôn cần giấy tờ gì", "1.000894"),
    ],
)
def test_the_procedure_instead_or_the_one_asked_is_answered(text: str, code: str) -> None:
    found = context.resolve(text, None)
    assert found.retired is not None
    assert found.procedure is not None and found.procedure.code == code


async def test_the_citizen_is_told_first_with_the_sources() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("mất sổ hộ khẩu thì làm lại ở đâu", "ask_agency")
    await ActionAnswerProcedure().run(dispatcher, tracker, {})
    notice, answer = dispatcher.messages[0]["text"], dispatcher.messages[1]["text"]
    assert notice.startswith("Lưu ý: Sổ hộ khẩu, sổ tạm trú chỉ có giá trị đến hết ngày 31/12/2022")
    assert "Nguồn: [pbgdpl.laichau.gov.vn](http://pbgdpl.laichau.gov.vn/" in notice
    assert "Xác nhận thông tin về cư trú" in answer
