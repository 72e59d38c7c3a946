"""Print an intent report's accuracy and weakest intents; fail below the floor.

check-nlu-report.py REPORT.json [FLOOR]   (default floor 0.90, for the held-out split)
"""

import json
import sys

FLOOR = float(sys.argv[2]) if len(sys.argv) > 2 else 0.90

report = json.load(open(sys.argv[1], encoding="utf-8"))
accuracy = report["accuracy"]
print(f"intent accuracy: {accuracy:.3f} (floor {FLOOR})")
weak = {
    k: v["f1-score"]
    for k, v in report.items()
    if isinstance(v, dict) and "f1-score" in v and not k.endswith("avg")
}
for intent, f1 in sorted(weak.items(), key=lambda kv: kv[1])[:5]:
    print(f"  lowest f1: {intent} {f1:.3f}")
sys.exit(0 if accuracy >= FLOOR else 1)
