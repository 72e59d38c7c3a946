"""Staff sign-in of the console (real console process, real SQLite, real HTTP): passwords,
sessions, CSRF tokens, roles, the login lock, and the command that creates accounts."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import pytest
from console_server import (
    PASSWORD,
    SUPERVISOR,
    USERNAME,
    StaffClient,
    handoff_database,
    running_console,
)

from bot.handoff.store import HandoffStore

ROOT = Path(__file__).resolve().parent.parent
WRONG_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return handoff_database(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module")
def console(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_console(tmp_path_factory.mktemp("auth-console"), database) as url:
        yield url


def raw(
    url: str, method: str, path: str, headers: Optional[Dict[str, str]] = None, body: object = None
) -> Tuple[int, http.client.HTTPMessage, bytes]:
    """One request without cookies or redirects: status, headers, body."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    result = response.status, response.headers, response.read()
    connection.close()
    return result


def login(url: str, username: str, password: str) -> Tuple[int, Dict, http.client.HTTPMessage]:
    """A sign-in as the login page does it: login CSRF token first, then the password."""
    _, headers, body = raw(url, "GET", "/api/login")
    token = json.loads(body)["csrf"]
    cookie = headers["Set-Cookie"].split(";")[0]
    status, headers, body = raw(
        url,
        "POST",
        "/api/login",
        {"Cookie": cookie, "X-CSRF-Token": token},
        {"username": username, "password": password},
    )
    return status, json.loads(body), headers


def session_cookie(headers: http.client.HTTPMessage) -> str:
    [cookie] = [c for c in headers.get_all("Set-Cookie") if c.startswith("console_session=")]
    return cookie


def test_login_starts_a_session_in_a_protected_cookie(console: str) -> None:
    status, body, headers = login(console, USERNAME, PASSWORD)
    assert status == 200
    assert body["staff"] == {
        "id": body["staff"]["id"],
        "username": USERNAME,
        "name": "Nguyễn Thị Lan",
        "role": "operator",
        "supervisor": False,
    }
    cookie = session_cookie(headers)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; see the test with CONSOLE_SECURE_COOKIES
    status, _, answer = raw(console, "GET", "/api/session", {"Cookie": cookie.split(";")[0]})
    assert status == 200 and json.loads(answer)["csrf"] == body["csrf"]


def test_wrong_password_unknown_name_and_disabled_account_are_refused(
    console: str, database: str
) -> None:
    HandoffStore.open(database).create_staff("nghiviec01", "Cán bộ đã nghỉ", "mat-khau-cu-8e2f")
    assert login(console, "nghiviec01", "mat-khau-cu-8e2f")[0] == 200
    assert (
        subprocess.run(
            [sys.executable, "-m", "bot.console.create_staff", "--deactivate", "nghiviec01"],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "KNOWLEDGE_DB_URL": database, "PATH": "/usr/bin:/bin"},
        ).returncode
        == 0
    )
    for username, password in (
        (USERNAME, "mat-khau-sai-000000"),
        ("khongco", PASSWORD),
        ("nghiviec01", "mat-khau-cu-8e2f"),
        (USERNAME, ""),
        (USERNAME, "x" * 80),  # longer than bcrypt takes
    ):
        status, body, headers = login(console, username, password)
        assert (status, body) == (401, {"error": WRONG_LOGIN})
        assert not any(c.startswith("console_session=") for c in headers.get_all("Set-Cookie", []))


def test_disabling_an_account_ends_its_sessions(console: str, database: str) -> None:
    HandoffStore.open(database).create_staff("tamnghi01", "Cán bộ tạm nghỉ", "mat-khau-tam-3c7a")
    client = StaffClient(console, "tamnghi01", "mat-khau-tam-3c7a")
    assert client.get("/api/queue")[0] == 200
    HandoffStore.open(database).set_active("tamnghi01", False)
    assert client.get("/api/queue") == (401, {"error": "Vui lòng đăng nhập."})


