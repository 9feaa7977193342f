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
from praw.models import Comment
from praw.models.base import PRAWBase

from echolot.errors import EcholotError, SourceAccessError
from ingest.reddit_plugin import CLIENT_ID_ENV, CLIENT_SECRET_ENV, USER_AGENT_ENV
from ingest.retry import Retry, RetryPolicy

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


def classify(exc: BaseException, policy: RetryPolicy, what: str) -> Retry | EcholotError | None:
    """prawcore's exceptions for the retry policy (praw already retried once on its own)."""
    if isinstance(exc, prawcore.ServerError | prawcore.RequestException | prawcore.TooManyRequests):
        return policy.transient(f"{what}: Reddit API", type(exc).__name__)
    if isinstance(exc, prawcore.OAuthException):
        return SourceAccessError(
            f"{what}: Reddit rejected the app credentials; check {CLIENT_ID_ENV} and "
            f"{CLIENT_SECRET_ENV}"
        )
    if isinstance(exc, prawcore.Forbidden | prawcore.NotFound | prawcore.Redirect):
        return SourceAccessError(
            f"{what}: Reddit refused access (HTTP {exc.response.status_code}); the "
            "subreddit may be private, banned or misspelled"
        )
    if isinstance(exc, prawcore.ResponseException):
        status = exc.response.status_code
        if status == 401:
            return SourceAccessError(
                f"{what}: Reddit rejected the app credentials (HTTP 401); check "
                f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
            )
        return SourceAccessError(f"{what}: Reddit answered HTTP {status}")
    return None


def with_retry(action: Callable[[], T], *, what: str, retry: RetryPolicy) -> T:
    """Run one API action under the retry policy with Reddit's exception mapping."""
    return retry.call(action, lambda exc, policy: classify(exc, policy, what))


def iterate_with_retry(items: Iterator[T], *, what: str, retry: RetryPolicy) -> Iterator[T]:
    """Iterate a praw listing; a failed page request is retried where it left off."""
    sentinel = object()
    while True:
        item = with_retry(lambda: next(items, sentinel), what=what, retry=retry)
        if item is sentinel:
            return
        yield item  # type: ignore[misc]


_SKIPPED = ("comments", "replies", "comment_limit", "comment_sort")


def api_json(value: Any, depth: int = 0) -> Any:
    """praw's objects back to the JSON the API sent: a Redditor is its name, a Subreddit its
    display name, other praw objects (PollData, PollOption, ...) their public attributes.
    Never a repr, so re-reading the same submission gives the same payload."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if depth > 32:
        return None
    if isinstance(value, praw.models.Redditor):
        return value.name
    if isinstance(value, praw.models.Subreddit):
        return value.display_name
    if isinstance(value, dict):
        return {str(k): api_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [api_json(v, depth + 1) for v in value]
    if isinstance(value, PRAWBase):
        return {
            k: api_json(v, depth + 1)
            for k, v in vars(value).items()
            if not k.startswith("_") and not isinstance(v, praw.models.Submission | Comment)
        }
    return str(value)


def thing_data(thing: praw.models.Submission | praw.models.Comment) -> dict[str, Any]:
    """The API `data` object of a submission or comment, without praw's helpers."""
    data: dict[str, Any] = {}
    for key, value in vars(thing).items():
        if key.startswith("_") or key in _SKIPPED:
            continue
        if isinstance(value, praw.models.Submission | Comment):
            continue
        data[key] = api_json(value)
    # Deleted authors come back as None; the API itself says "[deleted]".
    if data.get("author") is None:
        data["author"] = "[deleted]"
    return data


def submission_page(
    submission: praw.models.Submission, *, replace_more_limit: int, retry: RetryPolicy
) -> dict[str, Any]:
    """A submission and its expanded comment tree as one Listing body."""
    what = f"submission {submission.id}"
    # replace_more returns the stubs it left (beyond the limit; with limit 0, all of them).
    left = with_retry(
        lambda: submission.comments.replace_more(limit=replace_more_limit), what=what, retry=retry
    )
    comments = with_retry(submission.comments.list, what=what, retry=retry)
    children = [{"kind": "t3", "data": thing_data(submission)}]
    children += [{"kind": "t1", "data": thing_data(c)} for c in comments if isinstance(c, Comment)]
    # Kept as the API's `more` stubs so the source report counts what was not expanded.
    children += [
        {"kind": "more", "data": {"count": more.count, "id": more.id, "parent_id": more.parent_id}}
        for more in left or []
        if isinstance(more, praw.models.MoreComments)
    ]
    return {"kind": "Listing", "data": {"after": None, "before": None, "children": children}}


def profile_body(reddit: praw.Reddit, name: str, *, retry: RetryPolicy) -> dict[str, Any] | str:
    """The user's about page as a t2 body, or why there is none (suspended, 404)."""
    redditor = reddit.redditor(name)
    try:
        with_retry(redditor._fetch, what=f"user {name}", retry=retry)
    except SourceAccessError as exc:
        return str(exc)
    if getattr(redditor, "is_suspended", False):
        return f"user {name}: suspended"
    fields = ("id", "name", "created_utc", "link_karma", "comment_karma", "total_karma", "verified")
    return {"kind": "t2", "data": {f: getattr(redditor, f, None) for f in fields}}
