"""Operations: pipeline runs, stage watermarks and changed days, table counts, retention,
forgetting (tombstones), and read-only access to the reporting views."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2 import sql

from echolot.errors import UsageError
from echolot.store import redaction
from echolot.store.bulk import Cursor


def post_time_range(cur: Cursor, sources: Sequence[str]) -> tuple[datetime, datetime] | None:
    cur.execute(
        "SELECT min(created_at), max(created_at) FROM posts WHERE source = ANY(%s)",
        (list(sources),),
    )
    low, high = cur.fetchone()
    return None if low is None else (low, high)


def start_run(
    cur: Cursor, project: str, command: str, window: tuple[datetime, datetime] | None
) -> int:
    cur.execute(
        "INSERT INTO pipeline_runs (project, command, window_start, window_end) "
        "VALUES (%s, %s, %s, %s) RETURNING id",
        (project, command, *(window or (None, None))),
    )
    return cur.fetchone()[0]


def finish_run(
    cur: Cursor,
    run_id: int,
    status: str,
    counts: dict[str, Any],
    error: str | None = None,
    window: tuple[datetime, datetime] | None = None,
) -> None:
    start, end = window or (None, None)
    cur.execute(
        """
        UPDATE pipeline_runs
        SET status = %s, counts = %s, error = %s, finished_at = now(),
            window_start = COALESCE(%s, window_start), window_end = COALESCE(%s, window_end)
        WHERE id = %s
        """,
        (status, json.dumps(counts, default=str), error, start, end, run_id),
    )


TABLE_COUNTS = (
    "posts", "authors", "author_snapshots", "interactions", "quarantine", "post_scores",
    "findings", "digests", "outbox",
)  # fmt: skip


def table_counts(cur: Cursor) -> dict[str, int]:
    cur.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in TABLE_COUNTS))
    return dict(zip(TABLE_COUNTS, cur.fetchone(), strict=True))


@dataclass(frozen=True)
class ForgetCounts:
    posts: int
    interactions: int
    evidence_links: int
    quarantined: int
    # Digests, outbox messages, findings and KPI rows whose text was redacted.
    redacted: int = 0


def forget(cur: Cursor, platform: str, *, post_id: str | None = None,
           author_id: str | None = None) -> ForgetCounts:  # fmt: skip
    """Remove a post (with its reposts) or an author with everything they posted, and keep a
    tombstone so ingestion never stores them again. Their words, name and ids are also redacted
    from stored digests (every rendering), outbox payloads, findings and KPI rows, and each
    redacted row is recorded in `forget_redactions` (see echolot/store/redaction.py).
    """
    if (post_id is None) == (author_id is None):
        raise UsageError("forget needs exactly one of post_id or author_id")
    kind, target = ("post", post_id) if post_id is not None else ("author", author_id)
    cur.execute(
        "INSERT INTO forgotten (platform, kind, platform_id) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (platform, kind, target),
    )
    columns = "id, platform_id, text, title, url, created_at, kind"
    if kind == "post":
        # A repost copies the original's text, so it goes with it.
        cur.execute(
            f"SELECT {columns} FROM posts WHERE platform = %s AND (platform_id = %s "
            "OR (kind = 'repost' AND parent_id = %s))",
            (platform, target, target),
        )
    else:
        # Reposts of their posts copy their words: on the platform they go with the author.
        cur.execute(
            f"SELECT {columns} FROM posts WHERE platform = %s AND (author_id = %s "
            "OR (kind = 'repost' AND parent_id IN (SELECT platform_id FROM posts "
            "WHERE platform = %s AND author_id = %s)))",
            (platform, target, platform, target),
        )
    rows = cur.fetchall()
    ids = [row[0] for row in rows]
    platform_ids = [row[1] for row in rows]
    redacted = _redact_derived(cur, platform, kind, target, rows)
    cur.execute(
        "UPDATE findings SET evidence_post_ids = ARRAY(SELECT unnest(evidence_post_ids) "
        "EXCEPT SELECT unnest(%s::bigint[])) WHERE evidence_post_ids && %s::bigint[]",
        (ids, ids),
    )
    evidence_links = cur.rowcount
    cur.execute(
        "DELETE FROM interactions WHERE platform = %s AND (source_post_id = ANY(%s) "
        "OR target_post_id = ANY(%s) OR source_author_id = %s OR target_author_id = %s)",
        (platform, platform_ids, platform_ids, author_id, author_id),
    )
    interactions = cur.rowcount
    cur.execute("DELETE FROM posts WHERE id = ANY(%s)", (ids,))
    posts = cur.rowcount
    if author_id is not None:
        # Snapshots and influence rows cascade from the author.
        cur.execute(
            "DELETE FROM authors WHERE platform = %s AND platform_id = %s", (platform, author_id)
        )
    # Quarantined payloads are raw JSON; the quoted id finds them.
    cur.execute(
        "DELETE FROM quarantine WHERE platform = %s AND payload LIKE %s",
        (platform, f'%"{target}"%'),
    )
    return ForgetCounts(posts, interactions, evidence_links, cur.rowcount, redacted)


def _redact_derived(cur: Cursor, platform: str, kind: str, target: str, rows: list) -> int:
    """Take the posts' words (and for an author: their name and id) out of derived rows."""
    tokens = [target, *(row[1] for row in rows), *(row[4] for row in rows)]
    if kind == "author":
        cur.execute(
            "SELECT username FROM authors WHERE platform = %s AND platform_id = %s",
            (platform, target),
        )
        tokens += [row[0] for row in cur.fetchall()]
    # A repost's text is someone else's words (or the same as the original, kept anyway).
    texts = [part for row in rows if row[6] != "repost" for part in (row[2], row[3])]
    times = [row[5] for row in rows]
    period = (min(times), max(times)) if times else None
    return redaction.redact_derived(
        cur, redaction.forgotten_of(texts, tokens), period, (platform, kind, target)
    )


