"""What one source's ingest did, as printed by `echolot ingest` and kept in pipeline_runs."""

from __future__ import annotations

from dataclasses import dataclass

from echolot.models import Batch
from echolot.store.ingest import BatchCounts


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
    # Referenced posts or authors the platform said it could not give (deleted, suspended).
    unavailable: int = 0
    # "Load more comments" stubs left unexpanded (Reddit), so the tree is known to be partial.
    dropped_more: int = 0
    budget_used: int | None = None
    budget_limit: int | None = None
    stopped: str | None = None

    def __post_init__(self) -> None:
        # Post ids read in this run (not a field: asdict() and XComs leave it out).
        self._seen: set[tuple[str, str]] = set()

    def add_page(
        self,
        batch: Batch,
        counts: BatchCounts,
        pages: int = 1,
        *,
        unavailable: int = 0,
        dropped_more: int = 0,
    ) -> None:
        keys = {(p.platform, p.platform_id) for p in batch.posts}
        new = keys - self._seen
        self._seen |= new
        self.pages += pages
        self.fetched += len(new)
        self.stored += counts.posts.inserted
        self.updated += counts.posts.updated
        # Already stored and unchanged. A post met twice in one run is not counted again, so an
        # empty database never reports duplicates.
        self.duplicates += max(0, len(new) - counts.posts.inserted - counts.posts.updated)
        self.quarantined += counts.quarantined
        self.unavailable += unavailable
        self.dropped_more += dropped_more
