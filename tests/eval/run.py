"""`make eval`: real citizens' questions against the real servers, scored per category.

Data (tests/eval/, see its README): `questions.yml` (real questions with their source URL,
official procedure codes and aspects, and the split: `held_out` is never used for tuning),
`rewrites.yml` (messy retypings of those questions) and `dialogues.yml` (multi-turn
conversations where the citizen types instead of tapping).

Each question is sent by a new citizen over the REST channel; what the bot did is read from the
conversation's tracker (Rasa's HTTP API): the slot `last_answer` (procedure and aspects
answered), `pending_choice` (a question asked back) and the actions run. Printed per category:
procedure top-1 and top-3, aspect accuracy, end-to-end correctness (the reply names the right
procedure and carries the asked facts), the clarification rate and wrong-procedure answers.

    python -m tests.eval.run                 # start servers, evaluate the held-out part
    python -m tests.eval.run --split all     # dev and held-out
    python -m tests.eval.run --url http://localhost:5005 --token T   # a running deployment
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

HERE = Path(__file__).resolve().parent
PROCEDURE_ASPECTS = {
    "documents",
    "online",
    "fee",
    "processing_time",
    "agency",
    "eligibility",
    "overview",
}
# What the reply of each answered aspect carries (knowledge/render.py writes these).
ASPECT_MARKERS = {
    "documents": ("Hồ sơ", "giấy tờ", "Giấy tờ"),
    "online": ("trực tuyến",),
    "fee": ("Phí, lệ phí", "phí, lệ phí"),
    "processing_time": ("Thời hạn giải quyết", "thời hạn giải quyết"),
    "agency": ("Cơ quan thực hiện",),
    "eligibility": ("đối tượng và điều kiện",),
    "overview": ("(mã ",),
}
# Which actions mean which kind of answer.
KIND_ACTIONS = {
    "status": {"action_answer_status"},
    "scam": {"utter_scam_warning", "utter_secret_warning"},
    "account": {
        "action_start_account_guide",
        "action_answer_account_faq",
        "account_form",
        "utter_no_guide",
    },
    "complaint": {"action_answer_delay", "action_handoff"},
    "handoff": {"action_handoff"},
}
TARGETS = {"top1": 0.90, "e2e": 0.85, "wrong": 0.02, "clarify": 0.15}


@dataclass
class Turn:
    """What the bot did with one message."""

    texts: List[str]
    answered: Optional[str] = None  # procedure code answered
    aspects: List[str] = field(default_factory=list)
    choice: List[str] = field(default_factory=list)  # procedure codes offered in a choice
    alternatives: List[str] = field(default_factory=list)  # offered after an answer
    asked_which: bool = False  # "which procedure?" with no options
    case_asked: bool = False
    actions: List[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def ranked(self) -> List[str]:
        """The procedures the turn points to, best first."""
        first = [self.answered] if self.answered else []
        return first + [c for c in self.choice + self.alternatives if c not in first]

    def is_kind(self, kind: str) -> bool:
        """Whether the turn ran an action of ``kind`` (a handoff is also how a complaint may
        be answered: one action can serve two kinds)."""
        return bool(KIND_ACTIONS.get(kind, set()) & set(self.actions))


class Bot:
    """A REST client of a running Rasa server, reading trackers through its HTTP API."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def _call(self, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def say(self, sender: str, text: str) -> Turn:
        replies = self._call("/webhooks/rest/webhook", {"sender": sender, "message": text})
        tracker = self._call(f"/conversations/{sender}/tracker?token={self.token}")
        return read_turn(replies, tracker)


def read_turn(replies: List[Dict[str, Any]], tracker: Dict[str, Any]) -> Turn:
    """The turn's outcome from the replies and the events after the latest user message."""
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    turn = Turn([r.get("text") or "" for r in replies])
    for event in events[last_user + 1 :]:
        if event.get("event") == "action":
            turn.actions.append(event.get("name"))
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if name == "last_answer" and isinstance(value, dict):
            turn.answered = value.get("code")
            turn.aspects = list(value.get("aspects") or [])
        elif name == "pending_choice" and isinstance(value, dict):
            if value.get("kind") == "case":
                turn.case_asked = True
            else:
                turn.choice = [o["value"] for o in value.get("options") or []]
        elif name == "pending_aspects" and value and not turn.answered:
            turn.asked_which = True
    for reply in replies:
        for button in reply.get("buttons") or []:
            payload = button.get("payload") or ""
            if '"chosen_option":"' in payload and "#" not in payload:
                code = payload.split('"chosen_option":"')[1].split('"')[0]
                if code not in turn.choice:
                    turn.alternatives.append(code)
    if turn.answered is None and turn.aspects == ["not_found"]:
        turn.aspects = []
    return turn


