"""Normalise X API v2 search response pages into posts, authors and interactions."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from echolot.models import Author, AuthorSnapshot, Batch, Interaction, Post, PostKind, Quarantined
from ingest.validation import (
    NormalizationError,
    iso_timestamp,
    optional_int,
    required_str,
    text_field,
)

_KIND_BY_REFERENCE: dict[str, PostKind] = {
    "retweeted": "repost",
    "quoted": "quote",
    "replied_to": "reply",
}
_RETWEET_PREFIX = re.compile(r"^RT @(\w{1,15}):")


def normalize_page(page: dict[str, Any]) -> Batch:
    """One response body of /2/tweets/search/*: `data` plus the expanded `includes`."""
    batch = Batch()
    includes = page.get("includes") or {}
    users = {u["id"]: u for u in includes.get("users", []) if isinstance(u, dict) and "id" in u}
    ids_by_username = {u.get("username", "").lower(): uid for uid, u in users.items()}
    referenced = {
        t["id"]: t for t in includes.get("tweets", []) if isinstance(t, dict) and "id" in t
    }
    latest_post_by_author: dict[str, datetime] = {}

    # Referenced tweets are posts too (the original that was retweeted or replied to).
    items = [*page.get("data", []), *referenced.values()]
    for item in items:
        try:
            post, interactions = _normalize_tweet(item, referenced, ids_by_username)
        except NormalizationError as exc:
            batch.quarantined.append(_quarantine(item, str(exc)))
            continue
        batch.posts.append(post)
        batch.interactions.extend(interactions)
        if post.author_id is not None:
            seen = latest_post_by_author.get(post.author_id)
            if seen is None or post.created_at > seen:
                latest_post_by_author[post.author_id] = post.created_at

    for author_id, observed_at in latest_post_by_author.items():
        user = users.get(author_id)
        batch.authors.append(_author(user) if user else Author(platform="x", platform_id=author_id))
        if user and isinstance(user.get("public_metrics"), dict):
            try:
                batch.snapshots.append(_snapshot(user, observed_at))
            except NormalizationError as exc:
                batch.quarantined.append(_quarantine(user, str(exc)))
    # Authors only reached through interactions still need a row for the graph.
    known = {a.platform_id for a in batch.authors}
    for interaction in batch.interactions:
        target = interaction.target_author_id
        if target and target not in known:
            user = users.get(target)
            batch.authors.append(
                _author(user) if user else Author(platform="x", platform_id=target)
            )
            known.add(target)
    return batch


def _normalize_tweet(
    tweet: Any, referenced: dict[str, dict[str, Any]], ids_by_username: dict[str, str]
) -> tuple[Post, list[Interaction]]:
    if not isinstance(tweet, dict):
        raise NormalizationError(f"tweet must be an object, got {type(tweet).__name__}")
    tweet_id = required_str(tweet, "id", where="tweet")
    if not tweet_id.isdigit():
        raise NormalizationError(f"tweet {tweet_id!r}: id must be numeric")
    where = f"tweet {tweet_id}"
    author_id = required_str(tweet, "author_id", where=where)
    text = text_field(tweet.get("text"), where=where)
    created_at = iso_timestamp(tweet.get("created_at"), where=where)
    metrics = tweet.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise NormalizationError(f"{where}: public_metrics must be an object")

    references = tweet.get("referenced_tweets") or []
    if not isinstance(references, list):
        raise NormalizationError(f"{where}: referenced_tweets must be a list")
    kind: PostKind = "post"
    parent_id: str | None = None
    interactions: list[Interaction] = []
    for ref in references:
        if not isinstance(ref, dict) or ref.get("type") not in _KIND_BY_REFERENCE:
            raise NormalizationError(f"{where}: unknown referenced_tweets entry {ref!r}")
        ref_id = str(ref.get("id", ""))
        ref_kind = _KIND_BY_REFERENCE[ref["type"]]
        # A reply that also quotes is a reply first: that decides its place in the thread.
        if kind == "post" or ref_kind == "reply":
            kind = ref_kind
        if ref_kind in ("reply", "repost"):
            parent_id = ref_id
        target_author = _referenced_author(tweet, ref, referenced, ids_by_username, text)
        interactions.append(
            Interaction(
                platform="x",
                kind=ref_kind,
                source_post_id=tweet_id,
                source_author_id=author_id,
                created_at=created_at,
                target_post_id=ref_id,
                target_author_id=target_author,
            )
        )
    interactions.extend(_mentions(tweet, tweet_id, author_id, created_at, where))

    post = Post(
        platform="x",
        platform_id=tweet_id,
        author_id=author_id,
        kind=kind,
        text=text,
        created_at=created_at,
        raw=tweet,
        lang_hint=tweet.get("lang") if isinstance(tweet.get("lang"), str) else None,
        url=f"https://x.com/i/web/status/{tweet_id}",
        conversation_id=str(tweet.get("conversation_id") or tweet_id),
        parent_id=parent_id,
        like_count=optional_int(metrics, "like_count", where=where),
        repost_count=optional_int(metrics, "retweet_count", where=where),
        reply_count=optional_int(metrics, "reply_count", where=where),
        quote_count=optional_int(metrics, "quote_count", where=where),
        impression_count=optional_int(metrics, "impression_count", where=where),
    )
    return post, interactions


def _referenced_author(
    tweet: dict[str, Any],
    ref: dict[str, Any],
    referenced: dict[str, dict[str, Any]],
    ids_by_username: dict[str, str],
    text: str,
) -> str:
    original = referenced.get(str(ref.get("id")))
    if original and isinstance(original.get("author_id"), str):
        return original["author_id"]
    if ref["type"] == "replied_to" and isinstance(tweet.get("in_reply_to_user_id"), str):
        return tweet["in_reply_to_user_id"]
    # The original may be missing from includes (deleted or protected); a retweet's text
    # still names its author.
    match = _RETWEET_PREFIX.match(text) if ref["type"] == "retweeted" else None
    if match:
        return ids_by_username.get(match.group(1).lower(), "")
    return ""


def _mentions(
    tweet: dict[str, Any], tweet_id: str, author_id: str, created_at: datetime, where: str
) -> list[Interaction]:
    entities = tweet.get("entities") or {}
    mentions = entities.get("mentions", []) if isinstance(entities, dict) else []
    if not isinstance(mentions, list):
        raise NormalizationError(f"{where}: entities.mentions must be a list")
    found: dict[str, Interaction] = {}
    for mention in mentions:
        target = mention.get("id") if isinstance(mention, dict) else None
        if isinstance(target, str) and target and target != author_id:
            found[target] = Interaction(
                platform="x",
                kind="mention",
                source_post_id=tweet_id,
                source_author_id=author_id,
                created_at=created_at,
                target_author_id=target,
            )
    return list(found.values())


def _author(user: dict[str, Any]) -> Author:
    created = user.get("created_at")
    try:
        created_at = iso_timestamp(created, where="user") if created else None
    except NormalizationError:
        created_at = None
    return Author(
        platform="x",
        platform_id=str(user["id"]),
        username=user.get("username"),
        display_name=user.get("name"),
        description=user.get("description"),
        location=user.get("location"),
        verified=user.get("verified"),
        created_at=created_at,
    )


def _snapshot(user: dict[str, Any], observed_at: datetime) -> AuthorSnapshot:
    metrics = user["public_metrics"]
    where = f"user {user['id']}"
    return AuthorSnapshot(
        platform="x",
        author_id=str(user["id"]),
        observed_at=observed_at,
        followers=optional_int(metrics, "followers_count", where=where),
        following=optional_int(metrics, "following_count", where=where),
        post_count=optional_int(metrics, "tweet_count", where=where),
        listed_count=optional_int(metrics, "listed_count", where=where),
    )


def _quarantine(item: Any, reason: str) -> Quarantined:
    payload = json.dumps(item, ensure_ascii=True, sort_keys=True, default=str)
    return Quarantined(platform="x", payload=payload, reason=reason)
