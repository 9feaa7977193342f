"""What every channel gets and promises: a digest ready to send, and how a failure is told.

A channel sends one message to one recipient (an e-mail address, or '' for a webhook). It
returns when the far side accepted the message and raises `TransientFailure` (worth another
try later: a timeout, a 5xx, a rate limit) or `PermanentFailure` (a rejected address, a wrong
webhook, missing settings) otherwise. Retries, de-duplication and parking are the consumer's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Reaction = Literal["useful", "not_useful", "wrong_team"]
REACTIONS: tuple[Reaction, ...] = ("useful", "not_useful", "wrong_team")

REACTION_LABELS: dict[str, dict[Reaction, str]] = {
    "en": {"useful": "Useful", "not_useful": "Not useful", "wrong_team": "Wrong team"},
    "de": {"useful": "Nützlich", "not_useful": "Nicht nützlich", "wrong_team": "Falsches Team"},
}
OPEN_DIGEST_LABELS = {"en": "Open the full digest", "de": "Ganzen Digest öffnen"}
FEEDBACK_HEADING = {"en": "Was this useful?", "de": "War das nützlich?"}
MORE_IN_DIGEST = {
    "en": "… and {n} more in the full digest.",
    "de": "… und {n} weitere im ganzen Digest.",
}


class DeliveryFailure(Exception):
    """A channel did not accept a message."""


class TransientFailure(DeliveryFailure):
    """Worth trying again: the far side was unreachable, slow, overloaded or rate limiting."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(DeliveryFailure):
    """Trying again will not help until someone changes a setting or the recipient."""


@dataclass(frozen=True)
class OutgoingItem:
    """One finding of the digest, with the links that record a reaction to it."""

    finding_id: int
    kind: str
    severity: str
    headline: str
    scope_kind: str
    scope_value: str
    # reaction -> URL; empty when feedback is not configured
    feedback: dict[Reaction, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    """A digest as it leaves for one channel and recipient."""

    outbox_id: int
    digest_id: int
    project: str
    team: str
    kind: str  # digest or alert
    language: str
    title: str
    window: str
    text: str
    html: str
    items: list[OutgoingItem]
    digest_url: str | None = None

    @property
    def labels(self) -> dict[Reaction, str]:
        return REACTION_LABELS.get(self.language, REACTION_LABELS["en"])


class Channel(Protocol):
    name: str
    type: str

    def recipients(self) -> list[str]:
        """Who gets a message of their own ('' for a webhook's one message)."""
        ...

    def send(self, message: Outgoing, recipient: str) -> None:
        """Hand the message over; return only once the far side accepted it."""
        ...
