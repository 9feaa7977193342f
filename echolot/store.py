"""The one data-access module: every statement that reads or writes Echolot's tables.

Bulk writes go through COPY into a temporary table and one INSERT .. ON CONFLICT, so a batch
is a single round trip and rerunning the same batch changes nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg2.extensions
import psycopg2.extras
from psycopg2 import sql

from echolot.models import Author, AuthorSnapshot, Batch, Interaction, Post, Quarantined

Cursor = psycopg2.extensions.cursor
Connection = psycopg2.extensions.connection


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


@dataclass(frozen=True)
class BatchCounts:
    posts: UpsertCounts
    authors: UpsertCounts
    interactions: UpsertCounts
    quarantined: int


# ---------------------------------------------------------------------------------------------
# COPY + upsert machinery


@dataclass(frozen=True)
class Json:
    """Marks a value for a json/jsonb column (a list would otherwise become a SQL array)."""

    value: Any


def _copy_value(value: Any) -> str:
    """Render one value in COPY's text format (NULL is \\N; tabs and newlines escaped)."""
    if value is None:
        return r"\N"
    if type(value) is str:  # the common case first: this runs for every column of every row
        text = value
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, Json):
        text = json.dumps(value.value, ensure_ascii=False, default=str)
    elif isinstance(value, list | tuple):
        text = "{" + ",".join(_array_item(v) for v in value) + "}"
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array_item(value: Any) -> str:
    """One element of a SQL array literal; strings are quoted so commas and spaces survive."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _copy_rows(cur: Cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _copy_upsert(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    key: Sequence[str],
    update: dict[str, str] | None = None,
    changed_when: str | None = None,
) -> UpsertCounts:
    """Upsert rows; `update` maps column -> SQL expression, `changed_when` limits rewrites."""
    if not rows:
        return UpsertCounts()
    # ON CONFLICT cannot touch one row twice in a statement, so keep the last of each key.
    key_index = [columns.index(k) for k in key]
    unique = list({tuple(row[i] for i in key_index): row for row in rows}.values())
    staging = f"staging_{table}"
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
        f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    # Empty unless this table was already upserted in this transaction; DELETE is cheaper
    # than TRUNCATE on a temp table that is usually empty.
    cur.execute(f"DELETE FROM {staging}")
    _copy_rows(cur, staging, columns, unique)
    column_list = ", ".join(columns)
    if update:
        assignments = ", ".join(f"{col} = {expr}" for col, expr in update.items())
        action = f"DO UPDATE SET {assignments}"
        if changed_when:
            action += f" WHERE {changed_when}"
    else:
        action = "DO NOTHING"
    cur.execute(
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
        f"ON CONFLICT ({', '.join(key)}) {action} RETURNING (xmax = 0)"
    )
    flags = [row[0] for row in cur.fetchall()]
    inserted = sum(flags)
    updated = len(flags) - inserted
    return UpsertCounts(inserted, updated, len(unique) - len(flags))


# ---------------------------------------------------------------------------------------------
# Ingest


def write_batch(cur: Cursor, source: str, batch: Batch) -> BatchCounts:
    """Store one normalised page. Run inside the caller's transaction with its checkpoint."""
    # The page and its checkpoint commit together, so a commit lost in a server crash loses
    # both and the page is simply read again: waiting for the WAL flush buys nothing here.
    cur.execute("SET LOCAL synchronous_commit = off")
    batch = _without_forgotten(cur, batch)
    authors = upsert_authors(cur, batch.authors)
    upsert_snapshots(cur, batch.snapshots)
    posts = upsert_posts(cur, source, batch.posts)
    interactions = upsert_interactions(cur, batch.interactions)
    quarantined = insert_quarantine(cur, source, batch.quarantined)
    return BatchCounts(posts, authors, interactions, quarantined)


def _without_forgotten(cur: Cursor, batch: Batch) -> Batch:
    """Drop what `echolot forget` removed, so a re-sent post or author never comes back."""
    cur.execute("SELECT platform, kind, platform_id FROM forgotten")
    gone = set(cur.fetchall())
    if not gone:
        return batch

    def kept_author(platform: str, author_id: str | None) -> bool:
        return not author_id or (platform, "author", author_id) not in gone

    def kept_post(post: Post) -> bool:
        # A repost of a forgotten post copies its text, so it stays out too.
        forgotten_parent = post.kind == "repost" and (post.platform, "post", post.parent_id) in gone
        return (
            (post.platform, "post", post.platform_id) not in gone
            and kept_author(post.platform, post.author_id)
            and not forgotten_parent
        )

    posts = [p for p in batch.posts if kept_post(p)]
    stored = {(p.platform, p.platform_id) for p in posts}
    return Batch(
        posts=posts,
        authors=[a for a in batch.authors if kept_author(a.platform, a.platform_id)],
        snapshots=[s for s in batch.snapshots if kept_author(s.platform, s.author_id)],
        interactions=[
            i
            for i in batch.interactions
            if (i.platform, i.source_post_id) in stored
            and kept_author(i.platform, i.target_author_id)
            and (i.platform, "post", i.target_post_id) not in gone
        ],
        quarantined=batch.quarantined,
    )


