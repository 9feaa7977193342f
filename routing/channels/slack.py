"""Slack: a compact Block Kit message through an incoming webhook.

Within Slack's limits: at most 50 blocks, 150 characters in the header, 3,000 per section text,
75 per button label. Each item is a section (severity and headline) and an actions block with
its feedback buttons; items that do not fit are counted and left to the full digest.
"""

from __future__ import annotations

from typing import Any

from routing.channels.base import MORE_IN_DIGEST, OPEN_DIGEST_LABELS, Outgoing, OutgoingItem
from routing.channels.webhook import post_json

MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
BUTTON_CHARS = 75
# header, window, divider, "and N more", the link to the full digest
_FIXED_BLOCKS = 5


class SlackDelivery:
    type = "slack"

    def __init__(self, name: str, url: str, source: str) -> None:
        self.name = name
        self._url = url
        self._what = f"Slack webhook ({source})"

    def recipients(self) -> list[str]:
        return [""]

    def send(self, message: Outgoing, recipient: str) -> None:
        post_json(self._url, render(message), self._what)


def render(message: Outgoing) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(_cut(message.title, HEADER_CHARS))},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _escape(message.window)}]},
        {"type": "divider"},
    ]
    room = (MAX_BLOCKS - _FIXED_BLOCKS) // 2
    shown = message.items[:room]
    for item in shown:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _item_text(item)}})
        if item.feedback:
            blocks.append({"type": "actions", "block_id": f"feedback-{item.finding_id}",
                           "elements": [_button(message.labels[r], url, f"{r}-{item.finding_id}")
                                        for r, url in item.feedback.items()]})  # fmt: skip
    left = len(message.items) - len(shown)
    if left:
        more = MORE_IN_DIGEST.get(message.language, MORE_IN_DIGEST["en"]).format(n=left)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    if message.digest_url:
        label = OPEN_DIGEST_LABELS.get(message.language, OPEN_DIGEST_LABELS["en"])
        button = _button(label, message.digest_url, "open-digest") | {"style": "primary"}
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": _cut(f"{message.title} ({message.window})", SECTION_CHARS), "blocks": blocks}


def _item_text(item: OutgoingItem) -> str:
    return _cut(f"*{item.severity.upper()}*  {_escape(item.headline)}", SECTION_CHARS)


def _button(label: str, url: str, action_id: str) -> dict[str, Any]:
    return {"type": "button", "text": _plain(_cut(label, BUTTON_CHARS)), "url": url,
            "action_id": action_id}  # fmt: skip


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _escape(text: str) -> str:
    # Slack's mrkdwn reads &, < and > as markup (links, mentions); everything else stays text.
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
