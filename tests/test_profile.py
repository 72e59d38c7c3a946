"""Province profiles: the default one holds real public facts, and a second, made-up profile
changes every answer that mentions the province, so nothing about it is hard-coded."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Iterator

import pytest
from test_actions import run, slot, text_of

from actions import context
from actions.conversation import ActionDefaultFallback, ActionSessionStart
from actions.handoff import ActionHandoff
from actions.procedure_answers import ActionAnswerProcedure
from knowledge.profile import VIETNAM_TIME, load_profile

TEST_PROFILE = Path(__file__).parent / "fixtures" / "provinces" / "tinh-thu-nghiem.yml"
CATALOGUE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "data"
    / "dichvucong"
    / "portal-api"
    / "catalog.jsonl"
)


@pytest.fixture
def test_province(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The actions run with the made-up province's profile."""
    monkeypatch.setenv("PROVINCE_PROFILE", str(TEST_PROFILE))
    context.profile.cache_clear()
    yield
    context.profile.cache_clear()


def test_default_profile_lists_the_citys_own_procedures() -> None:
    own = load_profile("da-nang").own_procedures
    assert len(own) == 73 and "1.009141" in own
    assert all(re.fullmatch(r"\d\.\d{6}", code) for code in own)


@pytest.mark.skipif(not CATALOGUE.is_file(), reason="../shared/data is not beside the project")
def test_own_procedures_are_the_catalogues_specific_procedures_of_da_nang() -> None:
    lines = [json.loads(line) for line in CATALOGUE.read_text(encoding="utf-8").splitlines()]
    specific = {
        line["code"].strip()
        for line in lines
        if line["type"] == "SPECIFIC" and line["departmentPromulgate"] == "UBND Thành phố Đà Nẵng"
    }
    assert set(load_profile("da-nang").own_procedures) == specific


def test_second_profile_loads_its_own_facts() -> None:
    province = load_profile(str(TEST_PROFILE))
    assert province.name == "Tỉnh Thử Nghiệm" and province.hotline == "0999000111"
    assert province.one_stop_url == "https://motcua.thunghiem.example"
    assert province.own_procedures == ()
    assert province.describe_hours(province.office_hours) == (
        "Thứ Hai–Thứ Sáu: 07:00–11:00, 13:00–17:00; Thứ Bảy: 07:30–11:30"
    )
    monday = dt.datetime(2026, 11, 23, tzinfo=VIETNAM_TIME)
    assert province.office_open(monday.replace(hour=9))
    assert not province.office_open(monday.replace(hour=12))
    assert province.office_open(dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.timezone.utc))  # 14:00


async def test_hotline_answer_uses_the_active_profile(
    test_province: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STAFF_BRIDGE_TOKEN", raising=False)  # no live handoff: the hotline
    messages, _ = await run(ActionHandoff(), "cho tôi gặp nhân viên", "request_human")
    answer = text_of(messages)
    assert "Anh/chị có thể gọi tổng đài 0999000111 của Tỉnh Thử Nghiệm" in answer
    assert "(Thứ Hai–Thứ Sáu: 08:00–16:00)" in answer and "Số khác: 0999000222." in answer
    assert "1 Đường Thử Nghiệm, phường Mẫu" in answer
    assert "Giờ tiếp nhận hồ sơ: Thứ Hai–Thứ Sáu: 07:00–11:00, 13:00–17:00" in answer
    assert "1022" not in answer and "Đà Nẵng" not in answer


async def test_session_and_fallback_use_the_active_profile(test_province: None) -> None:
    _, events = await run(ActionSessionStart(), "", "session_start")
    assert slot(events, "province_name") == "Tỉnh Thử Nghiệm"
    assert slot(events, "hotline") == "0999000111"
    messages, _ = await run(ActionDefaultFallback(), "zxcv uiop", "nlu_fallback", failed_turns=1)
    assert "0999000111" in text_of(messages)


async def test_procedure_answers_use_the_active_profile(test_province: None) -> None:
    messages, _ = await run(ActionAnswerProcedure(), "làm hộ chiếu online được không", "ask_online")
    online = text_of(messages)
    assert "[Cổng dịch vụ công Tỉnh Thử Nghiệm](https://dichvucong.thunghiem.example)" in online
    assert "[Hệ thống một cửa Tỉnh Thử Nghiệm](https://motcua.thunghiem.example)" in online
    messages, _ = await run(ActionAnswerProcedure(), "làm hộ chiếu nộp ở đâu", "ask_agency")
    agency = text_of(messages)
    assert "Tại Tỉnh Thử Nghiệm: Trung tâm Phục vụ hành chính công Tỉnh Thử Nghiệm" in agency
    assert "Giờ tiếp nhận hồ sơ: Thứ Hai–Thứ Sáu" in agency
    assert "Đà Nẵng" not in online + agency
