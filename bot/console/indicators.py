"""Indicators coloured green / yellow / orange / red by thresholds from ``indicators.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

THRESHOLDS_FILE = Path(__file__).with_name("indicators.yml")
LEVELS = ("green", "yellow", "orange", "red")
LEVEL_LABELS = {
    "green": "Đạt tốt",
    "yellow": "Đạt",
    "orange": "Cần cải thiện",
    "red": "Chưa đạt",
    "none": "Chưa có dữ liệu",
}


@dataclass(frozen=True)
class Threshold:
    """Where an indicator turns from one colour to the next."""

    label: str
    unit: str
    lower_is_better: bool
    green: float
    yellow: float
    orange: float

    def level(self, value: Optional[float]) -> str:
        """The colour of ``value`` ("none" without a value)."""
        if value is None:
            return "none"
        bounds = (self.green, self.yellow, self.orange)
        for level, bound in zip(LEVELS, bounds, strict=False):
            if (value <= bound) if self.lower_is_better else (value >= bound):
                return level
        return "red"


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Dict[str, Threshold]:
    """The thresholds file, checked: each indicator's bounds must be in order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    thresholds = {}
    for name, entry in data.items():
        better = entry["better"]
        if better not in ("lower", "higher"):
            raise ValueError(f"{path}: {name}.better must be 'lower' or 'higher'")
        bounds = [float(entry[level]) for level in LEVELS[:3]]
        if bounds != sorted(bounds, reverse=better == "higher"):
            raise ValueError(f"{path}: {name}: green, yellow, orange are out of order")
        thresholds[name] = Threshold(entry["label"], entry["unit"], better == "lower", *bounds)
    return thresholds


def indicator(threshold: Threshold, value: Optional[float], detail: str = "") -> Dict[str, Any]:
    """An indicator as the supervisor page shows it."""
    level = threshold.level(value)
    return {
        "label": threshold.label,
        "value": None if value is None else round(value, 1),
        "unit": threshold.unit,
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "detail": detail,
    }
