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
from typing import Any

import praw
import psycopg2.extensions

from echolot import store
from echolot.config import RedditSource
from echolot.errors import EcholotError
from echolot.models import Batch
from echolot.store import ingest as ingest_rows
from ingest import reddit_payload
from ingest.records import Page, Unavailable, quarantined
from ingest.reddit_connector import iterate_with_retry, profile_body, submission_page, thing_data
from ingest.report import SourceReport
from ingest.retry import RetryPolicy
from ingest.writer import write_page

# Submissions can appear in a listing a little after their created_utc (moderation queues,
# clock skew); look back this far and skip what the seen-id window already holds.
OVERLAP_SECONDS = 3_600
# A profile that answered 404 or is suspended is not asked for again for this many days.
PROFILE_GONE_DAYS = 30


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
    run = _Run(conn, source, reddit, window, retry, now, report, on_page)
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
            run.listing(key, listing)
    return report


class _Run:
    """One run over a source's listings; a submission found by two listings is fetched once."""

    def __init__(
        self,
        conn: psycopg2.extensions.connection,
        source: RedditSource,
        reddit: praw.Reddit,
        window: tuple[datetime, datetime] | None,
        retry: RetryPolicy,
        now: datetime,
        report: SourceReport,
        on_page: Callable[[int], None] | None,
    ) -> None:
        self.conn, self.source, self.reddit, self.window = conn, source, reddit, window
        self.retry, self.now, self.report, self.on_page = retry, now, report, on_page
        self.fetched: set[str] = set()

    def listing(self, key: str, listing: object) -> None:
        conn, source = self.conn, self.source
        with conn, conn.cursor() as cur:
            checkpoint = store.load_checkpoint(cur, source.name, key)
        newest = float(checkpoint.get("created_utc", 0))
        # fullname -> created_utc of submissions inside the overlap window already stored.
        seen: dict[str, float] = dict(checkpoint.get("seen", {}))
        fresh = []
        items = iterate_with_retry(iter(listing), what=key, retry=self.retry)  # type: ignore[call-overload]
        for submission in items:
            if submission.created_utc < newest - OVERLAP_SECONDS:
                break  # everything older was stored by an earlier run
            if self.window is not None and not _inside(submission.created_utc, self.window):
                continue
            if submission.fullname not in seen:
                fresh.append(submission)
        with conn, conn.cursor() as cur:
            stored = ingest_rows.existing_posts(cur, "reddit", [s.fullname for s in fresh])
        for submission in sorted(fresh, key=lambda s: (s.created_utc, s.id)):
            # Found by `new` and by a search, or stored by an earlier run of another listing:
            # its comments were captured when it was first seen.
            known = submission.fullname in self.fetched or submission.fullname in stored
            page = Page() if known else self._read(submission)
            self.fetched.add(submission.fullname)
            newest = max(newest, float(submission.created_utc))
            seen[submission.fullname] = float(submission.created_utc)
            # Only ids inside the overlap window can show up again; older ones are dropped.
            seen = {k: t for k, t in seen.items() if t >= newest - OVERLAP_SECONDS}
            with conn, conn.cursor() as cur:
                counts = write_page(cur, source.name, page)
                store.save_checkpoint(cur, source.name, key, {"created_utc": newest, "seen": seen})
            if known:
                continue
            self.report.add_page(
                page.batch,
                counts,
                unavailable=len(page.unavailable),
                dropped_more=page.dropped_more,
            )
            if self.on_page:
                self.on_page(self.report.pages)

    def _read(self, submission: praw.models.Submission) -> Page:
        """The submission with its comment tree; whatever praw trips over stays with this one
        submission (quarantined with the reason) and the listing goes on."""
        try:
            body = submission_page(
                submission, replace_more_limit=self.source.replace_more_limit, retry=self.retry
            )
            page = reddit_payload.read_body(body)
        except EcholotError:
            raise  # rate limits, outages and access errors stop the source as before
        except Exception as exc:  # a malformed page makes praw raise KeyError and the like
            reason = (
                f"submission {submission.fullname}: Reddit sent a body praw could not read "
                f"({type(exc).__name__}: {str(exc)[:200]})"
            )
            return Page(Batch(quarantined=[quarantined("reddit", _safe_data(submission), reason)]))
        with self.conn, self.conn.cursor() as cur:
            page.extend(_profiles_due(cur, self.reddit, page.batch, self.retry, self.now))
        return page


def _safe_data(submission: praw.models.Submission) -> dict[str, Any]:
    try:
        return thing_data(submission)
    except Exception:  # the submission itself may be what is broken
        return {"name": getattr(submission, "fullname", None)}


def _profiles_due(
    cur: store.Cursor, reddit: praw.Reddit, batch: Batch, retry: RetryPolicy, now: datetime
) -> Page:
    """Fetch karma for authors not fetched today: at most one profile call per author a day.
    A profile that answered 404 (or is suspended) is remembered and not asked for again for
    PROFILE_GONE_DAYS."""
    names = {a.platform_id: a.username for a in batch.authors if a.username}
    fetched_today = store.authors_observed_since(
        cur, "reddit", list(names), now - timedelta(days=1)
    )
    gone = ingest_rows.unavailable_since(
        cur, "reddit", "author", list(names), now - timedelta(days=PROFILE_GONE_DAYS)
    )
    profiles = Page()
    for author_id, name in sorted(names.items()):
        if author_id in fetched_today or author_id in gone:
            continue
        body = profile_body(reddit, name, retry=retry)
        if isinstance(body, str):
            profiles.unavailable.append(Unavailable("reddit", "author", author_id, body))
        else:
            profiles.extend(reddit_payload.read_body(body, observed_at=now))
    return profiles


def _inside(created_utc: float, window: tuple[datetime, datetime]) -> bool:
    return window[0].timestamp() <= created_utc < window[1].timestamp()
