"""The layers import downwards only: text < knowledge < NLU < actions < channels and console."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package prefix -> project packages it must never import
FORBIDDEN = {
    "knowledge/text": ("knowledge", "bot", "actions"),
    "knowledge": ("bot", "actions"),
    "bot/nlu": ("actions", "bot.channels", "bot.console"),
    "actions": ("bot.channels", "bot.console"),
}


def _imports(path: Path) -> Iterator[Tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module


def _violations(folder: str, banned: Tuple[str, ...]) -> Iterator[str]:
    for path in sorted((ROOT / folder).rglob("*.py")):
        for line, module in _imports(path):
            if folder == "knowledge/text" and module.startswith("knowledge.text"):
                continue
            if any(module == b or module.startswith(b + ".") for b in banned):
                yield f"{path.relative_to(ROOT)}:{line} imports {module}"


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_layer_imports_only_lower_layers(folder: str) -> None:
    assert list(_violations(folder, FORBIDDEN[folder])) == []
