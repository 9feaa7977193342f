"""What one page of any source normalises into, beyond the kernel's Batch.

`VersionedPost` carries the post's revision so a newer edit always wins over an older one,
whatever order pages are replayed in; `Unavailable` records what a page said it could not give
(a deleted referenced post, a suspended author, a profile that answered 404).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from echolot.models import Batch, Interaction, InteractionKind, Platform, Post, Quarantined
from ingest.validation import NormalizationError

T = TypeVar("T")
# Author ids of this form are known only by name (Reddit listings before 2018 carry no
# author_fullname); the writer matches them to a stored author of that name.
NAME_ID_PREFIX = "u/"
# Quarantined payloads keep enough to diagnose; a 10 MB hostile item is not kept whole.
MAX_PAYLOAD_CHARS = 200_000


@dataclass(frozen=True)
class VersionedPost(Post):
    """A post with its revision: higher is newer (an X edit's id, Reddit's `edited` time)."""

    revision: int = 0


@dataclass(frozen=True)
class Unavailable:
    platform: str
    resource_type: str  # "post" or "author"
    resource_id: str
    reason: str


@dataclass
class Page:
    """One normalised response body (or file chunk) of a source."""

    batch: Batch = field(default_factory=Batch)
    unavailable: list[Unavailable] = field(default_factory=list)
    # "Load more comments" stubs left unexpanded (beyond the limit, or in a recorded body).
    dropped_more: int = 0

    def extend(self, other: Page) -> None:
        self.batch.extend(other.batch)
        self.unavailable.extend(other.unavailable)
        self.dropped_more += other.dropped_more


def edge(platform: Platform, kind: InteractionKind, source: str, author: str | None, at: datetime,
         target: str, target_author: str | None) -> Interaction:  # fmt: skip
    """One interaction from a source post (target "" for a mention, target_author "" if unknown)."""
    return Interaction(platform, kind, source, author, at, target, target_author or "")


def revision_of(post: Post) -> int:
    return post.revision if isinstance(post, VersionedPost) else 0


def quarantined(platform: str | None, item: Any, reason: str) -> Quarantined:
    """The item as canonical ASCII JSON (NUL and surrogates escaped) with the reason."""
    try:
        payload = json.dumps(item, ensure_ascii=True, sort_keys=True, default=str)
    except (RecursionError, ValueError, TypeError):
        try:
            payload = repr(item)[:MAX_PAYLOAD_CHARS]
        except RecursionError:
            payload = f"<{type(item).__name__} nested too deeply to print>"
    if len(payload) > MAX_PAYLOAD_CHARS:
        payload = payload[:MAX_PAYLOAD_CHARS] + f"... [cut at {MAX_PAYLOAD_CHARS:,} characters]"
    # repr() of a str can still hold NUL; PostgreSQL text cannot.
    payload = payload.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode()
    return Quarantined(platform=platform, payload=payload, reason=reason)


def guarded(platform: str, item: Any, where: str, read: Callable[[Any], T]) -> T | Quarantined:
    """Normalise one item; whatever it contains, a failure quarantines it and nothing else."""
    try:
        return read(item)
    except NormalizationError as exc:
        return quarantined(platform, item, str(exc))
    except RecursionError:
        return quarantined(platform, item, f"{where}: nested too deeply to read")
    except Exception as exc:  # one hostile item must never stop its page
        reason = f"{where}: could not be read ({type(exc).__name__}: {str(exc)[:200]})"
        return quarantined(platform, item, reason)
