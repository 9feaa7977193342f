"""The ingest stage: read each configured source page by page and store it idempotently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg2.extensions

from echolot import store
from echolot.config import FileSource, Source
from echolot.errors import EcholotError
from ingest import file_source


@dataclass
class SourceReport:
    source: str
    fetched: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0
    pages: int = 0
    skipped_pages: int = 0


def ingest_source(
    conn: psycopg2.extensions.connection,
    source: Source,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    if isinstance(source, FileSource):
        return _ingest_file(conn, source, on_page)
    raise EcholotError(
        f"source {source.name!r}: the {source.type} API connector is not available in this "
        "build; replay recorded payloads with a `type: file` source instead"
    )


def _ingest_file(
    conn: psycopg2.extensions.connection,
    source: FileSource,
    on_page: Callable[[int], None] | None,
) -> SourceReport:
    report = SourceReport(source=source.name)
    query = str(source.path)
    digest = file_source.file_digest(source.path)
    with conn, conn.cursor() as cur:
        checkpoint = store.load_checkpoint(cur, source.name, query)
    # A changed file is read again from the top; upserts make that safe.
    start_after = checkpoint.get("line", 0) if checkpoint.get("sha256") == digest else 0
    report.skipped_pages = start_after
    for page in file_source.read_pages(source, start_after=start_after):
        # The page and its checkpoint commit together: a crash between pages loses nothing
        # and a rerun neither skips nor doubles a page.
        with conn, conn.cursor() as cur:
            counts = store.write_batch(cur, source.name, page.batch)
            store.save_checkpoint(cur, source.name, query, {"sha256": digest, "line": page.number})
        report.pages += 1
        report.fetched += len(page.batch.posts)
        report.stored += counts.posts.inserted
        report.updated += counts.posts.updated
        report.duplicates += len(page.batch.posts) - counts.posts.inserted - counts.posts.updated
        report.quarantined += counts.quarantined
        if on_page:
            on_page(page.number)
    return report
