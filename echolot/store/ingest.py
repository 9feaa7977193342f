"""Ingest writes: normalised pages (authors, snapshots, posts, interactions, quarantine),
tombstones kept out, and the per-query checkpoints."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extras

from echolot.models import Author, AuthorSnapshot, Batch, Interaction, Post, Quarantined
from echolot.store.bulk import Cursor, UpsertCounts, copy_upsert, dict_rows

# A post's natural key: (platform, platform_id).
PostKey = tuple[str, str]


@dataclass(frozen=True)
class BatchCounts:
    posts: UpsertCounts
    authors: UpsertCounts
    interactions: UpsertCounts
    quarantined: int


def write_batch(
    cur: Cursor, source: str, batch: Batch, revisions: Mapping[PostKey, int] | None = None
) -> BatchCounts:
    """Store one normalised page. Run inside the caller's transaction with its checkpoint.

    `revisions` (platform, platform_id) -> revision: a post's stored version is replaced only
    by a newer one, and the version that loses is kept in `post_revisions`."""
    # The page and its checkpoint commit together, so a commit lost in a server crash loses
    # both and the page is simply read again: waiting for the WAL flush buys nothing here.
    cur.execute("SET LOCAL synchronous_commit = off")
    batch = _without_forgotten(cur, batch)
    authors = upsert_authors(cur, batch.authors)
    upsert_snapshots(cur, batch.snapshots)
    posts = upsert_posts(cur, source, batch.posts, revisions)
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
    rows = _field_rows(merged.values(), _AUTHOR_COLUMNS)
    kept = _AUTHOR_COLUMNS[2:]
    return copy_upsert(
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


def _field_rows(items: Iterable[object], columns: Sequence[str]) -> list[tuple]:
    """Each item's fields named by `columns`, in that order: the rows COPY sends."""
    return [tuple(getattr(item, c) for c in columns) for item in items]


def upsert_snapshots(cur: Cursor, snapshots: Sequence[AuthorSnapshot]) -> UpsertCounts:
    key = ("platform", "author_id", "observed_at")
    rows = _field_rows(snapshots, _SNAPSHOT_COLUMNS)
    return copy_upsert(cur, "author_snapshots", _SNAPSHOT_COLUMNS, rows, key=key)


_POST_COLUMNS = (
    "platform", "platform_id", "author_id", "source", "kind", "title", "text", "lang_hint",
    "created_at", "url", "conversation_id", "parent_id", "like_count", "repost_count",
    "reply_count", "quote_count", "score", "impression_count", "raw", "content_hash", "revision",
)  # fmt: skip


def upsert_posts(
    cur: Cursor,
    source: str,
    posts: Sequence[Post],
    revisions: Mapping[PostKey, int] | None = None,
) -> UpsertCounts:
    revisions = revisions or {}
    rows = [
        tuple(
            source
            if c == "source"
            else p.content_hash
            if c == "content_hash"
            else p.raw_json
            if c == "raw"
            else revisions.get((p.platform, p.platform_id), 0)
            if c == "revision"
            else getattr(p, c)
            for c in _POST_COLUMNS
        )
        for p in posts
    ]
    if revisions:
        _keep_superseded_versions(cur, posts, revisions)
    # The source that first stored a post keeps it; an edit or new metrics update the rest.
    updatable = [c for c in _POST_COLUMNS if c not in ("platform", "platform_id", "source")]
    return copy_upsert(
        cur,
        "posts",
        _POST_COLUMNS,
        rows,
        key=("platform", "platform_id"),
        update={**{c: f"EXCLUDED.{c}" for c in updatable}, "updated_at": "now()"},
        # Newest version wins whatever the replay order; the same version may bring new metrics.
        changed_when="EXCLUDED.revision > posts.revision OR (EXCLUDED.revision = posts.revision"
        " AND posts.content_hash IS DISTINCT FROM EXCLUDED.content_hash)",
    )


def _keep_superseded_versions(
    cur: Cursor, posts: Sequence[Post], revisions: Mapping[PostKey, int]
) -> None:
    """Before the upsert: a stored version about to be replaced, and an incoming version older
    than the stored one, both go to post_revisions."""
    incoming = {
        (p.platform, p.platform_id): p for p in posts if (p.platform, p.platform_id) in revisions
    }
    if not incoming:
        return
    platforms, ids = zip(*incoming, strict=True)
    cur.execute(
        "SELECT p.platform, p.platform_id, p.revision FROM posts p "
        "JOIN unnest(%s::text[], %s::text[]) AS n(platform, platform_id) "
        "USING (platform, platform_id)",
        (list(platforms), list(ids)),
    )
    stored = {(platform, pid): revision for platform, pid, revision in cur.fetchall()}
    replaced = [k for k, rev in stored.items() if revisions[k] > rev]
    if replaced:
        cur.execute(
            "INSERT INTO post_revisions (platform, platform_id, revision, title, text, raw, "
            "content_hash) SELECT p.platform, p.platform_id, p.revision, p.title, p.text, p.raw, "
            "p.content_hash FROM posts p JOIN unnest(%s::text[], %s::text[]) AS n(platform, "
            "platform_id) USING (platform, platform_id) ON CONFLICT DO NOTHING",
            ([k[0] for k in replaced], [k[1] for k in replaced]),
        )
    older = [incoming[k] for k, rev in stored.items() if revisions[k] < rev]
    insert_revisions(cur, older, revisions)


