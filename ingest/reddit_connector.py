"""Reddit through praw: listings, comment trees and author profiles as API-shaped dicts.

praw turns the API's JSON into objects; we turn them back into the `t3`/`t1`/`t2` shapes the
API returned, so live data and recorded payloads share one normaliser (`ingest.reddit_payload`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import praw
import praw.models
import prawcore

from ingest.retry import RetryableSourceError, RetryPolicy, SourceAccessError

CLIENT_ID_ENV = "ECHOLOT_REDDIT_CLIENT_ID"
CLIENT_SECRET_ENV = "ECHOLOT_REDDIT_CLIENT_SECRET"
USER_AGENT_ENV = "ECHOLOT_REDDIT_USER_AGENT"
DEFAULT_USER_AGENT = "echolot/0.1 (social listening)"
T = TypeVar("T")


def make_reddit(client_id: str, client_secret: str, user_agent: str) -> praw.Reddit:
    # check_for_updates=False: praw's PyPI version check is a network call we never want.
    return praw.Reddit(
        client_id=client_id,
        client_secret=client_secret,
        user_agent=user_agent,
        check_for_updates=False,
    )


def reddit_from_environment() -> praw.Reddit:
    missing = [name for name in (CLIENT_ID_ENV, CLIENT_SECRET_ENV) if not os.environ.get(name)]
    if missing:
        raise SourceAccessError(f"Reddit credentials missing: set {' and '.join(missing)}")
    return make_reddit(
        os.environ[CLIENT_ID_ENV],
        os.environ[CLIENT_SECRET_ENV],
        os.environ.get(USER_AGENT_ENV, DEFAULT_USER_AGENT),
    )


def with_retry(action: Callable[[], T], *, what: str, retry: RetryPolicy) -> T:
    """Run one API action; transient failures are retried with backoff (after prawcore's own)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return action()
        except (prawcore.ServerError, prawcore.RequestException, prawcore.TooManyRequests) as exc:
            if attempt >= retry.max_attempts:
                raise RetryableSourceError(
                    f"{what}: Reddit API still failing after {attempt} attempts "
                    f"({type(exc).__name__}); stored pages are kept"
                ) from None
            retry.sleep(retry.backoff(attempt))
        except prawcore.OAuthException:
            raise SourceAccessError(
                f"{what}: Reddit rejected the app credentials; check {CLIENT_ID_ENV} and "
                f"{CLIENT_SECRET_ENV}"
            ) from None
        except (prawcore.Forbidden, prawcore.NotFound, prawcore.Redirect) as exc:
            raise SourceAccessError(
                f"{what}: Reddit refused access (HTTP {exc.response.status_code}); the "
                "subreddit may be private, banned or misspelled"
            ) from None
        except prawcore.ResponseException as exc:
            status = exc.response.status_code
            if status == 401:
                raise SourceAccessError(
                    f"{what}: Reddit rejected the app credentials (HTTP 401); check "
                    f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
                ) from None
            raise SourceAccessError(f"{what}: Reddit answered HTTP {status}") from None


def iterate_with_retry(items: Iterator[T], *, what: str, retry: RetryPolicy) -> Iterator[T]:
    """Iterate a praw listing; a failed page request is retried where it left off."""
    sentinel = object()
    while True:
        item = with_retry(lambda: next(items, sentinel), what=what, retry=retry)
        if item is sentinel:
            return
        yield item  # type: ignore[misc]


def thing_data(thing: praw.models.Submission | praw.models.Comment) -> dict[str, Any]:
    """The API `data` object of a submission or comment, without praw's helpers."""
    data: dict[str, Any] = {}
    for key, value in vars(thing).items():
        if key.startswith("_") or key in ("comments", "replies", "comment_limit", "comment_sort"):
            continue
        if isinstance(value, praw.models.Redditor):
            value = value.name
        elif isinstance(value, praw.models.Subreddit):
            value = value.display_name
        elif isinstance(value, praw.models.Submission | praw.models.Comment):
            continue
        data[key] = value
    # Deleted authors come back as None; the API itself says "[deleted]".
    data.setdefault("author", "[deleted]")
    if data["author"] is None:
        data["author"] = "[deleted]"
    return data


def submission_page(
    submission: praw.models.Submission, *, replace_more_limit: int, retry: RetryPolicy
) -> dict[str, Any]:
    """A submission and its expanded comment tree as one Listing body."""
    what = f"submission {submission.id}"
    with_retry(
        lambda: submission.comments.replace_more(limit=replace_more_limit), what=what, retry=retry
    )
    comments = with_retry(submission.comments.list, what=what, retry=retry)
    children = [{"kind": "t3", "data": thing_data(submission)}]
    children += [
        {"kind": "t1", "data": thing_data(c)}
        for c in comments
        if isinstance(c, praw.models.Comment)
    ]
    return {"kind": "Listing", "data": {"after": None, "before": None, "children": children}}


def profile_body(reddit: praw.Reddit, name: str, *, retry: RetryPolicy) -> dict[str, Any] | None:
    """The user's about page as a t2 body; None for suspended or vanished accounts."""
    redditor = reddit.redditor(name)
    try:
        with_retry(redditor._fetch, what=f"user {name}", retry=retry)
    except SourceAccessError:
        return None
    if getattr(redditor, "is_suspended", False):
        return None
    fields = ("id", "name", "created_utc", "link_karma", "comment_karma", "total_karma", "verified")
    return {"kind": "t2", "data": {f: getattr(redditor, f, None) for f in fields}}
