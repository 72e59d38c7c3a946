"""The province profile: name, portal and one-stop system, hotline, one-stop centres, opening
hours and the province's own procedures."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

from knowledge.fees import FeeGroup, read_group

PROVINCES_DIR = Path(__file__).parent / "data" / "provinces"
CATALOGUE_DIR = Path(__file__).parent / "data" / "catalogue"
DEFAULT_PROVINCE = "da-nang"
VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Hours:
    """Opening hours: on ``days`` (0 = Monday), from ``open`` to ``close``, Vietnam time.

    ``note`` is said with the hours, e.g. that they come from a press report, not verified.
    """

    days: Tuple[int, ...]
    open: dt.time
    close: dt.time
    note: Optional[str] = None


@dataclass(frozen=True)
class Hotline:
    number: str
    label: str


@dataclass(frozen=True)
class OneStopCentre:
    name: str
    address: str


@dataclass(frozen=True)
class ProvinceProfile:
    """Public facts of the province that runs the assistant."""

    slug: str
    name: str
    portal_url: Optional[str]
    hotlines: Tuple[Hotline, ...]
    one_stop_centres: Tuple[OneStopCentre, ...]
    hotline_hours: Tuple[Hours, ...]
    office_hours: Tuple[Hours, ...]
    national_portal_url: str
    checked: str
    one_stop_url: Optional[str] = None  # the province's one-stop (một cửa) system, if separate
    own_procedures: Tuple[str, ...] = ()  # codes of the province's own (SPECIFIC) procedures
    # Who issues the province's own procedures in the official catalogue (its
    # ``departmentPromulgate``), e.g. "UBND Thành phố Đà Nẵng"; a SPECIFIC procedure is the
    # province's own when its issuer is listed or its code is in ``own_procedures``.
    own_issuers: Tuple[str, ...] = ()
    catalogue: Optional[str] = None  # its catalogue snapshot (knowledge.catalogue)
    # Fees each provincial People's Council sets, by topic (e.g. "le_phi_ho_tich"), each with
    # its resolution as basis and source; a topic not here is answered as not known.
    council_fees: Dict[str, FeeGroup] = field(default_factory=dict, compare=False)
    extra: Dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def hotline(self) -> Optional[str]:
        """The main hotline number."""
        return self.hotlines[0].number if self.hotlines else None

    def hotline_open(self, now: Optional[dt.datetime] = None) -> bool:
        """Whether hotline staff answer at ``now`` (default: the current time)."""
        return _is_open(self.hotline_hours, now)

    def office_open(self, now: Optional[dt.datetime] = None) -> bool:
        """Whether the one-stop centre receives dossiers at ``now``."""
        return _is_open(self.office_hours, now)

    def staff_hours(self) -> Tuple[Hours, ...]:
        """When staff answer chats: the office hours, else the hotline's hours."""
        return self.office_hours or self.hotline_hours

    def staff_open(self, now: Optional[dt.datetime] = None) -> bool:
        """Whether staff answer chats at ``now`` (always, when no hours are known)."""
        return not self.staff_hours() or _is_open(self.staff_hours(), now)

    def next_opening(self, now: Optional[dt.datetime] = None) -> Optional[dt.datetime]:
        """The next time staff start answering (Vietnam time), within a week."""
        local = (now or dt.datetime.now(VIETNAM_TIME)).astimezone(VIETNAM_TIME)
        starts = [
            dt.datetime.combine(local.date() + dt.timedelta(days=offset), h.open, VIETNAM_TIME)
            for offset in range(8)
            for h in self.staff_hours()
            if (local.weekday() + offset) % 7 in h.days
        ]
        upcoming = [start for start in starts if start > local]
        return min(upcoming) if upcoming else None

    def describe_hours(self, hours: Tuple[Hours, ...]) -> Optional[str]:
        """Vietnamese text of opening hours, e.g. "Thứ Hai–Thứ Sáu: 07:30–11:30, 13:30–17:00"."""
        if not hours:
            return None
        by_days: Dict[Tuple[int, ...], List[str]] = {}
        for h in hours:
            by_days.setdefault(h.days, []).append(f"{h.open:%H:%M}–{h.close:%H:%M}")
        parts = [f"{_day_range(days)}: {', '.join(spans)}" for days, spans in by_days.items()]
        notes = list(dict.fromkeys(h.note for h in hours if h.note))
        return "; ".join(parts + notes)


