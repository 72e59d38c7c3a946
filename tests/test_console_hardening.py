"""The staff console against hostile use (real console processes, real SQLite, real HTTP):
framing and HSTS headers, no versions in ``Server``, sign-in throttled per address and per
account and shared by every console process, a trusted proxy's forwarded address, access-log
lines that a URL cannot forge, and a clear 503 (never a new empty database) when the database
file is moved away."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from console_server import PASSWORD, USERNAME, handoff_database, running_console

from tests.test_console_auth import raw

PROXY = {"CONSOLE_TRUSTED_PROXIES": "127.0.0.1"}


def login_from(url: str, username: str, password: str, headers: Dict[str, str]) -> int:
    """A sign-in (login CSRF token, then the password) with extra request headers."""
    _, got, body = raw(url, "GET", "/api/login", headers)
    cookie = got["Set-Cookie"].split(";")[0]
    token = json.loads(body)["csrf"]
    status, _, _ = raw(
        url,
        "POST",
        "/api/login",
        {**headers, "Cookie": cookie, "X-CSRF-Token": token},
        {"username": username, "password": password},
    )
    return status


def client(address: str) -> Dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.250, {address}"}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, str, Path]]:
    """A console behind a trusted proxy (127.0.0.1): its URL, database URL and folder."""
    folder = tmp_path_factory.mktemp("hardening")
    database = handoff_database(folder)
    with running_console(folder, database, PROXY) as url:
        yield url, database, folder


def test_pages_cannot_be_framed_and_name_no_versions(proxied: Tuple[str, str, Path]) -> None:
    url, _, _ = proxied
    _, headers, _ = raw(url, "GET", "/login")
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert not any(ch.isdigit() for ch in headers["Server"])
    assert "Strict-Transport-Security" not in headers
    _, over_tls, _ = raw(url, "GET", "/login", {"X-Forwarded-Proto": "https"})
    assert over_tls["Strict-Transport-Security"].startswith("max-age=")


def test_untrusted_clients_cannot_claim_https_or_another_address(tmp_path: Path) -> None:
    database = handoff_database(tmp_path)
    with running_console(tmp_path, database) as url:
        _, headers, _ = raw(url, "GET", "/login", {"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in headers
        for number in range(20):  # spraying while claiming a new address each time
            assert login_from(url, f"nobody{number}", "sai", client(f"198.51.100.{number}")) == 401
        assert login_from(url, USERNAME, PASSWORD, client("198.51.100.99")) == 429


def test_password_spraying_is_throttled_per_address(proxied: Tuple[str, str, Path]) -> None:
    url, _, _ = proxied
    for number in range(20):
        assert login_from(url, f"khong-co-{number}", "mat-khau-sai", client("198.51.100.7")) == 401
    assert login_from(url, USERNAME, PASSWORD, client("198.51.100.7")) == 429
    assert login_from(url, USERNAME, PASSWORD, client("198.51.100.8")) == 200  # another citizen


def test_one_account_is_throttled_from_every_address_and_every_process(
    proxied: Tuple[str, str, Path], tmp_path: Path
) -> None:
    url, database, _ = proxied
    for number in range(5):
        assert login_from(url, "giamsat01", "doan-sai", client(f"192.0.2.{number}")) == 401
    with running_console(tmp_path, database, PROXY) as second_process:
        assert login_from(second_process, "giamsat01", "doan-sai", client("192.0.2.50")) == 429
    assert login_from(url, USERNAME, PASSWORD, client("192.0.2.51")) == 200


def test_a_url_cannot_forge_access_log_lines(proxied: Tuple[str, str, Path]) -> None:
    url, _, folder = proxied
    raw(url, "GET", "/static/x%0D%0A2026-01-01%2000:00:00%20INFO%20GET%20/forged%20200")
    log = folder / "console.log"
    for _ in range(50):  # the access line is written after the response is sent
        lines = log.read_text(encoding="utf-8").splitlines()
        if any("\\x0d\\x0a" in line for line in lines):
            break
        time.sleep(0.1)
    assert not [line for line in lines if line.startswith("2026-01-01")]
    assert any("\\x0d\\x0a" in line for line in lines)


def test_a_moved_database_answers_503_and_is_not_recreated(tmp_path: Path) -> None:
    database = handoff_database(tmp_path)
    path = tmp_path / "knowledge.db"
    with running_console(tmp_path, database) as url:
        path.rename(tmp_path / "moved.db")
        assert login_from(url, USERNAME, PASSWORD, {}) == 503
        status, _, body = raw(url, "GET", "/queue", {"Cookie": "console_session=x"})
        assert status == 503 and "cơ sở dữ liệu" in body.decode()
        assert not path.exists()
        (tmp_path / "moved.db").rename(path)
        assert login_from(url, USERNAME, PASSWORD, {}) == 200
