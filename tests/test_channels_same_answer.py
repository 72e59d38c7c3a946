"""The same question on REST, Zalo and Messenger gets the same answer: one conversation logic and
one knowledge base behind every channel (only the platform's limits change the packaging). The
buttons are compared by what they do: the page a link opens, the payload a button sends (the
answer id in feedback payloads differs from one conversation to the next)."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import Any, Dict, List, Tuple

import pytest

from bot.channels import messenger, zalo
from bot.channels.shaping import OVERFLOW_TEXTS
from tests.platforms import (
    messenger_delivery,
    post,
    text_event,
    wait_for_turns,
    zalo_event,
)

pytestmark = pytest.mark.servers

Answer = Tuple[str, List[str], List[str]]  # text, button titles, what each button does


def normalized(text: str) -> str:
    return " ".join(text.split())


def does(target: str) -> str:
    """What a button does: its page or its payload, without the answer's id."""
    return re.sub(r'"answer_id":"[^"]*"', '"answer_id":""', target)


def ask_rest(servers, question: str) -> Answer:  # noqa: ANN001
    body = json.dumps({"sender": f"rest-{uuid.uuid4().hex}", "message": question}).encode()
    request = urllib.request.Request(
        f"{servers.url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        messages = json.loads(reply.read())
    buttons = [b for m in messages for b in m.get("buttons", [])]
    text = "\n".join(m.get("text", "") for m in messages)
    return (
        text,
        [b["title"] for b in buttons],
        [does(b.get("url") or b["payload"]) for b in buttons],
    )


def ask_zalo(servers, fake, question: str) -> Answer:  # noqa: ANN001
    user = uuid.uuid4().hex[:12]
    body, headers = zalo_event(user, question, f"msg-{uuid.uuid4()}")
    assert post(f"{servers.url}/webhooks/zalo/webhook", body, headers)[0] == 200
    wait_for_turns(servers, zalo.conversation_id(user), 1)
    messages = fake.messages_to(user)
    buttons = [
        b for m in messages if "attachment" in m for b in m["attachment"]["payload"]["buttons"]
    ]
    texts = [m["text"] for m in messages if m["text"] not in OVERFLOW_TEXTS]
    targets = [b["payload"]["url"] if b["type"] == "oa.open.url" else b["payload"] for b in buttons]
    return "\n".join(texts), [b["title"] for b in buttons], [does(t) for t in targets]


def ask_messenger(servers, fake, question: str) -> Answer:  # noqa: ANN001
    psid = str(uuid.uuid4().int % 10**15)
    body, headers = messenger_delivery([[text_event(psid, question, f"mid.{uuid.uuid4()}")]])
    assert post(f"{servers.url}/webhooks/messenger/webhook", body, headers)[0] == 200
    wait_for_turns(servers, messenger.conversation_id(psid), 1)
    messages = [r["message"] for r in fake.requests_to(psid)]
    links = [b for m in messages for b in _template(m).get("buttons", [])]
    cards = [c for m in messages for c in _template(m).get("elements", [])]
    quick = [q for m in messages for q in m.get("quick_replies", [])]
    texts = [m.get("text") or _template(m).get("text", "") for m in messages]
    titles = [b["title"] for b in links] + [c["title"] for c in cards] + [q["title"] for q in quick]
    pages = [b["url"] for b in links] + [c["buttons"][0]["url"] for c in cards]
    return "\n".join(t for t in texts if t), titles, pages + [does(q["payload"]) for q in quick]


def _template(message: Dict[str, Any]) -> Dict[str, Any]:
    return message.get("attachment", {}).get("payload", {})


@pytest.mark.parametrize(
    "question",
    [
        "đăng ký thường trú mất bao lâu",
        "le phi dang ky ket hon bao nhieu",
        "dang ky khai sinh can giay to gi",
        "cấp lại thẻ căn cước nộp online được không",
    ],
)
def test_same_question_same_answer_on_every_channel(channel_servers, platforms, question) -> None:  # noqa: ANN001
    fake_zalo, fake_messenger = platforms
    text, titles, payloads = ask_rest(channel_servers, question)
    assert text
    for channel, (other_text, other_titles, other_payloads) in {
        "zalo": ask_zalo(channel_servers, fake_zalo, question),
        "messenger": ask_messenger(channel_servers, fake_messenger, question),
    }.items():
        assert other_payloads == payloads, channel
        if not payloads:
            assert normalized(other_text) == normalized(text), channel
            continue
        # Messenger lists long choice titles under the text and numbers its short buttons.
        assert normalized(other_text).startswith(normalized(text)), channel
        shown = normalized(other_text + " " + " ".join(other_titles))
        assert all(normalized(title) in shown for title in titles), channel
