"""Normalise X API v2 search response pages into posts, authors and interactions.

Every tweet is read on its own: whatever one contains, it is stored or quarantined with a
reason and the rest of the page is stored. Long posts carry their full text in `note_tweet`;
text arrives HTML-escaped (&amp; &lt; &gt;) and is decoded once. An edited post keeps the id
of its first version (`edit_history_tweet_ids[0]`) so all versions are one post; the newest
version (the last in its history) wins.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from echolot.models import Author, AuthorSnapshot, Batch, Interaction, PostKind
from ingest.records import Page, Unavailable, VersionedPost, guarded, quarantined
from ingest.sanitize import clean_json, optional_text, unescape_once
from ingest.validation import (
    NormalizationError,
    informative_timestamp,
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
    return read_page(page).batch


def read_page(page: Any) -> Page:
    """Like `normalize_page`, with the page's `errors` (unavailable posts and users) as well."""
    result = Page()
    if not isinstance(page, dict):
        result.batch.quarantined.append(quarantined("x", page, "X page must be a JSON object"))
        return result
    data, includes = page.get("data"), page.get("includes")
    if data is not None and not isinstance(data, list):
        reason = f"X page: data must be a list, got {type(data).__name__}"
        result.batch.quarantined.append(quarantined("x", data, reason))
        data = []
    includes = includes if isinstance(includes, dict) else {}
    users = {u["id"]: u for u in _list(includes.get("users")) if isinstance(u.get("id"), str)}
    ids_by_username = {
        u["username"].lower(): uid for uid, u in users.items() if isinstance(u.get("username"), str)
    }
    referenced = [t for t in _list(includes.get("tweets")) if isinstance(t.get("id"), str)]
    items = [*(data or []), *referenced]
    canonical = _canonical_ids(items)
    context = _Context({t["id"]: t for t in referenced}, ids_by_username, canonical)
    latest_post_by_author: dict[str, datetime] = {}
    batch = result.batch
    for item in items:
        outcome = guarded("x", item, "tweet", lambda t: _normalize_tweet(t, context))
        if not isinstance(outcome, tuple):
            batch.quarantined.append(outcome)
            continue
        post, interactions = outcome
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
                batch.quarantined.append(quarantined("x", user, str(exc)))
    # Authors only reached through interactions still need a row for the graph.
    known = {a.platform_id for a in batch.authors}
    for interaction in batch.interactions:
        target = interaction.target_author_id
        if target and target not in known:
            user = users.get(target)
            author = _author(user) if user else Author(platform="x", platform_id=target)
            batch.authors.append(author)
            known.add(target)
    result.unavailable.extend(_errors(page.get("errors")))
    return result


class _Context:
    def __init__(
        self, referenced: dict[str, dict], ids_by_username: dict[str, str], canonical: dict
    ) -> None:
        self.referenced = referenced
        self.ids_by_username = ids_by_username
        self.canonical = canonical  # any version id -> the id of the first version


