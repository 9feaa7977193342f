"""Read recorded API payloads from a JSONL file, one response body per line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from echolot.config import FileSource
from echolot.models import Batch, Quarantined
from ingest import reddit_payload, x_payload


@dataclass(frozen=True)
class Page:
    """One line of the file, normalised, and where the next read should continue."""

    number: int
    batch: Batch


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_pages(source: FileSource, start_after: int = 0) -> Iterator[Page]:
    """Yield each line after `start_after` as a normalised page; bad lines become quarantine."""
    platform = "x" if source.format == "x_v2_pages" else "reddit"
    latest_seen: datetime | None = None
    with source.path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number <= start_after or not line.strip():
                continue
            try:
                body = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                reason = f"line {number}: not valid UTF-8 ({exc.reason} at byte {exc.start})"
                yield Page(number, _quarantined(platform, line, reason))
                continue
            except json.JSONDecodeError as exc:
                reason = f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
                yield Page(number, _quarantined(platform, line, reason))
                continue
            if source.format == "x_v2_pages":
                batch = (
                    x_payload.normalize_page(body)
                    if isinstance(body, dict)
                    else _quarantined(platform, line, f"line {number}: expected a JSON object")
                )
            else:
                # Profiles carry no timestamp; date their karma to the newest post read so far,
                # which keeps reruns deterministic.
                batch = reddit_payload.normalize_body(body, observed_at=latest_seen)
            for post in batch.posts:
                if latest_seen is None or post.created_at > latest_seen:
                    latest_seen = post.created_at
            yield Page(number, batch)


def _quarantined(platform: str, line: bytes, reason: str) -> Batch:
    payload = line.decode("utf-8", errors="backslashreplace").rstrip("\n")
    return Batch(quarantined=[Quarantined(platform=platform, payload=payload, reason=reason)])  # type: ignore[arg-type]
