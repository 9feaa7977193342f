"""The ingest stage: read each configured source page by page and store it idempotently."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import psycopg2.extensions

from echolot import sources, store
from echolot.config import FileSource, Source
from echolot.errors import ConfigError
from echolot.models import Window
from ingest import file_source, tabular
from ingest.records import Page
from ingest.report import SourceReport
from ingest.retry import RetryPolicy
from ingest.writer import write_page


def ingest_source(
    conn: psycopg2.extensions.connection,
    source: Source,
    *,
    window: Window | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    """Ingest one source through its registered plug-in (X and Reddit read `window` exactly;
    file sources replay whole files)."""
    plugin = sources.plugin_for(source.type)
    return plugin.ingest(conn, source, window=window, retry=retry, now=now, on_page=on_page)


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
        ((n, Page(b)) for n, b in tabular.read_record_pages(source, start_after))
        if source.format in ("jsonl", "csv")
        else ((line.number, line.page) for line in file_source.read_pages(source, start_after))
    )
    # Pages are small (an X page holds at most 100 posts); committing them in chunks of about
    # `batch_size` posts keeps the per-transaction overhead low. Each chunk still commits
    # together with the checkpoint of its last page.
    chunk, chunk_pages, position = Page(), 0, start_after
    for position, page in pages:
        chunk.extend(page)
        chunk_pages += 1
        if len(chunk.batch.posts) + len(chunk.batch.quarantined) >= source.batch_size:
            _commit_chunk(conn, source, query, digest, position, chunk, chunk_pages, report)
            chunk, chunk_pages = Page(), 0
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
    chunk: Page,
    pages: int,
    report: SourceReport,
) -> None:
    with conn, conn.cursor() as cur:
        counts = write_page(cur, source.name, chunk)
        store.save_checkpoint(cur, source.name, query, {"sha256": digest, "line": position})
    report.add_page(
        chunk.batch, counts, pages=pages, unavailable=len(chunk.unavailable),
        dropped_more=chunk.dropped_more,
    )  # fmt: skip