def _list(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list that may be null or hold junk (`includes.users: null`)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _history(tweet: dict[str, Any]) -> list[str]:
    ids = tweet.get("edit_history_tweet_ids")
    if isinstance(ids, list) and ids and all(isinstance(i, str) and i.isdigit() for i in ids):
        return ids
    return []


def _canonical_ids(items: list[Any]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        if isinstance(item, dict):
            history = _history(item)
            for version in history:
                mapping[version] = history[0]
    return mapping


def _normalize_tweet(tweet: Any, context: _Context) -> tuple[VersionedPost, list[Interaction]]:
    if not isinstance(tweet, dict):
        raise NormalizationError(f"tweet must be an object, got {type(tweet).__name__}")
    tweet_id = required_str(tweet, "id", where="tweet")
    if not tweet_id.isdigit():
        raise NormalizationError(f"tweet {tweet_id[:40]!r}: id must be numeric")
    where = f"tweet {tweet_id}"
    note = tweet.get("note_tweet")
    full_text = note.get("text") if isinstance(note, dict) else None
    # Checked before cleaning: a post whose own text is broken is quarantined, not guessed at.
    text = text_field(full_text if isinstance(full_text, str) else tweet.get("text"), where=where)
    raw = clean_json(tweet)
    author_id = required_str(raw, "author_id", where=where)
    created_at = iso_timestamp(raw.get("created_at"), where=where)
    metrics = raw.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise NormalizationError(f"{where}: public_metrics must be an object")
    post_id = context.canonical.get(tweet_id, tweet_id)
    history = _history(raw)

    references = raw.get("referenced_tweets") or []
    if not isinstance(references, list):
        raise NormalizationError(f"{where}: referenced_tweets must be a list")
    kind: PostKind = "post"
    parent_id: str | None = None
    interactions: list[Interaction] = []
    for ref in references:
        if not isinstance(ref, dict) or ref.get("type") not in _KIND_BY_REFERENCE:
            shown = ref.get("type") if isinstance(ref, dict) else type(ref).__name__
            raise NormalizationError(f"{where}: unknown referenced_tweets entry {str(shown)[:40]}")
        ref_id = str(ref.get("id", ""))
        ref_id = context.canonical.get(ref_id, ref_id)
        ref_kind = _KIND_BY_REFERENCE[ref["type"]]
        # A reply that also quotes is a reply first: that decides its place in the thread.
        if kind == "post" or ref_kind == "reply":
            kind = ref_kind
        if ref_kind in ("reply", "repost"):
            parent_id = ref_id
        interactions.append(
            Interaction(
                platform="x",
                kind=ref_kind,
                source_post_id=post_id,
                source_author_id=author_id,
                created_at=created_at,
                target_post_id=ref_id,
                target_author_id=_referenced_author(raw, ref, context, text),
            )
        )
    entities = [raw.get("entities"), note.get("entities") if isinstance(note, dict) else None]
    interactions.extend(_mentions(entities, post_id, author_id, created_at, where))

    post = VersionedPost(
        platform="x",
        platform_id=post_id,
        author_id=author_id,
        kind=kind,
        text=unescape_once(text.replace("\x00", "")),
        created_at=created_at,
        raw=raw,
        lang_hint=raw.get("lang") if isinstance(raw.get("lang"), str) else None,
        url=f"https://x.com/i/web/status/{tweet_id}",
        conversation_id=str(raw.get("conversation_id") or post_id),
        parent_id=parent_id,
        like_count=optional_int(metrics, "like_count", where=where),
        repost_count=optional_int(metrics, "retweet_count", where=where),
        reply_count=optional_int(metrics, "reply_count", where=where),
        quote_count=optional_int(metrics, "quote_count", where=where),
        impression_count=optional_int(metrics, "impression_count", where=where),
        # Every edit gets a new id, appended to the history: its place there is its version.
        revision=history.index(tweet_id) if tweet_id in history else 0,
    )
    return post, interactions


def _referenced_author(
    tweet: dict[str, Any], ref: dict[str, Any], context: _Context, text: str
) -> str:
    original = context.referenced.get(str(ref.get("id")))
    if original and isinstance(original.get("author_id"), str):
        return original["author_id"]
    if ref["type"] == "replied_to" and isinstance(tweet.get("in_reply_to_user_id"), str):
        return tweet["in_reply_to_user_id"]
    # The original may be missing from includes (deleted or protected); a retweet's text
    # still names its author.
    match = _RETWEET_PREFIX.match(text) if ref["type"] == "retweeted" else None
    if match:
        return context.ids_by_username.get(match.group(1).lower(), "")
    return ""


def _mentions(
    entity_sets: list[Any], post_id: str, author_id: str, created_at: datetime, where: str
) -> list[Interaction]:
    found: dict[str, Interaction] = {}
    for entities in entity_sets:
        mentions = entities.get("mentions", []) if isinstance(entities, dict) else []
        if not isinstance(mentions, list):
            raise NormalizationError(f"{where}: entities.mentions must be a list")
        for mention in mentions:
            target = mention.get("id") if isinstance(mention, dict) else None
            if isinstance(target, str) and target and target != author_id:
                found[target] = Interaction(
                    platform="x",
                    kind="mention",
                    source_post_id=post_id,
                    source_author_id=author_id,
                    created_at=created_at,
                    target_author_id=target,
                )
    return list(found.values())


def _author(user: dict[str, Any]) -> Author:
    created_at = informative_timestamp(user.get("created_at"))
    return Author(
        platform="x",
        platform_id=str(user["id"]),
        username=optional_text(user.get("username")),
        display_name=optional_text(user.get("name")),
        description=optional_text(user.get("description")),
        location=optional_text(user.get("location")),
        verified=user.get("verified") if isinstance(user.get("verified"), bool) else None,
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


def _errors(errors: Any) -> list[Unavailable]:
    """The page's `errors`: referenced posts or authors X could not return, and why."""
    found = []
    for error in _list(errors):
        resource = error.get("resource_id") or error.get("value")
        kind = {"tweet": "post", "user": "author"}.get(str(error.get("resource_type")))
        if not isinstance(resource, str) or kind is None:
            continue
        reason = " — ".join(
            optional_text(error.get(k)) or "" for k in ("title", "detail") if error.get(k)
        )
        found.append(Unavailable("x", kind, resource, reason or "unavailable"))
    return found
