"""Incremental Reddit ingestion: per listing, a created_utc checkpoint plus recently seen ids.

Listings are read newest first, then stored oldest first, one submission (with its comment
tree) per transaction together with the checkpoint; a crash resumes after the last stored one.
Reddit listings end after about 1,000 items, so a subreddit must be polled before 1,000 new
submissions pile up (see the README for the polling arithmetic). Comments are captured when a
submission is first seen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import praw
import psycopg2.extensions

from echolot import store
from echolot.config import RedditSource
from echolot.models import Batch
from ingest import reddit_payload
from ingest.reddit_connector import iterate_with_retry, profile_body, submission_page
from ingest.report import SourceReport
from ingest.retry import RetryPolicy

# Submissions can appear in a listing a little after their created_utc (moderation queues,
# clock skew); look back this far and skip what the seen-id window already holds.
OVERLAP_SECONDS = 3_600


def ingest_reddit(
    conn: psycopg2.extensions.connection,
    source: RedditSource,
    reddit: praw.Reddit,
    *,
    window: tuple[datetime, datetime] | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    """Reddit has no time-range query: with a window, listings are read and only submissions
    created inside it are stored, under a checkpoint of that window's own."""
    retry = retry or RetryPolicy()
    now = now or datetime.now(UTC)
    report = SourceReport(source=source.name)
    for name in source.subreddits:
        subreddit = reddit.subreddit(name)
        listings = {f"r/{name}/new": subreddit.new(limit=source.listing_limit)}
        for term in source.search_terms:
            listings[f"r/{name}/search:{term}"] = subreddit.search(
                term, sort="new", time_filter="week", limit=source.listing_limit
            )
        for key, listing in listings.items():
            if window is not None:
                key = f"{key} @ {window[0].isoformat()}/{window[1].isoformat()}"
            _ingest_listing(conn, source, reddit, key, listing, window, retry, now, report, on_page)
    return report


def _ingest_listing(
    conn: psycopg2.extensions.connection,
    source: RedditSource,
    reddit: praw.Reddit,
    key: str,
    listing: object,
    window: tuple[datetime, datetime] | None,
    retry: RetryPolicy,
    now: datetime,
    report: SourceReport,
    on_page: Callable[[int], None] | None,
) -> None:
    with conn, conn.cursor() as cur:
        checkpoint = store.load_checkpoint(cur, source.name, key)
    newest = float(checkpoint.get("created_utc", 0))
    # fullname -> created_utc of submissions inside the overlap window already stored.
    seen: dict[str, float] = dict(checkpoint.get("seen", {}))
    fresh = []
    for submission in iterate_with_retry(iter(listing), what=key, retry=retry):  # type: ignore[call-overload]
        if submission.created_utc < newest - OVERLAP_SECONDS:
            break  # everything older was stored by an earlier run
        if window is not None and not _inside(submission.created_utc, window):
            continue
        if submission.fullname not in seen:
            fresh.append(submission)
    for submission in sorted(fresh, key=lambda s: (s.created_utc, s.id)):
        body = submission_page(
            submission, replace_more_limit=source.replace_more_limit, retry=retry
        )
        batch = reddit_payload.normalize_body(body)
        with conn, conn.cursor() as cur:
            batch.extend(_profiles_due(cur, reddit, batch, retry, now))
        newest = max(newest, float(submission.created_utc))
        seen[submission.fullname] = float(submission.created_utc)
        # Only ids inside the overlap window can show up again; older ones are dropped.
        seen = {k: t for k, t in seen.items() if t >= newest - OVERLAP_SECONDS}
        with conn, conn.cursor() as cur:
            counts = store.write_batch(cur, source.name, batch)
            store.save_checkpoint(cur, source.name, key, {"created_utc": newest, "seen": seen})
        report.add_page(batch, counts)
        if on_page:
            on_page(report.pages)


def _profiles_due(
    cur: store.Cursor, reddit: praw.Reddit, batch: Batch, retry: RetryPolicy, now: datetime
) -> Batch:
    """Fetch karma for authors not fetched today: at most one profile call per author a day."""
    names = {a.platform_id: a.username for a in batch.authors if a.username}
    fetched_today = store.authors_observed_since(
        cur, "reddit", list(names), now - timedelta(days=1)
    )
    profiles = Batch()
    for author_id, name in sorted(names.items()):
        if author_id in fetched_today:
            continue
        body = profile_body(reddit, name, retry=retry)
        if body is not None:
            profiles.extend(reddit_payload.normalize_body(body, observed_at=now))
    return profiles


def _inside(created_utc: float, window: tuple[datetime, datetime]) -> bool:
    return window[0].timestamp() <= created_utc < window[1].timestamp()
