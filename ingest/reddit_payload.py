"""Normalise Reddit API bodies: subreddit listings, comment pages and user profiles.

Each thing is read on its own (a NUL in a flair or a surrogate in a name costs nothing, a broken
thing is quarantined alone). Bodies and titles arrive HTML-escaped, some twice; they are decoded.
A comment or submission edited later (`edited`: the edit time) supersedes the version stored
before, and an older body replayed afterwards does not revert it. Listings recorded before 2018
carry no `author_fullname`: such authors are keyed by name until their profile gives the id.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from echolot.models import Author, AuthorSnapshot, Batch, Interaction
from ingest.records import NAME_ID_PREFIX, Page, VersionedPost, guarded, quarantined
from ingest.sanitize import clean_json, unescape_reddit
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
    return read_body(body, observed_at=observed_at).batch


def read_body(body: Any, *, observed_at: datetime | None = None) -> Page:
    """Like `normalize_body`, also counting the unexpanded `more` stubs it left out."""
    page = Page()
    _collect(body, page, observed_at, depth=0)
    page.batch.posts = _merge_revisions(page.batch.posts)
    link_interactions(page.batch)
    return page


def _collect(body: Any, page: Page, observed_at: datetime | None, depth: int) -> None:
    if isinstance(body, list) and depth == 0:
        for listing in body:
            _collect(listing, page, observed_at, depth + 1)
    elif isinstance(body, dict) and body.get("kind") == "Listing":
        for child in _children(body):
            _normalize_thing(child, page, depth=0)
    elif isinstance(body, dict) and body.get("kind") == "t2":
        _normalize_profile(body, page.batch, observed_at)
    else:
        page.batch.quarantined.append(
            quarantined("reddit", body, "not a Reddit Listing, comment page or user")
        )


def _children(listing: dict[str, Any]) -> list[Any]:
    """`data.children` of a Listing; null or junk there means no children, not a crash."""
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    return children if isinstance(children, list) else []


def _normalize_thing(thing: Any, page: Page, depth: int) -> None:
    kind = thing.get("kind") if isinstance(thing, dict) else None
    if kind == "more":
        # Unexpanded comments: the API connector expands up to its limit; count the rest.
        data = thing.get("data")
        count = data.get("count") if isinstance(data, dict) else None
        page.dropped_more += count if isinstance(count, int) and count > 0 else 1
        return
    if kind not in ("t3", "t1"):
        shown = kind[:40] if isinstance(kind, str) else type(kind).__name__
        reason = f"unexpected Reddit thing kind {shown!r}"
        page.batch.quarantined.append(quarantined("reddit", thing, reason))
        return
    outcome = guarded("reddit", thing, kind, lambda t: _read_thing(kind, t))
    if not isinstance(outcome, tuple):
        page.batch.quarantined.append(outcome)
        return
    post, data, original = outcome
    batch = page.batch
    batch.posts.append(post)
    if post.author_id is not None:
        batch.authors.append(
            Author(platform="reddit", platform_id=post.author_id, username=data.get("author"))
        )
    if kind == "t1":
        batch.interactions.append(_edge(post, "reply", post.parent_id or ""))
        replies = data.get("replies")
        if isinstance(replies, dict) and depth < 200:
            for child in _children(replies):
                _normalize_thing(child, page, depth + 1)
    elif original is not None:
        # A crosspost: the original is a post too, and the crosspost amplifies it.
        _normalize_thing({"kind": "t3", "data": original}, page, depth + 1)
        batch.interactions.append(_edge(post, "repost", post.parent_id or ""))


def _edge(post: VersionedPost, kind: str, target: str) -> Interaction:
    return Interaction(
        platform="reddit",
        kind=kind,  # type: ignore[arg-type]
        source_post_id=post.platform_id,
        source_author_id=post.author_id,
        created_at=post.created_at,
        target_post_id=target,
    )


def _read_thing(kind: str, thing: dict[str, Any]) -> tuple[VersionedPost, dict, dict | None]:
    data = thing.get("data")
    if not isinstance(data, dict):
        raise NormalizationError(f"{kind}: data must be an object")
    # The post's own text is checked before cleaning: a broken body is quarantined, not guessed.
    for key in ("title", "selftext", "body"):
        if isinstance(data.get(key), str):
            text_field(data[key], where=f"{kind}_{data.get('id')}", key=key)
    data = clean_json(data)
    if kind == "t1":
        return _comment(data), data, None
    originals = data.get("crosspost_parent_list")
    original = originals[0] if isinstance(originals, list) and originals else None
    return _submission(data), data, original if isinstance(original, dict) else None


def _author_id(data: dict[str, Any]) -> str | None:
    author = data.get("author")
    if not isinstance(author, str) or not author or author in _GONE:
        return None
    fullname = data.get("author_fullname")
    return fullname if isinstance(fullname, str) and fullname else NAME_ID_PREFIX + author


def _revision(data: dict[str, Any], where: str) -> int:
    """Milliseconds of the last edit, or of creation; higher is newer."""
    edited = data.get("edited")
    if isinstance(edited, int | float) and not isinstance(edited, bool) and edited > 0:
        return int(epoch_timestamp(edited, where=where, key="edited").timestamp() * 1000)
    return int(epoch_timestamp(data.get("created_utc"), where=where).timestamp() * 1000)


def _common(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    raw_id = required_str(data, "id", where=prefix)
    where = f"{prefix}_{raw_id}"
    permalink = data.get("permalink")
    return {
        "platform": "reddit",
        "platform_id": f"{prefix}_{raw_id}",
        "author_id": _author_id(data),
        "created_at": epoch_timestamp(data.get("created_utc"), where=where),
        "raw": data,
        "url": f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None,
        "score": optional_int(data, "score", where=where),
        "like_count": optional_int(data, "ups", where=where),
        "revision": _revision(data, where),
    }


def _submission(data: dict[str, Any]) -> VersionedPost:
    fields = _common(data, "t3")
    where = fields["platform_id"]
    title = unescape_reddit(text_field(data.get("title", "") or "", where=where, key="title"))
    body = unescape_reddit(text_field(data.get("selftext", "") or "", where=where, key="selftext"))
    body = "" if body in _GONE else body
    parent = data.get("crosspost_parent")
    return VersionedPost(
        **fields,
        kind="submission",
        title=title,
        text=f"{title}\n\n{body}".strip(),
        conversation_id=fields["platform_id"],
        parent_id=parent if isinstance(parent, str) and parent.startswith("t3_") else None,
        reply_count=optional_int(data, "num_comments", where=where),
    )


def _comment(data: dict[str, Any]) -> VersionedPost:
    fields = _common(data, "t1")
    where = fields["platform_id"]
    body = unescape_reddit(text_field(data.get("body", ""), where=where, key="body"))
    return VersionedPost(
        **fields,
        kind="comment",
        text="" if body in _GONE else body,
        conversation_id=required_str(data, "link_id", where=where),
        parent_id=required_str(data, "parent_id", where=where),
    )


def _normalize_profile(body: dict[str, Any], batch: Batch, observed_at: datetime | None) -> None:
    outcome = guarded("reddit", body, "t2", lambda b: _read_profile(b, observed_at))
    if not isinstance(outcome, tuple):
        batch.quarantined.append(outcome)
        return
    author, snapshot = outcome
    batch.authors.append(author)
    if snapshot is not None:
        batch.snapshots.append(snapshot)


def _read_profile(
    body: dict[str, Any], observed_at: datetime | None
) -> tuple[Author, AuthorSnapshot | None]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise NormalizationError("t2: data must be an object")
    data = clean_json(data)
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
    if observed_at is None:
        return author, None
    snapshot = AuthorSnapshot(
        platform="reddit", author_id=author_id, observed_at=observed_at, karma=karma
    )
    return author, snapshot


def _merge_revisions(posts: list[Any]) -> list[Any]:
    """One post per id: the newest revision (the last copy among equals)."""
    newest: dict[str, Any] = {}
    for post in posts:
        kept = newest.get(post.platform_id)
        if kept is None or post.revision >= kept.revision:
            newest[post.platform_id] = post
    return list(newest.values())


def link_interactions(batch: Batch) -> None:
    """Resolve who a comment replied to and whom u/name mentions, from what the batch knows.

    Authors known only by name take the id their profile or another item gives. Safe to call
    again on a merged batch: interactions are keyed, so nothing is doubled.
    """
    by_name = {
        a.username.lower(): a.platform_id
        for a in batch.authors
        if a.username and not a.platform_id.startswith(NAME_ID_PREFIX)
    }
    _resolve_named_authors(batch, by_name)
    parent_author = {p.platform_id: p.author_id for p in batch.posts}
    resolved: list[Interaction] = []
    for interaction in batch.interactions:
        source_author = _known(interaction.source_author_id, by_name)
        target_author = (
            interaction.target_author_id or parent_author.get(interaction.target_post_id) or ""
        )
        resolved.append(
            Interaction(
                **{
                    **interaction.__dict__,
                    "source_author_id": source_author,
                    "target_author_id": _known(target_author, by_name) or "",
                }
            )
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


def _known(author_id: str | None, by_name: dict[str, str]) -> str | None:
    if author_id and author_id.startswith(NAME_ID_PREFIX):
        return by_name.get(author_id[len(NAME_ID_PREFIX) :].lower(), author_id)
    return author_id


def _resolve_named_authors(batch: Batch, by_name: dict[str, str]) -> None:
    """Posts whose author was known only by name take the id another item of the page gave."""
    if not any(p.author_id and p.author_id.startswith(NAME_ID_PREFIX) for p in batch.posts):
        return
    batch.posts = [
        p
        if _known(p.author_id, by_name) == p.author_id
        else replace(p, author_id=_known(p.author_id, by_name))
        for p in batch.posts
    ]
    batch.authors = [a for a in batch.authors if _known(a.platform_id, by_name) == a.platform_id]
