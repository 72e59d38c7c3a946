"""The short polite message a citizen gets when the system cannot answer now: try again, or
call the province's hotline (from the province profile)."""

from __future__ import annotations

from functools import lru_cache

from knowledge.profile import current_profile


@lru_cache(maxsize=1)
def busy_text() -> str:
    """ "The system is busy: please try again in a few minutes or call the hotline"."""
    hotline = current_profile().hotline
    call = f" hoặc gọi tổng đài {hotline}" if hotline else ""
    return f"Xin lỗi, hệ thống đang bận. Anh/chị vui lòng thử lại sau ít phút{call}."
