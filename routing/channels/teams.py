"""Microsoft Teams: a compact Adaptive Card through an incoming webhook (a Teams Workflows
"when a webhook request is received" flow, or a legacy connector).

A Teams message may carry about 28 KB; the card is built item by item and stops adding items
before it would pass `MAX_CARD_BYTES`, saying how many more the full digest holds.
"""

from __future__ import annotations

import json
from typing import Any

from routing.channels.base import MORE_IN_DIGEST, OPEN_DIGEST_LABELS, Outgoing, OutgoingItem
from routing.channels.webhook import post_json

MAX_CARD_BYTES = 27_000  # below Teams' ~28 KB, leaving room for the envelope's headers
CARD_VERSION = "1.4"


class TeamsDelivery:
    type = "teams"

    def __init__(self, name: str, url: str, source: str) -> None:
        self.name = name
        self._url = url
        self._what = f"Teams webhook ({source})"

    def recipients(self) -> list[str]:
        return [""]

    def send(self, message: Outgoing, recipient: str) -> None:
        post_json(self._url, render(message), self._what)


def render(message: Outgoing) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "TextBlock", "text": message.window, "isSubtle": True, "spacing": "None",
         "wrap": True},
    ]  # fmt: skip
    actions = []
    if message.digest_url:
        label = OPEN_DIGEST_LABELS.get(message.language, OPEN_DIGEST_LABELS["en"])
        actions.append({"type": "Action.OpenUrl", "title": label, "url": message.digest_url})
    shown = 0
    for item in message.items:
        candidate = [*body, _container(message, item)]
        if _size(_envelope(candidate, actions, more=len(message.items))) > MAX_CARD_BYTES:
            break
        body, shown = candidate, shown + 1
    left = len(message.items) - shown
    if left:
        more = MORE_IN_DIGEST.get(message.language, MORE_IN_DIGEST["en"]).format(n=left)
        body.append({"type": "TextBlock", "text": more, "isSubtle": True, "wrap": True})
    return _envelope(body, actions)


def _container(message: Outgoing, item: OutgoingItem) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"type": "TextBlock", "wrap": True,
         "text": f"**{item.severity.upper()}** {_plain(item.headline)}"},
    ]  # fmt: skip
    if item.feedback:
        items.append({"type": "ActionSet", "actions": [
            {"type": "Action.OpenUrl", "title": message.labels[r], "url": url}
            for r, url in item.feedback.items()]})  # fmt: skip
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _envelope(
    body: list[dict[str, Any]], actions: list[dict[str, Any]], more: int = 0
) -> dict[str, Any]:
    if more:  # reserve room for the "and N more" line while measuring
        body = [*body, {"type": "TextBlock", "text": "x" * 60, "isSubtle": True, "wrap": True}]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": CARD_VERSION, "body": body,
    }  # fmt: skip
    if actions:
        card["actions"] = actions
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
         "content": card}]}  # fmt: skip


def _plain(text: str) -> str:
    # TextBlock reads a Markdown subset; keep a headline's own asterisks, brackets and
    # underscores literal.
    flat = " ".join(text.split())
    for char in "\\*_[]`#>":
        flat = flat.replace(char, "\\" + char)
    return flat


def _size(envelope: dict[str, Any]) -> int:
    return len(json.dumps(envelope, ensure_ascii=False).encode("utf-8"))
