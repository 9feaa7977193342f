"""Normalise Bluesky (AT Protocol) response bodies into posts, authors and interactions.

Shapes read: `app.bsky.feed.searchPosts` ({posts: [postView]}), `app.bsky.feed.getAuthorFeed`
({feed: [{post, reply?, reason?}]}) and `app.bsky.actor.getProfiles` ({profiles: [...]}).
A post is keyed by its `at://` URI; authors by DID, with the handle as username. A repost is
a feed item whose `reason` is `reasonRepost`: it becomes a repost post of the reposter (Bluesky
gives it no record of its own, so its id is `<post uri>#repost:<reposter did>`). Quotes come from
`app.bsky.embed.record` embeds, replies from `record.reply.parent`, mentions from facets.
Bluesky posts cannot be edited; a deleted quoted post is a `viewNotFound` record.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from echolot.models import Author, AuthorSnapshot, PostKind
from ingest.records import Page, Unavailable, VersionedPost, edge, guarded, quarantined
from ingest.sanitize import clean_json, optional_text
from ingest.validation import (
    NormalizationError,
    informative_timestamp,
    iso_timestamp,
    optional_int,
    text_field,
)

PLATFORM = "bluesky"
_REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
_MENTION = "app.bsky.richtext.facet#mention"
_GONE = ("app.bsky.embed.record#viewNotFound", "app.bsky.embed.record#viewBlocked",
         "app.bsky.embed.record#viewDetached")  # fmt: skip


def read_body(body: Any, observed_at: datetime | None = None) -> Page:
    """One response body of searchPosts, getAuthorFeed or getProfiles."""
    page = Page()
    if not isinstance(body, dict):
        page.batch.quarantined.append(quarantined(PLATFORM, body, "Bluesky body must be an object"))
        return page
    items: list[tuple[Any, Any]] = []
    if isinstance(body.get("posts"), list):
        items = [(post, None) for post in body["posts"]]
    elif isinstance(body.get("feed"), list):
        items = [
            (entry.get("post"), entry.get("reason")) if isinstance(entry, dict) else (entry, None)
            for entry in body["feed"]
        ]
    for post, reason in items:
        outcome = guarded(PLATFORM, post, "bluesky post", lambda p, r=reason: _read(p, r, page))
        if isinstance(outcome, tuple):
            for record in outcome:
                page.batch.posts.append(record)
        else:
            page.batch.quarantined.append(outcome)
    for profile in body.get("profiles") or []:
        if isinstance(profile, dict) and isinstance(profile.get("did"), str):
            page.batch.authors.append(_author(profile))
            if observed_at is not None:
                page.batch.snapshots.append(_snapshot(profile, observed_at))
    return page


def _read(view: Any, reason: Any, page: Page) -> tuple[VersionedPost, ...]:
    if not isinstance(view, dict):
        raise NormalizationError(f"bluesky post must be an object, got {type(view).__name__}")
    uri = view.get("uri")
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise NormalizationError("bluesky post: missing at:// uri")
    where = f"bluesky post {uri[:120]}"
    record = view.get("record")
    if not isinstance(record, dict):
        raise NormalizationError(f"{where}: record must be an object")
    text = text_field(record.get("text", ""), where=where)
    view = clean_json(view)
    record = view["record"]
    author = view.get("author")
    if not isinstance(author, dict) or not isinstance(author.get("did"), str):
        raise NormalizationError(f"{where}: author.did missing")
    did = author["did"]
    created_at = iso_timestamp(record.get("createdAt"), where=where, key="record.createdAt")
    kind: PostKind = "post"
    parent_id = None
    interactions = []
    reply = record.get("reply")
    if isinstance(reply, dict) and isinstance(reply.get("parent"), dict):
        parent_id = reply["parent"].get("uri")
        if isinstance(parent_id, str):
            kind = "reply"
            interactions.append(_edge("reply", uri, did, created_at, parent_id, _did_of(parent_id)))
    quoted = _quoted(view, page, where)
    if quoted:
        kind = "quote" if kind == "post" else kind
        interactions.append(_edge("quote", uri, did, created_at, quoted, _did_of(quoted)))
    for target in _mentions(record):
        if target != did:
            interactions.append(_edge("mention", uri, did, created_at, "", target))
    root = reply.get("root", {}).get("uri") if isinstance(reply, dict) else None
    post = VersionedPost(
        platform=PLATFORM,
        platform_id=uri,
        author_id=did,
        kind=kind,
        text=text.replace("\x00", ""),
        created_at=created_at,
        raw=view,
        lang_hint=_lang(record),
        url=_web_url(author, uri),
        conversation_id=root if isinstance(root, str) else uri,
        parent_id=parent_id if isinstance(parent_id, str) else None,
        like_count=optional_int(view, "likeCount", where=where),
        repost_count=optional_int(view, "repostCount", where=where),
        reply_count=optional_int(view, "replyCount", where=where),
        quote_count=optional_int(view, "quoteCount", where=where),
    )
    page.batch.authors.append(_author(author))
    page.batch.interactions.extend(interactions)
    posts = [post]
    if isinstance(reason, dict) and reason.get("$type") == _REPOST_REASON:
        posts.append(_repost(post, clean_json(reason), page, where))
    return tuple(posts)


def _repost(
    original: VersionedPost, reason: dict[str, Any], page: Page, where: str
) -> VersionedPost:
    by = reason.get("by")
    if not isinstance(by, dict) or not isinstance(by.get("did"), str):
        raise NormalizationError(f"{where}: repost without by.did")
    reposted_at = iso_timestamp(reason.get("indexedAt"), where=where, key="reason.indexedAt")
    repost_id = f"{original.platform_id}#repost:{by['did']}"
    page.batch.authors.append(_author(by))
    page.batch.interactions.append(
        _edge("repost", repost_id, by["did"], reposted_at, original.platform_id, original.author_id)
    )
    return VersionedPost(
        platform=PLATFORM,
        platform_id=repost_id,
        author_id=by["did"],
        kind="repost",
        text=original.text,
        created_at=reposted_at,
        raw={"reason": reason, "subject": original.platform_id},
        conversation_id=original.conversation_id,
        parent_id=original.platform_id,
    )


def _quoted(view: dict[str, Any], page: Page, where: str) -> str | None:
    """The quoted post's URI (embed record, or recordWithMedia); a deleted one is recorded."""
    embed = view.get("embed")
    if not isinstance(embed, dict):
        return None
    inner = embed.get("record")
    if isinstance(inner, dict) and isinstance(inner.get("record"), dict):
        inner = inner["record"]  # app.bsky.embed.recordWithMedia#view
    if not isinstance(inner, dict) or not isinstance(inner.get("uri"), str):
        return None
    if inner.get("$type") in _GONE:
        state = str(inner["$type"]).rsplit("#view", 1)[-1].lower()
        page.unavailable.append(Unavailable(PLATFORM, "post", inner["uri"], f"quoted post {state}"))
    return inner["uri"]