_AUTHOR_COLUMNS = (
    "platform", "platform_id", "username", "display_name", "description", "location",
    "verified", "created_at",
)  # fmt: skip


def upsert_authors(cur: Cursor, authors: Sequence[Author]) -> UpsertCounts:
    # Merge by key first: a bare stub (only an id) must not erase what a full record said.
    merged: dict[tuple[str, str], Author] = {}
    for author in authors:
        key = (author.platform, author.platform_id)
        previous = merged.get(key)
        if previous is not None:
            author = Author(
                **{
                    name: getattr(author, name) if getattr(author, name) is not None else old
                    for name, old in previous.__dict__.items()
                }
            )
        merged[key] = author
    rows = [tuple(getattr(a, c) for c in _AUTHOR_COLUMNS) for a in merged.values()]
    kept = _AUTHOR_COLUMNS[2:]
    return _copy_upsert(
        cur,
        "authors",
        _AUTHOR_COLUMNS,
        rows,
        key=("platform", "platform_id"),
        update={
            **{c: f"COALESCE(EXCLUDED.{c}, authors.{c})" for c in kept},
            "updated_at": "now()",
        },
        changed_when=" OR ".join(
            f"(EXCLUDED.{c} IS NOT NULL AND EXCLUDED.{c} IS DISTINCT FROM authors.{c})"
            for c in kept
        ),
    )


_SNAPSHOT_COLUMNS = (
    "platform", "author_id", "observed_at", "followers", "following", "post_count",
    "listed_count", "karma",
)  # fmt: skip


def upsert_snapshots(cur: Cursor, snapshots: Sequence[AuthorSnapshot]) -> UpsertCounts:
    rows = [tuple(getattr(s, c) for c in _SNAPSHOT_COLUMNS) for s in snapshots]
    return _copy_upsert(
        cur,
        "author_snapshots",
        _SNAPSHOT_COLUMNS,
        rows,
        key=("platform", "author_id", "observed_at"),
    )


_POST_COLUMNS = (
    "platform", "platform_id", "author_id", "source", "kind", "title", "text", "lang_hint",
    "created_at", "url", "conversation_id", "parent_id", "like_count", "repost_count",
    "reply_count", "quote_count", "score", "impression_count", "raw", "content_hash",
)  # fmt: skip


def upsert_posts(cur: Cursor, source: str, posts: Sequence[Post]) -> UpsertCounts:
    rows = [
        tuple(
            source
            if c == "source"
            else p.content_hash
            if c == "content_hash"
            else p.raw_json
            if c == "raw"
            else getattr(p, c)
            for c in _POST_COLUMNS
        )
        for p in posts
    ]
    # The source that first stored a post keeps it; an edit or new metrics update the rest.
    updatable = [c for c in _POST_COLUMNS if c not in ("platform", "platform_id", "source")]
    return _copy_upsert(
        cur,
        "posts",
        _POST_COLUMNS,
        rows,
        key=("platform", "platform_id"),
        update={**{c: f"EXCLUDED.{c}" for c in updatable}, "updated_at": "now()"},
        changed_when="posts.content_hash IS DISTINCT FROM EXCLUDED.content_hash",
    )


_INTERACTION_COLUMNS = (
    "platform", "kind", "source_post_id", "source_author_id", "target_post_id",
    "target_author_id", "created_at",
)  # fmt: skip


def upsert_interactions(cur: Cursor, interactions: Sequence[Interaction]) -> UpsertCounts:
    rows = [tuple(getattr(i, c) for c in _INTERACTION_COLUMNS) for i in interactions]
    return _copy_upsert(
        cur,
        "interactions",
        _INTERACTION_COLUMNS,
        rows,
        key=("platform", "kind", "source_post_id", "target_post_id", "target_author_id"),
    )


def insert_quarantine(cur: Cursor, source: str, items: Sequence[Quarantined]) -> int:
    rows = [(source, q.platform, q.payload, q.payload_hash, q.reason) for q in items]
    counts = _copy_upsert(
        cur,
        "quarantine",
        ("source", "platform", "payload", "payload_hash", "reason"),
        rows,
        key=("source", "payload_hash"),
    )
    return counts.inserted + counts.unchanged


def load_checkpoint(cur: Cursor, source: str, query: str) -> dict[str, Any]:
    cur.execute(
        "SELECT cursor FROM ingest_checkpoints WHERE source = %s AND query = %s", (source, query)
    )
    row = cur.fetchone()
    return row[0] if row else {}


def save_checkpoint(cur: Cursor, source: str, query: str, cursor: dict[str, Any]) -> None:
    cur.execute(
        """
        INSERT INTO ingest_checkpoints (source, query, cursor) VALUES (%s, %s, %s)
        ON CONFLICT (source, query) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()
        """,
        (source, query, json.dumps(cursor)),
    )


# ---------------------------------------------------------------------------------------------
# Sentiment scores


