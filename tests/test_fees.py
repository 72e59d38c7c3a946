"""Fee and time answers built from the curated schedules: amounts a circular sets, temporary
rates before and after their end, council fees from the province profile, times by case."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Dict

import pytest

from knowledge import render
from knowledge.curated import CuratedDataError, check_record, read_curated, to_model
from knowledge.fees import FeeDataError, read_group, read_groups
from knowledge.models import Procedure
from knowledge.profile import ProvinceProfile, load_profile
from knowledge.sources import TODAY_VARIABLE
from knowledge.store import KnowledgeBase

TEST_PROFILE = Path(__file__).parent / "fixtures" / "provinces" / "tinh-thu-nghiem.yml"
BEFORE_END = dt.date(2026, 12, 1)
AFTER_END = dt.date(2027, 1, 2)


@pytest.fixture(scope="module")
def procedures() -> Dict[str, Procedure]:
    return {record["code"]: to_model(record) for record in read_curated()}


@pytest.fixture(scope="module")
def da_nang() -> ProvinceProfile:
    return load_profile("da-nang")


def fees(procedures: Dict[str, Procedure], code: str, profile: ProvinceProfile, on: dt.date) -> str:
    return render.fees(procedures[code], profile, on)


def test_criminal_record_fee_comes_from_the_circular_that_replaced_the_cited_one(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    text = fees(procedures, "3.000333", da_nang, BEFORE_END)
    assert "Thông tư số 16/2025/TT-BTC" in text and "thay thế Thông tư số 244/2016/TT-BTC" in text
    assert "Phí cung cấp thông tin lý lịch tư pháp: 200.000 đồng/lần/người" in text
    assert "sinh viên" in text and "100.000 đồng/lần/người" in text
    assert "5.000 đồng/phiếu (thu thêm)" in text
    assert "Được miễn: trẻ em; người cao tuổi; người khuyết tật" in text
    assert "chưa được đối chiếu với bản chính thức" in text  # amounts not read on an official copy


def test_a_temporary_online_rate_is_quoted_only_while_it_applies(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    during = fees(procedures, "3.000333", da_nang, dt.date(2025, 6, 1))
    assert "170.000 đồng/lần/người (áp dụng đến hết ngày 31/12/2025)" in during
    after = fees(procedures, "3.000333", da_nang, dt.date(2026, 3, 1))
    assert "170.000" not in after and "80.000" not in after
    assert "31/12/2025 đã hết hiệu lực" in after
    assert "từ ngày 01/01/2026: Thông tư có mức thu riêng, tôi chưa kiểm chứng được" in after
    much_later = fees(procedures, "3.000333", da_nang, dt.date(2026, 12, 1))
    assert "đã hết hiệu lực" not in much_later  # said for 180 days after the end


@pytest.mark.parametrize(
    ("code", "reduced", "regular"),
    [("1.014063", "25.000 đồng/thẻ", "50.000 đồng/thẻ"), ("1.014064", "35.000", "70.000")],
)
def test_the_50_percent_id_card_fee_stops_after_31_december_2026(
    procedures: Dict[str, Procedure],
    da_nang: ProvinceProfile,
    code: str,
    reduced: str,
    regular: str,
) -> None:
    before = fees(procedures, code, da_nang, BEFORE_END)
    assert f"{reduced}" in before and "(áp dụng đến hết ngày 31/12/2026)" in before
    assert regular not in before
    after = fees(procedures, code, da_nang, AFTER_END)
    assert reduced not in after and regular in after
    assert "chỉ áp dụng đến hết ngày 31/12/2026" in after


@pytest.mark.parametrize("code", ["2.001583", "2.001610"])
def test_enterprise_registration_fees_by_channel_and_date(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile, code: str
) -> None:
    before = fees(procedures, code, da_nang, BEFORE_END)
    assert "Thông tư số 47/2019/TT-BTC" in before and "Thông tư số 64/2025/TT-BTC" in before
    online, paper = before.split("Nộp trực tiếp, qua bưu chính:")
    assert "Lệ phí đăng ký doanh nghiệp khi đăng ký qua mạng điện tử: miễn" in online
    assert "25.000 đồng/lần (áp dụng đến hết ngày 31/12/2026)" in paper
    assert "Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần" in paper
    assert "chuyển đổi từ hộ kinh doanh được miễn lệ phí" in before
    assert "english.vinhphuc.gov.vn" in before  # the official page the amounts were read on
    after = fees(procedures, code, da_nang, AFTER_END)
    assert "25.000" not in after and "Lệ phí đăng ký doanh nghiệp: 50.000 đồng/lần" in after


def test_today_can_be_set_for_tests_and_demonstrations(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TODAY_VARIABLE, "2027-01-02")
    assert "25.000" not in render.fees(procedures["1.014063"], da_nang)
    monkeypatch.setenv(TODAY_VARIABLE, "2026-12-31")
    assert "25.000" in render.fees(procedures["1.014063"], da_nang)


def test_vehicle_registration_names_the_circular_and_states_no_unverified_amount(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    for code in ("1.012575", "1.013076", "1.013080"):
        text = fees(procedures, code, da_nang, BEFORE_END)
        assert "Thông tư số 60/2023/TT-BTC" in text and "06/2025/TT-BTC" in text
        assert "chưa nêu số tiền" in text and "155/2025/TT-BTC" in text
        assert "000 đồng" not in text


def test_civil_status_fee_set_by_the_province_and_the_copy_fee(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    text = fees(procedures, "1.000656", da_nang, BEFORE_END)
    assert "do Hội đồng nhân dân cấp tỉnh quy định" in text
    assert (
        "chưa có mức thu đã kiểm chứng theo nghị quyết của Hội đồng nhân dân Thành phố Đà Nẵng"
        in text
    )
    assert "tổng đài 1022" in text
    assert "Được miễn: đăng ký khai tử đúng hạn; người thuộc gia đình có công" in text
    assert "Thông tư số 281/2016/TT-BTC" in text and "Bản sao Trích lục khai tử: 8.000 đồng" in text
    marriage = fees(procedures, "1.000894", da_nang, BEFORE_END)
    assert "Lệ phí đăng ký kết hôn: miễn" in marriage and "8.000 đồng" in marriage


def test_a_province_with_a_council_resolution_quotes_its_amount(
    procedures: Dict[str, Procedure],
) -> None:
    text = fees(procedures, "1.000656", load_profile(str(TEST_PROFILE)), BEFORE_END)
    assert "Tại Tỉnh Thử Nghiệm, theo Nghị quyết số 01/2026/NQ-HĐND" in text
    assert "Lệ phí đăng ký khai tử không đúng hạn: 7.000 đồng/trường hợp" in text
    assert "chưa có mức thu đã kiểm chứng" not in text


def test_da_nang_building_permit_fee_from_its_resolution_marked_unverified(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    text = fees(procedures, "1.013225", da_nang, BEFORE_END)
    assert "Nghị quyết số 14/2025/NQ-HĐND" in text
    online, paper = text.split("Nộp trực tiếp, qua bưu chính:")
    assert "Hồ sơ nộp qua dịch vụ công trực tuyến: miễn" in online
    assert "Cấp mới, sửa chữa, cải tạo, di dời nhà ở riêng lẻ: 50.000 đồng/giấy phép" in paper
    assert "chưa được đối chiếu với bản chính thức" in paper


def test_social_insurance_times_belong_to_their_case(procedures: Dict[str, Procedure]) -> None:
    procedure = procedures["1.002759"]
    text = render.times(procedure)
    assert "tùy trường hợp" in text
    assert "Cấp lại, đổi thẻ BHYT (không thay đổi thông tin): Trả trong ngày" in text
    assert "Sửa họ tên, ngày sinh, giới tính trên thẻ BHYT: Không quá 03 ngày" in text
    book = next(c for c in procedure.cases if c.name.startswith("Cấp lại sổ BHXH"))
    only_book = render.times(procedure, case=book)
    assert "không quá 10 ngày" in only_book and "không quá 45 ngày" in only_book
    assert "không quá 05 ngày" in only_book and "thẻ BHYT (không" not in only_book


def test_building_permit_times_say_that_the_official_sources_differ(
    procedures: Dict[str, Procedure],
) -> None:
    text = render.times(procedures["1.013225"])
    assert "Nhà ở riêng lẻ của hộ gia đình, cá nhân: 7 ngày làm việc" in text
    assert "không phải nhà ở riêng lẻ): 10 ngày làm việc" in text
    assert "hai nguồn chính thức ghi khác nhau" in text and "15 ngày" in text and "20 ngày" in text
    assert "Quyết định số 1077/QĐ-BXD" in text


def test_procedures_without_a_schedule_keep_the_channel_fees(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    text = fees(procedures, "1.004222", da_nang, BEFORE_END)
    assert "- Trực tuyến: 10.000 đồng/lần đăng ký" in text


def test_the_one_stop_list_of_the_cited_documents_keeps_the_household_book_warning(
    procedures: Dict[str, Procedure], da_nang: ProvinceProfile
) -> None:
    procedure = procedures["2.000986"]
    documents = render.documents(procedure, procedure.cases[0])
    assert "Sổ hộ khẩu giấy không còn được sử dụng" in documents
    assert "Nghị định số 63/2024/NĐ-CP" in render.online(procedure, da_nang)


@pytest.mark.parametrize(
    ("group", "problem"),
    [
        (
            {"basis": "X", "source": {"url": "https://luat.example/x", "checked": "2026-12-01"}},
            "unverified source needs a note",
        ),
        (
            {
                "basis": "X",
                "source": {"url": "https://x.vn", "checked": "2026-12-01", "verified": True},
            },
            "official source url",
        ),
        (
            {
                "basis": "X",
                "source": {"url": "https://mof.gov.vn/x", "checked": "2026-12-01"},
                "items": [{"label": "A", "amount": 10, "methods": ["fax"]}],
            },
            "methods must be among",
        ),
        (
            {
                "basis": "X",
                "source": {"url": "https://mof.gov.vn/x", "checked": "2026-12-01"},
                "items": [{"label": "A", "amount": None}],
            },
            "needs a text",
        ),
        ({"basis": "X", "set_by": "province", "source": {"checked": "2026-12-01"}}, "topic"),
    ],
)
def test_fee_groups_that_break_the_schema_are_refused(group: dict, problem: str) -> None:
    with pytest.raises(FeeDataError, match=problem):
        read_group(group, "test")


def test_a_curated_file_with_a_broken_schedule_names_the_problem() -> None:
    record = next(r for r in read_curated() if r["code"] == "3.000333")
    broken = dict(record, fee_schedule=[{"basis": "X", "source": {"checked": "2026-12-01"}}])
    with pytest.raises(CuratedDataError, match="3.000333.yml: fee_schedule\\[0\\].source"):
        check_record(broken, "3.000333.yml")


def test_a_database_made_before_the_fee_columns_gets_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    KnowledgeBase.open(url)
    with sqlite3.connect(tmp_path / "old.db") as old:
        for column in ("fee_schedule", "case_times", "time_note"):
            old.execute(f"ALTER TABLE procedure DROP COLUMN {column}")
    knowledge = KnowledgeBase.open(url)
    assert read_groups(knowledge.procedure("3.000333").fee_schedule)
