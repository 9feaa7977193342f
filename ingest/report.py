"""What one source's ingest did, as printed by `echolot ingest` and kept in pipeline_runs."""

from __future__ import annotations

from dataclasses import dataclass

from echolot.models import Batch
from echolot.store import BatchCounts


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
    budget_used: int | None = None
    budget_limit: int | None = None
    stopped: str | None = None

    def add_page(self, batch: Batch, counts: BatchCounts, pages: int = 1) -> None:
        self.pages += pages
        self.fetched += len(batch.posts)
        self.stored += counts.posts.inserted
        self.updated += counts.posts.updated
        self.duplicates += len(batch.posts) - counts.posts.inserted - counts.posts.updated
        self.quarantined += counts.quarantined
