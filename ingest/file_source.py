"""Read recorded API payloads from a JSONL file, one response body per line (X, Reddit,
Bluesky or Mastodon), through the same normalisers as the live connectors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from echolot.config import FileSource
from echolot.models import Batch, Quarantined
from ingest import bluesky_payload, mastodon_payload, reddit_payload, x_payload
from ingest.records import MAX_PAYLOAD_CHARS, Page


@dataclass(frozen=True)
class Line:
    """One line of the file, normalised, and where the next read should continue."""

    number: int
    page: Page


_PLATFORM = {"x_v2_pages": "x", "reddit_api": "reddit", "bluesky_api": "bluesky",
             "mastodon_api": "mastodon"}  # fmt: skip


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_pages(source: FileSource, start_after: int = 0) -> Iterator[Line]:
    """Yield each line after `start_after` as a normalised page; bad lines become quarantine."""
    platform = _PLATFORM[source.format]
    latest_seen: datetime | None = None
    with source.path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number <= start_after or not line.strip():
                continue
            try:
                body = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                reason = f"line {number}: not valid UTF-8 ({exc.reason} at byte {exc.start})"
                yield Line(number, _quarantined(platform, line, reason))
                continue
            except (json.JSONDecodeError, RecursionError) as exc:
                detail = (
                    f"{exc.msg} at column {exc.colno}"
                    if isinstance(exc, json.JSONDecodeError)
                    else "nested too deeply"
                )
                yield Line(
                    number,
                    _quarantined(platform, line, f"line {number}: not valid JSON ({detail})"),
                )
                continue
            if source.format == "x_v2_pages":
                page = (
                    x_payload.read_page(body)
                    if isinstance(body, dict)
                    else _quarantined(platform, line, f"line {number}: expected a JSON object")
                )
            elif source.format == "mastodon_api":
                page = mastodon_payload.read_statuses(body)
            else:
                # Profiles carry no timestamp; date their karma or followers to the newest post
                # read so far, which keeps reruns deterministic.
                read = (
                    bluesky_payload.read_body if platform == "bluesky" else reddit_payload.read_body
                )
                page = read(body, observed_at=latest_seen)
            for post in page.batch.posts:
                if latest_seen is None or post.created_at > latest_seen:
                    latest_seen = post.created_at
            yield Line(number, page)


def _quarantined(platform: str, line: bytes, reason: str) -> Page:
    payload = line.decode("utf-8", errors="backslashreplace").rstrip("\n").replace("\x00", "\\x00")
    payload = payload[:MAX_PAYLOAD_CHARS]
    return Page(Batch(quarantined=[Quarantined(platform=platform, payload=payload, reason=reason)]))
