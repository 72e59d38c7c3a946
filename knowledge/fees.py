"""Curated fee schedules: the amounts a legal text sets, for which channels, until when.

A procedure's official record often only cites the circular that sets its fee ("Theo Thông tư
số 244/2016/TT-BTC"), or says the provincial People's Council sets it. A fee group holds what
the curators read in that text: its items (amounts, per channel, with their validity dates), the
exempt cases, and the source with whether the amounts were read on an official copy. Format:
knowledge/SCHEMA.md. Province councils' amounts live in the province profile, as groups too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from knowledge.models import METHODS
from knowledge.sources import is_official

SET_BY = ("law", "province")


class FeeDataError(ValueError):
    """A fee group breaks the schema; the message says where and what."""


@dataclass(frozen=True)
class FeeSource:
    url: Optional[str]
    checked: dt.date
    verified: bool  # the amounts were read on the official page at ``url``
    note: Optional[str] = None  # for maintainers: why unverified, where the figures were read


@dataclass(frozen=True)
class FeeItem:
    label: str
    amount: Optional[int]  # VND; 0 = free; None = no amount known (``text`` says why)
    text: Optional[str] = None
    per: Optional[str] = None  # "lần/người", "phiếu"
    methods: Tuple[str, ...] = ()  # the channels it applies to; empty = every channel
    valid_from: Optional[dt.date] = None
    valid_until: Optional[dt.date] = None  # last day the amount applies
    ended_note: Optional[str] = None  # said once the item has ended (never the old amount)

    def applies_to(self, method: str) -> bool:
        return not self.methods or method in self.methods

    def in_force(self, on: dt.date) -> bool:
        starts = self.valid_from is None or self.valid_from <= on
        return starts and (self.valid_until is None or on <= self.valid_until)

    def ended(self, on: dt.date) -> bool:
        return self.valid_until is not None and self.valid_until < on


@dataclass(frozen=True)
class FeeGroup:
    basis: str  # the text that sets the amounts, as the answer names it
    source: FeeSource
    set_by: str = "law"  # "province": each provincial People's Council sets the amount
    topic: Optional[str] = None  # for set_by province: the key in the profile's council_fees
    replaces: Optional[str] = None  # what the official record still cites instead
    items: Tuple[FeeItem, ...] = ()
    exemptions: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()  # Vietnamese, shown in the answer

    def dated_items(self) -> List[FeeItem]:
        """Items with an end date: the facts that expire."""
        return [item for item in self.items if item.valid_until is not None]


def _date(value: Any, where: str) -> Optional[dt.date]:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise FeeDataError(f"{where}: not an ISO date: {value!r}") from error


def _text(value: Any) -> Optional[str]:
    text = str(value).strip() if value is not None else ""
    return text or None


def read_source(raw: Any, where: str) -> FeeSource:
    """A source mapping: url (or null), checked, verified (default: url is official), note."""
    if not isinstance(raw, dict):
        raise FeeDataError(f"{where}: source must be a mapping")
    url = _text(raw.get("url"))
    checked = _date(raw.get("checked"), f"{where}.checked")
    if checked is None:
        raise FeeDataError(f"{where}: source.checked is required")
    verified = bool(raw.get("verified", url is not None and is_official(url)))
    if verified and (url is None or not is_official(url)):
        raise FeeDataError(f"{where}: verified amounts need an official source url")
    note = _text(raw.get("note"))
    if not verified and not note:
        raise FeeDataError(f"{where}: an unverified source needs a note saying why")
    return FeeSource(url, checked, verified, note)


def read_item(raw: Any, where: str) -> FeeItem:
    """One fee item; checks the amount, channels and dates."""
    if not isinstance(raw, dict) or not _text(raw.get("label")):
        raise FeeDataError(f"{where}: each item needs a label")
    amount = raw.get("amount")
    if amount is not None and (not isinstance(amount, int) or amount < 0):
        raise FeeDataError(f"{where}: amount must be a whole number of đồng, or null")
    if amount is None and not _text(raw.get("text")):
        raise FeeDataError(f"{where}: an item without an amount needs a text")
    methods = tuple(raw.get("methods") or ())
    if any(method not in METHODS for method in methods):
        raise FeeDataError(f"{where}: methods must be among {METHODS}")
    item = FeeItem(
        label=str(raw["label"]).strip(),
        amount=amount,
        text=_text(raw.get("text")),
        per=_text(raw.get("per")),
        methods=methods,
        valid_from=_date(raw.get("valid_from"), f"{where}.valid_from"),
        valid_until=_date(raw.get("valid_until"), f"{where}.valid_until"),
        ended_note=_text(raw.get("ended_note")),
    )
    if item.valid_from and item.valid_until and item.valid_until < item.valid_from:
        raise FeeDataError(f"{where}: valid_until is before valid_from")
    return item


def read_group(raw: Any, where: str) -> FeeGroup:
    """One fee group of a procedure file (or of a province's council fees)."""
    if not isinstance(raw, dict) or not _text(raw.get("basis")):
        raise FeeDataError(f"{where}: each fee group needs a basis")
    set_by = raw.get("set_by", "law")
    if set_by not in SET_BY:
        raise FeeDataError(f"{where}: set_by must be one of {SET_BY}")
    topic = _text(raw.get("topic"))
    if set_by == "province" and not topic:
        raise FeeDataError(f"{where}: a fee set by the province needs a topic")
    return FeeGroup(
        basis=str(raw["basis"]).strip(),
        source=read_source(raw.get("source"), f"{where}.source"),
        set_by=set_by,
        topic=topic,
        replaces=_text(raw.get("replaces")),
        items=tuple(
            read_item(item, f"{where}.items[{i}]") for i, item in enumerate(raw.get("items") or [])
        ),
        exemptions=tuple(str(e).strip() for e in raw.get("exemptions") or []),
        notes=tuple(str(n).strip() for n in raw.get("notes") or []),
    )


def read_groups(raw: Any, where: str = "fee_schedule") -> List[FeeGroup]:
    """All fee groups of a procedure (an absent schedule is an empty list)."""
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        raise FeeDataError(f"{where}: must be a list of fee groups")
    return [read_group(group, f"{where}[{i}]") for i, group in enumerate(raw)]


def _plain(value: Any) -> Any:
    """YAML values as JSON can store them (dates become ISO strings)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def stored(raw: Any) -> List[Dict[str, Any]]:
    """A checked schedule as stored in the ``procedure.fee_schedule`` JSON column."""
    read_groups(raw)
    return _plain(list(raw or []))


def method_groups(
    items: Sequence[FeeItem], methods: Iterable[str], on: dt.date
) -> List[Tuple[Tuple[str, ...], Tuple[FeeItem, ...]]]:
    """The items in force on ``on`` for each channel, channels with the same items together."""
    grouped: Dict[Tuple[FeeItem, ...], List[str]] = {}
    for method in methods:
        shown = tuple(item for item in items if item.applies_to(method) and item.in_force(on))
        grouped.setdefault(shown, []).append(method)
    return [(tuple(found), shown) for shown, found in grouped.items()]
