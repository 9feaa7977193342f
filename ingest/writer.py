"""Write one normalised page: one row per post id, every value storable, one bad item alone.

Every source writes through `write_page`, inside the transaction that also saves its
checkpoint. If PostgreSQL still refuses something the normaliser let through (a number too
large for bigint, say), the page is written again item by item under savepoints and only the
refused post is quarantined, with the database's reason.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

import psycopg2

from echolot import store
from echolot.models import Batch, Post, Quarantined
from echolot.store import ingest as ingest_rows
from echolot.store.ingest import BatchCounts
from ingest.records import NAME_ID_PREFIX, Page, quarantined, revision_of
from ingest.sanitize import clean_text


def write_page(cur: store.Cursor, source: str, page: Page) -> BatchCounts:
    """Store a page with its unavailable items; the caller saves the checkpoint after it."""
    batch, superseded = prepare(page.batch)
    _resolve_named_authors(cur, batch)
    cur.execute("SAVEPOINT echolot_page")
    try:
        counts = _write(cur, source, batch)
        cur.execute("RELEASE SAVEPOINT echolot_page")
    except psycopg2.DataError:
        cur.execute("ROLLBACK TO SAVEPOINT echolot_page")
        counts, refused = _write_item_by_item(cur, source, batch)
        # A refused post is quarantined, not fetched: the caller's report must not count it twice.
        page.batch.posts = [
            p for p in page.batch.posts if (p.platform, p.platform_id) not in refused
        ]
        page.batch.quarantined.extend(refused.values())
    # Versions that lost to a newer copy in the same page are history, not lost.
    ingest_rows.insert_revisions(cur, superseded, {(p.platform, p.platform_id): revision_of(p)
                                                   for p in superseded})  # fmt: skip
    unavailable = [(u.platform, u.resource_type, u.resource_id, u.reason) for u in page.unavailable]
    ingest_rows.record_unavailable(cur, source, unavailable)
    return counts


def _write(cur: store.Cursor, source: str, batch: Batch) -> BatchCounts:
    revisions = {(p.platform, p.platform_id): revision_of(p) for p in batch.posts}
    return store.write_batch(cur, source, batch, revisions)


def prepare(batch: Batch) -> tuple[Batch, list[Post]]:
    """One post per id (copies merged, the newest revision wins) and every string storable;
    also the older versions that lost."""
    merged: dict[tuple[str, str], Post] = {}
    superseded: dict[tuple[tuple[str, str], int], Post] = {}
    for post in batch.posts:
        key = (post.platform, post.platform_id)
        if key in merged and revision_of(merged[key]) != revision_of(post):
            loser = min(merged[key], post, key=revision_of)
            superseded[(key, revision_of(loser))] = _clean(loser)
        merged[key] = _merge(merged[key], post) if key in merged else post
    cleaned = Batch(
        posts=[_clean(p) for p in merged.values()],
        authors=[_clean(a) for a in batch.authors],
        snapshots=[_clean(s) for s in batch.snapshots],
        interactions=[_clean(i) for i in batch.interactions],
        quarantined=batch.quarantined,
    )
    return cleaned, list(superseded.values())


def _merge(first: Post, second: Post) -> Post:
    """Two copies of one post in a page: the newer revision wins; between equal ones the copy
    that says more (a reply over a bare post) leads and the other fills its gaps."""
    if revision_of(first) != revision_of(second):
        return first if revision_of(first) > revision_of(second) else second
    lead, other = (second, first) if _richness(second) >= _richness(first) else (first, second)
    filled = {
        f.name: getattr(other, f.name)
        for f in fields(lead)
        if getattr(lead, f.name) is None and getattr(other, f.name) is not None
    }
    raw = {**other.raw, **{k: v for k, v in lead.raw.items() if v is not None}}
    return replace(lead, **filled, raw=raw)


def _richness(post: Post) -> tuple[int, int]:
    return (post.kind not in ("post", "submission"), len(post.raw))


def _clean(record: Any) -> Any:
    """The record with NUL and lone surrogates removed from its string fields."""
    assert is_dataclass(record)
    # Most values are plain ASCII without NUL: two C-speed checks settle them.
    names = _FIELDS.get(type(record)) or _FIELDS.setdefault(
        type(record), tuple(f.name for f in fields(record))
    )
    dirty = {
        name: clean_text(value)
        for name in names
        if type(value := getattr(record, name)) is str
        and (not value.isascii() or "\x00" in value)
        and value != clean_text(value)
    }
    return replace(record, **dirty) if dirty else record


_FIELDS: dict[type, tuple[str, ...]] = {}


def _resolve_named_authors(cur: store.Cursor, batch: Batch) -> None:
    """Authors a payload named without an id take the id a stored author of that name has."""
    names = {
        a.platform_id[len(NAME_ID_PREFIX) :]: a.platform
        for a in batch.authors
        if a.platform_id.startswith(NAME_ID_PREFIX)
    }
    by_platform: dict[str, dict[str, str]] = {}
    for platform in set(names.values()):
        wanted = [n for n, p in names.items() if p == platform]
        by_platform[platform] = ingest_rows.author_ids_by_name(cur, platform, wanted)
    if not any(by_platform.values()):
        return

    def known(platform: str, author_id: str | None) -> str | None:
        if author_id and author_id.startswith(NAME_ID_PREFIX):
            found = by_platform.get(platform, {}).get(author_id[len(NAME_ID_PREFIX) :].lower())
            return found or author_id
        return author_id

    batch.posts = [
        p if known(p.platform, p.author_id) == p.author_id
        else replace(p, author_id=known(p.platform, p.author_id))
        for p in batch.posts
    ]  # fmt: skip
    batch.authors = [a for a in batch.authors if known(a.platform, a.platform_id) == a.platform_id]
    batch.interactions = [
        replace(
            i,
            source_author_id=known(i.platform, i.source_author_id),
            target_author_id=known(i.platform, i.target_author_id) or "",
        )
        for i in batch.interactions
    ]


def _write_item_by_item(
    cur: store.Cursor, source: str, batch: Batch
) -> tuple[BatchCounts, dict[tuple[str, str], Quarantined]]:
    """Each post with its own authors, snapshots and interactions under a savepoint; returns
    the counts and the posts the database refused, with the quarantine entries written."""
    total: BatchCounts | None = None
    refused: dict[tuple[str, str], Quarantined] = {}
    used_authors: set[tuple[str, str]] = set()
    for post in batch.posts:
        authors = [a for a in batch.authors if a.platform == post.platform
                   and a.platform_id in _authors_of(post, batch)]  # fmt: skip
        used_authors.update((a.platform, a.platform_id) for a in authors)
        part = Batch(
            posts=[post],
            authors=authors,
            snapshots=[s for s in batch.snapshots if s.author_id == post.author_id],
            interactions=[i for i in batch.interactions if i.source_post_id == post.platform_id],
        )
        counts, error = _attempt(cur, source, part)
        if counts is None:
            reason = f"{post.platform} post {post.platform_id}: not storable ({error})"
            refused[(post.platform, post.platform_id)] = quarantined(
                post.platform, post.raw, reason
            )
            continue
        total = counts if total is None else _add(total, counts)
    rest = Batch(
        authors=[a for a in batch.authors if (a.platform, a.platform_id) not in used_authors],
        quarantined=[*batch.quarantined, *refused.values()],
    )
    rest.snapshots = [s for s in batch.snapshots if any(
        a.platform_id == s.author_id for a in rest.authors)]  # fmt: skip
    counts, _error = _attempt(cur, source, rest)
    if counts is None:  # an author record itself is refused: keep at least the quarantine
        counts = store.write_batch(cur, source, Batch(quarantined=rest.quarantined))
    return (counts if total is None else _add(total, counts)), refused


def _authors_of(post: Post, batch: Batch) -> set[str]:
    ids = {post.author_id} | {
        i.target_author_id for i in batch.interactions if i.source_post_id == post.platform_id
    }
    return {i for i in ids if i}


def _attempt(cur: store.Cursor, source: str, part: Batch) -> tuple[BatchCounts | None, str]:
    cur.execute("SAVEPOINT echolot_item")
    try:
        counts = _write(cur, source, part)
    except psycopg2.DataError as exc:
        cur.execute("ROLLBACK TO SAVEPOINT echolot_item")
        return None, str(exc).splitlines()[0]
    cur.execute("RELEASE SAVEPOINT echolot_item")
    return counts, ""


def _add(a: BatchCounts, b: BatchCounts) -> BatchCounts:
    return BatchCounts(
        a.posts + b.posts,
        a.authors + b.authors,
        a.interactions + b.interactions,
        a.quarantined + b.quarantined,
    )