_SCORE_COLUMNS = (
    "post_id", "model", "model_version", "lang", "sentiment_label", "sentiment_polarity",
    "sentiment_confidence", "details",
)  # fmt: skip


def upsert_scores(cur: Cursor, rows: Sequence[tuple]) -> UpsertCounts:
    return _copy_upsert(
        cur,
        "post_scores",
        _SCORE_COLUMNS,
        rows,
        key=("post_id", "model"),
        update={
            **{c: f"EXCLUDED.{c}" for c in _SCORE_COLUMNS[2:]},
            "scored_at": "now()",
        },
    )


# ---------------------------------------------------------------------------------------------
# Findings, digests and the outbox


def post_time_range(cur: Cursor, sources: Sequence[str]) -> tuple[datetime, datetime] | None:
    cur.execute(
        "SELECT min(created_at), max(created_at) FROM posts WHERE source = ANY(%s)",
        (list(sources),),
    )
    low, high = cur.fetchone()
    return None if low is None else (low, high)


_FINDING_COLUMNS = (
    "project", "kind", "scope_kind", "scope_value", "window_start", "window_end", "severity",
    "headline", "metrics", "evidence_post_ids", "details",
)  # fmt: skip


def upsert_findings(cur: Cursor, rows: Sequence[tuple]) -> UpsertCounts:
    changing = ("severity", "headline", "metrics", "evidence_post_ids", "details")
    return _copy_upsert(
        cur,
        "findings",
        _FINDING_COLUMNS,
        rows,
        key=_FINDING_COLUMNS[:6],
        update={**{c: f"EXCLUDED.{c}" for c in changing}, "updated_at": "now()"},
        changed_when=" OR ".join(f"findings.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in changing),
    )


def findings_in_window(
    cur: Cursor,
    project: str,
    kinds: Sequence[str],
    start: datetime,
    end: datetime,
    overlapping: bool = False,
) -> list[dict[str, Any]]:
    """Findings whose window closed inside (start, end]: what became complete in that period;
    with `overlapping`, every finding whose window overlaps [start, end] (for alerts)."""
    condition = (
        "window_start <= %s AND window_end > %s" if overlapping
        else "window_end <= %s AND window_end > %s"
    )  # fmt: skip
    cur.execute(
        f"""
        SELECT id, kind, scope_kind, scope_value, window_start, window_end, severity, headline,
               metrics, evidence_post_ids, details, updated_at
        FROM findings
        WHERE project = %s AND kind = ANY(%s) AND {condition}
        ORDER BY window_start, kind, scope_value
        """,
        (project, list(kinds), end, start),
    )
    return _dicts(cur)


def post_texts(cur: Cursor, post_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """id -> (text, url) for evidence shown in digests."""
    cur.execute("SELECT id, text, url FROM posts WHERE id = ANY(%s)", (list(post_ids),))
    return {row[0]: (row[1], row[2]) for row in cur.fetchall()}


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


# ---------------------------------------------------------------------------------------------
# Finding detectors and routing


def finding_posts(cur: Cursor, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every post created in [start, end) with what the detectors judge it by.

    `reach` is the author's audience (followers, or karma on Reddit) as last observed on or
    before the day of the post, else as first observed.
    """
    cur.execute(
        """
        SELECT p.id, p.platform, p.created_at, p.text, p.url, p.kind, p.author_id,
               a.username, n.lang, COALESCE(n.intents, '{}'::jsonb) AS intents,
               COALESCE(n.product_areas, '{}') AS product_areas, n.topic_id,
               s.sentiment_polarity AS polarity,
               COALESCE(p.like_count, 0) + COALESCE(p.repost_count, 0)
                 + COALESCE(p.quote_count, 0) + COALESCE(p.reply_count, 0)
                 + COALESCE(p.score, 0) AS engagement,
               COALESCE(r.reach, 0) AS reach
        FROM posts p
        LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
        LEFT JOIN post_nlp n ON n.post_id = p.id
        LEFT JOIN LATERAL (
            SELECT sentiment_polarity FROM post_scores
            WHERE post_id = p.id AND sentiment_label IS NOT NULL
            ORDER BY scored_at DESC LIMIT 1
        ) s ON true
        LEFT JOIN LATERAL (
            SELECT GREATEST(COALESCE(followers, 0), COALESCE(karma, 0)) AS reach
            FROM author_snapshots
            WHERE platform = p.platform AND author_id = p.author_id
            ORDER BY observed_at <= p.created_at + interval '1 day' DESC,
                     CASE WHEN observed_at <= p.created_at + interval '1 day'
                          THEN -extract(epoch FROM observed_at)
                          ELSE extract(epoch FROM observed_at) END
            LIMIT 1
        ) r ON true
        WHERE p.created_at >= %s AND p.created_at < %s
        ORDER BY p.created_at, p.id
        """,
        (start, end),
    )
    return _dicts(cur)


def delete_stale_findings(
    cur: Cursor, project: str, kind: str, start: datetime, end: datetime, kept: Sequence[tuple]
) -> int:
    """Remove findings of `kind` starting in [start, end) that a fresh detection no longer
    produced (the data changed); `kept` holds the (scope_kind, scope_value, window_start,
    window_end) of the findings just written."""
    cur.execute(
        """
        DELETE FROM findings f
        WHERE f.project = %s AND f.kind = %s AND f.window_start >= %s AND f.window_start < %s
          AND (f.scope_kind, f.scope_value, f.window_start, f.window_end) NOT IN (
              SELECT k.scope_kind, k.scope_value, k.window_start, k.window_end
              FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                   AS k(scope_kind, scope_value, window_start, window_end))
        """,
        (project, kind, start, end, *([list(col) for col in zip(*kept, strict=True)]
                                      if kept else [[], [], [], []])),
    )  # fmt: skip
    return cur.rowcount


def findings_of_kind_since(
    cur: Cursor, project: str, kind: str, since: datetime
) -> list[dict[str, Any]]:
    """Stored findings of one kind whose window ends after `since` (for cooldowns)."""
    cur.execute(
        "SELECT id, scope_kind, scope_value, window_start, window_end, severity, metrics "
        "FROM findings WHERE project = %s AND kind = %s AND window_end > %s "
        "ORDER BY window_start",
        (project, kind, since),
    )
    return _dicts(cur)


def topic_summaries(cur: Cursor, topic_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """id -> label, keywords, product area and the time of the topic's first post."""
    cur.execute(
        """
        SELECT t.id, t.label, t.keywords, t.product_area, min(p.created_at) AS first_post_at
        FROM topics t
        LEFT JOIN post_nlp n ON n.topic_id = t.id
        LEFT JOIN posts p ON p.id = n.post_id
        WHERE t.id = ANY(%s)
        GROUP BY t.id
        """,
        (list(topic_ids),),
    )
    return {topic["id"]: topic for topic in _dicts(cur)}


def embeddings_of(cur: Cursor, post_ids: Sequence[int]) -> dict[int, list[float]]:
    cur.execute(
        "SELECT post_id, embedding FROM post_embeddings WHERE post_id = ANY(%s)",
        (list(post_ids),),
    )
    return dict(cur.fetchall())


def evidence_posts(cur: Cursor, post_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """id -> what a digest quotes of a post: text, url, platform, author, time, reach."""
    if not post_ids:
        return {}
    cur.execute(
        """
        SELECT p.id, p.platform, p.text, p.url, p.created_at, a.username AS author,
               COALESCE((SELECT GREATEST(COALESCE(followers, 0), COALESCE(karma, 0))
                         FROM author_snapshots
                         WHERE platform = p.platform AND author_id = p.author_id
                         ORDER BY observed_at DESC LIMIT 1), 0) AS reach
        FROM posts p
        LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
        WHERE p.id = ANY(%s)
        """,
        (list(post_ids),),
    )
    return {post["id"]: post for post in _dicts(cur)}


def deliveries(
    cur: Cursor, project: str, team: str, finding_ids: Sequence[int]
) -> dict[int, tuple]:
    """finding id -> (severity it was delivered at, digest id, escalated) for findings the team
    has had."""
    cur.execute(
        "SELECT finding_id, severity, digest_id, escalated FROM finding_deliveries "
        "WHERE project = %s AND team = %s AND finding_id = ANY(%s)",
        (project, team, list(finding_ids)),
    )
    return {row[0]: row[1:] for row in cur.fetchall()}


def record_deliveries(
    cur: Cursor,
    project: str,
    team: str,
    digest_id: int,
    delivered: Sequence[tuple[int, str, bool]],
) -> None:
    """Remember which findings (id, severity, escalated) went out in a digest, in the digest's
    transaction."""
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


def digest_exists(
    cur: Cursor, project: str, team: str, kind: str, window_start: datetime, window_end: datetime
) -> int | None:
    cur.execute(
        "SELECT id FROM digests WHERE project = %s AND team = %s AND kind = %s "
        "AND window_start = %s AND window_end = %s",
        (project, team, kind, window_start, window_end),
    )
    row = cur.fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------------------------------------
# Runs and reporting


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


def authors_observed_since(
    cur: Cursor, platform: str, author_ids: Sequence[str], since: datetime
) -> set[str]:
    """Authors with a metrics snapshot taken at or after `since` (to rate-limit profile calls)."""
    cur.execute(
        "SELECT DISTINCT author_id FROM author_snapshots "
        "WHERE platform = %s AND author_id = ANY(%s) AND observed_at >= %s",
        (platform, list(author_ids), since),
    )
    return {row[0] for row in cur.fetchall()}


@dataclass(frozen=True)
class ForgetCounts:
    posts: int
    interactions: int
    evidence_links: int
    quarantined: int


def forget(cur: Cursor, platform: str, *, post_id: str | None = None,
           author_id: str | None = None) -> ForgetCounts:  # fmt: skip
    """Remove a post (with its reposts) or an author with everything they posted, and keep a
    tombstone so ingestion never stores them again. Digests already delivered are not rewritten.
    """
    if (post_id is None) == (author_id is None):
        raise ValueError("forget needs exactly one of post_id or author_id")
    kind, target = ("post", post_id) if post_id is not None else ("author", author_id)
    cur.execute(
        "INSERT INTO forgotten (platform, kind, platform_id) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (platform, kind, target),
    )
    if kind == "post":
        # A repost copies the original's text, so it goes with it.
        cur.execute(
            "SELECT id, platform_id FROM posts WHERE platform = %s AND (platform_id = %s "
            "OR (kind = 'repost' AND parent_id = %s))",
            (platform, target, target),
        )
    else:
        cur.execute(
            "SELECT id, platform_id FROM posts WHERE platform = %s AND author_id = %s",
            (platform, target),
        )
    rows = cur.fetchall()
    ids = [row[0] for row in rows]
    platform_ids = [row[1] for row in rows]
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
    return ForgetCounts(posts, interactions, evidence_links, cur.rowcount)


# ---------------------------------------------------------------------------------------------
# Outbox relay


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
    cur.execute("DELETE FROM findings WHERE window_end < %s", (cutoff,))
    findings = cur.rowcount
    cur.execute("DELETE FROM quarantine WHERE received_at < %s", (cutoff,))
    return {"posts": posts, "snapshots": snapshots, "findings": findings,
            "quarantine": cur.rowcount}  # fmt: skip


def forgotten_items(cur: Cursor) -> list[tuple[str, str, str]]:
    cur.execute("SELECT platform, kind, platform_id FROM forgotten ORDER BY forgotten_at")
    return cur.fetchall()


# ---------------------------------------------------------------------------------------------
# NLP results and topics


def upsert_post_nlp(cur: Cursor, rows: Sequence[tuple]) -> UpsertCounts:
    """(post_id, lang, lang_confidence, entities, intents, product_areas, pipeline_version,
    skipped_reason)."""
    columns = ("post_id", "lang", "lang_confidence", "entities", "intents", "product_areas",
               "pipeline_version", "skipped_reason")  # fmt: skip
    return _copy_upsert(
        cur, "post_nlp", columns, [(*r[:3], Json(r[3]), Json(r[4]), *r[5:]) for r in rows],
        key=("post_id",),
        update={**{c: f"EXCLUDED.{c}" for c in columns[1:]}, "analysed_at": "now()"},
    )  # fmt: skip


def upsert_embeddings(cur: Cursor, model: str, rows: Sequence[tuple[int, Sequence[float]]]) -> None:
    _copy_upsert(
        cur, "post_embeddings", ("post_id", "model", "embedding"),
        [(post_id, model, [float(x) for x in vector]) for post_id, vector in rows],
        key=("post_id",), update={"model": "EXCLUDED.model", "embedding": "EXCLUDED.embedding"},
    )  # fmt: skip


def posts_to_analyse(
    cur: Cursor, pipeline_version: str, id_range: tuple[int, int], limit: int
) -> list[tuple[int, str, str | None]]:
    """Posts in the range not yet analysed by this pipeline version: (id, text, lang hint)."""
    cur.execute(
        """
        SELECT p.id, p.text, p.lang_hint FROM posts p
        LEFT JOIN post_nlp n ON n.post_id = p.id
        WHERE p.id BETWEEN %s AND %s
          AND (n.post_id IS NULL OR n.pipeline_version <> %s)
        ORDER BY p.id LIMIT %s
        """,
        (*id_range, pipeline_version, limit),
    )
    return cur.fetchall()


def unanalysed_id_ranges(cur: Cursor, pipeline_version: str, batch_size: int) -> list[tuple]:
    cur.execute(
        """
        SELECT min(id), max(id) FROM (
            SELECT p.id, (row_number() OVER (ORDER BY p.id) - 1) / %s AS chunk
            FROM posts p LEFT JOIN post_nlp n ON n.post_id = p.id
            WHERE n.post_id IS NULL OR n.pipeline_version <> %s
        ) numbered GROUP BY chunk ORDER BY chunk
        """,
        (batch_size, pipeline_version),
    )
    return cur.fetchall()


def unchecked_topic_posts(cur: Cursor, start: datetime, end: datetime) -> int:
    """How many analysed posts created in [start, end) the topic stage has not seen yet."""
    cur.execute(
        """
        SELECT count(*) FROM posts p
        JOIN post_embeddings e ON e.post_id = p.id
        JOIN post_nlp n ON n.post_id = p.id
        WHERE p.created_at >= %s AND p.created_at < %s AND NOT n.topic_checked
        """,
        (start, end),
    )
    return cur.fetchone()[0]


def topic_horizon(
    cur: Cursor, start: datetime, end: datetime
) -> list[tuple[int, str, list[float], int | None, bool]]:
    """(post id, text, embedding, topic id, topic checked) of every analysed post created in
    [start, end), in a canonical order so the same posts always cluster the same way."""
    cur.execute(
        """
        SELECT p.id, p.text, e.embedding, n.topic_id, n.topic_checked FROM posts p
        JOIN post_embeddings e ON e.post_id = p.id
        JOIN post_nlp n ON n.post_id = p.id
        WHERE p.created_at >= %s AND p.created_at < %s
        ORDER BY p.created_at, p.platform, p.platform_id
        """,
        (start, end),
    )
    return cur.fetchall()


def live_topics(cur: Cursor, project: str) -> list[tuple]:
    """(id, centroid, size, keywords, product_area, label) of the project's active topics."""
    cur.execute(
        "SELECT id, centroid, size, keywords, product_area, label FROM topics "
        "WHERE project = %s AND status = 'active' AND centroid IS NOT NULL ORDER BY id",
        (project,),
    )
    return cur.fetchall()


def save_topic(
    cur: Cursor,
    project: str,
    topic_id: int | None,
    *,
    label: str,
    keywords: Sequence[str],
    product_area: str | None,
    centroid: Sequence[float],
    size: int,
) -> int:
    values = (label, list(keywords), product_area, [float(x) for x in centroid], size)
    if topic_id is None:
        cur.execute(
            "INSERT INTO topics (project, label, keywords, product_area, centroid, size) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (project, *values),
        )
        return cur.fetchone()[0]
    cur.execute(
        "UPDATE topics SET label = %s, keywords = %s, product_area = %s, centroid = %s, "
        "size = %s, updated_at = now() WHERE id = %s",
        (*values, topic_id),
    )
    return topic_id


def retire_topic(cur: Cursor, topic_id: int, merged_into: int) -> None:
    cur.execute(
        "UPDATE topics SET status = 'merged', merged_into = %s, updated_at = now() WHERE id = %s",
        (merged_into, topic_id),
    )
    cur.execute("UPDATE post_nlp SET topic_id = %s WHERE topic_id = %s", (merged_into, topic_id))


def add_topic_event(
    cur: Cursor, project: str, kind: str, topic_id: int, other_id: int | None, details: dict
) -> None:
    cur.execute(
        "INSERT INTO topic_events (project, kind, topic_id, other_id, details) "
        "VALUES (%s, %s, %s, %s, %s)",
        (project, kind, topic_id, other_id, json.dumps(details)),
    )


def assign_topics(cur: Cursor, assignments: Sequence[tuple[int, int | None]]) -> None:
    """Set post_nlp.topic_id for (post id, topic id or None) pairs."""
    if not assignments:
        return
    psycopg2.extras.execute_values(
        cur,
        "UPDATE post_nlp SET topic_id = v.topic_id, topic_checked = true "
        "FROM (VALUES %s) AS v(post_id, topic_id) "
        "WHERE post_nlp.post_id = v.post_id",
        assignments,
        template="(%s::bigint, %s::bigint)",
    )


# ---------------------------------------------------------------------------------------------
# Reach: influence, post and cascade reach, campaign KPIs, read-only access

# One parent per post (a repost beats a quote beats a reply), for the cascade trees.
_PARENT_LINKS = """
    SELECT DISTINCT ON (c.id) c.id AS child, t.id AS parent
    FROM interactions i
    JOIN posts c ON c.platform = i.platform AND c.platform_id = i.source_post_id
    JOIN posts t ON t.platform = i.platform AND t.platform_id = i.target_post_id
    WHERE i.kind IN ('repost', 'quote', 'reply') AND i.target_post_id <> ''
      AND c.id <> t.id AND c.created_at < %(end)s
    ORDER BY c.id, CASE i.kind WHEN 'repost' THEN 0 WHEN 'quote' THEN 1 ELSE 2 END, t.id
"""

# Followers (X) or karma (Reddit) at posting time: the last snapshot before the post, else the
# first one after it.
_AUDIENCE_AT_POSTING = """
    LEFT JOIN LATERAL (
        SELECT COALESCE(s.followers, s.karma) AS audience FROM author_snapshots s
        WHERE s.platform = p.platform AND s.author_id = p.author_id
        ORDER BY s.observed_at <= p.created_at DESC,
                 CASE WHEN s.observed_at <= p.created_at THEN s.observed_at END DESC,
                 s.observed_at
        LIMIT 1
    ) au ON true
"""

# A post's product areas: its own, plus its topic's.
_POST_AREAS = "array_remove(COALESCE(n.product_areas, '{}') || tp.product_area, NULL)"


def reach_posts(cur: Cursor, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Posts created in [start, end) with the whole cascade they belong to (ancestors of any
    age, descendants created before `end`), each with what the reach stage needs."""
    cur.execute(
        f"""
        WITH RECURSIVE links AS MATERIALIZED ({_PARENT_LINKS}),
        up AS (
            SELECT id FROM posts WHERE created_at >= %(start)s AND created_at < %(end)s
            UNION
            SELECT l.parent FROM links l JOIN up ON l.child = up.id
        ),
        down AS (
            SELECT id FROM up
            UNION
            SELECT l.child FROM links l JOIN down ON l.parent = down.id
        )
        SELECT p.id, p.platform, p.platform_id, p.author_id, a.username, p.kind, p.created_at,
               p.text, l.parent AS parent_id,
               (p.created_at >= %(start)s AND p.created_at < %(end)s) AS in_window,
               n.topic_id, {_POST_AREAS} AS areas,
               COALESCE(p.like_count, p.score, 0) AS likes, COALESCE(p.repost_count, 0) AS reposts,
               COALESCE(p.quote_count, 0) AS quotes, COALESCE(p.reply_count, 0) AS replies,
               p.impression_count AS impressions, COALESCE(au.audience, 0) AS audience,
               sc.sentiment_polarity AS polarity, COALESCE(n.intents, '{{}}') AS intents
        FROM down
        JOIN posts p ON p.id = down.id
        LEFT JOIN links l ON l.child = p.id
        LEFT JOIN authors a ON a.platform = p.platform AND a.platform_id = p.author_id
        LEFT JOIN post_nlp n ON n.post_id = p.id
        LEFT JOIN topics tp ON tp.id = n.topic_id
        {_AUDIENCE_AT_POSTING}
        LEFT JOIN LATERAL (
            SELECT sentiment_polarity FROM post_scores
            WHERE post_id = p.id AND sentiment_label IS NOT NULL
            ORDER BY scored_at DESC LIMIT 1
        ) sc ON true
        ORDER BY p.id
        """,
        {"start": start, "end": end},
    )
    return _dicts(cur)


def interaction_edges(cur: Cursor, start: datetime, end: datetime) -> list[tuple]:
    """(platform, kind, source post id, source author, target author, topic id, areas) for
    interactions in [start, end). Targets missing from the edge are taken from the stored target
    post; the topic is the interacted-with post's, or the interacting post's for mentions."""
    cur.execute(
        f"""
        SELECT i.platform, i.kind, i.source_post_id, i.source_author_id,
               COALESCE(NULLIF(i.target_author_id, ''), t.author_id) AS target_author,
               n.topic_id, {_POST_AREAS} AS areas
        FROM interactions i
        LEFT JOIN posts t ON i.target_post_id <> ''
             AND t.platform = i.platform AND t.platform_id = i.target_post_id
        LEFT JOIN posts s ON s.platform = i.platform AND s.platform_id = i.source_post_id
        LEFT JOIN post_nlp n ON n.post_id = COALESCE(t.id, s.id)
        LEFT JOIN topics tp ON tp.id = n.topic_id
        WHERE i.created_at >= %s AND i.created_at < %s
        """,
        (start, end),
    )
    return cur.fetchall()


def active_days(cur: Cursor, start: datetime, end: datetime) -> list[tuple]:
    """(platform, author id, UTC day, topic id, areas) of every post in [start, end)."""
    cur.execute(
        f"""
        SELECT p.platform, p.author_id, (p.created_at AT TIME ZONE 'UTC')::date, n.topic_id,
               {_POST_AREAS}
        FROM posts p
        LEFT JOIN post_nlp n ON n.post_id = p.id
        LEFT JOIN topics tp ON tp.id = n.topic_id
        WHERE p.created_at >= %s AND p.created_at < %s AND p.author_id IS NOT NULL
        """,
        (start, end),
    )
    return cur.fetchall()


_INFLUENCE_COLUMNS = (
    "project", "window_start", "window_end", "topic_id", "product_area", "platform", "author_id",
    "potential_reach", "amplification", "centrality", "consistency", "score", "rank",
    "is_leader", "details",
)  # fmt: skip


def replace_influence(
    cur: Cursor, project: str, start: datetime, end: datetime, rows: Sequence[tuple]
) -> UpsertCounts:
    """Store a window's influence rows (columns as _INFLUENCE_COLUMNS) in place of the ones a
    previous run of the same window wrote, so authors that dropped out do not linger."""
    cur.execute(
        "DELETE FROM author_influence WHERE project = %s AND window_start = %s AND window_end = %s",
        (project, start, end),
    )
    return _copy_upsert(
        cur, "author_influence", _INFLUENCE_COLUMNS,
        [(*r[:-1], Json(r[-1])) for r in rows], key=_INFLUENCE_COLUMNS[:7],
        update={**{c: f"EXCLUDED.{c}" for c in _INFLUENCE_COLUMNS[7:]}, "computed_at": "now()"},
    )  # fmt: skip


def _dicts(cur: Cursor) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def opinion_leaders(
    cur: Cursor, project: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Opinion leaders of every scope in influence windows overlapping [start, end).

    Each: platform, author_id, username, window_start, window_end, scope_kind ('all', 'topic'
    or 'product_area'), topic_id (0 unless a topic), topic_label, product_area (the area, or
    the topic's area), score, rank, components (potential_reach, amplification, centrality,
    consistency, each 0..1) and details (the raw figures and the weights).
    """
    cur.execute(
        """
        SELECT platform, author_id, username, window_start, window_end, scope_kind, topic_id,
               topic_label, product_area, score, rank,
               jsonb_build_object('potential_reach', potential_reach,
                                  'amplification', amplification, 'centrality', centrality,
                                  'consistency', consistency) AS components,
               details
        FROM v_author_influence
        WHERE project = %s AND is_leader AND window_start < %s AND window_end > %s
        ORDER BY window_end DESC, window_start, scope_kind, topic_id, product_area, rank
        """,
        (project, end, start),
    )
    return _dicts(cur)


_POST_REACH_COLUMNS = (
    "post_id", "root_post_id", "parent_post_id", "author_audience", "potential_impressions",
    "actual_impressions", "cascade_size", "cascade_depth", "amplifiers", "as_of",
)  # fmt: skip


def upsert_post_reach(cur: Cursor, rows: Sequence[tuple]) -> UpsertCounts:
    """Rows as _POST_REACH_COLUMNS; a row computed as of an earlier time never replaces a later
    one (a rerun of an old window must not shrink a cascade a later window saw grow)."""
    return _copy_upsert(
        cur, "post_reach", _POST_REACH_COLUMNS, rows, key=("post_id",),
        update={**{c: f"EXCLUDED.{c}" for c in _POST_REACH_COLUMNS[1:]}, "computed_at": "now()"},
        changed_when="EXCLUDED.as_of >= post_reach.as_of AND ("
        + " OR ".join(f"post_reach.{c} IS DISTINCT FROM EXCLUDED.{c}"
                      for c in _POST_REACH_COLUMNS[1:]) + ")",
    )  # fmt: skip


def post_reach(cur: Cursor, post_ids: Sequence[int]) -> dict[int, float]:
    """Post id -> potential impressions of the post and its cascade (absent: not computed)."""
    cur.execute(
        "SELECT post_id, potential_impressions FROM post_reach WHERE post_id = ANY(%s)",
        (list(post_ids),),
    )
    return dict(cur.fetchall())


def posts_containing(
    cur: Cursor, needles: Sequence[str], before: datetime
) -> list[tuple[str, str, datetime, str]]:
    """(platform, author id, created_at, text) of posts other than reposts created before
    `before` whose text contains any needle (case-insensitive; callers match exactly)."""
    if not needles:
        return []
    cur.execute(
        "SELECT platform, author_id, created_at, text FROM posts "
        "WHERE created_at < %s AND kind <> 'repost' AND author_id IS NOT NULL "
        "AND text ILIKE ANY(%s) ORDER BY created_at, id",
        (before, [_like_pattern(n) for n in needles]),
    )
    return cur.fetchall()


def _like_pattern(needle: str) -> str:
    """`needle` anywhere in the text, with LIKE's wildcards in it taken literally."""
    escaped = needle.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


def first_post_times(
    cur: Cursor, authors: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], datetime]:
    """(platform, author id) -> when we first saw them post."""
    if not authors:
        return {}
    psycopg2.extras.execute_values(
        cur,
        "SELECT p.platform, p.author_id, min(p.created_at) FROM posts p "
        "JOIN (VALUES %s) AS v(platform, author_id) "
        "ON p.platform = v.platform AND p.author_id = v.author_id GROUP BY 1, 2",
        list(authors),
        page_size=len(authors),
    )
    return {(platform, author): first for platform, author, first in cur.fetchall()}


def author_ids_by_handle(cur: Cursor, accounts: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """(platform, author id) of the given (platform, username) pairs; case-insensitive."""
    if not accounts:
        return set()
    psycopg2.extras.execute_values(
        cur,
        "SELECT a.platform, a.platform_id FROM authors a JOIN (VALUES %s) AS v(platform, handle) "
        "ON a.platform = v.platform AND lower(a.username) = lower(v.handle)",
        [(platform, handle.lstrip("@")) for platform, handle in accounts],
        page_size=len(accounts),
    )
    return set(cur.fetchall())


_KPI_STEPS = ("impulses", "network", "amplifiers", "outcomes", "ratios")


def upsert_campaign_kpi(
    cur: Cursor, project: str, campaign: str, start: datetime, end: datetime, chain: dict[str, Any]
) -> UpsertCounts:
    """One campaign window's chain: the four steps and ratios (dicts) and breaks_at."""
    columns = ("project", "campaign", "window_start", "window_end", *_KPI_STEPS, "breaks_at")
    row = (project, campaign, start, end, *(Json(chain[s]) for s in _KPI_STEPS),
           chain.get("breaks_at"))  # fmt: skip
    return _copy_upsert(
        cur, "campaign_kpis", columns, [row], key=columns[:4],
        update={**{c: f"EXCLUDED.{c}" for c in columns[4:]}, "computed_at": "now()"},
    )  # fmt: skip


def campaign_kpi_rows(
    cur: Cursor, project: str, campaign: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Stored KPI chains of a campaign whose window overlaps [start, end), oldest first. Each:
    campaign, window_start, window_end, impulses, network, amplifiers, outcomes, ratios
    (dicts), breaks_at (the first empty step or None) and computed_at."""
    cur.execute(
        "SELECT campaign, window_start, window_end, impulses, network, amplifiers, outcomes, "
        "ratios, breaks_at, computed_at FROM campaign_kpis "
        "WHERE project = %s AND campaign = %s AND window_start < %s AND window_end > %s "
        "ORDER BY window_start, window_end",
        (project, campaign, end, start),
    )
    return _dicts(cur)


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
