"""Platform-independent records every stage exchanges."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

# "x" and "reddit" have connectors; file imports may name any other platform.
Platform = str
PostKind = Literal["post", "reply", "repost", "quote", "submission", "comment"]
InteractionKind = Literal["reply", "repost", "quote", "mention"]
# A half-open time range [start, end) in UTC: a data interval, a backfill, a digest period.
Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Author:
    platform: Platform
    platform_id: str
    username: str | None = None
    display_name: str | None = None
    description: str | None = None
    location: str | None = None
    verified: bool | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class AuthorSnapshot:
    """An author's audience as observed at a moment (followers on X, karma on Reddit)."""

    platform: Platform
    author_id: str
    observed_at: datetime
    followers: int | None = None
    following: int | None = None
    post_count: int | None = None
    listed_count: int | None = None
    karma: int | None = None


@dataclass(frozen=True)
class Post:
    platform: Platform
    platform_id: str
    author_id: str | None
    kind: PostKind
    text: str
    created_at: datetime
    raw: dict[str, Any]
    title: str | None = None
    lang_hint: str | None = None
    url: str | None = None
    conversation_id: str | None = None
    parent_id: str | None = None
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None
    score: int | None = None
    impression_count: int | None = None

    @cached_property
    def raw_json(self) -> str:
        """The raw payload as canonical JSON (sorted keys), stored as jsonb and hashed."""
        return json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)

    @property
    def content_hash(self) -> str:
        """Changes when anything we store about the post changes (an edit, new metrics)."""
        return hashlib.sha256(self.raw_json.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Interaction:
    platform: Platform
    kind: InteractionKind
    source_post_id: str
    source_author_id: str | None
    created_at: datetime
    target_post_id: str = ""
    target_author_id: str = ""


@dataclass(frozen=True)
class Quarantined:
    """A payload item that could not be normalised, and why."""

    platform: Platform | None
    payload: str
    reason: str

    @property
    def payload_hash(self) -> str:
        return hashlib.sha256(self.payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Batch:
    """What one page of a source normalises into."""

    posts: list[Post] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    snapshots: list[AuthorSnapshot] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        self.posts.extend(other.posts)
        self.authors.extend(other.authors)
        self.snapshots.extend(other.snapshots)
        self.interactions.extend(other.interactions)
        self.quarantined.extend(other.quarantined)
