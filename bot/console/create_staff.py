"""Staff accounts for the console, from a terminal.

    python -m bot.console.create_staff --supervisor USERNAME [--name "Họ và tên"]
    python -m bot.console.create_staff --operator USERNAME [--name "Họ và tên"]
    python -m bot.console.create_staff --deactivate USERNAME
    python -m bot.console.create_staff --check     # exit 0 when an active supervisor exists

The password is asked twice on a terminal, or read from the first line of standard input (for
scripts: ``printf '%s\\n' "$PASSWORD" | python -m bot.console.create_staff ...``); it is stored
as a bcrypt hash only. The database is ``KNOWLEDGE_DB_URL`` (or ``--db``).
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from typing import List, Optional, TextIO

from sqlalchemy.exc import IntegrityError

from bot.handoff.models import OPERATOR, SUPERVISOR
from bot.handoff.store import HandoffStore

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_BYTES = 72  # bcrypt's limit


class Refused(ValueError):
    """The input cannot make an account; the message says why, in Vietnamese."""


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Refused(f"Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự.")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise Refused(f"Mật khẩu dài quá {MAX_PASSWORD_BYTES} byte.")
    return password


def read_password(stdin: TextIO) -> str:
    """Asked twice on a terminal; otherwise the first line of ``stdin``."""
    if stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise Refused("Hai lần nhập mật khẩu không khớp.")
        return check_password(first)
    return check_password(stdin.readline().rstrip("\r\n"))


def create(
    store: HandoffStore, username: str, name: Optional[str], role: str, stdin: TextIO
) -> str:
    if not USERNAME.match(username):
        raise Refused(
            "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang "
            "hoặc gạch dưới."
        )
    password = read_password(stdin)
    try:
        store.create_staff(username, (name or username).strip(), password, role)
    except IntegrityError:
        raise Refused(f"Tên đăng nhập {username} đã có.") from None
    title = "giám sát viên" if role == SUPERVISOR else "tổng đài viên"
    return f"Đã tạo tài khoản {title} {username}."


def main(argv: Optional[List[str]] = None, stdin: TextIO = sys.stdin) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.console.create_staff", description="Staff console accounts."
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--supervisor", metavar="USERNAME", help="create a supervisor")
    action.add_argument("--operator", metavar="USERNAME", help="create an operator")
    action.add_argument("--deactivate", metavar="USERNAME", help="disable an account")
    action.add_argument(
        "--check", action="store_true", help="exit 0 when an active supervisor exists, else 1"
    )
    parser.add_argument("--name", help="display name shown to colleagues (default: USERNAME)")
    parser.add_argument("--db", help="database URL (default: KNOWLEDGE_DB_URL)")
    args = parser.parse_args(argv)
    store = HandoffStore.open(args.db)
    if args.check:
        return 0 if store.has_supervisor() else 1
    try:
        if args.deactivate:
            if not store.set_active(args.deactivate, False):
                raise Refused(f"Không có tài khoản {args.deactivate}.")
            print(f"Đã khóa tài khoản {args.deactivate}; các phiên đăng nhập đã kết thúc.")
            return 0
        role = SUPERVISOR if args.supervisor else OPERATOR
        print(create(store, args.supervisor or args.operator, args.name, role, stdin))
    except Refused as refusal:
        print(refusal, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
