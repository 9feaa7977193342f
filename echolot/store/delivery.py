"""Delivery to people's channels and their feedback: which message reached which channel and
recipient, parked messages, signed links to digests, single-use feedback tokens and reactions.

Every function takes a cursor; the caller owns the transaction. The consumer commits after each
channel's answer, so a crash never makes it repeat a channel that already accepted a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extras

from echolot.store.bulk import Cursor
from echolot.store.routing import digest_row

# Namespace of the advisory locks that keep two consumers off one outbox message.
_LOCK_NAMESPACE = 0x45434C54  # "ECLT"


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox message as the consumer sees it (from the broker or the outbox table)."""

    outbox_id: int
    digest_id: int
    project: str
    team: str
    payload: dict[str, Any]


def message_delivered(cur: Cursor, outbox_id: int) -> bool:
    cur.execute("SELECT 1 FROM delivered_messages WHERE outbox_id = %s", (outbox_id,))
    return cur.fetchone() is not None


def channel_accepted(cur: Cursor, outbox_id: int, channel: str, recipient: str) -> bool:
    cur.execute(
        "SELECT 1 FROM digest_deliveries WHERE outbox_id = %s AND channel = %s "
        "AND recipient = %s AND status = 'sent'",
        (outbox_id, channel, recipient),
    )
    return cur.fetchone() is not None


def record_channel_result(
    cur: Cursor,
    message: QueuedMessage,
    channel: str,
    channel_type: str,
    recipient: str,
    attempts: int,
    error: str | None,
) -> None:
    """What one channel said about one message for one recipient: accepted, or the error."""
    cur.execute(
        """
        INSERT INTO digest_deliveries (outbox_id, digest_id, project, team, channel, channel_type,
                                       recipient, status, attempts, last_error, sent_at)
        VALUES (%(o)s, %(d)s, %(p)s, %(t)s, %(c)s, %(ct)s, %(r)s, %(s)s, %(a)s, %(e)s,
                CASE WHEN %(e)s::text IS NULL THEN now() END)
        ON CONFLICT (outbox_id, channel, recipient) DO UPDATE
            SET status = EXCLUDED.status,
                attempts = digest_deliveries.attempts + EXCLUDED.attempts,
                last_error = EXCLUDED.last_error, sent_at = EXCLUDED.sent_at,
                updated_at = now()
        """,
        {"o": message.outbox_id, "d": message.digest_id, "p": message.project,
         "t": message.team, "c": channel, "ct": channel_type, "r": recipient,
         "s": "failed" if error else "sent", "a": attempts, "e": error[:2000] if error else None},
    )  # fmt: skip


def mark_message_delivered(cur: Cursor, message: QueuedMessage) -> None:
    cur.execute(
        "INSERT INTO delivered_messages (outbox_id, digest_id, project, team) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (outbox_id) DO NOTHING",
        (message.outbox_id, message.digest_id, message.project, message.team),
    )
    cur.execute(
        "UPDATE delivery_dead_letters SET resolved_at = now() "
        "WHERE outbox_id = %s AND resolved_at IS NULL",
        (message.outbox_id,),
    )


def park_message(
    cur: Cursor, message: QueuedMessage, reason: str, failed_channels: Sequence[str]
) -> None:
    cur.execute(
        """
        INSERT INTO delivery_dead_letters (outbox_id, digest_id, project, team, reason,
                                           failed_channels)
        VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (outbox_id) DO UPDATE
            SET reason = EXCLUDED.reason, failed_channels = EXCLUDED.failed_channels,
                times_parked = delivery_dead_letters.times_parked + 1,
                parked_at = now(), resolved_at = NULL
        """,
        (message.outbox_id, message.digest_id, message.project, message.team, reason[:2000],
         list(failed_channels)),
    )  # fmt: skip


def dead_letters(cur: Cursor, project: str, team: str | None = None) -> list[dict[str, Any]]:
    """Parked messages not delivered since, oldest first."""
    cur.execute(
        "SELECT outbox_id, digest_id, team, reason, failed_channels, times_parked, parked_at "
        "FROM delivery_dead_letters WHERE project = %s AND (%s::text IS NULL OR team = %s) "
        "AND resolved_at IS NULL ORDER BY parked_at",
        (project, team, team),
    )
    return [dict(zip([d.name for d in cur.description], row, strict=True)) for row in cur]


def undelivered_outbox(cur: Cursor, project: str, team: str) -> list[QueuedMessage]:
    """The team's outbox messages no consumer has delivered yet, oldest first (the queue when
    no broker is configured)."""
    cur.execute(
        """
        SELECT o.id, o.digest_id, d.project, o.team, o.payload
        FROM outbox o JOIN digests d ON d.id = o.digest_id
        WHERE d.project = %s AND o.team = %s
          AND NOT EXISTS (SELECT 1 FROM delivered_messages m WHERE m.outbox_id = o.id)
        ORDER BY o.id
        """,
        (project, team),
    )
    return [QueuedMessage(*row) for row in cur.fetchall()]


def try_lock_message(cur: Cursor, outbox_id: int) -> bool:
    """A session lock on one message, so two consumers of the outbox never send it at once."""
    cur.execute("SELECT pg_try_advisory_lock(%s, %s)", (_LOCK_NAMESPACE, outbox_id))
    return bool(cur.fetchone()[0])


