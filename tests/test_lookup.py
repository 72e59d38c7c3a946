"""The staff lookup: JSON API behind the staff sign-in (real console process, real HTTP) and the
terminal command, over the curated files and official samples of each format."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
from console_server import running_console, sample_database, signed_in
from official_samples import CATALOGUE_SEMICONDUCTOR, portal_record_url

from knowledge.importers.common import DETAILS_ON_PORTAL

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sample_database(tmp_path_factory.mktemp("lookup"))


@pytest.fixture(scope="module")
def console(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_console(tmp_path_factory.mktemp("console"), database) as url:
        yield url


@pytest.fixture(scope="module")
def staff(console: str) -> urllib.request.OpenerDirector:
    return signed_in(console)


def get(opener: urllib.request.OpenerDirector, url: str) -> Tuple[int, Any]:
    """Status and decoded JSON body of a real HTTP GET."""
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def codes(console: str, staff: urllib.request.OpenerDirector, query: str) -> list:
    status, body = get(staff, f"{console}/api/procedures?q={urllib.parse.quote(query)}")
    assert status == 200
    return [hit["code"] for hit in body["results"]]


def test_the_api_needs_a_signed_in_staff_member(console: str) -> None:
    anonymous = urllib.request.build_opener()
    for path in ("/api/procedures?q=khai+sinh", "/api/procedures/1.001193"):
        assert get(anonymous, console + path) == (401, {"error": "Vui lòng đăng nhập."})
    with anonymous.open(f"{console}/lookup", timeout=10) as page:  # the page sends to sign-in
        assert urllib.parse.unquote(page.url) == f"{console}/login?next=/lookup"


def test_signed_in_staff_search(console: str, staff: urllib.request.OpenerDirector) -> None:
    status, body = get(staff, f"{console}/api/procedures?q=khai+sinh")
    assert status == 200 and body["results"][0]["code"] == "1.001193"
    with staff.open(f"{console}/lookup", timeout=10) as page:
        assert page.url.endswith("/lookup") and b'id="q"' in page.read()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("đăng ký khai sinh", "1.001193"),
        ("dang ky khai sinh", "1.001193"),
        ("doi GPLX", "3.000347"),
        ("cap lai cccd", "1.014064"),
        ("1.004222", "1.004222"),
        ("giay chung nhan so nha", "1.009141"),
    ],
)
def test_search_ranks_the_procedure_first(
    console: str, staff: urllib.request.OpenerDirector, query: str, code: str
) -> None:
    assert codes(console, staff, query)[0] == code


def test_a_long_official_name_typed_short_is_among_the_first_results(
    console: str, staff: urllib.request.OpenerDirector
) -> None:
    # With the whole catalogue, "Đăng ký hoạt động Văn phòng công chứng" (1.013835), every word
    # of which the query has, ranks above the reissue the query names (1.013837, whose official
    # name goes on "... do bị mất, hỏng"); the operator sees both among the first five.
    found = codes(console, staff, "cấp lại giấy đăng ký hoạt động văn phòng công chứng")
    assert "1.013837" in found[:5] and found[0] == "1.013835"


def test_search_results_say_what_an_operator_needs(
    console: str, staff: urllib.request.OpenerDirector
) -> None:
    status, body = get(staff, f"{console}/api/procedures?q=so+nha&limit=3")
    assert status == 200 and body["query"] == "so nha" and len(body["results"]) <= 3
    house = body["results"][0]
    assert house["code"] == "1.009141" and house["own_procedure"] and house["details"]
    assert house["online_label"] == "Một phần" and house["origin"] == "imported"
    status, body = get(staff, f"{console}/api/procedures?q=chuoi+cung+ung+ban+dan")
    chip = body["results"][0]
    assert chip["code"] == "3.000616" and not chip["details"] and not chip["own_procedure"]
    assert get(staff, f"{console}/api/procedures?q=%20")[0] == 400


def test_full_record_of_a_curated_procedure(
    console: str, staff: urllib.request.OpenerDirector
) -> None:
    status, record = get(staff, f"{console}/api/procedures/1.004222")
    assert status == 200
    assert record["name"] == "Đăng ký thường trú" and record["online"]["label"] == "Một phần"
    assert len(record["cases"]) >= 2 and record["cases"][0]["documents"][0]["form"] == "Mẫu CT01"
    assert {(c["method_label"], c["time"], c["fee"]) for c in record["channels"]} == {
        ("Trực tuyến", "7 ngày làm việc", "10.000 đồng/lần đăng ký"),
        ("Trực tiếp", "7 ngày làm việc", "20.000 đồng/lần đăng ký"),
    }
    assert record["legal_basis"] and record["source"]["checked"] == "2026-11-23"
    assert record["source"]["url"] == portal_record_url("019d2bf7-7704-7449-9e95-fe7ebb959aa2")
    assert record["source"]["origin"] == "curated"
    [official] = record["official_records"]
    assert official["kind"] == "portal_api_catalog" and not official["applied"]
    assert official["file"] == "catalog.jsonl" and official["location"] == "line 3"


def test_full_record_of_a_catalogue_only_procedure(
    console: str, staff: urllib.request.OpenerDirector
) -> None:
    status, record = get(staff, f"{console}/api/procedures/3.000616")
    assert status == 200 and not record["details"]
    assert record["missing"] == [DETAILS_ON_PORTAL]
    assert record["source"]["url"] == portal_record_url(CATALOGUE_SEMICONDUCTOR["id"])
    assert record["cases"] == [] and record["channels"] == []


def test_unknown_code_is_404(console: str, staff: urllib.request.OpenerDirector) -> None:
    status, body = get(staff, f"{console}/api/procedures/9.999999")
    assert status == 404 and body["error"] == "Không có thủ tục mã 9.999999."


def test_terminal_lookup_lists_hits_and_shows_a_record(database: str) -> None:
    command = [sys.executable, "-m", "knowledge.lookup", "--db", database]
    hits = subprocess.run(
        [*command, "dang ky khai sinh"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert hits.stdout.splitlines()[0].startswith(" 1. 1.001193  Đăng ký khai sinh  [Một phần]")
    record = subprocess.run(
        [*command, "1.009141"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert record.startswith("Cấp mới/cấp lại Giấy chứng nhận số nhà (mã 1.009141)")
    for expected in (
        "Thủ tục riêng của tỉnh.",
        "  - Trực tuyến: thời hạn 3 ngày làm việc; phí, lệ phí chưa ghi",
        "Hồ sơ — Trường hợp chung:",
        "  1. Đơn đề nghị cấp giấy chứng nhận số nhà (1 bản chính)",
        "Nguồn: https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019dbd74-6433-769b-880a-b3bbe66d7694",
    ):
        assert expected in record
    as_json = subprocess.run(
        [*command, "--json", "--record", "chuoi cung ung ban dan"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(as_json.stdout)["code"] == "3.000616"
