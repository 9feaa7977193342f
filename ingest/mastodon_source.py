"""Incremental Mastodon ingestion through Mastodon.py: hashtag timelines and status search.

Checkpoint per (source, hashtag or query): {"min_id": the newest status id stored}. Pages are
asked for with `min_id` (statuses just after it), and every page commits with the largest id
it held, so a crash or a rate limit resumes exactly after the last stored page and a rerun
reads only what is new. The first run starts `initial_days` back (ids encode their time).
The instance's X-RateLimit-* headers are honoured: a 429 waits for X-RateLimit-Reset up to
`max_rate_limit_wait_seconds`, longer ends the run with exit code 75.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2.extensions
from mastodon import Mastodon
from mastodon import errors as mastodon_errors

from echolot import store
from echolot.errors import SourceAccessError
from ingest import mastodon_payload
from ingest.mastodon_plugin import MastodonSource
from ingest.report import SourceReport
from ingest.retry import RetryPolicy
from ingest.writer import write_page


def make_client(instance: str, access_token: str) -> Mastodon:
    # "throw": the retry policy decides how long a rate limit may be waited for, not the client.
    return Mastodon(
        access_token=access_token,
        api_base_url=instance,
        ratelimit_method="throw",
        version_check_mode="none",
        request_timeout=30,
    )


def classify(exc: BaseException, policy: RetryPolicy, what: str, api: Mastodon) -> Any:
    """Mastodon.py's exceptions for the retry policy."""
    if isinstance(exc, mastodon_errors.MastodonRatelimitError):
        return policy.rate_limit_wait(api.ratelimit_reset, what=f"{what}: Mastodon API")
    if isinstance(exc, mastodon_errors.MastodonServerError | mastodon_errors.MastodonNetworkError):
        return policy.transient(f"{what}: Mastodon API", type(exc).__name__)
    if isinstance(exc, mastodon_errors.MastodonUnauthorizedError):
        return SourceAccessError(
            f"{what}: the instance rejected the access token (HTTP 401); check the token "
            "variable named by `access_token_env`"
        )
    if isinstance(exc, mastodon_errors.MastodonAPIError):
        return SourceAccessError(f"{what}: the instance refused the request ({exc})")
    return None


def ingest_mastodon(
    conn: psycopg2.extensions.connection,
    source: MastodonSource,
    api: Mastodon,
    *,
    window: tuple[datetime, datetime] | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    retry = retry or RetryPolicy()
    now = now or datetime.now(UTC)
    report = SourceReport(source=source.name)
    reads: dict[str, Callable[[str], Any]] = {}
    for tag in source.hashtags:
        name = tag.lstrip("#")
        reads[f"tag:#{name}"] = lambda min_id, n=name: api.timeline_hashtag(
            n, min_id=min_id, limit=source.page_size
        )
    for query in source.queries:
        reads[f"search:{query}"] = lambda min_id, q=query: api.search_v2(
            q, result_type="statuses", resolve=False, min_id=min_id, limit=source.page_size
        )
    for key, read in reads.items():
        if window is not None:
            key = f"{key} @ {window[0].isoformat()}/{window[1].isoformat()}"
        start = window[0] if window else now - timedelta(days=source.initial_days)
        _read(conn, source, api, key, read, start, window, retry, report, on_page)
    return report


def _read(
    conn: psycopg2.extensions.connection,
    source: MastodonSource,
    api: Mastodon,
    key: str,
    read: Callable[[str], Any],
    start: datetime,
    window: tuple[datetime, datetime] | None,
    retry: RetryPolicy,
    report: SourceReport,
    on_page: Callable[[int], None] | None,
) -> None:
    """Page forward from the checkpoint's min_id; each page commits with its newest id."""
    with conn, conn.cursor() as cur:
        checkpoint = store.load_checkpoint(cur, source.name, key)
    min_id = checkpoint.get("min_id") or id_at(start)
    what = f"source {source.name!r} {key}"
    known: dict[str, dict[str, str]] = {}  # local ids of this run's statuses and accounts
    for _ in range(source.max_pages):
        answer = retry.call(
            lambda m=min_id: read(m), lambda exc, policy: classify(exc, policy, what, api)
        )
        body = wire_json(answer)
        page = mastodon_payload.read_statuses(body, known)
        statuses = body.get("statuses") if isinstance(body, dict) else body
        ids = [
            s["id"] for s in statuses or [] if isinstance(s, dict) and str(s.get("id")).isdigit()
        ]
        if not ids:
            return
        min_id = str(max([int(min_id), *(int(i) for i in ids)]))
        if window is not None:
            page.batch.posts = [p for p in page.batch.posts if p.created_at < window[1]]
        with conn, conn.cursor() as cur:
            counts = write_page(cur, source.name, page)
            store.save_checkpoint(cur, source.name, key, {**checkpoint, "min_id": min_id})
        report.add_page(page.batch, counts, unavailable=len(page.unavailable))
        if on_page:
            on_page(report.pages)
        if window is not None and int(min_id) >= int(id_at(window[1])):
            return
    report.stopped = f"{key}: stopped after max_pages={source.max_pages}; the next run goes on"


def id_at(moment: datetime) -> str:
    """The smallest status id of that moment: Mastodon ids are milliseconds << 16."""
    return str(int(moment.timestamp() * 1000) << 16)


def wire_json(value: Any) -> Any:
    """Mastodon.py's entities back to the JSON the instance sent (times as ISO 8601 strings)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, dict):
        return {str(k): wire_json(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [wire_json(v) for v in value]
    return value