@dataclass
class Score:
    """Counts for one category."""

    n: int = 0
    procedure_n: int = 0  # questions labelled with procedure codes and procedure aspects
    top1: int = 0
    top3: int = 0
    aspect_ok: int = 0
    e2e: int = 0
    clarified: int = 0
    single_n: int = 0  # questions that name one procedure (one code)
    single_clarified: int = 0
    wrong: int = 0

    def add(self, gold: Dict[str, Any], turn: Turn) -> bool:
        """Score one turn against its labels; returns whether it was right end to end."""
        self.n += 1
        codes = list(gold.get("codes") or [])
        aspects = [a for a in gold.get("aspects") or [] if a in PROCEDURE_ASPECTS]
        kinds = [a for a in gold.get("aspects") or [] if a not in PROCEDURE_ASPECTS]
        if gold.get("kind"):
            kinds = [gold["kind"]]
        asked = bool(turn.choice) or turn.asked_which
        self.clarified += asked
        if turn.answered and turn.answered not in codes:
            self.wrong += 1
        if codes and aspects:
            self.procedure_n += 1
            ranked = turn.ranked()
            self.top1 += bool(ranked) and ranked[0] in codes
            self.top3 += any(c in codes for c in ranked[:3])
            self.aspect_ok += set(turn.aspects) == set(aspects)
            if len(codes) == 1:
                self.single_n += 1
                self.single_clarified += asked
        correct = end_to_end(codes, aspects, kinds, turn, gold.get("choice_ok", False))
        self.e2e += correct
        return correct

    def rates(self) -> Dict[str, float]:
        def share(part: int, whole: int) -> float:
            return part / whole if whole else float("nan")

        return {
            "top1": share(self.top1, self.procedure_n),
            "top3": share(self.top3, self.procedure_n),
            "aspects": share(self.aspect_ok, self.procedure_n),
            "e2e": share(self.e2e, self.n),
            "clarify": share(self.single_clarified, self.single_n),
            "wrong": share(self.wrong, self.n),
        }


def end_to_end(
    codes: Sequence[str], aspects: Sequence[str], kinds: Sequence[str], turn: Turn, choice_ok: bool
) -> bool:
    """Whether the reply does what the question needs."""
    if kinds and not aspects:
        return any(turn.is_kind(kind) for kind in kinds)
    if not codes:
        return turn.answered is None  # nothing in the catalogue: "not found" beats a wrong one
    if turn.answered not in codes:
        return choice_ok and any(c in codes for c in turn.choice)
    if not set(aspects) <= set(turn.aspects):
        return False
    return all(any(m in turn.text for m in ASPECT_MARKERS[a]) for a in aspects)