def test_login_needs_its_csrf_token(console: str) -> None:
    credentials = {"username": USERNAME, "password": PASSWORD}
    _, headers, body = raw(console, "GET", "/api/login")
    cookie = headers["Set-Cookie"].split(";")[0]
    for sent in ({"Cookie": cookie}, {"Cookie": cookie, "X-CSRF-Token": "forged-token"}, {}):
        status, _, answer = raw(console, "POST", "/api/login", sent, credentials)
        assert status == 403
        assert json.loads(answer)["error"] == "Phiên làm việc không hợp lệ. Vui lòng tải lại trang."
    token = json.loads(body)["csrf"]  # the right token without its cookie: refused too
    assert raw(console, "POST", "/api/login", {"X-CSRF-Token": token}, credentials)[0] == 403


def test_missing_or_forged_session_is_refused(console: str) -> None:
    forged = {"Cookie": "console_session=Zm9yZ2VkLXNlc3Npb24tdG9rZW4tMTIzNDU2Nzg5MA"}
    for headers in ({}, forged):
        for path in ("/api/queue", "/api/tickets/1", "/api/session", "/api/procedures?q=ho"):
            status, _, body = raw(console, "GET", path, headers)
            assert (status, json.loads(body)) == (401, {"error": "Vui lòng đăng nhập."})
        status, answer_headers, _ = raw(console, "GET", "/tickets/7?tab=1", headers)
        location = urllib.parse.urlsplit(answer_headers["Location"])
        assert status == 302 and location.path == "/login"
        assert urllib.parse.parse_qs(location.query) == {"next": ["/tickets/7?tab=1"]}
        assert raw(console, "POST", "/api/tickets/1/take", headers)[0] == 401


def test_changes_need_the_session_csrf_token(console: str) -> None:
    client = StaffClient(console)
    for csrf in (None, "forged-token", ""):
        for method, path in (("POST", "/api/tickets/1/take"), ("DELETE", "/api/session")):
            status, body = client.request(method, path, csrf=csrf)
            assert status == 403
            assert body["error"] == "Phiên làm việc không hợp lệ. Vui lòng tải lại trang."
    other = StaffClient(console)  # another session's token does not fit this one
    assert client.request("POST", "/api/tickets/1/take", csrf=other.csrf)[0] == 403
    assert client.post("/api/tickets/999999/take") == (
        404,
        {"error": "Không tìm thấy phiếu hỗ trợ này."},
    )


def test_an_operator_cannot_open_the_supervisor_page(console: str) -> None:
    operator = StaffClient(console)
    assert operator.get("/api/supervisor/figures")[0] == 403
    status, _, page = raw(console, "GET", "/supervisor", {"Cookie": _cookie_of(operator)})
    assert status == 403 and "chỉ dành cho giám sát viên" in page.decode()
    supervisor = StaffClient(console, *SUPERVISOR)
    status, figures = supervisor.get("/api/supervisor/figures?days=7")
    assert status == 200 and len(figures["tickets_per_day"]) == 7
    status, _, page = raw(console, "GET", "/supervisor", {"Cookie": _cookie_of(supervisor)})
    assert status == 200 and b'id="indicators"' in page


def _cookie_of(client: StaffClient) -> str:
    [cookie] = [c for c in client.opener.handlers if hasattr(c, "cookiejar")]
    return "; ".join(f"{c.name}={c.value}" for c in cookie.cookiejar)


def test_signing_out_ends_the_session(console: str) -> None:
    client = StaffClient(console)
    cookie = _cookie_of(client)
    assert client.request("DELETE", "/api/session")[0] == 200
    assert raw(console, "GET", "/api/queue", {"Cookie": cookie})[0] == 401


