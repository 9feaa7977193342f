"""Normalise Reddit API bodies: subreddit listings, comment pages and user profiles."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from echolot.models import Author, AuthorSnapshot, Batch, Interaction, Post, Quarantined
from ingest.validation import (
    NormalizationError,
    epoch_timestamp,
    optional_int,
    required_str,
    text_field,
)

# Reddit shows these in place of the body or author once a user or moderator removed them.
_GONE = {"[deleted]", "[removed]"}
_USER_MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})")


def normalize_body(body: Any, *, observed_at: datetime | None = None) -> Batch:
    """One API response body: a Listing, a [submission, comments] pair, or a t2 profile."""
    batch = Batch()
    _collect(body, batch, observed_at)
    link_interactions(batch)
    return batch


def _collect(body: Any, batch: Batch, observed_at: datetime | None) -> None:
    if isinstance(body, list):
        for listing in body:
            _collect(listing, batch, observed_at)
    elif isinstance(body, dict) and body.get("kind") == "Listing":
        for child in (body.get("data") or {}).get("children", []):
            _normalize_thing(child, batch)
    elif isinstance(body, dict) and body.get("kind") == "t2":
        _normalize_profile(body, batch, observed_at)
    else:
        batch.quarantined.append(_quarantine(body, "not a Reddit Listing, comment page or user"))


def _normalize_thing(thing: Any, batch: Batch) -> None:
    kind = thing.get("kind") if isinstance(thing, dict) else None
    if kind == "more":
        # Unexpanded comments: the API connector expands these with replace_more.
        return
    if kind not in ("t3", "t1"):
        batch.quarantined.append(_quarantine(thing, f"unexpected Reddit thing kind {kind!r}"))
        return
    data = thing.get("data")
    try:
        if not isinstance(data, dict):
            raise NormalizationError(f"{kind}: data must be an object")
        post = _submission(data) if kind == "t3" else _comment(data)
    except NormalizationError as exc:
        batch.quarantined.append(_quarantine(thing, str(exc)))
        return
    batch.posts.append(post)
    if post.author_id is not None:
        batch.authors.append(
            Author(platform="reddit", platform_id=post.author_id, username=data.get("author"))
        )
    if kind == "t1":
        batch.interactions.append(
            Interaction(
                platform="reddit",
                kind="reply",
                source_post_id=post.platform_id,
                source_author_id=post.author_id,
                created_at=post.created_at,
                target_post_id=post.parent_id or "",
            )
        )
        replies = data.get("replies")
        if isinstance(replies, dict):
            for child in (replies.get("data") or {}).get("children", []):
                _normalize_thing(child, batch)


def _common(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    raw_id = required_str(data, "id", where=prefix)
    where = f"{prefix}_{raw_id}"
    author = data.get("author")
    author_id = None
    if author not in _GONE and isinstance(data.get("author_fullname"), str):
        author_id = data["author_fullname"]
    permalink = data.get("permalink")
    return {
        "platform": "reddit",
        "platform_id": f"{prefix}_{raw_id}",
        "author_id": author_id,
        "created_at": epoch_timestamp(data.get("created_utc"), where=where),
        "raw": data,
        "url": f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None,
        "score": optional_int(data, "score", where=where),
        "like_count": optional_int(data, "ups", where=where),
    }


def _submission(data: dict[str, Any]) -> Post:
    fields = _common(data, "t3")
    where = fields["platform_id"]
    title = text_field(data.get("title", ""), where=where, key="title")
    body = text_field(data.get("selftext", "") or "", where=where, key="selftext")
    body = "" if body in _GONE else body
    return Post(
        **fields,
        kind="submission",
        title=title,
        text=f"{title}\n\n{body}".strip(),
        conversation_id=fields["platform_id"],
        reply_count=optional_int(data, "num_comments", where=where),
    )


def _comment(data: dict[str, Any]) -> Post:
    fields = _common(data, "t1")
    where = fields["platform_id"]
    body = text_field(data.get("body", ""), where=where, key="body")
    return Post(
        **fields,
        kind="comment",
        text="" if body in _GONE else body,
        conversation_id=required_str(data, "link_id", where=where),
        parent_id=required_str(data, "parent_id", where=where),
    )


def _normalize_profile(body: dict[str, Any], batch: Batch, observed_at: datetime | None) -> None:
    data = body.get("data")
    try:
        if not isinstance(data, dict):
            raise NormalizationError("t2: data must be an object")
        author_id = "t2_" + required_str(data, "id", where="t2")
        where = author_id
        created = data.get("created_utc")
        author = Author(
            platform="reddit",
            platform_id=author_id,
            username=required_str(data, "name", where=where),
            verified=data.get("verified") if isinstance(data.get("verified"), bool) else None,
            created_at=epoch_timestamp(created, where=where) if created is not None else None,
        )
        karma = optional_int(data, "total_karma", where=where)
        if karma is None:
            link = optional_int(data, "link_karma", where=where) or 0
            karma = link + (optional_int(data, "comment_karma", where=where) or 0)
    except NormalizationError as exc:
        batch.quarantined.append(_quarantine(body, str(exc)))
        return
    batch.authors.append(author)
    if observed_at is not None:
        batch.snapshots.append(
            AuthorSnapshot(
                platform="reddit", author_id=author_id, observed_at=observed_at, karma=karma
            )
        )


def link_interactions(batch: Batch) -> None:
    """Resolve who a comment replied to and whom u/name mentions, from what the batch knows.

    Safe to call again on a merged batch: interactions are keyed, so nothing is doubled.
    """
    by_name = {a.username.lower(): a.platform_id for a in batch.authors if a.username}
    parent_author = {p.platform_id: p.author_id for p in batch.posts}
    resolved: list[Interaction] = []
    for interaction in batch.interactions:
        # Fill in the replied-to author now that the whole tree is known.
        target_author = parent_author.get(interaction.target_post_id) or ""
        resolved.append(
            Interaction(**{**interaction.__dict__, "target_author_id": target_author})
            if interaction.kind == "reply" and not interaction.target_author_id
            else interaction
        )
    for post in batch.posts:
        for name in dict.fromkeys(_USER_MENTION.findall(post.text)):
            target = by_name.get(name.lower())
            if target and target != post.author_id:
                resolved.append(
                    Interaction(
                        platform="reddit",
                        kind="mention",
                        source_post_id=post.platform_id,
                        source_author_id=post.author_id,
                        created_at=post.created_at,
                        target_author_id=target,
                    )
                )
    keyed = {(i.kind, i.source_post_id, i.target_post_id, i.target_author_id): i for i in resolved}
    batch.interactions = list(keyed.values())


def _quarantine(item: Any, reason: str) -> Quarantined:
    payload = json.dumps(item, ensure_ascii=True, sort_keys=True, default=str)
    return Quarantined(platform="reddit", payload=payload, reason=reason)
