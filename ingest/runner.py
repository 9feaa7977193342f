"""The ingest stage: read each configured source page by page and store it idempotently."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

import psycopg2.extensions

from echolot import store
from echolot.config import FileSource, RedditSource, Source, XSource
from echolot.errors import ConfigError
from echolot.models import Batch, Window
from ingest import file_source, tabular
from ingest.reddit_connector import reddit_from_environment
from ingest.reddit_source import ingest_reddit
from ingest.report import SourceReport
from ingest.retry import RetryPolicy, SourceAccessError
from ingest.x_connector import BEARER_TOKEN_ENV, make_client
from ingest.x_source import ingest_x


def ingest_source(
    conn: psycopg2.extensions.connection,
    source: Source,
    *,
    window: Window | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    """Ingest one source. X and Reddit read `window` exactly; file sources replay whole files."""
    if isinstance(source, FileSource):
        return ingest_file(conn, source, on_page)
    if isinstance(source, XSource):
        token = os.environ.get(BEARER_TOKEN_ENV)
        if not token:
            raise SourceAccessError(f"source {source.name!r}: set {BEARER_TOKEN_ENV} to read X")
        policy = retry or RetryPolicy(
            max_rate_limit_wait_seconds=source.max_rate_limit_wait_seconds
        )
        return ingest_x(
            conn, source, make_client(token), window=window, retry=policy, now=now,
            on_page=on_page,
        )  # fmt: skip
    assert isinstance(source, RedditSource)
    return ingest_reddit(
        conn, source, reddit_from_environment(), window=window, retry=retry, now=now,
        on_page=on_page,
    )  # fmt: skip


def ingest_file(
    conn: psycopg2.extensions.connection,
    source: FileSource,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    if not source.path.is_file():
        raise ConfigError(f"source {source.name!r}: file {source.path} does not exist")
    report = SourceReport(source=source.name)
    query = str(source.path)
    digest = file_source.file_digest(source.path)
    with conn, conn.cursor() as cur:
        checkpoint = store.load_checkpoint(cur, source.name, query)
    # A changed file is read again from the top; upserts make that safe.
    start_after = checkpoint.get("line", 0) if checkpoint.get("sha256") == digest else 0
    report.skipped_pages = start_after
    pages = (
        tabular.read_record_pages(source, start_after)
        if source.format in ("jsonl", "csv")
        else ((p.number, p.batch) for p in file_source.read_pages(source, start_after))
    )
    # Pages are small (an X page holds at most 100 posts); committing them in chunks of about
    # `batch_size` posts keeps the per-transaction overhead low. Each chunk still commits
    # together with the checkpoint of its last page.
    chunk, chunk_pages, position = Batch(), 0, start_after
    for position, batch in pages:
        chunk.extend(batch)
        chunk_pages += 1
        if len(chunk.posts) + len(chunk.quarantined) >= source.batch_size:
            _commit_chunk(conn, source, query, digest, position, chunk, chunk_pages, report)
            chunk, chunk_pages = Batch(), 0
            if on_page:
                on_page(position)
    if chunk_pages:
        _commit_chunk(conn, source, query, digest, position, chunk, chunk_pages, report)
    return report


def _commit_chunk(
    conn: psycopg2.extensions.connection,
    source: FileSource,
    query: str,
    digest: str,
    position: int,
    chunk: Batch,
    pages: int,
    report: SourceReport,
) -> None:
    with conn, conn.cursor() as cur:
        counts = store.write_batch(cur, source.name, chunk)
        store.save_checkpoint(cur, source.name, query, {"sha256": digest, "line": position})
    report.add_page(chunk, counts, pages=pages)