def test_repeated_wrong_passwords_lock_the_login(console: str, database: str) -> None:
    HandoffStore.open(database).create_staff("khoa01", "Cán bộ thử khóa", "mat-khau-khoa-5a1d")
    for _ in range(5):
        assert login(console, "khoa01", "mat-khau-sai-111111")[0] == 401
    status, body, _ = login(console, "khoa01", "mat-khau-khoa-5a1d")
    assert (status, body) == (
        429,
        {"error": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."},
    )
    assert login(console, USERNAME, PASSWORD)[0] == 200  # other accounts are not affected


def test_secure_cookies_when_configured(tmp_path: Path, database: str) -> None:
    with running_console(tmp_path, database, {"CONSOLE_SECURE_COOKIES": "1"}) as url:
        _, _, headers = login(url, USERNAME, PASSWORD)
        assert "Secure" in session_cookie(headers)


def command(database: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.console.create_staff", *args],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "KNOWLEDGE_DB_URL": database, "PATH": "/usr/bin:/bin"},
        input=stdin,
        capture_output=True,
        text=True,
    )


def test_the_command_creates_the_first_supervisor_and_operators(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'staff.db'}"
    assert command(database, "--check").returncode == 1
    made = command(
        database, "--supervisor", "giamsat", "--name", "Phạm Minh Châu", stdin="mat-khau-dau-tien\n"
    )
    assert made.returncode == 0 and made.stdout == "Đã tạo tài khoản giám sát viên giamsat.\n"
    assert command(database, "--check").returncode == 0
    account = HandoffStore.open(database).verify_login("giamsat", "mat-khau-dau-tien")
    assert account is not None and account.role == "supervisor"
    assert account.display_name == "Phạm Minh Châu"
    assert account.password_hash.startswith("$2b$") and "mat-khau" not in account.password_hash
    made = command(database, "--operator", "tongdai9", stdin="mat-khau-tong-dai\n")
    assert made.stdout == "Đã tạo tài khoản tổng đài viên tongdai9.\n"

    for args, stdin, error in (
        (("--operator", "tongdai9"), "mat-khau-khac-nua\n", "Tên đăng nhập tongdai9 đã có."),
        (("--operator", "ngan"), "ngan\n", "Mật khẩu cần ít nhất 10 ký tự."),
        (("--operator", "Có Dấu"), "mat-khau-hop-le\n", "Tên đăng nhập gồm 3–64 ký tự"),
        (("--deactivate", "khongco"), "", "Không có tài khoản khongco."),
    ):
        refused = command(database, *args, stdin=stdin)
        assert refused.returncode == 2 and refused.stderr.startswith(error)


def test_the_console_refuses_to_start_without_the_bridge_secret() -> None:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for extra, error in (
        ({"STAFF_BRIDGE_TOKEN": "short"}, "set STAFF_BRIDGE_TOKEN (the secret shared with"),
        (
            {"STAFF_BRIDGE_TOKEN": "x" * 20, "CONSOLE_SECURE_COOKIES": "yes"},
            "CONSOLE_SECURE_COOKIES must be auto, 1 or 0",
        ),
        (
            {"STAFF_BRIDGE_TOKEN": "x" * 20, "HANDOFF_TIMEOUT_MINUTES": "ten"},
            "HANDOFF_TIMEOUT_MINUTES must be a number, not 'ten'",
        ),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bot.console.app"],
            cwd=ROOT,
            env={**base, **extra},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and f"Staff console not started: {error}" in done.stderr


def test_idle_or_old_sessions_end(tmp_path: Path) -> None:
    store = HandoffStore.open(f"sqlite:///{tmp_path / 'sessions.db'}")
    staff = store.create_staff("phien01", "Cán bộ thử phiên", "mat-khau-phien-9d2c")
    hour, no_time = dt.timedelta(hours=1), dt.timedelta(0)
    for idle, lifetime in ((no_time, hour), (hour, no_time)):
        token, _ = store.start_session(staff)
        assert store.session_staff(token, hour, hour) is not None
        assert store.session_staff(token, idle, lifetime) is None
        assert store.session_staff(token, hour, hour) is None  # deleted, not only refused
    assert store.session_staff("not-a-session-token", hour, hour) is None
