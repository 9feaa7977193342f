"""Feedback on delivered digests: signed single-use links, the reactions they record, and how a
team's reactions move findings in its next digests.

Links. Every item of a delivered message gets one token per channel and recipient: 128 random
bits stored in `feedback_tokens`, carried in the URL with its expiry and an HMAC-SHA256 over
both (secret from ECHOLOT_FEEDBACK_SECRET). The endpoint checks the signature before it looks
anything up, so a forged or altered link costs no query and tells nothing; a token records one
reaction and is spent. Nothing in a link names a finding, team or digest.

Ranking. For team T and a finding of kind K in scope S (e.g. product area `app`), over the
reactions of the last `FEEDBACK_DAYS` days, with u = "useful" and d = "not useful" + "wrong
team" counts:

    factor = clamp(((u_K + 2) / (d_K + 2)) * ((u_KS + 2) / (d_KS + 2)), FLOOR, CAP)

u_K, d_K count reactions to kind K in any scope, u_KS, d_KS to kind K in scope S. No feedback
gives 1; one "not useful" on a finding gives 0.44 to its kind and scope and 0.67 to its kind
elsewhere; one "useful" gives 2 (the cap). A finding's rank score is impact × factor, and never
below FLOOR × impact. Critical findings are exempt: they keep the place their impact gives them
and feedback reorders the rest around them, so feedback never hides anything critical.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from echolot.store import delivery as store
from routing.channels.base import REACTIONS, Outgoing, OutgoingItem, Reaction

if TYPE_CHECKING:
    from routing.condense import Condensed
    from routing.digest_view import DigestItem

SECRET_ENV = "ECHOLOT_FEEDBACK_SECRET"
PUBLIC_URL_ENV = "ECHOLOT_PUBLIC_URL"
TTL_ENV = "ECHOLOT_FEEDBACK_TTL_DAYS"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8765"
DEFAULT_TTL = timedelta(days=30)
MIN_SECRET_CHARS = 32
FEEDBACK_DAYS = 90
SMOOTHING = 2.0
FLOOR = 0.25
CAP = 2.0

_TOKEN = re.compile(r"^([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")
Purpose = Literal["feedback", "digest"]
Verdict = Literal["ok", "forged", "expired", "used"]


class FeedbackNotConfigured(Exception):
    """ECHOLOT_FEEDBACK_SECRET is missing or too short."""


@dataclass(frozen=True)
class FeedbackSettings:
    secret: bytes
    public_url: str = DEFAULT_PUBLIC_URL
    ttl: timedelta = DEFAULT_TTL

    def __repr__(self) -> str:  # never print the secret
        return f"FeedbackSettings(public_url={self.public_url!r}, ttl={self.ttl})"


def settings_from_environment() -> FeedbackSettings:
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < MIN_SECRET_CHARS:
        raise FeedbackNotConfigured(
            f"{SECRET_ENV} must hold at least {MIN_SECRET_CHARS} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    ttl_days = os.environ.get(TTL_ENV, "")
    ttl = timedelta(days=float(ttl_days)) if ttl_days else DEFAULT_TTL
    url = os.environ.get(PUBLIC_URL_ENV, "").strip() or DEFAULT_PUBLIC_URL
    return FeedbackSettings(secret.encode("utf-8"), url.rstrip("/"), ttl)


# --- tokens ---------------------------------------------------------------------------------


def _signature(secret: bytes, purpose: Purpose, token_id: str, expires: int) -> str:
    mac = hmac.new(secret, f"echolot-{purpose}\0{token_id}\0{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def sign(settings: FeedbackSettings, purpose: Purpose, token_id: str, expires: datetime) -> str:
    stamp = int(expires.timestamp())
    return f"{token_id}.{stamp}.{_signature(settings.secret, purpose, token_id, stamp)}"


def verify(
    settings: FeedbackSettings, purpose: Purpose, token: str, now: datetime | None = None
) -> tuple[Verdict, str | None]:
    """('ok', token id) for a well-signed, unexpired token; ('forged'|'expired', None) else."""
    match = _TOKEN.match(token)
    if match is None:
        return "forged", None
    token_id, stamp, signature = match.groups()
    expected = _signature(settings.secret, purpose, token_id, int(stamp))
    if not hmac.compare_digest(expected, signature):
        return "forged", None
    if int(stamp) <= (now or datetime.now(UTC)).timestamp():
        return "expired", None
    return "ok", token_id


def feedback_url(settings: FeedbackSettings, token: str, reaction: Reaction) -> str:
    return f"{settings.public_url}/feedback/{token}?reaction={reaction}"


def digest_url(settings: FeedbackSettings, token: str) -> str:
    return f"{settings.public_url}/digest/{token}"


def _new_token_id() -> str:
    return secrets.token_urlsafe(16)  # 128 bits, 22 characters


# --- issuing links for one delivery ----------------------------------------------------------


def with_links(
    cur: store.Cursor,
    settings: FeedbackSettings,
    message: Outgoing,
    channel: str,
    recipient: str,
    now: datetime | None = None,
) -> Outgoing:
    """The message with feedback links on every item and a link to the full digest, for one
    channel and recipient. A retry of the same delivery reuses the tokens issued before."""
    now = now or datetime.now(UTC)
    issued = store.issued_tokens(cur, message.outbox_id, channel, recipient)
    expires = now + settings.ttl
    fresh = []
    for item in message.items:
        if item.finding_id not in issued:
            token_id = _new_token_id()
            issued[item.finding_id] = store.IssuedToken(token_id, item.finding_id, expires)
            fresh.append({
                "token_id": token_id, "outbox_id": message.outbox_id,
                "digest_id": message.digest_id, "project": message.project,
                "team": message.team, "channel": channel, "recipient": recipient,
                "finding_id": item.finding_id, "kind": item.kind,
                "scope_kind": item.scope_kind, "scope_value": item.scope_value,
                "severity": item.severity, "expires_at": expires,
            })  # fmt: skip
    if fresh:
        store.issue_feedback_tokens(cur, fresh)
    items = []
    for item in message.items:
        token = issued[item.finding_id]
        signed = sign(settings, "feedback", token.token_id, token.expires_at)
        links = {reaction: feedback_url(settings, signed, reaction) for reaction in REACTIONS}
        items.append(_replace_links(item, links))
    link_id = _new_token_id()
    store.issue_digest_link(cur, link_id, message.digest_id, message.project, message.team,
                            expires)  # fmt: skip
    signed = sign(settings, "digest", link_id, expires)
    return replace(message, items=items, digest_url=digest_url(settings, signed))


def _replace_links(item: OutgoingItem, links: dict[Reaction, str]) -> OutgoingItem:
    return replace(item, feedback=links)


# --- recording a reaction --------------------------------------------------------------------


def check(cur: store.Cursor, settings: FeedbackSettings, token: str) -> tuple[Verdict, str | None]:
    """Whether a feedback link may still record a reaction (without spending it)."""
    verdict, token_id = verify(settings, "feedback", token)
    if verdict != "ok":
        return verdict, None
    assert token_id is not None
    state = store.feedback_token_state(cur, token_id)
    if state is None:
        return "forged", None  # well signed but never issued: a leaked secret or another db
    if state == "used":
        return "used", None
    if state == "expired":
        return "expired", None
    return "ok", token_id


def record(cur: store.Cursor, settings: FeedbackSettings, token: str, reaction: str) -> Verdict:
    """Record one reaction and spend the token; anything but 'ok' recorded nothing."""
    if reaction not in REACTIONS:
        return "forged"
    verdict, token_id = check(cur, settings, token)
    if verdict != "ok":
        return verdict
    assert token_id is not None
    # Two clicks at once: only one UPDATE finds the token unused.
    return "ok" if store.use_feedback_token(cur, token_id, reaction) else "used"


# --- the payload's items, and ranking ---------------------------------------------------------


def payload_items(items: Sequence[DigestItem]) -> list[dict[str, Any]]:
    """What a consumer needs to attach feedback to each item of a digest."""
    return [{"finding_id": i.finding_id, "kind": i.kind, "severity": i.severity,
             "headline": i.headline, "scope_kind": i.scope_kind, "scope_value": i.scope_value}
            for i in items]  # fmt: skip


@dataclass(frozen=True)
class Tally:
    useful: float = 0.0
    against: float = 0.0  # not useful + wrong team

    def ratio(self) -> float:
        return (self.useful + SMOOTHING) / (self.against + SMOOTHING)


def factors(
    counts: Sequence[tuple[str, str, str, int, int]],
) -> Callable[[str, str, str], float]:
    """factor(kind, scope_kind, scope_value) from (kind, scope kind, value, useful, against)."""
    by_kind: dict[str, Tally] = {}
    by_scope: dict[tuple[str, str, str], Tally] = {}
    for kind, scope_kind, scope_value, useful, against in counts:
        before = by_kind.get(kind, Tally())
        by_kind[kind] = Tally(before.useful + useful, before.against + against)
        by_scope[(kind, scope_kind, scope_value)] = Tally(useful, against)

    def factor(kind: str, scope_kind: str, scope_value: str) -> float:
        raw = (
            by_kind.get(kind, Tally()).ratio()
            * by_scope.get((kind, scope_kind, scope_value), Tally()).ratio()
        )
        return min(CAP, max(FLOOR, raw))

    return factor


def rerank(
    cur: store.Cursor,
    project: str,
    team: str,
    groups: list[Condensed],
    score: Callable[[Condensed], float],
    digest: tuple[str, datetime, datetime] | None = None,
    now: datetime | None = None,
) -> list[Condensed]:
    """Reorder ranked groups by impact × the team's feedback factor; critical ones stay put.

    `digest` (kind, window start, window end) names the digest being written: a digest that
    already exists counts only the reactions recorded before it was first written, so
    rerunning its window renders it the same and queues nothing new.
    """
    if not groups:
        return groups
    until = now or datetime.now(UTC)
    if digest is not None:
        until = store.digest_written_at(cur, project, team, *digest) or until
    counts = store.feedback_counts(cur, project, team, until - timedelta(days=FEEDBACK_DAYS),
                                   until)  # fmt: skip
    if not counts:
        return groups
    return reorder(groups, score, factors(counts))


def reorder(
    groups: list[Condensed],
    score: Callable[[Condensed], float],
    factor: Callable[[str, str, str], float],
) -> list[Condensed]:
    def adjusted(group: Condensed) -> float:
        lead = group.lead
        return score(group) * factor(lead["kind"], lead["scope_kind"], lead["scope_value"])

    movable = [g for g in groups if g.lead["severity"] != "critical"]
    # sorted() is stable: equal adjusted scores keep the order the caller ranked them in.
    queue = iter(sorted(movable, key=lambda g: -adjusted(g)))
    return [g if g.lead["severity"] == "critical" else next(queue) for g in groups]
