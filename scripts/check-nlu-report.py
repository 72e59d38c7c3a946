"""Fail when intent accuracy on the held-out split drops below the floor."""

import json
import sys

FLOOR = 0.90

report = json.load(open(sys.argv[1], encoding="utf-8"))
accuracy = report["accuracy"]
print(f"held-out intent accuracy: {accuracy:.3f} (floor {FLOOR})")
weak = {
    k: v["f1-score"]
    for k, v in report.items()
    if isinstance(v, dict) and "f1-score" in v and not k.endswith("avg")
}
for intent, f1 in sorted(weak.items(), key=lambda kv: kv[1])[:5]:
    print(f"  lowest f1: {intent} {f1:.3f}")
sys.exit(0 if accuracy >= FLOOR else 1)