def insert_revisions(cur: Cursor, posts: Sequence[Post], revisions: Mapping[PostKey, int]) -> None:
    """Keep versions of stored posts that lost to a newer one (after the post is written)."""
    if not posts:
        return
    psycopg2.extras.execute_values(
        cur,
        "INSERT INTO post_revisions (platform, platform_id, revision, title, text, raw, "
        "content_hash) SELECT v.* FROM (VALUES %s) AS v(platform, platform_id, revision, title, "
        "text, raw, content_hash) JOIN posts USING (platform, platform_id) "
        "ON CONFLICT DO NOTHING",
        [
            (
                p.platform,
                p.platform_id,
                revisions[(p.platform, p.platform_id)],
                p.title,
                p.text,
                p.raw_json,
                p.content_hash,
            )
            for p in posts
        ],
        template="(%s, %s, %s::bigint, %s, %s, %s::jsonb, %s)",
    )


def post_revisions(cur: Cursor, platform: str, platform_id: str) -> list[dict[str, Any]]:
    """The superseded versions of one post, oldest first."""
    cur.execute(
        "SELECT revision, title, text, raw, recorded_at FROM post_revisions "
        "WHERE platform = %s AND platform_id = %s ORDER BY revision",
        (platform, platform_id),
    )
    return dict_rows(cur)


def existing_posts(cur: Cursor, platform: str, platform_ids: Sequence[str]) -> set[str]:
    """Which of these posts are stored already (to fetch a submission's comments only once)."""
    cur.execute(
        "SELECT platform_id FROM posts WHERE platform = %s AND platform_id = ANY(%s)",
        (platform, list(platform_ids)),
    )
    return {row[0] for row in cur.fetchall()}


def record_unavailable(cur: Cursor, source: str, items: Sequence[tuple[str, str, str, str]]) -> int:
    """(platform, resource_type, resource_id, reason) the platform said it could not give."""
    if not items:
        return 0
    unique = {(p, t, i): r for p, t, i, r in items}
    psycopg2.extras.execute_values(
        cur,
        "INSERT INTO unavailable_items (platform, resource_type, resource_id, source, reason) "
        "VALUES %s ON CONFLICT (platform, resource_type, resource_id) DO UPDATE "
        "SET reason = EXCLUDED.reason, last_seen_at = now()",
        [(p, t, i, source, r) for (p, t, i), r in unique.items()],
    )
    return len(unique)


def unavailable_since(
    cur: Cursor, platform: str, resource_type: str, ids: Sequence[str], since: datetime
) -> set[str]:
    """Resources recorded as unavailable at or after `since` (a 404 profile is not re-asked)."""
    cur.execute(
        "SELECT resource_id FROM unavailable_items WHERE platform = %s AND resource_type = %s "
        "AND resource_id = ANY(%s) AND last_seen_at >= %s",
        (platform, resource_type, list(ids), since),
    )
    return {row[0] for row in cur.fetchall()}


def author_ids_by_name(cur: Cursor, platform: str, names: Sequence[str]) -> dict[str, str]:
    """lower(username) -> platform id, for authors a payload named without their id."""
    cur.execute(
        "SELECT DISTINCT ON (lower(username)) lower(username), platform_id FROM authors "
        "WHERE platform = %s AND lower(username) = ANY(%s) AND platform_id NOT LIKE 'u/%%' "
        "ORDER BY lower(username), updated_at DESC",
        (platform, [n.lower() for n in names]),
    )
    return dict(cur.fetchall())


_INTERACTION_COLUMNS = (
    "platform", "kind", "source_post_id", "source_author_id", "target_post_id",
    "target_author_id", "created_at",
)  # fmt: skip


def upsert_interactions(cur: Cursor, interactions: Sequence[Interaction]) -> UpsertCounts:
    key = ("platform", "kind", "source_post_id", "target_post_id", "target_author_id")
    rows = _field_rows(interactions, _INTERACTION_COLUMNS)
    return copy_upsert(cur, "interactions", _INTERACTION_COLUMNS, rows, key=key)


# Quarantine keeps evidence of bad input, not all of it: a huge broken line (or a file never
# meant for import) is cut to this many characters, and the row says so.
MAX_QUARANTINE_PAYLOAD_CHARS = 65_536


def insert_quarantine(cur: Cursor, source: str, items: Sequence[Quarantined]) -> int:
    rows = []
    for q in items:
        payload, reason, size = q.payload, q.reason, len(q.payload)
        truncated = size > MAX_QUARANTINE_PAYLOAD_CHARS
        if truncated:
            payload = payload[:MAX_QUARANTINE_PAYLOAD_CHARS]
            reason = f"{reason} [payload truncated: first {len(payload):,} of {size:,} characters]"
        # The hash stays the whole payload's: the same bad item is still stored once.
        rows.append((source, q.platform, payload, q.payload_hash, reason, truncated, size))
    counts = copy_upsert(
        cur,
        "quarantine",
        ("source", "platform", "payload", "payload_hash", "reason", "payload_truncated",
         "payload_chars"),
        rows,
        key=("source", "payload_hash"),
    )  # fmt: skip
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