def _mentions(record: dict[str, Any]) -> list[str]:
    found = []
    for facet in record.get("facets") or []:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            is_mention = isinstance(feature, dict) and feature.get("$type") == _MENTION
            if is_mention and isinstance(feature.get("did"), str):
                found.append(feature["did"])
    return list(dict.fromkeys(found))


_edge = partial(edge, PLATFORM)


def _did_of(uri: str) -> str:
    """at://did:plc:abc/app.bsky.feed.post/xyz -> did:plc:abc."""
    rest = uri[len("at://") :] if uri.startswith("at://") else ""
    did = rest.split("/", 1)[0]
    return did if did.startswith("did:") else ""


def _lang(record: dict[str, Any]) -> str | None:
    langs = record.get("langs")
    return langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None


def _web_url(author: dict[str, Any], uri: str) -> str:
    handle = author.get("handle") if isinstance(author.get("handle"), str) else author["did"]
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


def _author(profile: dict[str, Any]) -> Author:
    created_at = informative_timestamp(profile.get("createdAt"))
    return Author(
        platform=PLATFORM,
        platform_id=profile["did"],
        username=optional_text(profile.get("handle")),
        display_name=optional_text(profile.get("displayName")),
        description=optional_text(profile.get("description")),
        created_at=created_at,
    )


def _snapshot(profile: dict[str, Any], observed_at: datetime) -> AuthorSnapshot:
    counts = {k: profile.get(k) for k in ("followersCount", "followsCount", "postsCount")}
    numbers = {k: v if isinstance(v, int) and not isinstance(v, bool) else None
               for k, v in counts.items()}  # fmt: skip
    return AuthorSnapshot(
        platform=PLATFORM,
        author_id=profile["did"],
        observed_at=observed_at,
        followers=numbers["followersCount"],
        following=numbers["followsCount"],
        post_count=numbers["postsCount"],
    )
