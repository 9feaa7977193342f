"""X API v2 search through tweepy: request parameters, pagination and error handling.

Pages come back as the raw JSON bodies (`return_type=dict`) so they can be stored verbatim and
normalised by `ingest.x_payload`, exactly like recorded payloads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import requests
import tweepy

from echolot.errors import EcholotError, SourceAccessError
from ingest.retry import Retry, RetryPolicy
from ingest.x_plugin import BEARER_TOKEN_ENV

EXPANSIONS = [
    "author_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "entities.mentions.username",
    "in_reply_to_user_id",
]
TWEET_FIELDS = [
    "created_at", "public_metrics", "lang", "conversation_id", "referenced_tweets", "entities",
    "edit_history_tweet_ids", "author_id", "in_reply_to_user_id", "note_tweet",
]  # fmt: skip
USER_FIELDS = ["public_metrics", "verified", "created_at", "description", "location"]
MIN_RESULTS, MAX_RESULTS = 10, 100  # the search endpoints' bounds for max_results
REQUEST_TIMEOUT_SECONDS = 30

# tweepy logs request headers, bearer token included, at DEBUG; never let that reach a log.
logging.getLogger("tweepy").setLevel(logging.INFO)


class _TimeoutSession(requests.Session):
    """tweepy sets no timeout; a hung connection must fail and be retried, not block a worker."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def make_client(bearer_token: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=False)
    client.session = _TimeoutSession()
    return client


def search_pages(
    client: tweepy.Client,
    query: str,
    *,
    source: str,
    full_archive: bool = False,
    since_id: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    next_token: str | None = None,
    page_size: Callable[[], int] = lambda: MAX_RESULTS,
    retry: RetryPolicy | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield response bodies page by page, newest first, retrying transient failures.

    `page_size` is asked before every request, so a nearly spent read budget asks for fewer.
    """
    retry = retry or RetryPolicy()
    method = client.search_all_tweets if full_archive else client.search_recent_tweets
    params: dict[str, Any] = {
        "expansions": EXPANSIONS,
        "tweet_fields": TWEET_FIELDS,
        "user_fields": USER_FIELDS,
    }
    if since_id:
        params["since_id"] = since_id
    if start_time:
        params["start_time"] = start_time
    if end_time:
        params["end_time"] = end_time
    pages = iter(tweepy.Paginator(method, query, pagination_token=next_token, **params))
    while True:
        # The iterator re-reads its kwargs on every request.
        pages.kwargs["max_results"] = max(MIN_RESULTS, min(MAX_RESULTS, page_size()))
        page = _next_page(pages, source, retry)
        if page is None:
            return
        yield page


def _next_page(pages: Iterator[dict[str, Any]], source: str, retry: RetryPolicy) -> dict | None:
    # The paginator keeps its token when a request fails, so calling next() again retries
    # exactly the page that failed.
    sentinel: dict[str, Any] = {}
    page = retry.call(
        lambda: next(pages, sentinel), lambda exc, policy: classify(exc, policy, source)
    )
    return None if page is sentinel else page


def classify(exc: BaseException, policy: RetryPolicy, source: str) -> Retry | EcholotError | None:
    """X's exceptions for the retry policy: what is worth retrying, and what to tell the user."""
    if isinstance(exc, tweepy.TooManyRequests):
        return policy.rate_limit_wait(exc.reset_time, what=f"source {source!r}: X API")
    if isinstance(exc, tweepy.TwitterServerError | requests.ConnectionError | requests.Timeout):
        return policy.transient(
            f"source {source!r}: X API",
            _describe(exc),
            kept="the run stopped after its last stored page",
        )
    if isinstance(exc, tweepy.Unauthorized):
        return SourceAccessError(
            f"source {source!r}: X API rejected the credentials (HTTP 401); "
            f"check {BEARER_TOKEN_ENV}"
        )
    if isinstance(exc, tweepy.Forbidden):
        return SourceAccessError(_forbidden_message(source, exc))
    if isinstance(exc, tweepy.BadRequest):
        detail = "; ".join(str(m) for m in exc.api_messages) or str(exc)
        return SourceAccessError(f"source {source!r}: X API refused the query: {detail}")
    return None


def _forbidden_message(source: str, exc: tweepy.Forbidden) -> str:
    codes = set(exc.api_codes)
    if 453 in codes or "access" in " ".join(str(m) for m in exc.api_messages).lower():
        return (
            f"source {source!r}: the X API access tier does not include this endpoint "
            "(HTTP 403, code 453); full-archive search needs a Pro or Enterprise plan — set "
            "`full_archive: false` or upgrade the app's access"
        )
    return f"source {source!r}: X API refused access (HTTP 403): {_describe(exc)}"


def _describe(exc: Exception) -> str:
    if isinstance(exc, tweepy.HTTPException):
        messages = "; ".join(str(m) for m in exc.api_messages)
        return f"HTTP {exc.response.status_code}" + (f": {messages}" if messages else "")
    return type(exc).__name__
