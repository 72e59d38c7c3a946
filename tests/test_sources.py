"""Every web address under knowledge/ is an official page, or the fact it backs is marked
unverified (``verified: false`` in the nearest mapping), so that its answer can say so."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
import yaml

from knowledge.sources import is_official

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
URL = re.compile(r"https?://[^\s\"'<>)\]]+")


def addresses(value: Any, where: str, unverified: bool = False) -> Iterator[Tuple[str, str, bool]]:
    """(address, where, marked unverified) for every address in a YAML value."""
    if isinstance(value, dict):
        marked = value.get("verified") is False
        for key, item in value.items():
            yield from addresses(item, f"{where}.{key}", marked)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from addresses(item, f"{where}[{i}]", unverified)
    elif isinstance(value, str):
        for url in URL.findall(value):
            yield url, where, unverified


def yaml_files() -> List[Path]:
    return sorted(KNOWLEDGE.rglob("*.yml"))


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_yaml_addresses_are_official_or_marked_unverified(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bad = [
        f"{where}: {url}"
        for url, where, unverified in addresses(data, path.name)
        if not is_official(url) and not unverified
    ]
    assert bad == []


def test_addresses_in_code_and_docs_are_official() -> None:
    bad = [
        f"{path.relative_to(KNOWLEDGE)}: {url}"
        for path in sorted(KNOWLEDGE.rglob("*"))
        if path.suffix in (".py", ".md")
        for url in URL.findall(path.read_text(encoding="utf-8"))
        if not is_official(url)
    ]
    assert bad == []


def test_the_check_sees_the_addresses_it_should() -> None:
    found = [
        (url, unverified)
        for path in yaml_files()
        for url, _, unverified in addresses(yaml.safe_load(path.read_text("utf-8")), path.name)
    ]
    assert len(found) > 100
    assert any(unverified for _, unverified in found)  # press reports kept, marked
    assert all(is_official(url) for url, unverified in found if not unverified)


@pytest.mark.parametrize(
    ("url", "official"),
    [
        ("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x", True),
        ("http://english.vinhphuc.gov.vn/ct/cms", True),
        ("https://congbao.chinhphu.vn/van-ban/x", True),
        ("https://vbpl.vn/TW/Pages/vbpq-toanvan.aspx", True),
        ("https://www.vietnam.vn/en/x", False),
        ("https://thuvienphapluat.vn/van-ban/x", False),
        ("https://gov.vn.example.com/x", False),
        ("https://fakegov.vn/x", False),
    ],
)
def test_official_domains(url: str, official: bool) -> None:
    assert is_official(url) is official