def _day_range(days: Tuple[int, ...]) -> str:
    if len(days) == 7:
        return "Hằng ngày"
    if list(days) == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{WEEKDAYS[days[0]]}–{WEEKDAYS[days[-1]]}"
    return ", ".join(WEEKDAYS[d] for d in days)


def _is_open(hours: Tuple[Hours, ...], now: Optional[dt.datetime]) -> bool:
    local = (now or dt.datetime.now(VIETNAM_TIME)).astimezone(VIETNAM_TIME)
    return any(local.weekday() in h.days and h.open <= local.time() < h.close for h in hours)


def _hours(entries: Optional[List[Dict[str, Any]]]) -> Tuple[Hours, ...]:
    return tuple(
        Hours(
            tuple(int(d) for d in e["days"]),
            dt.time.fromisoformat(str(e["open"])),
            dt.time.fromisoformat(str(e["close"])),
            e.get("answer_note"),
        )
        for e in entries or []
    )


def _centre(entry: Dict[str, Any]) -> OneStopCentre:
    """A one-stop centre; an unverified address carries its note in the address text."""
    address = str(entry.get("address", ""))
    if entry.get("answer_note"):
        address = f"{address} ({entry['answer_note']})" if address else entry["answer_note"]
    return OneStopCentre(entry["name"], address)


def load_profile(name_or_path: Optional[str] = None) -> ProvinceProfile:
    """Load a profile by slug (``knowledge/data/provinces/<slug>.yml``) or by file path.

    Without an argument, ``PROVINCE_PROFILE`` from the environment, else the default province.
    """
    choice = name_or_path or os.environ.get("PROVINCE_PROFILE") or DEFAULT_PROVINCE
    path = Path(choice) if choice.endswith((".yml", ".yaml")) else PROVINCES_DIR / f"{choice}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    national = data.get("national_portal") or {}
    known = {
        "slug",
        "name",
        "portal_url",
        "hotlines",
        "one_stop_centres",
        "hotline_hours",
        "office_hours",
        "national_portal",
        "checked",
        "one_stop_url",
        "own_procedures",
        "own_issuers",
        "catalogue",
        "council_fees",
    }
    return ProvinceProfile(
        slug=data["slug"],
        name=data["name"],
        portal_url=data.get("portal_url"),
        hotlines=tuple(Hotline(str(h["number"]), h.get("label", "")) for h in data["hotlines"]),
        one_stop_centres=tuple(_centre(c) for c in data.get("one_stop_centres") or []),
        hotline_hours=_hours(data.get("hotline_hours")),
        office_hours=_hours(data.get("office_hours")),
        national_portal_url=national.get("url", "https://dichvucong.gov.vn"),
        checked=str(data.get("checked", "")),
        one_stop_url=data.get("one_stop_url"),
        own_procedures=tuple(str(code).strip() for code in data.get("own_procedures") or []),
        own_issuers=tuple(str(name).strip() for name in data.get("own_issuers") or []),
        catalogue=data.get("catalogue"),
        council_fees={
            str(topic): read_group(group, f"{path.name}: council_fees.{topic}")
            for topic, group in (data.get("council_fees") or {}).items()
        },
        extra={k: v for k, v in data.items() if k not in known},
    )


@lru_cache(maxsize=1)
def current_profile() -> ProvinceProfile:
    """The profile of this deployment (``PROVINCE_PROFILE``), loaded once per process."""
    return load_profile()
