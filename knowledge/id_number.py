"""Format check of a 12-digit personal identification number (căn cước / CCCD).

Only the format is checked (length, province code, century/sex digit, year of birth); nothing
is looked up. The problems are said in Vietnamese, without repeating the number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

ID_NUMBER_FILE = Path(__file__).parent / "data" / "id_number.yml"
LENGTH = 12


@dataclass(frozen=True)
class IdNumberCheck:
    """The outcome of a format check."""

    problems: Tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


@lru_cache(maxsize=1)
def _rules() -> Tuple[Dict[str, str], Dict[str, Tuple[int, str]]]:
    data = yaml.safe_load(ID_NUMBER_FILE.read_text(encoding="utf-8"))
    centuries = {k: (int(v[0]), str(v[1])) for k, v in data["century_sex_digit"].items()}
    return dict(data["province_codes"]), centuries


def check_id_number(typed: str, today: Optional[dt.date] = None) -> IdNumberCheck:
    """Check the format of an identity number typed with or without spaces, dots or dashes."""
    digits = re.sub(r"[\s.\-]", "", typed)
    if not digits.isdigit():
        return IdNumberCheck(("Số định danh chỉ gồm chữ số (không có chữ cái hay ký hiệu).",))
    if len(digits) == 9:
        return IdNumberCheck(
            (
                "Đây có vẻ là số chứng minh nhân dân cũ (9 chữ số). Số định danh cá nhân trên "
                "thẻ căn cước gồm 12 chữ số.",
            )
        )
    if len(digits) != LENGTH:
        return IdNumberCheck(
            (f"Số định danh cá nhân gồm {LENGTH} chữ số; số anh/chị nhắn có {len(digits)}.",)
        )
    provinces, centuries = _rules()
    problems: List[str] = []
    if digits[:3] not in provinces:
        problems.append(
            "Ba chữ số đầu phải là mã tỉnh nơi đăng ký khai sinh (ví dụ 001 Hà Nội, 048 Đà Nẵng, "
            "079 TP. Hồ Chí Minh); ba chữ số đầu của số này không phải mã tỉnh."
        )
    century = centuries[digits[3]][0]
    year = (century - 1) * 100 + int(digits[4:6])
    if year > (today or dt.date.today()).year:
        problems.append(
            "Chữ số thứ 4 (thế kỷ sinh và giới tính) và chữ số thứ 5–6 (năm sinh) cho ra một năm "
            "sinh chưa tới: có thể đã gõ nhầm các chữ số này."
        )
    return IdNumberCheck(tuple(problems))