def load_watermark(cur: Cursor, project: str, stage: str) -> datetime | None:
    cur.execute(
        "SELECT watermark FROM stage_watermarks WHERE project = %s AND stage = %s",
        (project, stage),
    )
    row = cur.fetchone()
    return row[0] if row else None


def save_watermark(cur: Cursor, project: str, stage: str, watermark: datetime) -> None:
    cur.execute(
        "INSERT INTO stage_watermarks (project, stage, watermark) VALUES (%s, %s, %s) "
        "ON CONFLICT (project, stage) DO UPDATE SET watermark = EXCLUDED.watermark, "
        "updated_at = now()",
        (project, stage, watermark),
    )


def changed_days(cur: Cursor, since: datetime | None) -> tuple[list[datetime], datetime | None]:
    """UTC days whose posts or scores changed after `since`, and the newest change seen."""
    cur.execute(
        """
        WITH changes AS (
            SELECT p.created_at, greatest(p.updated_at, max(s.scored_at)) AS changed_at
            FROM posts p LEFT JOIN post_scores s ON s.post_id = p.id
            GROUP BY p.id
        )
        SELECT array_agg(DISTINCT date_trunc('day', created_at)), max(changed_at)
        FROM changes WHERE %(since)s::timestamptz IS NULL OR changed_at > %(since)s
        """,
        {"since": since},
    )
    days, newest = cur.fetchone()
    return sorted(days or []), newest


def purge_older_than(cur: Cursor, cutoff: datetime) -> dict[str, int]:
    """Retention: drop posts created before `cutoff` (scores and edges cascade) and old runs."""
    cur.execute("DELETE FROM posts WHERE created_at < %s", (cutoff,))
    posts = cur.rowcount
    cur.execute("DELETE FROM author_snapshots WHERE observed_at < %s", (cutoff,))
    snapshots = cur.rowcount
    # A finding a digest cited stays (withdrawn or not): every cited id must keep resolving.
    cur.execute(
        "DELETE FROM findings f WHERE f.window_end < %s AND NOT EXISTS "
        "(SELECT 1 FROM digests d WHERE d.finding_ids @> ARRAY[f.id])",
        (cutoff,),
    )
    findings = cur.rowcount
    cur.execute("DELETE FROM quarantine WHERE received_at < %s", (cutoff,))
    return {"posts": posts, "snapshots": snapshots, "findings": findings,
            "quarantine": cur.rowcount}  # fmt: skip


def forgotten_items(cur: Cursor) -> list[tuple[str, str, str]]:
    cur.execute("SELECT platform, kind, platform_id FROM forgotten ORDER BY forgotten_at")
    return cur.fetchall()


def reporting_views(cur: Cursor) -> list[str]:
    """The views meant for product managers (every v_* view in the public schema)."""
    cur.execute(
        "SELECT table_name FROM information_schema.views "
        "WHERE table_schema = 'public' AND table_name LIKE 'v\\_%' ORDER BY 1"
    )
    return [row[0] for row in cur.fetchall()]


def grant_readonly(cur: Cursor, role: str) -> list[str]:
    """Create `role` if needed (LOGIN, no password: set one separately) and let it SELECT the
    reporting views and nothing else; returns the views granted."""
    ident = sql.Identifier(role)
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
    cur.execute("SELECT current_database()")
    database = sql.Identifier(cur.fetchone()[0])
    cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, ident))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
    # PostgreSQL lets PUBLIC create temporary tables in every database (and, before 15, tables
    # in `public`): a reader must create nothing. The role running Echolot keeps temporary
    # tables (its COPY staging needs them); the database owner has every right anyway.
    cur.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
    cur.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO CURRENT_USER").format(database))
    cur.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    cur.execute(sql.SQL("REVOKE TEMPORARY, CREATE ON DATABASE {} FROM {}").format(database, ident))
    # Whatever it was given before (e.g. by hand) goes; then only the views.
    cur.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(ident))
    cur.execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(ident))
    views = reporting_views(cur)
    if views:
        cur.execute(
            sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.SQL(", ").join(sql.Identifier(v) for v in views), ident
            )
        )
    return views