def load(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8")) or {}


def evaluate(bot: Bot, split: str) -> Dict[str, Dict[str, Score]]:
    """Run every question, rewrite and dialogue of the split; scores per part and category."""
    questions = [q for q in load("questions.yml")["questions"] if split in ("all", q["split"])]
    by_id = {q["id"]: q for q in questions}
    rewrites = [r for r in load("rewrites.yml")["rewrites"] if r["of"] in by_id]
    dialogues = [d for d in load("dialogues.yml")["dialogues"] if split in ("all", d.get("split"))]
    parts: Dict[str, Dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    failures: List[str] = []

    def record(
        part: str, category: str, gold: Dict[str, Any], turn: Turn, label: str, text: str
    ) -> bool:
        correct = parts[part][category].add(gold, turn)
        parts[part]["all"].add(gold, turn)
        if not correct:
            outcome = {
                "label": label,
                "text": text,
                "gold": {k: gold.get(k) for k in ("codes", "aspects", "kind") if gold.get(k)},
                "answered": turn.answered,
                "aspects": turn.aspects,
                "choice": turn.choice,
                "actions": turn.actions,
                "reply": turn.text[:300],
            }
            failures.append(json.dumps(outcome, ensure_ascii=False))
        return correct

    for question in questions:
        turn = bot.say(f"eval-{uuid.uuid4().hex[:10]}", question["text"])
        record("questions", question["category"], question, turn, question["id"], question["text"])
    for rewrite in rewrites:
        original = by_id[rewrite["of"]]
        turn = bot.say(f"eval-{uuid.uuid4().hex[:10]}", rewrite["text"])
        label = f"rewrite of {rewrite['of']}"
        record("rewrites", original["category"], original, turn, label, rewrite["text"])
        parts["originals of rewrites"]["all"].add(
            original, bot.say(f"eval-{uuid.uuid4().hex[:10]}", original["text"])
        )
    for dialogue in dialogues:
        sender = f"eval-{uuid.uuid4().hex[:10]}"
        whole = True
        for number, step in enumerate(dialogue["turns"], start=1):
            turn = bot.say(sender, step["user"])
            label = f"{dialogue['id']} turn {number}"
            whole &= record(
                "dialogue turns", dialogue["category"], step["expect"], turn, label, step["user"]
            )
        parts["dialogues (every turn right)"][dialogue["category"]].n += 1
        parts["dialogues (every turn right)"][dialogue["category"]].e2e += whole
    report_path = Path(os.environ.get("EVAL_FAILURES", HERE.parent.parent / "results" / "eval"))
    report_path.mkdir(parents=True, exist_ok=True)
    (report_path / f"failures-{split}.jsonl").write_text("\n".join(failures) + "\n", "utf-8")
    return parts


def print_report(parts: Dict[str, Dict[str, Score]], split: str) -> bool:
    """The table per part and category; returns whether the held-out targets are met."""
    columns = ("top1", "top3", "aspects", "e2e", "clarify", "wrong")
    print(f"\nEvaluation on split: {split}")
    for part, categories in parts.items():
        print(f"\n{part}")
        print(f"  {'category':<14} {'n':>4} " + " ".join(f"{c:>8}" for c in columns))
        for category in sorted(categories, key=lambda c: (c != "all", c)):
            score = categories[category]
            rates = score.rates()
            cells = " ".join(
                f"{rates[c]:>8.1%}" if rates[c] == rates[c] else f"{'—':>8}" for c in columns
            )
            print(f"  {category:<14} {score.n:>4} {cells}")
    overall = parts["questions"]["all"].rates()
    checks = [
        ("procedure top-1", overall["top1"] >= TARGETS["top1"], overall["top1"], "≥ 90 %"),
        ("end-to-end", overall["e2e"] >= TARGETS["e2e"], overall["e2e"], "≥ 85 %"),
        ("wrong procedure", overall["wrong"] <= TARGETS["wrong"], overall["wrong"], "≤ 2 %"),
        ("clarification", overall["clarify"] <= TARGETS["clarify"], overall["clarify"], "≤ 15 %"),
    ]
    rewrites = parts.get("rewrites", {}).get("all")
    originals = parts.get("originals of rewrites", {}).get("all")
    if rewrites and originals and rewrites.n:
        gap = originals.rates()["e2e"] - rewrites.rates()["e2e"]
        checks.append(("rewrites within 5 points", gap <= 0.05, gap, "≤ 5 points"))
    print("\nTargets (questions):")
    for name, ok, value, target in checks:
        print(f"  {'met' if ok else 'NOT met':<8} {name:<26} {value:7.1%}   target {target}")
    return all(ok for _, ok, _, _ in checks)


def _start_servers() -> Tuple[Any, str, str]:
    from tests.servers import MODEL, ROOT, Servers

    if not MODEL.exists():
        sys.exit("models/current.tar.gz is missing: run `make train` first")
    workdir = Path(tempfile.mkdtemp(prefix="eval-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    env.setdefault("KNOWLEDGE_DB_URL", f"sqlite:///{workdir / 'knowledge.db'}")
    running = Servers(workdir, env)
    return running, running.url, running.token


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("held_out", "dev", "all"), default="held_out")
    parser.add_argument("--url", help="a running Rasa server (default: start one)")
    parser.add_argument("--token", default=os.environ.get("RASA_TOKEN", ""))
    args = parser.parse_args(list(argv) if argv is not None else None)
    servers = None
    url, token = args.url, args.token
    if not url:
        servers, url, token = _start_servers()
    try:
        parts = evaluate(Bot(url, token), args.split)
    finally:
        if servers is not None:
            servers.stop()
    print_report(parts, args.split)
    return 0


if __name__ == "__main__":
    sys.exit(main())
