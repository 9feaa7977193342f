"""Routing: digests with their outbox messages, per-team deliveries, and the outbox relay."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import psycopg2.extras

from echolot.store.bulk import Cursor


def upsert_digest_with_outbox(
    cur: Cursor,
    *,
    project: str,
    team: str,
    window_start: datetime,
    window_end: datetime,
    detail_level: str,
    finding_ids: Sequence[int],
    body_text: str,
    content_hash: str,
    payload: dict[str, Any],
    kind: str = "digest",
    body_markdown: str = "",
    body_html: str = "",
) -> tuple[int, bool]:
    """Write the digest and its outbox message together; returns (digest id, newly queued)."""
    cur.execute(
        """
        INSERT INTO digests (project, team, kind, window_start, window_end, detail_level,
                             finding_ids, body_text, body_markdown, body_html, content_hash)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (project, team, kind, window_start, window_end) DO UPDATE
            SET detail_level = EXCLUDED.detail_level, finding_ids = EXCLUDED.finding_ids,
                body_text = EXCLUDED.body_text, body_markdown = EXCLUDED.body_markdown,
                body_html = EXCLUDED.body_html, content_hash = EXCLUDED.content_hash,
                updated_at = now()
        RETURNING id
        """,
        (project, team, kind, window_start, window_end, detail_level, list(finding_ids),
         body_text, body_markdown, body_html, content_hash),
    )  # fmt: skip
    digest_id = cur.fetchone()[0]
    cur.execute(
        """
        INSERT INTO outbox (digest_id, team, content_hash, payload)
        VALUES (%s, %s, %s, %s)
        ON CONFLICT (digest_id, content_hash) DO NOTHING
        RETURNING id
        """,
        (digest_id, team, content_hash, json.dumps({**payload, "digest_id": digest_id})),
    )
    return digest_id, cur.fetchone() is not None


class Delivery(NamedTuple):
    """How a finding last went out to a team."""

    severity: str  # the finding's severity then
    digest_id: int
    escalated: bool


class DeliveredFinding(NamedTuple):
    finding_id: int
    severity: str
    escalated: bool


def deliveries(
    cur: Cursor, project: str, team: str, finding_ids: Sequence[int]
) -> dict[int, Delivery]:
    """finding id -> its last delivery, for the findings the team has had."""
    cur.execute(
        "SELECT finding_id, severity, digest_id, escalated FROM finding_deliveries "
        "WHERE project = %s AND team = %s AND finding_id = ANY(%s)",
        (project, team, list(finding_ids)),
    )
    return {row[0]: Delivery(*row[1:]) for row in cur.fetchall()}


def record_deliveries(
    cur: Cursor,
    project: str,
    team: str,
    digest_id: int,
    delivered: Sequence[DeliveredFinding],
) -> None:
    """Remember which findings went out in a digest, in the digest's transaction."""
    if not delivered:
        return
    psycopg2.extras.execute_values(
        cur,
        "INSERT INTO finding_deliveries (project, team, finding_id, digest_id, severity, "
        "escalated) VALUES %s ON CONFLICT (project, team, finding_id) DO UPDATE "
        "SET digest_id = EXCLUDED.digest_id, severity = EXCLUDED.severity, "
        "escalated = EXCLUDED.escalated, delivered_at = now()",
        [
            (project, team, finding_id, digest_id, severity, escalated)
            for finding_id, severity, escalated in delivered
        ],
    )


def digest_row(
    cur: Cursor, project: str, team: str, kind: str, window_start: datetime, window_end: datetime
) -> tuple[int, datetime] | None:
    """(id, created_at) of the team's digest of this kind and window (None if not written)."""
    cur.execute(
        "SELECT id, created_at FROM digests WHERE project = %s AND team = %s AND kind = %s "
        "AND window_start = %s AND window_end = %s",
        (project, team, kind, window_start, window_end),
    )
    row = cur.fetchone()
    return (row[0], row[1]) if row else None


def digest_exists(
    cur: Cursor, project: str, team: str, kind: str, window_start: datetime, window_end: datetime
) -> int | None:
    row = digest_row(cur, project, team, kind, window_start, window_end)
    return row[0] if row else None


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    digest_id: int
    project: str
    team: str
    payload: dict[str, Any]
    attempts: int


def claim_due_outbox(cur: Cursor, limit: int) -> list[OutboxMessage]:
    """Unsent messages whose retry time has come, oldest first, locked for this transaction.

    SKIP LOCKED lets several relays run side by side without sending a message twice at once.
    """
    cur.execute(
        """
        SELECT o.id, o.digest_id, d.project, o.team, o.payload, o.attempts
        FROM outbox o JOIN digests d ON d.id = o.digest_id
        WHERE o.sent_at IS NULL AND o.next_attempt_at <= now()
        ORDER BY o.id
        LIMIT %s
        FOR UPDATE OF o SKIP LOCKED
        """,
        (limit,),
    )
    return [OutboxMessage(*row) for row in cur.fetchall()]


def mark_sent(cur: Cursor, outbox_id: int) -> None:
    cur.execute(
        "UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL "
        "WHERE id = %s",
        (outbox_id,),
    )


def mark_failed(cur: Cursor, outbox_id: int, retry_in_seconds: float, error: str) -> None:
    cur.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = %s, "
        "next_attempt_at = clock_timestamp() + make_interval(secs => %s) WHERE id = %s",
        (error[:2000], retry_in_seconds, outbox_id),
    )


def outbox_backlog(cur: Cursor) -> int:
    cur.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    return cur.fetchone()[0]


def outbox_after(cur: Cursor, team: str | None, after_id: int) -> list[tuple[int, dict[str, Any]]]:
    """Outbox messages newer than `after_id` (for following a team without a broker)."""
    cur.execute(
        "SELECT id, payload FROM outbox WHERE id > %s AND (%s::text IS NULL OR team = %s) "
        "ORDER BY id",
        (after_id, team, team),
    )
    return cur.fetchall()


def digest(cur: Cursor, digest_id: int) -> dict[str, Any] | None:
    cur.execute(
        "SELECT id, project, team, kind, window_start, window_end, detail_level, body_text, "
        "body_markdown, body_html, finding_ids, created_at, updated_at FROM digests WHERE id = %s",
        (digest_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d.name for d in cur.description], row, strict=True))
