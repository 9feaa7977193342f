"""Incremental Bluesky ingestion through the `atproto` client: post search and author feeds.

Checkpoint per (source, query or account):
  {"since": newest createdAt stored by the last completed run,
   "pending": {"cursor", "since", "newest"} while a run is part-way through}
Search results and feeds run newest first, so `since` advances only when a run has read every
page; until then `pending` lets a crashed or rate-limited run resume at its cursor. Bodies are
kept as the API's JSON (`invoke_query(...).content`), so live and recorded data share one
normaliser. Authors' follower counts come from `app.bsky.actor.getProfiles`, at most once per
author a day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2.extensions
from atproto_client import Client, models
from atproto_client import exceptions as atp

from echolot import store
from echolot.errors import EcholotError, SourceAccessError
from ingest import bluesky_payload
from ingest.bluesky_plugin import APP_PASSWORD_ENV, HANDLE_ENV, BlueskySource
from ingest.records import Page
from ingest.report import SourceReport
from ingest.retry import Retry, RetryPolicy
from ingest.writer import write_page

PROFILES_PER_CALL = 25  # app.bsky.actor.getProfiles takes at most 25 actors
_PARAMS = {
    "app.bsky.feed.searchPosts": models.AppBskyFeedSearchPosts.Params,
    "app.bsky.feed.getAuthorFeed": models.AppBskyFeedGetAuthorFeed.Params,
    "app.bsky.actor.getProfiles": models.AppBskyActorGetProfiles.Params,
}


def make_client(service: str, handle: str, app_password: str, retry: RetryPolicy) -> Client:
    client = Client(base_url=service)
    retry.call(
        lambda: client.login(handle, app_password, fetch_bsky_profile=False),
        lambda exc, policy: classify(exc, policy, f"Bluesky login as {handle!r}"),
    )
    return client


def classify(exc: BaseException, policy: RetryPolicy, what: str) -> Retry | EcholotError | None:
    """atproto's exceptions for the retry policy."""
    if isinstance(exc, atp.RateLimitExceededError):
        reset = exc.reset_at.timestamp() if exc.reset_at else None
        return policy.rate_limit_wait(reset, what=f"{what}: Bluesky API")
    status = (
        exc.response.status_code if isinstance(exc, atp.RequestErrorBase) and exc.response else None
    )
    if isinstance(exc, atp.NetworkError) or (status is not None and status >= 500):
        return policy.transient(f"{what}: Bluesky API", str(exc))
    if isinstance(exc, atp.UnauthorizedError):
        return SourceAccessError(
            f"{what}: Bluesky rejected the credentials ({status}); check {HANDLE_ENV} and "
            f"{APP_PASSWORD_ENV} (an app password, not the account password)"
        )
    if isinstance(exc, atp.RequestErrorBase):
        return SourceAccessError(f"{what}: Bluesky refused the request ({exc})")
    return None


def ingest_bluesky(
    conn: psycopg2.extensions.connection,
    source: BlueskySource,
    client: Client,
    *,
    window: tuple[datetime, datetime] | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    run = _Run(conn, source, client, retry or RetryPolicy(), now or datetime.now(UTC), on_page)
    for query in source.queries:
        params = {"q": query, "sort": "latest", "limit": source.page_size}
        run.read("app.bsky.feed.searchPosts", f"search:{query}", params, window)
    for account in source.accounts:
        params = {"actor": account, "limit": source.page_size}
        run.read("app.bsky.feed.getAuthorFeed", f"feed:{account}", params, window)
    return run.report


class _Run:
    def __init__(
        self,
        conn: psycopg2.extensions.connection,
        source: BlueskySource,
        client: Client,
        retry: RetryPolicy,
        now: datetime,
        on_page: Callable[[int], None] | None,
    ) -> None:
        self.conn, self.source, self.client = conn, source, client
        self.retry, self.now, self.on_page = retry, now, on_page
        self.report = SourceReport(source=source.name)

    def call(self, nsid: str, params: dict[str, Any], what: str) -> Any:
        typed = _PARAMS[nsid](**params)
        return self.retry.call(
            lambda: self.client.invoke_query(nsid, params=typed).content,
            lambda exc, policy: classify(exc, policy, what),
        )

    def read(
        self, nsid: str, key: str, params: dict[str, Any], window: tuple[datetime, datetime] | None
    ) -> None:
        if window is not None:
            key = f"{key} @ {window[0].isoformat()}/{window[1].isoformat()}"
        with self.conn, self.conn.cursor() as cur:
            checkpoint = store.load_checkpoint(cur, self.source.name, key)
        if window is not None and checkpoint.get("complete"):
            return
        pending = checkpoint.get("pending") or {}
        since = pending.get("since", checkpoint.get("since"))
        newest = pending.get("newest")
        cursor = pending.get("cursor")
        searching = nsid.endswith("searchPosts")
        if searching and window is not None:
            params = {**params, "since": _iso(window[0]), "until": _iso(window[1])}
        elif searching and since:
            params = {**params, "since": since}
        what = f"source {self.source.name!r} {key}"
        for _ in range(self.source.max_pages):
            body = self.call(nsid, {**params, **({"cursor": cursor} if cursor else {})}, what)
            page = bluesky_payload.read_body(body)
            times = [p.created_at for p in page.batch.posts]
            if not searching and since:
                # Feeds have no `since`: keep what is newer than the last run, stop at the rest.
                page.batch.posts = [p for p in page.batch.posts if _iso(p.created_at) > since]
            if window is not None:
                page.batch.posts = [
                    p for p in page.batch.posts if window[0] <= p.created_at < window[1]
                ]
            newest = max([newest, *(_iso(t) for t in times)], key=lambda v: v or "")
            cursor = body.get("cursor") if isinstance(body, dict) else None
            reached_old = not searching and since and times and min(_iso(t) for t in times) <= since
            done = not cursor or not times or reached_old
            state = self._state(checkpoint, since, newest, cursor, done, window is not None)
            self._profiles(page)
            with self.conn, self.conn.cursor() as cur:
                counts = write_page(cur, self.source.name, page)
                store.save_checkpoint(cur, self.source.name, key, state)
            self.report.add_page(page.batch, counts, unavailable=len(page.unavailable))
            if self.on_page:
                self.on_page(self.report.pages)
            if done:
                return
        self.report.stopped = f"{key}: stopped after max_pages={self.source.max_pages}"

    @staticmethod
    def _state(
        checkpoint: dict[str, Any],
        since: str | None,
        newest: str | None,
        cursor: str | None,
        done: bool,
        windowed: bool,
    ) -> dict[str, Any]:
        if not done:
            return {**checkpoint, "pending": {"since": since, "newest": newest, "cursor": cursor}}
        state = {k: v for k, v in checkpoint.items() if k != "pending"}
        state["since"] = max(since or "", newest or "") or None
        state["complete"] = windowed
        return state

    def _profiles(self, page: Page) -> None:
        """Follower counts for the page's authors not observed today."""
        dids = sorted({a.platform_id for a in page.batch.authors})
        with self.conn, self.conn.cursor() as cur:
            fresh = store.authors_observed_since(cur, "bluesky", dids, self.now - timedelta(days=1))
        due = [d for d in dids if d not in fresh]
        for start in range(0, len(due), PROFILES_PER_CALL):
            actors = due[start : start + PROFILES_PER_CALL]
            body = self.call("app.bsky.actor.getProfiles", {"actors": actors}, "profiles")
            page.extend(bluesky_payload.read_body(body, observed_at=self.now))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