def unlock_message(cur: Cursor, outbox_id: int) -> None:
    cur.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_NAMESPACE, outbox_id))


def findings_as_items(cur: Cursor, finding_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Digest items for a payload written before payloads listed their items."""
    cur.execute(
        "SELECT id AS finding_id, kind, severity, headline, scope_kind, scope_value "
        "FROM findings WHERE id = ANY(%s)",
        (list(finding_ids),),
    )
    found = {row[0]: dict(zip([d.name for d in cur.description], row, strict=True))
             for row in cur.fetchall()}  # fmt: skip
    return [found[i] for i in finding_ids if i in found]


# --- links and feedback tokens -------------------------------------------------------------


def issue_digest_link(
    cur: Cursor, token_id: str, digest_id: int, project: str, team: str, expires_at: datetime
) -> None:
    cur.execute(
        "INSERT INTO digest_links (token_id, digest_id, project, team, expires_at) "
        "VALUES (%s, %s, %s, %s, %s)",
        (token_id, digest_id, project, team, expires_at),
    )


def digest_for_link(cur: Cursor, token_id: str) -> dict[str, Any] | None:
    """The digest a link points at while the link is valid."""
    cur.execute(
        "SELECT d.id, d.body_html FROM digest_links l JOIN digests d ON d.id = l.digest_id "
        "WHERE l.token_id = %s AND l.expires_at > now()",
        (token_id,),
    )
    row = cur.fetchone()
    return {"id": row[0], "body_html": row[1]} if row else None


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    finding_id: int
    expires_at: datetime


def issued_tokens(
    cur: Cursor, outbox_id: int, channel: str, recipient: str
) -> dict[int, IssuedToken]:
    """Tokens already issued for this message, channel and recipient (reused on a retry)."""
    cur.execute(
        "SELECT token_id, finding_id, expires_at FROM feedback_tokens "
        "WHERE outbox_id = %s AND channel = %s AND recipient = %s",
        (outbox_id, channel, recipient),
    )
    return {row[1]: IssuedToken(*row) for row in cur.fetchall()}


def issue_feedback_tokens(cur: Cursor, rows: Sequence[dict[str, Any]]) -> None:
    psycopg2.extras.execute_values(
        cur,
        """
        INSERT INTO feedback_tokens (token_id, outbox_id, digest_id, project, team, channel,
                                     recipient, finding_id, kind, scope_kind, scope_value,
                                     severity, expires_at)
        VALUES %s ON CONFLICT (outbox_id, channel, recipient, finding_id) DO NOTHING
        """,
        [(r["token_id"], r["outbox_id"], r["digest_id"], r["project"], r["team"], r["channel"],
          r["recipient"], r["finding_id"], r["kind"], r["scope_kind"], r["scope_value"],
          r["severity"], r["expires_at"]) for r in rows],
    )  # fmt: skip


def feedback_token_state(cur: Cursor, token_id: str) -> str | None:
    """'open', 'used' or 'expired' for an issued token; None if no such token was issued."""
    cur.execute(
        "SELECT CASE WHEN used_at IS NOT NULL THEN 'used' "
        "WHEN expires_at <= now() THEN 'expired' ELSE 'open' END "
        "FROM feedback_tokens WHERE token_id = %s",
        (token_id,),
    )
    row = cur.fetchone()
    return row[0] if row else None


def use_feedback_token(cur: Cursor, token_id: str, reaction: str) -> bool:
    """Record the reaction and spend the token, atomically; False when it was spent, expired
    or never issued."""
    cur.execute(
        """
        WITH spent AS (
            UPDATE feedback_tokens SET used_at = now()
            WHERE token_id = %s AND used_at IS NULL AND expires_at > now()
            RETURNING token_id, project, team, finding_id, kind, scope_kind, scope_value, channel
        )
        INSERT INTO feedback_reactions (token_id, project, team, finding_id, kind, scope_kind,
                                        scope_value, channel, reaction)
        SELECT token_id, project, team, finding_id, kind, scope_kind, scope_value, channel, %s
        FROM spent
        RETURNING id
        """,
        (token_id, reaction),
    )
    return cur.fetchone() is not None


def digest_written_at(
    cur: Cursor, project: str, team: str, kind: str, window_start: datetime, window_end: datetime
) -> datetime | None:
    """When a digest was first written (None if it was not yet)."""
    row = digest_row(cur, project, team, kind, window_start, window_end)
    return row[1] if row else None


def feedback_counts(
    cur: Cursor, project: str, team: str, since: datetime, until: datetime
) -> list[tuple[str, str, str, int, int]]:
    """(kind, scope kind, scope value, useful, not useful or wrong team) of a team's reactions
    in [since, until)."""
    cur.execute(
        """
        SELECT kind, scope_kind, scope_value,
               count(*) FILTER (WHERE reaction = 'useful'),
               count(*) FILTER (WHERE reaction <> 'useful')
        FROM feedback_reactions
        WHERE project = %s AND team = %s AND reacted_at >= %s AND reacted_at < %s
        GROUP BY kind, scope_kind, scope_value
        """,
        (project, team, since, until),
    )
    return cur.fetchall()
