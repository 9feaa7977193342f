"""Normalise Mastodon statuses (the REST API's Status entity) into posts and interactions.

A status is keyed by its URI (unique across the fediverse, so the same post seen through two
instances is one post); authors by their account URL, with `acct` as username. Content is HTML
and becomes text (paragraphs and line breaks kept, links as their text). A boost is a status
whose `reblog` holds the original: a repost of it. Replies come from `in_reply_to_id` (resolved
to the parent's URI when the page holds it), mentions from `mentions[]`. An edited status
(`edited_at`) supersedes the earlier version.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from functools import partial
from typing import Any

from echolot.models import Author, AuthorSnapshot, PostKind
from ingest.records import Page, VersionedPost, edge, guarded, quarantined
from ingest.sanitize import clean_json, clean_text, optional_text
from ingest.validation import (
    NormalizationError,
    informative_timestamp,
    iso_timestamp,
    optional_int,
    text_field,
)

PLATFORM = "mastodon"
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """Mastodon's status HTML as plain text: one entity decode, paragraphs as blank lines."""
    text = _PARAGRAPH.sub("\n\n", content)
    text = _BREAK.sub("\n", text)
    return html.unescape(_TAG.sub("", text)).strip()


def read_statuses(body: Any, known: dict[str, dict[str, str]] | None = None) -> Page:
    """A list of statuses (a timeline page) or a v2 search result ({statuses: [...]}).

    `known` carries instance-local status and account ids seen on earlier pages of the run
    (a reply on page 2 to a status of page 1); it is updated with this page's."""
    page = Page()
    statuses = body.get("statuses") if isinstance(body, dict) else body
    if not isinstance(statuses, list):
        reason = "Mastodon body must be a list of statuses or a search result"
        page.batch.quarantined.append(quarantined(PLATFORM, body, reason))
        return page
    context = _Context(statuses, known if known is not None else {})
    for status in statuses:
        outcome = guarded(PLATFORM, status, "status", lambda s: _read(s, page, context))
        if isinstance(outcome, tuple):
            page.batch.posts.extend(outcome)
        else:
            page.batch.quarantined.append(outcome)
    return page


class _Context:
    """Instance-local ids of the page's statuses and accounts -> their global URIs and URLs."""

    def __init__(self, statuses: list[Any], known: dict[str, dict[str, str]]) -> None:
        self.statuses: dict[str, str] = known.setdefault("statuses", {})
        self.accounts: dict[str, str] = known.setdefault("accounts", {})
        for status in statuses:
            for item in (status, status.get("reblog") if isinstance(status, dict) else None):
                if not isinstance(item, dict):
                    continue
                if isinstance(item.get("id"), str) and isinstance(item.get("uri"), str):
                    self.statuses[item["id"]] = item["uri"]
                account = item.get("account")
                if isinstance(account, dict) and isinstance(account.get("id"), str):
                    url = account.get("url")
                    self.accounts[account["id"]] = url if isinstance(url, str) else ""


def _read(status: Any, page: Page, context: _Context) -> tuple[VersionedPost, ...]:
    if not isinstance(status, dict):
        raise NormalizationError(f"status must be an object, got {type(status).__name__}")
    uri = status.get("uri")
    if not isinstance(uri, str) or not uri:
        raise NormalizationError("status: missing uri")
    where = f"status {uri[:120]}"
    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        (original,) = _read(reblog, page, context)
        return original, _boost(clean_json(status), original, where, page)
    content = text_field(status.get("content", ""), where=where, key="content")
    status = clean_json(status)
    created_at = iso_timestamp(status.get("created_at"), where=where)
    author = _account(status.get("account"), where, page, created_at)
    edited = status.get("edited_at")
    revision_at = iso_timestamp(edited, where=where, key="edited_at") if edited else created_at
    kind: PostKind = "post"
    parent = None
    interactions = []
    if isinstance(status.get("in_reply_to_id"), str):
        kind = "reply"
        parent = context.statuses.get(status["in_reply_to_id"]) or status["in_reply_to_id"]
        target = context.accounts.get(str(status.get("in_reply_to_account_id")), "")
        interactions.append(_edge("reply", uri, author, created_at, parent, target))
    for mention in status.get("mentions") or []:
        if isinstance(mention, dict) and isinstance(mention.get("url"), str):
            page.batch.authors.append(_bare_author(mention))
            if mention["url"] != author:
                interactions.append(_edge("mention", uri, author, created_at, "", mention["url"]))
    spoiler = status.get("spoiler_text")
    post = VersionedPost(
        platform=PLATFORM,
        platform_id=uri,
        author_id=author,
        kind=kind,
        text=clean_text(html_to_text(content)),
        title=spoiler if isinstance(spoiler, str) and spoiler else None,
        created_at=created_at,
        raw=status,
        lang_hint=status.get("language") if isinstance(status.get("language"), str) else None,
        url=status.get("url") if isinstance(status.get("url"), str) else uri,
        conversation_id=parent or uri,
        parent_id=parent,
        like_count=optional_int(status, "favourites_count", where=where),
        repost_count=optional_int(status, "reblogs_count", where=where),
        reply_count=optional_int(status, "replies_count", where=where),
        revision=int(revision_at.timestamp() * 1000),
    )
    page.batch.interactions.extend(interactions)
    return (post,)


def _boost(status: dict, original: VersionedPost, where: str, page: Page) -> VersionedPost:
    uri = status.get("uri")
    created_at = iso_timestamp(status.get("created_at"), where=where)
    booster = _account(status.get("account"), where, page, created_at)
    page.batch.interactions.append(
        _edge("repost", uri, booster, created_at, original.platform_id, original.author_id)
    )
    return VersionedPost(
        platform=PLATFORM,
        platform_id=uri,
        author_id=booster,
        kind="repost",
        text=original.text,
        created_at=created_at,
        raw={k: v for k, v in status.items() if k != "reblog"} | {"reblog": original.platform_id},
        url=status.get("url") if isinstance(status.get("url"), str) else uri,
        conversation_id=original.conversation_id,
        parent_id=original.platform_id,
        revision=int(created_at.timestamp() * 1000),
    )


def _account(account: Any, where: str, page: Page, observed_at: datetime) -> str:
    """The account's URL (its id across instances); its follower count as of the status."""
    if not isinstance(account, dict) or not isinstance(account.get("url"), str):
        raise NormalizationError(f"{where}: account.url missing")
    created_at = informative_timestamp(account.get("created_at"))
    note = account.get("note")
    page.batch.authors.append(
        Author(
            platform=PLATFORM,
            platform_id=account["url"],
            username=optional_text(account.get("acct")),
            display_name=optional_text(account.get("display_name")),
            description=html_to_text(note) if isinstance(note, str) else None,
            created_at=created_at,
        )
    )
    followers = optional_int(account, "followers_count", where=where)
    if followers is not None:
        page.batch.snapshots.append(
            AuthorSnapshot(
                platform=PLATFORM,
                author_id=account["url"],
                observed_at=observed_at,
                followers=followers,
                following=optional_int(account, "following_count", where=where),
                post_count=optional_int(account, "statuses_count", where=where),
            )
        )
    return account["url"]


def _bare_author(mention: dict[str, Any]) -> Author:
    username = optional_text(mention.get("acct"))
    return Author(platform=PLATFORM, platform_id=mention["url"], username=username)


_edge = partial(edge, PLATFORM)
