"""JSONL and CSV exports from other tools, mapped column by column onto posts."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from echolot.config import ColumnMapping, FileSource
from echolot.models import Author, AuthorSnapshot, Batch, Interaction, Post, Quarantined
from ingest.records import guarded
from ingest.sanitize import clean_json
from ingest.validation import NormalizationError, iso_timestamp, text_field

_COUNTS = {"likes": "like_count", "reposts": "repost_count", "replies": "reply_count",
           "quotes": "quote_count", "score": "score"}  # fmt: skip


def read_record_pages(source: FileSource, start_after: int = 0) -> Iterator[tuple[int, Batch]]:
    """Yield (records read so far, batch) per `batch_size` records after `start_after`."""
    assert source.columns is not None and source.platform is not None
    batch, seen = Batch(), 0
    for seen, record in enumerate(_records(source.path, source.format), start=1):
        if seen <= start_after:
            continue
        where = f"{source.path.name} record {seen}"
        if isinstance(record, Quarantined):
            batch.quarantined.append(record)
        else:
            _add_record(batch, record, source.columns, source.platform, where)
        if seen % source.batch_size == 0:
            yield seen, batch
            batch = Batch()
    if batch.posts or batch.quarantined:
        yield seen, batch


def _records(path: Path, fmt: str) -> Iterator[dict[str, Any] | Quarantined]:
    # surrogateescape keeps undecodable bytes visible, so the text check can quarantine them.
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        if fmt == "csv":
            yield from csv.DictReader(handle)
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield _bad(line, f"line {number}: not valid JSON ({exc.msg})")
                continue
            except RecursionError:
                yield _bad(line, f"line {number}: not valid JSON (nested too deeply)")
                continue
            yield (
                record if isinstance(record, dict) else _bad(line, f"line {number}: not an object")
            )


def _bad(line: str, reason: str) -> Quarantined:
    payload = line.rstrip("\n").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    payload = payload.replace("\x00", "\\x00")
    return Quarantined(platform=None, payload=payload, reason=reason)


def _add_record(
    batch: Batch, record: dict[str, Any], columns: ColumnMapping, platform: str, where: str
) -> None:
    outcome = guarded(platform, record, where, lambda r: _normalize(r, columns, platform, where))
    if isinstance(outcome, Quarantined):
        batch.quarantined.append(outcome)
        return
    post, author, snapshot = outcome
    batch.posts.append(post)
    if author:
        batch.authors.append(author)
    if snapshot:
        batch.snapshots.append(snapshot)
    if post.parent_id:
        batch.interactions.append(
            Interaction(
                platform=platform,
                kind="reply",
                source_post_id=post.platform_id,
                source_author_id=post.author_id,
                created_at=post.created_at,
                target_post_id=post.parent_id,
            )
        )


def _normalize(
    record: dict[str, Any], columns: ColumnMapping, platform: str, where: str
) -> tuple[Post, Author | None, AuthorSnapshot | None]:
    def value(field: str) -> Any:
        column = getattr(columns, field)
        return _lookup(record, column) if column else None

    post_id = _as_text(value("id"))
    if not post_id:
        raise NormalizationError(f"{where}: missing id (column {columns.id!r})")
    where = f"{where} (id {post_id[:40]})"
    text = text_field(value("text") if value("text") is not None else "", where=where)
    record = clean_json(record)
    if value("created_at") in (None, ""):
        raise NormalizationError(f"{where}: missing created_at (column {columns.created_at!r})")
    created_at = _timestamp(value("created_at"), where)
    author_id = _as_text(value("author_id"))
    counts = {attr: _count(value(field), where, field) for field, attr in _COUNTS.items()}
    parent_id = _as_text(value("parent_id"))
    post = Post(
        platform=platform,
        platform_id=post_id,
        author_id=author_id,
        kind="reply" if parent_id else "post",
        text=text,
        created_at=created_at,
        raw=record,
        title=_as_text(value("title")),
        lang_hint=_as_text(value("lang")),
        url=_as_text(value("url")),
        conversation_id=_as_text(value("conversation_id")) or parent_id or post_id,
        parent_id=parent_id,
        **counts,
    )
    author = None
    snapshot = None
    if author_id:
        author = Author(platform=platform, platform_id=author_id,
                        username=_as_text(value("author_name")))  # fmt: skip
        followers = _count(value("followers"), where, "followers")
        if followers is not None:
            snapshot = AuthorSnapshot(platform=platform, author_id=author_id,
                                      observed_at=created_at, followers=followers)  # fmt: skip
    return post, author, snapshot


def _lookup(record: dict[str, Any], path: str) -> Any:
    """CSV headers match whole; JSON records also take dotted paths like `user.id`."""
    if path in record:
        return record[path]
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _as_text(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    return str(raw)


def _count(raw: Any, where: str, field: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise NormalizationError(f"{where}: {field} {raw!r} is not a number") from None
    if number < 0 or number != int(number):
        raise NormalizationError(f"{where}: {field} {raw!r} is not a whole count")
    return int(number)


def _timestamp(raw: Any, where: str) -> datetime:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw, tz=UTC)
    if isinstance(raw, str) and raw.strip().replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(raw), tz=UTC)
    return iso_timestamp(raw, where=where)
